-- Who voided what: the device that pushed the void (none when central voided
-- a double issuance's loser or a refused voucher itself) and the agent it
-- named, or `central`.
ALTER TABLE voids ADD COLUMN voided_by_device UUID, ADD COLUMN voided_by TEXT;
