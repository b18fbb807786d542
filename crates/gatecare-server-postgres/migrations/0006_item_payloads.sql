-- A device event's feed item keeps the event's payload as its body, and its
-- id and time as columns: the rest of the envelope other kiosks see (device,
-- seq, kind) is already in the run and the item, and parsing and storing it
-- once more per event cost about 6 % of ingest. Pulls and replays rebuild the
-- envelope as `event_feed_text` writes it. `at` is kept as the text the
-- kiosk sent (a timestamptz would round nanoseconds, and a replay must
-- match what was stored). What central publishes keeps its whole body.
ALTER TABLE feed_items ADD COLUMN event_id UUID, ADD COLUMN at TEXT;
UPDATE feed_items SET event_id = (body ->> 'event_id')::uuid, at = body ->> 'at', body = body -> 'payload'
WHERE kind IS NOT NULL;
