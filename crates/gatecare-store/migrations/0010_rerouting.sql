-- A cancellation's re-routing. For a cancellation (and denied boarding)
-- expected_departure / expected_arrival are the re-routed flight's times, NULL
-- while not yet known; reroute_flight names it (e.g. LH797), when known.
ALTER TABLE disruption_updates ADD COLUMN reroute_flight TEXT;

-- A passenger re-routed differently from the flight's default (another
-- flight, another day). The latest row per passenger and flight wins; rows
-- are never changed, like the disruption history.
CREATE TABLE passenger_reroutes (
    id             TEXT PRIMARY KEY NOT NULL,
    flight_id      TEXT NOT NULL REFERENCES flights (id),
    passenger_id   TEXT NOT NULL REFERENCES passengers (id),
    reroute_flight TEXT,
    departure      TEXT,
    arrival        TEXT,
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL
) STRICT;
CREATE INDEX passenger_reroutes_by_passenger ON passenger_reroutes (flight_id, passenger_id, recorded_at);
