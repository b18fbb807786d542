-- Central's store, embedded edition. UUIDs and times are TEXT (UUID text,
-- RFC 3339 UTC); the PostgreSQL edition uses native types for the same shape.

-- One global, gapless sequence for the feed. Taking the next value locks the
-- row until commit, so feed rows become visible in server_seq order.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, value) VALUES ('server_seq', 0);

CREATE TABLE enrolment_codes (
    code_hash  TEXT PRIMARY KEY NOT NULL,
    station    TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('kiosk', 'merchant')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    used_by    TEXT
) STRICT;

CREATE TABLE devices (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    station            TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('kiosk', 'merchant')),
    token_hash         TEXT NOT NULL UNIQUE,
    signing_kid        TEXT UNIQUE,
    signing_public_key TEXT,
    not_before         TEXT,
    not_after          TEXT,
    certificate        TEXT,
    enrolled_at        TEXT NOT NULL,
    revoked_at         TEXT,
    high_seq           INTEGER NOT NULL DEFAULT 0,
    last_seen_at       TEXT
) STRICT;

-- Idempotency: one row per (device, seq); a replay is answered from here.
CREATE TABLE device_events (
    device_id    TEXT NOT NULL REFERENCES devices (id),
    seq          INTEGER NOT NULL,
    event_id     TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    server_seq   INTEGER NOT NULL UNIQUE,
    outcome      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;

CREATE TABLE feed (
    server_seq    INTEGER PRIMARY KEY NOT NULL,
    station       TEXT NOT NULL,
    topic         TEXT NOT NULL,
    origin_device TEXT,
    body          TEXT NOT NULL,
    at            TEXT NOT NULL
) STRICT;
CREATE INDEX feed_by_station ON feed (station, server_seq);

-- One row per entitlement key: the first issuance wins.
CREATE TABLE entitlements (
    entitlement_key TEXT PRIMARY KEY NOT NULL,
    voucher_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    flight_id       TEXT NOT NULL,
    passenger_id    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    value_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'issued', 'voided')),
    at              TEXT NOT NULL
) STRICT;
CREATE INDEX entitlements_by_voucher ON entitlements (voucher_id);

CREATE TABLE conflicts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    entitlement_key   TEXT NOT NULL,
    station           TEXT NOT NULL,
    flight_id         TEXT NOT NULL,
    passenger_id      TEXT NOT NULL,
    winner_voucher_id TEXT NOT NULL,
    winner_device     TEXT NOT NULL,
    loser_voucher_id  TEXT NOT NULL UNIQUE,
    loser_device      TEXT NOT NULL,
    detected_at       TEXT NOT NULL
) STRICT;

CREATE TABLE voids (
    voucher_id TEXT PRIMARY KEY NOT NULL,
    voided_at  TEXT NOT NULL,
    reason     TEXT NOT NULL
) STRICT;

CREATE TABLE leases (
    id         TEXT PRIMARY KEY NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('entitlement', 'flight')),
    key        TEXT NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    expires_at TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
) STRICT;
CREATE INDEX leases_by_key ON leases (scope, key);

CREATE TABLE redemptions (
    redemption_id TEXT PRIMARY KEY NOT NULL,
    voucher_id    TEXT NOT NULL UNIQUE,
    device_id     TEXT NOT NULL REFERENCES devices (id),
    redeemed_at   TEXT NOT NULL
) STRICT;
