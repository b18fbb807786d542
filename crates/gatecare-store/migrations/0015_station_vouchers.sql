-- The console is the station's picture: what every device of the station
-- issued, with its serial, value, time and the device's own code, one row
-- per voucher (a replacement is a second voucher for the same entitlement).
-- Rows synced before this migration keep what they had; the rest is NULL.
CREATE TABLE remote_vouchers (
    voucher_id      TEXT PRIMARY KEY NOT NULL,
    entitlement_key TEXT NOT NULL,
    -- Central's id of the issuing device; its code (HKG-K01) from the event.
    device          TEXT NOT NULL,
    device_code     TEXT,
    flight_id       TEXT NOT NULL,
    passenger_id    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    serial          TEXT,
    value_minor     INTEGER,
    currency        TEXT,
    statutory       INTEGER,
    issued_at       TEXT,
    actor           TEXT,
    reason          TEXT,
    -- The voided voucher this one replaces, if any.
    replaces        TEXT,
    server_seq      INTEGER NOT NULL
) STRICT;

INSERT INTO remote_vouchers (voucher_id, entitlement_key, device, flight_id, passenger_id, kind, actor, server_seq)
SELECT voucher_id, entitlement_key, device, flight_id, passenger_id, kind, actor, server_seq FROM remote_issuance;
DROP TABLE remote_issuance;
CREATE INDEX remote_vouchers_by_key ON remote_vouchers (entitlement_key);
CREATE INDEX remote_vouchers_by_passenger ON remote_vouchers (passenger_id, flight_id);

-- A voided voucher's entitlement may be issued again, once per voided
-- voucher, as a replacement that names it: one original per entitlement,
-- and one replacement per voucher replaced.
DROP INDEX ledger_one_issue_per_key;
CREATE UNIQUE INDEX ledger_one_issue_per_key ON ledger_events
    (entitlement_key, COALESCE(json_extract(details, '$.replaces'), '')) WHERE event = 'issued';

-- Every voucher of the station, this device's and the others', with whether
-- it was voided (here, or on the void list central sent) and why.
CREATE VIEW station_vouchers AS
SELECT i.voucher_id, i.entitlement_key, i.serial, i.passenger_id, i.flight_id, i.kind, i.value_minor,
       i.currency, i.statutory, i.at AS issued_at, i.actor, i.approver, i.reason, i.device,
       0 AS remote, json_extract(i.details, '$.replaces') AS replaces,
       COALESCE(
           (SELECT v.reason FROM ledger_events v WHERE v.voucher_id = i.voucher_id AND v.event = 'voided' LIMIT 1),
           (SELECT l.reason FROM void_list l WHERE l.voucher_id = i.voucher_id)
       ) AS void_reason,
       (SELECT COUNT(*) FROM ledger_events p WHERE p.voucher_id = i.voucher_id AND p.event = 'reprinted') AS reprints
FROM ledger_events i WHERE i.event = 'issued'
UNION ALL
SELECT r.voucher_id, r.entitlement_key, COALESCE(r.serial, ''), r.passenger_id, r.flight_id, r.kind,
       COALESCE(r.value_minor, 0), COALESCE(r.currency, ''), COALESCE(r.statutory, 1),
       COALESCE(r.issued_at, ''), COALESCE(r.actor, ''), NULL, COALESCE(r.reason, ''),
       COALESCE(r.device_code, r.device), 1, r.replaces,
       (SELECT l.reason FROM void_list l WHERE l.voucher_id = r.voucher_id),
       0
FROM remote_vouchers r
WHERE NOT EXISTS (SELECT 1 FROM ledger_events o WHERE o.voucher_id = r.voucher_id);
