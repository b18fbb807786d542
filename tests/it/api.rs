//! The device's API as the window calls it (`gatecare-api`): the mode, the
//! kiosk's one passenger, the signed-in agent, the idle lock and approvals,
//! on a store loaded as a station gets its data.

use std::collections::HashMap;
use std::time::Duration;

use gatecare_api::agent::AgentIssue;
use gatecare_api::{ApiError, Device};
use gatecare_ledger::EntitlementKind;
use gatecare_station::Settings;

use crate::support::{TEST_NOW, seeded_store};

async fn device(mode: &str, idle_seconds: u32, dir: &tempfile::TempDir) -> (Device, gatecare_demo::DemoDay) {
    let path = dir.path().join("device.sqlite");
    let day = seeded_store(&path, 3).await;
    let env: HashMap<&str, String> = HashMap::from([
        ("GATECARE_DB", path.display().to_string()),
        ("GATECARE_MODE", mode.to_owned()),
        ("GATECARE_STATION", "HKG".to_owned()),
        ("GATECARE_DEVICE", "HKG-K01".to_owned()),
        ("GATECARE_NOW", TEST_NOW.to_owned()),
        ("GATECARE_KIOSK_IDLE", idle_seconds.to_string()),
        ("GATECARE_AGENT_IDLE", idle_seconds.to_string()),
    ]);
    let settings = Settings::from_sources(None, |k| env.get(k).cloned()).expect("settings");
    (Device::start(settings).await.expect("device"), day)
}

fn code<T: std::fmt::Debug>(r: Result<T, ApiError>) -> &'static str {
    r.expect_err("refused").code
}

#[tokio::test]
async fn a_kiosk_serves_the_passenger_who_scanned_and_nothing_of_an_agents() {
    let dir = tempfile::tempdir().unwrap();
    let (kiosk, day) = device("kiosk", 60, &dir).await;
    assert_eq!(code(kiosk.kiosk_view().await), "kiosk.no_session");
    assert_eq!(code(kiosk.agent_sign_in("A1001", "246810").await), "mode.forbidden");
    assert_eq!(code(kiosk.flight_board(false).await), "mode.forbidden");
    assert_eq!(code(kiosk.sync_conflicts().await), "mode.forbidden");
    assert_eq!(code(kiosk.kiosk_scan("not a boarding pass").await), "kiosk.not_a_pass");

    let p = day.passengers.iter().find(|p| p.group.is_none() && p.needs.is_empty()).unwrap();
    kiosk.kiosk_scan(&p.boarding_pass).await.expect("the pass opens its passenger");
    assert_eq!(kiosk.kiosk_session().unwrap().passenger_id, p.id.to_string());
    // Another booking's passenger is not reachable from this session.
    let stranger = day.passengers.iter().find(|o| o.pnr != p.pnr).unwrap();
    assert_eq!(code(kiosk.kiosk_switch(&stranger.id.to_string()).await), "kiosk.no_match");
    assert_eq!(kiosk.kiosk_session().unwrap().passenger_id, p.id.to_string());

    kiosk.kiosk_end().unwrap();
    assert_eq!(code(kiosk.kiosk_view().await), "kiosk.no_session");
}

#[tokio::test]
async fn a_console_needs_a_signed_in_agent_and_a_seniors_pin_above_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (console, day) = device("agent", 180, &dir).await;
    assert_eq!(code(console.agent_whoami()), "auth.signed_out");
    assert_eq!(code(console.flight_board(false).await), "auth.signed_out");
    assert_eq!(code(console.kiosk_view().await), "mode.forbidden");
    assert_eq!(code(console.agent_sign_in("A1001", "000000").await), "auth.bad_credentials");

    let me = console.agent_sign_in(" A1001 ", "246810").await.expect("sign in");
    assert_eq!(me.code, "A1001");
    assert!(!console.flight_board(false).await.unwrap().flights.is_empty());

    let cz342 = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let p = day.passengers.iter().find(|p| p.flight_id == cz342.id).unwrap();
    let goodwill = |approver: Option<(&str, &str)>| AgentIssue {
        passenger_id: p.id.to_string(),
        flight_id: cz342.id.to_string(),
        kind: EntitlementKind::Goodwill,
        ordinal: None,
        // Above an agent's limit at any stars (HKD 800 at most), within a supervisor's.
        amount: Some("900".into()),
        hotel_block_id: None,
        reason: Some("a night on the floor".into()),
        approver: approver
            .map(|(code, pin)| gatecare_api::agent::Approval { code: code.into(), pin: pin.into() }),
    };
    let refused = console.agent_issue(goodwill(None)).await.expect_err("above an agent's limit");
    assert_eq!(refused.code, "ledger.needs_approval.supervisor", "{refused:?}");
    // A wrong approver PIN is refused as a PIN, before anything is issued.
    assert_eq!(code(console.agent_issue(goodwill(Some(("S2001", "111111")))).await), "auth.bad_credentials");

    console.agent_sign_out();
    assert_eq!(code(console.agent_whoami()), "auth.signed_out");
}

#[tokio::test]
async fn an_idle_console_locks_and_its_own_background_refresh_does_not_keep_it_open() {
    let dir = tempfile::tempdir().unwrap();
    let (console, _day) = device("agent", 2, &dir).await;
    console.agent_sign_in("A1001", "246810").await.expect("sign in");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The board's minute refresh: not a use of the console.
    console.flight_board(true).await.expect("still signed in");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(code(console.agent_whoami()), "auth.idle_locked");
    assert_eq!(code(console.agent_whoami()), "auth.signed_out", "a locked session is forgotten");
}
