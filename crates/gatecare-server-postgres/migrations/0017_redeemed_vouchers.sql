-- What each redemption bought, from the voucher's verified payload: a
-- merchant's day list (what the airline pays it) and the airline's report
-- read it without the voucher. Redemptions stored before keep NULLs there.
ALTER TABLE redemptions
    ADD COLUMN kind TEXT,
    ADD COLUMN value_minor BIGINT,
    ADD COLUMN currency TEXT,
    ADD COLUMN flight TEXT,
    ADD COLUMN flight_date TEXT,
    ADD COLUMN serial TEXT;
CREATE INDEX redemptions_by_device ON redemptions (device_id, redeemed_at);
