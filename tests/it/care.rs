//! `gatecare care evaluate` against the public fixtures and our own
//! scenarios (crates/gatecare-care/scenarios/own.jsonl), with the check
//! vocabulary of tests/fixtures/public-README.md plus a few keys of our own.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{binary, fixture, gatecare};

fn evaluate(scenario: &Value) -> Result<Value, (Option<i32>, String)> {
    let mut child = Command::new(binary("GATECARE_CLI_BIN", "gatecare"))
        .args(["care", "evaluate", "-"])
        .env("GATECARE_CONFIG", "/nonexistent/gatecare-test.toml")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gatecare");
    child.stdin.take().expect("stdin").write_all(scenario.to_string().as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("JSON"))
    } else {
        Err((out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned()))
    }
}

fn strings(v: &Value) -> Vec<String> {
    let mut s: Vec<String> =
        v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect();
    s.sort();
    s
}

/// Every failed check, in words.
fn check(expect: &Value, out: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    let regimes = strings(&out["regimes"]);
    let care = strings(&out["care_due"]);
    let later: Vec<String> = out["care_later"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["kind"].as_str().map(String::from))
        .collect();
    let comp = out["compensation"].as_array().cloned().unwrap_or_default();
    let has_comp = |e: &Value| {
        comp.iter().any(|c| c["amount_minor"] == e["amount_minor"] && c["currency"] == e["currency"])
    };
    for (key, e) in expect.as_object().expect("expect object") {
        let ok = match key.as_str() {
            "regime" => regimes.contains(&e.as_str().unwrap_or_default().to_string()),
            "regimes_exclude" => strings(e).iter().all(|r| !regimes.contains(r)),
            "regimes_exactly" => {
                let want: Vec<String> =
                    e.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect();
                out["regimes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect::<Vec<_>>()
                    == want
            }
            "band" => &out["band"] == e,
            "care_exactly" => strings(e) == care,
            "care_includes" => strings(e).iter().all(|k| care.contains(k)),
            "care_excludes" => strings(e).iter().all(|k| !care.contains(k)),
            "care_later_includes" => strings(e).iter().all(|k| later.contains(k)),
            "compensation" if e.is_null() => {
                comp.iter().all(|c| c["amount_minor"].as_i64().unwrap_or(0) <= 0)
            }
            "compensation" => has_comp(e),
            "compensation_all" => e.as_array().into_iter().flatten().all(has_comp),
            "passenger_pays_care" | "refund_option" => &out[key.as_str()] == e,
            other => {
                failures.push(format!("unknown check {other}"));
                true
            }
        };
        if !ok {
            failures.push(format!("{key}: expected {e}"));
        }
    }
    failures
}

fn run_file(text: &str, min_cases: usize) {
    let mut failures = Vec::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("case is JSON");
        let id = case["scenario"]["id"].as_str().unwrap_or("?").to_owned();
        match evaluate(&case["scenario"]) {
            Ok(out) => {
                for f in check(&case["expect"], &out) {
                    failures.push(format!(
                        "{id}: {f}\n   got regimes {} care_due {} later {} comp {} pays {} refund {}",
                        out["regimes"],
                        out["care_due"],
                        out["care_later"],
                        out["compensation"],
                        out["passenger_pays_care"],
                        out["refund_option"]
                    ));
                }
            }
            Err((code, err)) => failures.push(format!("{id}: exit {code:?}: {err}")),
        }
        n += 1;
    }
    assert!(n >= min_cases, "only {n} cases");
    assert!(failures.is_empty(), "{} of {n} failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_public_care_fixture_holds() {
    run_file(&fixture("care-public.jsonl"), 8);
}

#[test]
fn our_own_scenarios_hold() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/gatecare-care/scenarios/own.jsonl"
    ))
    .expect("own scenarios");
    run_file(&text, 60);
}

