-- The certificate authority (PEM) this device trusts for central's TLS
-- certificate besides the system's roots: the airline's own CA, given at
-- enrolment. NULL: system roots only (or plain HTTP on loopback).
ALTER TABLE sync_enrolment ADD COLUMN ca_pem TEXT;
