//! The station store and issuance ledger, through the client crate's API on
//! real SQLite files.

use chrono::{DateTime, Duration, Utc};
use gatecare_core::{Currency, Money};
use gatecare_ledger::EntitlementKind;
use gatecare_ledger::offline::OfflineLimits;
use gatecare_policy::Policy;
use gatecare_station::{
    AuthError, AuthenticatedAgent, IssueContext, IssueRequest, LedgerError, LockoutPolicy, Station,
};

use gatecare_store::PinUse;
use gatecare_store_sync::SyncStore;

use crate::support::{gatecare, seeded_store};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(crate::support::TEST_NOW).unwrap().to_utc() + Duration::hours(8)
}

fn hkd(n: i64) -> Money {
    Money::new(n, Currency::parse("HKD").unwrap())
}

struct Fixture {
    store: Station,
    day: gatecare_demo::DemoDay,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

async fn station() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.sqlite");
    let day = seeded_store(&path, 3).await;
    let store = Station::open(&path).await.unwrap();
    Fixture { store, day, _dir: dir, path }
}

impl Fixture {
    fn cz342(&self) -> &gatecare_demo::Flight {
        self.day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap()
    }

    fn pax(&self, i: usize) -> &gatecare_demo::Passenger {
        let f = self.cz342().id;
        self.day.passengers.iter().filter(|p| p.flight_id == f).nth(i).unwrap()
    }

    async fn agent(&self, code: &str, pin: &str) -> AuthenticatedAgent {
        self.store.verify_pin(code, pin, now(), LockoutPolicy::default()).await.unwrap().unwrap()
    }
}

fn meal(st: &Fixture, i: usize, ordinal: u32) -> IssueRequest {
    crate::support::meal_request(st.pax(i).id, st.cz342().id, ordinal)
}

#[tokio::test]
async fn issuing_twice_returns_the_same_voucher_as_a_reprint() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    let first = st.store.issue(&ctx, &meal(&st, 0, 1)).await.unwrap();
    assert!(!first.reprint);
    assert_eq!(first.serial, "HKG-K01-000001");
    assert!(first.entitlement_key.starts_with("CZ342/2026-11-22/"), "{}", first.entitlement_key);
    let again = st.store.issue(&ctx, &meal(&st, 0, 1)).await.unwrap();
    assert!(again.reprint);
    assert_eq!(again.voucher_id, first.voucher_id);
    assert_eq!(again.serial, first.serial);
    // A second meal is another entitlement.
    let second = st.store.issue(&ctx, &meal(&st, 0, 2)).await.unwrap();
    assert_ne!(second.voucher_id, first.voucher_id);
    // Every event went to the sync log, gaplessly.
    let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM sync_events ORDER BY seq")
        .fetch_all(st.store.pool())
        .await
        .unwrap();
    assert_eq!(seqs, vec![1, 2, 3]);
    // The audit chain holds the agent's sign-in.
    assert_eq!(st.store.verify_chains().await.unwrap(), Ok((3, 1)));
}

#[tokio::test]
async fn two_devices_compute_the_same_key_without_talking() {
    let a = station().await;
    let b = station().await;
    let agent = a.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ka =
        a.store.issue(&IssueContext::new("HKG-K01", &agent, &policy, now()), &meal(&a, 5, 1)).await.unwrap();
    let kb = b
        .store
        .issue(&IssueContext::new("HKG-K02", &agent, &policy, now() + Duration::hours(3)), &meal(&b, 5, 1))
        .await
        .unwrap();
    assert_eq!(ka.entitlement_key, kb.entitlement_key);
    assert_ne!(ka.voucher_id, kb.voucher_id, "central will see the conflict");
}

#[tokio::test]
async fn voids_are_events_and_block_reissue() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    let v = st.store.issue(&ctx, &meal(&st, 1, 1)).await.unwrap();
    let r = st.store.reprint(&ctx, &v.voucher_id, "printer jammed").await.unwrap();
    assert!(r.reprint);
    st.store.void(&ctx, &v.voucher_id, "passenger left").await.unwrap();
    assert!(matches!(st.store.issue(&ctx, &meal(&st, 1, 1)).await, Err(LedgerError::Voided(_))));
    assert!(matches!(st.store.reprint(&ctx, &v.voucher_id, "again").await, Err(LedgerError::Voided(_))));
    assert!(matches!(st.store.void(&ctx, "no-such-voucher", "x").await, Err(LedgerError::UnknownVoucher(_))));
    assert!(matches!(st.store.void(&ctx, &v.voucher_id, " ").await, Err(LedgerError::Invalid(_))));
    let events: Vec<String> = sqlx::query_scalar("SELECT event FROM ledger_events ORDER BY seq")
        .fetch_all(st.store.pool())
        .await
        .unwrap();
    assert_eq!(events, vec!["issued", "reprinted", "voided"]);
    // The database itself refuses to rewrite history.
    assert!(sqlx::query("UPDATE ledger_events SET value_minor = 1").execute(st.store.pool()).await.is_err());
    assert!(sqlx::query("DELETE FROM ledger_events").execute(st.store.pool()).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log").execute(st.store.pool()).await.is_err());
    // The sign-in and the two voids.
    assert_eq!(st.store.verify_chains().await.unwrap(), Ok((3, 3)));
}

