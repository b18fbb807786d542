//! The gate console's queries and records, through the client API on a real
//! SQLite store: disruption entry and its checks, reminders, the priority
//! list, care owed on the board, upgrade candidates.

use chrono::{DateTime, Duration, Utc};
use gatecare_kiosk::Kiosk;
use gatecare_policy::Policy;
use gatecare_station::console::{DisruptionEntry, EntryKind};
use gatecare_station::{LedgerError, LockoutPolicy, Station};
use gatecare_store_sync::SyncStore;

use crate::support::seeded_store;

pub(crate) fn night() -> DateTime<Utc> {
    // 22:30 in Hong Kong: CZ342 (13:30) has waited nine hours.
    DateTime::parse_from_rfc3339("2026-11-22T14:30:00Z").unwrap().to_utc()
}

pub(crate) async fn station() -> (Station, gatecare_demo::DemoDay, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.sqlite");
    let day = seeded_store(&path, 3).await;
    (Station::open(&path).await.unwrap(), day, dir)
}

fn cz342(day: &gatecare_demo::DemoDay) -> String {
    day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap().id.to_string()
}

#[tokio::test]
async fn disruption_entry_is_checked_recorded_audited_and_synced() {
    let (store, day, _dir) = station().await;
    let flight = cz342(&day);
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    let scheduled = day.flights.iter().find(|f| f.id.to_string() == flight).unwrap().scheduled_departure;
    let entry = |kind: EntryKind, cause: &str, hours: Option<i64>| DisruptionEntry {
        kind,
        cause: cause.into(),
        expected_departure: hours.map(|h| scheduled + Duration::hours(h)),
        delay_minutes: None,
        causes: None,
        departure_local: None,
        reroute_flight: None,
    };
    // An unknown kind is refused as it is read, before anything is checked.
    let hijack = serde_json::from_value::<DisruptionEntry>(
        serde_json::json!({"kind": "hijack", "cause": "technical"}),
    );
    assert!(hijack.is_err(), "an unknown kind is not an entry");
    // Each problem has its own code, so the form shows it beside its field.
    for (bad, code) in [
        (entry(EntryKind::Delay, "gremlins", Some(14)), "disruption.cause_unknown"),
        (entry(EntryKind::Delay, "00", Some(14)), "disruption.cause_unknown"),
        (entry(EntryKind::Delay, "technical", None), "disruption.delay_out_of_range"),
        (entry(EntryKind::Delay, "technical", Some(-1)), "disruption.delay_out_of_range"),
        (entry(EntryKind::Delay, "technical", Some(100)), "disruption.delay_out_of_range"),
        // 14 h late, but 15 h of causes.
        (
            DisruptionEntry {
                causes: Some(vec![
                    gatecare_care::scenario::CauseInput {
                        cause: "81".into(),
                        minutes: 600,
                        inbound_cause: None,
                    },
                    gatecare_care::scenario::CauseInput {
                        cause: "41".into(),
                        minutes: 300,
                        inbound_cause: None,
                    },
                ]),
                ..entry(EntryKind::Delay, "technical", Some(14))
            },
            "disruption.causes_exceed_delay",
        ),
    ] {
        let r = store.record_disruption(&flight, &bad, &agent, "HKG-K01", night()).await;
        assert_eq!(r.as_ref().map_err(|e| e.code()).err(), Some(code), "{bad:?}: {r:?}");
    }
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM disruption_updates").fetch_one(store.pool()).await.unwrap();
    // IATA code 41 (aircraft defects) is a technical cause.
    store
        .record_disruption(&flight, &entry(EntryKind::Delay, "41", Some(14)), &agent, "HKG-K01", night())
        .await
        .unwrap();
    let after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM disruption_updates").fetch_one(store.pool()).await.unwrap();
    assert_eq!(after, before + 1, "bad entries stored nothing; the good one added a row");

    let policy = Policy::default_policy();
    let view = store.flight_view(&flight, &policy, night()).await.unwrap();
    let now = view.disruption.as_ref().unwrap();
    assert_eq!(
        (now.kind.as_str(), now.cause.as_str(), now.recorded_by.as_str()),
        ("delay", "technical", "A1001")
    );
    assert_eq!(now.delay_minutes, 14 * 60);
    // The code entered is kept beside its category, for the form to reopen with.
    assert_eq!(now.iata_code, Some(41));
    assert_eq!(view.updates.len() as i64, after, "every change kept, newest first");
    // Passengers hear again within 30 minutes of the change.
    assert_eq!(view.next_update_due, Some(night() + Duration::minutes(30)));
    assert!(!view.update_overdue);
    assert!(
        view.announcement_zh.contains("03:30") && view.announcement_zh.contains("23:00"),
        "{}",
        view.announcement_zh
    );
    assert!(
        view.announcement_zh.contains("前往昆明"),
        "the Chinese text names the city in Chinese: {}",
        view.announcement_zh
    );
    assert_eq!(view.destination_city_zh.as_deref(), Some("昆明"));
    assert!(view.announcement_en.contains("technical fault"), "{}", view.announcement_en);
    // An hour later without a new update, the reminder is overdue.
    let later = store.flight_view(&flight, &policy, night() + Duration::minutes(61)).await.unwrap();
    assert!(later.update_overdue);

    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'disruption.recorded' AND actor = 'A1001'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(audit, 1);
    let synced: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_events WHERE kind = 'disruption_updated'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(synced, 1);
    let pending = SyncStore(&store).unacked_events(10).await.unwrap();
    gatecare_sync::CheckedBatch::new(&pending).expect("a disruption event is a valid sync event");

    // The form sends hours and minutes; Rust makes the new departure of them.
    let by_minutes =
        DisruptionEntry { delay_minutes: Some(5 * 60 + 30), ..entry(EntryKind::Delay, "041", None) };
    store
        .record_disruption(&flight, &by_minutes, &agent, "HKG-K01", night() + Duration::minutes(5))
        .await
        .unwrap();
    let view = store.flight_view(&flight, &policy, night() + Duration::minutes(5)).await.unwrap();
    let now = view.disruption.as_ref().unwrap();
    assert_eq!((now.delay_minutes, now.iata_code, now.cause.as_str()), (330, Some(41), "technical"));
    assert_eq!(now.expected_departure, Some(view.scheduled_departure + Duration::minutes(330)));
    assert_eq!(view.updates[1].delay_minutes, 14 * 60, "the earlier record stays in the history");

    // Several causes with their minutes, as an MVT gives them: 45 min of an
    // aircraft defect, then 1 h 30 of an inbound aircraft held by weather.
    use gatecare_care::scenario::CauseInput;
    let part = |cause: &str, minutes, inbound: Option<&str>| CauseInput {
        cause: cause.into(),
        minutes,
        inbound_cause: inbound.map(str::to_owned),
    };
    let at = night() + Duration::minutes(10);
    let bad = DisruptionEntry {
        causes: Some(vec![part("41", 45, Some("weather"))]),
        delay_minutes: Some(135),
        ..entry(EntryKind::Delay, "", None)
    };
    let r = store.record_disruption(&flight, &bad, &agent, "HKG-K01", at).await;
    assert_eq!(r.map_err(|e| e.code()).err(), Some("disruption.causes_invalid"));
    let mixed = DisruptionEntry {
        causes: Some(vec![part("41", 45, None), part("93", 90, Some("weather"))]),
        delay_minutes: Some(135),
        ..entry(EntryKind::Delay, "", None)
    };
    store.record_disruption(&flight, &mixed, &agent, "HKG-K01", at).await.unwrap();
    let view = store.flight_view(&flight, &policy, at).await.unwrap();
    let now = view.disruption.as_ref().unwrap();
    assert_eq!((now.cause.as_str(), now.causes.len(), now.delay_minutes), ("weather", 2, 135));
    assert_eq!(now.causes[1].inbound_cause.as_deref(), Some("weather"));
    // The care engine weighs them: the evaluation says how.
    let pax: String = sqlx::query_scalar("SELECT passenger_id FROM segments WHERE flight_id = ? LIMIT 1")
        .bind(&flight)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let case = store.passenger_case(&flight, &pax, &policy, at).await.unwrap().unwrap();
    let weighed = case.evaluation.causes.expect("the weighing");
    assert_eq!(weighed.parts.len(), 2);
    assert_eq!(weighed.main, gatecare_care::cause::Cause::Weather);
    assert_eq!(weighed.eu_deducted_minutes, 90);
    // The record goes to the station's other devices with its causes.
    let last: String = sqlx::query_scalar(
        "SELECT payload FROM sync_events WHERE kind = 'disruption_updated' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(last.contains("\"inbound_cause\":\"weather\""), "{last}");
}

