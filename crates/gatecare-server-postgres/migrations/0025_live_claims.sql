-- A device's claims not yet issued, counted before it may claim more
-- (`live_claims`): claims only, so issued vouchers do not grow it.
CREATE INDEX entitlements_live_claims ON entitlements (device_id, claimed_until) WHERE state = 'claimed';