#[tokio::test]
async fn goodwill_above_the_agents_limit_needs_a_supervisor() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let supervisor = st.agent("S2001", "864200").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    st.store.record_sync(now()).await.unwrap();
    let mut goodwill = meal(&st, 2, 1);
    goodwill.kind = EntitlementKind::Goodwill;
    goodwill.statutory = false;
    goodwill.value = hkd(50000);
    goodwill.reason = "apology for a missed connection".into();
    match st.store.issue(&ctx, &goodwill).await {
        Err(LedgerError::NeedsApproval { approver, .. }) => {
            assert_eq!(approver, gatecare_policy::Role::Supervisor)
        }
        other => panic!("{other:?}"),
    }
    // The agent cannot approve their own grant.
    goodwill.approver = Some(agent.clone());
    assert!(matches!(st.store.issue(&ctx, &goodwill).await, Err(LedgerError::NeedsApproval { .. })));
    goodwill.approver = Some(supervisor);
    let issued = st.store.issue(&ctx, &goodwill).await.unwrap();
    let approver: Option<String> =
        sqlx::query_scalar("SELECT approver FROM ledger_events WHERE voucher_id = ?")
            .bind(&issued.voucher_id)
            .fetch_one(st.store.pool())
            .await
            .unwrap();
    assert_eq!(approver.as_deref(), Some("S2001"));
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'grant.approved'")
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // A kiosk can issue nothing discretionary.
    let kiosk = AuthenticatedAgent::kiosk("HKG-K09", "HKG");
    let kctx = IssueContext::new("HKG-K09", &kiosk, &policy, now());
    let mut g2 = meal(&st, 3, 1);
    g2.kind = EntitlementKind::Goodwill;
    g2.statutory = false;
    assert!(matches!(st.store.issue(&kctx, &g2).await, Err(LedgerError::Refused(_))));
}

#[tokio::test]
async fn offline_caps_discretionary_items_but_never_statutory_care() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let supervisor = st.agent("S2001", "864200").await;
    let policy = Policy::default_policy();
    let limits = OfflineLimits { count_per_disruption: 1, ..OfflineLimits::default() };
    // Never synced: offline.
    let ctx = IssueContext { device: "HKG-K01", actor: &agent, policy: &policy, limits, now: now() };
    let mut gw = meal(&st, 4, 1);
    gw.kind = EntitlementKind::Goodwill;
    gw.statutory = false;
    gw.value = hkd(5000);
    st.store.issue(&ctx, &gw).await.unwrap();
    let mut gw2 = meal(&st, 6, 1);
    gw2.kind = EntitlementKind::Goodwill;
    gw2.statutory = false;
    gw2.value = hkd(5000);
    assert!(matches!(
        st.store.issue(&ctx, &gw2).await,
        Err(LedgerError::OfflineCap { cap: "count_per_disruption" })
    ));
    // Statutory meals go on.
    for i in 0..5 {
        st.store.issue(&ctx, &meal(&st, i, 1)).await.unwrap();
    }
    // Upgrades offline need a lease or a supervisor's override.
    let mut up = meal(&st, 7, 1);
    up.kind = EntitlementKind::Upgrade;
    up.statutory = false;
    up.value = hkd(0);
    let ctx_free = IssueContext { limits: OfflineLimits::default(), ..ctx.clone() };
    assert!(matches!(st.store.issue(&ctx_free, &up).await, Err(LedgerError::NeedsOverride)));
    up.approver = Some(supervisor);
    let over = st.store.issue(&ctx_free, &up).await.unwrap();
    let approver: Option<String> =
        sqlx::query_scalar("SELECT approver FROM ledger_events WHERE voucher_id = ?")
            .bind(&over.voucher_id)
            .fetch_one(st.store.pool())
            .await
            .unwrap();
    assert_eq!(approver.as_deref(), Some("S2001"));
    // With a lease on the flight, no override is needed.
    st.store
        .grant_lease(
            "flight",
            &st.cz342().id.to_string(),
            "HKG-K01",
            now() + Duration::hours(4),
            "D3001",
            now(),
        )
        .await
        .unwrap();
    let mut up2 = meal(&st, 8, 1);
    up2.kind = EntitlementKind::Upgrade;
    up2.statutory = false;
    up2.value = hkd(0);
    st.store.issue(&ctx_free, &up2).await.unwrap();
    // Online again: no caps.
    st.store.record_sync(now()).await.unwrap();
    st.store.issue(&ctx, &gw2).await.unwrap();
}

#[tokio::test]
async fn a_hotel_offline_is_issued_with_a_provisional_room() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    let block: (String, i64) =
        sqlx::query_as("SELECT id, rooms_left FROM hotel_blocks ORDER BY rooms_left LIMIT 1")
            .fetch_one(st.store.pool())
            .await
            .unwrap();
    let mut hotel = meal(&st, 9, 1);
    hotel.kind = EntitlementKind::Hotel;
    hotel.value = hkd(52000);
    hotel.hotel_block_id = Some(block.0.clone());
    let issued = st.store.issue(&ctx, &hotel).await.unwrap();
    assert!(issued.provisional);
    let left: i64 = sqlx::query_scalar("SELECT rooms_left FROM hotel_blocks WHERE id = ?")
        .bind(&block.0)
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    assert_eq!(left, block.1 - 1);
    // Issuing it again does not take a second room.
    st.store.issue(&ctx, &hotel).await.unwrap();
    let left2: i64 = sqlx::query_scalar("SELECT rooms_left FROM hotel_blocks WHERE id = ?")
        .bind(&block.0)
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    assert_eq!(left2, left);
    // A block with no rooms left says so.
    sqlx::query("UPDATE hotel_blocks SET rooms_left = 0 WHERE id = ?")
        .bind(&block.0)
        .execute(st.store.pool())
        .await
        .unwrap();
    let mut other = hotel.clone();
    other.passenger_id = st.pax(10).id.to_string();
    assert!(matches!(st.store.issue(&ctx, &other).await, Err(LedgerError::NoRooms(_))));
}

