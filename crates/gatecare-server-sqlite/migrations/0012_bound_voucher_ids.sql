-- Voucher ids are bound to their device (gatecare_sync::voucher_id: the
-- id's last 12 hex digits are the device id's), and central refuses an
-- `issued` event naming an id bound to another device before it stores
-- anything. Only ids bound to no device (made before a device enrolled, or
-- by older software) need an index to stay one device's: the index keeps
-- those alone, so storing a bound id costs no index entry.
DROP INDEX entitlements_by_voucher;
CREATE UNIQUE INDEX entitlements_by_unbound_voucher ON entitlements (voucher_id)
    WHERE state <> 'claimed' AND substr(voucher_id, 25) <> substr(device_id, 25);
