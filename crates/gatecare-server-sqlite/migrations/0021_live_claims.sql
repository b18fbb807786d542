-- A device's claims not yet issued, counted before it may claim more
-- (`live_claims`): claims only, so issued vouchers do not grow it.
CREATE INDEX entitlement_facts_live_claims ON entitlement_facts (device_id, claimed_until)
    WHERE claimed_until IS NOT NULL;
