-- A delay's several causes, each with its minutes, as the agent entered
-- them (JSON: [{"cause": "41", "minutes": 45}, {"cause": "93", "minutes":
-- 90, "inbound_cause": "weather"}]); NULL for a single cause, which stays in
-- `cause`. With several, `cause` holds the main one (the most minutes).
ALTER TABLE disruption_updates ADD COLUMN causes TEXT;
