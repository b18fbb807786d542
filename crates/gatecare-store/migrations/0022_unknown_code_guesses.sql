-- Guesses at agent codes this device does not know, counted and locked out
-- as guesses at known codes are: otherwise "n tries left" and a lock-out
-- that never comes would tell which codes exist.
CREATE TABLE unknown_code_guesses (
    code            TEXT PRIMARY KEY NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT
) STRICT;
