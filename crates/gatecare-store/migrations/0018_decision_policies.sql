-- Every airline policy a decision was made under, its text stored once
-- under its hash (`sha256:…`). An issued entitlement's `details.decision`
-- names the hash; `gatecare ledger explain` reads the text back from here.
CREATE TABLE decision_policies (
    hash        TEXT PRIMARY KEY NOT NULL,
    toml        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
