//! Hostile ground (issue #23): each attack done the way an attacker would,
//! with HTTP requests and a real device token, against a built central.

use gatecare_central::{agents, station_data};
use gatecare_link::enrol_with_central;
use gatecare_server::{enrolment, trust};
use gatecare_server_database::Database;
use gatecare_station::IssueRequest;
use gatecare_store_sync::SyncStore;
use gatecare_sync::{Event, EventKind, Outcome, PushRequest, PushResponse, RedeemRequest, RedeemResponse};

use super::harness::{self, TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, Till, now};

/// Central on a loopback port with a clock tests move, and its URL.
async fn serving<D: Database>(
    db: &D,
) -> (TestClock, std::sync::Arc<gatecare_server::Central<D>>, super::harness::Served, String) {
    let clock = TestClock::at(now());
    let c = central(db.clone(), &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    (clock, c, served, url)
}

/// A gate console of another station (PVG), enrolled like a real one: its
/// store (keep it alive) and enrolment.
async fn pvg_console<D: Database>(
    db: &D,
    url: &str,
) -> (gatecare_station::Station, gatecare_store::central::Enrolment) {
    let code = enrolment::issue_enrolment_code(
        db,
        "PVG",
        gatecare_sync::DeviceRole::Console,
        chrono::Duration::hours(1),
        now(),
    )
    .await
    .unwrap();
    // Its agent, B2001, is PVG's.
    let agent = gatecare_server_database::AgentRecord {
        code: "B2001".into(),
        name: "Zhou Bin".into(),
        role: "agent".into(),
        station: "PVG".into(),
        pin_hash: gatecare_store::agents::hash_pin("135246").unwrap(),
    };
    agents::set_agent(db, &agent, now()).await.unwrap();
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    let enrolment =
        enrol_with_central(&store, url, &code, &harness::root_fingerprint(), "PVG-G01", now()).await.unwrap();
    (store, enrolment)
}

/// A page of a device's feed, fetched and opened as the device does.
async fn pull_page(
    url: &str,
    e: &gatecare_store::central::Enrolment,
    after: i64,
) -> Result<gatecare_sync::FeedPage, gatecare_sync::PageError> {
    let bytes = harness::raw_page(url, &e.token, after).await;
    let expected =
        gatecare_sync::Expected { station: &e.station, device: e.device_id, after, newest: None, now: now() };
    gatecare_sync::FeedPage::open(&bytes, &harness::root_key().verifying_key(), &expected)
}

/// Each acknowledgement's refusal code, or its outcome (`Applied`, …).
fn outcome_codes(resp: &PushResponse) -> Vec<String> {
    resp.acks
        .iter()
        .map(|a| match &a.outcome {
            Outcome::Refused { code, .. } => code.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// The next `seq` of a device's log at central: one after what it has pushed.
async fn next_seq(k: &Kiosk) -> i64 {
    k.sync().await;
    let high: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM sync_events")
        .fetch_one(k.store.pool())
        .await
        .unwrap();
    high + 1
}

async fn push_raw(url: &str, token: &str, events: Vec<Event>) -> PushResponse {
    let r = reqwest::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(token)
        .json(&PushRequest { events })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

on_both_backends!(a_kiosk_cannot_void_another_kiosks_voucher);

/// Found: a `voided` event naming any voucher was applied, and the victim's
/// voucher reached the void list with the attacker's reason.
async fn a_kiosk_cannot_void_another_kiosks_voucher<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let victim = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let attacker = Kiosk::enrol(&c, &url, "HKG-K02").await;
    let issued = victim.issue(0).await.unwrap();
    victim.sync().await;

    let seq = next_seq(&attacker).await;
    let forged = Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Voided,
        at: now(),
        payload: serde_json::json!({"entitlement_key": issued.entitlement_key, "voucher_id": issued.voucher_id,
                                    "flight_id": "x", "reason": "attacker"}),
    };
    let resp = push_raw(&url, &attacker.enrolment.token, vec![forged.clone()]).await;
    assert_eq!(
        resp.acks[0].outcome,
        Outcome::Refused {
            code: "void_not_yours".into(),
            reason: "a device voids only the vouchers it issued".into()
        }
    );
    // Recorded, so the log stays gapless and a replay gets the same answer.
    assert_eq!(resp.high_seq, seq);
    let replayed = push_raw(&url, &attacker.enrolment.token, vec![forged]).await;
    assert_eq!(replayed.acks[0].outcome, resp.acks[0].outcome);
    let voids = trust::void_list(&db, now()).await.unwrap();
    assert!(voids.voided.iter().all(|v| v.voucher_id.to_string() != issued.voucher_id), "{voids:?}");

    // The voucher still redeems at a merchant.
    let till = Till::enrol(&c, &url, "Noodle bar").await;
    let qr = victim.qr(&issued.voucher_id).await;
    let r: RedeemResponse = reqwest::Client::new()
        .post(format!("{url}/v1/vouchers/redeem"))
        .bearer_auth(&till.token)
        .json(&RedeemRequest { qr, redemption_id: uuid::Uuid::now_v7(), offline_at: None })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r.redeemed, "{r:?}");

    // Its own device voids it (naming itself: a kiosk names no agent):
    // that is applied and reaches the void list.
    let own = victim.issue(1).await.unwrap();
    let agent = gatecare_station::AuthenticatedAgent::kiosk(victim.code, "HKG");
    let policy = gatecare_policy::Policy::default_policy();
    let ctx = gatecare_station::IssueContext::new(victim.code, &agent, &policy, now());
    victim.store.void(&ctx, &own.voucher_id, "passenger left").await.unwrap();
    victim.sync().await;
    let voids = trust::void_list(&db, now()).await.unwrap();
    assert!(
        voids
            .voided
            .iter()
            .any(|v| v.voucher_id.to_string() == own.voucher_id && v.reason == "passenger left")
    );
}

/// Found: 300 requests to random `/v1/<hex>` paths without a token grew
/// `/metrics` by 319 KB; every distinct path became a permanent label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_paths_do_not_grow_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let db = super::harness::sqlite_db(dir.path()).await;
    let (_clock, _central, _served, url) = serving(&db).await;
    let http = reqwest::Client::new();
    let metrics = || async { http.get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap() };
    // Every label that can exist, once, before measuring.
    for path in ["/v1/x", "/nowhere", "/healthz", "/metrics"] {
        http.get(format!("{url}{path}")).send().await.unwrap();
    }
    let before = metrics().await.len();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let paths: Vec<String> = (0..10_000)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let hex: String = format!("{seed:016x}").repeat(8);
            if i % 2 == 0 { format!("/v1/{hex}") } else { format!("/{hex}/metrics") }
        })
        .collect();
    for chunk in paths.chunks(200) {
        let mut requests = tokio::task::JoinSet::new();
        for p in chunk {
            requests.spawn(http.get(format!("{url}{p}")).send());
        }
        while let Some(r) = requests.join_next().await {
            assert_eq!(r.unwrap().unwrap().status(), 404);
        }
    }
    let after = metrics().await;
    assert!(after.len() <= before + 300, "grew from {before} to {} bytes:\n{after}", after.len());
    assert!(after.contains(r#"route="other",status="404""#), "{after}");
}

on_both_backends!(redemption_needs_a_merchant_and_its_own_voucher);

/// Found: a kiosk's token redeemed vouchers, and a retried `redemption_id`
/// answered `redeemed: true` whatever QR came with it.
async fn redemption_needs_a_merchant_and_its_own_voucher<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let (a, b) = (kiosk.issue(0).await.unwrap(), kiosk.issue(1).await.unwrap());
    kiosk.sync().await;
    let (qr_a, qr_b) = (kiosk.qr(&a.voucher_id).await, kiosk.qr(&b.voucher_id).await);

    // A kiosk's (stolen) token cannot redeem.
    let r = reqwest::Client::new()
        .post(format!("{url}/v1/vouchers/redeem"))
        .bearer_auth(&kiosk.enrolment.token)
        .json(&RedeemRequest { qr: qr_a.clone(), redemption_id: uuid::Uuid::now_v7(), offline_at: None })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<gatecare_sync::ErrorBody>().await.unwrap().code, "wrong_role");

    let till = Till::enrol(&c, &url, "Noodle bar").await;
    let id = uuid::Uuid::now_v7();
    let first = till.redeem(id, &qr_a).await;
    assert!(first.redeemed, "{first:?}");
    // The same redemption again: the same answer.
    let again = till.redeem(id, &qr_a).await;
    assert_eq!((again.redeemed, again.redeemed_at), (true, first.redeemed_at));
    // Its id with another voucher: refused, and that voucher stays unredeemed.
    let reused = till.redeem(id, &qr_b).await;
    assert!(!reused.redeemed);
    assert_eq!(reused.reason, "redemption_id_reused");
    assert_eq!(reused.voucher_id.as_deref(), Some(b.voucher_id.as_str()));
    let fresh = till.redeem(uuid::Uuid::now_v7(), &qr_b).await;
    assert!(fresh.redeemed, "{fresh:?}");
    // Garbage with a used id is refused too, and says nothing of the voucher.
    let junk = till.redeem(id, "GC1:NOT-A-VOUCHER").await;
    assert_eq!(
        (junk.redeemed, junk.reason.as_str(), junk.voucher_id.as_deref()),
        (false, "redemption_id_reused", None)
    );
    // Another till replaying the id with the same voucher took nothing:
    // refused, not "redeemed".
    let other = Till::enrol(&c, &url, "Tea house").await;
    let replayed = other.redeem(id, &qr_a).await;
    assert_eq!(
        (replayed.redeemed, replayed.reason.as_str()),
        (false, "redemption_id_reused"),
        "{replayed:?}"
    );
}

