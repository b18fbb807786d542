//! One station, many devices (issue #21 §3, §5): what a kiosk issued is in
//! the console's picture of the flight once central has passed it on, and
//! a voided voucher's entitlement is issued again as a replacement that
//! central takes as such, not as a double issuance.

use gatecare_core::{Currency, Money};
use gatecare_ledger::EntitlementKind;
use gatecare_policy::Policy;
use gatecare_server_database::Database;
use gatecare_station::{AuthenticatedAgent, IssueContext, IssueRequest, LedgerError, LockoutPolicy};

use super::harness::{TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, now};

async fn agent(k: &Kiosk) -> AuthenticatedAgent {
    k.store.verify_pin("A1001", "246810", now(), LockoutPolicy::default()).await.unwrap().unwrap()
}

fn ctx<'a>(k: &'a Kiosk, actor: &'a AuthenticatedAgent, policy: &'a Policy) -> IssueContext<'a> {
    IssueContext::new(k.code, actor, policy, now())
}

on_both_backends!(the_console_sees_what_the_kiosk_issued);

async fn the_console_sees_what_the_kiosk_issued<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let policy = Policy::default_policy();
    let meal = kiosk.meal(0);
    let flight = meal.flight_id.clone();
    // At 23:00 at the airport the night's hotel is owed.
    let night = now() + chrono::Duration::hours(9);
    let before = console.store.flight_view(&flight, &policy, night).await.unwrap();
    // At 19:45 at the airport two meals are due to everyone: the board counts
    // every passenger owed one, a second meal as much as a first.
    let evening = now() + chrono::Duration::minutes(5 * 60 + 45);
    let owed = |store: &gatecare_station::Station| {
        let store = store.clone();
        let policy = policy.clone();
        let flight = flight.clone();
        async move {
            let station = gatecare_core::AirportCode::parse("HKG").unwrap();
            let board = store.station_board(&station, evening).await.unwrap();
            let board = store.with_care_owed(board, &policy, evening).await.unwrap();
            board.into_iter().find(|f| f.id == flight).unwrap().owed
        }
    };
    assert_eq!(owed(&console.store).await, 180);
    assert!(before.hotel_owed_unserved > 0, "the night's hotel is owed: {}", before.hotel_owed_unserved);

    // The kiosk prints a meal and a hotel room for passenger 0.
    let pax_agent = AuthenticatedAgent::kiosk(kiosk.code, "HKG");
    let k_ctx = ctx(&kiosk, &pax_agent, &policy);
    let issued_meal = kiosk.store.issue(&k_ctx, &meal).await.unwrap();
    let block: String = sqlx::query_scalar("SELECT id FROM hotel_blocks ORDER BY id LIMIT 1")
        .fetch_one(kiosk.store.pool())
        .await
        .unwrap();
    let hotel = IssueRequest {
        kind: EntitlementKind::Hotel,
        value: Money::new(90000, Currency::parse("HKD").unwrap()),
        hotel_block_id: Some(block),
        ..kiosk.meal(0)
    };
    kiosk.store.issue(&k_ctx, &hotel).await.unwrap();
    kiosk.sync().await;
    console.sync().await;

    // The console's passenger view lists both, marked with the kiosk, and
    // offers neither again.
    let a = agent(&console).await;
    let view = console.store.passenger_view(&meal.passenger_id, &flight, &a, &policy, now()).await.unwrap();
    let remote: Vec<_> = view.vouchers.iter().filter(|v| v.remote).collect();
    assert_eq!(remote.len(), 2, "{:?}", view.vouchers);
    let m =
        remote.iter().find(|v| v.kind == gatecare_ledger::EntitlementKind::Meal).expect("the kiosk's meal");
    assert_eq!((m.device.as_str(), m.serial.as_str()), ("HKG-K01", issued_meal.serial.as_str()));
    assert_eq!((m.value_minor, m.currency.as_str(), m.voided), (12000, "HKD", false));
    assert!(m.issued_at.is_some());
    let held = view
        .entitlements
        .iter()
        .find(|e| e.kind == gatecare_care::evaluate::CareKind::Meal && e.ordinal == 1)
        .and_then(|e| e.held.clone())
        .expect("the meal is held");
    assert_eq!((held.device.as_str(), held.remote), ("HKG-K01", true));
    assert!(view.booking.iter().any(|b| b.passenger_id == meal.passenger_id && b.has_hotel));

    // The flight counts the passenger as served and the room as given.
    let after = console.store.flight_view(&flight, &policy, night).await.unwrap();
    assert_eq!(after.served, before.served + 1);
    assert_eq!(after.hotel_owed_unserved, before.hotel_owed_unserved - 1);
    let row = console
        .store
        .priority_list(&flight, &policy)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.passenger.passenger_id == meal.passenger_id)
        .unwrap();
    assert_eq!(row.vouchers, 2);

    // Bulk issuance at the console skips her as issued elsewhere and serves
    // the others.
    let c_ctx = IssueContext { now: night, ..ctx(&console, &a, &policy) };
    let summary = gatecare_bulk::Bulk(&console.store)
        .issue_bulk(&c_ctx, &flight, EntitlementKind::Meal, |_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.elsewhere, 1, "{summary:?}");
    assert!(summary.issued > 0);
    // Every passenger now holds both meals, one of them from the kiosk.
    assert_eq!(owed(&console.store).await, 0);

    // A delay with several causes reaches the kiosk with its causes.
    use gatecare_care::scenario::CauseInput;
    let entry = gatecare_station::console::DisruptionEntry {
        kind: gatecare_station::console::EntryKind::Delay,
        cause: String::new(),
        expected_departure: None,
        delay_minutes: Some(14 * 60),
        causes: Some(vec![
            CauseInput { cause: "41".into(), minutes: 600, inbound_cause: None },
            CauseInput { cause: "81".into(), minutes: 240, inbound_cause: None },
        ]),
        departure_local: None,
        reroute_flight: None,
    };
    console.store.record_disruption(&flight, &entry, &a, console.code, night).await.unwrap();
    console.sync().await;
    kiosk.sync().await;
    let seen = kiosk.store.flight_view(&flight, &policy, night).await.unwrap();
    let d = seen.disruption.expect("the disruption");
    assert_eq!((d.cause.as_str(), d.causes.len()), ("technical", 2), "{:?}", d.causes);
}

