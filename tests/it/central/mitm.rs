//! Hostile ground (issue #23, §4): a man in the middle between a station
//! and central. Before feed pages were signed, a device stored whatever
//! the connection delivered: the proxy below added a `duty_manager` agent
//! with a PIN of its choice. Now every page must be signed by the root key
//! the device pinned at enrolment, for that device, station and cursor.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use coset::{CoseSign1, TaggedCborSerializable};
use gatecare_link::{CentralClient, enrol_with_central, sync_once};
use gatecare_server::enrolment;
use gatecare_server_database::Database;
use gatecare_station::LockoutPolicy;
use gatecare_store::central::Enrolment;
use gatecare_store_sync::SyncStore;
use gatecare_sync::DeviceRole;

use super::harness::{self, TestClock, central, on_both_backends, raw_page, serve};
use super::story::{Kiosk, now};

/// What the proxy does to a response: given the path and central's bytes,
/// the bytes the device gets.
type Rewrite = Arc<dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync>;

/// A proxy on loopback that forwards every request to central and rewrites
/// what comes back.
struct Mitm {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Mitm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn mitm(upstream: String, rewrite: Rewrite) -> Mitm {
    mitm_asking(upstream, Arc::new(|uri: &str| uri.to_owned()), rewrite).await
}

/// [`mitm`] that also rewrites the path and query the device asked for.
async fn mitm_asking(
    upstream: String,
    ask: Arc<dyn Fn(&str) -> String + Send + Sync>,
    rewrite: Rewrite,
) -> Mitm {
    let http = reqwest::Client::new();
    let forward = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let (http, upstream, rewrite, ask) = (http.clone(), upstream.clone(), rewrite.clone(), ask.clone());
        async move {
            let path = uri.path().to_owned();
            let asked = ask(&uri.to_string());
            let mut req = http.request(method, format!("{upstream}{asked}")).body(body);
            for name in ["authorization", "content-type"] {
                if let Some(v) = headers.get(name) {
                    req = req.header(name, v.as_bytes());
                }
            }
            let resp = req.send().await.unwrap();
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
            let content_type = resp.headers().get("content-type").map(|v| v.as_bytes().to_vec());
            let body = rewrite(&path, resp.bytes().await.unwrap().to_vec());
            let mut out = axum::response::Response::builder().status(status);
            if let Some(ct) = content_type {
                out = out.header("content-type", ct);
            }
            out.body(axum::body::Body::from(body)).unwrap()
        }
    };
    let app = axum::Router::new().fallback(forward);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Mitm { url, task }
}

/// Central's page with one more item in it, and the original signature.
fn with_forged_agent(page: Vec<u8>, pin_hash: &str) -> Vec<u8> {
    let mut sign1 = CoseSign1::from_tagged_slice(&page).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(sign1.payload.as_deref().unwrap()).unwrap();
    let next = json["next_after"].as_i64().unwrap();
    json["items"].as_array_mut().unwrap().push(serde_json::json!({
        "server_seq": next, "topic": "agent", "at": "2026-11-22T10:00:00Z",
        "body": {"code": "X6666", "name": "Intruder", "role": "duty_manager", "station": "HKG", "pin_hash": pin_hash},
    }));
    sign1.payload = Some(serde_json::to_vec(&json).unwrap());
    sign1.to_tagged_vec().unwrap()
}

/// One round of sync through `url` (the proxy) instead of central.
async fn sync_through(k: &Kiosk, url: &str) -> Result<gatecare_link::SyncRound, gatecare_link::SyncError> {
    let via = Enrolment { central_url: url.to_owned(), ..k.enrolment.clone() };
    let client = CentralClient::for_enrolment(&via).unwrap();
    sync_once(&k.store, &client, &via, k.code, now()).await
}

on_both_backends!(a_man_in_the_middle_cannot_rewrite_or_replay_the_feed);

