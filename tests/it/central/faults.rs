//! A fault-injecting proxy between kiosks and central: it drops requests,
//! loses responses, duplicates, delays and replays requests late (so they
//! arrive out of order), and restarts central. Seeded runs check that
//! central ends equal to a model (every event stored exactly once, the
//! first issuance of each entitlement wins, values exact) and that every
//! event a kiosk committed is eventually acknowledged.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use gatecare_link::{CentralClient, enrol_with_central, sync_once};
use gatecare_server::Central;
use gatecare_server_database::Database;
use gatecare_station::Station;
use gatecare_store::central::Enrolment;
use gatecare_store_sync::SyncStore;
use gatecare_sync::EventKind;

use super::harness::{Served, TestClock, central, on_both_backends, serve};
use super::story::now;

/// A small deterministic generator (xorshift64*), so a failing seed replays.
#[derive(Clone)]
struct Rng(Arc<Mutex<u64>>);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(Arc::new(Mutex::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)))
    }
    fn next(&self) -> u64 {
        let mut s = self.0.lock().unwrap();
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        s.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default)]
pub struct FaultCounts {
    pub dropped: AtomicU64,
    pub lost_responses: AtomicU64,
    pub duplicated: AtomicU64,
    pub delayed: AtomicU64,
    pub late_replays: AtomicU64,
    pub restarts: AtomicU64,
    pub forwarded: AtomicU64,
}

struct Proxy<D: Database> {
    central: Arc<Central<D>>,
    upstream: Mutex<(SocketAddr, Option<Served>)>,
    rng: Rng,
    faults_on: AtomicBool,
    http: reqwest::Client,
    counts: FaultCounts,
}

impl<D: Database> Proxy<D> {
    fn addr(&self) -> SocketAddr {
        self.upstream.lock().unwrap().0
    }

    async fn restart(&self) {
        // Central goes away (in-flight transactions roll back or finish) and
        // comes back on a new port with the same database.
        let old = self.upstream.lock().unwrap().1.take();
        drop(old);
        let served = serve(self.central.clone()).await;
        *self.upstream.lock().unwrap() = (served.addr, Some(served));
        self.counts.restarts.fetch_add(1, Ordering::Relaxed);
    }

    async fn forward(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Option<(StatusCode, Bytes)> {
        let url = format!("http://{}{}", self.addr(), uri.path_and_query().map_or("/", |p| p.as_str()));
        let mut r = self.http.request(method.clone(), url).body(body.clone());
        for name in ["authorization", "content-type"] {
            if let Some(v) = headers.get(name) {
                r = r.header(name, v);
            }
        }
        let resp = r.send().await.ok()?;
        let status = StatusCode::from_u16(resp.status().as_u16()).ok()?;
        let bytes = resp.bytes().await.ok()?;
        self.counts.forwarded.fetch_add(1, Ordering::Relaxed);
        Some((status, bytes))
    }
}

fn bad_gateway() -> Response {
    (StatusCode::BAD_GATEWAY, "proxy fault").into_response()
}

async fn handle<D: Database>(
    State(p): State<Arc<Proxy<D>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !p.faults_on.load(Ordering::Relaxed) {
        return match p.forward(&method, &uri, &headers, &body).await {
            Some((s, b)) => (s, b).into_response(),
            None => bad_gateway(),
        };
    }
    let roll = p.rng.below(100);
    if p.rng.below(100) < 4 {
        p.restart().await;
    }
    match roll {
        // Dropped before central sees it.
        0..10 => {
            p.counts.dropped.fetch_add(1, Ordering::Relaxed);
            bad_gateway()
        }
        // Central commits, the answer is lost.
        10..20 => {
            let _ = p.forward(&method, &uri, &headers, &body).await;
            p.counts.lost_responses.fetch_add(1, Ordering::Relaxed);
            bad_gateway()
        }
        // Sent twice at once; one answer returns.
        20..30 => {
            p.counts.duplicated.fetch_add(1, Ordering::Relaxed);
            let (a, b) = tokio::join!(
                p.forward(&method, &uri, &headers, &body),
                p.forward(&method, &uri, &headers, &body)
            );
            match a.or(b) {
                Some((s, b)) => (s, b).into_response(),
                None => bad_gateway(),
            }
        }
        // Delayed.
        30..40 => {
            p.counts.delayed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(p.rng.below(40))).await;
            match p.forward(&method, &uri, &headers, &body).await {
                Some((s, b)) => (s, b).into_response(),
                None => bad_gateway(),
            }
        }
        // Answered now, and replayed later behind newer requests.
        40..48 => {
            p.counts.late_replays.fetch_add(1, Ordering::Relaxed);
            let later = p.clone();
            let (m, u, h, b) = (method.clone(), uri.clone(), headers.clone(), body.clone());
            let wait = Duration::from_millis(20 + p.rng.below(150));
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let _ = later.forward(&m, &u, &h, &b).await;
            });
            match p.forward(&method, &uri, &headers, &body).await {
                Some((s, b)) => (s, b).into_response(),
                None => bad_gateway(),
            }
        }
        _ => match p.forward(&method, &uri, &headers, &body).await {
            Some((s, b)) => (s, b).into_response(),
            None => bad_gateway(),
        },
    }
}

