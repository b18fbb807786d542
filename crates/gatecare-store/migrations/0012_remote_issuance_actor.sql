-- Who issued what another device of the station issued: an agent's code at a
-- gate console, KIOSK:<device> at a self-service kiosk. The kiosk tells a
-- passenger "issued at the gate" or "printed at another kiosk" accordingly.
-- Rows from before are unknown (NULL).
ALTER TABLE remote_issuance ADD COLUMN actor TEXT;
