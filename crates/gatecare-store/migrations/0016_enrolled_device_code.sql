-- The code this device was enrolled under (HKG-K01): its serials and its
-- signing key's id (HKG-K01#1) carry it, and central certified that key.
-- A device started under another code would sign vouchers no trust list
-- accepts. Enrolments from before keep NULL (the configured code stands).
ALTER TABLE sync_enrolment ADD COLUMN device_code TEXT;
