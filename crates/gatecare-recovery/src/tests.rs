use chrono::{DateTime, Duration, NaiveDate, Utc};
use gatecare_core::{Currency, Money};
use gatecare_policy::Policy;
use gatecare_policy::Role;
use gatecare_policy::authority::Decision;
use proptest::prelude::*;
use uuid::Uuid;

use crate::case::*;
use crate::clock::{Urgency, clock, first_answer_due};
use crate::warning::{Dimension, early_warning};
use crate::{CaseError, remedy};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T18:00:00Z").unwrap().to_utc()
}

fn agent(code: &str, role: Role) -> AgentRef {
    AgentRef { code: code.into(), name: format!("Agent {code}"), role }
}

fn opened(at: DateTime<Utc>) -> Opened {
    let policy = Policy::default_policy();
    Opened {
        case_id: Uuid::from_u128(at.timestamp() as u128),
        station: "HKG".into(),
        flight_id: "f1".into(),
        flight: "CZ342".into(),
        flight_date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        passenger_id: "p1".into(),
        passenger_name: "WANG/LI".into(),
        pnr: "ABC123".into(),
        profile_key: "pax:p1".into(),
        category: Category::DelayHandling,
        severity: Severity::Medium,
        description: "Nobody told us why.".into(),
        opened_by: Actor::Kiosk { device: "HKG-K01".into() },
        at,
        first_answer_due: first_answer_due(&policy.recovery, at),
        earlier_cases: 0,
    }
}

fn update(n: u128, minutes: i64, by: &AgentRef, change: Change) -> Update {
    Update {
        update_id: Uuid::from_u128(n),
        case_id: opened(t0()).case_id,
        at: t0() + Duration::minutes(minutes),
        by: by.clone(),
        change,
    }
}

fn hkd(n: i64) -> Money {
    Money::new(n, Currency::parse("HKD").unwrap())
}

#[test]
fn a_case_goes_from_new_to_closed_with_one_owner() {
    let a = agent("A100", Role::Agent);
    let updates = vec![
        update(1, 5, &a, Change::Take),
        update(2, 30, &a, Change::Progress { note: "Hotel being arranged".into(), told_passenger: true }),
        update(
            3,
            120,
            &a,
            Change::Resolve {
                remedies: vec![Remedy::Apology, Remedy::Miles { miles: 2000 }],
                note: String::new(),
                value: hkd(10000),
                approver: None,
            },
        ),
        update(4, 60 * 24 * 8, &a, Change::FollowUp { note: "Called; satisfied".into() }),
    ];
    let c = Case::fold(opened(t0()), updates);
    assert_eq!(c.status, Status::Closed);
    assert_eq!(c.owner.as_ref().unwrap().code, "A100");
    assert_eq!(c.first_answer_at, Some(t0() + Duration::minutes(30)));
    assert_eq!(c.resolution.as_ref().unwrap().remedies.len(), 2);
    assert!(c.history.iter().all(|h| h.refused.is_none()));
}

#[test]
fn the_first_taker_owns_the_case_and_a_hand_off_is_explicit() {
    let a = agent("A100", Role::Agent);
    let b = agent("A200", Role::Agent);
    let s = agent("S300", Role::Supervisor);
    let mut c = Case::fold(opened(t0()), [update(1, 5, &a, Change::Take)]);
    let err = c.check(&update(2, 6, &b, Change::Take)).unwrap_err();
    assert_eq!(err, CaseError::AlreadyOwned { owner: "Agent A100".into() });
    assert_eq!(err.code(), "case.already_owned");
    // Another agent cannot act on it or pass it on…
    let progress = Change::Progress { note: "x".into(), told_passenger: true };
    assert_eq!(c.check(&update(3, 7, &b, progress.clone())).unwrap_err().code(), "case.not_owner");
    let to_b = Change::Transfer { to: b.clone(), note: "Going off shift".into() };
    assert_eq!(c.check(&update(4, 8, &b, to_b.clone())).unwrap_err().code(), "case.not_owner");
    // …the owner can, and the history keeps every step.
    c = Case::fold(
        opened(t0()),
        [update(1, 5, &a, Change::Take), update(5, 9, &a, to_b), update(6, 10, &b, progress.clone())],
    );
    assert_eq!(c.owner.as_ref().unwrap().code, "A200");
    assert_eq!(c.history.len(), 3);
    assert!(c.history.iter().all(|h| h.refused.is_none()));
    // A supervisor may reassign a case whose owner is away.
    let to_a = Change::Transfer { to: a.clone(), note: "A200 left".into() };
    assert!(c.check(&update(7, 11, &s, to_a)).is_ok());
    // A transfer needs a reason the next owner can read.
    let silent = Change::Transfer { to: a.clone(), note: "  ".into() };
    assert_eq!(c.check(&update(8, 12, &b, silent)).unwrap_err().code(), "case.invalid");
}

