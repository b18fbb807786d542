-- This device's voucher-signing keys (Ed25519). The public half is what
-- central certifies into the trust list; the secret never leaves the kiosk.
CREATE TABLE device_keys (
    kid        TEXT PRIMARY KEY NOT NULL,
    secret_hex TEXT NOT NULL,
    public_hex TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
