-- 0005 gave roles by what devices had pushed, and missed one sign of a gate
-- console: before roles, every voucher event named who issued it, an
-- agent's code on a console and `KIOSK:…` on a kiosk. A console that had
-- only issued, voided or reprinted care owed under agents' names became a
-- kiosk, and was switched to kiosk mode. Such a device is a console. Only
-- what it pushed before 0005 counts (since then, a kiosk's event that names
-- an agent proves nothing), and a device 0005 made a console that is a
-- kiosk now is one by the administrator's choice: left alone.
-- Central publishes the station's agents for each such console when it
-- starts (`consoles_owed_agents`): as a kiosk, its feed skipped them.
CREATE TABLE consoles_owed_agents (
    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices (id)
) STRICT;

INSERT INTO consoles_owed_agents (device_id)
SELECT DISTINCT r.origin_device FROM feed_runs r
JOIN feed_items i ON i.server_seq BETWEEN r.first_seq AND r.last_seq
JOIN devices d ON d.id = r.origin_device
WHERE d.role = 'kiosk' AND i.outcome IS NULL
  AND i.kind IN ('issued', 'voided', 'reprinted')
  AND trim(COALESCE(json_extract(i.body, '$.payload.actor'), '')) <> ''
  AND json_extract(i.body, '$.payload.actor') NOT LIKE 'KIOSK:%'
  AND julianday(r.at) < (SELECT julianday(installed_on) FROM _sqlx_migrations WHERE version = 5)
  AND NOT EXISTS (
    SELECT 1 FROM feed_runs r5
    JOIN feed_items i5 ON i5.server_seq BETWEEN r5.first_seq AND r5.last_seq
    WHERE r5.origin_device = d.id AND i5.outcome IS NULL
      AND (i5.kind IN ('disruption_updated', 'refund_chosen', 'passenger_rerouted', 'case_updated', 'profile_note')
           OR (i5.kind = 'issued' AND (json_extract(i5.body, '$.payload.statutory') = 0
                                       OR json_extract(i5.body, '$.payload.replaces') IS NOT NULL))));

UPDATE devices SET role = 'console' WHERE id IN (SELECT device_id FROM consoles_owed_agents);