#[test]
fn nothing_happens_to_a_case_nobody_took() {
    let a = agent("A100", Role::Agent);
    let c = Case::fold(opened(t0()), []);
    let resolve = Change::Resolve {
        remedies: vec![Remedy::Apology],
        note: String::new(),
        value: hkd(0),
        approver: None,
    };
    assert_eq!(c.check(&update(1, 1, &a, resolve)).unwrap_err(), CaseError::NotOwned);
    let follow = Change::FollowUp { note: "x".into() };
    assert_eq!(c.check(&update(2, 1, &a, follow)).unwrap_err(), CaseError::NotResolved);
}

#[test]
fn a_resolution_says_what_was_given_once() {
    let a = agent("A100", Role::Agent);
    let c = Case::fold(opened(t0()), [update(1, 5, &a, Change::Take)]);
    for remedies in [
        vec![],
        vec![Remedy::Miles { miles: 0 }],
        vec![Remedy::Voucher { value: hkd(-5) }],
        vec![Remedy::Apology, Remedy::Apology],
    ] {
        let r = Change::Resolve {
            remedies: remedies.clone(),
            note: String::new(),
            value: hkd(0),
            approver: None,
        };
        assert_eq!(c.check(&update(2, 6, &a, r)).unwrap_err().code(), "case.invalid", "{remedies:?}");
    }
    let ok = Change::Resolve {
        remedies: vec![Remedy::Apology],
        note: String::new(),
        value: hkd(0),
        approver: None,
    };
    let c = Case::fold(opened(t0()), [update(1, 5, &a, Change::Take), update(2, 6, &a, ok.clone())]);
    assert_eq!(c.check(&update(3, 7, &a, ok)).unwrap_err(), CaseError::AlreadyResolved);
    assert_eq!(c.check(&update(4, 8, &a, Change::Take)).unwrap_err(), CaseError::AlreadyResolved);
}

#[test]
fn an_update_from_before_the_opening_is_refused() {
    let a = agent("A100", Role::Agent);
    let c = Case::fold(opened(t0()), [update(1, -5, &a, Change::Take)]);
    assert_eq!(c.status, Status::New);
    assert!(c.history[0].refused.is_some());
}

#[test]
fn the_clock_escalates_as_the_deadline_nears() {
    let p = Policy::default_policy().recovery;
    let c = Case::fold(opened(t0()), []);
    let at = |h: i64| t0() + Duration::hours(h);
    assert_eq!(clock(&c, &p, at(1)).urgency, Urgency::OnTrack);
    assert_eq!(clock(&c, &p, at(1)).minutes_left, Some(71 * 60));
    assert_eq!(clock(&c, &p, at(1)).escalated_to, None);
    assert_eq!(clock(&c, &p, at(48)).urgency, Urgency::DueSoon);
    assert_eq!(clock(&c, &p, at(48)).escalated_to, Some(Role::Supervisor));
    assert_eq!(clock(&c, &p, at(66)).urgency, Urgency::Urgent);
    assert_eq!(clock(&c, &p, at(66)).escalated_to, Some(Role::DutyManager));
    let late = clock(&c, &p, at(73));
    assert_eq!(late.urgency, Urgency::Overdue);
    assert_eq!(late.minutes_left, Some(-60));
    assert!(late.answered_late);
    assert_eq!(late.first_answer_due, at(72));

    // A first answer the passenger was told stops the clock.
    let a = agent("A100", Role::Agent);
    let told = Change::Progress { note: "We are checking with the hotel".into(), told_passenger: true };
    let internal = Change::Progress { note: "Asked ops".into(), told_passenger: false };
    let c = Case::fold(opened(t0()), [update(1, 5, &a, Change::Take), update(2, 60, &a, internal)]);
    assert_eq!(clock(&c, &p, at(70)).urgency, Urgency::Urgent, "an internal note is not an answer");
    let c = Case::fold(opened(t0()), [update(1, 5, &a, Change::Take), update(2, 60, &a, told)]);
    assert_eq!(clock(&c, &p, at(70)).urgency, Urgency::Answered);
    assert!(!clock(&c, &p, at(70)).answered_late);

    // A week after resolution the follow-up call is due.
    let r = Change::Resolve {
        remedies: vec![Remedy::Apology],
        note: String::new(),
        value: hkd(0),
        approver: None,
    };
    let c = Case::fold(opened(t0()), [update(1, 5, &a, Change::Take), update(3, 120, &a, r)]);
    assert_eq!(clock(&c, &p, at(24)).urgency, Urgency::Resolved);
    assert_eq!(clock(&c, &p, at(2 + 7 * 24)).urgency, Urgency::FollowUpDue);
    assert_eq!(clock(&c, &p, at(2)).follow_up_due, Some(at(2) + Duration::days(7)));
}

