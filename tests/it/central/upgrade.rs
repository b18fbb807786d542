//! A central that ran before the feed became items and runs (migration
//! 0004) keeps its data: stored events still answer replays with their
//! numbers, a clone's reuse of a `seq` is still refused, pulls return the
//! old items in order, and new pushes number after them. On both backends;
//! on PostgreSQL also from the 0004 shape, whose items 0005 moves into
//! blocks.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use gatecare_server_database::{Database, DbError, DeviceRecord, event_feed_text};
use gatecare_server_postgres::PgDatabase;
use gatecare_server_sqlite::SqliteDatabase;
use gatecare_sync::{CheckedBatch, DeviceRole, Event, EventKind, Outcome, Topic};
use uuid::Uuid;

use super::harness::PgTestDb;
use super::story::now;

const DEVICE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);

fn issued(seq: i64, key: &str) -> Event {
    Event {
        seq,
        event_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_1000 + seq as u128),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({
            "entitlement_key": key, "voucher_id": format!("V{seq}"), "flight_id": "CZ342-20261122",
            "passenger_id": format!("P{seq}"), "kind": "meal", "value_minor": 12000, "currency": "HKD",
        }),
    }
}

/// The backend's migrations numbered below `version`, in a directory of
/// their own (byte for byte, so the checksums match the full set later).
fn migrations_before(backend: &str, version: &str) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates").join(backend).join("migrations");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < version {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn old_rows() -> (Vec<Event>, Vec<String>, String) {
    let events = vec![
        issued(1, "CZ342/2026-11-22/7840000000001/meal/1"),
        issued(2, "CZ342/2026-11-22/7840000000002/meal/1"),
    ];
    let bodies = events.iter().map(|e| event_feed_text(DEVICE, e, &e.payload.to_string())).collect();
    let void =
        serde_json::json!({"voucher_id": "V0", "voided_at": "2026-11-22T05:00:00.000000Z", "reason": "test"});
    (events, bodies, void.to_string())
}

