//! Service recovery on a real station store: a case opened at the kiosk,
//! taken by the first agent, handed off, answered, resolved within (and
//! above) authority, followed up; the passenger's memory, the star rating
//! reading it, the repeat flag, early-warning counts, and the sync log.

use chrono::Duration;
use gatecare_kiosk::Kiosk;
use gatecare_policy::Policy;
use gatecare_recovery::{Actor, Category, Change, Remedy, Severity, Status, Urgency};
use gatecare_station::cases::{NewCase, RecoveryError};
use gatecare_station::{AuthenticatedAgent, LockoutPolicy, Station};

use crate::console::{night, station};

async fn agent(store: &Station, code: &str, pin: &str) -> AuthenticatedAgent {
    store.verify_pin(code, pin, night(), LockoutPolicy::default()).await.unwrap().unwrap()
}

/// A CZ342 member without special needs (miles need a number).
fn member(day: &gatecare_demo::DemoDay, nth: usize) -> (String, String) {
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let p = day
        .passengers
        .iter()
        .filter(|p| p.flight_id == f.id && p.loyalty.is_some() && p.group.is_none())
        .nth(nth)
        .unwrap();
    (p.id.to_string(), f.id.to_string())
}

fn complaint(passenger_id: &str, flight_id: &str, category: Category) -> NewCase {
    NewCase {
        passenger_id: passenger_id.into(),
        flight_id: flight_id.into(),
        category,
        severity: Severity::Medium,
        description: "九个小时没有人解释延误原因。 Nine hours and nobody told us why.".into(),
    }
}

