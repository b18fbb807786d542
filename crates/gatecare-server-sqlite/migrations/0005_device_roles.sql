-- no-transaction
-- Three device roles: `console` (a gate agent's) joins `kiosk` (a
-- passenger's) and `merchant`. A device enrolled as a kiosk that has pushed
-- what only an agent does becomes a console, so nothing it pushed before is
-- refused in hindsight. SQLite cannot change a CHECK in place: both tables
-- are rebuilt with foreign keys off (https://sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"), hence no transaction of sqlx's.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE enrolment_codes_0005 (
    code_hash  TEXT PRIMARY KEY NOT NULL,
    station    TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('kiosk', 'console', 'merchant')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    used_by    TEXT
) STRICT;
INSERT INTO enrolment_codes_0005 (code_hash, station, role, created_at, expires_at, used_at, used_by)
SELECT code_hash, station, role, created_at, expires_at, used_at, used_by FROM enrolment_codes;
DROP TABLE enrolment_codes;
ALTER TABLE enrolment_codes_0005 RENAME TO enrolment_codes;

CREATE TABLE devices_0005 (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    station            TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('kiosk', 'console', 'merchant')),
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
INSERT INTO devices_0005 (id, name, station, role, token_hash, signing_kid, signing_public_key, not_before,
                          not_after, certificate, enrolled_at, revoked_at, high_seq, last_seen_at)
SELECT id, name, station, role, token_hash, signing_kid, signing_public_key, not_before,
       not_after, certificate, enrolled_at, revoked_at, high_seq, last_seen_at FROM devices;
DROP TABLE devices;
ALTER TABLE devices_0005 RENAME TO devices;

-- What only an agent pushes: disruptions, refund choices, re-routings, case
-- work, profile notes, and vouchers not owed by law or replacing a void.
UPDATE devices SET role = 'console'
WHERE role = 'kiosk' AND id IN (
    SELECT r.origin_device FROM feed_runs r
    JOIN feed_items i ON i.server_seq BETWEEN r.first_seq AND r.last_seq
    WHERE r.origin_device IS NOT NULL AND i.outcome IS NULL
      AND (i.kind IN ('disruption_updated', 'refund_chosen', 'passenger_rerouted', 'case_updated', 'profile_note')
           OR (i.kind = 'issued' AND (json_extract(i.body, '$.payload.statutory') = 0
                                      OR json_extract(i.body, '$.payload.replaces') IS NOT NULL))));

COMMIT;
PRAGMA foreign_keys = ON;