#[tokio::test]
async fn tampering_is_found_by_gatecare_ledger_verify() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    for i in 0..4 {
        st.store.issue(&ctx, &meal(&st, i, 1)).await.unwrap();
    }
    let db = st.path.to_str().unwrap().to_owned();
    let out = gatecare(&["ledger", "verify", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK: 4 ledger records"));
    // Someone with the file and sqlite3 lowers a value behind the triggers' back.
    sqlx::query("DROP TRIGGER ledger_events_no_update").execute(st.store.pool()).await.unwrap();
    sqlx::query("UPDATE ledger_events SET value_minor = 1 WHERE seq = 3")
        .execute(st.store.pool())
        .await
        .unwrap();
    st.store.clone().close().await;
    let out = gatecare(&["ledger", "verify", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("BROKEN: ledger record 3"), "{text}");
}

/// The decoy a console checks for an unknown code costs what a real check
/// costs: it has exactly the parameters of the hashes central makes (found
/// by a review: the two were separate literals, and only the device's own
/// hasher was compared with the decoy).
#[test]
fn the_decoy_for_unknown_codes_has_the_parameters_of_centrals_hashes() {
    use argon2::password_hash::PasswordHash;
    let central = gatecare_central::agents::hash_pin("246810").unwrap();
    let central = PasswordHash::new(&central).unwrap();
    let decoy = gatecare_store::agents::dummy_hash();
    let decoy = PasswordHash::new(&decoy).unwrap();
    assert_eq!((decoy.algorithm, decoy.version), (central.algorithm, central.version));
    assert_eq!(decoy.params, central.params);
}

#[tokio::test]
async fn pins_lock_out_after_repeated_failures() {
    let st = station().await;
    let lock = LockoutPolicy { max_failures: 3, lock_minutes: 15 };
    let t = now();
    assert!(st.store.verify_pin("A1001", "246810", t, lock).await.unwrap().is_ok());
    assert_eq!(st.store.verify_pin("A1001", "12", t, lock).await.unwrap(), Err(AuthError::MalformedPin));
    assert_eq!(
        st.store.verify_pin("A1001", "000000", t, lock).await.unwrap(),
        Err(AuthError::BadCredentials { failures_left: Some(2) })
    );
    assert_eq!(
        st.store.verify_pin("A1001", "000001", t, lock).await.unwrap(),
        Err(AuthError::BadCredentials { failures_left: Some(1) })
    );
    assert!(matches!(
        st.store.verify_pin("A1001", "000002", t, lock).await.unwrap(),
        Err(AuthError::Locked { .. })
    ));
    // Even the right PIN is refused while locked.
    assert!(matches!(
        st.store.verify_pin("A1001", "246810", t + Duration::minutes(5), lock).await.unwrap(),
        Err(AuthError::Locked { .. })
    ));
    assert!(st.store.verify_pin("A1001", "246810", t + Duration::minutes(16), lock).await.unwrap().is_ok());
    // An unknown code answers exactly as a known one with a wrong PIN:
    // the same tries left, then the same lock-out (found by a review: it
    // never locked, and said nothing of tries left, so codes could be
    // told apart by their answers).
    let answers = |code: &'static str| {
        let store = st.store.clone();
        async move {
            let mut seen = Vec::new();
            for pin in ["000000", "000001", "000002", "246810"] {
                seen.push(match store.verify_pin(code, pin, t, lock).await.unwrap() {
                    Err(AuthError::Locked { until }) => {
                        format!("locked for {} min", (until - t).num_minutes())
                    }
                    other => format!("{other:?}"),
                });
            }
            seen
        }
    };
    let known = answers("S2001").await;
    assert_eq!(
        known[..2],
        ["Err(BadCredentials { failures_left: Some(2) })", "Err(BadCredentials { failures_left: Some(1) })"]
    );
    assert_eq!(answers("Z9999").await, known);
    assert_eq!(answers("z9998").await, known, "any spelling of any code");
    // Only this station's agents are on the kiosk.
    let stations: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT station FROM agents").fetch_all(st.store.pool()).await.unwrap();
    assert_eq!(stations, vec!["HKG"]);
}

/// Eight wrong PINs at once: each guess is counted before its hash is
/// checked, so the agent locks after the configured count and no guess
/// beyond it is tried; every one of them is in the audit log.
#[tokio::test]
async fn parallel_wrong_pins_get_no_extra_guess_and_are_audited() {
    let st = station().await;
    let lock = LockoutPolicy { max_failures: 5, lock_minutes: 15 };
    let t = now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = st.store.clone();
        set.spawn(async move { store.verify_pin("A1001", &format!("00000{i}"), t, lock).await.unwrap() });
    }
    let mut outcomes = Vec::new();
    while let Some(r) = set.join_next().await {
        outcomes.push(r.unwrap());
    }
    let wrong = outcomes.iter().filter(|o| matches!(o, Err(AuthError::BadCredentials { .. }))).count();
    let locked = outcomes.iter().filter(|o| matches!(o, Err(AuthError::Locked { .. }))).count();
    assert_eq!((wrong, locked), (4, 4), "{outcomes:?}");
    assert!(matches!(
        st.store.verify_pin("A1001", "246810", t, lock).await.unwrap(),
        Err(AuthError::Locked { .. })
    ));
    let actions = |action: &'static str| {
        let pool = st.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM audit_log WHERE actor = 'A1001' AND action = ?",
            )
            .bind(action)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // Five guesses were checked; the other three (and the right PIN) met the lock.
    assert_eq!(actions("agent.sign_in_failed").await, 5);
    assert_eq!(actions("agent.locked_out").await, 1);
    assert_eq!(actions("agent.sign_in_locked").await, 4);
    // After the lock, the right PIN signs in, and that is audited too.
    assert!(st.store.verify_pin("A1001", "246810", t + Duration::minutes(16), lock).await.unwrap().is_ok());
    assert_eq!(actions("agent.sign_in").await, 1);
    let approved = st.store.check_pin("S2001", "864200", PinUse::Approval, t, lock).await.unwrap();
    assert!(approved.is_ok());
    let approvals: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'S2001' AND action = 'agent.approval'",
    )
    .fetch_one(st.store.pool())
    .await
    .unwrap();
    assert_eq!(approvals, 1);
    st.store.clone().close().await;
    let out = gatecare(&["ledger", "verify", "--db", &st.path.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(0), "the audit chain holds: {}", String::from_utf8_lossy(&out.stdout));
}

