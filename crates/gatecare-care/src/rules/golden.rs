//! Version 1 frozen: every scenario of ours and of the public fixtures
//! evaluates exactly as `v1.golden.jsonl` recorded, and its decision record
//! replays to the same decision. A change of v1's outcomes fails here; a
//! new reading of a text is a new version. `GATECARE_BLESS=1` rewrites the
//! file (only for a change that leaves every outcome as it was, such as a
//! new field: review the diff).

use serde_json::Value;

use crate::decision::{DecisionRecord, replay};
use crate::evaluate::{CareKind, evaluate_under};
use crate::rules::COMPILED;
use crate::scenario::ScenarioInput;
use gatecare_policy::Policy;

const GOLDEN: &str = include_str!("v1.golden.jsonl");
const SCENARIOS: [&str; 2] =
    [include_str!("../../scenarios/own.jsonl"), include_str!("../../../../tests/fixtures/care-public.jsonl")];

fn scenarios() -> Vec<(String, ScenarioInput)> {
    let mut out = Vec::new();
    for text in SCENARIOS {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).unwrap();
            let id = case["scenario"]["id"].as_str().unwrap().to_owned();
            out.push((id, serde_json::from_value(case["scenario"].clone()).unwrap()));
        }
    }
    out
}

#[test]
fn version_1_decides_as_it_did_when_frozen() {
    let policy = Policy::default_policy();
    let mut produced = Vec::new();
    for (id, input) in scenarios() {
        let s = input.check().unwrap_or_else(|e| panic!("{id}: {e}"));
        let e = evaluate_under(&COMPILED, &s, &policy);
        assert!(e.rules.iter().all(|r| r.version == 1), "{id}: judged by {:?}", e.rules);
        produced.push(serde_json::json!({"id": id, "evaluation": e}));
    }
    let ids: std::collections::BTreeSet<&str> = produced.iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids.len(), produced.len(), "scenario ids repeat");

    if std::env::var_os("GATECARE_BLESS").is_some() {
        let text: String = produced.iter().map(|p| format!("{p}\n")).collect();
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules/v1.golden.jsonl"), text).unwrap();
        return;
    }
    let golden: Vec<Value> = GOLDEN.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(golden.len(), produced.len(), "scenarios added or removed: bless and review");
    let changed: Vec<String> = golden
        .iter()
        .zip(&produced)
        .filter(|(g, p)| g != p)
        .map(|(g, p)| format!("{}:\n  frozen {}\n  now    {}", g["id"], g["evaluation"], p["evaluation"]))
        .collect();
    assert!(changed.is_empty(), "{} of {} changed:\n{}", changed.len(), produced.len(), changed.join("\n"));
}

#[test]
fn every_frozen_decision_replays_from_its_record() {
    let policy = Policy::default_policy();
    let mut replayed = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (id, input) in scenarios() {
        let s = input.check().unwrap();
        let e = evaluate_under(&COMPILED, &s, &policy);
        for item in e.care.iter().filter(|i| i.due) {
            let record = DecisionRecord::new(&s, &e, &policy, None, Some((item.kind, item.ordinal)));
            // The record travels as JSON: replay what was read back.
            let record: DecisionRecord =
                serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
            let r = replay(&record, &policy, &COMPILED).unwrap();
            assert!(r.reproduced(), "{id}: {:?}", r.differences);
            assert!(!r.reference_changed);
            assert_eq!(
                serde_json::to_value(r.evaluation.as_ref().unwrap()).unwrap(),
                serde_json::to_value(&e).unwrap(),
                "{id}: the inputs as recorded evaluate differently"
            );
            replayed += 1;
            kinds.insert((item.kind, item.ordinal.min(2)));
        }
    }
    assert!(replayed > 100, "only {replayed} items replayed");
    // Hotels, transport and further meals are among them.
    for k in
        [(CareKind::Hotel, 1), (CareKind::Transport, 1), (CareKind::Meal, 2), (CareKind::Communication, 1)]
    {
        assert!(kinds.contains(&k), "no {k:?} replayed");
    }
}
