-- Central's store, PostgreSQL edition (the same shape as the SQLite one).

-- One global, gapless sequence for the feed. Taking the next value locks the
-- row until commit, so feed rows become visible in server_seq order and a
-- reader paging by server_seq never skips a row committed late.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('server_seq', 0);

CREATE TABLE enrolment_codes (
    code_hash  TEXT PRIMARY KEY,
    station    TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('kiosk', 'merchant')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    used_by    UUID
);

CREATE TABLE devices (
    id                 UUID PRIMARY KEY,
    name               TEXT NOT NULL,
    station            TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('kiosk', 'merchant')),
    token_hash         TEXT NOT NULL UNIQUE,
    signing_kid        TEXT UNIQUE,
    signing_public_key TEXT,
    not_before         TIMESTAMPTZ,
    not_after          TIMESTAMPTZ,
    certificate        TEXT,
    enrolled_at        TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ,
    high_seq           BIGINT NOT NULL DEFAULT 0,
    last_seen_at       TIMESTAMPTZ
);

CREATE TABLE device_events (
    device_id    UUID NOT NULL REFERENCES devices (id),
    seq          BIGINT NOT NULL,
    event_id     UUID NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    server_seq   BIGINT NOT NULL UNIQUE,
    outcome      JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, seq)
);

CREATE TABLE feed (
    server_seq    BIGINT PRIMARY KEY,
    station       TEXT NOT NULL,
    topic         TEXT NOT NULL,
    origin_device UUID,
    body          JSONB NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_by_station ON feed (station, server_seq);

CREATE TABLE entitlements (
    entitlement_key TEXT PRIMARY KEY,
    voucher_id      TEXT NOT NULL,
    device_id       UUID NOT NULL,
    flight_id       TEXT NOT NULL,
    passenger_id    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    value_minor     BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'issued', 'voided')),
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX entitlements_by_voucher ON entitlements (voucher_id);

CREATE TABLE conflicts (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entitlement_key   TEXT NOT NULL,
    station           TEXT NOT NULL,
    flight_id         TEXT NOT NULL,
    passenger_id      TEXT NOT NULL,
    winner_voucher_id TEXT NOT NULL,
    winner_device     UUID NOT NULL,
    loser_voucher_id  TEXT NOT NULL UNIQUE,
    loser_device      UUID NOT NULL,
    detected_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE voids (
    voucher_id TEXT PRIMARY KEY,
    voided_at  TIMESTAMPTZ NOT NULL,
    reason     TEXT NOT NULL
);

CREATE TABLE leases (
    id         UUID PRIMARY KEY,
    scope      TEXT NOT NULL CHECK (scope IN ('entitlement', 'flight')),
    key        TEXT NOT NULL,
    device_id  UUID NOT NULL REFERENCES devices (id),
    expires_at TIMESTAMPTZ NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX leases_by_key ON leases (scope, key);

CREATE TABLE redemptions (
    redemption_id UUID PRIMARY KEY,
    voucher_id    TEXT NOT NULL UNIQUE,
    device_id     UUID NOT NULL REFERENCES devices (id),
    redeemed_at   TIMESTAMPTZ NOT NULL
);