#[tokio::test]
async fn the_board_counts_care_owed_and_the_queue_puts_legal_priority_first() {
    let (store, day, _dir) = station().await;
    let flight = cz342(&day);
    let policy = Policy::default_policy();
    let from = night() - Duration::hours(20);
    let station = gatecare_core::AirportCode::parse("HKG").unwrap();
    let board = store.flight_board(&station, from, from + Duration::hours(30)).await.unwrap();
    let board = store.with_care_owed(board, &policy, night()).await.unwrap();
    let cz = board.iter().find(|f| f.id == flight).unwrap();
    assert_eq!((cz.owed, cz.served), (180, 0));
    assert!(board.iter().filter(|f| f.id != flight && f.delay_minutes == 0).all(|f| f.owed == 0));

    let rows = store.priority_list(&flight, &policy).await.unwrap();
    assert_eq!(rows.len(), 180);
    assert_eq!(rows[0].class, gatecare_care::priority::PriorityClass::LegalPriority);
    assert!(rows.iter().filter(|r| r.reach_out_first).all(|r| r.passenger.stars >= 5));
    let places: Vec<usize> = rows.iter().map(|r| r.place).collect();
    assert_eq!(places, (1..=180).collect::<Vec<_>>());
    // A flight the store does not know has no one to list, and is no error.
    assert!(store.priority_list("no-such-flight", &policy).await.unwrap().is_empty());

    let upgrades = store.upgrade_candidates(&flight, &policy).await.unwrap();
    assert!(upgrades.candidates.windows(2).all(|w| w[0].stars >= w[1].stars), "best customers first");
    assert!(upgrades.candidates.iter().all(|c| c.stars >= 4 || c.tier >= gatecare_core::LoyaltyTier::Gold));
}

