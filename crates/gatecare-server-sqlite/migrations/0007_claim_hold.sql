-- A claim holds until `claimed_until` (central's configured hold, 10
-- minutes by default); after that a real issuance by any device takes the
-- entitlement. NULL for issued and voided rows, and for claims made before
-- this was kept (they lapse at once).
ALTER TABLE entitlements ADD COLUMN claimed_until TEXT;