on_both_backends!(a_stolen_merchant_token_redeems_nothing_once_revoked);

/// A till's token (or the merchant page's cookie, which carries it) copied
/// by a thief: once the administrator revokes the till, a redemption with
/// it is refused, by the API and by the page's own path, and nothing of it
/// is stored; the voucher stays good for a merchant still enrolled.
async fn a_stolen_merchant_token_redeems_nothing_once_revoked<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let issued = kiosk.issue(0).await.unwrap();
    kiosk.sync().await;
    let qr = kiosk.qr(&issued.voucher_id).await;
    let stolen = Till::enrol(&c, &url, "Noodle bar").await;
    let till = c.db.devices().await.unwrap().into_iter().find(|d| d.name == "Noodle bar").unwrap().id;
    gatecare_server::trust::revoke(&c, till, now(), now()).await.unwrap();

    let id = uuid::Uuid::now_v7();
    let http = reqwest::Client::new();
    let by_token = http
        .post(format!("{url}/v1/vouchers/redeem"))
        .bearer_auth(&stolen.token)
        .json(&RedeemRequest { qr: qr.clone(), redemption_id: id, offline_at: None })
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), 403);
    assert_eq!(by_token.json::<gatecare_sync::ErrorBody>().await.unwrap().code, "device_revoked");
    let by_cookie = http
        .post(format!("{url}/merchant/api/redeem"))
        .header("cookie", format!("gatecare_merchant={}", stolen.token))
        .json(&serde_json::json!({"qr": qr, "redemption_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 403);
    assert_eq!(by_cookie.json::<serde_json::Value>().await.unwrap()["code"], "device_revoked");
    assert!(c.db.redemption(id).await.unwrap().is_none(), "a revoked till's redemption was stored");
    let honest = Till::enrol(&c, &url, "Tea house").await;
    assert!(honest.redeem(uuid::Uuid::now_v7(), &qr).await.redeemed, "the voucher stays good");
}

on_both_backends!(a_stolen_kiosk_token_pushes_only_what_a_kiosk_may);

/// Found: kiosks and consoles shared one role, so a passenger kiosk's token
/// pushed goodwill, replacements, disruptions, refund choices and
/// re-routings that every device of the station then applied.
async fn a_stolen_kiosk_token_pushes_only_what_a_kiosk_may<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    console.sync().await;
    // A kiosk whose own log holds what it may not push: refused, kept with
    // its reason in the sync status, and the log goes on after it.
    SyncStore(&kiosk.store)
        .record_event(EventKind::ProfileNote, &serde_json::json!({"note": "VIP"}), now())
        .await
        .unwrap();
    let feedback =
        serde_json::json!({"feedback_id": "FB1", "flight_id": "F", "passenger_id": "P", "score": 4});
    SyncStore(&kiosk.store).record_event(EventKind::Feedback, &feedback, now()).await.unwrap();
    kiosk.sync().await;
    let status = SyncStore(&kiosk.store).sync_status().await.unwrap();
    assert_eq!((status.refused, status.backlog), (1, 0));
    assert!(status.last_refusal.unwrap().starts_with("kiosk_not_agent: "));

    let seq = next_seq(&kiosk).await;
    let event = |n: i64, kind: EventKind, payload: serde_json::Value| Event {
        seq: seq + n,
        event_id: uuid::Uuid::now_v7(),
        kind,
        at: now(),
        payload,
    };
    let goodwill = uuid::Uuid::now_v7().to_string();
    let batch = vec![
        event(
            0,
            EventKind::Issued,
            serde_json::json!({"entitlement_key": "CZ342/2026-11-22/784/goodwill/1",
            "voucher_id": goodwill, "flight_id": "F", "passenger_id": "P", "kind": "goodwill", "value_minor": 500000,
            "currency": "HKD", "statutory": false, "actor": "A1001"}),
        ),
        event(
            1,
            EventKind::DisruptionUpdated,
            serde_json::json!({"id": "D1", "flight_id": "F", "kind": "cancellation",
            "cause": "weather", "recorded_by": "A1001"}),
        ),
        event(
            2,
            EventKind::RefundChosen,
            serde_json::json!({"id": "R1", "flight_id": "F", "passenger_id": "P"}),
        ),
        event(
            3,
            EventKind::Feedback,
            serde_json::json!({"feedback_id": "FB2", "flight_id": "F", "passenger_id": "P", "score": 5}),
        ),
        event(4, EventKind::PassengerRerouted, serde_json::json!({"flight_id": "F", "passenger_id": "P"})),
    ];
    let resp = push_raw(&url, &kiosk.enrolment.token, batch.clone()).await;
    let outcomes = outcome_codes(&resp);
    assert_eq!(
        outcomes,
        ["kiosk_not_owed", "kiosk_not_agent", "kiosk_not_agent", "Applied", "kiosk_not_agent"]
    );
    assert_eq!(resp.high_seq, seq + 4, "the log stays gapless");
    // A replay gets the same answers.
    let again = push_raw(&url, &kiosk.enrolment.token, batch).await;
    assert_eq!(again.acks, resp.acks);
    // The voucher it printed anyway is void, with the reason.
    let voids = trust::void_list(&db, now()).await.unwrap();
    let v =
        voids.voided.iter().find(|v| v.voucher_id.to_string() == goodwill).expect("refused voucher voided");
    assert_eq!(v.reason, "refused: kiosk_not_owed");
    // The console never sees what was refused; it sees the feedback.
    let page = pull_page(&url, &console.enrolment, 0).await.unwrap();
    let kinds: Vec<&str> = page
        .items
        .iter()
        .filter(|i| i.body["device"] == kiosk.enrolment.device_id.to_string())
        .filter_map(|i| i.body["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"feedback"), "{kinds:?}");
    assert!(
        !kinds.iter().any(|k| ["disruption_updated", "refund_chosen", "passenger_rerouted"].contains(k)),
        "{kinds:?}"
    );
    assert!(!page.items.iter().any(|i| i.body["payload"]["voucher_id"] == goodwill));

    // A console pushes the same as an agent's: applied.
    let seq = next_seq(&console).await;
    let agent_event = Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::RefundChosen,
        at: now(),
        payload: serde_json::json!({"id": "R2", "flight_id": "F", "passenger_id": "P", "recorded_by": "A1001"}),
    };
    let resp = push_raw(&url, &console.enrolment.token, vec![agent_event]).await;
    assert_eq!(resp.acks[0].outcome, Outcome::Applied);
}

on_both_backends!(a_console_names_real_agents_of_its_station_within_their_authority);

/// Found: central took the agent a console's event named on trust, so a
/// stolen console token could issue goodwill of any value under an agent
/// who does not exist, another station's agent, or its own approval. Now
/// the named agents are the station's at central, an approver is a senior
/// other agent, and a grant stays within the senior named role's limit.
async fn a_console_names_real_agents_of_its_station_within_their_authority<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let _pvg = pvg_console(&db, &url).await; // B2001 is PVG's agent
    let seq = next_seq(&console).await;
    let goodwill = |n: i64, actor: &str, approver: Option<&str>, value: i64| Event {
        seq: seq + n,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({"entitlement_key": format!("CZ342/2026-11-22/784/goodwill/{n}"),
            "voucher_id": uuid::Uuid::now_v7().to_string(), "flight_id": "F", "passenger_id": "P",
            "kind": "goodwill", "value_minor": value, "currency": "HKD", "statutory": false,
            "actor": actor, "approver": approver}),
    };
    let batch = vec![
        goodwill(0, "X9999", None, 10_000),           // nobody central knows
        goodwill(1, "B2001", None, 10_000),           // another station's agent
        goodwill(2, "A1001", Some("A1002"), 90_000),  // approved by a peer
        goodwill(3, "S2001", Some("S2001"), 90_000),  // approved by oneself
        goodwill(4, "A1001", None, 5_000_000),        // far above any limit
        goodwill(5, "A1001", Some("D3001"), 400_000), // a duty manager approved
        goodwill(6, "A1001", None, 15_000),           // within the agent's own limit
    ];
    let resp = push_raw(&url, &console.enrolment.token, batch.clone()).await;
    assert_eq!(
        outcome_codes(&resp),
        [
            "agent_unknown",
            "agent_unknown",
            "approver_not_senior",
            "approver_not_senior",
            "above_authority",
            "Applied",
            "Applied"
        ]
    );
    // Goodwill called care owed is still goodwill (found in the trial); a
    // case that was never opened is not worked.
    let seq = seq + batch.len() as i64;
    let mut owed = goodwill(0, "A1001", None, 1_000_000_000);
    owed.seq = seq;
    owed.payload["statutory"] = true.into();
    let ghost_case = Event {
        seq: seq + 1,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::CaseUpdated,
        at: now(),
        payload: serde_json::json!({"case_id": uuid::Uuid::now_v7(), "update_id": uuid::Uuid::now_v7(),
            "by": {"code": "A1001", "name": "Chan", "role": "agent"}, "change": {"take": null}}),
    };
    // A cancellation in no one's name would reach every kiosk of the
    // station (found in the second trial).
    let cancel = Event {
        seq: seq + 2,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::DisruptionUpdated,
        at: now(),
        payload: serde_json::json!({"id": uuid::Uuid::now_v7(), "flight_id": "F", "kind": "cancellation",
            "cause": "weather", "recorded_by": "NOBODY"}),
    };
    let resp = push_raw(&url, &console.enrolment.token, vec![owed, ghost_case, cancel]).await;
    assert_eq!(outcome_codes(&resp), ["above_authority", "case_unknown", "agent_unknown"]);
    // Each refused issue's voucher is on the void list; nothing of it counts.
    for e in &batch[..5] {
        let id = e.payload["voucher_id"].as_str().unwrap();
        assert!(db.void_of(id).await.unwrap().is_some(), "{id} is void");
    }
    assert_eq!(db.totals().await.unwrap().entitlements_issued, 2);

    // A kiosk names itself, never an agent.
    let seq = next_seq(&kiosk).await;
    let meal = |n: i64, actor: &str| Event {
        seq: seq + n,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({"entitlement_key": format!("CZ342/2026-11-22/785/meal/{n}"),
            "voucher_id": uuid::Uuid::now_v7().to_string(), "flight_id": "F", "passenger_id": "P",
            "kind": "meal", "value_minor": 12000, "currency": "HKD", "statutory": true, "actor": actor}),
    };
    let resp = push_raw(&url, &kiosk.enrolment.token, vec![meal(0, "D3001"), meal(1, "KIOSK:HKG-K01")]).await;
    assert_eq!(outcome_codes(&resp), ["kiosk_not_agent", "Applied"]);
}

on_both_backends!(a_console_voids_its_own_stations_vouchers_only);

/// Voids: a console voids any voucher of its own station, naming the agent;
/// never another station's; the void list records who voided it.
async fn a_console_voids_its_own_stations_vouchers_only<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let (mine, theirs) = (kiosk.issue(0).await.unwrap(), kiosk.issue(1).await.unwrap());
    kiosk.sync().await;
    // Another station's console (its code issued for PVG).
    let (_pvg_store, pvg) = pvg_console(&db, &url).await;

    let void = |seq: i64, issued: &gatecare_station::Issued, actor: &str| Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Voided,
        at: now(),
        payload: serde_json::json!({"entitlement_key": issued.entitlement_key, "voucher_id": issued.voucher_id,
                                    "flight_id": "F", "reason": "passenger rebooked elsewhere", "actor": actor}),
    };
    let resp = push_raw(&url, &pvg.token, vec![void(1, &mine, "B2001")]).await;
    assert_eq!(
        resp.acks[0].outcome,
        Outcome::Refused {
            code: "void_not_yours".into(),
            reason: "a console voids only its own station's vouchers".into()
        }
    );
    let seq = next_seq(&console).await;
    let resp = push_raw(&url, &console.enrolment.token, vec![void(seq, &theirs, "A1001")]).await;
    assert_eq!(resp.acks[0].outcome, Outcome::Applied);
    // Without naming the agent, refused.
    let resp = push_raw(&url, &console.enrolment.token, vec![void(seq + 1, &mine, "")]).await;
    assert!(matches!(&resp.acks[0].outcome, Outcome::Refused { code, .. } if code == "agent_not_named"));

    let v = db.void_of(&theirs.voucher_id).await.unwrap().expect("voided");
    assert_eq!(v.reason, "passenger rebooked elsewhere");
    assert_eq!(
        (v.voided_by_device, v.voided_by.as_deref()),
        (Some(console.enrolment.device_id), Some("A1001"))
    );
    assert!(db.void_of(&mine.voucher_id).await.unwrap().is_none());
}

