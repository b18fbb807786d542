-- Service-recovery events are few among many; central aggregates them
-- across stations (early warning), so they get their own small index.
CREATE INDEX device_events_cases ON device_events (server_seq) WHERE kind IN ('case_opened', 'case_updated');
