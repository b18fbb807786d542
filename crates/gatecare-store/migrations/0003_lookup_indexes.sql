-- Look-ups by passenger (every hit of a name search, FF and ticket look-ups)
-- and by flight + PNR (boarding-pass matches) without scanning segments.
CREATE INDEX segments_by_passenger ON segments (passenger_id);
CREATE INDEX segments_by_flight_pnr ON segments (flight_id, pnr);