/// A code created in lower case at central is the same agent at sign-in,
/// typed either way.
#[tokio::test]
async fn an_agent_code_is_one_spelling_from_central_to_sign_in() {
    let st = station().await;
    let hash = gatecare_store::agents::hash_pin("135790").unwrap();
    let mut tx = st.store.pool().begin().await.unwrap();
    let record = serde_json::json!({"code": " a1009 ", "name": "Lo Wai", "role": "agent", "station": "HKG", "pin_hash": hash});
    gatecare_store_sync::feed::apply_agent(&mut tx, &record).await.unwrap();
    tx.commit().await.unwrap();
    let t = now();
    for typed in ["A1009", "a1009", " a1009"] {
        let a = st.store.verify_pin(typed, "135790", t, LockoutPolicy::default()).await.unwrap();
        assert_eq!(a.map(|a| a.code), Ok("A1009".to_owned()), "{typed:?}");
    }
}

/// Found by a review: an agent created in lower case before codes had one
/// spelling stayed so on the console and could never sign in. The upgrade
/// gives the record the spelling; an agent created again in upper case
/// since is kept, not doubled.
#[tokio::test]
async fn an_agent_stored_in_lower_case_before_signs_in_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_before(dir.path(), "0023").await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    let hash = gatecare_store::agents::hash_pin("135790").unwrap();
    for (id, code) in [("1", "a1009"), ("2", "s2009"), ("3", "S2009")] {
        sqlx::query(
            "INSERT INTO agents (id, code, name, role, station, pin_hash) VALUES (?, ?, 'Lo Wai', 'agent', 'HKG', ?)",
        )
        .bind(id)
        .bind(code)
        .bind(&hash)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    let store = Station::open(&path).await.unwrap();
    for typed in ["A1009", "a1009", "S2009"] {
        let a = store.verify_pin(typed, "135790", now(), LockoutPolicy::default()).await.unwrap();
        assert_eq!(a.map(|a| a.code), Ok(typed.to_ascii_uppercase()), "{typed:?}");
    }
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM agents ORDER BY code").fetch_all(store.pool()).await.unwrap();
    assert_eq!(codes, ["A1009", "S2009"]);
}

/// The PIN's hash runs on a blocking thread: on a one-thread runtime, a
/// timer keeps ticking while an agent signs in.
#[tokio::test(flavor = "current_thread")]
async fn a_pin_check_leaves_the_async_thread_free() {
    let st = station().await;
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let ticker = {
        let ticks = ticks.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    let started = std::time::Instant::now();
    let ok = st.store.verify_pin("A1001", "246810", now(), LockoutPolicy::default()).await.unwrap();
    let took = started.elapsed();
    ticker.abort();
    assert!(ok.is_ok());
    // A hash on this thread would leave the timer a few ticks in the
    // database's awaits; on a blocking thread it ticks most of the time.
    let expected = (took.as_millis() / 10) as u32;
    let ticked = ticks.load(std::sync::atomic::Ordering::Relaxed);
    assert!(ticked * 3 >= expected, "{ticked} ticks in {took:?}");
}

#[tokio::test]
async fn lookups_find_passengers_by_every_key() {
    let st = station().await;
    let p = st.day.passengers.iter().find(|p| p.name.native.is_some() && p.loyalty.is_some()).unwrap();
    let hits = st.store.find_by_pnr_surname(p.pnr.as_str(), &p.name.surname.to_lowercase()).await.unwrap();
    assert!(hits.iter().any(|h| h.passenger_id == p.id.to_string()));
    assert!(st.store.find_by_pnr_surname(p.pnr.as_str(), "NOBODY").await.unwrap().is_empty());
    let ff = &p.loyalty.as_ref().unwrap().number;
    assert_eq!(st.store.find_by_frequent_flyer(ff).await.unwrap()[0].passenger_id, p.id.to_string());
    assert_eq!(st.store.find_by_ticket(&p.ticket_number).await.unwrap()[0].passenger_id, p.id.to_string());
    // Pinyin finds the Chinese name; the Chinese name finds itself.
    let native = p.name.native.clone().unwrap();
    let q = format!("{} {}", p.name.surname.to_lowercase(), p.name.given_names.to_lowercase());
    let by_pinyin = st.store.search_names(&q, 200).await.unwrap();
    assert!(by_pinyin.iter().any(|h| h.passenger_id == p.id.to_string()), "{q}");
    let by_hanzi = st.store.search_names(&native, 200).await.unwrap();
    assert!(by_hanzi.iter().any(|h| h.passenger_id == p.id.to_string()), "{native}");
    // Diacritics and prefixes.
    let latin =
        st.day.passengers.iter().find(|p| p.name.surname.contains('Ü')).expect("a Müller in the demo");
    let q = gatecare_core::fold_to_ascii(&latin.name.surname)[..3].to_lowercase();
    let hits = st.store.search_names(&q, 200).await.unwrap();
    assert!(hits.iter().any(|h| h.passenger_id == latin.id.to_string()), "{q}");
    assert!(st.store.search_names("   ", 10).await.unwrap().is_empty());
    assert!(st.store.search_names("'; DROP TABLE passengers; --", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_store_from_schema_v1_opens_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1.sqlite"), &path).unwrap();
    let store = Station::open(&path).await.unwrap();
    let (flights, passengers) = store.counts().await.unwrap();
    assert_eq!((flights, passengers), (1, 180));
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(versions.len() >= 2 && versions[0] == 1, "{versions:?}");
    // Derived data is filled in: the name index and reference tables.
    assert!(
        !store.search_names("zhang", 10).await.unwrap().is_empty()
            || !store.search_names("wang", 10).await.unwrap().is_empty()
    );
    let airports: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM airports").fetch_one(store.pool()).await.unwrap();
    assert!(airports > 7000);
}

#[tokio::test]
async fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    let first = st.store.issue(&ctx, &meal(&st, 0, 1)).await.unwrap();
    // Make the database unable to grow: as if the disk were full.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(st.store.pool()).await.unwrap();
    let mut failed = None;
    // The limit is per connection: set it on each the pool may hand out.
    for _ in 0..4 {
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}")))
            .execute(st.store.pool())
            .await
            .unwrap();
    }
    for i in 1..400 {
        if let Err(e) = st.store.issue(&ctx, &meal(&st, i % 180, 3)).await {
            failed = Some(e);
            break;
        }
    }
    let e = failed.expect("the store filled up");
    assert_eq!(e.code(), "store.query", "{e}");
    assert!(e.to_string().contains("full"), "{e}");
    st.store.clone().close().await;
    let store = Station::open(&st.path).await.unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE voucher_id = ?")
        .bind(&first.voucher_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(kept, 1);
    assert!(store.verify_chains().await.unwrap().is_ok());
}

#[tokio::test]
async fn bulk_issues_meals_for_cz342_in_priority_order_once() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    // 22:30 in Hong Kong: nine hours after CZ342's 13:30 departure.
    let at = DateTime::parse_from_rfc3339("2026-11-22T22:30:00+08:00").unwrap().to_utc();
    let ctx = IssueContext::new("HKG-G28", &agent, &policy, at);
    let flight = st.cz342().id.to_string();
    let mut calls = Vec::new();
    let summary = gatecare_bulk::Bulk(&st.store)
        .issue_bulk(&ctx, &flight, EntitlementKind::Meal, |d, t| calls.push((d, t)))
        .await
        .unwrap();
    // Two meals owed by 22:30 (15:30 and 19:30) to each of 180 passengers.
    assert_eq!(summary.issued, 360, "{summary:?}");
    assert_eq!(calls.len(), 180);
    assert_eq!(calls.last(), Some(&(180, 180)));
    // The first vouchers go to passengers with legal priority.
    let first_pax: String = sqlx::query_scalar("SELECT passenger_id FROM ledger_events WHERE voucher_id = ?")
        .bind(&summary.vouchers[0].voucher_id)
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    let needs: String = sqlx::query_scalar("SELECT needs FROM passengers WHERE id = ?")
        .bind(&first_pax)
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    assert!(needs.contains("wheelchair") || needs.contains("unaccompanied_minor"), "{needs}");
    // Again: nothing new, all already held; nothing printed, so no reprint
    // is recorded in the ledger.
    let again = gatecare_bulk::Bulk(&st.store)
        .issue_bulk(&ctx, &flight, EntitlementKind::Meal, |_, _| {})
        .await
        .unwrap();
    assert_eq!((again.issued, again.reprinted), (0, 360));
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'issued'")
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    assert_eq!(issued, 360);
    let reprinted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'reprinted'")
        .fetch_one(st.store.pool())
        .await
        .unwrap();
    assert_eq!(reprinted, 0);
    // A voucher an agent voided stays void: bulk skips it (it serves again
    // only what central voided with its device's revoked key).
    st.store.void(&ctx, &summary.vouchers[0].voucher_id, "passenger left").await.unwrap();
    let third = gatecare_bulk::Bulk(&st.store)
        .issue_bulk(&ctx, &flight, EntitlementKind::Meal, |_, _| {})
        .await
        .unwrap();
    assert_eq!((third.issued, third.skipped, third.reprinted), (0, 1, 359));
    assert!(st.store.verify_chains().await.unwrap().is_ok());
}

#[tokio::test]
async fn loading_station_data_again_never_touches_issuance_history() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    st.store.issue(&ctx, &meal(&st, 0, 1)).await.unwrap();
    crate::support::load_demo(&st.store, &st.day).await;
    let issued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events").fetch_one(st.store.pool()).await.unwrap();
    assert_eq!(issued, 1);
}

