-- Which station each flight central published belongs to: a device's
-- issuance and claims are accepted only for its own station's flights.
-- Flights central never published (a device's own data) are not judged.
CREATE TABLE station_flights (
    flight_id TEXT PRIMARY KEY NOT NULL,
    station   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
