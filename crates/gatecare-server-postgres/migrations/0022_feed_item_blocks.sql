-- A block's feed items as one row. A push's items were one row each (a heap
-- tuple and a primary-key entry per event), which with the entitlement row
-- made a push cost about 2.4 bare rows per event; a block row is written
-- once, and its arrays go to TOAST compressed (lz4 where the server has it:
-- a push's bodies repeat their keys). Readers unnest the arrays; element
-- `idx + 1` is the item `idx` of `feed_runs.first_idx` (0-based as before).
-- Device events come first in a block, then what central published with
-- them (void-list entries of voids, conflicts and refused events).
CREATE TABLE feed_item_blocks (
    block     BIGINT PRIMARY KEY,
    -- Device events in the block, and all its items: the totals read these
    -- rather than the arrays.
    events    INTEGER NOT NULL CHECK (events >= 0),
    items     INTEGER NOT NULL CHECK (items >= events AND items > 0),
    -- Per item: the event kind, NULL for what central published; the
    -- whole array is NULL when the block holds publications only.
    kinds     TEXT[],
    -- Per item: what central did with the event, NULL when it was applied;
    -- the whole array is NULL when every event applied.
    outcomes  JSONB[],
    bodies    JSON[] NOT NULL,
    event_ids UUID[],
    ats       TEXT[],
    -- UNNEST pads a short array with NULLs: a writer's slip would shift
    -- items silently, so every array is as long as the block.
    CHECK (cardinality(bodies) = items),
    CHECK ((kinds IS NULL) = (events = 0) AND (kinds IS NULL OR cardinality(kinds) = items)),
    CHECK (outcomes IS NULL OR cardinality(outcomes) = items),
    CHECK ((event_ids IS NULL) = (events = 0) AND (event_ids IS NULL OR cardinality(event_ids) = items)),
    CHECK ((ats IS NULL) = (events = 0) AND (ats IS NULL OR cardinality(ats) = items))
);

-- Service-recovery events, few among many, also on their own: checking a
-- case update's station and the recovery report read these, never a block.
CREATE TABLE feed_case_items (
    block   BIGINT NOT NULL,
    idx     INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    case_id TEXT,
    body    JSON NOT NULL,
    PRIMARY KEY (block, idx)
);
CREATE INDEX feed_case_items_opened ON feed_case_items (case_id) WHERE kind = 'case_opened';

-- lz4 needs PostgreSQL 14 built with it; EXECUTE, so that an older parser
-- meets the statement only here.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE feed_item_blocks
        ALTER COLUMN kinds SET COMPRESSION lz4,
        ALTER COLUMN bodies SET COMPRESSION lz4,
        ALTER COLUMN event_ids SET COMPRESSION lz4,
        ALTER COLUMN ats SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'PostgreSQL without lz4: feed blocks are compressed with pglz';
END
$$;

-- Every block's items are numbered 0..n-1 (0005 made each run a block, and
-- pushes and publications have written them so since); refuse to guess if
-- some are not.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM feed_items GROUP BY block HAVING MIN(idx) <> 0 OR MAX(idx) <> COUNT(*) - 1) THEN
        RAISE EXCEPTION 'feed_items: a block whose items are not numbered 0..n-1';
    END IF;
END
$$;

INSERT INTO feed_item_blocks (block, events, items, kinds, outcomes, bodies, event_ids, ats)
SELECT block,
       COUNT(kind),
       COUNT(*),
       CASE WHEN COUNT(kind) > 0 THEN array_agg(kind ORDER BY idx) END,
       CASE WHEN COUNT(outcome) > 0 THEN array_agg(outcome ORDER BY idx) END,
       array_agg(body ORDER BY idx),
       CASE WHEN COUNT(kind) > 0 THEN array_agg(event_id ORDER BY idx) END,
       CASE WHEN COUNT(kind) > 0 THEN array_agg(at ORDER BY idx) END
FROM feed_items
GROUP BY block;

INSERT INTO feed_case_items (block, idx, kind, case_id, body)
SELECT block, idx, kind, body ->> 'case_id', body FROM feed_items WHERE kind IN ('case_opened', 'case_updated');

DROP TABLE feed_items;
ANALYZE feed_item_blocks;
ANALYZE feed_case_items;