/// Found: a push was a fixed 500 events against a 2 MiB body limit with no
/// split on 413, and a failed push skipped the pull, so one oversized or
/// poisoned batch wedged a device's sync for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_never_wedges() {
    let dir = tempfile::tempdir().unwrap();
    let db = super::harness::sqlite_db(dir.path()).await;
    let clock = TestClock::at(now());
    let mut c = central(db, &clock);
    // A central with a small body limit: 40 KB, about 35 of these events.
    std::sync::Arc::get_mut(&mut c).unwrap().max_body_bytes = 40 * 1024;
    let served = serve(c.clone()).await;
    let url = served.url();
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    kiosk.sync().await;
    let note = "好".repeat(300);
    for i in 0..200 {
        // One event in the middle a kiosk may not push: refused alone.
        let kind = if i == 100 { EventKind::ProfileNote } else { EventKind::Feedback };
        SyncStore(&kiosk.store)
            .record_event(
                kind,
                &serde_json::json!({"feedback_id": format!("FB{i}"), "flight_id": "F", "passenger_id": "P",
                    "score": 4, "comment": note, "n": i}),
                now(),
            )
            .await
            .unwrap();
    }
    let round = kiosk.sync().await;
    assert_eq!(round.pushed, 200);
    let status = SyncStore(&kiosk.store).sync_status().await.unwrap();
    assert_eq!((status.backlog, status.refused), (0, 1), "{status:?}");
    assert!(status.last_refusal.unwrap().starts_with("kiosk_not_agent"));

    // One event larger than the whole body limit fails the push, but the
    // pull still brings the feed in, and the error is reported.
    let tiny = {
        let dir2 = tempfile::tempdir().unwrap();
        let db = super::harness::sqlite_db(dir2.path()).await;
        let mut c = central(db, &clock);
        std::sync::Arc::get_mut(&mut c).unwrap().max_body_bytes = 2 * 1024;
        (c, dir2)
    };
    let served_tiny = serve(tiny.0.clone()).await;
    let small = Kiosk::enrol(&tiny.0, &served_tiny.url(), "HKG-K02").await;
    small.sync().await;
    let before = SyncStore(&small.store).feed_cursor().await.unwrap();
    trust::publish_trust_list(&tiny.0, now()).await.unwrap();
    SyncStore(&small.store)
        .record_event(
            EventKind::Feedback,
            &serde_json::json!({"feedback_id": "FB", "flight_id": "F", "passenger_id": "P", "comment": "x".repeat(4000)}),
            now(),
        )
        .await
        .unwrap();
    let client = gatecare_link::CentralClient::for_enrolment(&small.enrolment).unwrap();
    let r = gatecare_link::sync_once(&small.store, &client, &small.enrolment, small.code, now()).await;
    assert!(matches!(r, Err(gatecare_link::SyncError::Rejected { status: 413, .. })), "{r:?}");
    assert!(SyncStore(&small.store).feed_cursor().await.unwrap() > before, "the pull went on");
    assert_eq!(SyncStore(&small.store).sync_status().await.unwrap().backlog, 1);
}

on_both_backends!(a_claim_holds_for_a_while_is_released_on_failure_and_tells_nothing);