async fn a_man_in_the_middle_cannot_rewrite_or_replay_the_feed<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let console = Kiosk::enrol_console(&c, &url, "HKG-G01").await;
    let other = Kiosk::enrol_console(&c, &url, "HKG-G02").await;
    let pin_hash = gatecare_store::agents::hash_pin("135790").unwrap();

    // 1. A proxy adds a duty manager to the page, keeping central's signature.
    let hash = pin_hash.clone();
    let forge = mitm(
        url.clone(),
        Arc::new(
            move |path, body| if path == "/v1/sync/pull" { with_forged_agent(body, &hash) } else { body },
        ),
    )
    .await;
    let e = sync_through(&console, &forge.url).await.unwrap_err();
    assert_eq!(e.code(), "sync.page_refused", "{e}");
    assert!(e.to_string().contains("not signed by the airline's root key"), "{e}");
    let signed_in =
        console.store.verify_pin("X6666", "135790", now(), LockoutPolicy::default()).await.unwrap();
    assert!(signed_in.is_err(), "the forged agent was not stored");
    let status = SyncStore(&console.store).sync_status().await.unwrap();
    assert_eq!(status.feed_refused, 1);
    assert_eq!(status.cursor, 0, "nothing of the page was applied");
    assert!(status.last_feed_refusal.as_deref().unwrap().starts_with("bad_signature"), "{status:?}");
    assert!(status.last_error.as_deref().unwrap().starts_with("sync.page_refused"), "{status:?}");

    // 2. The same, signed with the attacker's own key: refused too.
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[66u8; 32]);
    let resign = mitm(
        url.clone(),
        Arc::new(move |path, body| {
            if path != "/v1/sync/pull" {
                return body;
            }
            let sign1 = CoseSign1::from_tagged_slice(&body).unwrap();
            let page: gatecare_sync::FeedPage =
                serde_json::from_slice(sign1.payload.as_deref().unwrap()).unwrap();
            with_forged_agent(page.seal("GATECARE-ROOT", &attacker), "x")
        }),
    )
    .await;
    let e = sync_through(&console, &resign.url).await.unwrap_err();
    assert_eq!(e.code(), "sync.page_refused", "{e}");
    assert_eq!(SyncStore(&console.store).sync_status().await.unwrap().feed_refused, 2);

    // 3. Another device's page of the same station, replayed to this one.
    let theirs = raw_page(&url, &other.enrolment.token, 0).await;
    assert!(CoseSign1::from_tagged_slice(&theirs).is_ok());
    let replay = mitm(
        url.clone(),
        Arc::new(move |path, body| if path == "/v1/sync/pull" { theirs.clone() } else { body }),
    )
    .await;
    let e = sync_through(&console, &replay.url).await.unwrap_err();
    assert!(e.to_string().contains("another device"), "{e}");

    // Straight to central, every page opens and the feed comes in.
    let round = console.sync().await;
    assert!(round.pulled > 0);
    let cursor = SyncStore(&console.store).feed_cursor().await.unwrap();
    assert!(cursor > 0);
    let status = SyncStore(&console.store).sync_status().await.unwrap();
    assert!(status.feed_signed_at.is_some(), "{status:?}");
    assert_eq!(status.feed_refused, 3);

    // 4. An old page (from cursor 0) played back to roll the lists back.
    let old = raw_page(&url, &console.enrolment.token, 0).await;
    let rollback = mitm(
        url.clone(),
        Arc::new(move |path, body| if path == "/v1/sync/pull" { old.clone() } else { body }),
    )
    .await;
    let e = sync_through(&console, &rollback.url).await.unwrap_err();
    assert!(e.to_string().contains("not after"), "{e}");
    assert_eq!(SyncStore(&console.store).feed_cursor().await.unwrap(), cursor);

    // 5. A page of another station's device.
    let pvg_code =
        enrolment::issue_enrolment_code(&c.db, "PVG", DeviceRole::Console, chrono::Duration::hours(1), now())
            .await
            .unwrap();
    let pvg = gatecare_station::Station::open_in_memory().await.unwrap();
    let pvg_e = enrol_with_central(&pvg, &url, &pvg_code, &harness::root_fingerprint(), "PVG-G01", now())
        .await
        .unwrap();
    let pvg_page = raw_page(&url, &pvg_e.token, cursor).await;
    let cross = mitm(
        url.clone(),
        Arc::new(move |path, body| if path == "/v1/sync/pull" { pvg_page.clone() } else { body }),
    )
    .await;
    let e = sync_through(&console, &cross.url).await.unwrap_err();
    assert!(e.to_string().contains("station PVG"), "{e}");

    // 6. Found in a trial: the device's own current page, replayed minutes
    // later, froze its picture with no warning (central had news meanwhile).
    let current = raw_page(&url, &console.enrolment.token, cursor).await;
    let frozen = mitm(
        url.clone(),
        Arc::new(move |path, body| if path == "/v1/sync/pull" { current.clone() } else { body }),
    )
    .await;
    let via = Enrolment { central_url: frozen.url.clone(), ..console.enrolment.clone() };
    let client = CentralClient::for_enrolment(&via).unwrap();
    let later = now() + chrono::Duration::minutes(6);
    let e = sync_once(&console.store, &client, &via, console.code, later).await.unwrap_err();
    assert!(e.to_string().contains("a replay"), "{e}");
    let status = SyncStore(&console.store).sync_status().await.unwrap();
    assert!(
        !status.online && status.last_feed_refusal.as_deref().unwrap().starts_with("stale"),
        "{status:?}"
    );
}

