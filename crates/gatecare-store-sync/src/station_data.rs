//! Station data from central's feed (`gatecare_sync::station`): flights,
//! manifests, loyalty profiles, hotel blocks and the airline policy, applied
//! to the store inside the feed page's transaction. A record that does not
//! parse, or names a flight or passenger this store does not know, is
//! skipped: one bad record must not stop the feed.

use gatecare_policy::Policy;
use gatecare_sync::Topic;
use gatecare_sync::station::{
    BookingData, FlightData, HotelBlockData, LoungeData, LoyaltyData, StarBandData, StationData,
};
use sqlx::SqliteConnection;

use gatecare_store::StoreError;
use gatecare_store::store::rfc3339;

use crate::SyncStore;

/// Applies one station-data feed item; other topics are not ours.
pub async fn apply(
    conn: &mut SqliteConnection,
    topic: Topic,
    body: &serde_json::Value,
) -> Result<(), StoreError> {
    match topic {
        Topic::Flight => {
            if let Ok(f) = serde_json::from_value::<FlightData>(body.clone()) {
                upsert_flight(conn, &f).await?;
            }
        }
        Topic::Manifest => {
            let bookings = body.get("bookings").cloned().unwrap_or_default();
            for b in serde_json::from_value::<Vec<serde_json::Value>>(bookings).unwrap_or_default() {
                if let Ok(b) = serde_json::from_value::<BookingData>(b) {
                    upsert_booking(conn, &b).await?;
                }
            }
        }
        Topic::Loyalty => {
            let profiles = body.get("profiles").cloned().unwrap_or_default();
            for l in serde_json::from_value::<Vec<serde_json::Value>>(profiles).unwrap_or_default() {
                if let Ok(l) = serde_json::from_value::<LoyaltyData>(l) {
                    upsert_loyalty(conn, &l).await?;
                }
            }
        }
        Topic::HotelBlock => {
            if let Ok(h) = serde_json::from_value::<HotelBlockData>(body.clone()) {
                upsert_hotel(conn, &h).await?;
            }
        }
        Topic::Policy => {
            // Kept only when this build can read it; the app uses it from
            // its next start (a policy never changes under a running screen).
            let toml = body.get("toml").and_then(|t| t.as_str()).unwrap_or_default();
            if Policy::from_toml(toml).is_ok() {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ('central_policy', ?) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(toml)
                .execute(&mut *conn)
                .await?;
            }
        }
        Topic::Lounge => {
            if let Ok(l) = serde_json::from_value::<LoungeData>(body.clone()) {
                sqlx::query(
                    "INSERT INTO lounges (id, station, name, operator, location, opens, closes) \
                     VALUES (?, (SELECT value FROM settings WHERE key = 'station'), ?, ?, ?, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, operator = excluded.operator, \
                       location = excluded.location, opens = excluded.opens, closes = excluded.closes",
                )
                .bind(l.id.to_string())
                .bind(&l.name)
                .bind(&l.operator)
                .bind(&l.location)
                .bind(&l.opens)
                .bind(&l.closes)
                .execute(&mut *conn)
                .await?;
            }
        }
        Topic::StarBands => {
            let bands = body.get("bands").cloned().unwrap_or_default();
            if let Ok(bands) = serde_json::from_value::<Vec<StarBandData>>(bands)
                && !bands.is_empty()
            {
                // The set replaces the last one whole: bands only make sense together.
                sqlx::query("DELETE FROM star_bands").execute(&mut *conn).await?;
                for b in bands {
                    sqlx::query("INSERT INTO star_bands (stars, min_score) VALUES (?, ?)")
                        .bind(i64::from(b.stars))
                        .bind(i64::from(b.min_score))
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

async fn upsert_flight(conn: &mut SqliteConnection, f: &FlightData) -> Result<(), StoreError> {
    let id = f.id.to_string();
    // One normal form everywhere (the reader's, the screens'): `AC008`,
    // `AC08` and `AC 8` are flight AC8. A record that does not parse is
    // skipped like any other bad record.
    let (Ok(carrier), Ok(number)) =
        (gatecare_core::CarrierCode::parse(&f.carrier), gatecare_core::FlightNumber::parse(&f.number))
    else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO flights (id, carrier, number, origin, destination, scheduled_departure, scheduled_arrival, gate, aircraft) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET destination = excluded.destination, \
           scheduled_departure = excluded.scheduled_departure, scheduled_arrival = excluded.scheduled_arrival, \
           gate = excluded.gate, aircraft = excluded.aircraft",
    )
    .bind(&id)
    .bind(carrier.as_str())
    .bind(number.as_str())
    .bind(&f.origin)
    .bind(&f.destination)
    .bind(rfc3339(f.scheduled_departure))
    .bind(rfc3339(f.scheduled_arrival))
    .bind(&f.gate)
    .bind(&f.aircraft)
    .execute(&mut *conn)
    .await?;
    // The airline may correct a flight's designator: a re-import changes it,
    // unless another flight already holds it at that time (then it stays).
    sqlx::query("UPDATE OR IGNORE flights SET carrier = ?, number = ? WHERE id = ?")
        .bind(carrier.as_str())
        .bind(number.as_str())
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for c in &f.cabins {
        sqlx::query(
            "INSERT INTO flight_cabins (flight_id, cabin, seats, booked) VALUES (?, ?, ?, ?) \
             ON CONFLICT (flight_id, cabin) DO UPDATE SET seats = excluded.seats, booked = excluded.booked",
        )
        .bind(&id)
        .bind(&c.cabin)
        .bind(i64::from(c.seats))
        .bind(i64::from(c.booked))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn upsert_booking(conn: &mut SqliteConnection, b: &BookingData) -> Result<(), StoreError> {
    let flight = b.flight_id.to_string();
    let known: bool = sqlx::query_scalar("SELECT COUNT(*) > 0 FROM flights WHERE id = ?")
        .bind(&flight)
        .fetch_one(&mut *conn)
        .await?;
    if !known {
        return Ok(());
    }
    let pax = b.passenger_id.to_string();
    sqlx::query(
        "INSERT INTO passengers (id, surname, given_names, native_name, birth_year, nationality, lives_in_departure_city, needs) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET surname = excluded.surname, given_names = excluded.given_names, \
           native_name = excluded.native_name, birth_year = excluded.birth_year, nationality = excluded.nationality, \
           lives_in_departure_city = excluded.lives_in_departure_city, needs = excluded.needs",
    )
    .bind(&pax)
    .bind(&b.surname)
    .bind(&b.given_names)
    .bind(&b.native_name)
    .bind(b.birth_year)
    .bind(&b.nationality)
    .bind(b.lives_in_departure_city)
    .bind(b.needs.join(","))
    .execute(&mut *conn)
    .await?;
    for token in gatecare_store::lookup::name_tokens(&b.surname, &b.given_names, b.native_name.as_deref()) {
        sqlx::query("INSERT OR IGNORE INTO name_index (token, passenger_id) VALUES (?, ?)")
            .bind(token)
            .bind(&pax)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(g) = &b.group {
        sqlx::query(
            "INSERT INTO passenger_groups (id, name, flight_id) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(g.id.to_string())
        .bind(&g.name)
        .bind(&flight)
        .execute(&mut *conn)
        .await?;
    }
    // A passenger outside the programme still has a (blank) profile row,
    // as the seeded manifest does.
    sqlx::query(
        "INSERT INTO loyalty_profiles (passenger_id) VALUES (?) ON CONFLICT (passenger_id) DO NOTHING",
    )
    .bind(&pax)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO segments (id, passenger_id, flight_id, pnr, ticket_number, cabin, booking_class, seat, \
         check_in_sequence, group_id, group_leader, boarding_pass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (flight_id, passenger_id) DO UPDATE SET pnr = excluded.pnr, ticket_number = excluded.ticket_number, \
           cabin = excluded.cabin, booking_class = excluded.booking_class, seat = excluded.seat, \
           check_in_sequence = excluded.check_in_sequence, group_id = excluded.group_id, \
           group_leader = excluded.group_leader, boarding_pass = excluded.boarding_pass",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(&pax)
    .bind(&flight)
    .bind(&b.pnr)
    .bind(&b.ticket_number)
    .bind(&b.cabin)
    .bind(&b.booking_class)
    .bind(&b.seat)
    .bind(b.check_in_sequence.map(i64::from))
    .bind(b.group.as_ref().map(|g| g.id.to_string()))
    .bind(b.group.as_ref().is_some_and(|g| g.leader))
    .bind(&b.boarding_pass)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_loyalty(conn: &mut SqliteConnection, l: &LoyaltyData) -> Result<(), StoreError> {
    let pax = l.passenger_id.to_string();
    let known: bool = sqlx::query_scalar("SELECT COUNT(*) > 0 FROM passengers WHERE id = ?")
        .bind(&pax)
        .fetch_one(&mut *conn)
        .await?;
    if !known {
        return Ok(());
    }
    let notes = serde_json::to_string(&l.staff_notes).map_err(|e| StoreError::Data(e.to_string()))?;
    sqlx::query(
        "INSERT INTO loyalty_profiles (passenger_id, ff_airline, ff_number, tier, miles, complaints_filed, \
         service_sensitivity, flights_last_12_months, weekday_share_pct, channel, occupation, staff_notes) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (passenger_id) DO UPDATE SET ff_airline = excluded.ff_airline, ff_number = excluded.ff_number, \
           tier = excluded.tier, miles = excluded.miles, complaints_filed = excluded.complaints_filed, \
           service_sensitivity = excluded.service_sensitivity, flights_last_12_months = excluded.flights_last_12_months, \
           weekday_share_pct = excluded.weekday_share_pct, channel = excluded.channel, \
           occupation = excluded.occupation, staff_notes = excluded.staff_notes",
    )
    .bind(&pax)
    .bind(&l.ff_airline)
    .bind(&l.ff_number)
    .bind(&l.tier)
    .bind(l.miles)
    .bind(i64::from(l.complaints_filed))
    .bind(i64::from(l.service_sensitivity))
    .bind(i64::from(l.flights_last_12_months))
    .bind(i64::from(l.weekday_share_pct))
    .bind(&l.channel)
    .bind(&l.occupation)
    .bind(notes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_hotel(conn: &mut SqliteConnection, h: &HotelBlockData) -> Result<(), StoreError> {
    // The station this store serves (set at enrolment): a feed only ever
    // carries its own station's blocks.
    let station: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'station'")
        .fetch_optional(&mut *conn)
        .await?;
    // Rooms taken here may not have reached central yet: an update never
    // gives back rooms this store has already handed out.
    sqlx::query(
        "INSERT INTO hotel_blocks (id, station, name, name_zh, address, stars, rooms_total, rooms_left, rate_minor, \
         currency, transport, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh, address = excluded.address, \
           stars = excluded.stars, rooms_total = excluded.rooms_total, \
           rooms_left = MIN(excluded.rooms_left, hotel_blocks.rooms_left), \
           rate_minor = excluded.rate_minor, currency = excluded.currency, transport = excluded.transport, \
           valid_from = excluded.valid_from, valid_until = excluded.valid_until",
    )
    .bind(h.id.to_string())
    .bind(station.unwrap_or_default())
    .bind(&h.name)
    .bind(&h.name_zh)
    .bind(&h.address)
    .bind(i64::from(h.stars))
    .bind(i64::from(h.rooms_total))
    .bind(i64::from(h.rooms_left))
    .bind(h.rate.amount_minor)
    .bind(h.rate.currency.as_str())
    .bind(&h.transport)
    .bind(rfc3339(h.valid_from))
    .bind(rfc3339(h.valid_until))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a local load of station data stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    pub flights: u64,
    pub passengers: u64,
}

impl SyncStore<'_> {
    /// Loads a station-data document as central's feed would deliver it, in
    /// one transaction and through the same code: for a device set up from
    /// an export (and the demo). The document is checked first; a store
    /// enrolled for another station refuses it.
    pub async fn load_station_data(
        &self,
        data: &StationData,
        agents: &[serde_json::Value],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<LoadReport, StoreError> {
        data.check().map_err(|e| StoreError::Data(format!("station data: {e}")))?;
        if let Some(enrolled) = self.enrolled_station().await?
            && enrolled != data.station
        {
            return Err(StoreError::Data(format!(
                "this store is enrolled for {enrolled}, not {}",
                data.station
            )));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('station', ?), ('name_index', '1') \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(&data.station)
        .execute(&mut *tx)
        .await?;
        for (topic, body) in data.feed_items() {
            match topic {
                Topic::FlightUpdate => {
                    crate::feed::apply_flight_update(&mut tx, &body, "local", now).await?;
                }
                _ => apply(&mut tx, topic, &body).await?,
            }
        }
        for a in agents {
            crate::feed::apply_agent(&mut tx, a).await?;
        }
        tx.commit().await?;
        let (flights, passengers) = self.counts().await?;
        Ok(LoadReport { flights, passengers })
    }

    /// Keeps the role central signed for this device (`RoleStatement`), as
    /// of `now`: a store enrolled before devices kept their role learns it,
    /// and an administrator's change (`admin role`) reaches the device. A
    /// kiosk forgets the agents' records it still has.
    pub async fn learn_enrolled_role(
        &self,
        role: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        for (key, value) in [("enrolled_role", role.to_owned()), ("role_checked_at", rfc3339(now))] {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        if role == "kiosk" {
            self.forget_agents().await?;
        }
        Ok(())
    }

    /// When central's word on this device's role was last kept.
    pub async fn role_checked_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'role_checked_at'")
                .fetch_optional(self.pool())
                .await?;
        Ok(text.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.to_utc()))
    }
}
