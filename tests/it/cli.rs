//! `gatecare` as a user runs it: arguments in, JSON out, exit codes.

use serde_json::Value;

use crate::support::{gatecare, seeded_store};

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn demo_seed_keeps_data_unless_reset() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.sqlite");
    let db = db.to_str().unwrap();
    let first = json(&gatecare(&["demo", "seed", "--db", db, "--date", "2026-11-22"], &[]));
    assert_eq!(first["seeded"], true);
    assert_eq!(first["flights"], 150);
    let passengers = first["passengers"].as_u64().unwrap();
    assert!((25_000..=36_000).contains(&passengers), "{passengers}");
    assert_eq!(first["demo_date"], "2026-11-22");
    // The demo comes with complaint cases: one unowned, one in progress, a
    // resolved one, a repeat failure and an early-warning alert.
    assert_eq!(first["cases"], 6);

    let again = json(&gatecare(&["demo", "seed", "--db", db], &[]));
    assert_eq!(again["seeded"], false, "a re-run keeps existing data");
    assert_eq!(again["passengers"].as_u64(), Some(passengers));

    let reset = json(&gatecare(&["demo", "seed", "--db", db, "--date", "2026-11-22", "--reset"], &[]));
    assert_eq!(reset["seeded"], true);
    assert_eq!(reset["passengers"].as_u64(), Some(passengers), "the generator is deterministic");
}

#[tokio::test]
async fn flights_board_shows_cz342_fourteen_hours_late() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.sqlite");
    seeded_store(&db, 10).await;
    let board = json(&gatecare(&["flights", "--db", db.to_str().unwrap()], &[]));
    let flights = board.as_array().unwrap();
    assert_eq!(flights.len(), 11);
    let cz = flights.iter().find(|f| f["flight"] == "CZ342").expect("CZ342 on the board");
    assert_eq!(cz["destination"], "KMG");
    assert_eq!(cz["status"], "delayed");
    assert_eq!(cz["delay_minutes"], 840);
    assert_eq!(cz["scheduled_local"], "13:30");
    assert_eq!(cz["expected_local"], "03:30");
    assert_eq!(cz["cause"], "technical");
    assert_eq!(cz["passengers"], 180);
}

/// `gatecare retention` forgets what the policy says is due and says what:
/// nothing on the demo's day, the whole day's manifest eight days later.
#[tokio::test]
async fn retention_forgets_the_days_manifest_a_week_after_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.sqlite");
    seeded_store(&db, 2).await;
    let db = db.to_str().unwrap();
    let today = json(&gatecare(&["retention", "--db", db], &[]));
    assert_eq!(today["flights"].as_array().map(Vec::len), Some(0), "{today}");
    let later = json(&gatecare(&["retention", "--db", db], &[("GATECARE_NOW", "2026-11-30T12:00:00Z")]));
    assert_eq!(later["flights"].as_array().map(Vec::len), Some(3), "{later}");
    assert!(later["passengers"].as_u64().unwrap() > 100, "{later}");
    let board = json(&gatecare(&["flights", "--db", db, "--date", "2026-11-22"], &[]));
    let cz = board.as_array().unwrap().iter().find(|f| f["flight"] == "CZ342").expect("the flight stays");
    assert_eq!(cz["passengers"], 0, "its manifest is forgotten");
}

