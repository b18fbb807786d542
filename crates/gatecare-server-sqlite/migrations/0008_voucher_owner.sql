-- A voucher id belongs to one device: central looks it up before it
-- applies an issuance, a void or a reprint that names it, and the index
-- refuses a second row with it (claims share their placeholder id, so they
-- are left out). Duplicates could only come from a device pushing another's
-- voucher id before this check: the migration then fails and says so.
CREATE UNIQUE INDEX entitlements_by_voucher ON entitlements (voucher_id) WHERE state <> 'claimed';
