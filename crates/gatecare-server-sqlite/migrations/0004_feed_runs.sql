-- The feed as items and runs (see gatecare_server_database::feed): one row
-- per item keyed by server_seq, and what a push's or a publication's items
-- share stored once per run. Replaces device_events + feed, whose five
-- per-event index entries made ingest four times slower than an append.
-- An event's content hash goes: a replay is compared with the stored body.
CREATE TABLE feed_items (
    server_seq INTEGER PRIMARY KEY NOT NULL,
    -- The event kind for a device's event; NULL for what central publishes.
    kind       TEXT,
    -- What central did with a device's event; NULL when it was applied.
    outcome    TEXT,
    body       TEXT NOT NULL
) STRICT;

CREATE TABLE feed_runs (
    first_seq        INTEGER PRIMARY KEY NOT NULL,
    last_seq         INTEGER NOT NULL CHECK (last_seq >= first_seq),
    station          TEXT NOT NULL,
    topic            TEXT NOT NULL,
    origin_device    TEXT REFERENCES devices (id),
    -- The device seq of the run's first event (device runs only).
    first_device_seq INTEGER,
    at               TEXT NOT NULL
) STRICT;
CREATE INDEX feed_runs_by_station ON feed_runs (station, last_seq);
CREATE UNIQUE INDEX feed_runs_by_device ON feed_runs (origin_device, first_device_seq)
    WHERE first_device_seq IS NOT NULL;

INSERT INTO feed_items (server_seq, kind, outcome, body)
SELECT f.server_seq, d.kind, CASE WHEN d.outcome = '{"result":"applied"}' THEN NULL ELSE d.outcome END, f.body
FROM feed f LEFT JOIN device_events d ON d.server_seq = f.server_seq;
INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at)
SELECT f.server_seq, f.server_seq, f.station, f.topic, f.origin_device, d.seq, f.at
FROM feed f LEFT JOIN device_events d ON d.server_seq = f.server_seq;

-- Service-recovery events are few among many (see 0003).
CREATE INDEX feed_items_cases ON feed_items (server_seq) WHERE kind IN ('case_opened', 'case_updated');

DROP TABLE device_events;
DROP TABLE feed;

-- Entitlements keyed by their key alone (one B-tree, not a table and an
-- index), keeping what the checks and totals read. Flight, passenger, kind
-- and time are in the issuing event's feed body; nothing looked vouchers up
-- here by id, so that index goes.
ALTER TABLE entitlements RENAME TO entitlements_0001;
CREATE TABLE entitlements (
    entitlement_key TEXT PRIMARY KEY NOT NULL,
    voucher_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    flight_id       TEXT NOT NULL,
    value_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'issued', 'voided'))
) STRICT, WITHOUT ROWID;
INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, state)
SELECT entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, state FROM entitlements_0001;
DROP TABLE entitlements_0001;

-- Feed items take the next rowid as their server_seq: SQLite has one
-- writer, so rowid order is commit order and no counter is needed.
DROP TABLE counters;