on_both_backends!(enrolment_stops_at_a_central_whose_root_is_not_the_airlines);

async fn enrolment_stops_at_a_central_whose_root_is_not_the_airlines<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let code =
        enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, chrono::Duration::hours(1), now())
            .await
            .unwrap();

    // A proxy that answers with its own root key, so it can sign pages later.
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[66u8; 32]);
    let attacker_public: String =
        attacker.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let proxy = mitm(
        url.clone(),
        Arc::new(move |path, body| {
            if path == "/v1/root" {
                serde_json::to_vec(
                    &serde_json::json!({"kid": "GATECARE-ROOT", "public_key": attacker_public}),
                )
                .unwrap()
            } else {
                body
            }
        }),
    )
    .await;
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    let e = enrol_with_central(&store, &proxy.url, &code, &harness::root_fingerprint(), "HKG-K05", now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "sync.root_mismatch", "{e}");
    assert!(store.enrolment().await.unwrap().is_none());
    // A fingerprint that is not one is refused before anything is sent.
    let e = enrol_with_central(&store, &url, &code, "sha256:1234", "HKG-K05", now()).await.unwrap_err();
    assert_eq!(e.code(), "sync.bad_fingerprint", "{e}");
    // The wrong fingerprint, straight to central: refused the same way.
    let wrong = gatecare_sync::page::fingerprint(&attacker.verifying_key());
    let e = enrol_with_central(&store, &url, &code, &wrong, "HKG-K05", now()).await.unwrap_err();
    assert_eq!(e.code(), "sync.root_mismatch", "{e}");

    // The code never reached the proxy's side: it still enrols at central,
    // which pins the airline's root.
    let e = enrol_with_central(&store, &url, &code, &harness::root_fingerprint(), "HKG-K05", now())
        .await
        .unwrap();
    let pinned = e.root_public_key.unwrap();
    assert_eq!(
        pinned,
        harness::root_key().verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
}

on_both_backends!(a_man_in_the_middle_cannot_fake_an_identity_clash);

/// Found in review: a feed page's clash is signed for whatever `logged=`
/// the request said. A man in the middle who lowers it has central sign a
/// clash that would stop an honest kiosk issuing for good; the device
/// counts a clash only above what it has logged.
async fn a_man_in_the_middle_cannot_fake_an_identity_clash<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let k = Kiosk::enrol(&c, &served.url(), "HKG-K01").await;
    k.issue(0).await.unwrap();
    k.sync().await;
    let lowered = Arc::new(|uri: &str| match uri.split_once("&logged=") {
        Some((head, _)) => format!("{head}&logged=0"),
        None => uri.to_owned(),
    });
    let proxy = mitm_asking(served.url(), lowered, Arc::new(|_: &str, body: Vec<u8>| body)).await;
    // Central did sign a clash for the altered request…
    let raw = reqwest::Client::new()
        .get(format!("{}/v1/sync/pull?after=0&limit=1&logged=5", proxy.url))
        .bearer_auth(&k.enrolment.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let sign1 = CoseSign1::from_tagged_slice(&raw).unwrap();
    let page: serde_json::Value = serde_json::from_slice(sign1.payload.as_deref().unwrap()).unwrap();
    assert_eq!(page["clash"]["seq"], 1, "{page}");
    // … and the kiosk, which logged more than that, takes no notice.
    sync_through(&k, &proxy.url).await.unwrap();
    assert_eq!(k.store.issuing_barred().await.unwrap(), None);
    k.issue(1).await.unwrap();
}
