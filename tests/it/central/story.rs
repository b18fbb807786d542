//! Two kiosks and a merchant at HKG, through central: enrolment, sync,
//! issuance seen elsewhere, double issuance while offline, redemption,
//! replays, a cloned kiosk, leases and revocation.

use chrono::{DateTime, Duration, Utc};
use gatecare_central::{agents, devices};
use gatecare_link::{CentralClient, ClaimCheck, claim_before_issue, enrol_with_central, sync_once};
use gatecare_policy::Policy;
use gatecare_server::{enrolment, trust};
use gatecare_server_database::Database;
use gatecare_station::{AuthenticatedAgent, IssueContext, IssueRequest, LedgerError, LockoutPolicy, Station};
use gatecare_store::central::Enrolment;
use gatecare_store_sync::SyncStore;
use gatecare_sync::{ClaimRequest, ClaimResponse, DeviceRole, Outcome, RedeemRequest, RedeemResponse};

use super::harness::{self, TestClock, central, on_both_backends, serve};
use crate::support::seeded_store;

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(crate::support::TEST_NOW).unwrap().to_utc()
}

pub struct Kiosk {
    pub store: Station,
    pub code: &'static str,
    pub enrolment: Enrolment,
    pub day: gatecare_demo::DemoDay,
    pub role: DeviceRole,
    _dir: tempfile::TempDir,
}

impl Kiosk {
    /// A passenger's self-service kiosk.
    pub async fn enrol<D: Database>(c: &gatecare_server::Central<D>, url: &str, code: &'static str) -> Kiosk {
        Kiosk::enrol_as(c, url, code, DeviceRole::Kiosk).await
    }

    /// A gate agent's console (the same store and helpers).
    pub async fn enrol_console<D: Database>(
        c: &gatecare_server::Central<D>,
        url: &str,
        code: &'static str,
    ) -> Kiosk {
        Kiosk::enrol_as(c, url, code, DeviceRole::Console).await
    }

    async fn enrol_as<D: Database>(
        c: &gatecare_server::Central<D>,
        url: &str,
        code: &'static str,
        role: DeviceRole,
    ) -> Kiosk {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.sqlite");
        let day = seeded_store(&path, 2).await;
        let store = Station::open(&path).await.unwrap();
        harness::publish_demo_agents(c).await;
        let one_time =
            enrolment::issue_enrolment_code(&c.db, "HKG", role, Duration::hours(1), now()).await.unwrap();
        let enrolment = enrol_with_central(&store, url, &one_time, &harness::root_fingerprint(), code, now())
            .await
            .unwrap();
        Kiosk { store, code, enrolment, day, role, _dir: dir }
    }

    /// What a thief takes with the kiosk's disk: a copy of its store, with
    /// its token, key and numbers.
    pub async fn stolen_copy(&self) -> Kiosk {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("copy.sqlite");
        sqlx::query("VACUUM INTO ?").bind(path.to_str().unwrap()).execute(self.store.pool()).await.unwrap();
        let store = Station::open(&path).await.unwrap();
        Kiosk {
            store,
            code: self.code,
            enrolment: self.enrolment.clone(),
            day: self.day.clone(),
            role: self.role,
            _dir: dir,
        }
    }

    pub async fn sync(&self) -> gatecare_link::SyncRound {
        self.sync_at(now()).await
    }

    /// Syncs with the device's clock at `at` (central's clock must agree
    /// within `gatecare_sync::page::CLOCK_STEP`: pages carry central's time).
    pub async fn sync_at(&self, at: chrono::DateTime<chrono::Utc>) -> gatecare_link::SyncRound {
        let client = CentralClient::for_enrolment(&self.enrolment).unwrap();
        let mut total = gatecare_link::SyncRound::default();
        loop {
            let r = sync_once(&self.store, &client, &self.enrolment, self.code, at).await.unwrap();
            total.pushed += r.pushed;
            total.pulled += r.pulled;
            if !r.more {
                return total;
            }
        }
    }

    fn cz342(&self) -> &gatecare_demo::Flight {
        self.day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap()
    }

    pub fn meal(&self, pax: usize) -> IssueRequest {
        let f = self.cz342().id;
        let p = self.day.passengers.iter().filter(|p| p.flight_id == f).nth(pax).unwrap();
        crate::support::meal_request(p.id, f, 1)
    }