on_both_backends!(a_voided_voucher_is_replaced_not_issued_twice);

async fn a_voided_voucher_is_replaced_not_issued_twice<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let policy = Policy::default_policy();
    let a = agent(&console).await;
    let c_ctx = ctx(&console, &a, &policy);
    let meal = console.meal(1);

    let first = console.store.issue(&c_ctx, &meal).await.unwrap();
    console.store.void(&c_ctx, &first.voucher_id, "torn at the till").await.unwrap();
    // Bulk and plain issuance never replace; a kiosk never does.
    assert!(matches!(console.store.issue(&c_ctx, &meal).await, Err(LedgerError::Voided(_))));
    let pax_agent = AuthenticatedAgent::kiosk(console.code, "HKG");
    assert!(matches!(
        console.store.issue_or_replace(&ctx(&console, &pax_agent, &policy), &meal).await,
        Err(LedgerError::Voided(_))
    ));
    // The agent's replacement: a new voucher for the same entitlement.
    let second = console.store.issue_or_replace(&c_ctx, &meal).await.unwrap();
    assert_ne!(second.voucher_id, first.voucher_id);
    assert_eq!(second.entitlement_key, first.entitlement_key);
    assert!(!second.reprint);
    // Again is a reprint of the replacement, not a third voucher.
    let again = console.store.issue_or_replace(&c_ctx, &meal).await.unwrap();
    assert!(again.reprint && again.voucher_id == second.voucher_id);
    let view =
        console.store.passenger_view(&meal.passenger_id, &meal.flight_id, &a, &policy, now()).await.unwrap();
    let old = view.vouchers.iter().find(|v| v.voucher_id == first.voucher_id).unwrap();
    assert_eq!(old.void_reason.as_deref(), Some("torn at the till"));
    let new = view.vouchers.iter().find(|v| v.voucher_id == second.voucher_id).unwrap();
    assert_eq!(new.replaces.as_deref(), Some(first.voucher_id.as_str()));
    let meal_row =
        view.entitlements.iter().find(|e| e.kind == gatecare_care::evaluate::CareKind::Meal).unwrap();
    assert_eq!(meal_row.held.as_ref().map(|h| h.serial.as_str()), Some(second.serial.as_str()));
    assert!(!meal_row.replaceable);
    assert!(console.store.verify_chains().await.unwrap().is_ok());

    // Central applies all three (issue, void, replacement): no conflict, and
    // the entitlement is the replacement's.
    console.sync().await;
    let acks: Vec<String> = sqlx::query_scalar("SELECT outcome FROM sync_acks ORDER BY seq")
        .fetch_all(console.store.pool())
        .await
        .unwrap();
    assert!(acks.iter().all(|o| o.contains(r#""result":"applied""#)), "{acks:?}");
    let t = c.db.totals().await.unwrap();
    assert_eq!(t.conflicts, 0);
    let voids = c.db.void_list().await.unwrap();
    assert!(voids.iter().any(|v| v.voucher_id == first.voucher_id));
    assert!(!voids.iter().any(|v| v.voucher_id == second.voucher_id));

    // The kiosk learns of the replacement: it is issued elsewhere, not owed again.
    kiosk.sync().await;
    let pax_agent = AuthenticatedAgent::kiosk(kiosk.code, "HKG");
    match kiosk.store.issue(&ctx(&kiosk, &pax_agent, &policy), &meal).await {
        Err(LedgerError::IssuedElsewhere(device)) => assert_eq!(device, "HKG-G19"),
        other => panic!("the kiosk issued a replaced entitlement: {other:?}"),
    }
}

on_both_backends!(a_consoles_bulk_issuance_claims_first_and_issues_nothing_held_elsewhere);

/// Found in review: bulk issuance at a console did not claim at central, so
/// a meal a kiosk had just claimed and printed (its push not sent yet) was
/// printed again by the console, and central voided one of the two printed
/// vouchers when they met. Bulk now claims every entitlement, in batches,
/// before it issues.
async fn a_consoles_bulk_issuance_claims_first_and_issues_nothing_held_elsewhere<D: Database>(db: D) {
    use gatecare_link::{ClaimCheck, claim_before_issue};
    // At 16:00 in Hong Kong, when CZ342's first meal is owed.
    let at = now() + chrono::Duration::hours(2) + chrono::Duration::microseconds(431_007);
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let console = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    clock.set(at);
    kiosk.sync_at(at).await;
    console.sync_at(at).await;
    let policy = Policy::default_policy();
    // The kiosk prints passenger 0's meal; its push has not gone yet.
    let pax_agent = AuthenticatedAgent::kiosk(kiosk.code, "HKG");
    let k_ctx = IssueContext::new(kiosk.code, &pax_agent, &policy, at);
    let printed = kiosk.store.issue_claimed(&k_ctx, &kiosk.meal(0), false).await.unwrap();
    // Passenger 1 is still at the kiosk's screen: the meal is claimed.
    let m1 = kiosk.meal(1);
    let claimed =
        claim_before_issue(&kiosk.store, kiosk.code, &m1.passenger_id, &m1.flight_id, m1.kind, 1, at);
    assert_eq!(claimed.await.unwrap(), ClaimCheck::Granted);
    let conflicts = c.db.totals().await.unwrap().conflicts;

    let bulk = console.bulk_meals(&[0, 1, 2, 3], at).await;
    assert_eq!((bulk.issued, bulk.elsewhere, bulk.skipped), (2, 2, 0), "{bulk:?}");
    // The console's claims hold before it pushes anything: the kiosk hears
    // that passenger 2's meal is held elsewhere.
    let m2 = kiosk.meal(2);
    let r =
        claim_before_issue(&kiosk.store, kiosk.code, &m2.passenger_id, &m2.flight_id, m2.kind, 1, at).await;
    assert!(matches!(r, Err(LedgerError::IssuedElsewhere(_))), "{r:?}");
    // When every voucher has arrived, none was issued twice and none voided.
    kiosk.sync_at(at).await;
    console.sync_at(at).await;
    assert_eq!(c.db.totals().await.unwrap().conflicts, conflicts);
    for v in bulk.vouchers.iter().chain([&printed]) {
        assert!(c.db.void_of(&v.voucher_id).await.unwrap().is_none(), "{} stands", v.voucher_id);
    }
    // The same bulk again claims what it issued (its own: granted) and
    // issues nothing new.
    let again = console.bulk_meals(&[0, 1, 2, 3], at).await;
    assert_eq!((again.issued, again.elsewhere), (0, 2), "{again:?}");

    // Central answers and refuses the claims (here: an administrator made
    // the device a kiosk): nothing is issued unclaimed behind its back.
    let id = console.enrolment.device_id;
    gatecare_central::devices::set_role(&c.db, id, gatecare_sync::DeviceRole::Kiosk, at).await.unwrap();
    let agent =
        console.store.verify_pin("A1001", "246810", at, LockoutPolicy::default()).await.unwrap().unwrap();
    let ctx = IssueContext::new(console.code, &agent, &policy, at);
    let chosen = [4, 5].iter().map(|&i| console.meal(i).passenger_id).collect();
    let refused = gatecare_bulk::Bulk(&console.store)
        .issue_bulk_for(&ctx, &console.meal(4).flight_id, EntitlementKind::Meal, Some(&chosen), |_, _| {})
        .await;
    match refused {
        Err(LedgerError::Refused(why)) => assert!(why.contains("wrong_role"), "{why}"),
        other => panic!("a refused batch of claims: {other:?}"),
    }
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'issued'")
        .fetch_one(console.store.pool())
        .await
        .unwrap();
    assert_eq!(issued, 2, "only the first bulk's two");
    gatecare_central::devices::set_role(&c.db, id, gatecare_sync::DeviceRole::Console, at).await.unwrap();

    // Central gone: bulk goes on offline, and central settles it later.
    drop(served);
    let offline = console.bulk_meals(&[4, 5], at).await;
    assert_eq!((offline.issued, offline.elsewhere), (2, 0), "{offline:?}");
}

on_both_backends!(two_consoles_never_give_one_goodwill_number_twice);

/// Found in review: goodwill from resolving a complaint never claimed at
/// central, so two online consoles could both issue a passenger's goodwill
/// number and central voided one of the printed vouchers; an agent's own
/// goodwill at the second console was refused as "issued elsewhere". Both
/// now claim first, moving past a number another console holds.
async fn two_consoles_never_give_one_goodwill_number_twice<D: Database>(db: D) {
    use gatecare_recovery::{Actor, Category, Change, Remedy, Severity};
    use gatecare_station::grant::AgentGrant;
    let clock = TestClock::at(now() + chrono::Duration::microseconds(118_211));
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let g19 = Kiosk::enrol_console(&c, &url, "HKG-G19").await;
    let g20 = Kiosk::enrol_console(&c, &url, "HKG-G20").await;
    let policy = Policy::default_policy();
    let pax = g19.meal(0);
    let goodwill = AgentGrant {
        passenger_id: pax.passenger_id.clone(),
        flight_id: pax.flight_id.clone(),
        kind: EntitlementKind::Goodwill,
        ordinal: None,
        amount: Some("20".into()),
        hotel_block_id: None,
        reason: "nine hours without news".into(),
    };
    // Gate 19 gives goodwill; its push has not gone yet.
    let a19 = agent(&g19).await;
    let first = g19.store.grant(&ctx(&g19, &a19, &policy), "HKG", &goodwill, None).await.unwrap();
    // Gate 20 resolves the passenger's complaint with a voucher, then gives
    // goodwill as well: each takes the next number central has free.
    let a20 = agent(&g20).await;
    let by = Actor::Agent(gatecare_station::cases::agent_ref(&a20));
    let complaint = gatecare_station::cases::NewCase {
        passenger_id: pax.passenger_id.clone(),
        flight_id: pax.flight_id.clone(),
        category: Category::DelayHandling,
        severity: Severity::Medium,
        description: "九个小时没有人解释延误原因。 Nine hours and nobody told us why.".into(),
    };
    let case = g20.store.open_case(&complaint, by, &policy, now()).await.unwrap();
    g20.store.update_case(case.opened.case_id, Change::Take, &a20, now()).await.unwrap();
    let hkd = Money::new(3000, Currency::parse("HKD").unwrap());
    let (_, second) = g20
        .store
        .resolve_case_issuing(
            &ctx(&g20, &a20, &policy),
            case.opened.case_id,
            vec![Remedy::Apology, Remedy::Voucher { value: hkd }],
            "",
            None,
            2,
        )
        .await
        .unwrap();
    let second = second.expect("the case's voucher");
    let third = g20.store.grant(&ctx(&g20, &a20, &policy), "HKG", &goodwill, None).await.unwrap();
    let numbers: Vec<&str> =
        [&first, &second, &third].iter().map(|v| v.entitlement_key.rsplit('/').next().unwrap()).collect();
    assert_eq!(numbers, ["1", "2", "3"]);
    // When all three arrive, none was issued twice and none is voided.
    let conflicts = c.db.totals().await.unwrap().conflicts;
    g19.sync().await;
    g20.sync().await;
    assert_eq!(c.db.totals().await.unwrap().conflicts, conflicts);
    for v in [&first, &second, &third] {
        assert!(c.db.void_of(&v.voucher_id).await.unwrap().is_none(), "{} stands", v.entitlement_key);
    }
}

on_both_backends!(a_console_revoked_before_its_bulk_issuance_prints_nothing);

/// A console revoked (stolen, or replaced) learns it from its bulk
/// issuance's claims: it prints nothing merchants would refuse, and stops
/// issuing, online or not.
async fn a_console_revoked_before_its_bulk_issuance_prints_nothing<D: Database>(db: D) {
    let at = now() + chrono::Duration::hours(2) + chrono::Duration::microseconds(77_013);
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let console = Kiosk::enrol_console(&c, &served.url(), "HKG-G19").await;
    clock.set(at);
    console.sync_at(at).await;
    gatecare_server::trust::revoke(&c, console.enrolment.device_id, at, at).await.unwrap().unwrap();
    let agent =
        console.store.verify_pin("A1001", "246810", at, LockoutPolicy::default()).await.unwrap().unwrap();
    let policy = Policy::default_policy();
    let ctx = IssueContext::new(console.code, &agent, &policy, at);
    let bulk = gatecare_bulk::Bulk(&console.store)
        .issue_bulk(&ctx, &console.meal(0).flight_id, EntitlementKind::Meal, |_, _| {})
        .await;
    assert!(matches!(bulk, Err(LedgerError::DeviceBarred(_))), "{bulk:?}");
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'issued'")
        .fetch_one(console.store.pool())
        .await
        .unwrap();
    assert_eq!(issued, 0);
    // Offline now: still nothing.
    drop(served);
    assert!(matches!(console.store.issue(&ctx, &console.meal(1)).await, Err(LedgerError::DeviceBarred(_))));
}
