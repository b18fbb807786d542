-- Feed items are written before they are numbered. A push used to number
-- its items first (locking the server_seq counter row until commit, which
-- keeps the feed visible in order) and then insert them, so every push's
-- item insert ran one at a time. Now a push stores its items under a block
-- of its own, taken from a sequence without waiting for anyone, and only
-- then locks the counter to number them: its runs say which server_seqs
-- the block's items have. Numbering and visibility are unchanged; only the
-- run rows and the commit are written under the counter lock.
CREATE SEQUENCE feed_blocks;

ALTER TABLE feed_runs ADD COLUMN block BIGINT, ADD COLUMN first_idx INTEGER;
-- Each existing run becomes a block of its own, numbered by its first_seq.
UPDATE feed_runs SET block = first_seq, first_idx = 0;
ALTER TABLE feed_runs ALTER COLUMN block SET NOT NULL, ALTER COLUMN first_idx SET NOT NULL;

ALTER TABLE feed_items ADD COLUMN block BIGINT, ADD COLUMN idx INTEGER;
UPDATE feed_items i SET block = r.first_seq, idx = (i.server_seq - r.first_seq)::integer
FROM feed_runs r WHERE i.server_seq BETWEEN r.first_seq AND r.last_seq;

DROP INDEX feed_items_cases;
ALTER TABLE feed_items DROP CONSTRAINT feed_items_pkey;
ALTER TABLE feed_items DROP COLUMN server_seq;
ALTER TABLE feed_items ALTER COLUMN block SET NOT NULL, ALTER COLUMN idx SET NOT NULL;
ALTER TABLE feed_items ADD PRIMARY KEY (block, idx);
-- Service-recovery events are few among many (see 0003); the report finds
-- their runs by block.
CREATE INDEX feed_items_cases ON feed_items (block, idx) WHERE kind IN ('case_opened', 'case_updated');
CREATE INDEX feed_runs_by_block ON feed_runs (block);

SELECT setval('feed_blocks', COALESCE((SELECT MAX(block) FROM feed_runs), 0) + 1, false);
