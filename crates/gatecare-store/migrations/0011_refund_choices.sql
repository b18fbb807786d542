-- A passenger who chooses a refund instead of travelling on is owed no care
-- from then (EU261 Art 8(1)(a) and the like). One choice per passenger and
-- flight; it travels to the station's other devices through central.
CREATE TABLE refund_choices (
    id           TEXT PRIMARY KEY NOT NULL,
    flight_id    TEXT NOT NULL,
    passenger_id TEXT NOT NULL,
    chosen_at    TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    device       TEXT NOT NULL,
    UNIQUE (flight_id, passenger_id)
) STRICT;
