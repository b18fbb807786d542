-- Sync with central: this device's enrolment, the feed cursor, what central
-- acknowledged, and what other devices did (so this one does not issue the
-- same entitlement twice).

-- One row: the central this kiosk is enrolled with.
CREATE TABLE sync_enrolment (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    central_url TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    station     TEXT NOT NULL,
    token       TEXT NOT NULL,
    enrolled_at TEXT NOT NULL
) STRICT;

-- The feed cursor and the worker's last outcome. Applied with each page in
-- one transaction.
CREATE TABLE sync_cursor (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    after         INTEGER NOT NULL,
    last_pull_at  TEXT,
    last_push_at  TEXT,
    last_error    TEXT,
    last_error_at TEXT
) STRICT;
INSERT INTO sync_cursor (id, after) VALUES (1, 0);

-- Central's answer for each of our events (sync_events rows are never
-- updated after acknowledgement except for these columns).
CREATE TABLE sync_acks (
    seq        INTEGER PRIMARY KEY NOT NULL REFERENCES sync_events (seq),
    server_seq INTEGER NOT NULL,
    outcome    TEXT NOT NULL,
    acked_at   TEXT NOT NULL
) STRICT;

-- Issuance by other devices at this station, from the feed.
CREATE TABLE remote_issuance (
    entitlement_key TEXT PRIMARY KEY NOT NULL,
    voucher_id      TEXT NOT NULL,
    device          TEXT NOT NULL,
    flight_id       TEXT NOT NULL,
    passenger_id    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    server_seq      INTEGER NOT NULL
) STRICT;

-- Vouchers that no longer verify (voided anywhere, or lost a double issuance).
CREATE TABLE void_list (
    voucher_id TEXT PRIMARY KEY NOT NULL,
    voided_at  TEXT NOT NULL,
    reason     TEXT NOT NULL
) STRICT;

-- Double issuances central detected at this station, for the agents.
CREATE TABLE sync_conflicts (
    loser_voucher_id  TEXT PRIMARY KEY NOT NULL,
    entitlement_key   TEXT NOT NULL,
    winner_voucher_id TEXT NOT NULL,
    body              TEXT NOT NULL,
    detected_at       TEXT NOT NULL
) STRICT;

-- Delay and cancellation updates central published (also applied to
-- disruption_updates when the flight is known here).
CREATE TABLE remote_flight_updates (
    server_seq INTEGER PRIMARY KEY NOT NULL,
    flight_id  TEXT NOT NULL,
    body       TEXT NOT NULL
) STRICT;
