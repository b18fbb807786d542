-- Offline redemptions. An administrator lets a merchant accept up to
-- `offline_limit` vouchers while its page cannot reach central (default:
-- none). A redemption sent later carries the till's time (`offline`); if the
-- voucher was redeemed elsewhere meanwhile, the later one is kept as a
-- redemption conflict beside the first: the voucher, both merchants, both
-- times.
CREATE TABLE merchant_limits (
    device_id     UUID PRIMARY KEY REFERENCES devices (id),
    offline_limit INTEGER NOT NULL CHECK (offline_limit BETWEEN 0 AND 1000)
);
ALTER TABLE redemptions ADD COLUMN offline BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE redemption_conflicts (
    redemption_id       UUID PRIMARY KEY,
    voucher_id          TEXT NOT NULL,
    device_id           UUID NOT NULL REFERENCES devices (id),
    accepted_at         TIMESTAMPTZ NOT NULL,
    first_redemption_id UUID NOT NULL REFERENCES redemptions (redemption_id),
    recorded_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX redemption_conflicts_by_time ON redemption_conflicts (accepted_at);
CREATE INDEX redemption_conflicts_by_first ON redemption_conflicts (first_redemption_id);
