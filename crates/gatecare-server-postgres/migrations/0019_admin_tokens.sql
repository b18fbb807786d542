-- The airline's report readers: tokens for `GET /v1/reports/…`, stored
-- hashed like device tokens. Redemptions are read by time and by flight.
CREATE TABLE admin_tokens (
    token_hash TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX redemptions_by_time ON redemptions (redeemed_at);
CREATE INDEX redemptions_by_flight ON redemptions (flight, flight_date);
-- A flight's vouchers by the prefix of their keys, in byte order whatever the
-- database's collation.
CREATE INDEX entitlements_by_key_bytes ON entitlements (entitlement_key COLLATE "C");
