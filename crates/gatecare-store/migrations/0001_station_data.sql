-- The station's cached view of flights, passengers and resources.
-- Append-only: never edit a migration that has shipped; add a new one.
-- Times are RFC 3339 UTC text ("2026-11-22T05:30:00Z"); ids are UUIDv7 text.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE flights (
    id                  TEXT PRIMARY KEY NOT NULL,
    carrier             TEXT NOT NULL,
    number              TEXT NOT NULL,
    origin              TEXT NOT NULL,
    destination         TEXT NOT NULL,
    scheduled_departure TEXT NOT NULL,
    scheduled_arrival   TEXT NOT NULL,
    gate                TEXT,
    aircraft            TEXT,
    UNIQUE (carrier, number, scheduled_departure)
) STRICT;
CREATE INDEX flights_by_origin_time ON flights (origin, scheduled_departure);

CREATE TABLE flight_cabins (
    flight_id TEXT NOT NULL REFERENCES flights (id),
    cabin     TEXT NOT NULL,
    seats     INTEGER NOT NULL CHECK (seats >= 0),
    booked    INTEGER NOT NULL CHECK (booked >= 0),
    PRIMARY KEY (flight_id, cabin)
) STRICT;

-- Every change to a flight's disruption is a new row (who and when); the
-- current state is the latest row per flight.
CREATE TABLE disruption_updates (
    id                 TEXT PRIMARY KEY NOT NULL,
    flight_id          TEXT NOT NULL REFERENCES flights (id),
    kind               TEXT NOT NULL CHECK (kind IN ('delay', 'cancellation', 'denied_boarding', 'diversion', 'resolved')),
    cause              TEXT NOT NULL,
    expected_departure TEXT,
    expected_arrival   TEXT,
    recorded_at        TEXT NOT NULL,
    recorded_by        TEXT NOT NULL
) STRICT;
CREATE INDEX disruption_updates_by_flight ON disruption_updates (flight_id, recorded_at);

CREATE TABLE passengers (
    id                      TEXT PRIMARY KEY NOT NULL,
    surname                 TEXT NOT NULL,
    given_names             TEXT NOT NULL,
    native_name             TEXT,
    birth_year              INTEGER,
    nationality             TEXT,
    lives_in_departure_city INTEGER NOT NULL DEFAULT 0,
    -- Comma-separated SpecialNeed names ("wheelchair,infant").
    needs                   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX passengers_by_surname ON passengers (surname, given_names);

CREATE TABLE loyalty_profiles (
    passenger_id           TEXT PRIMARY KEY NOT NULL REFERENCES passengers (id),
    ff_airline             TEXT,
    ff_number              TEXT,
    tier                   TEXT NOT NULL DEFAULT 'none',
    miles                  INTEGER NOT NULL DEFAULT 0,
    complaints_filed       INTEGER NOT NULL DEFAULT 0,
    service_sensitivity    INTEGER NOT NULL DEFAULT 0,
    flights_last_12_months INTEGER NOT NULL DEFAULT 0,
    weekday_share_pct      INTEGER NOT NULL DEFAULT 0,
    channel                TEXT NOT NULL DEFAULT 'direct',
    occupation             TEXT NOT NULL DEFAULT 'other',
    -- JSON array of what front-line staff learned ("flies_rivals_often", ...).
    staff_notes            TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE UNIQUE INDEX loyalty_by_ff ON loyalty_profiles (ff_number) WHERE ff_number IS NOT NULL;

CREATE TABLE passenger_groups (
    id        TEXT PRIMARY KEY NOT NULL,
    name      TEXT NOT NULL,
    flight_id TEXT NOT NULL REFERENCES flights (id)
) STRICT;

-- A passenger's booked segment on one flight: the cached manifest.
CREATE TABLE segments (
    id                TEXT PRIMARY KEY NOT NULL,
    passenger_id      TEXT NOT NULL REFERENCES passengers (id),
    flight_id         TEXT NOT NULL REFERENCES flights (id),
    pnr               TEXT NOT NULL,
    ticket_number     TEXT NOT NULL,
    cabin             TEXT NOT NULL,
    booking_class     TEXT NOT NULL,
    seat              TEXT,
    check_in_sequence INTEGER,
    group_id          TEXT REFERENCES passenger_groups (id),
    group_leader      INTEGER NOT NULL DEFAULT 0,
    boarding_pass     TEXT,
    UNIQUE (flight_id, passenger_id)
) STRICT;
CREATE INDEX segments_by_flight ON segments (flight_id);
CREATE INDEX segments_by_pnr ON segments (pnr);
CREATE UNIQUE INDEX segments_by_ticket ON segments (ticket_number);

CREATE TABLE hotel_blocks (
    id           TEXT PRIMARY KEY NOT NULL,
    station      TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_zh      TEXT,
    address      TEXT NOT NULL,
    stars        INTEGER NOT NULL,
    rooms_total  INTEGER NOT NULL CHECK (rooms_total >= 0),
    rooms_left   INTEGER NOT NULL CHECK (rooms_left >= 0),
    rate_minor   INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    transport    TEXT NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_until  TEXT NOT NULL
) STRICT;

CREATE TABLE lounges (
    id       TEXT PRIMARY KEY NOT NULL,
    station  TEXT NOT NULL,
    name     TEXT NOT NULL,
    operator TEXT NOT NULL,
    location TEXT NOT NULL,
    opens    TEXT NOT NULL,
    closes   TEXT NOT NULL
) STRICT;

-- Agents of this station only; PINs as argon2id PHC strings, never clear.
CREATE TABLE agents (
    id              TEXT PRIMARY KEY NOT NULL,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'duty_manager')),
    station         TEXT NOT NULL,
    pin_hash        TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT
) STRICT;

CREATE TABLE star_bands (
    stars     INTEGER PRIMARY KEY NOT NULL CHECK (stars BETWEEN 1 AND 6),
    min_score INTEGER NOT NULL CHECK (min_score BETWEEN 0 AND 100)
) STRICT;
