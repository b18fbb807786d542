-- A device's earlier signing keys, replaced by a newer one (rotation well
-- before a certificate ends): they stay on the trust list until their own
-- certificate ends, so the vouchers they signed still verify. A key id is
-- never reused, by any device.
CREATE TABLE retired_keys (
    kid        TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    public_key TEXT NOT NULL,
    not_before TEXT NOT NULL,
    not_after  TEXT NOT NULL,
    certificate TEXT NOT NULL,
    retired_at TEXT NOT NULL
) STRICT;
CREATE INDEX retired_keys_by_device ON retired_keys (device_id);