#[tokio::test]
async fn bulk_issuance_for_a_selection_touches_only_the_ticked_passengers() {
    let (store, day, _dir) = station().await;
    let flight = cz342(&day);
    let policy = Policy::default_policy();
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    let rows = store.priority_list(&flight, &policy).await.unwrap();
    let picked: std::collections::HashSet<String> =
        rows.iter().rev().take(3).map(|r| r.passenger.passenger_id.clone()).collect();
    let ctx = gatecare_station::IssueContext::new("HKG-K01", &agent, &policy, night());
    let mut calls = Vec::new();
    let summary = gatecare_bulk::Bulk(&store)
        .issue_bulk_for(&ctx, &flight, gatecare_ledger::EntitlementKind::Meal, Some(&picked), |d, t| {
            calls.push((d, t))
        })
        .await
        .unwrap();
    assert_eq!(calls.last(), Some(&(3, 3)), "progress counts the selection");
    assert!(summary.issued >= 3, "{summary:?}");
    let holders: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT passenger_id FROM ledger_events WHERE flight_id = ? AND event = 'issued'",
    )
    .bind(&flight)
    .fetch_all(store.pool())
    .await
    .unwrap();
    let holders: std::collections::HashSet<String> = holders.into_iter().collect();
    assert_eq!(holders, picked);
}

#[tokio::test]
async fn a_booking_shares_rooms_three_to_a_room() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    // The largest booking of the day that is not a tour group (a family).
    let mut by_pnr: std::collections::HashMap<String, Vec<&gatecare_demo::Passenger>> = Default::default();
    for p in day.passengers.iter().filter(|p| p.group.is_none()) {
        by_pnr.entry(format!("{}/{}", p.flight_id, p.pnr)).or_default().push(p);
    }
    let family = by_pnr.values().max_by_key(|v| v.len()).unwrap();
    assert!(family.len() >= 2, "the demo has families");
    let flight = family[0].flight_id.to_string();
    let _ = cz342(&day);
    let block: String =
        sqlx::query_scalar("SELECT id FROM hotel_blocks WHERE station = 'HKG' ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let left = || async {
        sqlx::query_scalar::<_, i64>("SELECT rooms_left FROM hotel_blocks WHERE id = ?")
            .bind(&block)
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    let before = left().await;
    let ctx = gatecare_station::IssueContext::new("HKG-K01", &agent, &policy, night());
    let hotel = |passenger_id: &str| gatecare_station::IssueRequest {
        passenger_id: passenger_id.to_owned(),
        flight_id: flight.clone(),
        kind: gatecare_ledger::EntitlementKind::Hotel,
        ordinal: 1,
        value: gatecare_core::Money::new(110_000, gatecare_core::Currency::parse("HKD").unwrap()),
        statutory: true,
        customer_stars: 2,
        approver: None,
        reason: "hotel owed".into(),
        hotel_block_id: Some(block.clone()),
        details: serde_json::json!({}),
    };
    for p in family.iter() {
        store.issue(&ctx, &hotel(&p.id.to_string())).await.unwrap();
    }
    let rooms = (family.len() as i64 + 2) / 3;
    assert_eq!(before - left().await, rooms, "{} guests", family.len());
    // Someone travelling alone takes a room of their own.
    let single = by_pnr.values().find(|v| v.len() == 1 && v[0].flight_id.to_string() == flight).unwrap()[0];
    let before = left().await;
    store.issue(&ctx, &hotel(&single.id.to_string())).await.unwrap();
    assert_eq!(before - left().await, 1);
    let view =
        store.passenger_view(&family[0].id.to_string(), &flight, &agent, &policy, night()).await.unwrap();
    assert_eq!(view.booking.len(), family.len());
    assert!(view.booking.iter().all(|m| m.has_hotel));
}