#[tokio::test]
async fn a_kiosk_complaint_is_owned_answered_resolved_with_miles_and_remembered() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let (pax, flight) = member(&day, 0);
    let kiosk = Actor::Kiosk { device: "HKG-K01".into() };
    let stars_before = store
        .passenger_view(&pax, &flight, &agent(&store, "A1001", "246810").await, &policy, night())
        .await
        .unwrap();

    let case = store
        .open_case(&complaint(&pax, &flight, Category::DelayHandling), kiosk.clone(), &policy, night())
        .await
        .unwrap();
    let id = case.opened.case_id;
    assert_eq!(case.status, Status::New);
    // A second tap about the same thing joins the open case.
    let again = store
        .open_case(&complaint(&pax, &flight, Category::DelayHandling), kiosk.clone(), &policy, night())
        .await
        .unwrap_err();
    assert_eq!(again.code(), "case.already_open");
    assert!(again.to_string().contains(&gatecare_station::cases::case_reference(id)), "{again}");
    assert_eq!(case.opened.first_answer_due, night() + Duration::hours(72));
    assert_eq!(case.opened.flight, "CZ342");
    assert!(case.opened.profile_key.starts_with("ff:"), "{}", case.opened.profile_key);
    assert_eq!(case.opened.earlier_cases, 0);

    // The first agent who takes it owns it; the second is told who does.
    let a = agent(&store, "A1001", "246810").await;
    let b = agent(&store, "A1002", "135790").await;
    let sup = agent(&store, "S2001", "864200").await;
    store.update_case(id, Change::Take, &a, night() + Duration::minutes(5)).await.unwrap();
    let e = store.update_case(id, Change::Take, &b, night() + Duration::minutes(6)).await.unwrap_err();
    assert_eq!(e.code(), "case.already_owned");
    assert!(e.to_string().contains(&a.name), "{e}");
    let told =
        Change::Progress { note: "Hotel being arranged; we will call by 18:00".into(), told_passenger: true };
    assert_eq!(
        store.update_case(id, told.clone(), &b, night() + Duration::minutes(7)).await.unwrap_err().code(),
        "case.not_owner"
    );
    // A hand-off is explicit and keeps the history.
    let handoff =
        Change::Transfer { to: gatecare_station::cases::agent_ref(&b), note: "End of shift".into() };
    store.update_case(id, handoff, &a, night() + Duration::minutes(8)).await.unwrap();
    let c = store.update_case(id, told, &b, night() + Duration::minutes(9)).await.unwrap();
    assert_eq!(c.owner.as_ref().unwrap().code, "A1002");
    assert_eq!(c.first_answer_at, Some(night() + Duration::minutes(9)));
    assert_eq!(c.history.len(), 3);
    let internal = Change::Progress { note: "Ops says the crew timed out".into(), told_passenger: false };
    store.update_case(id, internal.clone(), &b, night() + Duration::minutes(10)).await.unwrap();

    // 2,000 miles (HKD 100) is within an agent's limit; 20,000 (HKD 1,000)
    // is not: a supervisor approves on the same screen, never the agent.
    let big = vec![Remedy::Apology, Remedy::Miles { miles: 20_000 }];
    let at = night() + Duration::minutes(20);
    let e = store.resolve_case(id, big.clone(), "", &b, None, 2, &policy, at).await.unwrap_err();
    assert!(matches!(e, RecoveryError::NeedsApproval { .. }), "{e:?}");
    assert_eq!(e.code(), "case.needs_approval.supervisor");
    let e = store.resolve_case(id, big.clone(), "", &b, Some(&b), 2, &policy, at).await.unwrap_err();
    assert_eq!(e.code(), "case.wrong_approver");
    let resolved =
        store.resolve_case(id, big, "Sorry for the wait", &b, Some(&sup), 2, &policy, at).await.unwrap();
    assert_eq!(resolved.status, Status::Resolved);
    let r = resolved.resolution.as_ref().unwrap();
    assert_eq!(r.value.amount_minor, 100_000);
    assert_eq!(r.approver.as_ref().unwrap().code, "S2001");

    // A week later the follow-up call is due, then recorded.
    let views = store.station_cases(&policy, at + Duration::days(7), 30).await.unwrap();
    assert_eq!(views[0].clock.urgency, Urgency::FollowUpDue);
    let closed = store
        .update_case(
            id,
            Change::FollowUp { note: "Called: happy with the miles".into() },
            &b,
            at + Duration::days(7),
        )
        .await
        .unwrap();
    assert_eq!(closed.status, Status::Closed);

    // At the kiosk the passenger sees what they were told and what they
    // got, never internal notes or who handled it.
    assert_eq!(
        store.update_case(id, internal, &b, at + Duration::days(8)).await.unwrap_err().code(),
        "case.already_resolved"
    );
    let session = gatecare_kiosk::KioskSession { passenger_id: pax.clone(), flight_id: flight.clone() };
    let kv = Kiosk(&store).kiosk_view(&session, &policy, at + Duration::days(8)).await.unwrap();
    assert_eq!(kv.cases.len(), 1);
    assert_eq!(kv.cases[0].reference, gatecare_station::cases::case_reference(id));
    assert_eq!(kv.cases[0].told.len(), 1);
    assert_eq!(kv.cases[0].told[0].note, "Hotel being arranged; we will call by 18:00");
    assert_eq!(kv.cases[0].given, vec![Remedy::Apology, Remedy::Miles { miles: 20_000 }]);
    let shown = serde_json::to_string(&kv.cases).unwrap();
    assert!(!shown.contains("A1002") && !shown.contains("S2001") && !shown.contains("crew"), "{shown}");

    // Memory: the passenger view shows the history; the star rating's
    // complaint factor reads it.
    let view = store.passenger_view(&pax, &flight, &a, &policy, night() + Duration::hours(1)).await.unwrap();
    assert_eq!(view.recovery.len(), 1);
    assert!(!view.repeat_failure);
    assert!(view.factors[0].why.contains("1 recovery case(s)"), "{:?}", view.factors[0]);
    assert!(view.factors[0].points >= stars_before.factors[0].points);

    // A second failure is flagged on the case and on the passenger.
    let second = store
        .open_case(
            &complaint(&pax, &flight, Category::HotelProblem),
            Actor::Agent(gatecare_station::cases::agent_ref(&a)),
            &policy,
            night() + Duration::hours(2),
        )
        .await
        .unwrap();
    assert_eq!(second.opened.earlier_cases, 1);
    assert!(second.is_repeat());
    let view = store.passenger_view(&pax, &flight, &a, &policy, night() + Duration::hours(2)).await.unwrap();
    assert!(view.repeat_failure);
    assert_eq!(view.recovery.len(), 2);

    // Everything travelled to the sync log, in order.
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM sync_events WHERE kind LIKE 'case_%' ORDER BY seq")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            "case_opened",
            "case_updated",
            "case_updated",
            "case_updated",
            "case_updated",
            "case_updated",
            "case_updated",
            "case_opened"
        ]
    );
}

