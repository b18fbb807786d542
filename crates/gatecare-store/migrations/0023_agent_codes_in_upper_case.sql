-- An agent code is one spelling, upper case (`gatecare_core::AgentCode`),
-- and sign-in looks it up so. A record stored in lower case before could
-- never sign in: it takes that spelling, unless the agent is held in upper
-- case already (created again at central since), which is kept.
DELETE FROM agents WHERE code <> upper(trim(code)) AND upper(trim(code)) IN (SELECT code FROM agents);
UPDATE agents SET code = upper(trim(code)) WHERE code <> upper(trim(code));
