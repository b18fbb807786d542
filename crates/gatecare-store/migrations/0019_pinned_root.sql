-- The airline's root key, pinned at enrolment against the fingerprint the
-- administrator gave with the code: every feed page must be signed by it.
-- A store enrolled before pages were signed pins the root of the trust
-- list it had already accepted from central; one without a trust list pins
-- nothing and refuses every page until it is enrolled again.
ALTER TABLE sync_enrolment ADD COLUMN root_public_key TEXT;
UPDATE sync_enrolment SET root_public_key =
    (SELECT json_extract(value, '$.root.public_key') FROM settings WHERE key = 'trust_list');

-- Pages refused (not signed by the pinned root, or not made for this
-- device, station or cursor): counted and shown, never stored.
ALTER TABLE sync_cursor ADD COLUMN feed_refused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_cursor ADD COLUMN last_feed_refusal TEXT;
-- Central's time on the newest page accepted: how fresh this device's
-- picture of the station is, and the floor for the next page's time.
ALTER TABLE sync_cursor ADD COLUMN feed_signed_at TEXT;