/// Found: a claim never expired and was not released when the kiosk's issue
/// failed, so a console's real, printed voucher for the same entitlement
/// was later voided as the conflict's loser; and a claim's answer told any
/// kiosk which device held a ticket's entitlement.
async fn a_claim_holds_for_a_while_is_released_on_failure_and_tells_nothing<D: Database>(db: D) {
    use gatecare_sync::{ClaimRequest, ClaimResponse};
    let (clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let k = gatecare_link::CentralClient::for_enrolment(&kiosk.enrolment).unwrap();
    let g = gatecare_link::CentralClient::for_enrolment(&console.enrolment).unwrap();
    let meal = kiosk.meal(3);
    let key = kiosk
        .store
        .entitlement_key(&meal.passenger_id, &meal.flight_id, meal.kind, meal.ordinal)
        .await
        .unwrap();
    let claim = |voucher: &str| ClaimRequest {
        entitlement_key: key.clone(),
        voucher_id: voucher.into(),
        flight_id: meal.flight_id.clone(),
    };
    // The kiosk claims and then its issue fails (it never pushes).
    assert_eq!(k.claim(&claim("claim:k")).await.unwrap(), ClaimResponse::Granted);
    // While the claim holds, the console hears only "held elsewhere".
    assert_eq!(
        g.claim(&claim("claim:g")).await.unwrap(),
        ClaimResponse::Refused { reason: "held_elsewhere".into() }
    );
    // After the hold (10 minutes), the console's claim takes it.
    clock.set(now() + chrono::Duration::minutes(11));
    assert_eq!(g.claim(&claim("claim:g")).await.unwrap(), ClaimResponse::Granted);
    // A lapsed claim never beats a real issuance: the kiosk claims another
    // entitlement and never issues; half an hour later the console issues
    // it (offline, without a claim) and pushes: its voucher stands.
    let lapsing = kiosk.meal(5);
    let key5 = kiosk
        .store
        .entitlement_key(&lapsing.passenger_id, &lapsing.flight_id, lapsing.kind, lapsing.ordinal)
        .await
        .unwrap();
    clock.set(now());
    let claim5 = ClaimRequest {
        entitlement_key: key5,
        voucher_id: "claim:k".into(),
        flight_id: lapsing.flight_id.clone(),
    };
    assert_eq!(k.claim(&claim5).await.unwrap(), ClaimResponse::Granted);
    clock.set(now() + chrono::Duration::minutes(30));
    let agent = console
        .store
        .verify_pin("A1001", "246810", now(), gatecare_station::LockoutPolicy::default())
        .await
        .unwrap()
        .unwrap();
    let policy = gatecare_policy::Policy::default_policy();
    let ctx = gatecare_station::IssueContext::new(console.code, &agent, &policy, now());
    let issued = console.store.issue(&ctx, &console.meal(5)).await.unwrap();
    console.sync_at(now() + chrono::Duration::minutes(30)).await;
    let acks: Vec<String> = sqlx::query_scalar("SELECT outcome FROM sync_acks ORDER BY seq")
        .fetch_all(console.store.pool())
        .await
        .unwrap();
    assert!(acks.iter().all(|o| o.contains("applied")), "{acks:?}");
    assert!(db.void_of(&issued.voucher_id).await.unwrap().is_none(), "the real voucher stands");

    // A claim given back frees the entitlement at once.
    let other = kiosk.meal(4);
    let key4 = kiosk
        .store
        .entitlement_key(&other.passenger_id, &other.flight_id, other.kind, other.ordinal)
        .await
        .unwrap();
    let claim4 = |v: &str| ClaimRequest {
        entitlement_key: key4.clone(),
        voucher_id: v.into(),
        flight_id: other.flight_id.clone(),
    };
    assert_eq!(k.claim(&claim4("claim:k")).await.unwrap(), ClaimResponse::Granted);
    assert_eq!(k.release_claim(&claim4("claim:k")).await.unwrap()["released"], true);
    assert_eq!(g.claim(&claim4("claim:g")).await.unwrap(), ClaimResponse::Granted);
    // Releasing another device's claim does nothing.
    assert_eq!(k.release_claim(&claim4("claim:k")).await.unwrap()["released"], false);
    assert_eq!(
        k.claim(&claim4("claim:k")).await.unwrap(),
        ClaimResponse::Refused { reason: "held_elsewhere".into() }
    );

    // Through the kiosk's own path: a hotel that cannot be issued (no block
    // chosen) gives its claim back at once, and the console may issue it.
    let kiosk_agent = gatecare_station::AuthenticatedAgent::kiosk(kiosk.code, "HKG");
    let kctx = gatecare_station::IssueContext { device: kiosk.code, actor: &kiosk_agent, ..ctx.clone() };
    let hotel = IssueRequest { kind: gatecare_ledger::EntitlementKind::Hotel, ..kiosk.meal(6) };
    assert!(kiosk.store.issue_claimed(&kctx, &hotel, false).await.is_err());
    let key6 =
        kiosk.store.entitlement_key(&hotel.passenger_id, &hotel.flight_id, hotel.kind, 1).await.unwrap();
    let claim6 = ClaimRequest {
        entitlement_key: key6,
        voucher_id: "claim:g".into(),
        flight_id: hotel.flight_id.clone(),
    };
    assert_eq!(g.claim(&claim6).await.unwrap(), ClaimResponse::Granted);
}

on_both_backends!(batch_claims_are_for_consoles_bounded_and_judged_one_by_one);

/// A console claims its bulk issuance in batches: a kiosk's token may not
/// (it serves one passenger at a time, under its own rate limit), a batch
/// is bounded, and a claim for a flight the station does not have is
/// refused alone while the rest are granted.
async fn batch_claims_are_for_consoles_bounded_and_judged_one_by_one<D: Database>(db: D) {
    use gatecare_sync::{ClaimBatch, ClaimRequest, ClaimResponse, MAX_CLAIMS_PER_BATCH};
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let k = gatecare_link::CentralClient::for_enrolment(&kiosk.enrolment).unwrap();
    let g = gatecare_link::CentralClient::for_enrolment(&console.enrolment).unwrap();
    // Central has published HKG's CZ342: from then on, only its flights are HKG's.
    let cz342 = console.day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let data = gatecare_demo::station::station_data(&console.day, &[cz342.id]);
    station_data::import_station_data(&db, &data, now()).await.unwrap();
    let mut claims = Vec::new();
    for pax in 0..3 {
        let m = console.meal(pax);
        let key = console.store.entitlement_key(&m.passenger_id, &m.flight_id, m.kind, 1).await.unwrap();
        claims.push(ClaimRequest {
            entitlement_key: key,
            voucher_id: "claim:g".into(),
            flight_id: m.flight_id,
        });
    }
    let unknown_flight = ClaimRequest { flight_id: "NOT-PUBLISHED".into(), ..claims[2].clone() };
    let batch = ClaimBatch { claims: vec![claims[0].clone(), unknown_flight, claims[1].clone()] };
    match k.claim_batch(&batch).await {
        Err(gatecare_link::SyncError::Rejected { status: 403, code, .. }) => assert_eq!(code, "wrong_role"),
        other => panic!("a kiosk's batch of claims: {other:?}"),
    }
    let refused = ClaimResponse::Refused { reason: "not_your_station".into() };
    assert_eq!(
        g.claim_batch(&batch).await.unwrap().answers,
        [ClaimResponse::Granted, refused, ClaimResponse::Granted]
    );
    // The kiosk's own claim of one of them now hears "held elsewhere".
    assert_eq!(
        k.claim(&claims[1]).await.unwrap(),
        ClaimResponse::Refused { reason: "held_elsewhere".into() }
    );
    // The station's conflicts (tickets, passengers, devices) are the agents' to read.
    let conflicts = |token: &str| {
        reqwest::Client::new().get(format!("{url}/v1/conflicts")).bearer_auth(token.to_owned()).send()
    };
    assert_eq!(conflicts(&kiosk.enrolment.token).await.unwrap().status(), 403);
    assert_eq!(conflicts(&console.enrolment.token).await.unwrap().status(), 200);
    // A malformed claim is refused alone.
    let malformed = ClaimRequest { voucher_id: String::new(), ..claims[2].clone() };
    assert_eq!(
        g.claim_batch(&ClaimBatch { claims: vec![malformed, claims[0].clone()] }).await.unwrap().answers,
        [ClaimResponse::Refused { reason: "malformed".into() }, ClaimResponse::Granted]
    );
    let too_many = ClaimBatch { claims: vec![claims[2].clone(); MAX_CLAIMS_PER_BATCH + 1] };
    match g.claim_batch(&too_many).await {
        Err(gatecare_link::SyncError::Rejected { status: 413, code, .. }) => {
            assert_eq!(code, "too_many_claims")
        }
        other => panic!("an oversized batch: {other:?}"),
    }
    // Nothing of the refused batch was claimed.
    assert_eq!(k.claim(&claims[2]).await.unwrap(), ClaimResponse::Granted);

    // A console holds at most MAX_LIVE_CLAIMS claims it has not issued: a
    // stolen console token cannot hold the station's entitlements away.
    let ticket_key = |n: usize| {
        let mut parts: Vec<String> = claims[0].entitlement_key.split('/').map(String::from).collect();
        let last = parts.len() - 1;
        parts[last] = n.to_string();
        ClaimRequest { entitlement_key: parts.join("/"), ..claims[0].clone() }
    };
    let cap = gatecare_server::MAX_LIVE_CLAIMS as usize;
    for first in (2..cap).step_by(MAX_CLAIMS_PER_BATCH) {
        let claims = (first..(first + MAX_CLAIMS_PER_BATCH).min(cap)).map(ticket_key).collect();
        let answers = g.claim_batch(&ClaimBatch { claims }).await.unwrap().answers;
        assert!(answers.iter().all(|a| *a == ClaimResponse::Granted), "from {first}");
    }
    for more in [
        g.claim_batch(&ClaimBatch { claims: vec![ticket_key(cap)] }).await.map(|_| ()),
        g.claim(&ticket_key(cap)).await.map(|_| ()),
    ] {
        match more {
            Err(gatecare_link::SyncError::Rejected { status: 429, code, .. }) => {
                assert_eq!(code, "too_many_claims")
            }
            other => panic!("a claim above the console's bound: {other:?}"),
        }
    }
}

/// Found: no header-read timeout, request timeout or connection limit, so
/// slow clients could exhaust central's file descriptors; and enrolment
/// codes could be guessed without any limit. 1,500 clients trickle header
/// lines while `/healthz` is asked: it answers within 2 s, and each slow
/// client is closed once its header time is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_enrolment_guesses_are_limited() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let db = super::harness::sqlite_db(dir.path()).await;
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    gatecare_server::serve::raise_file_limit(4000);
    let header_time = std::time::Duration::from_secs(3);
    let limits = gatecare_server::serve::Limits { header_read_timeout: header_time, ..Default::default() };
    let served = super::harness::serve_with(c.clone(), limits).await;
    let addr = served.addr;

    let started = std::time::Instant::now();
    let mut slow = tokio::task::JoinSet::new();
    for i in 0..1500 {
        slow.spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(format!("GET /healthz HTTP/1.1\r\nHost: central\r\nX-Slow-{i}: 1\r\n").as_bytes())
                .await
                .unwrap();
            // One more header line a second, never the blank line: until
            // central closes the connection.
            let mut buf = [0u8; 256];
            for n in 0..20 {
                tokio::select! {
                    // Central ends the head: a 408, or the connection closed.
                    r = s.read(&mut buf) => {
                        let ended = match r {
                            Ok(0) | Err(_) => true,
                            Ok(k) => String::from_utf8_lossy(&buf[..k]).starts_with("HTTP/1.1 408"),
                        };
                        return (ended, n);
                    }
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
                if s.write_all(format!("X-More-{n}: 1\r\n").as_bytes()).await.is_err() {
                    return (true, n);
                }
            }
            (false, 20)
        });
    }
    // While they trickle, a real request is served promptly.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let asked = std::time::Instant::now();
    let r = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .timeout(std::time::Duration::from_secs(2))
        .send()
        .await
        .expect("healthz within 2 s");
    assert_eq!(r.status(), 200);
    assert!(asked.elapsed() < std::time::Duration::from_secs(2));
    let mut closed = 0;
    while let Some(r) = slow.join_next().await {
        let (was_closed, lines) = r.unwrap();
        assert!(was_closed && lines <= 6, "a slow client kept its connection ({lines} lines)");
        closed += 1;
    }
    assert_eq!(closed, 1500);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));

    // Guessing enrolment codes: after ten tries a minute, 429.
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = http
            .post(format!("http://{addr}/v1/devices/enrol"))
            .json(&gatecare_sync::EnrolRequest {
                code: "GUES-SING-CODE".into(),
                name: "attacker".into(),
                signing_kid: None,
                signing_public_key: None,
            })
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[403; 10]);
    assert_eq!(&statuses[10..], &[429, 429]);
}