// Boarding passes against a store loaded through the station-data path.

#[tokio::test]
async fn a_demo_pass_matches_only_its_own_booking() {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut c = gatecare_demo::DemoConfig::for_date(date);
    c.other_departures = 3;
    let day = gatecare_demo::generate(c);
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    crate::support::load_demo(&store, &day).await;
    let hkg = gatecare_core::AirportCode::parse("HKG").unwrap();

    let p = day.passengers.iter().find(|p| p.name.native.is_some() && p.group.is_none()).unwrap();
    let pass = gatecare_bcbp::parse(&p.boarding_pass).unwrap().pass;
    let m = store.match_boarding_pass(&pass, &hkg, date).await.unwrap().unwrap();
    assert_eq!(m.passenger_id, p.id.to_string());
    assert_eq!(m.native_name, p.name.native);

    // Same pass, another surname: no booking.
    let mut other = pass.clone();
    other.surname = "NOBODY".into();
    assert_eq!(
        store.match_boarding_pass(&other, &hkg, date).await.unwrap(),
        Err(gatecare_station::NoMatch::NoBooking)
    );
    // Another PNR.
    let mut other = pass.clone();
    other.legs[0].pnr = "ZZZZZZ".into();
    assert_eq!(
        store.match_boarding_pass(&other, &hkg, date).await.unwrap(),
        Err(gatecare_station::NoMatch::NoBooking)
    );
    // Another day (the pass's day of year points a week away).
    let mut other = pass.clone();
    other.legs[0].day_of_year -= 7;
    other.issue_date = None;
    assert_eq!(
        store.match_boarding_pass(&other, &hkg, date).await.unwrap(),
        Err(gatecare_station::NoMatch::UnknownFlight)
    );
    // Another flight.
    let mut other = pass.clone();
    other.legs[0].flight_number = "9999".into();
    assert_eq!(
        store.match_boarding_pass(&other, &hkg, date).await.unwrap(),
        Err(gatecare_station::NoMatch::UnknownFlight)
    );
    // Not from this station.
    let ams = gatecare_core::AirportCode::parse("AMS").unwrap();
    assert_eq!(
        store.match_boarding_pass(&pass, &ams, date).await.unwrap(),
        Err(gatecare_station::NoMatch::UnknownFlight)
    );
}

