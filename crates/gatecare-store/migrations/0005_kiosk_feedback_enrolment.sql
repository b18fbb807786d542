-- What passengers tell the kiosk: a one-tap rating after care, and
-- frequent-flyer enrolments. Both also go to the sync log for central.
CREATE TABLE feedback (
    id           TEXT PRIMARY KEY NOT NULL,
    passenger_id TEXT NOT NULL REFERENCES passengers (id),
    flight_id    TEXT NOT NULL REFERENCES flights (id),
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    device       TEXT NOT NULL,
    at           TEXT NOT NULL
) STRICT;

CREATE TABLE enrolments (
    id           TEXT PRIMARY KEY NOT NULL,
    passenger_id TEXT NOT NULL UNIQUE REFERENCES passengers (id),
    ff_number    TEXT NOT NULL UNIQUE,
    mobile       TEXT NOT NULL,
    consent      INTEGER NOT NULL CHECK (consent = 1),
    device       TEXT NOT NULL,
    at           TEXT NOT NULL
) STRICT;
