-- The station a store serves is the one central enrolled it for. Stores
-- enrolled before this kept it only in sync_enrolment: hotel blocks that came
-- from the feed were stored with an empty station (no console or kiosk found
-- them), and the 'station' setting existed only where the demo was seeded.
INSERT INTO settings (key, value)
SELECT 'station', station FROM sync_enrolment WHERE id = 1
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

UPDATE hotel_blocks SET station = (SELECT station FROM sync_enrolment WHERE id = 1)
WHERE station = '' AND EXISTS (SELECT 1 FROM sync_enrolment WHERE id = 1);
