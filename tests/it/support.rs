//! Shared test plumbing: where the built binaries are, and demo stores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use gatecare_demo::{DemoConfig, DemoDay};
use gatecare_station::Station;
use gatecare_store_sync::SyncStore;

/// The fixed demo date and clock of the tests: 14:00 in Hong Kong, when
/// CZ342 (scheduled 13:30) is already 30 minutes late.
pub const DEMO_DATE: (i32, u32, u32) = (2026, 11, 22);
pub const TEST_NOW: &str = "2026-11-22T06:00:00Z";

pub fn demo_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(DEMO_DATE.0, DEMO_DATE.1, DEMO_DATE.2).expect("valid date")
}

/// A small day (CZ342 and `others` more departures) keeps tests quick.
pub fn small_day(others: usize) -> DemoDay {
    let mut c = DemoConfig::for_date(demo_date());
    c.other_departures = others;
    gatecare_demo::generate(c)
}

/// A store at `path` holding a small demo day, loaded as a station gets its
/// data: central's station data and agent records, through the store's loader.
pub async fn seeded_store(path: &Path, others: usize) -> DemoDay {
    let day = small_day(others);
    let store = Station::open(path).await.expect("open store");
    load_demo(&store, &day).await;
    store.close().await;
    day
}

/// Loads a demo day into a store through the station-data path.
pub async fn load_demo(store: &Station, day: &DemoDay) {
    let data = gatecare_demo::station::station_data(day, &[]);
    let agents =
        gatecare_demo::station::agent_feed_bodies(day, gatecare_store::agents::hash_pin).expect("hash");
    let now = chrono::DateTime::parse_from_rfc3339(TEST_NOW).expect("time").to_utc();
    SyncStore(store).load_station_data(&data, &agents, now).await.expect("load the demo's station data");
    store.mark_demo_day(day.date).await.expect("demo date");
}

/// target/debug, found from this test binary (target/debug/deps/it-…).
fn debug_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().and_then(Path::parent).expect("target/debug").to_path_buf()
}

pub fn binary(env: &str, name: &str) -> PathBuf {
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| debug_dir().join(name));
    assert!(
        path.is_file(),
        "{} not found at {} (build it first: cargo build --workspace --all-targets)",
        name,
        path.display()
    );
    path
}

/// Runs `gatecare` with arguments and a clean, fixed environment.
pub fn gatecare(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary("GATECARE_CLI_BIN", "gatecare"));
    cmd.args(args)
        .env_remove("GATECARE_DB")
        .env_remove("GATECARE_STATION")
        .env_remove("GATECARE_MODE")
        .env_remove("GATECARE_ROOT_FINGERPRINT")
        .env("GATECARE_CONFIG", "/nonexistent/gatecare-test.toml")
        .env("GATECARE_NOW", TEST_NOW);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run gatecare")
}

pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("GATECARE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| debug_dir().join("e2e-artifacts"));
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// A file of the public test data, copied into `tests/fixtures/` from the
/// project's shared source so a clone alone passes. Missing data fails the
/// test: it is not optional.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The CJK font the vouchers use (Debian fonts-noto-cjk, installed by xtask).
pub fn voucher_fonts() -> gatecare_voucher::pdf::Fonts {
    let bytes =
        std::fs::read("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").expect("fonts-noto-cjk");
    gatecare_voucher::pdf::Fonts::from_bytes(&bytes, 2).expect("font parses")
}

/// A statutory meal of HKD 120 for a passenger of a flight: what most
/// tests issue.
pub fn meal_request(
    passenger_id: impl ToString,
    flight_id: impl ToString,
    ordinal: u32,
) -> gatecare_station::IssueRequest {
    gatecare_station::IssueRequest {
        passenger_id: passenger_id.to_string(),
        flight_id: flight_id.to_string(),
        kind: gatecare_ledger::EntitlementKind::Meal,
        ordinal,
        value: gatecare_core::Money::new(12000, gatecare_core::Currency::parse("HKD").expect("HKD")),
        statutory: true,
        customer_stars: 2,
        approver: None,
        reason: "meal owed".into(),
        hotel_block_id: None,
        details: serde_json::json!({}),
    }
}
