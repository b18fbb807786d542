-- The issuance ledger, print journal, audit log, sync event log, leases,
-- hotel allocations, reference tables and the name index.
-- Ledger, journal and audit records are append-only: triggers refuse
-- UPDATE and DELETE, so even a bug cannot rewrite history.

CREATE TABLE airports (
    iata    TEXT PRIMARY KEY NOT NULL,
    name    TEXT NOT NULL,
    city    TEXT NOT NULL,
    country TEXT NOT NULL,
    lat     REAL NOT NULL,
    lon     REAL NOT NULL,
    tz      TEXT NOT NULL
) STRICT;

CREATE TABLE carriers (
    iata            TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    licence_country TEXT,
    appr_size       TEXT
) STRICT;

CREATE TABLE ledger_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    event           TEXT NOT NULL CHECK (event IN ('issued', 'voided', 'reprinted')),
    entitlement_key TEXT NOT NULL,
    voucher_id      TEXT NOT NULL,
    serial          TEXT NOT NULL,
    passenger_id    TEXT NOT NULL,
    flight_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    value_minor     INTEGER NOT NULL CHECK (value_minor >= 0),
    currency        TEXT NOT NULL,
    statutory       INTEGER NOT NULL,
    provisional     INTEGER NOT NULL DEFAULT 0,
    -- JSON: citation, hotel block, lounge, what the voucher buys.
    details         TEXT NOT NULL DEFAULT '{}',
    actor           TEXT NOT NULL,
    approver        TEXT,
    device          TEXT NOT NULL,
    at              TEXT NOT NULL,
    reason          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
) STRICT;
-- Issuing is idempotent on the entitlement key: one 'issued' per key.
CREATE UNIQUE INDEX ledger_one_issue_per_key ON ledger_events (entitlement_key) WHERE event = 'issued';
CREATE INDEX ledger_by_voucher ON ledger_events (voucher_id);
CREATE INDEX ledger_by_passenger ON ledger_events (passenger_id, flight_id);
CREATE INDEX ledger_by_flight ON ledger_events (flight_id, event);
CREATE INDEX ledger_by_device_time ON ledger_events (device, at);
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
BEGIN SELECT RAISE(ABORT, 'ledger_events is append-only'); END;
CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
BEGIN SELECT RAISE(ABORT, 'ledger_events is append-only'); END;

-- What happened at the printer, after the ledger commit.
CREATE TABLE print_journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    voucher_id TEXT NOT NULL,
    serial     TEXT NOT NULL,
    ledger_seq INTEGER NOT NULL REFERENCES ledger_events (seq),
    state      TEXT NOT NULL CHECK (state IN ('queued', 'printed', 'failed')),
    printer    TEXT,
    detail     TEXT,
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX print_journal_by_voucher ON print_journal (voucher_id);
CREATE TRIGGER print_journal_no_update BEFORE UPDATE ON print_journal
BEGIN SELECT RAISE(ABORT, 'print_journal is append-only'); END;
CREATE TRIGGER print_journal_no_delete BEFORE DELETE ON print_journal
BEGIN SELECT RAISE(ABORT, 'print_journal is append-only'); END;

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    device    TEXT NOT NULL,
    action    TEXT NOT NULL,
    details   TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- This device's outgoing events: a gapless seq and a UUIDv7 id (the sync
-- issue defines the protocol that acknowledges them).
CREATE TABLE sync_events (
    seq        INTEGER PRIMARY KEY NOT NULL,
    event_id   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    acked_at   TEXT
) STRICT;

CREATE TABLE leases (
    id         TEXT PRIMARY KEY NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('entitlement', 'flight')),
    key        TEXT NOT NULL,
    device     TEXT NOT NULL,
    gate       TEXT,
    expires_at TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
) STRICT;
CREATE INDEX leases_by_key ON leases (scope, key);

CREATE TABLE hotel_allocations (
    id             TEXT PRIMARY KEY NOT NULL,
    hotel_block_id TEXT NOT NULL REFERENCES hotel_blocks (id),
    passenger_id   TEXT NOT NULL,
    voucher_id     TEXT NOT NULL,
    rooms          INTEGER NOT NULL CHECK (rooms > 0),
    -- Allocated offline from the local block; central reconciles.
    provisional    INTEGER NOT NULL,
    at             TEXT NOT NULL
) STRICT;

-- Search tokens: folded Latin names, pinyin of Chinese names, the Chinese
-- names themselves. Prefix look-ups use the primary key.
CREATE TABLE name_index (
    token        TEXT NOT NULL,
    passenger_id TEXT NOT NULL,
    PRIMARY KEY (token, passenger_id)
) STRICT, WITHOUT ROWID;