pub struct Sizes {
    pub seeds: u64,
    pub kiosks: usize,
    pub events: usize,
}

pub fn sizes() -> Sizes {
    gatecare_testkit::sized(
        Sizes { seeds: 3, kiosks: 3, events: 60 },
        Sizes { seeds: 20, kiosks: 5, events: 300 },
    )
}

struct SimKiosk {
    store: Station,
    code: String,
    enrolment: Enrolment,
}

on_both_backends!(faults);

async fn faults<D: Database>(db: D) {
    let s = sizes();
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let mut model_keys: HashMap<String, i64> = HashMap::new();
    let mut total_events = 0i64;
    let mut issued_events = 0i64;
    for seed in 0..s.seeds {
        let run = run_seed(&c, seed, &s).await;
        total_events += run.events;
        issued_events += run.issued;
        for (k, v) in run.keys {
            model_keys.entry(k).or_insert(v);
        }
        let t = c.db.totals().await.unwrap();
        let distinct = model_keys.len() as i64;
        assert_eq!(t.events, total_events, "seed {seed}: every event stored exactly once");
        assert_eq!(t.entitlements_issued, distinct, "seed {seed}");
        assert_eq!(t.conflicts, issued_events - distinct, "seed {seed}: every later duplicate is a conflict");
        assert_eq!(t.issued_value_minor, model_keys.values().sum::<i64>(), "seed {seed}");
        eprintln!(
            "faults seed {seed} ({}): {} events, {} kiosks; dropped {}, lost answers {}, duplicated {}, delayed {}, late replays {}, restarts {}",
            c.db.backend_name(),
            run.events,
            s.kiosks,
            run.counts[0],
            run.counts[1],
            run.counts[2],
            run.counts[3],
            run.counts[4],
            run.counts[5],
        );
    }
}

struct SeedRun {
    events: i64,
    issued: i64,
    keys: HashMap<String, i64>,
    /// Dropped, lost answers, duplicated, delayed, late replays, restarts.
    counts: [u64; 6],
}

