-- Offline redemptions. An administrator lets a merchant accept up to
-- `offline_limit` vouchers while its page cannot reach central (default:
-- none). A redemption sent later carries the till's time (`offline`); if the
-- voucher was redeemed elsewhere meanwhile, the later one is kept as a
-- redemption conflict beside the first: the voucher, both merchants, both
-- times.
CREATE TABLE merchant_limits (
    device_id     TEXT PRIMARY KEY NOT NULL REFERENCES devices (id),
    offline_limit INTEGER NOT NULL CHECK (offline_limit BETWEEN 0 AND 1000)
) STRICT;
ALTER TABLE redemptions ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
CREATE TABLE redemption_conflicts (
    redemption_id       TEXT PRIMARY KEY NOT NULL,
    voucher_id          TEXT NOT NULL,
    device_id           TEXT NOT NULL REFERENCES devices (id),
    accepted_at         TEXT NOT NULL,
    first_redemption_id TEXT NOT NULL REFERENCES redemptions (redemption_id),
    recorded_at         TEXT NOT NULL
) STRICT;
CREATE INDEX redemption_conflicts_by_time ON redemption_conflicts (accepted_at);
CREATE INDEX redemption_conflicts_by_first ON redemption_conflicts (first_redemption_id);