async fn check_upgraded<D: Database>(db: D) {
    let (events, bodies, _) = old_rows();
    let device =
        db.devices().await.unwrap().into_iter().find(|d| d.id == DEVICE).expect("the device survives");
    assert_eq!(device.high_seq, 2);

    // A replay of what was stored before the upgrade is answered with its numbers.
    let r = db.push(&device, &CheckedBatch::new(&events).unwrap(), now()).await.unwrap();
    let seqs: Vec<(i64, i64)> = r.acks.iter().map(|a| (a.seq, a.server_seq)).collect();
    assert_eq!(seqs, vec![(1, 1), (2, 2)]);
    assert!(r.acks.iter().all(|a| a.outcome == Outcome::Applied));
    // A clone reusing seq 2 with other content is still refused.
    let mut clone = events[1].clone();
    clone.payload["value_minor"] = serde_json::json!(99);
    assert!(matches!(
        db.push(&device, &CheckedBatch::new(&[clone]).unwrap(), now()).await,
        Err(DbError::SeqConflict { seq: 2 })
    ));

    // New events number after the old feed.
    let fresh = [issued(3, "CZ342/2026-11-22/7840000000003/meal/1")];
    let r = db.push(&device, &CheckedBatch::new(&fresh).unwrap(), now()).await.unwrap();
    assert_eq!(r.acks[0].server_seq, 4);

    // Another device at the station reads the old items and the new one, in order.
    let other = DeviceRecord {
        id: Uuid::now_v7(),
        name: "HKG-K02".into(),
        station: "HKG".into(),
        role: DeviceRole::Kiosk,
        signing: None,
        enrolled_at: now(),
        revoked_at: None,
        high_seq: 0,
    };
    let page = db.pull(&other, 0, 100).await.unwrap();
    let got: Vec<(i64, Topic)> = page.items.iter().map(|i| (i.server_seq, i.topic)).collect();
    assert_eq!(got, vec![(1, Topic::Event), (2, Topic::Event), (3, Topic::Void), (4, Topic::Event)]);
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(page.items[0].body, body);
    assert_eq!(page.items[2].body["voucher_id"], "V0");
    assert_eq!((page.next_after, page.more), (4, false));

    let t = db.totals().await.unwrap();
    assert_eq!((t.events, t.feed_items, t.entitlements_issued, t.issued_value_minor), (3, 4, 3, 36000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_central_keeps_its_feed_across_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0004");
    {
        let pool = sqlite_migrated(&url, &migrations).await;
        let (events, bodies, void) = old_rows();
        let at = "2026-11-22T06:00:00.000000Z";
        let dev = DEVICE.to_string();
        sqlx::query(
            "INSERT INTO devices (id, name, station, role, token_hash, enrolled_at, high_seq) \
             VALUES (?, 'HKG-K01', 'HKG', 'kiosk', 'hash', ?, 2)",
        )
        .bind(&dev)
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
        for (e, body) in events.iter().zip(&bodies) {
            sqlx::query(
                "INSERT INTO device_events (device_id, seq, event_id, kind, content_hash, server_seq, outcome, received_at) \
                 VALUES (?, ?, ?, 'issued', 'old-hash', ?, '{\"result\":\"applied\"}', ?)",
            )
            .bind(&dev)
            .bind(e.seq)
            .bind(e.event_id.to_string())
            .bind(e.seq)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query("INSERT INTO feed (server_seq, station, topic, origin_device, body, at) VALUES (?, 'HKG', 'event', ?, ?, ?)")
                .bind(e.seq)
                .bind(&dev)
                .bind(body)
                .bind(at)
                .execute(&pool)
                .await
                .unwrap();
            let f = e.issuance().unwrap();
            sqlx::query(
                "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, passenger_id, kind, \
                 value_minor, currency, state, at) VALUES (?, ?, ?, ?, ?, 'meal', 12000, 'HKD', 'issued', ?)",
            )
            .bind(f.entitlement_key)
            .bind(f.voucher_id)
            .bind(&dev)
            .bind(f.flight_id)
            .bind(f.passenger_id)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO feed (server_seq, station, topic, body, at) VALUES (3, '*', 'void', ?, ?)")
            .bind(&void)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE counters SET value = 3 WHERE name = 'server_seq'").execute(&pool).await.unwrap();
        pool.close().await;
    }
    check_upgraded(SqliteDatabase::open(&url).await.unwrap()).await;
}

/// A new SQLite database at `url` migrated with `migrations` only.
async fn sqlite_migrated(url: &str, migrations: &Path) -> sqlx::SqlitePool {
    let options =
        url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().create_if_missing(true).foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(migrations).await.unwrap().run(&pool).await.unwrap();
    pool
}

/// A kiosk of HKG enrolled at 06:00, in an older SQLite schema.
async fn old_sqlite_kiosk(pool: &sqlx::SqlitePool, id: Uuid, name: &str, high_seq: i64) {
    sqlx::query(
        "INSERT INTO devices (id, name, station, role, token_hash, enrolled_at, high_seq) \
         VALUES (?, ?, 'HKG', 'kiosk', ?, '2026-11-22T06:00:00.000000Z', ?)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(format!("hash-{name}"))
    .bind(high_seq)
    .execute(pool)
    .await
    .unwrap();
}

/// A kiosk of HKG enrolled now, in an older PostgreSQL schema.
async fn old_pg_kiosk(pool: &sqlx::PgPool, id: Uuid, name: &str, high_seq: i64) {
    sqlx::query(
        "INSERT INTO devices (id, name, station, role, token_hash, enrolled_at, high_seq) \
         VALUES ($1, $2, 'HKG', 'kiosk', $3, $4, $5)",
    )
    .bind(id)
    .bind(name)
    .bind(format!("hash-{name}"))
    .bind(now())
    .bind(high_seq)
    .execute(pool)
    .await
    .unwrap();
}

/// The merchant `DEVICE` ("Noodle Bar" at HKG) in an older SQLite schema.
async fn insert_sqlite_merchant(pool: &sqlx::SqlitePool) {
    sqlx::query(
        "INSERT INTO devices (id, name, station, role, token_hash, enrolled_at, high_seq) \
         VALUES (?, 'Noodle Bar', 'HKG', 'merchant', 'hash', '2026-11-22T04:00:00.000000Z', 0)",
    )
    .bind(DEVICE.to_string())
    .execute(pool)
    .await
    .unwrap();
}

/// A PostgreSQL database migrated with `migrations`, holding the device.
async fn pg_with_device(url: &str, migrations: &Path) -> sqlx::PgPool {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(migrations).await.unwrap().run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO devices (id, name, station, role, token_hash, enrolled_at, high_seq) \
         VALUES ($1, 'HKG-K01', 'HKG', 'kiosk', 'hash', $2, 2)",
    )
    .bind(DEVICE)
    .bind(now())
    .execute(&pool)
    .await
    .unwrap();
    pool
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_central_keeps_its_feed_across_the_upgrade() {
    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0004");
    {
        let pool = pg_with_device(&t.url, &migrations).await;
        let (events, bodies, void) = old_rows();
        let at: DateTime<Utc> = now();
        for (e, body) in events.iter().zip(&bodies) {
            sqlx::query(
                "INSERT INTO device_events (device_id, seq, event_id, kind, content_hash, server_seq, outcome, received_at) \
                 VALUES ($1, $2, $3, 'issued', 'old-hash', $2, '{\"result\": \"applied\"}', $4)",
            )
            .bind(DEVICE)
            .bind(e.seq)
            .bind(e.event_id)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO feed (server_seq, station, topic, origin_device, body, at) \
                 VALUES ($1, 'HKG', 'event', $2, $3::jsonb, $4)",
            )
            .bind(e.seq)
            .bind(DEVICE)
            .bind(body)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
            let f = e.issuance().unwrap();
            sqlx::query(
                "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, passenger_id, kind, \
                 value_minor, currency, state, at) VALUES ($1, $2, $3, $4, $5, 'meal', 12000, 'HKD', 'issued', $6)",
            )
            .bind(f.entitlement_key)
            .bind(f.voucher_id)
            .bind(DEVICE)
            .bind(f.flight_id)
            .bind(f.passenger_id)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query(
            "INSERT INTO feed (server_seq, station, topic, body, at) VALUES (3, '*', 'void', $1::jsonb, $2)",
        )
        .bind(&void)
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("UPDATE counters SET value = 3 WHERE name = 'server_seq'").execute(&pool).await.unwrap();
        pool.close().await;
    }
    check_upgraded(PgDatabase::open(&t.url).await.unwrap()).await;
}

/// Written by 0004's code: the two events are one run, the void another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_central_keeps_its_0004_feed_when_items_move_into_blocks() {
    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0005");
    {
        let pool = pg_with_device(&t.url, &migrations).await;
        let (events, bodies, void) = old_rows();
        let at: DateTime<Utc> = now();
        for (e, body) in events.iter().zip(&bodies) {
            sqlx::query("INSERT INTO feed_items (server_seq, kind, body) VALUES ($1, 'issued', $2::json)")
                .bind(e.seq)
                .bind(body)
                .execute(&pool)
                .await
                .unwrap();
            let f = e.issuance().unwrap();
            sqlx::query(
                "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, \
                 state) VALUES ($1, $2, $3, $4, 12000, 'HKD', 'issued')",
            )
            .bind(f.entitlement_key)
            .bind(f.voucher_id)
            .bind(DEVICE)
            .bind(f.flight_id)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO feed_items (server_seq, body) VALUES (3, $1::json)")
            .bind(&void)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at) \
             VALUES (1, 2, 'HKG', 'event', $1, 1, $2), (3, 3, '*', 'void', NULL, NULL, $2)",
        )
        .bind(DEVICE)
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("UPDATE counters SET value = 3 WHERE name = 'server_seq'").execute(&pool).await.unwrap();
        pool.close().await;
    }
    let db = PgDatabase::open(&t.url).await.unwrap();
    check_upgraded(db.clone()).await;
    // New blocks do not collide with the blocks the old runs became.
    let blocks: Vec<i64> = sqlx::query_scalar("SELECT block FROM feed_runs ORDER BY first_seq")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(blocks.len(), 3);
    assert_eq!(&blocks[..2], &[1, 3]);
    assert!(blocks[2] > 3, "a new block {} after the old ones", blocks[2]);
}

/// Devices enrolled before there were consoles (migrations sqlite 0005,
/// PostgreSQL 0007): one that pushed what only an agent does becomes a
/// console, one that issued what is owed stays a kiosk, a merchant stays one.
const ROLE_DEVICES: [(Uuid, &str, &str, &str); 5] = [
    (
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101),
        "HKG-K01",
        "issued",
        r#"{"statutory": true, "voucher_id": "V1", "actor": "KIOSK:HKG-K01"}"#,
    ),
    (
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102),
        "HKG-C01",
        "disruption_updated",
        r#"{"flight_id": "F1"}"#,
    ),
    (
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0103),
        "HKG-C02",
        "issued",
        r#"{"statutory": false, "voucher_id": "V2"}"#,
    ),
    (Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0104), "HKG-K02", "feedback", r#"{"stars": 5}"#),
    // A gate console that only issued care owed, under an agent's name.
    (
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0105),
        "HKG-C03",
        "issued",
        r#"{"statutory": true, "voucher_id": "V3", "actor": "A1001", "kind": "meal"}"#,
    ),
];

