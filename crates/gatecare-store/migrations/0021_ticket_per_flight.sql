-- One ticket, several flights: a passenger rebooked from a cancelled flight
-- onto the next day's keeps the ticket number, and both segments are in the
-- station's data (the cancelled one for the night's care). A ticket unique
-- across all segments refused the second, and the feed page holding it
-- failed for good. A ticket is unique per flight.
DROP INDEX segments_by_ticket;
CREATE UNIQUE INDEX segments_by_ticket ON segments (ticket_number, flight_id);
