//! Central's ingest: events per second through the HTTP API on SQLite and
//! on PostgreSQL, next to a raw batched INSERT of the same rows with no
//! checks in the same database (one bare row per event, as the issue asks),
//! and next to central's own storage shape written raw (three indexed rows
//! per event, no checks: what the protocol's checks cost); and a kiosk
//! catching up 10,000 events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gatecare_client::Store;
use gatecare_client::sync::{CentralClient, sync_once};
use gatecare_server::{Central, admin};
use gatecare_server_database::Database;
use gatecare_server_postgres::PgDatabase;
use gatecare_server_sqlite::SqliteDatabase;
use gatecare_sync::{DeviceRole, EnrolRequest, Event, EventKind};

use crate::Row;

const KIOSKS: usize = 20;
const EVENTS: usize = 5000;
const BATCH: usize = 500;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T06:00:00Z").map(|t| t.to_utc()).unwrap_or_default()
}

fn events(kiosk: usize) -> Vec<Event> {
    (0..EVENTS)
        .map(|i| Event {
            seq: i as i64 + 1,
            event_id: uuid::Uuid::now_v7(),
            kind: EventKind::Issued,
            at: now(),
            payload: serde_json::json!({
                "entitlement_key": format!("CZ342/2026-11-22/784{kiosk:03}{i:07}/meal/1"),
                "voucher_id": uuid::Uuid::now_v7().to_string(), "serial": format!("HKG-K{kiosk:02}-{i:06}"),
                "flight_id": "CZ342-20261122", "passenger_id": format!("P{kiosk}-{i}"), "kind": "meal",
                "value_minor": 12000, "currency": "HKD", "statutory": true, "actor": "KIOSK", "device": format!("HKG-K{kiosk:02}"),
                "reason": "meal owed: CAAC 2016 art. 29",
            }),
        })
        .collect()
}

async fn serve<D: Database>(c: Arc<Central<D>>) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = gatecare_server::router(c);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, task))
}

async fn enrol<D: Database>(c: &Central<D>, url: &str, i: usize) -> anyhow::Result<CentralClient> {
    let code =
        admin::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, chrono::Duration::hours(1), now())
            .await?;
    let key = ed25519_dalek::SigningKey::from_bytes(&[(i % 250) as u8 + 1; 32]);
    let public: String = key.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let r = CentralClient::new(url, None)?
        .enrol(&EnrolRequest {
            code,
            name: format!("BENCH-{i:02}"),
            signing_kid: Some(format!("BENCH-{i:02}#1")),
            signing_public_key: Some(public),
        })
        .await?;
    Ok(CentralClient::new(url, Some(r.token))?)
}