async fn check_roles<D: Database>(db: D) {
    let roles: std::collections::HashMap<Uuid, DeviceRole> =
        db.devices().await.unwrap().into_iter().map(|d| (d.id, d.role)).collect();
    let want =
        [DeviceRole::Kiosk, DeviceRole::Console, DeviceRole::Console, DeviceRole::Kiosk, DeviceRole::Console];
    for ((id, name, kind, payload), role) in ROLE_DEVICES.iter().zip(want) {
        assert_eq!(roles[id], role, "{name} pushed {kind} {payload}");
    }
    // The console found by its agents' names is sent the station's agents
    // (as a kiosk its feed skipped them) when central next opens, once.
    assert_eq!(db.consoles_owed_agents().await.unwrap(), [ROLE_DEVICES[4].0]);
    let sent = gatecare_central::devices::send_agents_owed_to_consoles(&db, now()).await.unwrap();
    assert_eq!(sent, 1);
    assert!(db.consoles_owed_agents().await.unwrap().is_empty());
    assert_eq!(gatecare_central::devices::send_agents_owed_to_consoles(&db, now()).await.unwrap(), 0);
    // An administrator changes a role, and codes for consoles can be issued.
    assert!(db.set_device_role(ROLE_DEVICES[3].0, DeviceRole::Console).await.unwrap());
    assert!(!db.set_device_role(ROLE_DEVICES[3].0, DeviceRole::Merchant).await.unwrap());
    let d = db.devices().await.unwrap().into_iter().find(|d| d.id == ROLE_DEVICES[3].0).unwrap();
    assert_eq!(d.role, DeviceRole::Console);
    // Revocations from before had no effective time: none is recorded, so
    // such a device's key stays off the trust list altogether. A new one
    // keeps its time and vouchers, in order.
    assert!(db.revocations().await.unwrap().is_empty());
    assert!(db.retired_keys().await.unwrap().is_empty(), "no key was rotated before");
    let (v1, v2) = (Uuid::from_u128(2), Uuid::from_u128(1));
    let revocation = gatecare_server_database::RevocationRecord {
        device_id: ROLE_DEVICES[0].0,
        effective_at: now() - chrono::Duration::hours(3),
        kept: serde_json::json!([v1, v2]),
    };
    db.record_revocation(&revocation).await.unwrap();
    assert_eq!(db.revocation_of(ROLE_DEVICES[0].0).await.unwrap(), Some(revocation.clone()));
    assert_eq!(db.revocations().await.unwrap(), [revocation]);
    assert_eq!(db.revocation_of(ROLE_DEVICES[1].0).await.unwrap(), None);
    db.add_enrolment_code(&gatecare_server_database::NewEnrolmentCode {
        code_hash: "console-code".into(),
        station: "HKG".into(),
        role: DeviceRole::Console,
        created_at: now(),
        expires_at: now() + chrono::Duration::hours(1),
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_devices_get_roles_by_what_they_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0005");
    {
        let pool = sqlite_migrated(&url, &migrations).await;
        let at = "2026-11-22T06:00:00.000000Z";
        for (n, (id, name, kind, payload)) in ROLE_DEVICES.iter().enumerate() {
            let seq = n as i64 + 1;
            old_sqlite_kiosk(&pool, *id, name, 1).await;
            let body = format!(r#"{{"device":"{id}","kind":"{kind}","payload":{payload},"seq":1}}"#);
            sqlx::query("INSERT INTO feed_items (server_seq, kind, outcome, body) VALUES (?, ?, NULL, ?)")
                .bind(seq)
                .bind(kind)
                .bind(body)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at) \
                 VALUES (?, ?, 'HKG', 'event', ?, 1, ?)",
            )
            .bind(seq)
            .bind(seq)
            .bind(id.to_string())
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO devices (id, name, station, role, token_hash, enrolled_at) VALUES (?, 'Noodle bar', 'HKG', 'merchant', 'hash-m', ?)")
            .bind(Uuid::now_v7().to_string())
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let db = SqliteDatabase::open(&url).await.unwrap();
    // The rebuilt tables keep their rows and their references.
    let merchants =
        db.devices().await.unwrap().into_iter().filter(|d| d.role == DeviceRole::Merchant).count();
    assert_eq!(merchants, 1);
    check_roles(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_devices_get_roles_by_what_they_pushed() {
    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0007");
    {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        sqlx::migrate::Migrator::new(migrations.as_path()).await.unwrap().run(&pool).await.unwrap();
        for (n, (id, name, kind, payload)) in ROLE_DEVICES.iter().enumerate() {
            let seq = n as i64 + 1;
            old_pg_kiosk(&pool, *id, name, 1).await;
            sqlx::query(
                "INSERT INTO feed_items (block, idx, kind, outcome, body, event_id, at) \
                 VALUES ($1, 0, $2, NULL, $3::json, $4, '2026-11-22T06:00:00Z')",
            )
            .bind(seq)
            .bind(kind)
            .bind(payload)
            .bind(Uuid::now_v7())
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at, block, first_idx) \
                 VALUES ($1, $1, 'HKG', 'event', $2, 1, $3, $1, 0)",
            )
            .bind(seq)
            .bind(id)
            .bind(now())
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    check_roles(PgDatabase::open(&t.url).await.unwrap()).await;
}

/// Flights published before entitlement keys were checked against them
/// (sqlite 0013, PostgreSQL 0016) still refuse another station's events by
/// their id, and by their key once the station data is imported again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flights_published_before_keys_were_checked_still_hold() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0013");
    {
        let pool = sqlite_migrated(&url, &migrations).await;
        sqlx::query("INSERT INTO station_flights (flight_id, station) VALUES ('F-HKG', 'HKG')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    check_flight_keys(SqliteDatabase::open(&url).await.unwrap()).await;

    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0016");
    {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        sqlx::migrate::Migrator::new(migrations.as_path()).await.unwrap().run(&pool).await.unwrap();
        sqlx::query("INSERT INTO station_flights (flight_id, station) VALUES ('F-HKG', 'HKG')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    check_flight_keys(PgDatabase::open(&t.url).await.unwrap()).await;
}

async fn check_flight_keys<D: Database>(db: D) {
    let key = "CZ342/2026-11-22";
    // By its id, as before; its key is not known yet.
    assert_eq!(db.foreign_flights("PVG", &["F-HKG"], &[key]).await.unwrap(), ["F-HKG"]);
    assert!(db.foreign_flights("PVG", &["F-PVG"], &[key]).await.unwrap().is_empty());
    // Imported again: by its key too, but never for its own station.
    let flight = gatecare_server_database::StationFlight { id: "F-HKG".into(), key_prefix: key.into() };
    db.record_station_flights("HKG", &[flight]).await.unwrap();
    assert_eq!(db.foreign_flights("PVG", &["F-PVG"], &[key]).await.unwrap(), [key]);
    assert!(db.foreign_flights("HKG", &["F-HKG"], &[key]).await.unwrap().is_empty());
}

/// Redemptions stored before central kept what they bought (sqlite 0014,
/// PostgreSQL 0017) stay in the merchant's day list, with nothing made up
/// for what they bought, and still count as redeemed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redemptions_stored_before_their_details_stay_listed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0014");
    {
        let pool = sqlite_migrated(&url, &migrations).await;
        insert_sqlite_merchant(&pool).await;
        sqlx::query(
            "INSERT INTO redemptions (redemption_id, voucher_id, device_id, redeemed_at) \
             VALUES ('01930000-0000-7000-8000-00000000a001', 'V1', ?, '2026-11-22T05:00:00.000000Z')",
        )
        .bind(DEVICE.to_string())
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    check_old_redemption(SqliteDatabase::open(&url).await.unwrap()).await;

    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0017");
    {
        let pool = pg_with_device(&t.url, &migrations).await;
        sqlx::query(
            "INSERT INTO redemptions (redemption_id, voucher_id, device_id, redeemed_at) \
             VALUES ('01930000-0000-7000-8000-00000000a001', 'V1', $1, '2026-11-22T05:00:00Z')",
        )
        .bind(DEVICE)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    check_old_redemption(PgDatabase::open(&t.url).await.unwrap()).await;
}

async fn check_old_redemption<D: Database>(db: D) {
    let day = |h: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 22, h, 0, 0).unwrap();
    let lines = db.redemptions_by(DEVICE, day(0), day(23)).await.unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0].voucher_id.as_str(), lines[0].kind.as_deref(), lines[0].value_minor),
        ("V1", None, None)
    );
    assert!(db.redemptions_by(DEVICE, day(6), day(23)).await.unwrap().is_empty());
    let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_a001);
    assert_eq!(db.redemption(id).await.unwrap().map(|r| r.voucher_id), Some("V1".to_owned()));
}

/// Merchants enrolled before central kept what they take (sqlite 0017,
/// PostgreSQL 0020) take every kind, as they did, and are not listed on the
/// passenger's page until the administrator gives them a place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchants_from_before_outlets_take_every_kind_unlisted() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0017");
    {
        let pool = sqlite_migrated(&url, &migrations).await;
        insert_sqlite_merchant(&pool).await;
        pool.close().await;
    }
    check_old_merchant(SqliteDatabase::open(&url).await.unwrap()).await;

    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0020");
    {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        sqlx::migrate::Migrator::new(migrations.as_path()).await.unwrap().run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO devices (id, name, station, role, token_hash, enrolled_at, high_seq) \
             VALUES ($1, 'Noodle Bar', 'HKG', 'merchant', 'hash', $2, 0)",
        )
        .bind(DEVICE)
        .bind(now())
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    check_old_merchant(PgDatabase::open(&t.url).await.unwrap()).await;
}

async fn check_old_merchant<D: Database>(db: D) {
    let outlet = db.merchant_outlet(DEVICE).await.unwrap();
    assert_eq!(outlet, gatecare_server_database::MerchantOutlet::default());
    assert!(outlet.takes("meal") && outlet.takes("hotel"));
    assert!(db.published_outlets("HKG").await.unwrap().is_empty());
    let placed = gatecare_server_database::MerchantOutlet { place_en: Some("Terminal 1".into()), ..outlet };
    db.set_merchant_outlet(DEVICE, &placed).await.unwrap();
    let listed = db.published_outlets("HKG").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), &listed[0].outlet), ("Noodle Bar", &placed));
}

