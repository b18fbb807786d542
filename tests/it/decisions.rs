//! Decisions that can be replayed (issue #22 §3): every issued entitlement
//! records the rules' versions, the reference data's version, the policy by
//! its hash and the evaluation's inputs; `gatecare ledger explain` replays
//! it, after the policy has changed, and says so when a record was altered.

use chrono::{DateTime, Duration, Utc};
use gatecare_core::{Currency, Money};
use gatecare_ledger::EntitlementKind;
use gatecare_policy::DEFAULT_POLICY;
use gatecare_policy::Policy;
use gatecare_station::console::DisruptionEntry;
use gatecare_station::{IssueContext, IssueRequest, LockoutPolicy};

use crate::console::station;
use crate::support::gatecare;

/// 00:40 in Hong Kong on the 23rd, with a sub-second part: past local
/// midnight, the day after CZ342 (13:30 on the 22nd) was to leave.
fn past_midnight() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T16:40:07.318245Z").unwrap().to_utc()
}

#[tokio::test]
async fn a_voucher_is_explained_by_what_decided_it_after_the_policy_changed() {
    let (store, day, dir) = station().await;
    let path = dir.path().join("station.sqlite");
    let cz342 = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let flight = cz342.id.to_string();
    let pax: Vec<String> =
        day.passengers.iter().filter(|p| p.flight_id == cz342.id).map(|p| p.id.to_string()).take(2).collect();
    let agent = store
        .verify_pin("A1001", "246810", past_midnight(), LockoutPolicy::default())
        .await
        .unwrap()
        .unwrap();
    // Cancelled at 23:45, rebooked on tomorrow's 09:15.
    let told = past_midnight() - Duration::minutes(55) + Duration::milliseconds(412);
    store
        .record_disruption(
            &flight,
            &DisruptionEntry {
                kind: gatecare_station::console::EntryKind::Cancellation,
                cause: "41".into(),
                expected_departure: None,
                delay_minutes: None,
                causes: None,
                departure_local: Some("2026-11-23T09:15:00".parse().unwrap()),
                reroute_flight: Some("CZ3402".into()),
            },
            &agent,
            "HKG-C01",
            told,
        )
        .await
        .unwrap();

    let old = Policy::default_policy();
    let transport = |passenger: &str| IssueRequest {
        passenger_id: passenger.to_owned(),
        flight_id: flight.clone(),
        kind: EntitlementKind::Transport,
        ordinal: 1,
        value: Money::new(0, Currency::parse("HKD").unwrap()),
        statutory: true,
        customer_stars: 2,
        approver: None,
        reason: "transport to the hotel".into(),
        hotel_block_id: None,
        details: serde_json::json!({}),
    };
    let ctx = |policy| IssueContext::new("HKG-C01", &agent, policy, past_midnight());
    let first = store.issue(&ctx(&old), &transport(&pax[0])).await.unwrap();

    // The airline then changes its policy: hotels from 20:00, further meals
    // every three hours. The evaluation under it differs from the recorded one.
    let new_text = DEFAULT_POLICY
        .replace("hotel_from_local = \"21:00\"", "hotel_from_local = \"20:00\"")
        .replace("meal_interval_minutes = 240", "meal_interval_minutes = 180");
    let new = Policy::from_toml(&new_text).unwrap();
    assert_ne!(new.hash(), old.hash());
    let later = past_midnight() + Duration::minutes(3);
    let second = store.issue(&IssueContext { now: later, ..ctx(&new) }, &transport(&pax[1])).await.unwrap();
    let case = store.passenger_case(&flight, &pax[0], &new, later).await.unwrap().unwrap();
    let old_case = store.passenger_case(&flight, &pax[0], &old, past_midnight()).await.unwrap().unwrap();
    assert_ne!(
        serde_json::to_value(&case.evaluation.care).unwrap(),
        serde_json::to_value(&old_case.evaluation.care).unwrap(),
        "the new policy must change the evaluation for this test to mean anything"
    );

    // Each policy's text is stored once, under its hash.
    let stored: Vec<String> = sqlx::query_scalar("SELECT hash FROM decision_policies ORDER BY recorded_at")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(stored, vec![old.hash().to_owned(), new.hash().to_owned()]);

    // The old voucher is explained under the old policy and rules v1.
    let db = path.to_str().unwrap();
    let out = gatecare(&["ledger", "explain", &first.voucher_id, "--db", db], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for want in [
        "CN_MOT_2016 version 1 (in force from 2017-01-01)",
        old.hash(),
        "Replayed: the same decision",
        "HKG → KMG operated by CZ, cancellation",
        "transport 1 from 2026-11-22 13:30 HKT, owed — CN_MOT_2016: 航班正常管理规定 第二十九条(一)",
        "passengers told: 2026-11-22 23:45 HKT",
        "re-routed: 2026-11-23 09:15 HKT",
        "cause: technical",
        "evaluated at: 2026-11-23 00:40 HKT",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(!text.contains(new.hash()), "{text}");

    let out = gatecare(&["ledger", "explain", &second.voucher_id, "--db", db, "--json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reproduced"], true);
    assert_eq!(json["recorded"]["policy"], new.hash());
    assert_eq!(json["recorded"]["inputs"]["at"], "2026-11-23T00:43:07.318245+08:00");
    assert_eq!(json["recorded"]["rules"][0]["version"], 1);
    assert_eq!(json["recorded"]["reference"], gatecare_reference::version());

    // An unknown voucher is the user's mistake, said plainly.
    let out = gatecare(&["ledger", "explain", "0190-not-a-voucher", "--db", db], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no voucher 0190-not-a-voucher"));

    // The serial printed on the voucher finds it too, in any case.
    let out = gatecare(&["ledger", "explain", &second.serial.to_lowercase(), "--db", db], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&second.voucher_id));

    // A policy text altered after the decision is named as such.
    sqlx::query("UPDATE decision_policies SET toml = toml || '\n# edited' WHERE hash = ?")
        .bind(old.hash())
        .execute(store.pool())
        .await
        .unwrap();
    let out = gatecare(&["ledger", "explain", &first.voucher_id, "--db", db], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was altered after the decision"));
    sqlx::query("UPDATE decision_policies SET toml = ? WHERE hash = ?")
        .bind(old.text())
        .bind(old.hash())
        .execute(store.pool())
        .await
        .unwrap();

    // A record altered afterwards breaks the chain that covers it: explain
    // refuses to vouch for anything in the file.
    // (Someone with the file: the append-only trigger goes first.)
    sqlx::query("DROP TRIGGER ledger_events_no_update").execute(store.pool()).await.unwrap();
    sqlx::query(
        "UPDATE ledger_events SET details = json_set(details, '$.decision.item.citation', 'EU261 Art 9(1)(c)') \
         WHERE voucher_id = ? AND event = 'issued'",
    )
    .bind(&first.voucher_id)
    .execute(store.pool())
    .await
    .unwrap();
    let out = gatecare(&["ledger", "explain", &first.voucher_id, "--db", db], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("BROKEN: ledger record"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("hash chain is broken"));
    assert!(!text.contains("Replayed"), "{text}");
    assert_eq!(gatecare(&["ledger", "verify", "--db", db], &[]).status.code(), Some(1));
}