#[test]
fn unknown_codes_exit_2_naming_the_field() {
    let base: Value =
        serde_json::from_str(fixture("care-public.jsonl").lines().next().expect("a line")).expect("JSON");
    for (field, value) in [
        ("origin", "QQQ"),
        ("destination", "ZZ9"),
        ("operating_carrier", "9"),
        ("operating_carrier", "9Z"),
        ("cause", "gremlins"),
    ] {
        let mut s = base["scenario"].clone();
        s[field] = Value::String(value.into());
        let (code, err) = evaluate(&s).expect_err("must fail");
        assert_eq!(code, Some(2), "{field}={value}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(field), "{field}: {err}");
    }
}

#[test]
fn a_missing_file_is_bad_input() {
    let out = gatecare(&["care", "evaluate", "/nonexistent/scenario.json"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hostile_input_is_refused_without_a_panic() {
    for input in ["", "{", "[]", "null", "{\"origin\": 5}", "\u{0}\u{1}garbage", &"[".repeat(10_000)] {
        let mut child = Command::new(binary("GATECARE_CLI_BIN", "gatecare"))
            .args(["care", "evaluate"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
        let out = child.wait_with_output().expect("wait");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{:?}: {}",
            &input[..input.len().min(20)],
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Unknown fields are refused, not ignored.
    let mut s: Value =
        serde_json::from_str(fixture("care-public.jsonl").lines().next().expect("a line")).expect("JSON");
    s["scenario"]["colour"] = Value::String("red".into());
    let (code, err) = evaluate(&s["scenario"]).expect_err("unknown field");
    assert_eq!(code, Some(2));
    assert!(err.contains("colour"), "{err}");
}

/// Several causes, each with its minutes (issue #22): under EU261 the
/// minutes of an extraordinary circumstance are deducted from the arrival
/// delay before the 3-hour test (Pešková, C-315/15); code 93 (a late inbound
/// aircraft) takes the inbound flight's cause when known, else it is the
/// carrier's (C-74/19).
#[test]
fn several_causes_are_weighed_by_their_minutes() {
    // Amsterdam to Paris on KLM, 4 h late at arrival.
    let scenario = |causes: Value| {
        serde_json::json!({
            "origin": "AMS", "destination": "CDG", "operating_carrier": "KL", "disruption": "delay",
            "causes": causes,
            "scheduled_departure": "2026-03-10T08:00:00+01:00", "scheduled_arrival": "2026-03-10T09:15:00+01:00",
            "expected_departure": "2026-03-10T12:00:00+01:00", "expected_arrival": "2026-03-10T13:15:00+01:00",
            "at": "2026-03-10T12:30:00+01:00",
        })
    };
    let eu = |out: &Value| {
        out["compensation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["regime"] == "EU261" && c["amount_minor"] == 25000)
    };
    // 1 h 30 of an ATC strike: 2 h 30 counts, no compensation.
    let out = evaluate(&scenario(serde_json::json!([
        {"cause": "atc_strike", "minutes": 90}, {"cause": "41", "minutes": 150}
    ])))
    .unwrap();
    assert!(!eu(&out), "{out}");
    assert_eq!(out["causes"]["eu_deducted_minutes"], 90);
    assert_eq!(out["causes"]["eu_counted_arrival_delay_minutes"], 150);
    assert_eq!(out["causes"]["main"], "technical");
    // 30 min of it: 3 h 30 counts, compensation.
    let out = evaluate(&scenario(serde_json::json!([
        {"cause": "atc_strike", "minutes": 30}, {"cause": "41", "minutes": 210}
    ])))
    .unwrap();
    assert!(eu(&out), "{out}");
    assert_eq!(out["causes"]["eu_counted_arrival_delay_minutes"], 210);
    // Code 93 whose inbound flight was held by weather: extraordinary.
    let out = evaluate(&scenario(serde_json::json!([
        {"cause": "93", "minutes": 240, "inbound_cause": "weather"}
    ])))
    .unwrap();
    assert!(!eu(&out), "{out}");
    assert_eq!(out["causes"]["parts"][0]["cause"], "weather");
    assert_eq!(out["causes"]["parts"][0]["inbound"], true);
    // Code 93 whose inbound cause is unknown: the carrier's.
    let out = evaluate(&scenario(serde_json::json!([{"cause": "93", "minutes": 240}]))).unwrap();
    assert!(eu(&out), "{out}");
    assert_eq!(out["causes"]["parts"][0]["eu_extraordinary"], false);
    // Minutes no cause accounts for are the carrier's too.
    let out = evaluate(&scenario(serde_json::json!([{"cause": "weather", "minutes": 30}]))).unwrap();
    assert!(eu(&out), "{out}");
    assert_eq!(out["causes"]["unaccounted_minutes"], 210);
    // A scenario with `cause` keeps working unchanged; both, or neither, is refused.
    let mut single = scenario(Value::Null);
    single.as_object_mut().unwrap().remove("causes");
    single["cause"] = "41".into();
    let out = evaluate(&single).unwrap();
    assert!(eu(&out) && out["causes"].is_null(), "{out}");
    let mut both = single.clone();
    both["causes"] = serde_json::json!([{"cause": "41", "minutes": 60}]);
    let (code, err) = evaluate(&both).unwrap_err();
    assert_eq!(code, Some(2));
    assert!(err.contains("either cause or causes"), "{err}");
    let mut neither = single;
    neither.as_object_mut().unwrap().remove("cause");
    assert!(evaluate(&neither).unwrap_err().1.contains("give cause or causes"));
    // An inbound cause belongs to code 93 only.
    let bad = scenario(serde_json::json!([{"cause": "41", "minutes": 60, "inbound_cause": "weather"}]));
    assert!(evaluate(&bad).unwrap_err().1.contains("code 93 only"));
}