#[test]
fn remedies_are_checked_against_the_authority_limits() {
    let p = Policy::default_policy();
    let none = hkd(0);
    // 2,000 miles at HKD 0.05 = HKD 100: within an agent's HKD 200 for 2★.
    let (v, d) = remedy::decide(&p, Role::Agent, 2, &[Remedy::Miles { miles: 2000 }], none).unwrap();
    assert_eq!(v, hkd(10000));
    assert!(matches!(d, Decision::Allowed { .. }), "{d:?}");
    // 10,000 miles = HKD 500: a supervisor approves.
    let (_, d) = remedy::decide(&p, Role::Agent, 2, &[Remedy::Miles { miles: 10000 }], none).unwrap();
    assert!(matches!(d, Decision::NeedsApproval { approver: Role::Supervisor, .. }), "{d:?}");
    // …but a 5★ passenger's agent limit covers it.
    let (_, d) = remedy::decide(&p, Role::Agent, 5, &[Remedy::Miles { miles: 10000 }], none).unwrap();
    assert!(matches!(d, Decision::Allowed { .. }), "{d:?}");
    // What earlier resolutions gave for the same flight counts.
    let (_, d) = remedy::decide(&p, Role::Agent, 2, &[Remedy::Miles { miles: 2000 }], hkd(15000)).unwrap();
    assert!(matches!(d, Decision::NeedsApproval { .. }), "{d:?}");
    // An upgrade (HKD 1,500) for 2★ is beyond a supervisor: duty manager.
    let (_, d) = remedy::decide(&p, Role::Supervisor, 2, &[Remedy::Upgrade], none).unwrap();
    assert!(matches!(d, Decision::NeedsApproval { approver: Role::DutyManager, .. }), "{d:?}");
    // An apology or a refund referral never needs approval.
    let (v, d) =
        remedy::decide(&p, Role::Agent, 1, &[Remedy::Apology, Remedy::RefundReferral], none).unwrap();
    assert_eq!(v.amount_minor, 0);
    assert!(matches!(d, Decision::Allowed { .. }));
    // A voucher in another currency cannot be weighed: refused clearly.
    let eur = Money::new(1000, Currency::parse("EUR").unwrap());
    assert_eq!(
        remedy::decide(&p, Role::Agent, 1, &[Remedy::Voucher { value: eur }], none).unwrap_err().code(),
        "case.invalid"
    );
    // Absurd miles do not overflow.
    let (_, d) =
        remedy::decide(&p, Role::DutyManager, 6, &[Remedy::Miles { miles: u32::MAX }], none).unwrap();
    assert!(matches!(d, Decision::Refused { .. }));
}

#[test]
fn typed_text_is_bounded_and_clean() {
    let mut o = opened(t0());
    o.description = "x".repeat(MAX_DESCRIPTION + 1);
    assert_eq!(o.check().unwrap_err().code(), "case.invalid");
    o.description = "bad\u{0007}bell".into();
    assert!(o.check().is_err());
    o.description = "两次航班延误，没有人解释。\nSecond line".into();
    assert!(o.check().is_ok());
    o.first_answer_due = o.at;
    assert!(o.check().is_err());
    assert_eq!(Category::parse("luggage").unwrap_err().code(), "case.invalid");
    assert_eq!(Category::parse("baggage").unwrap(), Category::Baggage);
}