#[tokio::test]
async fn the_console_list_puts_the_nearest_deadline_first_and_escalates() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let kiosk = Actor::Kiosk { device: "HKG-K01".into() };
    let (p0, flight) = member(&day, 0);
    let (p1, _) = member(&day, 1);
    let old = store
        .open_case(
            &complaint(&p0, &flight, Category::Baggage),
            kiosk.clone(),
            &policy,
            night() - Duration::hours(60),
        )
        .await
        .unwrap();
    let new = store
        .open_case(&complaint(&p1, &flight, Category::Information), kiosk, &policy, night())
        .await
        .unwrap();
    let list = store.station_cases(&policy, night(), 30).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].case.opened.case_id, old.opened.case_id);
    assert_eq!(list[0].clock.urgency, Urgency::DueSoon);
    assert_eq!(list[0].clock.escalated_to, Some(gatecare_policy::Role::Supervisor));
    assert_eq!(list[0].clock.minutes_left, Some(12 * 60));
    assert_eq!(list[1].case.opened.case_id, new.opened.case_id);
    assert_eq!(list[1].clock.urgency, Urgency::OnTrack);
    // Screens show the station's time: due three days on.
    assert_eq!(list[1].time_zone, "Asia/Hong_Kong");
    assert_eq!(list[1].clock.first_answer_due, night() + Duration::hours(72));
    // Thirteen hours later the older one is overdue and the duty manager's.
    let later = store.station_cases(&policy, night() + Duration::hours(13), 30).await.unwrap();
    assert_eq!(later[0].clock.urgency, Urgency::Overdue);
    assert_eq!(later[0].clock.escalated_to, Some(gatecare_policy::Role::DutyManager));
}

#[tokio::test]
async fn bad_complaints_are_refused_and_store_nothing() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let (pax, flight) = member(&day, 0);
    let kiosk = Actor::Kiosk { device: "HKG-K01".into() };
    let mut long = complaint(&pax, &flight, Category::Other);
    long.description = "x".repeat(5000);
    let mut control = complaint(&pax, &flight, Category::Other);
    control.description = "bell\u{7}".into();
    let mut nobody = complaint(&pax, &flight, Category::Other);
    nobody.passenger_id = "no-such-passenger".into();
    for bad in [long, control, nobody] {
        let e = store.open_case(&bad, kiosk.clone(), &policy, night()).await.unwrap_err();
        assert_eq!(e.code(), "case.invalid", "{e}");
    }
    let a = agent(&store, "A1001", "246810").await;
    let e = store.update_case(uuid::Uuid::now_v7(), Change::Take, &a, night()).await.unwrap_err();
    assert_eq!(e.code(), "case.not_found");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(store.pool()).await.unwrap();
    let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_events WHERE kind LIKE 'case_%'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!((n, m), (0, 0));

    // Miles need a frequent-flyer number.
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let outsider = day.passengers.iter().find(|p| p.flight_id == f.id && p.loyalty.is_none()).unwrap();
    let c = store
        .open_case(&complaint(&outsider.id.to_string(), &flight, Category::Other), kiosk, &policy, night())
        .await
        .unwrap();
    store.update_case(c.opened.case_id, Change::Take, &a, night()).await.unwrap();
    let e = store
        .resolve_case(c.opened.case_id, vec![Remedy::Miles { miles: 500 }], "", &a, None, 1, &policy, night())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "case.no_ff_number");
}

#[tokio::test]
async fn early_warning_counts_today_and_alerts_at_the_threshold() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let kiosk = Actor::Kiosk { device: "HKG-K01".into() };
    for i in 0..3 {
        let (p, flight) = member(&day, i);
        store
            .open_case(&complaint(&p, &flight, Category::DelayHandling), kiosk.clone(), &policy, night())
            .await
            .unwrap();
    }
    let (p, flight) = member(&day, 3);
    store.open_case(&complaint(&p, &flight, Category::Baggage), kiosk, &policy, night()).await.unwrap();
    let today = night().with_timezone(&chrono_tz::Asia::Hong_Kong).date_naive();
    let w = store.early_warning(&policy, today, today).await.unwrap();
    assert_eq!(w.total, 4);
    let delay = w.by_category.iter().find(|c| c.key == "delay_handling").unwrap();
    assert_eq!(delay.count, 3);
    assert!(w.alerts.iter().any(|a| a.key == "delay_handling" && a.count == 3), "{:?}", w.alerts);
    assert!(w.alerts.iter().any(|a| a.key.starts_with("CZ342") && a.count == 4), "{:?}", w.alerts);
    assert!(!w.alerts.iter().any(|a| a.key == "baggage"));
    // Yesterday had none.
    let y = store.early_warning(&policy, today.pred_opt().unwrap(), today.pred_opt().unwrap()).await.unwrap();
    assert_eq!(y.total, 0);
}

