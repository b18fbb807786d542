//! `gatecare bcbp parse` against the public fixtures and real-world quirks.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{binary, fixture, gatecare};

fn parse_ok(input: &str, extra: &[&str]) -> Value {
    let mut args = vec!["bcbp", "parse", input];
    args.extend(extra);
    let out = gatecare(&args, &[]);
    assert!(out.status.success(), "{input:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn same(expected: &Value, actual: &Value, key: &str) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) if key == "flight_number" => {
            e.trim().trim_start_matches('0') == a.trim().trim_start_matches('0')
        }
        (Value::String(e), Value::String(a)) => e.trim() == a.trim(),
        (e, a) => e == a,
    }
}

#[test]
fn every_public_fixture_matches() {
    let text = fixture("bcbp-public.jsonl");
    let mut checked = 0;
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let case: Value = serde_json::from_str(line).expect("fixture line is JSON");
        let input = case["input"].as_str().expect("input");
        let out = parse_ok(input, &[]);
        let expect = &case["expect"];
        for key in ["surname", "given_names"] {
            if let Some(e) = expect.get(key) {
                assert!(same(e, &out[key], key), "case {i} {key}: {e} vs {}", out[key]);
            }
        }
        let legs = expect["legs"].as_array().cloned().unwrap_or_default();
        assert_eq!(out["legs"].as_array().map(Vec::len), Some(legs.len()), "case {i} leg count");
        for (n, leg) in legs.iter().enumerate() {
            for (key, e) in leg.as_object().expect("leg object") {
                let a = &out["legs"][n][key];
                assert!(same(e, a, key), "case {i} leg {n} {key}: expected {e}, got {a}");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} fields checked");
}

#[test]
fn reads_standard_input_and_keeps_trailing_spaces() {
    let input = "M1ASKREN/TEST         EA272SL ORDNRTUA 0881 007F002K0303 15C>3180 K6007BUA              2901624760758980 UA UA EY975897            *30600    09  UAG    ";
    let mut child = Command::new(binary("GATECARE_CLI_BIN", "gatecare"))
        .args(["bcbp", "parse", "--reference-date", "2026-01-07"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(format!("{input}\r\n").as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["legs"][0]["airline_data"], "*30600    09  UAG    ");
    // Issued on day 7 of a year ending in 6, flying on day 7: 2026-01-07.
    assert_eq!(v["issue_date"], "2026-01-07");
    assert_eq!(v["legs"][0]["flight_date"], "2026-01-07");
    assert_eq!(v["warnings"], serde_json::json!([]));
}

#[test]
fn contract_fields_are_typed_as_documented() {
    let v = parse_ok(
        "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J    0025A100",
        &["--reference-date", "2026-11-20"],
    );
    let leg = &v["legs"][0];
    assert_eq!(v["electronic_ticket"], true);
    assert_eq!(v["version"], Value::Null);
    assert_eq!(leg["seat"], Value::Null);
    assert_eq!(leg["check_in_sequence"], 25);
    assert_eq!(leg["check_in_sequence_suffix"], "A");
    assert_eq!(leg["frequent_flyer_number"], Value::Null);
    assert_eq!(leg["flight_date"], "2026-11-22");
    assert_eq!(v["security"], Value::Null);
    assert!(v["warnings"].as_array().is_some_and(|w| !w.is_empty()));
    // Without a reference date there is no flight_date.
    let v = parse_ok("M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100", &[]);
    assert!(v["legs"][0].get("flight_date").is_none());
}

#[test]
fn what_is_not_a_pass_exits_2_never_101() {
    let inputs: &[&str] = &[
        "",
        "hello world",
        "M9",
        "M1DESMARAIS/LUC       EABC123 YU",
        "M1DESMARAIS/LUC       EABC123 Y1LFRAAC 0834 326J001A0025 100",
        "{\"json\": \"hostile\"}",
        "M1张伟/测试               EABC123 YULFRAAC 0834 326J001A0025 100",
    ];
    for input in inputs {
        let out = gatecare(&["bcbp", "parse", input], &[]);
        assert_eq!(out.status.code(), Some(2), "{input:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "one line for {input:?}: {err}");
        assert!(err.starts_with("gatecare: bcbp:"), "{err}");
    }
}

#[test]
fn every_demo_passenger_has_a_scannable_pass() {
    let day = crate::support::small_day(3);
    for p in day.passengers.iter().step_by(7) {
        let v = parse_ok(&p.boarding_pass, &["--reference-date", "2026-11-22"]);
        let leg = &v["legs"][0];
        assert_eq!(leg["pnr"], p.pnr.as_str());
        assert_eq!(leg["flight_date"], "2026-11-22");
        assert_eq!(v["surname"], gatecare_demo::ascii_fold(&p.name.surname));
        // A lap infant's pass is blank where real ones are, and says so;
        // every other demo pass reads without a warning.
        if p.needs.contains(&gatecare_core::SpecialNeed::Infant) {
            assert_eq!(
                (&leg["compartment"], &leg["seat"]),
                (&serde_json::Value::Null, &serde_json::Value::Null)
            );
            assert_eq!(
                v["warnings"],
                serde_json::json!(["leg 1: compartment is blank", "leg 1: seat is blank"]),
                "{}",
                p.boarding_pass
            );
        } else {
            assert_eq!(v["warnings"], serde_json::json!([]), "{}", p.boarding_pass);
        }
    }
}
