//! Crash safety: the issuing process is killed with SIGKILL at failpoints
//! inside the transaction, between commit and print, during the print, and
//! at random moments. After every kill the store must show: nothing issued
//! twice, no printed serial missing from the ledger, hash chains intact, a
//! gapless sync log; and a restart finishes the work without duplicates.
//! 200 rounds in CI, 1,000 under `cargo xtask test --full`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gatecare_station::Station;

use crate::support::{binary, seeded_store};

const FAILPOINTS: &[&str] =
    &["issue.in_transaction", "issue.before_commit", "issue.after_commit", "print.during"];

fn rounds() -> u32 {
    gatecare_testkit::sized(200, 1000)
}

fn drill(db: &str, ordinal: u32, count: u32, failpoint: Option<String>) -> Child {
    let mut cmd = Command::new(binary("GATECARE_CLI_BIN", "gatecare"));
    cmd.args([
        "ledger",
        "crash-drill",
        "--db",
        db,
        "--ordinal",
        &ordinal.to_string(),
        "--count",
        &count.to_string(),
    ])
    .env("GATECARE_CONFIG", "/nonexistent/gatecare-test.toml")
    .env("GATECARE_NOW", "2026-11-22T14:00:00Z")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    match failpoint {
        Some(f) => cmd.env("GATECARE_FAILPOINT", f),
        None => cmd.env_remove("GATECARE_FAILPOINT"),
    };
    cmd.spawn().expect("spawn the drill")
}

fn sigkill(child: &mut Child) {
    let _ = Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
    let _ = child.wait();
}

/// Waits for the child to report reaching its failpoint (or to exit).
fn wait_for_failpoint(child: &mut Child) -> bool {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("FAILPOINT") {
                let _ = tx.send(true);
                return;
            }
        }
        let _ = tx.send(false);
    });
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or(false)
}

async fn check_invariants(db: &std::path::Path, round: u32) {
    let store = Station::open(db).await.unwrap_or_else(|e| panic!("round {round}: reopen: {e}"));
    let dup: Vec<String> = sqlx::query_scalar(
        "SELECT entitlement_key FROM ledger_events WHERE event = 'issued' GROUP BY entitlement_key HAVING COUNT(*) > 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(dup.is_empty(), "round {round}: issued twice: {dup:?}");
    let orphans: Vec<String> = sqlx::query_scalar(
        "SELECT serial FROM print_journal WHERE serial NOT IN (SELECT serial FROM ledger_events WHERE event = 'issued')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(orphans.is_empty(), "round {round}: printed but not in the ledger: {orphans:?}");
    assert!(store.verify_chains().await.unwrap().is_ok(), "round {round}: hash chain broken");
    let (max, n): (Option<i64>, i64) =
        sqlx::query_as("SELECT MAX(seq), COUNT(*) FROM sync_events").fetch_one(store.pool()).await.unwrap();
    assert_eq!(max.unwrap_or(0), n, "round {round}: gaps in the sync log");
    store.close().await;
}

#[tokio::test]
async fn sigkill_at_any_moment_never_issues_twice_or_loses_a_print() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.sqlite");
    seeded_store(&path, 2).await;
    let db = path.to_str().unwrap().to_owned();
    let rounds = rounds();
    let mut rng: u64 = 0x5EED_CAFE;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut at_failpoint, mut random) = (0, 0);
    let started = Instant::now();
    for round in 0..rounds {
        let ordinal = round + 1;
        let count = 3 + (next() % 4) as u32;
        let mode = round as usize % (FAILPOINTS.len() + 1);
        if let Some(fp) = FAILPOINTS.get(mode) {
            // The k-th hit, so kills land on different passengers.
            let k = 1 + next() % count as u64;
            let mut child = drill(&db, ordinal, count, Some(format!("{fp}:{k}")));
            assert!(wait_for_failpoint(&mut child), "round {round}: the drill never reached {fp}:{k}");
            sigkill(&mut child);
            at_failpoint += 1;
        } else {
            let mut child = drill(&db, ordinal, count, None);
            std::thread::sleep(Duration::from_millis(next() % 60));
            sigkill(&mut child);
            random += 1;
        }
        check_invariants(&path, round).await;

        // Restart: the same work completes, reprinting what was committed.
        let child = drill(&db, ordinal, count, None);
        let out = child.wait_with_output().expect("drill");
        assert!(
            out.status.success(),
            "round {round}: restart failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines = String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with("ISSUED")).count();
        assert_eq!(lines, count as usize, "round {round}");
        check_invariants(&path, round).await;
    }
    let store = Station::open(&path).await.unwrap();
    let keys: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT entitlement_key) FROM ledger_events WHERE event = 'issued'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'issued'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(keys, issued);
    // Every issued voucher was eventually printed.
    let unprinted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_events l WHERE event = 'issued' AND NOT EXISTS \
         (SELECT 1 FROM print_journal p WHERE p.voucher_id = l.voucher_id AND p.state = 'printed')",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(unprinted, 0);
    eprintln!(
        "crash test: {rounds} rounds ({at_failpoint} at failpoints, {random} at random moments), {issued} entitlements, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
