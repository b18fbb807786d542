//! Central for tests: a throwaway PostgreSQL cluster (one per test run, a
//! database per test), SQLite files, central served on a loopback port, a
//! settable clock, and a fault-injecting proxy.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use gatecare_server::{Central, Clock};
use gatecare_server_database::Database;
use gatecare_server_postgres::PgDatabase;
use gatecare_server_sqlite::SqliteDatabase;
use gatecare_testkit::pg::Cluster;

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

extern "C" fn stop_cluster() {
    if let Some(Ok(c)) = CLUSTER.get() {
        c.stop();
    }
}

/// The run's one cluster, started by the first test that needs it and
/// stopped when the test process exits.
pub fn cluster() -> &'static Cluster {
    let started = CLUSTER.get_or_init(|| {
        let c = Cluster::start().map_err(|e| e.to_string())?;
        // SAFETY: registering a plain extern "C" fn; it runs at process exit.
        unsafe { libc::atexit(stop_cluster) };
        Ok(c)
    });
    match started {
        Ok(c) => c,
        Err(e) => panic!("cannot start the throwaway PostgreSQL cluster: {e}"),
    }
}

/// A database of its own for one test, dropped afterwards.
pub struct PgTestDb {
    pub url: String,
    name: String,
}

impl PgTestDb {
    pub fn create() -> PgTestDb {
        let c = cluster();
        let name = format!("gc_{}", uuid::Uuid::now_v7().simple());
        c.psql("postgres", &["-c", &format!("CREATE DATABASE {name}")])
            .unwrap_or_else(|e| panic!("create database: {e}"));
        PgTestDb { url: c.url(&name), name }
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let _ = cluster()
            .psql("postgres", &["-c", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)]);
    }
}

pub async fn sqlite_db(dir: &Path) -> SqliteDatabase {
    SqliteDatabase::open(&format!("sqlite:{}", dir.join("central.sqlite").display()))
        .await
        .expect("open central sqlite")
}

pub async fn pg_db() -> (PgDatabase, PgTestDb) {
    let t = PgTestDb::create();
    let db = PgDatabase::open(&t.url).await.expect("open central postgres");
    (db, t)
}

/// Runs a generic test body once on each backend.
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let db = crate::central::harness::sqlite_db(dir.path()).await;
                super::$name(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let (db, _guard) = crate::central::harness::pg_db().await;
                super::$name(db).await;
            }
        }
    };
}
pub(crate) use on_both_backends;

/// A clock tests move by hand.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> TestClock {
        TestClock(Arc::new(Mutex::new(t)))
    }
    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
    pub fn clock(&self) -> Clock {
        let c = self.clone();
        Arc::new(move || c.now())
    }
}

pub fn root_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// A signed feed page as central sends it to the device with `token`.
pub async fn raw_page(url: &str, token: &str, after: i64) -> Vec<u8> {
    let resp = reqwest::Client::new()
        .get(format!("{url}/v1/sync/pull?after={after}&limit=1000"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap().to_vec()
}

/// The fingerprint an administrator reads out with each enrolment code.
pub fn root_fingerprint() -> String {
    gatecare_sync::page::fingerprint(&root_key().verifying_key())
}

pub fn central<D: Database>(db: D, clock: &TestClock) -> Arc<Central<D>> {
    Central::new(db, root_key(), "GATECARE-TEST-ROOT", clock.clock())
}

/// The demo's agents at central, as `admin agent` sets them, so the events
/// of consoles name agents central knows (`gatecare_server::actors`). Only
/// when the station has none yet; the PINs are hashed once per test run.
pub async fn publish_demo_agents<D: Database>(c: &Central<D>) {
    static RECORDS: std::sync::OnceLock<Vec<gatecare_server_database::AgentRecord>> =
        std::sync::OnceLock::new();
    if !c.db.station_agents(gatecare_demo::HUB).await.expect("agents").is_empty() {
        return;
    }
    let records = RECORDS.get_or_init(|| {
        gatecare_demo::DEMO_AGENTS
            .iter()
            .map(|(code, name, role, pin)| gatecare_server_database::AgentRecord {
                code: (*code).into(),
                name: (*name).into(),
                role: role.as_str().into(),
                station: gatecare_demo::HUB.into(),
                pin_hash: gatecare_store::agents::hash_pin(pin).expect("hash"),
            })
            .collect()
    });
    for r in records {
        gatecare_central::agents::set_agent(&c.db, r, c.now()).await.expect("agent");
    }
}

/// Central served on a loopback port until dropped.
pub struct Served {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Central on a loopback port, served as `gatecare-central serve` does.
pub async fn serve<D: Database>(c: Arc<Central<D>>) -> Served {
    serve_with(c, gatecare_server::serve::Limits::default()).await
}

pub async fn serve_with<D: Database>(c: Arc<Central<D>>, limits: gatecare_server::serve::Limits) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = gatecare_server::router(c);
    let task = tokio::spawn(gatecare_server::serve::serve(listener, app, limits, std::future::pending()));
    Served { addr, task }
}
