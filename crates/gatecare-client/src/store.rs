//! The local SQLite store (sqlx, WAL mode).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use gatecare_core::AirportCode;
use gatecare_demo::{DemoDay, DisruptionKind};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot create the folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("the database schema could not be brought up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored data is not valid: {0}")]
    Data(String),
    #[error("PIN hashing failed: {0}")]
    Hash(String),
}

impl StoreError {
    /// A stable code for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Open { .. } | StoreError::Folder { .. } => "store.open",
            StoreError::Migrate(_) => "store.migrate",
            StoreError::Query(_) => "store.query",
            StoreError::Data(_) => "store.data",
            StoreError::Hash(_) => "store.hash",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SeedReport {
    /// False when the store already held data and `reset` was not asked for.
    pub seeded: bool,
    pub flights: u64,
    pub passengers: u64,
    pub demo_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FlightStatus {
    OnTime,
    Delayed,
    Cancelled,
}

/// One row of the flights board.
#[derive(Debug, Clone, Serialize)]
pub struct FlightSummary {
    pub id: String,
    pub flight: String,
    pub origin: String,
    pub destination: String,
    pub destination_city: String,
    /// The city in Chinese, when the airline has it.
    pub destination_city_zh: Option<String>,
    pub scheduled_departure: DateTime<Utc>,
    pub expected_departure: Option<DateTime<Utc>>,
    /// The scheduled local date against the board's day: -1 for yesterday's
    /// flight whose care is still open.
    pub scheduled_day_offset: i64,
    /// Local to the departure airport, for display: "13:30".
    pub scheduled_local: String,
    pub expected_local: Option<String>,
    /// The local date of the expected departure when it differs from the
    /// scheduled one ("+1" days), so the board can say "tomorrow".
    pub expected_day_offset: i64,
    pub gate: Option<String>,
    pub status: FlightStatus,
    pub delay_minutes: i64,
    pub cause: Option<String>,
    pub passengers: i64,
    /// Passengers with a voucher on this flight (not voided).
    pub served: i64,
    /// Passengers the care engine says are owed care now (filled in by
    /// [`Store::with_care_owed`]; 0 for a flight on time).
    pub owed: i64,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema
    /// up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::Folder { path: dir.to_owned(), source })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed issuance survives power loss, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        Store::connect(options, path).await
    }

    /// A private in-memory store, for tests and benchmarks.
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|source| StoreError::Open { path: ":memory:".into(), source })?
            .foreign_keys(true);
        Store::connect(options, Path::new(":memory:")).await
    }

    async fn connect(options: SqliteConnectOptions, path: &Path) -> Result<Store, StoreError> {
        let in_memory = path == Path::new(":memory:");
        let pool = SqlitePoolOptions::new()
            // One connection keeps an in-memory database alive and shared.
            .max_connections(if in_memory { 1 } else { 4 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        MIGRATOR.run(&pool).await?;
        let store = Store { pool };
        store.after_migrations().await?;
        Ok(store)
    }

    /// Data that later schema versions derive from earlier ones: filled in
    /// once, so a store written by an older build is complete after opening.
    async fn after_migrations(&self) -> Result<(), StoreError> {
        let airports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM airports").fetch_one(&self.pool).await?;
        if airports == 0 {
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
            for a in gatecare_reference::airports() {
                sqlx::query("INSERT INTO airports (iata, name, city, country, lat, lon, tz) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .bind(a.code.as_str())
                    .bind(&a.name)
                    .bind(&a.city)
                    .bind(&a.country)
                    .bind(a.lat)
                    .bind(a.lon)
                    .bind(a.tz.name())
                    .execute(&mut *tx)
                    .await?;
            }
            for c in gatecare_reference::carriers() {
                sqlx::query(
                    "INSERT INTO carriers (iata, name, licence_country, appr_size) VALUES (?, ?, ?, ?)",
                )
                .bind(c.code.as_str())
                .bind(&c.name)
                .bind(&c.licence_country)
                .bind(c.appr_size.map(|s| match s {
                    gatecare_reference::ApprSize::Large => "large",
                    gatecare_reference::ApprSize::Small => "small",
                }))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        let indexed: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'name_index'")
                .fetch_optional(&self.pool)
                .await?;
        let passengers: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM passengers").fetch_one(&self.pool).await?;
        if indexed.is_none() && passengers > 0 {
            self.rebuild_name_index().await?;
        }
        Ok(())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    pub async fn counts(&self) -> Result<(u64, u64), StoreError> {
        let flights: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM flights").fetch_one(&self.pool).await?;
        let passengers: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM passengers").fetch_one(&self.pool).await?;
        Ok((flights as u64, passengers as u64))
    }

    pub async fn demo_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'demo_date'")
            .fetch_optional(&self.pool)
            .await?;
        v.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| StoreError::Data(e.to_string())))
            .transpose()
    }

    /// Loads a demo day. Keeps existing data unless `reset`, in which case the
    /// station data is replaced in the same transaction (all or nothing).
    pub async fn seed_demo(&self, day: &DemoDay, reset: bool) -> Result<SeedReport, StoreError> {
        let (flights, passengers) = self.counts().await?;
        if flights > 0 && !reset {
            return Ok(SeedReport { seeded: false, flights, passengers, demo_date: self.demo_date().await? });
        }
        // Hash outside the transaction: argon2id is deliberately slow.
        let mut pin_hashes = Vec::with_capacity(day.agents.len());
        for a in &day.agents {
            pin_hashes.push(crate::agents::hash_pin(a.pin)?);
        }

        let history: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events").fetch_one(&self.pool).await?;
        if history > 0 {
            // The ledger is append-only by design: a reset starts a new file.
            return Err(StoreError::Data(
                "this store has issuance history; remove the database file to start a new demo".into(),
            ));
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for table in [
            "feedback",
            "enrolments",
            "name_index",
            "hotel_allocations",
            "leases",
            "sync_events",
            "star_bands",
            "agents",
            "lounges",
            "hotel_blocks",
            "segments",
            "passenger_groups",
            "loyalty_profiles",
            "passengers",
            "disruption_updates",
            "flight_cabins",
            "flights",
            "settings",
        ] {
            // Table names are the constants above, never input.
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('demo_date', ?), ('station', ?), ('name_index', '1')",
        )
        .bind(day.date.format("%Y-%m-%d").to_string())
        .bind(day.station.as_str())
        .execute(&mut *tx)
        .await?;

        for f in &day.flights {
            sqlx::query(
                "INSERT INTO flights (id, carrier, number, origin, destination, scheduled_departure, \
                 scheduled_arrival, gate, aircraft) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(f.id.to_string())
            .bind(f.designator.carrier.as_str())
            .bind(f.designator.number.as_str())
            .bind(f.origin.as_str())
            .bind(f.destination.as_str())
            .bind(rfc3339(f.scheduled_departure))
            .bind(rfc3339(f.scheduled_arrival))
            .bind(&f.gate)
            .bind(f.aircraft)
            .execute(&mut *tx)
            .await?;
            for c in &f.cabins {
                sqlx::query(
                    "INSERT INTO flight_cabins (flight_id, cabin, seats, booked) VALUES (?, ?, ?, ?)",
                )
                .bind(f.id.to_string())
                .bind(c.cabin.as_str())
                .bind(c.seats as i64)
                .bind(c.booked as i64)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(d) = &f.disruption {
                sqlx::query(
                    "INSERT INTO disruption_updates (id, flight_id, kind, cause, expected_departure, \
                     expected_arrival, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(f.id.to_string())
                .bind(match d.kind {
                    DisruptionKind::Delay => "delay",
                    DisruptionKind::Cancellation => "cancellation",
                })
                .bind(d.cause)
                .bind(d.expected_departure.map(rfc3339))
                .bind(d.expected_arrival.map(rfc3339))
                .bind(rfc3339(d.recorded_at))
                .bind(d.recorded_by)
                .execute(&mut *tx)
                .await?;
            }
        }

        let mut groups_seen = std::collections::HashSet::new();
        for p in &day.passengers {
            if let Some(g) = &p.group
                && groups_seen.insert(g.group_id)
            {
                sqlx::query("INSERT INTO passenger_groups (id, name, flight_id) VALUES (?, ?, ?)")
                    .bind(g.group_id.to_string())
                    .bind(&g.group_name)
                    .bind(p.flight_id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            for token in
                crate::lookup::name_tokens(&p.name.surname, &p.name.given_names, p.name.native.as_deref())
            {
                sqlx::query("INSERT OR IGNORE INTO name_index (token, passenger_id) VALUES (?, ?)")
                    .bind(token)
                    .bind(p.id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            let needs: Vec<&str> = p.needs.iter().map(|n| n.as_str()).collect();
            sqlx::query(
                "INSERT INTO passengers (id, surname, given_names, native_name, birth_year, nationality, \
                 lives_in_departure_city, needs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(p.id.to_string())
            .bind(&p.name.surname)
            .bind(&p.name.given_names)
            .bind(&p.name.native)
            .bind(p.birth_year)
            .bind(p.nationality)
            .bind(p.lives_in_departure_city)
            .bind(needs.join(","))
            .execute(&mut *tx)
            .await?;
            let (ff_airline, ff_number, tier, miles) = match &p.loyalty {
                Some(l) => (Some(l.airline.to_string()), Some(l.number.clone()), l.tier.as_str(), l.miles),
                None => (None, None, "none", 0),
            };
            let notes =
                serde_json::to_string(&p.profile.staff_notes).map_err(|e| StoreError::Data(e.to_string()))?;
            sqlx::query(
                "INSERT INTO loyalty_profiles (passenger_id, ff_airline, ff_number, tier, miles, complaints_filed, \
                 service_sensitivity, flights_last_12_months, weekday_share_pct, channel, occupation, staff_notes) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(p.id.to_string())
            .bind(ff_airline)
            .bind(ff_number)
            .bind(tier)
            .bind(miles as i64)
            .bind(p.profile.complaints_filed as i64)
            .bind(p.profile.service_sensitivity as i64)
            .bind(p.profile.flights_last_12_months as i64)
            .bind(p.profile.weekday_share_pct as i64)
            .bind(p.profile.channel.as_str())
            .bind(p.profile.occupation)
            .bind(notes)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO segments (id, passenger_id, flight_id, pnr, ticket_number, cabin, booking_class, seat, \
                 check_in_sequence, group_id, group_leader, boarding_pass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(p.id.to_string())
            .bind(p.id.to_string())
            .bind(p.flight_id.to_string())
            .bind(p.pnr.as_str())
            .bind(&p.ticket_number)
            .bind(p.cabin.as_str())
            .bind(p.booking_class.to_string())
            .bind(&p.seat)
            .bind(p.check_in_sequence as i64)
            .bind(p.group.as_ref().map(|g| g.group_id.to_string()))
            .bind(p.group.as_ref().is_some_and(|g| g.leader))
            .bind(&p.boarding_pass)
            .execute(&mut *tx)
            .await?;
        }

        for h in &day.hotels {
            sqlx::query(
                "INSERT INTO hotel_blocks (id, station, name, name_zh, address, stars, rooms_total, rooms_left, \
                 rate_minor, currency, transport, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(h.id.to_string())
            .bind(day.station.as_str())
            .bind(h.name)
            .bind(h.name_zh)
            .bind(h.address)
            .bind(h.stars as i64)
            .bind(h.rooms_total as i64)
            .bind(h.rooms_left as i64)
            .bind(h.rate.amount_minor)
            .bind(h.rate.currency.as_str())
            .bind(h.transport)
            .bind(rfc3339(h.valid_from))
            .bind(rfc3339(h.valid_until))
            .execute(&mut *tx)
            .await?;
        }
        for l in &day.lounges {
            sqlx::query("INSERT INTO lounges (id, station, name, operator, location, opens, closes) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(l.id.to_string())
                .bind(day.station.as_str())
                .bind(l.name)
                .bind(l.operator.as_str())
                .bind(l.location)
                .bind(l.opens.format("%H:%M").to_string())
                .bind(l.closes.format("%H:%M").to_string())
                .execute(&mut *tx)
                .await?;
        }
        // A kiosk holds only its own station's agents.
        for (a, hash) in day.agents.iter().zip(pin_hashes).filter(|(a, _)| a.station == day.station) {
            sqlx::query(
                "INSERT INTO agents (id, code, name, role, station, pin_hash) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(a.id.to_string())
            .bind(a.code)
            .bind(a.name)
            .bind(a.role.as_str())
            .bind(a.station.as_str())
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        }
        for b in &day.star_bands {
            sqlx::query("INSERT INTO star_bands (stars, min_score) VALUES (?, ?)")
                .bind(b.stars as i64)
                .bind(b.min_score as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let (flights, passengers) = self.counts().await?;
        Ok(SeedReport { seeded: true, flights, passengers, demo_date: Some(day.date) })
    }

    /// Departures from `station` in `[from, until)`, with their current
    /// disruption state, in scheduled order.
    pub async fn flight_board(
        &self,
        station: &AirportCode,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<FlightSummary>, StoreError> {
        let tz = gatecare_reference::airport(station)
            .map(|a| a.tz)
            .ok_or_else(|| StoreError::Data(format!("unknown station {station}")))?;
        let rows = sqlx::query(
            "SELECT f.id, f.carrier, f.number, f.origin, f.destination, f.scheduled_departure, f.gate, \
                    d.kind, d.cause, d.expected_departure, \
                    (SELECT COUNT(*) FROM segments s WHERE s.flight_id = f.id) AS passengers, \
                    (SELECT COUNT(DISTINCT i.passenger_id) FROM ledger_events i WHERE i.flight_id = f.id AND i.event = 'issued' \
                       AND NOT EXISTS (SELECT 1 FROM ledger_events v WHERE v.voucher_id = i.voucher_id AND v.event = 'voided')) AS served \
             FROM flights f \
             LEFT JOIN disruption_updates d ON d.rowid = ( \
                 SELECT d2.rowid FROM disruption_updates d2 WHERE d2.flight_id = f.id \
                 ORDER BY d2.recorded_at DESC, d2.rowid DESC LIMIT 1) \
             WHERE f.origin = ? AND f.scheduled_departure >= ? AND f.scheduled_departure < ? \
             ORDER BY f.scheduled_departure, f.carrier, f.number",
        )
        .bind(station.as_str())
        .bind(rfc3339(from))
        .bind(rfc3339(until))
        .fetch_all(&self.pool)
        .await?;

        rows.into_iter()
            .map(|r| {
                let scheduled = parse_time(r.try_get("scheduled_departure")?)?;
                let kind: Option<String> = r.try_get("kind")?;
                let expected =
                    r.try_get::<Option<String>, _>("expected_departure")?.map(parse_time).transpose()?;
                let status = match kind.as_deref() {
                    Some("cancellation") => FlightStatus::Cancelled,
                    Some("delay") if expected.is_some_and(|e| e > scheduled) => FlightStatus::Delayed,
                    _ => FlightStatus::OnTime,
                };
                let destination: String = r.try_get("destination")?;
                let destination_city = AirportCode::parse(&destination)
                    .ok()
                    .and_then(|c| gatecare_reference::airport(&c))
                    .map(|a| a.city.clone())
                    .unwrap_or_default();
                let destination_city_zh = AirportCode::parse(&destination)
                    .ok()
                    .and_then(|c| gatecare_reference::city_zh(&c))
                    .map(str::to_owned);
                let local = |t: DateTime<Utc>| t.with_timezone(&tz);
                // A delay's new time, or a cancellation's re-routed one.
                let expected_shown = expected.filter(|_| status != FlightStatus::OnTime);
                Ok(FlightSummary {
                    id: r.try_get("id")?,
                    flight: format!(
                        "{}{}",
                        r.try_get::<String, _>("carrier")?,
                        r.try_get::<String, _>("number")?
                    ),
                    origin: r.try_get("origin")?,
                    destination,
                    destination_city_zh,
                    destination_city,
                    scheduled_departure: scheduled,
                    expected_departure: expected_shown,
                    scheduled_local: local(scheduled).format("%H:%M").to_string(),
                    expected_local: expected_shown.map(|e| local(e).format("%H:%M").to_string()),
                    expected_day_offset: expected_shown
                        .map(|e| (local(e).date_naive() - local(scheduled).date_naive()).num_days())
                        .unwrap_or(0),
                    gate: r.try_get("gate")?,
                    status,
                    delay_minutes: expected_shown
                        .filter(|_| status == FlightStatus::Delayed)
                        .map(|e| (e - scheduled).num_minutes())
                        .unwrap_or(0),
                    cause: kind.is_some().then(|| r.try_get("cause")).transpose()?,
                    passengers: r.try_get("passengers")?,
                    served: r.try_get("served")?,
                    owed: 0,
                    scheduled_day_offset: 0,
                })
            })
            .collect()
    }
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn parse_time(s: String) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Data(format!("bad timestamp {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecare_demo::{DemoConfig, generate};

    fn small_day() -> DemoDay {
        let mut c = DemoConfig::for_date(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        c.other_departures = 5;
        generate(c)
    }

    #[tokio::test]
    async fn seeds_once_and_resets_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/gatecare.sqlite");
        let store = Store::open(&path).await.unwrap();
        let day = small_day();
        let first = store.seed_demo(&day, false).await.unwrap();
        assert!(first.seeded);
        assert_eq!(first.flights, 6);
        assert_eq!(first.passengers, day.passengers.len() as u64);
        let again = store.seed_demo(&day, false).await.unwrap();
        assert!(!again.seeded, "re-runs keep existing data");
        assert_eq!(again.passengers, first.passengers);
        let reset = store.seed_demo(&day, true).await.unwrap();
        assert!(reset.seeded);
        assert_eq!(reset.passengers, first.passengers);
        store.close().await;
        // Reopening runs no migration twice and keeps the data.
        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.counts().await.unwrap().1, first.passengers);
        let hash: String = sqlx::query_scalar("SELECT pin_hash FROM agents WHERE code = 'A1001'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("246810"));
    }

    #[tokio::test]
    async fn board_shows_cz342_delayed_overnight() {
        let store = Store::open_in_memory().await.unwrap();
        let day = small_day();
        store.seed_demo(&day, false).await.unwrap();
        let hkg = AirportCode::parse("HKG").unwrap();
        let from =
            day.flights.iter().map(|f| f.scheduled_departure).min().unwrap() - chrono::Duration::hours(12);
        let board = store.flight_board(&hkg, from, from + chrono::Duration::days(2)).await.unwrap();
        assert_eq!(board.len(), 6);
        let cz = board.iter().find(|f| f.flight == "CZ342").unwrap();
        assert_eq!(cz.status, FlightStatus::Delayed);
        assert_eq!(cz.delay_minutes, 14 * 60);
        assert_eq!(cz.scheduled_local, "13:30");
        assert_eq!(cz.expected_local.as_deref(), Some("03:30"));
        assert_eq!(cz.expected_day_offset, 1);
        assert_eq!(cz.cause.as_deref(), Some("technical"));
        assert_eq!(cz.passengers, 180);
        assert_eq!(cz.destination_city, "Kunming");
        assert!(board.windows(2).all(|w| w[0].scheduled_departure <= w[1].scheduled_departure));
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.sqlite");
        std::fs::write(&path, b"this is not sqlite, just a text file that is long enough to matter").unwrap();
        let err = Store::open(&path).await.unwrap_err();
        assert!(matches!(err.code(), "store.open" | "store.migrate"), "{err}");
        // Nothing was overwritten.
        assert!(std::fs::read(&path).unwrap().starts_with(b"this is not sqlite"));
    }
}