on_both_backends!(case_events_count_for_the_station_that_pushed_them);

/// Agent B2001 takes case `case_id`, then resolves it with an apology and `note`.
fn take_and_resolve(case_id: uuid::Uuid, note: &str) -> [gatecare_recovery::Update; 2] {
    use gatecare_recovery::{AgentRef, Change, Update};
    let take = Update {
        update_id: uuid::Uuid::now_v7(),
        case_id,
        at: now(),
        by: AgentRef { code: "B2001".into(), name: "Wang".into(), role: gatecare_policy::Role::Agent },
        change: Change::Take,
    };
    let resolve = Update {
        update_id: uuid::Uuid::now_v7(),
        change: Change::Resolve {
            remedies: vec![gatecare_recovery::Remedy::Apology],
            note: note.into(),
            value: gatecare_core::Money::new(0, gatecare_core::Currency::parse("HKD").unwrap()),
            approver: None,
        },
        ..take.clone()
    };
    [take, resolve]
}

/// A complaint case a kiosk `by` opened an hour ago for a passenger of
/// CZ342 on 22 November, filed under `station`.
fn case_opened(station: &str, by: &str) -> gatecare_recovery::Opened {
    use gatecare_recovery::{Actor, Category, Opened, Severity};
    Opened {
        case_id: uuid::Uuid::now_v7(),
        station: station.into(),
        flight_id: "F".into(),
        flight: "CZ342".into(),
        flight_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        passenger_id: "P".into(),
        passenger_name: "LI/NA".into(),
        pnr: "ABC123".into(),
        profile_key: "pax:P".into(),
        category: Category::DelayHandling,
        severity: Severity::Medium,
        description: String::new(),
        opened_by: Actor::Kiosk { device: by.into() },
        at: now() - chrono::Duration::hours(1),
        first_answer_due: now() + chrono::Duration::hours(71),
        earlier_cases: 0,
    }
}

/// Found: the recovery summary trusted the station written in a case's
/// payload, so any device could file (or work) cases in another station's
/// figures. A PVG console opens a case that says "HKG" and takes an HKG
/// case: the summary counts the first at PVG and ignores the second.
async fn case_events_count_for_the_station_that_pushed_them<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let hkg = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let (_pvg_store, pvg) = pvg_console(&db, &url).await;
    let hkg_case = case_opened("HKG", "HKG-K01");
    SyncStore(&hkg.store)
        .record_event(EventKind::CaseOpened, &serde_json::to_value(&hkg_case).unwrap(), now())
        .await
        .unwrap();
    hkg.sync().await;
    let forged = case_opened("HKG", "PVG-G01");
    // …takes HKG's case and resolves it with an apology: were it counted,
    // HKG's case would be closed.
    let [take, resolve] = take_and_resolve(hkg_case.case_id, "done");
    let event = |seq: i64, kind: EventKind, payload: serde_json::Value| Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind,
        at: now(),
        payload,
    };
    let resp = push_raw(
        &url,
        &pvg.token,
        vec![
            event(1, EventKind::CaseOpened, serde_json::to_value(&forged).unwrap()),
            event(2, EventKind::CaseUpdated, serde_json::to_value(&take).unwrap()),
            event(3, EventKind::CaseUpdated, serde_json::to_value(&resolve).unwrap()),
        ],
    )
    .await;
    // HKG's case is HKG's to work: refused at the door, not just left out of the figures.
    assert_eq!(outcome_codes(&resp), ["Applied", "case_not_your_station", "case_not_your_station"]);
    let policy = gatecare_policy::Policy::default_policy();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let s = gatecare_figures::recovery::summary(&db, &policy.recovery, day, day, now()).await.unwrap();
    let by: Vec<(&str, u32, u32)> =
        s.stations.iter().map(|x| (x.station.as_str(), x.opened, x.open)).collect();
    assert_eq!(by, [("HKG", 1, 1), ("PVG", 1, 1)]);
    assert_eq!(s.skipped_events, 0);
}

on_both_backends!(a_refused_event_leaves_no_effect_and_no_data);

/// Found by a review: an event central refused kept its whole payload in
/// central's log, and the recovery summary read it back. A stolen kiosk
/// token took and resolved its own station's case (refused: a kiosk is no
/// agent), and central's figures showed the case closed.
async fn a_refused_event_leaves_no_effect_and_no_data<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let case = case_opened("HKG", "HKG-K01");
    let log = SyncStore(&kiosk.store);
    log.record_event(EventKind::CaseOpened, &serde_json::to_value(&case).unwrap(), now()).await.unwrap();
    kiosk.sync().await;
    // The thief, with the kiosk's token, takes the case and closes it
    // "with an apology" under an agent's name.
    let [take, resolve] = take_and_resolve(case.case_id, "SECRET-NOTE");
    let seq = next_seq(&kiosk).await;
    let events: Vec<Event> = [(seq, take), (seq + 1, resolve)]
        .into_iter()
        .map(|(seq, u)| Event {
            seq,
            event_id: uuid::Uuid::now_v7(),
            kind: EventKind::CaseUpdated,
            at: now(),
            payload: serde_json::to_value(&u).unwrap(),
        })
        .collect();
    let resp = push_raw(&url, &kiosk.enrolment.token, events.clone()).await;
    assert_eq!(outcome_codes(&resp), ["kiosk_not_agent", "kiosk_not_agent"]);

    // No effect: the case is open in central's figures.
    let policy = gatecare_policy::Policy::default_policy();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let s = gatecare_figures::recovery::summary(&db, &policy.recovery, day, day, now()).await.unwrap();
    let by: Vec<(&str, u32, u32)> =
        s.stations.iter().map(|x| (x.station.as_str(), x.opened, x.open)).collect();
    assert_eq!(by, [("HKG", 1, 1)]);
    // No data: of the refused events central keeps their numbers and
    // refusals, not what they said.
    let cases = db.case_events().await.unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert!(!format!("{cases:?}").contains("SECRET-NOTE"));

    // A replay gets the same answers; another payload under those numbers
    // is a clash, not a replay.
    let replayed = push_raw(&url, &kiosk.enrolment.token, events.clone()).await;
    assert_eq!(outcome_codes(&replayed), ["kiosk_not_agent", "kiosk_not_agent"]);
    let mut other = events[0].clone();
    other.payload["by"]["code"] = "B2002".into();
    let r = reqwest::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(&kiosk.enrolment.token)
        .json(&PushRequest { events: vec![other] })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "{}", r.text().await.unwrap());
}

on_both_backends!(a_device_cannot_name_another_devices_voucher);