/// Central's SQLite database holds PIN hashes and mobile numbers: one an
/// older build left world-readable is its owner's only once opened, with
/// its log and shared-memory files.
#[tokio::test]
async fn a_central_sqlite_database_is_its_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.sqlite");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db =
        gatecare_server_sqlite::SqliteDatabase::open(&format!("sqlite:{}", path.display())).await.unwrap();
    for file in ["central.sqlite", "central.sqlite-wal", "central.sqlite-shm"] {
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    drop(db);
}

/// Entitlements stored before their rows were narrowed to key, state and
/// feed item (SQLite 0018; PostgreSQL 0021 put the key in byte order in
/// place of a second index): an issued voucher, another device's live
/// claim, and a voided voucher whose id is bound to no device. They keep
/// deciding what they decided, and the report and totals still count them.
mod narrowed {
    use super::*;
    use gatecare_server_database::ValueCount;
    use gatecare_sync::{ClaimRequest, ClaimResponse};

    const B: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
    const C: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0003);
    const ISSUED: &str = "CZ342/2026-11-22/7840000000001/meal/1";
    const CLAIMED: &str = "CZ342/2026-11-22/7840000000002/meal/1";
    const VOIDED: &str = "CZ342/2026-11-22/7840000000003/hotel/1";
    const UNBOUND: &str = "V-OLD-3";

    fn bound() -> String {
        gatecare_sync::voucher_id::bound_voucher_id(1_795_000_000_000, 1, DEVICE).to_string()
    }

    fn issue(seq: i64, key: &str, voucher: &str, device: Uuid) -> Event {
        Event {
            seq,
            event_id: Uuid::now_v7(),
            kind: EventKind::Issued,
            at: now(),
            payload: serde_json::json!({
                "entitlement_key": key, "voucher_id": voucher, "flight_id": "CZ342-20261122",
                "passenger_id": "P1", "kind": "meal", "value_minor": 9000, "currency": "HKD",
                "device": device.to_string(),
            }),
        }
    }

    fn claim(key: &str, voucher: &str) -> ClaimRequest {
        ClaimRequest {
            entitlement_key: key.into(),
            voucher_id: voucher.into(),
            flight_id: "CZ342-20261122".into(),
        }
    }

    /// An entitlement row as stored before.
    struct Old {
        key: &'static str,
        voucher: String,
        device: Uuid,
        value: i64,
        state: &'static str,
        claimed_until: Option<DateTime<Utc>>,
    }

    fn old_entitlements() -> [Old; 3] {
        let row = |key, voucher, device, value, state| Old {
            key,
            voucher,
            device,
            value,
            state,
            claimed_until: None,
        };
        [
            row(ISSUED, bound(), DEVICE, 12000, "issued"),
            Old {
                claimed_until: Some(now() + chrono::Duration::hours(1)),
                ..row(CLAIMED, "claim-b".into(), B, 0, "claimed")
            },
            row(VOIDED, UNBOUND.into(), DEVICE, 80000, "voided"),
        ]
    }

    async fn check<D: Database>(db: D) {
        let t = db.totals().await.unwrap();
        assert_eq!((t.entitlements_issued, t.issued_value_minor), (2, 92000));
        let report = db.flight_vouchers("CZ342", "2026-11-22").await.unwrap();
        let counted = |state: &str, value_minor| ValueCount {
            state: state.into(),
            currency: "HKD".into(),
            count: 1,
            value_minor,
        };
        assert_eq!(report, vec![counted("issued", 12000), counted("voided", 80000)]);

        let devices = db.devices().await.unwrap();
        let record = |id: Uuid| devices.iter().find(|d| d.id == id).cloned().unwrap();
        let (a, b, c) = (record(DEVICE), record(B), record(C));
        // The claim still holds against a third device, and is its holder's to renew.
        let hold = now() + chrono::Duration::minutes(10);
        let refused = ClaimResponse::Refused { reason: "held_elsewhere".into() };
        assert_eq!(db.claim(&c, &claim(CLAIMED, "claim-c"), now(), hold).await.unwrap(), refused);
        assert_eq!(
            db.claim(&b, &claim(CLAIMED, "claim-b"), now(), hold).await.unwrap(),
            ClaimResponse::Granted
        );
        // The issued voucher still wins against another device's issuance.
        let r =
            db.push(&b, &CheckedBatch::new(&[issue(1, ISSUED, "V-B-1", B)]).unwrap(), now()).await.unwrap();
        assert_eq!(
            r.acks[0].outcome,
            Outcome::Conflict { winner_voucher_id: bound(), winner_device: DEVICE }
        );
        // The unbound id is still the voided entitlement's alone.
        let r = db
            .push(
                &c,
                &CheckedBatch::new(&[issue(1, "CZ342/2026-11-22/7840000000009/meal/1", UNBOUND, C)]).unwrap(),
                now(),
            )
            .await
            .unwrap();
        assert!(
            matches!(&r.acks[0].outcome, Outcome::Refused { code, .. } if code == "voucher_not_yours"),
            "{:?}",
            r.acks
        );
        // The old holder voids its voucher, then issues the claimed one: a
        // real issuance takes a claim.
        let void = Event {
            seq: 1,
            event_id: Uuid::now_v7(),
            kind: EventKind::Voided,
            at: now(),
            payload: serde_json::json!({
                "entitlement_key": ISSUED, "voucher_id": bound(), "flight_id": "CZ342-20261122", "reason": "rebooked",
            }),
        };
        let fresh = gatecare_sync::voucher_id::bound_voucher_id(1_795_000_000_000, 2, DEVICE).to_string();
        let batch = [void, issue(2, CLAIMED, &fresh, DEVICE)];
        let r = db.push(&a, &CheckedBatch::new(&batch).unwrap(), now()).await.unwrap();
        assert!(r.acks.iter().all(|a| a.outcome == Outcome::Applied), "{:?}", r.acks);
        assert!(db.void_list().await.unwrap().iter().any(|v| v.voucher_id == bound()));
        assert_eq!(db.claim(&b, &claim(CLAIMED, "claim-b"), now(), hold).await.unwrap(), refused);
        let report = db.flight_vouchers("CZ342", "2026-11-22").await.unwrap();
        assert_eq!(
            report,
            vec![
                counted("issued", 9000),
                ValueCount { count: 2, value_minor: 92000, ..counted("voided", 0) }
            ]
        );

        // Found in a review: a value past 64 bits read as 9.2e18 from the
        // item's body, where central had taken it as 0.
        let bound_id = gatecare_sync::voucher_id::bound_voucher_id(1_795_000_000_000, 3, DEVICE).to_string();
        let mut huge = issue(3, "CZ342/2026-11-22/7840000000004/meal/1", &bound_id, DEVICE);
        huge.payload["value_minor"] = serde_json::json!(9_223_372_036_854_775_808u64);
        let a = db.devices().await.unwrap().into_iter().find(|d| d.id == DEVICE).unwrap();
        let r = db.push(&a, &CheckedBatch::new(&[huge]).unwrap(), now()).await.unwrap();
        assert_eq!(r.acks[0].outcome, Outcome::Applied);
        let report = db.flight_vouchers("CZ342", "2026-11-22").await.unwrap();
        assert_eq!(report[0], ValueCount { count: 2, value_minor: 9000, ..counted("issued", 0) });
        let t = db.totals().await.unwrap();
        assert_eq!((t.entitlements_issued, t.issued_value_minor), (4, 101_000));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_entitlements_keep_their_holders() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
        let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0018");
        {
            let pool = sqlite_migrated(&url, &migrations).await;
            for (id, name) in [(DEVICE, "HKG-K01"), (B, "HKG-K02"), (C, "HKG-K03")] {
                old_sqlite_kiosk(&pool, id, name, 0).await;
            }
            for Old { key, voucher, device, value, state, claimed_until: until } in old_entitlements() {
                sqlx::query(
                    "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, \
                     currency, state, claimed_until) VALUES (?, ?, ?, 'CZ342-20261122', ?, 'HKD', ?, ?)",
                )
                .bind(key)
                .bind(voucher)
                .bind(device.to_string())
                .bind(value)
                .bind(state)
                .bind(until.map(|u| u.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()))
                .execute(&pool)
                .await
                .unwrap();
            }
            pool.close().await;
        }
        check(SqliteDatabase::open(&url).await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_entitlements_keep_their_holders() {
        let t = PgTestDb::create();
        let (_m, migrations) = migrations_before("gatecare-server-postgres", "0021");
        {
            let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
            sqlx::migrate::Migrator::new(migrations.as_path()).await.unwrap().run(&pool).await.unwrap();
            for (id, name) in [(DEVICE, "HKG-K01"), (B, "HKG-K02"), (C, "HKG-K03")] {
                old_pg_kiosk(&pool, id, name, 0).await;
            }
            for Old { key, voucher, device, value, state, claimed_until: until } in old_entitlements() {
                sqlx::query(
                    "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, \
                     currency, state, claimed_until) VALUES ($1, $2, $3, 'CZ342-20261122', $4, 'HKD', $5, $6)",
                )
                .bind(key)
                .bind(voucher)
                .bind(device)
                .bind(value)
                .bind(state)
                .bind(until)
                .execute(&pool)
                .await
                .unwrap();
            }
            pool.close().await;
        }
        check(PgDatabase::open(&t.url).await.unwrap()).await;
    }
}

/// PostgreSQL 0022 stores a block's feed items as one row: a feed written
/// one row per item before it (a push with a refused event and the void
/// central published with it, a service-recovery case, a publication of its
/// own) answers replays, pulls and the report as it did, and new pushes of
/// either path store blocks the same readers read.
mod item_blocks {
    use super::*;

    const REFUSED: &str =
        r#"{"code": "void_not_yours", "reason": "not this device's voucher", "result": "refused"}"#;
    const VOUCHER: &str = "019a0000-0000-7000-8000-000000000001";
    const POLICY: &str = "sha256:0123";

    fn case_opened(seq: i64) -> Event {
        Event {
            seq,
            event_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_2000 + seq as u128),
            kind: EventKind::CaseOpened,
            at: now(),
            payload: serde_json::json!({"case_id": "CASE-1", "flight_id": "CZ342-20261122", "station": "HKG"}),
        }
    }

    fn events() -> Vec<Event> {
        let mut first = issued(1, "CZ342/2026-11-22/7840000000001/meal/1");
        first.payload["voucher_id"] = VOUCHER.into();
        first.payload["decision"] = serde_json::json!({"policy": POLICY});
        first.payload["policy_toml"] = "currency = \"HKD\"".into();
        vec![first, issued(2, "CZ342/2026-11-22/7840000000002/meal/1"), issued(3, "X/stale"), case_opened(4)]
    }

    /// Items as 0006–0021 wrote them, inserted last first (the migration
    /// must order them by idx, not by how they lie).
    async fn write_old_feed(pool: &sqlx::PgPool) {
        let evs = events();
        let void =
            serde_json::json!({"voucher_id": "V3", "reason": "refused", "voided_at": "2026-11-22T06:00:00Z"});
        let items: [(i64, i32, Option<&Event>, Option<&str>); 6] = [
            (1, 0, Some(&evs[0]), None),
            (1, 1, Some(&evs[1]), None),
            (1, 2, Some(&evs[2]), Some(REFUSED)),
            (1, 3, None, None),
            (2, 0, Some(&evs[3]), None),
            (3, 0, None, None),
        ];
        for (block, idx, event, outcome) in items.into_iter().rev() {
            sqlx::query(
                "INSERT INTO feed_items (block, idx, kind, outcome, body, event_id, at) \
                 VALUES ($1, $2, $3, $4::jsonb, $5::json, $6, $7)",
            )
            .bind(block)
            .bind(idx)
            .bind(event.map(|e| e.kind.as_str()))
            .bind(outcome)
            .bind(event.map_or(void.to_string(), |e| e.payload.to_string()))
            .bind(event.map(|e| e.event_id))
            .bind(event.map(|e| gatecare_server_database::event_time_text(e.at)))
            .execute(pool)
            .await
            .unwrap();
        }
        // Runs: the push's events, its void, the case, a publication.
        sqlx::query(
            "INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at, block, first_idx) \
             VALUES (1, 3, 'HKG', 'event', $1, 1, $2, 1, 0), (4, 4, '*', 'void', NULL, NULL, $2, 1, 3), \
                    (5, 5, 'HKG', 'event', $1, 4, $2, 2, 0), (6, 6, '*', 'void', NULL, NULL, $2, 3, 0)",
        )
        .bind(DEVICE)
        .bind(now())
        .execute(pool)
        .await
        .unwrap();
        for e in &evs[..2] {
            let f = e.issuance().unwrap();
            sqlx::query(
                "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, state) \
                 VALUES ($1, $2, $3, $4, 12000, 'HKD', 'issued')",
            )
            .bind(f.entitlement_key)
            .bind(f.voucher_id)
            .bind(DEVICE)
            .bind(f.flight_id)
            .execute(pool)
            .await
            .unwrap();
        }
        sqlx::query("UPDATE devices SET high_seq = 4 WHERE id = $1")
            .bind(DEVICE)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE counters SET value = 6 WHERE name = 'server_seq'").execute(pool).await.unwrap();
        sqlx::query("SELECT setval('feed_blocks', 4, false)").execute(pool).await.unwrap();
    }

    fn seqs(page: &gatecare_sync::PullResponse) -> Vec<(i64, Topic)> {
        page.items.iter().map(|i| (i.server_seq, i.topic)).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_feed_items_keep_their_numbers_outcomes_and_cases_in_blocks() {
        let t = PgTestDb::create();
        let (_m, migrations) = migrations_before("gatecare-server-postgres", "0022");
        {
            let pool = pg_with_device(&t.url, &migrations).await;
            write_old_feed(&pool).await;
            pool.close().await;
        }
        let db = PgDatabase::open(&t.url).await.unwrap();
        let evs = events();
        let device = db.devices().await.unwrap().into_iter().find(|d| d.id == DEVICE).unwrap();

        // A replay gets the numbers and outcomes it got before.
        let r = db.push(&device, &CheckedBatch::new(&evs).unwrap(), now()).await.unwrap();
        let acks: Vec<(i64, i64, Outcome)> =
            r.acks.into_iter().map(|a| (a.seq, a.server_seq, a.outcome)).collect();
        let refused = serde_json::from_str(REFUSED).unwrap();
        assert_eq!(
            acks,
            vec![
                (1, 1, Outcome::Applied),
                (2, 2, Outcome::Applied),
                (3, 3, refused),
                (4, 5, Outcome::Applied)
            ]
        );
        let mut clone = evs[3].clone();
        clone.payload["case_id"] = "CASE-2".into();
        assert!(matches!(
            db.push(&device, &CheckedBatch::new(&[clone]).unwrap(), now()).await,
            Err(DbError::SeqConflict { seq: 4 })
        ));

        // Another kiosk of the station reads every item but the refused
        // event (it had no effect), each envelope as before.
        let other = DeviceRecord { id: Uuid::now_v7(), high_seq: 0, ..device.clone() };
        let page = db.pull(&other, 0, 100).await.unwrap();
        assert_eq!(
            seqs(&page),
            vec![(1, Topic::Event), (2, Topic::Event), (4, Topic::Void), (5, Topic::Event), (6, Topic::Void)]
        );
        for (item, e) in [(&page.items[0], &evs[0]), (&page.items[1], &evs[1]), (&page.items[3], &evs[3])] {
            let envelope = event_feed_text(DEVICE, e, &e.payload.to_string());
            assert_eq!(item.body, serde_json::from_str::<serde_json::Value>(&envelope).unwrap());
        }
        assert_eq!(page.items[2].body["voucher_id"], "V3");
        assert_eq!((page.next_after, page.more), (6, false));
        // Pages that start inside a run and inside a block.
        assert_eq!(seqs(&db.pull(&other, 1, 1).await.unwrap()), vec![(2, Topic::Event)]);
        assert_eq!(seqs(&db.pull(&other, 3, 2).await.unwrap()), vec![(4, Topic::Void), (5, Topic::Event)]);

        // The report's readers find the case, the voucher and its policy.
        let cases = db.case_events().await.unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!((cases[0].station.as_str(), cases[0].kind.as_str()), ("HKG", "case_opened"));
        assert_eq!(cases[0].payload, evs[3].payload);
        assert_eq!(db.case_station("CASE-1").await.unwrap().as_deref(), Some("HKG"));
        assert_eq!(db.case_station("CASE-2").await.unwrap(), None);
        assert_eq!(db.issued_event(&VOUCHER.to_uppercase()).await.unwrap(), Some(evs[0].payload.clone()));
        assert_eq!(db.decision_policy(POLICY).await.unwrap().as_deref(), Some("currency = \"HKD\""));
        let t = db.totals().await.unwrap();
        assert_eq!((t.events, t.feed_items), (4, 6));

        // New events number after the old feed: the common path (an issue
        // and a case update) and the full path (a void, which central
        // publishes in the same block).
        let mut update = case_opened(6);
        update.kind = EventKind::CaseUpdated;
        update.payload["update_id"] = "U1".into();
        let fresh = [issued(5, "CZ342/2026-11-22/7840000000005/meal/1"), update];
        let r = db.push(&device, &CheckedBatch::new(&fresh).unwrap(), now()).await.unwrap();
        let acks: Vec<(i64, Outcome)> = r.acks.into_iter().map(|a| (a.server_seq, a.outcome)).collect();
        assert_eq!(acks, vec![(7, Outcome::Applied), (8, Outcome::Applied)]);
        let void = Event {
            seq: 7,
            event_id: Uuid::now_v7(),
            kind: EventKind::Voided,
            at: now(),
            payload: serde_json::json!({"entitlement_key": evs[1].payload["entitlement_key"], "voucher_id": "V2",
                "flight_id": "CZ342-20261122", "reason": "passenger rebooked"}),
        };
        let r =
            db.push(&device, &CheckedBatch::new(std::slice::from_ref(&void)).unwrap(), now()).await.unwrap();
        assert_eq!((r.acks[0].server_seq, &r.acks[0].outcome), (9, &Outcome::Applied));
        let page = db.pull(&other, 6, 100).await.unwrap();
        assert_eq!(
            seqs(&page),
            vec![(7, Topic::Event), (8, Topic::Event), (9, Topic::Event), (10, Topic::Void)]
        );
        assert_eq!(page.items[3].body["voucher_id"], "V2");
        assert_eq!(db.case_events().await.unwrap().len(), 2);
        let t = db.totals().await.unwrap();
        assert_eq!((t.events, t.feed_items, t.voids), (7, 10, 1));
        let stored: Vec<(i64, i32, i32, bool)> = sqlx::query_as(
            "SELECT block, events, items, outcomes IS NULL FROM feed_item_blocks ORDER BY block",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(
            stored,
            vec![(1, 3, 4, false), (2, 1, 1, true), (3, 0, 1, true), (4, 2, 2, true), (5, 1, 2, true)]
        );
    }
}

/// Agents created at central in lower case before codes had one spelling
/// take it (SQLite 0020, PostgreSQL 0024); one created again in upper case
/// since is kept, not doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_created_in_lower_case_take_the_one_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (_m, migrations) = migrations_before("gatecare-server-sqlite", "0020");
    {
        let pool = sqlite_migrated(&url, &migrations).await;
        for code in ["a1009", "s2009", "S2009"] {
            sqlx::query(
                "INSERT INTO agents (code, name, role, station, pin_hash, updated_at) \
                 VALUES (?1, 'Lo Wai', 'agent', 'HKG', 'hash', '2026-11-22T06:00:00Z')",
            )
            .bind(code)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    check_agent_codes(SqliteDatabase::open(&url).await.unwrap()).await;

    let t = PgTestDb::create();
    let (_m, migrations) = migrations_before("gatecare-server-postgres", "0024");
    {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        sqlx::migrate::Migrator::new(migrations.as_path()).await.unwrap().run(&pool).await.unwrap();
        for code in ["a1009", "s2009", "S2009"] {
            sqlx::query(
                "INSERT INTO agents (code, name, role, station, pin_hash, updated_at) \
                 VALUES ($1, 'Lo Wai', 'agent', 'HKG', 'hash', now())",
            )
            .bind(code)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    check_agent_codes(PgDatabase::open(&t.url).await.unwrap()).await;
}

async fn check_agent_codes<D: Database>(db: D) {
    let mut codes: Vec<String> =
        db.station_agent_records("HKG").await.unwrap().into_iter().map(|a| a.code).collect();
    codes.sort();
    assert_eq!(codes, ["A1009", "S2009"]);
}