#[tokio::test]
async fn demo_passengers_lists_bookings_to_try_at_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.sqlite");
    seeded_store(&db, 0).await;
    let list = json(&gatecare(
        &["demo", "passengers", "--db", db.to_str().unwrap(), "--flight", "CZ342", "--limit", "3"],
        &[],
    ));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|p| p["boarding_pass"].as_str().is_some_and(|b| b.starts_with("M1"))));
    assert!(list.iter().all(|p| p["pnr"].as_str().is_some_and(|x| x.len() == 6)));
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.sqlite");
    let out = gatecare(&["flights", "--db", missing.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database"), "{err}");
    assert!(!missing.exists(), "a failed look-up creates nothing");

    let out = gatecare(&["flights"], &[("GATECARE_STATION", "QQQ")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("station"));

    let out = gatecare(&["demo", "seed", "--date", "2026-13-45"], &[]);
    assert_eq!(out.status.code(), Some(2));

    let out = gatecare(&["no-such-command"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_foreign_file_is_refused_and_left_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("foreign.sqlite");
    let junk = b"PK\x03\x04 this is a zip file, not a Gatecare database".repeat(20);
    std::fs::write(&db, &junk).unwrap();
    let out = gatecare(&["demo", "seed", "--db", db.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.is_empty());
    assert_eq!(std::fs::read(&db).unwrap(), junk);
}

/// `gatecare-central admin cases`: the cross-station recovery summary as
/// JSON; a reversed window or a broken policy file is refused.
#[test]
fn central_admin_cases_reports_the_recovery_summary() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let central = |args: &[&str], policy: Option<&std::path::Path>| {
        let mut cmd =
            std::process::Command::new(crate::support::binary("GATECARE_CENTRAL_BIN", "gatecare-central"));
        cmd.arg("--database").arg(&db).args(args).env_remove("GATECARE_CENTRAL_POLICY");
        if let Some(p) = policy {
            cmd.env("GATECARE_CENTRAL_POLICY", p);
        }
        cmd.output().unwrap()
    };
    let summary = json(&central(&["admin", "cases", "--from", "2026-11-16", "--to", "2026-11-22"], None));
    assert_eq!(summary["stations"], serde_json::json!([]));
    assert_eq!(summary["early_warning"]["threshold"], 3);
    assert_eq!(summary["early_warning"]["by_day"].as_array().unwrap().len(), 7);
    let reversed = central(&["admin", "cases", "--from", "2026-11-22", "--to", "2026-11-16"], None);
    assert!(!reversed.status.success());
    assert!(String::from_utf8_lossy(&reversed.stderr).contains("--to"));
    // The airline's policy sets the threshold.
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        gatecare_policy::DEFAULT_POLICY.replace("alert_threshold = 3", "alert_threshold = 5"),
    )
    .unwrap();
    let s = json(&central(&["admin", "cases", "--from", "2026-11-22", "--to", "2026-11-22"], Some(&policy)));
    assert_eq!(s["early_warning"]["threshold"], 5);
    std::fs::write(&policy, "not = [valid").unwrap();
    let broken = central(&["admin", "cases", "--from", "2026-11-22", "--to", "2026-11-22"], Some(&policy));
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("policy"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

/// The demo day exported as station data and imported by central, as an
/// airline's IT team would run it.
#[test]
fn demo_station_data_imports_into_central() {
    let dir = tempfile::tempdir().unwrap();
    let out = gatecare(&["demo", "station-data", "--date", "2026-11-22", "--flight", "CZ342"], &[]);
    let data = json(&out);
    assert_eq!(data["flights"].as_array().unwrap().len(), 1);
    assert_eq!(data["bookings"].as_array().unwrap().len(), 180);
    let file = dir.path().join("hkg.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let db = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let central = |args: &[&str]| {
        std::process::Command::new(crate::support::binary("GATECARE_CENTRAL_BIN", "gatecare-central"))
            .arg("--database")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let report = json(&central(&["admin", "station-data", file.to_str().unwrap()]));
    assert_eq!(report["station"], "HKG");
    assert_eq!(report["bookings"], 180);
    // The flight, its manifest in two chunks, the profiles, four hotel blocks,
    // the lounges, the star bands and CZ342's delay as operations publish it.
    let lounges = data["lounges"].as_array().unwrap().len() as u64;
    assert_eq!(data["disruptions"][0]["cause"], "technical");
    assert_eq!(report["feed_items"].as_u64(), Some(1 + 2 + 1 + 4 + lounges + 1 + 1));
    assert_eq!(data["policy"], serde_json::Value::Null, "none unless asked for");
    // The airline's own policy, from the shipped one, goes with the data (found in a trial).
    let shipped = gatecare(&["care", "policy"], &[]);
    assert_eq!(String::from_utf8_lossy(&shipped.stdout), gatecare_policy::DEFAULT_POLICY);
    let own = dir.path().join("policy.toml");
    std::fs::write(
        &own,
        gatecare_policy::DEFAULT_POLICY.replacen("amount_minor = 12000", "amount_minor = 15000", 1),
    )
    .unwrap();
    let with = |p: &std::path::Path| {
        gatecare(&["demo", "station-data", "--flight", "CZ342", "--policy", p.to_str().unwrap()], &[])
    };
    let published = json(&with(&own));
    assert!(published["policy"].as_str().unwrap().contains("amount_minor = 15000"));
    std::fs::write(&own, "[meals\n").unwrap();
    let bad = with(&own);
    assert_eq!(bad.status.code(), Some(2), "a policy that does not parse is bad input");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--policy"));
    // A flight the demo does not have is bad input; a broken file is refused.
    let unknown = gatecare(&["demo", "station-data", "--date", "2026-11-22", "--flight", "ZZ9999"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    std::fs::write(&file, b"{\"station\": \"HKG\", \"flights\": [{}]}").unwrap();
    let broken = central(&["admin", "station-data", file.to_str().unwrap()]);
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("not station data"));
    // A reader that stops early (`| head`) is no panic: the report is cut, the import stands.
    std::fs::write(&file, &out.stdout).unwrap();
    let mut cut =
        std::process::Command::new(crate::support::binary("GATECARE_CENTRAL_BIN", "gatecare-central"))
            .arg("--database")
            .arg(&db)
            .args(["admin", "station-data", file.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    drop(cut.stdout.take());
    let done = cut.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success() && !stderr.contains("panicked"), "{:?} {stderr}", done.status);
}

/// The demo's agents as an administrator adds them to central (`cargo xtask
/// run` does): one JSON line each, with the README's PINs.
#[test]
fn demo_agents_are_listed_for_central() {
    let out = gatecare(&["demo", "agents"], &[]);
    assert!(out.status.success());
    let agents: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let codes: Vec<&str> = agents.iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["A1001", "A1002", "S2001", "D3001"]);
    assert_eq!(agents[0]["pin"], "246810");
    assert_eq!(agents[3]["role"], "duty_manager");
    assert!(agents.iter().all(|a| a["station"] == "HKG"));
}

/// `gatecare-central serve --tls-cert --tls-key` serves HTTPS; a
/// certificate without its key is refused before anything listens.
#[tokio::test]
async fn central_serves_https_with_the_airline_certificate() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let (ca, _, _) = crate::central::tls::certificates(dir.path());
    let bin = crate::support::binary("GATECARE_CENTRAL_BIN", "gatecare-central");
    let db = format!("sqlite:{}", dir.path().join("central.sqlite").display());
    let (cert, key) = (dir.path().join("central.pem"), dir.path().join("central.key"));
    let root = dir.path().join("root.key");
    // Central never invents a root key: without one it refuses to serve.
    let keyless = std::process::Command::new(&bin)
        .args(["--database", &db, "serve", "--listen", "127.0.0.1:0", "--root-key"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(!keyless.status.success());
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("admin root-key init"));
    assert!(!root.exists());
    let init = std::process::Command::new(&bin)
        .args(["--database", &db, "admin", "root-key", "init", "--root-key"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&root).unwrap().permissions().mode() & 0o777, 0o600);
    let again = std::process::Command::new(&bin)
        .args(["--database", &db, "admin", "root-key", "init", "--root-key"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a second init must not replace the key");
    let half = std::process::Command::new(&bin)
        .args(["--database", &db, "serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(!half.status.success());
    let mut child = std::process::Command::new(&bin)
        .args(["--database", &db, "serve", "--listen", "127.0.0.1:0", "--root-key"])
        .arg(&root)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().unwrap().to_owned();
    assert!(line.starts_with("listening on https://"), "{line}");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .build()
        .unwrap();
    let health = client.get(format!("https://localhost:{port}/healthz")).send().await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health.unwrap().text().await.unwrap(), "ok\n");
}

/// The root key's commands touch no database: run where an administrator
/// keeps the key, they leave no empty central database behind.
#[test]
fn root_key_init_creates_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let bin = crate::support::binary("GATECARE_CENTRAL_BIN", "gatecare-central");
    let out = std::process::Command::new(&bin)
        .current_dir(dir.path())
        .env_remove("GATECARE_CENTRAL_DATABASE")
        .args(["admin", "root-key", "init", "--root-key", "root.key"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = std::process::Command::new(&bin)
        .current_dir(dir.path())
        .env_remove("GATECARE_CENTRAL_DATABASE")
        .args(["admin", "root-key", "public", "--root-key", "root.key"])
        .output()
        .unwrap();
    assert!(public.status.success());
    assert_eq!(String::from_utf8_lossy(&public.stdout), String::from_utf8_lossy(&out.stdout));
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["root.key"]);
}

/// A device enrols over plain http:// only with this machine: on an airport
/// network the token and the feed would be anyone's (issue #23 §4).
#[test]
fn plain_http_reaches_only_this_machine_unless_the_operator_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite");
    let db = db.to_str().unwrap();
    let fp = format!("sha256:{}", "0".repeat(64));
    // A fingerprint that is not one is refused before anything else.
    let args = [
        "sync",
        "enrol",
        "--db",
        db,
        "--central",
        "http://127.0.0.1:9",
        "--code",
        "X",
        "--root-fingerprint",
        "abc",
    ];
    let out = gatecare(&args, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--root-fingerprint"));
    for central in ["http://192.0.2.10:8600", "http://central.example:8600/", "http://[2001:db8::1]:8600"] {
        let out = gatecare(
            &[
                "sync",
                "enrol",
                "--db",
                db,
                "--central",
                central,
                "--code",
                "ABCD-EFGH-JKMN",
                "--root-fingerprint",
                &fp,
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{central}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("plain http:// reaches only this machine") && err.contains("--insecure-http"),
            "{err}"
        );
        let out = gatecare(&["voucher", "redeem", "GC1:X", "--central", central, "--token", "t"], &[]);
        assert_eq!(out.status.code(), Some(2), "{central}");
    }
    assert!(!std::path::Path::new(db).exists(), "nothing created for a refused enrolment");
    // Loopback is this machine (nothing listens on port 9: unreachable, exit 1).
    for central in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        let out = gatecare(
            &[
                "sync",
                "enrol",
                "--db",
                db,
                "--central",
                central,
                "--code",
                "ABCD-EFGH-JKMN",
                "--root-fingerprint",
                &fp,
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(1), "{central}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