/// Found by a fresh-eyes trial of the fixes above: a refused `issued`, a
/// made-up double issuance or a pushed-back voucher id let one device void
/// or rewrite another's voucher; a kiosk's "statutory" upgrade was applied;
/// reprints had no ownership check; a kiosk's claim beat a console's real
/// voucher or, voided, blocked the entitlement for good; a seq near i64::MAX
/// panicked; a kiosk read every station's complaints.
async fn a_device_cannot_name_another_devices_voucher<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let victim = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let attacker = Kiosk::enrol(&c, &url, "HKG-K02").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let (a, b) = (victim.issue(0).await.unwrap(), victim.issue(1).await.unwrap());
    victim.sync().await;
    let before = db.totals().await.unwrap();
    let seq = next_seq(&attacker).await;
    let issued = |n: i64, key: &str, voucher: &str, extra: serde_json::Value| {
        let mut payload = serde_json::json!({"entitlement_key": key, "voucher_id": voucher, "flight_id": "F",
            "passenger_id": "P", "kind": "meal", "value_minor": 12000, "currency": "HKD", "statutory": true,
            "actor": "KIOSK:HKG-K02"});
        for (k, v) in extra.as_object().unwrap() {
            payload[k] = v.clone();
        }
        Event { seq: seq + n, event_id: uuid::Uuid::now_v7(), kind: EventKind::Issued, at: now(), payload }
    };
    let batch = vec![
        // A refused issue naming the victim's voucher.
        issued(0, "x/1", &a.voucher_id, serde_json::json!({"statutory": false})),
        // A double issuance made up with the victim's other voucher.
        issued(1, &a.entitlement_key, &b.voucher_id, serde_json::json!({})),
        // The victim's own key and voucher, pushed back with another value.
        issued(
            2,
            &a.entitlement_key,
            &a.voucher_id,
            serde_json::json!({"value_minor": 1, "currency": "XXX"}),
        ),
        // An upgrade called statutory.
        issued(
            3,
            "y/1",
            &uuid::Uuid::now_v7().to_string(),
            serde_json::json!({"kind": "upgrade", "value_minor": 99_999_999}),
        ),
        // A reprint of the victim's voucher.
        Event {
            seq: seq + 4,
            event_id: uuid::Uuid::now_v7(),
            kind: EventKind::Reprinted,
            at: now(),
            payload: serde_json::json!({"entitlement_key": a.entitlement_key, "voucher_id": a.voucher_id, "flight_id": "F"}),
        },
    ];
    let resp = push_raw(&url, &attacker.enrolment.token, batch).await;
    let codes = outcome_codes(&resp);
    assert_eq!(
        codes,
        ["kiosk_not_owed", "voucher_not_yours", "voucher_not_yours", "kiosk_not_owed", "void_not_yours"]
    );
    for v in [&a.voucher_id, &b.voucher_id] {
        assert!(db.void_of(v).await.unwrap().is_none(), "the victim's {v} stays valid");
    }
    let after = db.totals().await.unwrap();
    assert_eq!((after.issued_value_minor, after.conflicts), (before.issued_value_minor, before.conflicts));

    // A kiosk's claim never beats a console's real voucher, and voiding the
    // claim does not void the entitlement.
    use gatecare_sync::{ClaimRequest, ClaimResponse};
    let k = gatecare_link::CentralClient::for_enrolment(&attacker.enrolment).unwrap();
    let meal = console.meal(7);
    let key = console.store.entitlement_key(&meal.passenger_id, &meal.flight_id, meal.kind, 1).await.unwrap();
    let claim = ClaimRequest {
        entitlement_key: key.clone(),
        voucher_id: "fake-claim".into(),
        flight_id: meal.flight_id.clone(),
    };
    assert_eq!(k.claim(&claim).await.unwrap(), ClaimResponse::Granted);
    // The attacker's log at central is past its own store now: count on.
    let seq = seq + 5;
    let void_claim = Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Voided,
        at: now(),
        payload: serde_json::json!({"entitlement_key": key, "voucher_id": "fake-claim", "flight_id": meal.flight_id}),
    };
    let resp = push_raw(&url, &attacker.enrolment.token, vec![void_claim]).await;
    assert!(matches!(&resp.acks[0].outcome, Outcome::Refused { code, .. } if code == "void_not_yours"));
    let agent = console
        .store
        .verify_pin("A1001", "246810", now(), gatecare_station::LockoutPolicy::default())
        .await
        .unwrap()
        .unwrap();
    let policy = gatecare_policy::Policy::default_policy();
    let ctx = gatecare_station::IssueContext::new(console.code, &agent, &policy, now());
    let real = console.store.issue(&ctx, &meal).await.unwrap();
    console.sync().await;
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM sync_acks ORDER BY seq DESC LIMIT 1")
        .fetch_one(console.store.pool())
        .await
        .unwrap();
    assert!(outcome.contains("applied"), "{outcome}");
    assert!(db.void_of(&real.voucher_id).await.unwrap().is_none());

    // A seq near i64::MAX is refused, not a panic.
    let r = reqwest::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(&attacker.enrolment.token)
        .json(&PushRequest {
            events: vec![Event {
                seq: i64::MAX,
                event_id: uuid::Uuid::now_v7(),
                kind: EventKind::Feedback,
                at: now(),
                payload: serde_json::json!({}),
            }],
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Every station's complaints are for agents.
    let r = reqwest::Client::new()
        .get(format!("{url}/v1/recovery/summary?from=2026-11-22&to=2026-11-22"))
        .bearer_auth(&attacker.enrolment.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

on_both_backends!(vouchers_and_claims_only_for_the_stations_own_flights);

/// Found: claims and pushes were not checked against the device's station,
/// so a device of one station could issue (and claim) on another's flights.
async fn vouchers_and_claims_only_for_the_stations_own_flights<D: Database>(db: D) {
    use gatecare_sync::{ClaimRequest, ClaimResponse};
    let (_clock, c, _served, url) = serving(&db).await;
    // Central publishes HKG's CZ342 (station data, as the airline's systems send it).
    let day = crate::support::small_day(2);
    let cz342 = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let data = gatecare_demo::station::station_data(&day, &[cz342.id]);
    station_data::import_station_data(&db, &data, now()).await.unwrap();
    let flight = cz342.id.to_string();

    let (_pvg_store, pvg) = pvg_console(&db, &url).await;
    let voucher = uuid::Uuid::now_v7().to_string();
    let resp = push_raw(
        &url,
        &pvg.token,
        vec![Event {
            seq: 1,
            event_id: uuid::Uuid::now_v7(),
            kind: EventKind::Issued,
            at: now(),
            payload: serde_json::json!({"entitlement_key": "CZ342/2026-11-22/7840000000001/meal/1", "voucher_id": voucher,
                "flight_id": flight, "passenger_id": "P", "kind": "meal", "value_minor": 12000, "currency": "HKD",
                "statutory": true, "actor": "B2001"}),
        }],
    )
    .await;
    assert!(
        matches!(&resp.acks[0].outcome, Outcome::Refused { code, .. } if code == "flight_not_your_station")
    );
    assert_eq!(db.totals().await.unwrap().entitlements_issued, 0);
    // Nor by naming a flight id of its own beside HKG's key (found in a
    // trial: the key won the conflict, and HKG's real voucher was voided),
    // as an issue or as a claim.
    let squat = Event {
        seq: 2,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({"entitlement_key": "CZ342/2026-11-22/7840000000001/meal/1",
            "voucher_id": uuid::Uuid::now_v7().to_string(), "flight_id": "PVG-OWN-FLIGHT", "passenger_id": "P",
            "kind": "meal", "value_minor": 12000, "currency": "HKD", "statutory": true, "actor": "B2001"}),
    };
    let resp = push_raw(&url, &pvg.token, vec![squat]).await;
    assert_eq!(outcome_codes(&resp), ["flight_not_your_station"]);
    let squat_claim = ClaimRequest {
        entitlement_key: "CZ342/2026-11-22/7840000000003/meal/1".into(),
        voucher_id: "claim:squat".into(),
        flight_id: "PVG-OWN-FLIGHT".into(),
    };
    let pvg_client = gatecare_link::CentralClient::for_enrolment(&pvg).unwrap();
    assert_eq!(
        pvg_client.claim(&squat_claim).await.unwrap(),
        ClaimResponse::Refused { reason: "not_your_station".into() }
    );
    // Nor does it open a complaint case on HKG's flight.
    let case = serde_json::json!({"case_id": uuid::Uuid::now_v7(), "station": "PVG", "flight_id": flight,
        "flight": "CZ342", "passenger_id": "P"});
    let resp = push_raw(
        &url,
        &pvg.token,
        vec![Event {
            seq: 3,
            event_id: uuid::Uuid::now_v7(),
            kind: EventKind::CaseOpened,
            at: now(),
            payload: case,
        }],
    )
    .await;
    assert_eq!(outcome_codes(&resp), ["flight_not_your_station"]);
    // Nor anything else on it: a call for staff, a disruption.
    let staff = serde_json::json!({"id": "S1", "flight_id": flight, "passenger_id": "P", "reason": "umnr"});
    let cancel = serde_json::json!({"id": "D1", "flight_id": flight, "kind": "cancellation", "cause": "weather",
        "recorded_by": "B2001"});
    let resp = push_raw(
        &url,
        &pvg.token,
        vec![
            Event {
                seq: 4,
                event_id: uuid::Uuid::now_v7(),
                kind: EventKind::StaffRequested,
                at: now(),
                payload: staff,
            },
            Event {
                seq: 5,
                event_id: uuid::Uuid::now_v7(),
                kind: EventKind::DisruptionUpdated,
                at: now(),
                payload: cancel,
            },
        ],
    )
    .await;
    assert_eq!(outcome_codes(&resp), ["flight_not_your_station", "flight_not_your_station"]);
    let claim = ClaimRequest {
        entitlement_key: "CZ342/2026-11-22/7840000000002/meal/1".into(),
        voucher_id: "claim:pvg".into(),
        flight_id: flight.clone(),
    };
    assert_eq!(
        pvg_client.claim(&claim).await.unwrap(),
        ClaimResponse::Refused { reason: "not_your_station".into() }
    );
    // HKG's own console claims it.
    let hkg = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let hkg_client = gatecare_link::CentralClient::for_enrolment(&hkg.enrolment).unwrap();
    assert_eq!(
        hkg_client.claim(&ClaimRequest { voucher_id: "claim:hkg".into(), ..claim }).await.unwrap(),
        ClaimResponse::Granted
    );
    // Found by a review: a flight central never published was nobody's, so
    // any station's device could issue, claim and file on it. Once central
    // publishes a station's flights, a flight id it never published is
    // refused too, from that station's own devices as well.
    let nowhere = "F-NEVER-PUBLISHED";
    let claim = ClaimRequest {
        entitlement_key: "CZ342/2026-11-22/7840000000004/meal/1".into(),
        voucher_id: "claim:nowhere".into(),
        flight_id: nowhere.into(),
    };
    assert_eq!(
        hkg_client.claim(&claim).await.unwrap(),
        ClaimResponse::Refused { reason: "not_your_station".into() }
    );
    let staff = serde_json::json!({"id": "S2", "flight_id": nowhere, "passenger_id": "P", "reason": "umnr"});
    let seq = next_seq(&hkg).await;
    let resp = push_raw(
        &url,
        &hkg.enrolment.token,
        vec![Event {
            seq,
            event_id: uuid::Uuid::now_v7(),
            kind: EventKind::StaffRequested,
            at: now(),
            payload: staff,
        }],
    )
    .await;
    assert_eq!(outcome_codes(&resp), ["flight_not_your_station"]);
}

/// Found in a trial: a stolen kiosk token could claim a flight's every
/// hotel entitlement, again and again, and the agents' consoles heard "held
/// elsewhere" for each. A kiosk's claims are now limited per ten minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_kiosk_cannot_hold_a_flights_entitlements() {
    use gatecare_sync::{ClaimRequest, ClaimResponse};
    let dir = tempfile::tempdir().unwrap();
    let db = harness::sqlite_db(dir.path()).await;
    let (_clock, c, _served, url) = serving(&db).await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let k = gatecare_link::CentralClient::for_enrolment(&kiosk.enrolment).unwrap();
    let g = gatecare_link::CentralClient::for_enrolment(&console.enrolment).unwrap();
    let claim = |n: u32| ClaimRequest {
        entitlement_key: format!("CZ342/2026-11-22/78400000{n:05}/hotel/1"),
        voucher_id: format!("claim:{n}"),
        flight_id: "F-CZ342".into(),
    };
    for n in 0..gatecare_server::KIOSK_CLAIMS_PER_10_MINUTES {
        assert_eq!(k.claim(&claim(n)).await.unwrap(), ClaimResponse::Granted, "claim {n}");
    }
    match k.claim(&claim(9999)).await {
        Err(gatecare_link::SyncError::Rejected { status: 429, code, .. }) => {
            assert_eq!(code, "too_many_claims")
        }
        other => panic!("claim past the limit: {other:?}"),
    }
    // The agents go on: the console claims what the kiosk could not.
    assert_eq!(g.claim(&claim(9999)).await.unwrap(), ClaimResponse::Granted);
}

on_both_backends!(voucher_ids_are_bound_to_their_device);

/// A voucher id is one device's without an index over every voucher id:
/// an enrolled device binds its ids to itself; ids bound to no device (made
/// before enrolment, or by older software) stay one device's through an
/// index that holds only them.
async fn voucher_ids_are_bound_to_their_device<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let k1 = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let k2 = Kiosk::enrol(&c, &url, "HKG-K02").await;
    let issued = k1.issue(0).await.unwrap();
    k1.sync().await;
    assert!(gatecare_sync::voucher_id::is_bound_to(&issued.voucher_id, k1.enrolment.device_id));
    assert!(!gatecare_sync::voucher_id::is_bound_to(&issued.voucher_id, k2.enrolment.device_id));

    let event = |seq: i64, key: &str, voucher: &str| Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({"entitlement_key": key, "voucher_id": voucher, "flight_id": "F",
            "passenger_id": "P", "kind": "meal", "value_minor": 12000, "currency": "HKD", "statutory": true}),
    };
    let outcome = |r: &PushResponse| outcome_codes(r).remove(0);
    // K1's bound id, under another entitlement, from K2: refused before storage.
    let s2 = next_seq(&k2).await;
    let r = push_raw(&url, &k2.enrolment.token, vec![event(s2, "z/1", &issued.voucher_id)]).await;
    assert_eq!(outcome(&r), "voucher_not_yours");
    // An unbound id (as older software made them) is K1's once K1 pushed it.
    let legacy = uuid::Uuid::now_v7().to_string();
    let s1 = next_seq(&k1).await;
    let r = push_raw(&url, &k1.enrolment.token, vec![event(s1, "legacy/1", &legacy)]).await;
    assert_eq!(outcome(&r), "Applied");
    let r = push_raw(&url, &k2.enrolment.token, vec![event(s2 + 1, "legacy/2", &legacy)]).await;
    assert_eq!(outcome(&r), "voucher_not_yours");
    // In a batch with another unbound id, the taken one is refused alone
    // and leaves its entitlement free.
    let fresh = uuid::Uuid::now_v7().to_string();
    let batch = vec![event(s2 + 2, "legacy/3", &legacy), event(s2 + 3, "legacy/4", &fresh)];
    let r = push_raw(&url, &k2.enrolment.token, batch).await;
    assert_eq!(outcome_codes(&r), ["voucher_not_yours", "Applied"]);
    let own = gatecare_sync::voucher_id::bound_voucher_id(1_795_000_000_000, 7, k1.enrolment.device_id);
    let r = push_raw(&url, &k1.enrolment.token, vec![event(s1 + 1, "legacy/3", &own.to_string())]).await;
    assert_eq!(outcome(&r), "Applied");
    let other = gatecare_sync::voucher_id::bound_voucher_id(1_795_000_000_000, 8, k1.enrolment.device_id);
    let r = push_raw(&url, &k1.enrolment.token, vec![event(s1 + 2, "legacy/4", &other.to_string())]).await;
    assert!(outcome(&r).starts_with("Conflict"), "{r:?}");
    // Nothing K2 pushed put either voucher on the void list.
    for v in [&issued.voucher_id, &legacy] {
        assert!(db.void_of(v).await.unwrap().is_none(), "{v}");
    }
}