#[test]
fn cases_travel_as_json_and_come_back_the_same() {
    let a = agent("A100", Role::Agent);
    let o = opened(t0());
    let u = update(
        3,
        120,
        &a,
        Change::Resolve {
            remedies: vec![Remedy::Miles { miles: 2000 }, Remedy::Voucher { value: hkd(5000) }],
            note: "sorry".into(),
            value: hkd(15000),
            approver: Some(agent("S1", Role::Supervisor)),
        },
    );
    let o2: Opened = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
    let u2: Update = serde_json::from_value(serde_json::to_value(&u).unwrap()).unwrap();
    assert_eq!((o, u), (o2, u2));
    // Unknown fields are refused rather than silently dropped.
    let mut v = serde_json::to_value(opened(t0())).unwrap();
    v["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<Opened>(v).is_err());
}

#[test]
fn early_warning_counts_per_local_day_and_alerts_at_the_threshold() {
    let tz = |_: &str| chrono_tz::Asia::Hong_Kong;
    // 15:00Z and 17:00Z on the 21st are the 21st and 22nd in Hong Kong.
    let mut cases = Vec::new();
    for (i, (h, cat, flight)) in [
        (15, Category::DelayHandling, "CZ342"),
        (17, Category::DelayHandling, "CZ342"),
        (18, Category::DelayHandling, "CZ342"),
        (19, Category::DelayHandling, "CX100"),
        (20, Category::Baggage, "CZ342"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut o = opened(
            DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z").unwrap().to_utc() + Duration::hours(h),
        );
        o.case_id = Uuid::from_u128(i as u128);
        o.category = cat;
        o.flight = flight.into();
        cases.push(o);
    }
    let d21 = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let d22 = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let w = early_warning(&cases, tz, d21, d22, 3);
    assert_eq!(w.total, 5);
    assert_eq!(w.by_day.len(), 2);
    assert_eq!((w.by_day[0].total, w.by_day[1].total), (1, 4));
    assert_eq!(w.by_category[0].key, "delay_handling");
    assert_eq!(w.by_category[0].count, 4);
    assert_eq!(w.by_flight[0].key, "CZ342 2026-11-21");
    assert_eq!(w.by_flight[0].count, 4);
    let alerts: Vec<_> = w.alerts.iter().map(|a| (a.day, a.dimension, a.key.as_str(), a.count)).collect();
    assert_eq!(
        alerts,
        vec![
            (d22, Dimension::Category, "delay_handling", 3),
            (d22, Dimension::Station, "HKG", 4),
            (d22, Dimension::Flight, "CZ342 2026-11-21", 3),
        ]
    );
    // Only today: the 21st's case is not counted.
    let today = early_warning(&cases, tz, d22, d22, 10);
    assert_eq!(today.total, 4);
    assert!(today.alerts.is_empty());
}

fn any_change(a: AgentRef, b: AgentRef) -> impl Strategy<Value = (AgentRef, Change)> {
    let who = prop_oneof![Just(a.clone()), Just(b.clone())];
    let change = prop_oneof![
        Just(Change::Take),
        Just(Change::Transfer { to: b.clone(), note: "hand-off".into() }),
        Just(Change::Transfer { to: a.clone(), note: "hand-back".into() }),
        any::<bool>().prop_map(|told| Change::Progress { note: "update".into(), told_passenger: told }),
        Just(Change::Resolve {
            remedies: vec![Remedy::Apology],
            note: String::new(),
            value: Money::new(0, Currency::parse("HKD").unwrap()),
            approver: None
        }),
        Just(Change::FollowUp { note: "called".into() }),
    ];
    (who, change)
}

proptest! {
    /// Devices receive a case's updates in any order and fold them to the
    /// same case; the owner is always someone who took or was handed it.
    #[test]
    fn every_device_folds_a_case_the_same_way(
        changes in proptest::collection::vec(any_change(agent("A1", Role::Agent), agent("A2", Role::Agent)), 0..12),
        seed in any::<u64>(),
    ) {
        let updates: Vec<Update> = changes
            .into_iter()
            .enumerate()
            .map(|(i, (by, change))| update(i as u128 + 1, (i as i64) * 7 % 50, &by, change))
            .collect();
        let mut shuffled = updates.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        // A duplicate delivery changes nothing either.
        if let Some(first) = updates.first() {
            shuffled.push(first.clone());
        }
        let a = Case::fold(opened(t0()), updates.clone());
        let b = Case::fold(opened(t0()), shuffled);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.history.len(), updates.len());
        if let Some(owner) = &a.owner {
            let made_owner = a.history.iter().any(|h| {
                h.refused.is_none()
                    && match &h.update.change {
                        Change::Take => h.update.by.code == owner.code,
                        Change::Transfer { to, .. } => to.code == owner.code,
                        _ => false,
                    }
            });
            prop_assert!(made_owner);
        }
        if a.status == Status::Closed {
            prop_assert!(a.resolution.is_some() && a.followed_up_at.is_some());
        }
    }
}