#[tokio::test]
async fn a_cancellation_records_its_re_routing_in_the_airports_time_or_that_it_is_not_yet_known() {
    let (store, day, _dir) = station().await;
    let flight = cz342(&day);
    let policy = Policy::default_policy();
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    let cancel = |local: Option<&str>, reroute: Option<&str>| DisruptionEntry {
        kind: gatecare_station::console::EntryKind::Cancellation,
        cause: "technical".into(),
        expected_departure: None,
        delay_minutes: None,
        causes: None,
        departure_local: local.map(|t| t.parse().unwrap()),
        reroute_flight: reroute.map(str::to_owned),
    };
    for (bad, code) in [
        (cancel(Some("2026-11-23T09:15:00"), Some("??")), "disruption.reroute_flight_invalid"),
        (cancel(Some("2026-11-27T09:15:00"), Some("CZ3402")), "disruption.reroute_out_of_range"),
    ] {
        let r = store.record_disruption(&flight, &bad, &agent, "HKG-C01", night()).await;
        assert_eq!(r.as_ref().map_err(|e| e.code()).err(), Some(code), "{bad:?}: {r:?}");
    }

    // Not yet known: cancelled, no time anywhere, care at once.
    store.record_disruption(&flight, &cancel(None, None), &agent, "HKG-C01", night()).await.unwrap();
    let view = store.flight_view(&flight, &policy, night()).await.unwrap();
    let d = view.disruption.as_ref().unwrap();
    assert_eq!(
        (d.kind.as_str(), d.expected_departure, d.reroute_flight.as_deref()),
        ("cancellation", None, None)
    );
    assert!(view.announcement_en.contains("is cancelled") && !view.announcement_en.contains("rebooked"));

    // Then the re-routing, typed as the airport's clock shows it.
    let entry = cancel(Some("2026-11-23T09:15:00"), Some("cz 3402"));
    store.record_disruption(&flight, &entry, &agent, "HKG-C01", night()).await.unwrap();
    let view = store.flight_view(&flight, &policy, night()).await.unwrap();
    let d = view.disruption.as_ref().unwrap();
    assert_eq!(d.expected_departure, Some("2026-11-23T01:15:00Z".parse().unwrap()));
    assert_eq!(d.reroute_flight.as_deref(), Some("CZ3402"));
    assert!(
        view.announcement_en
            .contains("rebooked on flight CZ3402, departing at 09:15 tomorrow, Monday 23 November"),
        "{}",
        view.announcement_en
    );
    assert!(
        view.announcement_zh.contains("CZ3402航班，明天（11月23日）09:15起飞"),
        "{}",
        view.announcement_zh
    );
    // The care crate's China rules: a hotel for the night, from when the passengers were told.
    let hotel = view.timeline.iter().find(|i| i.kind == gatecare_care::CareKind::Hotel).expect("a hotel");
    assert!(hotel.due && hotel.from <= night(), "{hotel:?}");
    // One passenger travels on another flight: their own time everywhere, the others keep the flight's.
    let rows = store.priority_list(&flight, &policy).await.unwrap();
    let (mover, stayer) = (&rows[10].passenger, &rows[11].passenger);
    let own = gatecare_station::console::PassengerReroute {
        reroute_flight: Some("CZ3404".into()),
        departure_local: "2026-11-23T20:00:00".parse().unwrap(),
    };
    let bad = gatecare_station::console::PassengerReroute {
        departure_local: "2026-11-29T20:00:00".parse().unwrap(),
        ..own.clone()
    };
    assert!(matches!(
        store.reroute_passenger(&flight, &mover.passenger_id, &bad, &agent, "HKG-C01", night()).await,
        Err(LedgerError::Invalid(_))
    ));
    store.reroute_passenger(&flight, &mover.passenger_id, &own, &agent, "HKG-C01", night()).await.unwrap();
    let pv = store.passenger_view(&mover.passenger_id, &flight, &agent, &policy, night()).await.unwrap();
    let r = pv.reroute.expect("the passenger's own re-routing");
    assert_eq!(
        (r.reroute_flight.as_deref(), r.departure),
        (Some("CZ3404"), "2026-11-23T12:00:00Z".parse().unwrap())
    );
    let session =
        |p: &str| gatecare_kiosk::KioskSession { passenger_id: p.to_owned(), flight_id: flight.clone() };
    let kv = Kiosk(&store).kiosk_view(&session(&mover.passenger_id), &policy, night()).await.unwrap();
    assert_eq!(
        (kv.flight.expected_local.as_deref(), kv.flight.reroute_flight.as_deref()),
        (Some("20:00"), Some("CZ3404"))
    );
    let kv = Kiosk(&store).kiosk_view(&session(&stayer.passenger_id), &policy, night()).await.unwrap();
    assert_eq!(
        (kv.flight.expected_local.as_deref(), kv.flight.reroute_flight.as_deref()),
        (Some("09:15"), Some("CZ3402"))
    );
    let synced: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_events WHERE kind = 'passenger_rerouted'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(synced, 1);

    // One meal timeline everywhere: the flight's timeline gives each item the
    // time the passenger panel (and so bulk issuance) gives it.
    let view = store.flight_view(&flight, &policy, night()).await.unwrap();
    let panel = store.passenger_view(&stayer.passenger_id, &flight, &agent, &policy, night()).await.unwrap();
    for item in &view.timeline {
        let same = panel.entitlements.iter().find(|e| e.kind == item.kind && e.ordinal == item.ordinal);
        assert_eq!(same.map(|e| e.from), Some(item.from), "{item:?}");
    }

    // The history keeps both (after the demo's own delay), newest first.
    let kinds: Vec<_> =
        view.updates.iter().map(|u| (u.kind.as_str(), u.expected_departure.is_some())).collect();
    assert_eq!(kinds[..2], [("cancellation", true), ("cancellation", false)]);
}

