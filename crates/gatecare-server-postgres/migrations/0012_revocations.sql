-- A revocation's effective time and the vouchers central had received from
-- the device by then: they stay valid until their own expiry, every other
-- voucher of its key is refused (a stolen key can backdate a voucher).
-- Devices revoked before this have no row: their key stays off the trust
-- list altogether, as before.
CREATE TABLE revocations (
    device_id    UUID PRIMARY KEY REFERENCES devices (id),
    effective_at TIMESTAMPTZ NOT NULL,
    kept         UUID[] NOT NULL
);
