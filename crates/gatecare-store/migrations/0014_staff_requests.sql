-- A passenger the kiosk must not serve alone (an unaccompanied minor) asks
-- for staff: the request reaches every console of the station, which shows
-- it at the top of the flight. One per passenger and flight.
CREATE TABLE staff_requests (
    id           TEXT PRIMARY KEY NOT NULL,
    flight_id    TEXT NOT NULL,
    passenger_id TEXT NOT NULL,
    reason       TEXT NOT NULL,
    device       TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    UNIQUE (flight_id, passenger_id)
) STRICT;