/// A lap infant's pass leaves the compartment and the seat blank, as real
/// ones do: it still matches the infant's own booking (PNR, surname, given
/// name, flight and date), not the parent's on the same PNR.
#[tokio::test]
async fn an_infants_pass_with_blank_compartment_and_seat_matches_the_infant() {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut c = gatecare_demo::DemoConfig::for_date(date);
    c.other_departures = 0;
    let day = gatecare_demo::generate(c);
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    crate::support::load_demo(&store, &day).await;
    let hkg = gatecare_core::AirportCode::parse("HKG").unwrap();
    let infants: Vec<_> =
        day.passengers.iter().filter(|p| p.needs.contains(&gatecare_core::SpecialNeed::Infant)).collect();
    assert!(!infants.is_empty());
    for p in infants {
        let parsed = gatecare_bcbp::parse(&p.boarding_pass).unwrap();
        let leg = &parsed.pass.legs[0];
        assert_eq!((leg.compartment, leg.seat.as_deref()), (None, None), "{}", p.boarding_pass);
        assert!(parsed.warnings.iter().any(|w| w.contains("compartment is blank")));
        let m = store.match_boarding_pass(&parsed.pass, &hkg, date).await.unwrap().unwrap();
        assert_eq!(m.passenger_id, p.id.to_string());
    }
}

#[tokio::test]
async fn a_group_member_is_told_apart_by_given_name() {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut c = gatecare_demo::DemoConfig::for_date(date);
    c.other_departures = 0;
    let day = gatecare_demo::generate(c);
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    crate::support::load_demo(&store, &day).await;
    let hkg = gatecare_core::AirportCode::parse("HKG").unwrap();
    // Tour-group members share one PNR.
    for p in day.passengers.iter().filter(|p| p.group.is_some()).take(20) {
        let pass = gatecare_bcbp::parse(&p.boarding_pass).unwrap().pass;
        let m = store.match_boarding_pass(&pass, &hkg, date).await.unwrap().unwrap();
        assert_eq!(m.passenger_id, p.id.to_string(), "seat tells namesakes apart");
    }
}

#[tokio::test]
async fn the_demo_loads_once_through_the_station_data_path_and_keeps_pins_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/gatecare.sqlite");
    let store = gatecare_station::Station::open(&path).await.unwrap();
    let day = crate::support::small_day(5);
    crate::support::load_demo(&store, &day).await;
    assert_eq!(store.counts().await.unwrap(), (6, day.passengers.len() as u64));
    // Loading the same document again changes nothing.
    crate::support::load_demo(&store, &day).await;
    assert_eq!(store.counts().await.unwrap(), (6, day.passengers.len() as u64));
    let updates: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM disruption_updates").fetch_one(store.pool()).await.unwrap();
    assert_eq!(updates, day.flights.iter().filter(|f| f.disruption.is_some()).count() as i64);
    store.close().await;
    let store = gatecare_station::Station::open(&path).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT pin_hash FROM agents WHERE code = 'A1001'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("246810"), "{hash}");
    let (lounges, bands): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM lounges WHERE station = 'HKG'), (SELECT COUNT(*) FROM star_bands)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((lounges as usize, bands as usize), (day.lounges.len(), day.star_bands.len()));
    // A store enrolled for another station refuses HKG's data.
    let other = gatecare_station::Station::open_in_memory().await.unwrap();
    sqlx::query(
        "INSERT INTO sync_enrolment (id, central_url, device_id, station, token, enrolled_at) \
         VALUES (1, 'http://x', '0194d7a0-0000-7000-8000-000000000000', 'PVG', 't', '2026-11-22T00:00:00Z')",
    )
    .execute(other.pool())
    .await
    .unwrap();
    let data = gatecare_demo::station::station_data(&day, &[]);
    let e = SyncStore(&other).load_station_data(&data, &[], chrono::Utc::now()).await.unwrap_err();
    assert!(e.to_string().contains("enrolled for PVG"), "{e}");
}

#[tokio::test]
async fn the_board_shows_cz342_delayed_overnight() {
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    let day = crate::support::small_day(5);
    crate::support::load_demo(&store, &day).await;
    let hkg = gatecare_core::AirportCode::parse("HKG").unwrap();
    let from = day.flights.iter().map(|f| f.scheduled_departure).min().unwrap() - chrono::Duration::hours(12);
    let board = store.flight_board(&hkg, from, from + chrono::Duration::days(2)).await.unwrap();
    assert_eq!(board.len(), 6);
    let cz = board.iter().find(|f| f.flight == "CZ342").unwrap();
    assert_eq!(cz.status, gatecare_station::FlightStatus::Delayed);
    assert_eq!(cz.delay_minutes, 14 * 60);
    assert_eq!((cz.scheduled_local.as_str(), cz.expected_local.as_deref()), ("13:30", Some("03:30")));
    assert_eq!(cz.expected_day_offset, 1);
    assert_eq!(cz.cause.as_deref(), Some("technical"));
    assert_eq!(cz.passengers, 180);
    assert_eq!(cz.destination_city, "Kunming");
    assert!(board.windows(2).all(|w| w[0].scheduled_departure <= w[1].scheduled_departure));
}