/// Every kiosk pushes its log in 500-event batches, all kiosks at once.
async fn ingest<D: Database>(db: D) -> anyhow::Result<(Duration, i64)> {
    let c = Central::new(db, ed25519_dalek::SigningKey::from_bytes(&[9; 32]), "BENCH-ROOT", Arc::new(now));
    let (url, task) = serve(c.clone()).await?;
    let mut clients = Vec::new();
    for i in 0..KIOSKS {
        clients.push((enrol(&c, &url, i).await?, Arc::new(events(i))));
    }
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (client, evs) in clients {
        set.spawn(async move {
            for b in evs.chunks(BATCH) {
                client.push(b).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    let took = started.elapsed();
    let stored = c.db.totals().await?.events;
    task.abort();
    Ok((took, stored))
}

/// The same work without HTTP: each device's batches checked and stored
/// through the database layer, all devices at once.
async fn ingest_direct<D: Database>(db: D) -> anyhow::Result<(Duration, i64)> {
    let c = Central::new(db, ed25519_dalek::SigningKey::from_bytes(&[9; 32]), "BENCH-ROOT", Arc::new(now));
    let (url, task) = serve(c.clone()).await?;
    let mut devices = Vec::new();
    for i in 0..KIOSKS {
        let client = enrol(&c, &url, i).await?;
        let _ = client;
        devices.push(Arc::new(events(i)));
    }
    task.abort();
    let records = c.db.devices().await?;
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (record, evs) in records.into_iter().zip(devices) {
        let c = c.clone();
        set.spawn(async move {
            let mut record = record;
            for b in evs.chunks(BATCH) {
                gatecare_sync::validate_batch(b)?;
                let r = c.db.push(&record, b, now()).await?;
                record.high_seq = r.high_seq;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    let took = started.elapsed();
    Ok((took, c.db.totals().await?.events))
}

/// The same rows, inserted with no checks: one multi-row INSERT per batch.
async fn raw_sqlite(pool: &sqlx::SqlitePool) -> anyhow::Result<Duration> {
    sqlx::query("CREATE TABLE raw_events (device TEXT, seq INTEGER, event_id TEXT, kind TEXT, payload TEXT)")
        .execute(pool)
        .await?;
    let all: Vec<(usize, Vec<Event>)> = (0..KIOSKS).map(|k| (k, events(k))).collect();
    let started = Instant::now();
    for (k, evs) in &all {
        for b in evs.chunks(BATCH) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO raw_events (device, seq, event_id, kind, payload) ",
            );
            q.push_values(b, |mut row, e| {
                row.push_bind(k.to_string())
                    .push_bind(e.seq)
                    .push_bind(e.event_id.to_string())
                    .push_bind(e.kind.as_str())
                    .push_bind(e.payload.to_string());
            });
            q.build().execute(pool).await?;
        }
    }
    Ok(started.elapsed())
}

async fn raw_postgres(pool: &sqlx::PgPool) -> anyhow::Result<Duration> {
    sqlx::query("CREATE TABLE raw_events (device TEXT, seq BIGINT, event_id UUID, kind TEXT, payload JSONB)")
        .execute(pool)
        .await?;
    let all: Vec<(usize, Vec<Event>)> = (0..KIOSKS).map(|k| (k, events(k))).collect();
    let started = Instant::now();
    // As many connections as central's pool, one kiosk each at a time.
    let mut set = tokio::task::JoinSet::new();
    for (k, evs) in all {
        let pool = pool.clone();
        set.spawn(async move {
            for b in evs.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO raw_events (device, seq, event_id, kind, payload) ",
                );
                q.push_values(b, |mut row, e| {
                    row.push_bind(k.to_string())
                        .push_bind(e.seq)
                        .push_bind(e.event_id)
                        .push_bind(e.kind.as_str())
                        .push_bind(&e.payload);
                });
                q.build().execute(&pool).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(started.elapsed())
}

/// Central's storage shape without its logic: per event the three rows
/// central keeps (acknowledgement, feed item, entitlement) in tables with
/// the same indexes, one multi-row INSERT per table per batch and one
/// transaction per batch — no replay lookup, hashing, conflict handling or
/// sequence counter. What is left between this and central is the cost of
/// the protocol's checks.
const SHAPE_SQLITE: &str = "CREATE TABLE s_events (device_id TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE, \
     kind TEXT NOT NULL, content_hash TEXT NOT NULL, server_seq INTEGER NOT NULL UNIQUE, outcome TEXT NOT NULL, \
     received_at TEXT NOT NULL, PRIMARY KEY (device_id, seq)) STRICT; \
   CREATE TABLE s_feed (server_seq INTEGER PRIMARY KEY NOT NULL, station TEXT NOT NULL, topic TEXT NOT NULL, \
     origin_device TEXT, body TEXT NOT NULL, at TEXT NOT NULL) STRICT; \
   CREATE INDEX s_feed_by_station ON s_feed (station, server_seq); \
   CREATE TABLE s_ent (entitlement_key TEXT PRIMARY KEY NOT NULL, voucher_id TEXT NOT NULL, device_id TEXT NOT NULL, \
     flight_id TEXT NOT NULL, passenger_id TEXT NOT NULL, kind TEXT NOT NULL, value_minor INTEGER NOT NULL, \
     currency TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL) STRICT; \
   CREATE INDEX s_ent_by_voucher ON s_ent (voucher_id);";

const SHAPE_POSTGRES: &str = "CREATE TABLE s_events (device_id UUID NOT NULL, seq BIGINT NOT NULL, event_id UUID NOT NULL UNIQUE, \
     kind TEXT NOT NULL, content_hash TEXT NOT NULL, server_seq BIGINT NOT NULL UNIQUE, outcome JSONB NOT NULL, \
     received_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (device_id, seq)); \
   CREATE TABLE s_feed (server_seq BIGINT PRIMARY KEY, station TEXT NOT NULL, topic TEXT NOT NULL, \
     origin_device UUID, body JSONB NOT NULL, at TIMESTAMPTZ NOT NULL); \
   CREATE INDEX s_feed_by_station ON s_feed (station, server_seq); \
   CREATE TABLE s_ent (entitlement_key TEXT PRIMARY KEY, voucher_id TEXT NOT NULL, device_id UUID NOT NULL, \
     flight_id TEXT NOT NULL, passenger_id TEXT NOT NULL, kind TEXT NOT NULL, value_minor BIGINT NOT NULL, \
     currency TEXT NOT NULL, state TEXT NOT NULL, at TIMESTAMPTZ NOT NULL); \
   CREATE INDEX s_ent_by_voucher ON s_ent (voucher_id);";

/// One event's three rows, as text.
struct ShapeRow {
    device: uuid::Uuid,
    seq: i64,
    event_id: uuid::Uuid,
    server_seq: i64,
    body: serde_json::Value,
    key: String,
    voucher: String,
    passenger: String,
}

fn shape_rows(kiosk: usize, first_server_seq: i64) -> Vec<ShapeRow> {
    let device = uuid::Uuid::from_u128(kiosk as u128 + 1);
    events(kiosk)
        .into_iter()
        .enumerate()
        .map(|(i, e)| ShapeRow {
            device,
            seq: e.seq,
            event_id: e.event_id,
            server_seq: first_server_seq + i as i64,
            key: e.payload["entitlement_key"].as_str().unwrap_or_default().to_owned(),
            voucher: e.payload["voucher_id"].as_str().unwrap_or_default().to_owned(),
            passenger: e.payload["passenger_id"].as_str().unwrap_or_default().to_owned(),
            body: gatecare_server_database::event_feed_body(device, &e),
        })
        .collect()
}

async fn shape_sqlite(pool: &sqlx::SqlitePool) -> anyhow::Result<Duration> {
    sqlx::raw_sql(SHAPE_SQLITE).execute(pool).await?;
    let all: Vec<Vec<ShapeRow>> = (0..KIOSKS).map(|k| shape_rows(k, (k * EVENTS) as i64 + 1)).collect();
    let at = now().to_rfc3339();
    let started = Instant::now();
    for rows in &all {
        for b in rows.chunks(BATCH) {
            let mut tx = pool.begin().await?;
            for part in b.chunks(100) {
                let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO s_events (device_id, seq, event_id, kind, content_hash, server_seq, outcome, received_at) ",
                );
                q.push_values(part, |mut row, r| {
                    row.push_bind(r.device.to_string())
                        .push_bind(r.seq)
                        .push_bind(r.event_id.to_string())
                        .push_bind("issued")
                        .push_bind("")
                        .push_bind(r.server_seq)
                        .push_bind(r#"{"result":"applied"}"#)
                        .push_bind(at.as_str());
                });
                q.build().execute(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO s_feed (server_seq, station, topic, origin_device, body, at) ",
                );
                q.push_values(part, |mut row, r| {
                    row.push_bind(r.server_seq)
                        .push_bind("HKG")
                        .push_bind("event")
                        .push_bind(r.device.to_string())
                        .push_bind(r.body.to_string())
                        .push_bind(at.as_str());
                });
                q.build().execute(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO s_ent (entitlement_key, voucher_id, device_id, flight_id, passenger_id, kind, \
                     value_minor, currency, state, at) ",
                );
                q.push_values(part, |mut row, r| {
                    row.push_bind(r.key.as_str())
                        .push_bind(r.voucher.as_str())
                        .push_bind(r.device.to_string())
                        .push_bind("CZ342-20261122")
                        .push_bind(r.passenger.as_str())
                        .push_bind("meal")
                        .push_bind(12000)
                        .push_bind("HKD")
                        .push_bind("issued")
                        .push_bind(at.as_str());
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(started.elapsed())
}

async fn shape_postgres(pool: &sqlx::PgPool) -> anyhow::Result<Duration> {
    sqlx::raw_sql(SHAPE_POSTGRES).execute(pool).await?;
    let all: Vec<Vec<ShapeRow>> = (0..KIOSKS).map(|k| shape_rows(k, (k * EVENTS) as i64 + 1)).collect();
    let at = now();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for rows in all {
        let pool = pool.clone();
        set.spawn(async move {
            for b in rows.chunks(BATCH) {
                let mut tx = pool.begin().await?;
                let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO s_events (device_id, seq, event_id, kind, content_hash, server_seq, outcome, received_at) ",
                );
                q.push_values(b, |mut row, r| {
                    row.push_bind(r.device)
                        .push_bind(r.seq)
                        .push_bind(r.event_id)
                        .push_bind("issued")
                        .push_bind("")
                        .push_bind(r.server_seq)
                        .push_bind(serde_json::json!({"result": "applied"}))
                        .push_bind(at);
                });
                q.build().execute(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO s_feed (server_seq, station, topic, origin_device, body, at) ",
                );
                q.push_values(b, |mut row, r| {
                    row.push_bind(r.server_seq)
                        .push_bind("HKG")
                        .push_bind("event")
                        .push_bind(r.device)
                        .push_bind(&r.body)
                        .push_bind(at);
                });
                q.build().execute(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO s_ent (entitlement_key, voucher_id, device_id, flight_id, passenger_id, kind, \
                     value_minor, currency, state, at) ",
                );
                q.push_values(b, |mut row, r| {
                    row.push_bind(r.key.as_str())
                        .push_bind(r.voucher.as_str())
                        .push_bind(r.device)
                        .push_bind("CZ342-20261122")
                        .push_bind(r.passenger.as_str())
                        .push_bind("meal")
                        .push_bind(12000_i64)
                        .push_bind("HKD")
                        .push_bind("issued")
                        .push_bind(at);
                });
                q.build().execute(&mut *tx).await?;
                tx.commit().await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(started.elapsed())
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

pub async fn bench() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let n = KIOSKS * EVENTS;

    let dir = tempfile::tempdir()?;
    let db = SqliteDatabase::open(&format!("sqlite:{}", dir.path().join("central.sqlite").display())).await?;
    let pool = db.pool().clone();
    let (took, stored) = ingest(db).await?;
    anyhow::ensure!(stored == n as i64, "SQLite central stored {stored} of {n} events");
    let raw = raw_sqlite(&pool).await?;
    let dir2 = tempfile::tempdir()?;
    let db =
        SqliteDatabase::open(&format!("sqlite:{}", dir2.path().join("central.sqlite").display())).await?;
    let (direct, stored) = ingest_direct(db).await?;
    anyhow::ensure!(stored == n as i64, "SQLite central stored {stored} of {n} events");
    rows.push(Row {
        what: "central ingest, SQLite (database layer)",
        value: format!("{:.0} events/s", per_second(n, direct)),
        baseline: "raw batched INSERT, same rows, no checks",
        baseline_value: format!("{:.0} events/s", per_second(n, raw)),
        ratio: raw.as_secs_f64() / direct.as_secs_f64(),
    });
    let shape = shape_sqlite(&pool).await?;
    rows.push(Row {
        what: "central ingest, SQLite (database layer)",
        value: format!("{:.0} events/s", per_second(n, direct)),
        baseline: "central's 3 rows/event, raw INSERT, no checks",
        baseline_value: format!("{:.0} events/s", per_second(n, shape)),
        ratio: shape.as_secs_f64() / direct.as_secs_f64(),
    });
    rows.push(Row {
        what: "central ingest, SQLite (20 kiosks × 5000, HTTP)",
        value: format!("{:.0} events/s", per_second(n, took)),
        baseline: "raw batched INSERT, same rows, no checks",
        baseline_value: format!("{:.0} events/s", per_second(n, raw)),
        ratio: raw.as_secs_f64() / took.as_secs_f64(),
    });

    match std::env::var("GATECARE_BENCH_PG") {
        Ok(url) => {
            let db = PgDatabase::open(&url).await?;
            let pool = db.pool().clone();
            let (took, stored) = ingest(db).await?;
            anyhow::ensure!(stored == n as i64, "PostgreSQL central stored {stored} of {n} events");
            let raw = raw_postgres(&pool).await?;
            let shape = shape_postgres(&pool).await?;
            sqlx::query("DROP SCHEMA public CASCADE").execute(&pool).await?;
            sqlx::query("CREATE SCHEMA public").execute(&pool).await?;
            let db = PgDatabase::open(&url).await?;
            let (direct, stored) = ingest_direct(db).await?;
            anyhow::ensure!(stored == n as i64, "PostgreSQL central stored {stored} of {n} events");
            rows.push(Row {
                what: "central ingest, PostgreSQL (database layer)",
                value: format!("{:.0} events/s", per_second(n, direct)),
                baseline: "raw batched INSERT, same rows, no checks",
                baseline_value: format!("{:.0} events/s", per_second(n, raw)),
                ratio: raw.as_secs_f64() / direct.as_secs_f64(),
            });
            rows.push(Row {
                what: "central ingest, PostgreSQL (database layer)",
                value: format!("{:.0} events/s", per_second(n, direct)),
                baseline: "central's 3 rows/event, raw INSERT, no checks",
                baseline_value: format!("{:.0} events/s", per_second(n, shape)),
                ratio: shape.as_secs_f64() / direct.as_secs_f64(),
            });
            rows.push(Row {
                what: "central ingest, PostgreSQL (20 × 5000, HTTP)",
                value: format!("{:.0} events/s", per_second(n, took)),
                baseline: "raw batched INSERT, same rows, no checks",
                baseline_value: format!("{:.0} events/s", per_second(n, raw)),
                ratio: raw.as_secs_f64() / took.as_secs_f64(),
            });
        }
        Err(_) => {
            eprintln!("central: GATECARE_BENCH_PG is not set (cargo xtask bench sets it); PostgreSQL skipped")
        }
    }

    // A kiosk that was offline catches up 10,000 events.
    let dir = tempfile::tempdir()?;
    let db = SqliteDatabase::open(&format!("sqlite:{}", dir.path().join("central.sqlite").display())).await?;
    let c = Central::new(db, ed25519_dalek::SigningKey::from_bytes(&[9; 32]), "BENCH-ROOT", Arc::new(now));
    let (url, task) = serve(c.clone()).await?;
    let store = Store::open(&dir.path().join("kiosk.sqlite")).await?;
    let code =
        admin::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, chrono::Duration::hours(1), now())
            .await?;
    let enrolment = store.enrol_with_central(&url, &code, "HKG-K01", now()).await?;
    let backlog = 10_000;
    let template = events(99);
    let t_log = Instant::now();
    for e in template.iter().cycle().take(backlog) {
        store.record_event(EventKind::Issued, &e.payload, now()).await?;
    }
    let log_took = t_log.elapsed();
    let client = CentralClient::for_enrolment(&enrolment)?;
    let started = Instant::now();
    while sync_once(&store, &client, &enrolment, "HKG-K01", now()).await?.more {}
    let took = started.elapsed();
    anyhow::ensure!(store.sync_status().await?.backlog == 0, "the kiosk did not catch up");
    task.abort();
    rows.push(Row {
        what: "kiosk catching up 10,000 events (SQLite central)",
        value: crate::ms(took),
        baseline: "writing the same 10,000 to its own log",
        baseline_value: crate::ms(log_took),
        ratio: log_took.as_secs_f64() / took.as_secs_f64(),
    });
    Ok(rows)
}
