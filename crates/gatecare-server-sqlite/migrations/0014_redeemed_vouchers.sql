-- What each redemption bought, from the voucher's verified payload: a
-- merchant's day list (what the airline pays it) and the airline's report
-- read it without the voucher. Redemptions stored before keep NULLs there.
ALTER TABLE redemptions ADD COLUMN kind TEXT;
ALTER TABLE redemptions ADD COLUMN value_minor INTEGER;
ALTER TABLE redemptions ADD COLUMN currency TEXT;
ALTER TABLE redemptions ADD COLUMN flight TEXT;
ALTER TABLE redemptions ADD COLUMN flight_date TEXT;
ALTER TABLE redemptions ADD COLUMN serial TEXT;
CREATE INDEX redemptions_by_device ON redemptions (device_id, redeemed_at);