on_both_backends!(an_event_kind_central_does_not_know_is_refused_alone);

/// Found in a trial: an event of a kind central does not know (a device on
/// newer software) made the whole batch a 400, so the device's log could
/// never drain. It is now refused alone, and the events around it apply.
async fn an_event_kind_central_does_not_know_is_refused_alone<D: Database>(db: D) {
    let (_clock, c, _served, url) = serving(&db).await;
    let k = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let seq = next_seq(&k).await;
    let event = |n: i64, kind: &str| {
        serde_json::json!({"seq": seq + n, "event_id": uuid::Uuid::now_v7(), "kind": kind,
                           "at": "2026-11-22T06:00:00Z",
                           "payload": {"feedback_id": format!("FB{n}"), "flight_id": "F", "passenger_id": "P", "score": 4}})
    };
    let body =
        serde_json::json!({"events": [event(0, "feedback"), event(1, "teleport"), event(2, "feedback")]});
    let push = || async {
        let r = reqwest::Client::new()
            .post(format!("{url}/v1/sync/push"))
            .bearer_auth(&k.enrolment.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<PushResponse>().await.unwrap()
    };
    let resp = push().await;
    let outcomes = outcome_codes(&resp);
    assert_eq!(outcomes, ["Applied", "unknown_kind", "Applied"]);
    assert_eq!(resp.high_seq, seq + 2, "the log stays gapless");
    assert_eq!(push().await.acks, resp.acks, "a replay gets the same answers");
}

/// Found in a station trial: a kiosk whose clock ran hours ahead had its
/// pushes taken without a word, and its vouchers were "not yet valid" at
/// every till. Its events are still stored (they happened), and central
/// counts them and says which device's clock is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stamped_ahead_of_centrals_clock_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = super::harness::sqlite_db(dir.path()).await;
    let (_clock, c, _served, url) = serving(&db).await;
    let k = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let seq = next_seq(&k).await;
    let feedback = |n: i64, at: chrono::DateTime<chrono::Utc>| Event {
        seq: seq + n,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Feedback,
        at,
        payload: serde_json::json!({"feedback_id": format!("FB{n}"), "flight_id": "F", "passenger_id": "P", "score": 4}),
    };
    let counted = || metric(&url, "gatecare_events_from_ahead_total");
    assert_eq!(counted().await, "0");
    let events = vec![
        feedback(0, now() + chrono::Duration::minutes(4)),
        feedback(1, now() + chrono::Duration::hours(3)),
        feedback(2, now() + chrono::Duration::hours(3) + chrono::Duration::seconds(1)),
    ];
    let resp = push_raw(&url, &k.enrolment.token, events.clone()).await;
    assert_eq!(outcome_codes(&resp), ["Applied", "Applied", "Applied"]);
    assert_eq!(counted().await, "2", "a clock a few minutes off is not counted");
    // A replay is not counted again, nor a batch central refuses (found in
    // a station trial: each retry of a refused batch counted again).
    push_raw(&url, &k.enrolment.token, events.clone()).await;
    assert_eq!(counted().await, "2");
    let mut clone = events[1].clone();
    clone.payload["score"] = serde_json::json!(1);
    let refused = reqwest::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(&k.enrolment.token)
        .json(&PushRequest {
            events: vec![clone, events[2].clone(), feedback(3, now() + chrono::Duration::hours(3))],
        })
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert_eq!(counted().await, "2");
}

/// One counter of central's `/metrics`.
async fn metric(url: &str, name: &str) -> String {
    let text = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    let prefix = format!("{name} ");
    text.lines().find_map(|l| l.strip_prefix(prefix.as_str())).unwrap().to_owned()
}

/// The vouchers the airline's report counts on `issued`'s flight: (issued,
/// of which voided).
async fn flight_counts<D: Database>(
    c: &gatecare_server::Central<D>,
    issued: &gatecare_station::Issued,
) -> (i64, i64) {
    let mut key = issued.entitlement_key.split('/');
    let flight = format!("{}/{}", key.next().unwrap(), key.next().unwrap());
    let scope = gatecare_figures::redemptions::Scope::flight(&flight).unwrap();
    let report = gatecare_figures::redemptions::redemptions(&c.db, &scope).await.unwrap();
    let line = report.flights.iter().find(|l| flight == format!("{}/{}", l.flight, l.flight_date)).unwrap();
    let count = |a: &gatecare_figures::redemptions::Amounts| {
        serde_json::to_value(a).unwrap()[0]["count"].as_i64().unwrap_or(0)
    };
    (count(&line.issued), count(&line.voided))
}

