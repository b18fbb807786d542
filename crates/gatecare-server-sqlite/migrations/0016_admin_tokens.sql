-- The airline's report readers: tokens for `GET /v1/reports/…`, stored
-- hashed like device tokens. Redemptions are read by time and by flight.
CREATE TABLE admin_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX redemptions_by_time ON redemptions (redeemed_at);
CREATE INDEX redemptions_by_flight ON redemptions (flight, flight_date);