#[tokio::test]
async fn flight_numbers_have_one_normal_form_and_a_re_import_corrects_them() {
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    let day = crate::support::small_day(0);
    let cz342 = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap().clone();
    let mut data = gatecare_demo::station::station_data(&day, &[]);
    // The airline's export spells it with zeros, as boarding passes do.
    data.flights[0].number = "0342".into();
    SyncStore(&store)
        .load_station_data(
            &data,
            &[],
            chrono::DateTime::parse_from_rfc3339(crate::support::TEST_NOW).unwrap().to_utc(),
        )
        .await
        .unwrap();
    let hkg = gatecare_core::AirportCode::parse("HKG").unwrap();
    let p = day.passengers.iter().find(|p| p.flight_id == cz342.id && p.group.is_none()).unwrap();
    let pass = gatecare_bcbp::parse(&p.boarding_pass).unwrap().pass;
    assert_eq!(pass.legs[0].flight_number.trim_start_matches('0'), "342");
    let m = store.match_boarding_pass(&pass, &hkg, crate::support::demo_date()).await.unwrap();
    assert_eq!(m.map(|m| m.passenger_id), Ok(p.id.to_string()), "a pass of 0342 finds CZ342 from '0342'");
    // A corrected export renames the flight and lifts a tier; both show.
    data.flights[0].number = "3420".into();
    let member = data.loyalty.iter_mut().find(|l| l.tier == "silver").expect("a silver member");
    member.tier = "gold".into();
    let member_id = member.passenger_id.to_string();
    SyncStore(&store)
        .load_station_data(
            &data,
            &[],
            chrono::DateTime::parse_from_rfc3339(crate::support::TEST_NOW).unwrap().to_utc(),
        )
        .await
        .unwrap();
    let number: String = sqlx::query_scalar("SELECT number FROM flights WHERE id = ?")
        .bind(cz342.id.to_string())
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(number, "3420");
    let tier: String = sqlx::query_scalar("SELECT tier FROM loyalty_profiles WHERE passenger_id = ?")
        .bind(&member_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(tier, "gold");
}

/// Found in a station trial: one ticket on two flights (a passenger rebooked
/// from a cancelled flight onto the next day's keeps the ticket number, and
/// the station's data has both) broke the unique ticket, and the feed page
/// that held the second failed for good. A ticket is unique per flight.
#[tokio::test]
async fn a_passenger_rebooked_onto_the_next_days_flight_keeps_one_ticket_on_both() {
    let store = gatecare_station::Station::open_in_memory().await.unwrap();
    let day = crate::support::small_day(0);
    let mut data = gatecare_demo::station::station_data(&day, &[]);
    let today = data.flights.iter().find(|f| f.number.trim_start_matches('0') == "342").unwrap().clone();
    let tomorrow = gatecare_sync::station::FlightData {
        id: uuid::Uuid::now_v7(),
        scheduled_departure: today.scheduled_departure + chrono::Duration::days(1),
        scheduled_arrival: today.scheduled_arrival + chrono::Duration::days(1),
        ..today.clone()
    };
    let booking =
        data.bookings.iter().find(|b| b.flight_id == today.id && b.group.is_none()).unwrap().clone();
    data.flights.push(tomorrow.clone());
    data.bookings.push(gatecare_sync::station::BookingData { flight_id: tomorrow.id, ..booking.clone() });
    let at = chrono::DateTime::parse_from_rfc3339(crate::support::TEST_NOW).unwrap().to_utc();
    SyncStore(&store).load_station_data(&data, &[], at).await.unwrap();
    let hits = store.find_by_ticket(&booking.ticket_number).await.unwrap();
    let mut flights: Vec<String> = hits.iter().map(|h| h.flight_id.clone()).collect();
    flights.sort();
    let mut want = vec![today.id.to_string(), tomorrow.id.to_string()];
    want.sort();
    assert_eq!(flights, want, "both segments of the ticket");
    // The same ticket twice on one flight is still one segment.
    data.bookings.push(gatecare_sync::station::BookingData { flight_id: tomorrow.id, ..booking.clone() });
    SyncStore(&store).load_station_data(&data, &[], at).await.unwrap();
    assert_eq!(store.find_by_ticket(&booking.ticket_number).await.unwrap().len(), 2);
}

/// A store at schema 0014 with another device's voucher keeps it when 0015
/// turns `remote_issuance` into one row per voucher (`remote_vouchers`).
#[tokio::test]
async fn remote_issuance_survives_the_move_to_one_row_per_voucher() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("migrations");
    std::fs::create_dir(&old).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/gatecare-store/migrations");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0015" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let path = dir.path().join("store.sqlite");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path()).await.unwrap().run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO remote_issuance (entitlement_key, voucher_id, device, flight_id, passenger_id, kind, server_seq, actor) \
         VALUES ('CZ342/2026-11-22/7840000000001/meal/1', 'V-REMOTE', 'dev-uuid', 'F1', 'P1', 'meal', 7, 'KIOSK:HKG-K02')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = Station::open(&path).await.unwrap();
    let row: (String, String, String, Option<String>, i64) =
        sqlx::query_as("SELECT voucher_id, entitlement_key, device, actor, server_seq FROM remote_vouchers")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(
        row,
        (
            "V-REMOTE".into(),
            "CZ342/2026-11-22/7840000000001/meal/1".into(),
            "dev-uuid".into(),
            Some("KIOSK:HKG-K02".into()),
            7
        )
    );
    // The station's picture reads it, without the times it did not keep.
    let (serial, issued_at, remote): (String, String, i64) = sqlx::query_as(
        "SELECT serial, issued_at, remote FROM station_vouchers WHERE voucher_id = 'V-REMOTE'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((serial.as_str(), issued_at.as_str(), remote), ("", "", 1));
    let old_table: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'remote_issuance'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(old_table, 0);
}

/// A store enrolled before feed pages were signed (migrations up to 0018)
/// with `migrations_before` applied; its pool.
async fn store_before(dir: &std::path::Path, migrations_before: &str) -> std::path::PathBuf {
    let old = dir.join("migrations");
    std::fs::create_dir(&old).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/gatecare-store/migrations");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < migrations_before {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let path = dir.join("store.sqlite");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path()).await.unwrap().run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO sync_enrolment (id, central_url, device_id, station, token, enrolled_at) \
         VALUES (1, 'https://central.example', '0193a000-0000-7000-8000-000000000001', 'HKG', 'tok', '2026-11-01T00:00:00Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    path
}