    pub async fn issue(&self, pax: usize) -> Result<gatecare_station::Issued, LedgerError> {
        // At a console an agent signs in; a kiosk issues as itself.
        let agent: AuthenticatedAgent = match self.role {
            DeviceRole::Console => self
                .store
                .verify_pin("A1001", "246810", now(), LockoutPolicy::default())
                .await
                .unwrap()
                .unwrap(),
            _ => AuthenticatedAgent::kiosk(self.code, "HKG"),
        };
        let policy = Policy::default_policy();
        let ctx = IssueContext::new(self.code, &agent, &policy, now());
        self.store.issue(&ctx, &self.meal(pax)).await
    }

    /// A console agent's bulk issuance, `at`, of CZ342's meals owed to passengers `pax`.
    pub async fn bulk_meals(&self, pax: &[usize], at: DateTime<Utc>) -> gatecare_bulk::BulkSummary {
        let agent =
            self.store.verify_pin("A1001", "246810", at, LockoutPolicy::default()).await.unwrap().unwrap();
        let policy = Policy::default_policy();
        let ctx = IssueContext::new(self.code, &agent, &policy, at);
        let chosen = pax.iter().map(|&i| self.meal(i).passenger_id).collect();
        let flight = self.cz342().id.to_string();
        gatecare_bulk::Bulk(&self.store)
            .issue_bulk_for(&ctx, &flight, gatecare_ledger::EntitlementKind::Meal, Some(&chosen), |_, _| {})
            .await
            .unwrap()
    }

    pub async fn qr(&self, voucher_id: &str) -> String {
        let signer = self.store.device_signer(self.code, now()).await.unwrap();
        gatecare_print::vouchers::voucher_sheet(&self.store, voucher_id, &signer).await.unwrap().qr_text
    }
}

/// A merchant's till: redeems a scanned voucher at central.
pub struct Till {
    pub url: String,
    pub token: String,
}

/// A one-time code for a device of `role` at HKG, valid an hour on central's clock.
pub async fn hkg_code<D: Database>(c: &gatecare_server::Central<D>, role: DeviceRole) -> String {
    enrolment::issue_enrolment_code(&c.db, "HKG", role, Duration::hours(1), c.now()).await.unwrap()
}

impl Till {
    /// Enrols a merchant at HKG with a one-time code, as an administrator gives one.
    pub async fn enrol<D: Database>(c: &gatecare_server::Central<D>, url: &str, name: &str) -> Till {
        let code = hkg_code(c, DeviceRole::Merchant).await;
        let enrolled = CentralClient::new(url, None)
            .unwrap()
            .enrol(&gatecare_sync::EnrolRequest {
                code,
                name: name.into(),
                signing_kid: None,
                signing_public_key: None,
            })
            .await
            .unwrap();
        Till { url: url.to_owned(), token: enrolled.token }
    }

