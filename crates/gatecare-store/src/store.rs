//! The local SQLite store (sqlx, WAL mode).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use gatecare_core::AirportCode;
use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot create the folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    NotPrivate(#[from] crate::private::NotPrivate),
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
            StoreError::NotPrivate(_) => "store.not_private",
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

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FlightStatus {
    OnTime,
    Delayed,
    Cancelled,
}

/// One row of the flights board.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// the station's `with_care_owed`; 0 for a flight on time).
    pub owed: i64,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema
    /// up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        // Before SQLite creates anything: the folder 0700, an older store 0600.
        crate::private::tighten(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed issuance survives power loss, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // What is deleted (retention, forgotten agents) is overwritten,
            // not left in free pages for whoever takes the disk.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(5));
        let store = Store::connect(options, path).await?;
        // The file SQLite just created, even in a process without the umask.
        crate::private::tighten(path)?;
        Ok(store)
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

    /// Marks the store as holding the demo day of `date`: the board then
    /// shows that day when today has no departures.
    pub async fn mark_demo_day(&self, date: NaiveDate) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('demo_date', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(date.format("%Y-%m-%d").to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
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
        /// One departure on the board with its latest disruption (if any).
        #[derive(sqlx::FromRow)]
        struct BoardRow {
            id: String,
            carrier: String,
            number: String,
            origin: String,
            destination: String,
            scheduled_departure: String,
            gate: Option<String>,
            kind: Option<String>,
            // NOT NULL in disruption_updates: None only when there is no disruption (kind None).
            cause: Option<String>,
            expected_departure: Option<String>,
            passengers: i64,
            served: i64,
        }
        let rows = sqlx::query_as::<_, BoardRow>(
            "SELECT f.id, f.carrier, f.number, f.origin, f.destination, f.scheduled_departure, f.gate, \
                    d.kind, d.cause, d.expected_departure, \
                    (SELECT COUNT(*) FROM segments s WHERE s.flight_id = f.id) AS passengers, \
                    (SELECT COUNT(DISTINCT i.passenger_id) FROM station_vouchers i \
                       WHERE i.flight_id = f.id AND i.void_reason IS NULL) AS served \
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
                let scheduled = parse_time(r.scheduled_departure)?;
                let kind = r.kind;
                let expected = r.expected_departure.map(parse_time).transpose()?;
                let status = match kind.as_deref() {
                    Some("cancellation") => FlightStatus::Cancelled,
                    Some("delay") if expected.is_some_and(|e| e > scheduled) => FlightStatus::Delayed,
                    _ => FlightStatus::OnTime,
                };
                let destination = r.destination;
                let destination_city = gatecare_reference::city_en(&destination);
                let destination_city_zh = AirportCode::parse(&destination)
                    .ok()
                    .and_then(|c| gatecare_reference::city_zh(&c))
                    .map(str::to_owned);
                let local = |t: DateTime<Utc>| t.with_timezone(&tz);
                // A delay's new time, or a cancellation's re-routed one.
                let expected_shown = expected.filter(|_| status != FlightStatus::OnTime);
                Ok(FlightSummary {
                    id: r.id,
                    flight: format!("{}{}", r.carrier, r.number),
                    origin: r.origin,
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
                    gate: r.gate,
                    status,
                    delay_minutes: expected_shown
                        .filter(|_| status == FlightStatus::Delayed)
                        .map(|e| (e - scheduled).num_minutes())
                        .unwrap_or(0),
                    // The category: a recorded IATA code ("41") reads as its cause.
                    cause: r
                        .cause
                        .filter(|_| kind.is_some())
                        .map(|c| gatecare_care::cause::Cause::parse(&c).map_or(c, |k| k.as_str().to_owned())),
                    passengers: r.passengers,
                    served: r.served,
                    owed: 0,
                    scheduled_day_offset: 0,
                })
            })
            .collect()
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn parse_time(s: String) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Data(format!("bad timestamp {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
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
