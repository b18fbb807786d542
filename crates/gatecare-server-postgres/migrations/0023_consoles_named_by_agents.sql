-- 0007 gave roles by what devices had pushed, and missed one sign of a gate
-- console: before roles, every voucher event named who issued it, an
-- agent's code on a console and `KIOSK:…` on a kiosk. A console that had
-- only issued, voided or reprinted care owed under agents' names became a
-- kiosk, and was switched to kiosk mode. Such a device is a console. Only
-- what it pushed before 0007 counts (since then, a kiosk's event that names
-- an agent proves nothing), and a device 0007 made a console that is a
-- kiosk now is one by the administrator's choice: left alone.
-- Central publishes the station's agents for each such console when it
-- starts (`consoles_owed_agents`): as a kiosk, its feed skipped them.
CREATE TABLE consoles_owed_agents (
    device_id UUID PRIMARY KEY REFERENCES devices (id)
);

WITH items AS (
    SELECT r.origin_device AS device, r.at, i.kind, i.body, b.outcomes[i.n] AS outcome
    FROM feed_runs r
    JOIN feed_item_blocks b ON b.block = r.block
    CROSS JOIN LATERAL UNNEST(b.kinds, b.bodies) WITH ORDINALITY AS i(kind, body, n)
    WHERE r.origin_device IS NOT NULL
      AND i.n - 1 BETWEEN r.first_idx AND r.first_idx + (r.last_seq - r.first_seq)
)
INSERT INTO consoles_owed_agents (device_id)
SELECT DISTINCT d.id FROM devices d JOIN items i ON i.device = d.id
WHERE d.role = 'kiosk' AND i.outcome IS NULL
  AND i.kind IN ('issued', 'voided', 'reprinted')
  AND trim(COALESCE(i.body ->> 'actor', '')) <> ''
  AND (i.body ->> 'actor') NOT LIKE 'KIOSK:%'
  AND i.at < (SELECT installed_on FROM _sqlx_migrations WHERE version = 7)
  AND NOT EXISTS (
    SELECT 1 FROM items i7
    WHERE i7.device = d.id AND i7.outcome IS NULL
      AND (i7.kind IN ('disruption_updated', 'refund_chosen', 'passenger_rerouted', 'case_updated', 'profile_note')
           OR (i7.kind = 'issued' AND ((i7.body ->> 'statutory') = 'false'
                                       OR (i7.body ->> 'replaces') IS NOT NULL))));

UPDATE devices SET role = 'console' WHERE id IN (SELECT device_id FROM consoles_owed_agents);
