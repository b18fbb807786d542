-- A replaced device enrols under its code again with a new store, whose
-- count of vouchers starts again at 1: its serials take its first key's
-- number (HKG-K01.3-000001 beside the old kiosk's HKG-K01-000001), so no
-- two printed vouchers share a serial. NULL: the device code alone.
ALTER TABLE sync_enrolment ADD COLUMN serial_prefix TEXT;
