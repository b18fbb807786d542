//! Cases travel through the event log (issue #10 §5): a complaint opened at
//! a kiosk reaches the station's console, is worked there and the kiosk
//! sees the result; two consoles taking the same case offline end with
//! the same owner; central aggregates across stations, on both backends.

use chrono::{Duration, NaiveDate};
use gatecare_link::enrol_with_central;
use gatecare_policy::Policy;
use gatecare_recovery::{Actor, Category, Change, Opened, Remedy, Severity, Status};
use gatecare_server::enrolment;
use gatecare_server_database::Database;
use gatecare_station::cases::{NewCase, agent_ref};
use gatecare_station::{AuthenticatedAgent, LockoutPolicy, Station};
use gatecare_store_sync::SyncStore;
use gatecare_sync::{DeviceRole, EventKind};

use super::harness::{self, TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, now};

async fn agent(store: &Station, code: &str, pin: &str) -> AuthenticatedAgent {
    store.verify_pin(code, pin, now(), LockoutPolicy::default()).await.unwrap().unwrap()
}

on_both_backends!(cases_travel_between_devices_and_central_aggregates_them);

async fn cases_travel_between_devices_and_central_aggregates_them<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let policy = Policy::default_policy();
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-C01").await;
    let other = Kiosk::enrol_console(&c, &url, "HKG-C02").await;

    // A passenger complains at the kiosk.
    let f = kiosk.day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let p = kiosk.day.passengers.iter().find(|p| p.flight_id == f.id && p.loyalty.is_some()).unwrap();
    let new = NewCase {
        passenger_id: p.id.to_string(),
        flight_id: f.id.to_string(),
        category: Category::VoucherRefused,
        severity: Severity::High,
        description: "The restaurant refused my meal voucher".into(),
    };
    let case =
        kiosk.store.open_case(&new, Actor::Kiosk { device: "HKG-K01".into() }, &policy, now()).await.unwrap();
    let id = case.opened.case_id;
    kiosk.sync().await;
    console.sync().await;
    other.sync().await;
    let seen = console.store.case(id).await.unwrap().expect("the console received the case");
    assert_eq!(seen.opened, case.opened);
    assert_eq!(seen.status, Status::New);

    // Both consoles take it while offline; the earlier take wins everywhere.
    let a = agent(&console.store, "A1001", "246810").await;
    let b = agent(&other.store, "A1002", "135790").await;
    console.store.update_case(id, Change::Take, &a, now() + Duration::minutes(1)).await.unwrap();
    other.store.update_case(id, Change::Take, &b, now() + Duration::minutes(2)).await.unwrap();
    other.sync().await;
    console.sync().await;
    other.sync().await;
    kiosk.sync().await;
    for store in [&kiosk.store, &console.store, &other.store] {
        let c = store.case(id).await.unwrap().unwrap();
        assert_eq!(c.owner.as_ref().unwrap().code, "A1001");
        assert_eq!(c.history.len(), 2);
        assert!(
            c.history[1].refused.as_deref().unwrap_or_default().contains("already owned"),
            "{:?}",
            c.history
        );
    }

    // The owner resolves it with miles; the kiosk's copy says so.
    let remedies = vec![Remedy::Apology, Remedy::Miles { miles: 3000 }];
    let at = now() + Duration::minutes(30);
    console.store.resolve_case(id, remedies.clone(), "", &a, None, 2, &policy, at).await.unwrap();
    console.sync().await;
    kiosk.sync().await;
    let at_kiosk = kiosk.store.case(id).await.unwrap().unwrap();
    assert_eq!(at_kiosk.status, Status::Resolved);
    assert_eq!(at_kiosk.resolution.as_ref().unwrap().remedies, remedies);
    assert_eq!(at_kiosk.resolution.as_ref().unwrap().by, agent_ref(&a));

    // Another station's console opens two cases of its own.
    let pvg_code =
        enrolment::issue_enrolment_code(&c.db, "PVG", DeviceRole::Kiosk, Duration::hours(1), now())
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pvg = Station::open(&dir.path().join("pvg.sqlite")).await.unwrap();
    let pvg_enrolment =
        enrol_with_central(&pvg, &url, &pvg_code, &harness::root_fingerprint(), "PVG-C01", now())
            .await
            .unwrap();
    for n in 0..2u128 {
        let o = Opened {
            case_id: uuid::Uuid::now_v7(),
            station: "PVG".into(),
            flight_id: "mu-flight".into(),
            flight: "MU5101".into(),
            flight_date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            passenger_id: format!("pvg-pax-{n}"),
            passenger_name: "LI/NA".into(),
            pnr: "PVG123".into(),
            profile_key: format!("pax:pvg-pax-{n}"),
            category: Category::DelayHandling,
            severity: Severity::Medium,
            description: String::new(),
            opened_by: Actor::Kiosk { device: "PVG-K01".into() },
            at: now() - Duration::hours(80),
            first_answer_due: now() - Duration::hours(8),
            earlier_cases: 0,
        };
        SyncStore(&pvg)
            .record_event(EventKind::CaseOpened, &serde_json::to_value(&o).unwrap(), now())
            .await
            .unwrap();
    }
    let client = gatecare_link::CentralClient::for_enrolment(&pvg_enrolment).unwrap();
    gatecare_link::sync_once(&pvg, &client, &pvg_enrolment, "PVG-C01", now()).await.unwrap();
    // HKG's consoles do not receive PVG's cases.
    console.sync().await;
    let hkg_cases: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(console.store.pool()).await.unwrap();
    assert_eq!(hkg_cases, 1);

    // Central counts both stations; PVG's two are overdue.
    let from = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let s = gatecare_figures::recovery::summary(&c.db, &policy.recovery, from, to, now()).await.unwrap();
    let by: Vec<(&str, u32, u32, u32)> =
        s.stations.iter().map(|x| (x.station.as_str(), x.opened, x.open, x.overdue)).collect();
    assert_eq!(by, [("HKG", 1, 0, 0), ("PVG", 2, 2, 2)]);
    assert_eq!(s.overdue.len(), 2);
    assert_eq!(s.early_warning.total, 3);
    assert_eq!(s.skipped_events, 0);

    // The same over HTTP for a console; refused without a token or with a bad window.
    let http = reqwest::Client::new();
    let get = |q: &str| {
        http.get(format!("{url}/v1/recovery/summary?{q}")).bearer_auth(&console.enrolment.token).send()
    };
    let resp = get("from=2026-11-18&to=2026-11-22").await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["early_warning"]["total"], 3);
    assert_eq!(get("from=2026-11-22&to=2026-11-18").await.unwrap().status(), 400);
    // The console's client reads the same summary.
    let via_client = gatecare_link::CentralClient::for_enrolment(&console.enrolment)
        .unwrap()
        .recovery_summary(from, to)
        .await
        .unwrap();
    assert_eq!(via_client.stations.len(), 2);
    assert_eq!(via_client.early_warning.total, 3);
    assert_eq!(get("from=yesterday&to=2026-11-18").await.unwrap().status(), 400);
    let anonymous =
        http.get(format!("{url}/v1/recovery/summary?from=2026-11-18&to=2026-11-22")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    // A merchant's till redeems vouchers; it does not read complaints.
    let code = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Merchant, Duration::hours(1), now())
        .await
        .unwrap();
    let till: gatecare_sync::EnrolResponse = http
        .post(format!("{url}/v1/devices/enrol"))
        .json(&gatecare_sync::EnrolRequest {
            code,
            name: "Noodle bar".into(),
            signing_kid: None,
            signing_public_key: None,
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let merchant = http
        .get(format!("{url}/v1/recovery/summary?from=2026-11-18&to=2026-11-22"))
        .bearer_auth(&till.token)
        .send()
        .await
        .unwrap();
    assert_eq!(merchant.status(), 403);
}