/// Found in station trials: with a copy of a kiosk's disk, a thief pushed
/// under the kiosk's next numbers, and the real kiosk's sync then failed with
/// a bare 409 on every round, for good. Then the words named the revoke
/// command without a time, so run as written it kept the thief's vouchers
/// valid; and after the revocation the passengers whose care the thief took
/// could not be served again (central and the station counted it issued).
/// Now the clash says from when to revoke, the revocation voids what central
/// received from then on, and an agent serves those passengers again.
async fn a_copied_kiosk_is_revoked_from_the_theft_and_its_passengers_served_again<D: Database>(db: D) {
    let (clock, c, _served, url) = serving(&db).await;
    let k = Kiosk::enrol(&c, &url, "HKG-K01").await;
    assert_eq!(metric(&url, "gatecare_seq_conflicts_total").await, "0");
    // Before the theft: passenger 0's meal reaches central.
    let before = k.issue(0).await.unwrap();
    k.sync_at(clock.now()).await;
    // A thief copies the disk and, ten minutes on, issues passenger 1's meal with it.
    let thief = k.stolen_copy().await;
    clock.set(now() + chrono::Duration::minutes(10) + chrono::Duration::microseconds(123_456));
    let theft_at = clock.now();
    let stolen = thief.issue(1).await.unwrap();
    let spent = thief.issue(3).await.unwrap();
    thief.sync_at(theft_at).await;
    // A merchant takes one of the thief's vouchers before anyone knows.
    let till = Till::enrol(&c, &url, "Noodle bar").await;
    assert!(till.redeem(uuid::Uuid::now_v7(), &thief.qr(&spent.voucher_id).await).await.redeemed);
    // The real kiosk serves passenger 2, then tries to sync.
    clock.set(now() + chrono::Duration::minutes(20));
    let unsent = k.issue(2).await.unwrap();
    let client = gatecare_link::CentralClient::for_enrolment(&k.enrolment).unwrap();
    let at = theft_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut counted = 0;
    for _ in 1..=2 {
        let e =
            gatecare_link::sync_once(&k.store, &client, &k.enrolment, k.code, clock.now()).await.unwrap_err();
        assert_eq!(e.code(), "sync.identity_clash", "{e}");
        let words = e.to_string();
        assert!(words.contains(&format!("received by central at {at}")), "{words}");
        let revoke = format!("gatecare-central admin revoke {} --at {at}", k.enrolment.device_id);
        assert!(words.contains(&revoke), "{words}");
        // Each round counts (its push, and its pull when central holds more than the kiosk logged).
        let now_counted: u64 = metric(&url, "gatecare_seq_conflicts_total").await.parse().unwrap();
        assert!(now_counted > counted, "{now_counted} after {counted}");
        counted = now_counted;
    }
    assert_eq!(SyncStore(&k.store).sync_status().await.unwrap().backlog, 1, "the meal stays, unsent");
    // Found in a station trial: the kiosk went on printing vouchers that
    // would be refused. It issues nothing more.
    match k.issue(4).await {
        Err(gatecare_station::LedgerError::DeviceBarred(why)) => {
            assert!(why.starts_with("sync.identity_clash"), "{why}")
        }
        other => panic!("a kiosk whose identity is in use elsewhere issued: {other:?}"),
    }
    // `admin devices` shows the thief's push as the device's last.
    let listed = gatecare_central::devices::listing(&c.db).await.unwrap();
    let listed = listed.iter().find(|d| d["id"] == k.enrolment.device_id.to_string()).unwrap();
    assert_eq!(listed["last_push_at"], serde_json::to_value(theft_at).unwrap(), "{listed}");

    // IT revokes from the time the words give.
    let done = trust::revoke(&c, k.enrolment.device_id, theft_at, clock.now()).await.unwrap().unwrap();
    assert_eq!(
        (done.kept, done.voided, done.redeemed),
        (1, 1, 1),
        "before the theft kept; the thief's voided, but the one a merchant was paid for stands"
    );
    assert!(c.db.void_of(&spent.voucher_id).await.unwrap().is_none());
    let void = c.db.void_of(&stolen.voucher_id).await.unwrap().expect("the thief's voucher is voided");
    assert_eq!((void.reason.as_str(), void.voided_by.as_deref()), (trust::KEY_REVOKED, Some("central")));
    assert!(c.db.void_of(&before.voucher_id).await.unwrap().is_none());
    let explained = gatecare_central::decision::explain(&c.db, &stolen.voucher_id).await.unwrap();
    assert_eq!(explained.report["void"]["reason"], trust::KEY_REVOKED, "admin explain says why it is void");
    assert!(till.redeem(uuid::Uuid::now_v7(), &k.qr(&before.voucher_id).await).await.redeemed);
    for (qr, whose) in
        [(thief.qr(&stolen.voucher_id).await, "thief's"), (k.qr(&unsent.voucher_id).await, "unsent")]
    {
        let r = till.redeem(uuid::Uuid::now_v7(), &qr).await;
        assert!(!r.redeemed && ["key_revoked", "voided"].contains(&r.reason.as_str()), "the {whose}: {r:?}");
    }
    // The airline's report counts the thief's voucher among the issued, as voided.
    assert_eq!(flight_counts(&c, &before).await, (3, 1));
    // The revoked kiosk is told so, in words that say what to do.
    let e = gatecare_link::sync_once(&k.store, &client, &k.enrolment, k.code, clock.now()).await.unwrap_err();
    assert_eq!(e.code(), "sync.device_revoked", "{e}");
    assert!(e.to_string().contains("freshly installed"), "{e}");

    // A fresh store takes the kiosk's place; a gate console serves the passengers.
    let fresh = Kiosk::enrol(&c, &url, "HKG-K01").await;
    fresh.sync_at(clock.now()).await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-C01").await;
    console.sync_at(clock.now()).await;
    // Passenger 1's care, which the thief took: voided, so an agent replaces it.
    match fresh.issue(1).await {
        Err(gatecare_station::LedgerError::Voided(_)) => {}
        other => panic!("a kiosk does not replace a voided voucher: {other:?}"),
    }
    // The agent issues the flight's meals: passenger 1's is replaced (the
    // void is the revoked key's, no decision about them); passenger 0's
    // stands and is not issued twice.
    // At 16:00 in Hong Kong, when the first meal is owed.
    clock.set(now() + chrono::Duration::hours(2));
    console.sync_at(clock.now()).await;
    let bulk = console.bulk_meals(&[0, 1], clock.now()).await;
    assert_eq!((bulk.issued, bulk.elsewhere), (1, 1), "{bulk:?}");
    let replacement = bulk.vouchers[0].clone();
    assert_ne!(replacement.voucher_id, stolen.voucher_id);
    // Passenger 2, whose voucher never reached central: the new kiosk serves them.
    let again = fresh.issue(2).await.unwrap();
    fresh.sync_at(clock.now()).await;
    console.sync_at(clock.now()).await;
    for (id, whose) in [(&replacement.voucher_id, "replacement"), (&again.voucher_id, "new kiosk's")] {
        let qr = if whose == "replacement" { console.qr(id).await } else { fresh.qr(id).await };
        assert!(till.redeem(uuid::Uuid::now_v7(), &qr).await.redeemed, "the {whose} voucher");
    }
    // Every passenger's care counted once, as issued.
    assert_eq!(flight_counts(&c, &before).await, (4, 0));
}
on_both_backends!(a_copied_kiosk_is_revoked_from_the_theft_and_its_passengers_served_again);

/// Found in a station trial: a kiosk that issued nothing after the theft
/// never pushed, so never clashed, and went on (cursor moving, no error)
/// while a thief pushed under its identity; it then issued a flight's meals
/// the thief had already taken. The feed page now says when central holds
/// more of this identity's events than the device logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_kiosk_learns_from_the_feed_that_a_thief_uses_its_identity() {
    let dir = tempfile::tempdir().unwrap();
    let db = super::harness::sqlite_db(dir.path()).await;
    let (clock, c, _served, url) = serving(&db).await;
    let k = Kiosk::enrol(&c, &url, "HKG-K01").await;
    k.issue(0).await.unwrap();
    k.sync_at(clock.now()).await;
    // In step: nothing said.
    let client = gatecare_link::CentralClient::for_enrolment(&k.enrolment).unwrap();
    gatecare_link::sync_once(&k.store, &client, &k.enrolment, k.code, clock.now()).await.unwrap();
    let thief = k.stolen_copy().await;
    clock.set(now() + chrono::Duration::minutes(5) + chrono::Duration::microseconds(250_001));
    let theft_at = clock.now();
    thief.issue(1).await.unwrap();
    thief.sync_at(theft_at).await;
    clock.set(now() + chrono::Duration::minutes(6));
    let e = gatecare_link::sync_once(&k.store, &client, &k.enrolment, k.code, clock.now()).await.unwrap_err();
    assert_eq!(e.code(), "sync.identity_clash", "{e}");
    let at = theft_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert!(e.to_string().contains(&format!("admin revoke {} --at {at}", k.enrolment.device_id)), "{e}");
    assert_eq!(metric(&url, "gatecare_seq_conflicts_total").await, "1");
    // The feed still arrived (the thief's meal is known), and nothing more is issued here.
    let barred = k.store.issuing_barred().await.unwrap().unwrap_or_default();
    assert!(barred.starts_with("sync.identity_clash"), "{barred}");
    assert!(matches!(k.issue(1).await, Err(gatecare_station::LedgerError::DeviceBarred(_))));
    assert!(matches!(k.issue(2).await, Err(gatecare_station::LedgerError::DeviceBarred(_))));
}
