-- A device's earlier signing keys, replaced by a newer one (rotation well
-- before a certificate ends): they stay on the trust list until their own
-- certificate ends, so the vouchers they signed still verify. A key id is
-- never reused, by any device.
CREATE TABLE retired_keys (
    kid         TEXT PRIMARY KEY,
    device_id   UUID NOT NULL REFERENCES devices (id),
    public_key  TEXT NOT NULL,
    not_before  TIMESTAMPTZ NOT NULL,
    not_after   TIMESTAMPTZ NOT NULL,
    certificate TEXT NOT NULL,
    retired_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX retired_keys_by_device ON retired_keys (device_id);