async fn run_seed<D: Database>(c: &Arc<Central<D>>, seed: u64, s: &Sizes) -> SeedRun {
    let rng = Rng::new(seed + 1);
    let first = serve(c.clone()).await;
    let proxy = Arc::new(Proxy {
        central: c.clone(),
        upstream: Mutex::new((first.addr, Some(first))),
        rng: rng.clone(),
        faults_on: AtomicBool::new(false),
        http: reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap(),
        counts: FaultCounts::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(handle::<D>).with_state(proxy.clone());
    let proxy_task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // Enrol through the proxy with faults off; then turn them on.
    let mut kiosks = Vec::new();
    for k in 0..s.kiosks {
        let store = Station::open_in_memory().await.unwrap();
        let code = format!("HKG-S{seed}K{k}");
        let one_time = gatecare_server::enrolment::issue_enrolment_code(
            &c.db,
            "HKG",
            gatecare_sync::DeviceRole::Kiosk,
            chrono::Duration::hours(1),
            now(),
        )
        .await
        .unwrap();
        let enrolment = enrol_with_central(
            &store,
            &proxy_url,
            &one_time,
            &super::harness::root_fingerprint(),
            &code,
            now(),
        )
        .await
        .unwrap();
        kiosks.push(Arc::new(SimKiosk { store, code, enrolment }));
    }
    proxy.faults_on.store(true, Ordering::Relaxed);

    // Each kiosk issues from a small shared pool of entitlements (so some
    // are issued twice, offline) and never reuses a key itself.
    let pool = (s.events * s.kiosks / 2).max(4) as u64;
    let mut plans: Vec<Vec<(String, i64)>> = Vec::new();
    let mut keys = HashMap::new();
    for _ in 0..s.kiosks {
        let mut mine = HashSet::new();
        let mut plan = Vec::new();
        while plan.len() < s.events {
            let key = format!("seed{seed}/E{}", rng.below(pool));
            if mine.insert(key.clone()) {
                let value = 100 + (rng.below(50) as i64) * 10;
                let value = *keys.entry(key.clone()).or_insert(value);
                plan.push((key, value));
            }
        }
        plans.push(plan);
    }
    let issued = (s.events * s.kiosks) as i64;

    let mut tasks = tokio::task::JoinSet::new();
    for (k, plan) in kiosks.iter().cloned().zip(plans) {
        let rng = Rng::new(seed * 1000 + k.code.len() as u64 + plan.len() as u64);
        tasks.spawn(async move {
            let client = CentralClient::for_enrolment(&k.enrolment).unwrap();
            let mut i = 0;
            while i < plan.len() {
                let n = 1 + rng.below(6) as usize;
                for (key, value) in plan.iter().skip(i).take(n) {
                    let payload = serde_json::json!({
                        "entitlement_key": key, "voucher_id": uuid::Uuid::now_v7().to_string(), "flight_id": "F",
                        "passenger_id": "P", "kind": "meal", "value_minor": value, "currency": "HKD",
                        "statutory": true, "actor": format!("KIOSK:{}", k.code),
                    });
                    SyncStore(&k.store).record_event(EventKind::Issued, &payload, now()).await.unwrap();
                }
                i += n;
                // Faults are expected here; the log keeps everything.
                let _ = sync_once(&k.store, &client, &k.enrolment, &k.code, now()).await;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    // Late replays still in flight land on a settled central: they must
    // change nothing.
    tokio::time::sleep(Duration::from_millis(250)).await;
    proxy.faults_on.store(false, Ordering::Relaxed);

    // Eventually: with the faults gone, every kiosk's log is acknowledged.
    let mut server_seqs = HashSet::new();
    for k in &kiosks {
        let client = CentralClient::for_enrolment(&k.enrolment).unwrap();
        for _ in 0..100 {
            let r = sync_once(&k.store, &client, &k.enrolment, &k.code, now()).await.unwrap();
            if !r.more && SyncStore(&k.store).sync_status().await.unwrap().backlog == 0 {
                break;
            }
        }
        let status = SyncStore(&k.store).sync_status().await.unwrap();
        assert_eq!(status.backlog, 0, "seed {seed} {}: unacknowledged events remain", k.code);
        let acked: Vec<i64> = sqlx::query_scalar("SELECT server_seq FROM sync_acks ORDER BY seq")
            .fetch_all(k.store.pool())
            .await
            .unwrap();
        assert_eq!(acked.len(), s.events, "seed {seed} {}", k.code);
        for seq in acked {
            assert!(server_seqs.insert(seq), "seed {seed}: server_seq {seq} acknowledged twice");
        }
    }
    proxy_task.abort();
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let f = &proxy.counts;
    let counts = [
        n(&f.dropped),
        n(&f.lost_responses),
        n(&f.duplicated),
        n(&f.delayed),
        n(&f.late_replays),
        n(&f.restarts),
    ];
    assert!(counts.iter().sum::<u64>() > 0, "seed {seed}: the proxy injected no fault");
    SeedRun { events: issued, issued, keys, counts }
}
