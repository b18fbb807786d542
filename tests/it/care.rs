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
