-- An agent code is one spelling, upper case (`gatecare_core::AgentCode`),
-- as consoles look it up at sign-in. One created in lower case before
-- could never sign in: it takes that spelling, unless the agent was
-- created again in upper case since, which is kept. Consoles' stores do
-- the same (gatecare-store 0023), so both hold one record.
DELETE FROM agents WHERE code <> upper(trim(code)) AND upper(trim(code)) IN (SELECT code FROM agents);
UPDATE agents SET code = upper(trim(code)) WHERE code <> upper(trim(code));