    pub async fn redeem(&self, redemption_id: uuid::Uuid, qr: &str) -> RedeemResponse {
        reqwest::Client::new()
            .post(format!("{}/v1/vouchers/redeem", self.url))
            .bearer_auth(&self.token)
            .json(&RedeemRequest { redemption_id, qr: qr.to_owned(), offline_at: None })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

on_both_backends!(story);

async fn story<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();

    // Enrolment: both kiosks' signing keys are certified into the trust list.
    // Two gate consoles: agents record disruptions and issue there.
    let a = Kiosk::enrol_console(&c, &url, "HKG-K01").await;
    let b = Kiosk::enrol_console(&c, &url, "HKG-K02").await;
    assert_eq!(a.enrolment.station, "HKG");
    let trust = trust::trust_list(&c, now()).await.unwrap();
    let kids: Vec<&str> = trust.devices.iter().map(|d| d.kid.as_str()).collect();
    assert_eq!(kids, ["HKG-K01#1", "HKG-K02#1"]);

    // A issues; central stores it once; B learns of it and will not issue it.
    let first = a.issue(0).await.unwrap();
    let round = a.sync().await;
    assert_eq!(round.pushed, 1);
    let t = c.db.totals().await.unwrap();
    assert_eq!((t.events, t.entitlements_issued, t.conflicts), (1, 1, 0));
    b.sync().await;
    match b.issue(0).await {
        // Named by its own code, as the agents know it.
        Err(LedgerError::IssuedElsewhere(device)) => assert_eq!(device, a.code),
        other => panic!("B issued what A had issued: {other:?}"),
    }
    // B also received the trust list with both keys.
    let stored_trust: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'trust_list'")
        .fetch_one(b.store.pool())
        .await
        .unwrap();
    assert!(stored_trust.contains("HKG-K01#1") && stored_trust.contains("HKG-K02#1"));

    // Both offline, both issue the same entitlement: the first to reach
    // central wins, the other's voucher goes on the void list.
    let va = a.issue(1).await.unwrap();
    let vb = b.issue(1).await.unwrap();
    assert_eq!(va.entitlement_key, vb.entitlement_key);
    a.sync().await;
    let client_b = CentralClient::for_enrolment(&b.enrolment).unwrap();
    let pending = SyncStore(&b.store).unacked_events(100).await.unwrap();
    let resp = client_b.push(&pending).await.unwrap();
    let conflict =
        resp.acks.iter().find(|ack| matches!(ack.outcome, Outcome::Conflict { .. })).expect("a conflict ack");
    assert_eq!(
        conflict.outcome,
        Outcome::Conflict { winner_voucher_id: va.voucher_id.clone(), winner_device: a.enrolment.device_id }
    );
    // The same batch again: the identical answer, nothing stored twice.
    let before = c.db.totals().await.unwrap();
    let again = client_b.push(&pending).await.unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&resp).unwrap());
    assert_eq!(c.db.totals().await.unwrap(), before);
    SyncStore(&b.store).record_acks(&resp, now()).await.unwrap();
    b.sync().await;
    a.sync().await;
    let t = c.db.totals().await.unwrap();
    assert_eq!((t.entitlements_issued, t.conflicts, t.voids), (2, 1, 1));
    let reports = c.db.conflicts("HKG").await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].loser_voucher_id, vb.voucher_id);
    // Agents at both kiosks see the conflict; both know the void.
    for k in [&a, &b] {
        assert_eq!(SyncStore(&k.store).sync_conflicts().await.unwrap().len(), 1, "{}", k.code);
        assert!(k.store.is_on_void_list(&vb.voucher_id).await.unwrap(), "{}", k.code);
        assert_eq!(SyncStore(&k.store).sync_status().await.unwrap().backlog, 0);
    }

    // Redemption: exactly one of the two vouchers is redeemable.
    let till = Till::enrol(&c, &url, "Cafe de Coral T1").await;
    let (qa, qb) = (a.qr(&va.voucher_id).await, b.qr(&vb.voucher_id).await);
    let r1 = uuid::Uuid::now_v7();
    let ok = till.redeem(r1, &qa).await;
    assert!(ok.redeemed, "{ok:?}");
    let refused = till.redeem(uuid::Uuid::now_v7(), &qb).await;
    assert_eq!((refused.redeemed, refused.reason.as_str()), (false, "voided"));
    let twice = till.redeem(uuid::Uuid::now_v7(), &qa).await;
    assert_eq!((twice.redeemed, twice.reason.as_str()), (false, "already_redeemed"));
    let retry = till.redeem(r1, &qa).await;
    assert_eq!((retry.redeemed, retry.redeemed_at), (true, ok.redeemed_at));
    let forged = till.redeem(uuid::Uuid::now_v7(), &qa.replacen('A', "B", 1)).await;
    assert!(!forged.redeemed);
    assert_eq!(c.db.totals().await.unwrap().redemptions, 1);
    // The first voucher (pax 0) is still good and redeems once.
    let q0 = a.qr(&first.voucher_id).await;
    assert!(till.redeem(uuid::Uuid::now_v7(), &q0).await.redeemed);

    // A cloned kiosk: B's log under A's token, reusing A's seqs → 409.
    let client_a = CentralClient::for_enrolment(&a.enrolment).unwrap();
    let mut clone = SyncStore(&a.store).unacked_events(10).await.unwrap();
    assert!(clone.is_empty());
    clone = SyncStore(&b.store).unacked_events(10).await.unwrap();
    assert!(clone.is_empty());
    let mut forged_event = b_first_event(&b).await;
    forged_event.seq = 1;
    let before = c.db.totals().await.unwrap();
    match client_a.push(&[forged_event]).await {
        Err(e @ gatecare_link::SyncError::SeqClash(clash)) => {
            assert_eq!((clash.seq, clash.held_since), (1, Some(now())), "A's first push, on central's clock");
            assert_eq!(e.of_push(a.enrolment.device_id).code(), "sync.identity_clash")
        }
        other => panic!("a reused seq was accepted: {other:?}"),
    }
    assert_eq!(c.db.totals().await.unwrap(), before);

    // The online claim before issuing: A gets it, B is told it is taken,
    // and A's issuance then confirms its own claim (no conflict).
    let m = a.meal(3);
    let claim_a =
        claim_before_issue(&a.store, "HKG-K01", &m.passenger_id, &m.flight_id, m.kind, 1, now()).await;
    assert_eq!(claim_a.unwrap(), ClaimCheck::Granted);
    let claim_b =
        claim_before_issue(&b.store, "HKG-K02", &m.passenger_id, &m.flight_id, m.kind, 1, now()).await;
    assert!(matches!(claim_b, Err(LedgerError::IssuedElsewhere(_))), "{claim_b:?}");
    let conflicts_before = c.db.totals().await.unwrap().conflicts;
    a.issue(3).await.unwrap();
    a.sync().await;
    let t = c.db.totals().await.unwrap();
    assert_eq!((t.entitlements_issued, t.conflicts), (3, conflicts_before));

    // A delay entered at A's console reaches B: the same cause and new time.
    let flight_id = a.meal(0).flight_id;
    let agent_a =
        a.store.verify_pin("A1001", "246810", now(), LockoutPolicy::default()).await.unwrap().unwrap();
    let scheduled = a.day.flights.iter().find(|f| f.id.to_string() == flight_id).unwrap().scheduled_departure;
    let entry = gatecare_station::console::DisruptionEntry {
        kind: gatecare_station::console::EntryKind::Delay,
        cause: "weather".into(),
        expected_departure: Some(scheduled + Duration::hours(16)),
        delay_minutes: None,
        causes: None,
        departure_local: None,
        reroute_flight: None,
    };
    a.store
        .record_disruption(&flight_id, &entry, &agent_a, "HKG-K01", now() + Duration::minutes(5))
        .await
        .unwrap();
    a.sync().await;
    b.sync().await;
    let policy = gatecare_policy::Policy::default_policy();
    let seen = b.store.flight_view(&flight_id, &policy, now() + Duration::minutes(6)).await.unwrap();
    let d = seen.disruption.expect("B knows the disruption");
    assert_eq!((d.cause.as_str(), d.recorded_by.as_str(), d.delay_minutes), ("weather", "A1001", 16 * 60));

    // Agents come from central: a new agent signs in at A's console offline,
    // and a PIN change replaces the old one.
    let agent = |pin: &str| gatecare_server_database::AgentRecord {
        code: "A7001".into(),
        name: "Wong Siu Ming".into(),
        role: "supervisor".into(),
        station: "HKG".into(),
        pin_hash: gatecare_central::agents::hash_pin(pin).unwrap(),
    };
    agents::set_agent(&c.db, &agent("700100"), now()).await.unwrap();
    a.sync().await;
    let signed =
        a.store.verify_pin("A7001", "700100", now(), LockoutPolicy::default()).await.unwrap().unwrap();
    assert_eq!(signed.role, gatecare_policy::Role::Supervisor);
    agents::set_agent(&c.db, &agent("700200"), now()).await.unwrap();
    a.sync().await;
    assert!(a.store.verify_pin("A7001", "700100", now(), LockoutPolicy::default()).await.unwrap().is_err());
    assert!(a.store.verify_pin("A7001", "700200", now(), LockoutPolicy::default()).await.unwrap().is_ok());
    let mut bad = agent("700300");
    bad.role = "pilot".into();
    assert!(agents::set_agent(&c.db, &bad, now()).await.is_err());

    // A voucher B issues and central receives: it will outlive B's revocation.
    let kept = b.issue(5).await.unwrap();
    b.sync().await;

    // A lease of CZ342's issuance to A: B may neither issue nor claim.
    let flight = a.meal(2).flight_id;
    devices::lease_flight(
        &c.db,
        a.enrolment.device_id,
        "HKG",
        &flight,
        now() + Duration::hours(6),
        "D9001",
        now(),
    )
    .await
    .unwrap();
    b.sync().await;
    assert!(matches!(b.issue(2).await, Err(LedgerError::LeasedElsewhere(_))));
    let claim = ClaimRequest {
        entitlement_key: "CZ342/2026-11-22/X/meal/1".into(),
        voucher_id: "v-x".into(),
        flight_id: flight.clone(),
    };
    assert!(
        matches!(client_b.claim(&claim).await.unwrap(), ClaimResponse::Refused { reason, .. } if reason == "held_elsewhere")
    );
    assert_eq!(client_a.claim(&claim).await.unwrap(), ClaimResponse::Granted);
    assert_eq!(client_a.claim(&claim).await.unwrap(), ClaimResponse::Granted, "claims are idempotent");
    a.sync().await;
    assert!(a.issue(2).await.is_ok(), "the lease holder issues");

    // Revocation: B's token stops working and its key leaves the trust
    // list's devices. What central had received from B by then stays valid;
    // what B's key signs afterwards (a thief's backdated voucher) does not.
    // A moment after central received B's last push (its clock stands at now()).
    let later = now() + Duration::seconds(1);
    assert!(trust::revoke(&c, b.enrolment.device_id, later, later).await.unwrap().is_some());
    // The thief reads B's key off its disk and signs a copy of a kept
    // voucher under a new id, dated as the original.
    let secret: String = sqlx::query_scalar("SELECT secret_hex FROM device_keys WHERE kid = 'HKG-K02#1'")
        .fetch_one(b.store.pool())
        .await
        .unwrap();
    let stolen = ed25519_dalek::SigningKey::from_bytes(
        &(0..32)
            .map(|i| u8::from_str_radix(&secret[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap(),
    );
    let original = gatecare_voucher::signed::decode(&b.qr(&kept.voucher_id).await).unwrap().payload;
    let copy = gatecare_voucher::signed::VoucherPayload { voucher_id: uuid::Uuid::now_v7(), ..original };
    let backdated = gatecare_voucher::signed::sign(&copy, "HKG-K02#1", &stolen);
    match client_b.pull(0, 10).await {
        Err(gatecare_link::SyncError::Revoked) => {}
        other => panic!("a revoked device pulled: {other:?}"),
    }
    let trust = trust::trust_list(&c, now()).await.unwrap();
    assert_eq!(trust.devices.iter().map(|d| d.kid.as_str()).collect::<Vec<_>>(), ["HKG-K01#1"]);
    assert_eq!(trust.revoked.iter().map(|r| r.cert.kid.as_str()).collect::<Vec<_>>(), ["HKG-K02#1"]);
    let kept_ids: Vec<String> = trust.revoked[0].kept.iter().map(|k| k.voucher_id.to_string()).collect();
    assert_eq!(kept_ids, std::slice::from_ref(&kept.voucher_id), "vb was voided");
    let q = b.qr(&vb.voucher_id).await;
    assert_eq!(till.redeem(uuid::Uuid::now_v7(), &q).await.reason, "key_revoked");
    assert_eq!(till.redeem(uuid::Uuid::now_v7(), &backdated).await.reason, "key_revoked");
    let q = b.qr(&kept.voucher_id).await;
    assert!(till.redeem(uuid::Uuid::now_v7(), &q).await.redeemed, "received before the revocation");
    // Offline, with the trust list a merchant keeps: the same rules.
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("trust.json");
    std::fs::write(&list, trust.to_json()).unwrap();
    let offline = |qr: String| {
        let list = list.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let at = now().to_rfc3339();
                let root = super::harness::root_fingerprint();
                let args = [
                    "voucher",
                    "verify",
                    &qr,
                    "--trust",
                    list.to_str().unwrap(),
                    "--root",
                    &root,
                    "--at",
                    &at,
                ];
                let out = crate::support::gatecare(&args, &[]);
                serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["reason"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .await
            .unwrap()
        }
    };
    assert_eq!(offline(backdated.clone()).await, "key_revoked");
    assert_eq!(offline(q.clone()).await, "valid");

    // Metrics count what happened.
    let text = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    assert!(text.contains("gatecare_conflicts_total 1"), "{text}");
    assert!(text.contains(&format!("gatecare_info{{backend=\"{}\"}} 1", c.db.backend_name())));
    assert_eq!(reqwest::get(format!("{url}/healthz")).await.unwrap().status(), 200);

    // Central down: the claim gives up quickly and the kiosk issues offline.
    drop(served);
    // (B: A holds CZ342's lease, so A would not need to ask.)
    let m = b.meal(4);
    let started = std::time::Instant::now();
    let claim =
        claim_before_issue(&b.store, "HKG-K02", &m.passenger_id, &m.flight_id, m.kind, 1, now()).await;
    assert_eq!(claim.unwrap(), ClaimCheck::Unreachable);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

async fn b_first_event(b: &Kiosk) -> gatecare_sync::Event {
    // Rebuild B's first event from its log (acknowledged, so not "unacked").
    let row: (String, String, String) =
        sqlx::query_as("SELECT event_id, kind, payload FROM sync_events WHERE seq = 1")
            .fetch_one(b.store.pool())
            .await
            .unwrap();
    gatecare_sync::Event {
        seq: 1,
        event_id: uuid::Uuid::parse_str(&row.0).unwrap(),
        kind: gatecare_sync::EventKind::parse(&row.1).unwrap(),
        at: now(),
        payload: serde_json::from_str(&row.2).unwrap(),
    }
}
