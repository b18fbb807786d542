-- A revoked key's kept vouchers are named with what central received of
-- each (entitlement, kind, value, serial, time), not by id alone: the ids
-- are public on the trust list, so a thief with the key could otherwise put
-- a kept id on a voucher of any value. Rows of ids alone keep nothing.
ALTER TABLE revocations ALTER COLUMN kept TYPE JSONB USING to_jsonb(kept);