#[tokio::test]
async fn an_enrolment_from_before_signed_feeds_pins_the_root_it_already_trusted() {
    // With the trust list central had sent it: that root is pinned.
    let dir = tempfile::tempdir().unwrap();
    let path = store_before(dir.path(), "0019").await;
    let root = "ab".repeat(32);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('trust_list', ?)")
        .bind(
            serde_json::json!({"format": "gatecare-trust-list/1", "root": {"kid": "R", "public_key": root}})
                .to_string(),
        )
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let store = Station::open(&path).await.unwrap();
    let e = store.enrolment().await.unwrap().unwrap();
    assert_eq!(e.root_public_key.as_deref(), Some(root.as_str()));
    let status = SyncStore(&store).sync_status().await.unwrap();
    assert_eq!((status.feed_refused, status.feed_signed_at), (0, None));

    // Without one, nothing is pinned, and sync says to enrol again rather
    // than trusting whatever answers.
    let dir = tempfile::tempdir().unwrap();
    let store = Station::open(&store_before(dir.path(), "0019").await).await.unwrap();
    let e = store.enrolment().await.unwrap().unwrap();
    assert_eq!(e.root_public_key, None);
    let client = gatecare_link::CentralClient::for_enrolment(&e).unwrap();
    let err = gatecare_link::sync_once(&store, &client, &e, "HKG-K01", Utc::now()).await.unwrap_err();
    assert_eq!(err.code(), "sync.root_not_pinned", "{err}");
}

#[tokio::test]
async fn a_vouchers_words_are_the_stations_from_the_policy_else_the_general_ones() {
    let st = station().await;
    let agent = st.agent("A1001", "246810").await;
    let policy = Policy::default_policy();
    let ctx = IssueContext::new("HKG-K01", &agent, &policy, now());
    let issued = st.store.issue(&ctx, &meal(&st, 0, 1)).await.unwrap();
    let signer = st.store.device_signer("HKG-K01", now()).await.unwrap();
    let words = || async {
        let sheet =
            gatecare_print::vouchers::voucher_sheet(&st.store, &issued.voucher_id, &signer).await.unwrap();
        (sheet.buys_en, sheet.buys_zh)
    };
    // The shipped policy says where at HKG a meal is bought.
    let (en, zh) = words().await;
    assert!(en.contains("Terminal 1") && zh.contains("一号客运大楼"), "{en} / {zh}");

    // The policy central sent the station is the one its vouchers follow.
    let own = gatecare_policy::DEFAULT_POLICY.replace(
        "One meal and a drink at any food outlet airside in Terminal 1.",
        "One meal and a drink at any outlet in the Sky Hall.",
    );
    let set = |text: String| {
        sqlx::query("INSERT INTO settings (key, value) VALUES ('central_policy', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(text)
            .execute(st.store.pool())
    };
    set(own).await.unwrap();
    assert_eq!(words().await.0, "One meal and a drink at any outlet in the Sky Hall.");

    // A policy without words for the station: the general ones.
    let none = gatecare_policy::DEFAULT_POLICY.split("[[vouchers.wording]]").next().unwrap().to_owned();
    set(none).await.unwrap();
    let (en, zh) = words().await;
    assert_eq!(
        (en.as_str(), zh.as_str()),
        (gatecare_voucher::terms::wording("meal").buys_en, gatecare_voucher::terms::wording("meal").buys_zh)
    );
    assert!(!en.contains("Terminal"), "{en}");
}

/// The store holds the signing key and the device token: it, its `-wal` and
/// `-shm`, and its folder are the owner's only, and a store an older build
/// left readable to others is tightened when opened.
#[tokio::test]
async fn a_store_and_its_folder_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("gatecare");
    let path = folder.join("station.sqlite");
    let store = Station::open(&path).await.unwrap();
    store.record_sync(now()).await.unwrap();
    assert_eq!(mode(&folder), 0o700);
    for file in ["station.sqlite", "station.sqlite-wal", "station.sqlite-shm"] {
        assert_eq!(mode(&folder.join(file)), 0o600, "{file}");
    }
    store.close().await;
    // An upgraded kiosk: what an older build left world-readable.
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Station::open(&path).await.unwrap();
    assert_eq!((mode(&folder), mode(&path)), (0o700, 0o600));
    store.close().await;
    // A store planted as a link elsewhere is refused with a clear message.
    let planted = dir.path().join("planted.sqlite");
    std::os::unix::fs::symlink(&path, &planted).unwrap();
    let refused = Station::open(&planted).await.map(|_| ()).unwrap_err();
    assert_eq!(refused.code(), "store.not_private");
    assert!(refused.to_string().contains("symbolic link"), "{refused}");
    let whole = format!("{:#}", anyhow::Error::from(refused));
    assert_eq!(whole.matches("symbolic link").count(), 1, "said once: {whole}");
    // A bare file name: its folder is the working folder, tightened too.
    let here = dir.path().join("here");
    Station::open(&here.join("bare.sqlite")).await.unwrap().close().await;
    std::fs::set_permissions(&here, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new(crate::support::binary("GATECARE_CLI_BIN", "gatecare"))
        .args(["retention", "--db", "bare.sqlite"])
        .current_dir(&here)
        .env("GATECARE_CONFIG", "/nonexistent/gatecare-test.toml")
        .env("GATECARE_NOW", crate::support::TEST_NOW)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!((mode(&here), mode(&here.join("bare.sqlite"))), (0o700, 0o600));
}

/// A fresh device's first two issues at once (a double tap, bulk beside a
/// single issue) share the one first signing key; neither fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_first_issues_at_once_share_the_devices_first_key() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let store = Station::open(&dir.path().join("fresh.sqlite")).await.unwrap();
        let (a, b) =
            tokio::join!(store.device_signer("HKG-K01", now()), store.device_signer("HKG-K01", now()));
        let (a, b) = (a.expect("first"), b.expect("second"));
        assert_eq!((a.kid.as_str(), a.public_hex()), ("HKG-K01#1", b.public_hex()));
        assert_eq!(store.device_signer("HKG-K01", now()).await.unwrap().public_hex(), a.public_hex());
    }
}
