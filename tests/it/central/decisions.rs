//! Central keeps what decided each voucher (issue #22 §3): the decision
//! travels in the issued event, the policy's text with the first decision
//! under it, and central replays it, after the policy changed, on both
//! backends.

use chrono::Duration;
use gatecare_central::decision;
use gatecare_policy::DEFAULT_POLICY;
use gatecare_policy::Policy;
use gatecare_server_database::Database;
use gatecare_station::{IssueContext, LockoutPolicy};

use super::harness::{TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, now};

on_both_backends!(central_replays_each_voucher_under_the_policy_that_decided_it);

async fn central_replays_each_voucher_under_the_policy_that_decided_it<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db.clone(), &clock);
    let served = serve(c.clone()).await;
    // An agent issues: at a gate console (a kiosk's events naming an agent
    // are refused, and central keeps nothing of them).
    let kiosk = Kiosk::enrol_console(&c, &served.url(), "HKG-K01").await;
    // 16:00 at the airport, with a sub-second part: CZ342's first meal is owed.
    let at = now() + Duration::hours(2) + Duration::microseconds(271_828);
    let agent =
        kiosk.store.verify_pin("A1001", "246810", at, LockoutPolicy::default()).await.unwrap().unwrap();
    let old = Policy::default_policy();
    let ctx = IssueContext::new(kiosk.code, &agent, &old, at);
    let first = kiosk.store.issue(&ctx, &kiosk.meal(0)).await.unwrap();
    let also_old = kiosk.store.issue(&ctx, &kiosk.meal(1)).await.unwrap();
    // The airline moves the first meal to one hour.
    let new = Policy::from_toml(
        &DEFAULT_POLICY.replace("first_meal_after_minutes = 120", "first_meal_after_minutes = 60"),
    )
    .unwrap();
    let second = kiosk.store.issue(&IssueContext { policy: &new, ..ctx }, &kiosk.meal(2)).await.unwrap();
    kiosk.sync().await;

    // Each policy's text went up once, with the first decision under it.
    let carried: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sync_events WHERE json_extract(payload, '$.policy_toml') IS NOT NULL",
    )
    .fetch_one(kiosk.store.pool())
    .await
    .unwrap();
    assert_eq!(carried, 2);
    assert_eq!(db.decision_policy(old.hash()).await.unwrap().as_deref(), Some(DEFAULT_POLICY));

    for (voucher, policy, first_meal) in [
        (&first.voucher_id, &old, "2026-11-22T07:30:00Z"),
        (&also_old.voucher_id, &old, "2026-11-22T07:30:00Z"),
        (&second.voucher_id, &new, "2026-11-22T06:30:00Z"),
    ] {
        let e = decision::explain(&db, voucher).await.unwrap();
        assert!(e.reproduced, "{}", e.report);
        let r = &e.report;
        assert_eq!(r["device"], "HKG-K01");
        assert_eq!(r["recorded"]["policy"], policy.hash());
        assert_eq!(
            r["recorded"]["rules"],
            serde_json::json!([{"regime": "CN_MOT_2016", "version": 1, "in_force_from": "2017-01-01"}])
        );
        assert_eq!(r["recorded"]["item"]["citation"], "航班正常管理规定 第二十九条(一)");
        assert_eq!(r["recorded"]["item"]["from"], first_meal);
        assert_eq!(r["replay"]["item"], r["recorded"]["item"]);
    }
    // The serial printed on the paper finds it too, in any case.
    let by_serial = decision::explain(&db, &first.serial.to_lowercase()).await.unwrap();
    assert_eq!(by_serial.report["voucher_id"], first.voucher_id.as_str());
    assert!(by_serial.reproduced);
    assert!(matches!(
        decision::explain(&db, "no-such-voucher").await,
        Err(decision::ExplainError::UnknownVoucher(_))
    ));
}
