-- Three device roles: `console` (a gate agent's) joins `kiosk` (a
-- passenger's) and `merchant`. A device enrolled as a kiosk that has pushed
-- what only an agent does becomes a console, so nothing it pushed before is
-- refused in hindsight.
ALTER TABLE enrolment_codes DROP CONSTRAINT enrolment_codes_role_check,
    ADD CONSTRAINT enrolment_codes_role_check CHECK (role IN ('kiosk', 'console', 'merchant'));
ALTER TABLE devices DROP CONSTRAINT devices_role_check,
    ADD CONSTRAINT devices_role_check CHECK (role IN ('kiosk', 'console', 'merchant'));

-- What only an agent pushes: disruptions, refund choices, re-routings, case
-- work, profile notes, and vouchers not owed by law or replacing a void.
UPDATE devices SET role = 'console'
WHERE role = 'kiosk' AND id IN (
    SELECT r.origin_device FROM feed_items i
    JOIN feed_runs r ON r.block = i.block AND i.idx BETWEEN r.first_idx AND r.first_idx + (r.last_seq - r.first_seq)
    WHERE r.origin_device IS NOT NULL AND i.outcome IS NULL
      AND (i.kind IN ('disruption_updated', 'refund_chosen', 'passenger_rerouted', 'case_updated', 'profile_note')
           OR (i.kind = 'issued' AND ((i.body ->> 'statutory') = 'false'
                                      OR (i.body ->> 'replaces') IS NOT NULL))));
