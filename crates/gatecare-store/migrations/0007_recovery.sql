-- Service recovery: complaint and care-failure cases, opened here or
-- received from another device at the station through the feed. A case's
-- state is the fold of its updates (gatecare-recovery), never stored: every
-- device folds the same events the same way.

CREATE TABLE cases (
    case_id       TEXT PRIMARY KEY NOT NULL,
    -- `ff:<number>` for members (follows them across flights), else `pax:<id>`.
    profile_key   TEXT NOT NULL,
    passenger_id  TEXT NOT NULL,
    flight_id     TEXT NOT NULL,
    station       TEXT NOT NULL,
    category      TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    -- The `case_opened` payload.
    body          TEXT NOT NULL,
    origin_device TEXT NOT NULL
) STRICT;
CREATE INDEX cases_by_profile ON cases (profile_key);
CREATE INDEX cases_by_opened ON cases (opened_at);

CREATE TABLE case_updates (
    update_id     TEXT PRIMARY KEY NOT NULL,
    case_id       TEXT NOT NULL,
    at            TEXT NOT NULL,
    -- The `case_updated` payload.
    body          TEXT NOT NULL,
    origin_device TEXT NOT NULL
) STRICT;
CREATE INDEX case_updates_by_case ON case_updates (case_id);
