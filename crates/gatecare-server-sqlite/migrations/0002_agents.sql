-- Gate agents central distributes to the stations' consoles: PIN hashes
-- (argon2id PHC strings) so a console checks PINs offline.
CREATE TABLE agents (
    code       TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'duty_manager')),
    station    TEXT NOT NULL,
    pin_hash   TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