/// A stored list of causes that no longer reads (another device's entry, an
/// older build's) leaves the flight judged by its main cause; the board and
/// the flight's view still open.
#[tokio::test]
async fn a_stored_cause_list_that_does_not_read_does_not_take_the_board_down() {
    let (store, day, _dir) = station().await;
    let flight = cz342(&day);
    let policy = Policy::default_policy();
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    let scheduled = day.flights.iter().find(|f| f.id.to_string() == flight).unwrap().scheduled_departure;
    let entry = DisruptionEntry {
        kind: gatecare_station::console::EntryKind::Delay,
        cause: "technical".into(),
        expected_departure: Some(scheduled + Duration::hours(14)),
        delay_minutes: None,
        causes: Some(vec![
            gatecare_care::scenario::CauseInput { cause: "41".into(), minutes: 600, inbound_cause: None },
            gatecare_care::scenario::CauseInput { cause: "81".into(), minutes: 240, inbound_cause: None },
        ]),
        departure_local: None,
        reroute_flight: None,
    };
    store.record_disruption(&flight, &entry, &agent, "HKG-C01", night()).await.unwrap();
    sqlx::query("UPDATE disruption_updates SET causes = '[{\"cause\": \"41\", \"minutes\": 9000}]' WHERE flight_id = ?")
        .bind(&flight)
        .execute(store.pool())
        .await
        .unwrap();
    let view = store.flight_view(&flight, &policy, night()).await.unwrap();
    assert!(view.disruption.is_some());
    let station = gatecare_core::AirportCode::parse("HKG").unwrap();
    let board = store.station_board(&station, night()).await.unwrap();
    let board = store.with_care_owed(board, &policy, night()).await.unwrap();
    assert!(board.iter().any(|f| f.id == flight && f.owed > 0));
}