#[tokio::test]
async fn a_voucher_remedy_is_issued_as_goodwill_under_the_same_approval() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let (pax, flight) = member(&day, 0);
    let a = agent(&store, "A1001", "246810").await;
    let sup = agent(&store, "S2001", "864200").await;
    let ctx = gatecare_station::IssueContext::new("HKG-G01", &a, &policy, night());
    let hkd = |n: i64| gatecare_core::Money::new(n, gatecare_core::Currency::parse("HKD").unwrap());
    let by = Actor::Agent(gatecare_station::cases::agent_ref(&a));
    let first = store
        .open_case(&complaint(&pax, &flight, Category::VoucherRefused), by.clone(), &policy, night())
        .await
        .unwrap();
    store.update_case(first.opened.case_id, Change::Take, &a, night()).await.unwrap();
    // HKD 150 is within the agent's HKD 200 for a 2-star passenger.
    let (case, voucher) = store
        .resolve_case_issuing(
            &ctx,
            first.opened.case_id,
            vec![Remedy::Apology, Remedy::Voucher { value: hkd(15000) }],
            "",
            None,
            2,
        )
        .await
        .unwrap();
    assert_eq!(case.status, Status::Resolved);
    let voucher = voucher.expect("a goodwill voucher");
    let (kind, value, reason): (String, i64, String) = sqlx::query_as(
        "SELECT kind, value_minor, reason FROM ledger_events WHERE voucher_id = ? AND event = 'issued'",
    )
    .bind(&voucher.voucher_id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((kind.as_str(), value), ("goodwill", 15000));
    assert!(reason.contains(&gatecare_station::cases::case_reference(first.opened.case_id)), "{reason}");
    // A second case on the same flight: HKD 100 more is over the limit
    // together with the first; the supervisor's approval covers both steps.
    let second = store
        .open_case(&complaint(&pax, &flight, Category::HotelProblem), by, &policy, night())
        .await
        .unwrap();
    store.update_case(second.opened.case_id, Change::Take, &a, night()).await.unwrap();
    let remedies = vec![Remedy::Voucher { value: hkd(10000) }];
    let e = store
        .resolve_case_issuing(&ctx, second.opened.case_id, remedies.clone(), "", None, 2)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "case.needs_approval.supervisor");
    let (_, voucher2) =
        store.resolve_case_issuing(&ctx, second.opened.case_id, remedies, "", Some(&sup), 2).await.unwrap();
    let voucher2 = voucher2.unwrap();
    assert_ne!(voucher2.voucher_id, voucher.voucher_id, "a second goodwill voucher, not a reprint");
    let approver: Option<String> =
        sqlx::query_scalar("SELECT approver FROM ledger_events WHERE voucher_id = ? AND event = 'issued'")
            .bind(&voucher2.voucher_id)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(approver.as_deref(), Some("S2001"));
}

/// Resolving with a voucher is one outcome: when the voucher cannot be
/// issued (here, offline over the console's cap), the case is not resolved
/// and nothing of it is sent to the station.
#[tokio::test]
async fn a_resolution_whose_voucher_fails_leaves_the_case_open() {
    let (store, day, _dir) = station().await;
    let policy = Policy::default_policy();
    let (pax, flight) = member(&day, 0);
    let a = agent(&store, "A1001", "246810").await;
    let mut ctx = gatecare_station::IssueContext::new("HKG-G01", &a, &policy, night());
    // Never synced: offline, and this console may give nothing discretionary.
    ctx.limits.count_per_disruption = 0;
    let by = Actor::Agent(gatecare_station::cases::agent_ref(&a));
    let case = store
        .open_case(&complaint(&pax, &flight, Category::VoucherRefused), by, &policy, night())
        .await
        .unwrap();
    let id = case.opened.case_id;
    store.update_case(id, Change::Take, &a, night()).await.unwrap();
    let hkd = gatecare_core::Money::new(5000, gatecare_core::Currency::parse("HKD").unwrap());
    let synced_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_events WHERE kind = 'case_updated'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let e = store
        .resolve_case_issuing(&ctx, id, vec![Remedy::Apology, Remedy::Voucher { value: hkd }], "", None, 2)
        .await
        .unwrap_err();
    assert!(matches!(e, RecoveryError::VoucherNotIssued(_)), "{e:?}");
    let case = store.case(id).await.unwrap().unwrap();
    assert_ne!(case.status, Status::Resolved, "the case says no voucher was given");
    assert!(case.resolution.is_none());
    let goodwill: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE kind = 'goodwill'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(goodwill, 0);
    let synced_after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_events WHERE kind = 'case_updated'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(synced_after, synced_before);
    // The apology alone still resolves it.
    let (case, none) =
        store.resolve_case_issuing(&ctx, id, vec![Remedy::Apology], "", None, 2).await.unwrap();
    assert_eq!((case.status, none.is_none()), (Status::Resolved, true));
}
