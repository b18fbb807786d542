-- The flight part of the entitlement keys a published flight's passengers
-- get (designator and local date, e.g. CZ342/2026-11-22): an entitlement key
-- names its flight too, so a device of another station cannot take (and
-- win a conflict over) a key of this station's flight by naming a flight
-- id of its own. NULL for flights published before this column.
ALTER TABLE station_flights ADD COLUMN key_prefix TEXT;
CREATE INDEX station_flights_by_key ON station_flights (key_prefix) WHERE key_prefix IS NOT NULL;
