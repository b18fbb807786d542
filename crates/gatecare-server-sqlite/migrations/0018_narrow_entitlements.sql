-- An entitlement row holds its key, its state and the feed item of the
-- issuance that holds it: the voucher id, device, flight and value are in
-- that item's body already, and copying them made each issued event's
-- second B-tree row three times its size (issue #23: ingest at least half a
-- bare row's speed). What no feed item holds is kept beside it in
-- `entitlement_facts`: claims (no voucher yet), issuances whose voucher id
-- is bound to no device (the unique index below keeps such an id one
-- entitlement's), and every row stored before this migration. Reads go
-- through the `entitlements_full` view.
DROP INDEX entitlements_by_unbound_voucher;
ALTER TABLE entitlements RENAME TO entitlements_0017;

CREATE TABLE entitlements (
    entitlement_key TEXT PRIMARY KEY NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'issued', 'voided')),
    -- The server_seq of the holding issuance's feed item; NULL when
    -- `entitlement_facts` holds the facts.
    item            INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE entitlement_facts (
    entitlement_key TEXT PRIMARY KEY NOT NULL,
    voucher_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    flight_id       TEXT NOT NULL,
    value_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    -- Set for a claim only: its hold ('' for a claim that has lapsed).
    claimed_until   TEXT
) STRICT, WITHOUT ROWID;

INSERT INTO entitlements (entitlement_key, state, item)
SELECT entitlement_key, state, NULL FROM entitlements_0017;
INSERT INTO entitlement_facts (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, claimed_until)
SELECT entitlement_key, voucher_id, device_id, flight_id, value_minor, currency,
       CASE WHEN state = 'claimed' THEN COALESCE(claimed_until, '') END
FROM entitlements_0017;
DROP TABLE entitlements_0017;

CREATE UNIQUE INDEX entitlement_facts_by_unbound_voucher ON entitlement_facts (voucher_id)
    WHERE claimed_until IS NULL AND substr(voucher_id, 25) <> substr(device_id, 25);

-- An entitlement with its facts, wherever they are kept. A device's payload
-- is JSON it chose: a value or currency of the wrong type reads as central
-- read it when the event came in (`IssuanceFacts`: 0 and ''), a value past
-- 64 bits too (JSON calls it an integer, `->>` a real).
CREATE VIEW entitlements_full AS
SELECT e.entitlement_key, e.state, e.item,
       COALESCE(f.voucher_id, i.body ->> '$.payload.voucher_id') AS voucher_id,
       COALESCE(f.device_id, i.body ->> '$.device') AS device_id,
       COALESCE(f.flight_id, i.body ->> '$.payload.flight_id') AS flight_id,
       COALESCE(f.value_minor, CASE WHEN json_type(i.body, '$.payload.value_minor') = 'integer'
                                     AND typeof(i.body ->> '$.payload.value_minor') = 'integer'
                                    THEN i.body ->> '$.payload.value_minor' ELSE 0 END) AS value_minor,
       COALESCE(f.currency, CASE json_type(i.body, '$.payload.currency')
                              WHEN 'text' THEN i.body ->> '$.payload.currency' ELSE '' END) AS currency,
       f.claimed_until
FROM entitlements e
LEFT JOIN entitlement_facts f ON f.entitlement_key = e.entitlement_key
LEFT JOIN feed_items i ON i.server_seq = e.item;
