-- What a merchant takes and where passengers find it. `accepts` lists the
-- kinds of voucher it redeems, comma-separated (`meal,transport`); NULL:
-- every kind, as every merchant did before. A merchant with a place is
-- listed on the passenger's page of its station.
CREATE TABLE merchant_outlets (
    device_id UUID PRIMARY KEY REFERENCES devices (id),
    accepts   TEXT,
    place_en  TEXT,
    place_zh  TEXT
);