#[tokio::test]
async fn an_agents_grant_is_priced_and_checked_in_the_station_api() {
    use gatecare_ledger::EntitlementKind;
    use gatecare_station::grant::AgentGrant;

    let (store, day, _dir) = station().await;
    let flight = cz342(&day);
    let policy = Policy::default_policy();
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    let passenger = store.priority_list(&flight, &policy).await.unwrap()[0].passenger.passenger_id.clone();
    let ctx = gatecare_station::IssueContext::new("HKG-K01", &agent, &policy, night());
    let grant = |kind, ordinal, amount: Option<&str>| AgentGrant {
        passenger_id: passenger.clone(),
        flight_id: flight.clone(),
        kind,
        ordinal,
        amount: amount.map(str::to_owned),
        hotel_block_id: None,
        reason: String::new(),
    };
    let issued = || async {
        sqlx::query_as::<_, (String, i64, String)>(
            "SELECT kind, value_minor, currency FROM ledger_events WHERE passenger_id = ? AND event = 'issued' \
             ORDER BY seq",
        )
        .bind(&passenger)
        .fetch_all(store.pool())
        .await
        .unwrap()
    };

    // Refusals store nothing.
    let code = |r: Result<gatecare_station::Issued, LedgerError>| r.map(|_| ()).unwrap_err().code();
    let goodwill = grant(EntitlementKind::Goodwill, None, Some("12.345"));
    assert_eq!(code(store.grant(&ctx, "HKG", &goodwill, None).await), "goodwill.amount_invalid");
    let goodwill = grant(EntitlementKind::Goodwill, None, None);
    assert_eq!(code(store.grant(&ctx, "HKG", &goodwill, None).await), "goodwill.amount_invalid");
    let not_owed = grant(EntitlementKind::Meal, Some(9), None);
    assert_eq!(code(store.grant(&ctx, "HKG", &not_owed, None).await), "ledger.refused");
    let myself = store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().ok();
    let goodwill = grant(EntitlementKind::Goodwill, None, Some("50"));
    assert_eq!(code(store.grant(&ctx, "HKG", &goodwill, myself).await), "auth.same_person");
    assert!(issued().await.is_empty());

    // The amount as typed, read with HKD's two decimals; the meal at the
    // policy's amount for the station.
    store.grant(&ctx, "HKG", &grant(EntitlementKind::Goodwill, None, Some("50")), None).await.unwrap();
    store.grant(&ctx, "HKG", &grant(EntitlementKind::Meal, Some(1), None), None).await.unwrap();
    let (_, meal) = policy.meal_amount("HKG").unwrap();
    assert_eq!(
        issued().await,
        vec![("goodwill".to_owned(), 5_000, "HKD".to_owned()), ("meal".to_owned(), meal, "HKD".to_owned())]
    );
}

/// A cabin as the airline's systems send it (a name or a compartment
/// letter, any case) crosses to the screens as the one enum, so every
/// screen labels it: a stored `J` is business everywhere.
#[tokio::test]
async fn a_cabin_in_any_form_reaches_the_screens_as_the_enum() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let agent =
        store.verify_pin("A1001", "246810", night(), LockoutPolicy::default()).await.unwrap().unwrap();
    let flight = cz342(&day);
    let rows = store.priority_list(&flight, &policy).await.unwrap();
    let p = rows[0].passenger.passenger_id.clone();
    sqlx::query("UPDATE segments SET cabin = ' j' WHERE passenger_id = ? AND flight_id = ?")
        .bind(&p)
        .bind(&flight)
        .execute(store.pool())
        .await
        .unwrap();
    let view = store.passenger_view(&p, &flight, &agent, &policy, night()).await.unwrap();
    assert_eq!(view.cabin, gatecare_core::Cabin::Business);
    assert_eq!(serde_json::to_value(&view).unwrap()["cabin"], "business");
    let listed = store.manifest(&flight, &policy).await.unwrap();
    assert_eq!(listed.iter().find(|m| m.passenger_id == p).unwrap().cabin, gatecare_core::Cabin::Business);
    let session = gatecare_kiosk::KioskSession { passenger_id: p.clone(), flight_id: flight.clone() };
    let kv = Kiosk(&store).kiosk_view(&session, &policy, night()).await.unwrap();
    assert_eq!(kv.passenger.cabin, gatecare_core::Cabin::Business);
    // A cabin no one knows is a data error, not a silent economy.
    sqlx::query("UPDATE segments SET cabin = 'steerage' WHERE passenger_id = ? AND flight_id = ?")
        .bind(&p)
        .bind(&flight)
        .execute(store.pool())
        .await
        .unwrap();
    assert!(store.passenger_view(&p, &flight, &agent, &policy, night()).await.is_err());
}
