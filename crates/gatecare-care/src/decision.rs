//! What decided an issued entitlement, recorded with it, and its replay.
//!
//! A voucher's citation says which rule, not why that rule gave it. The
//! record keeps everything the evaluation read: the version of each
//! regime's rules, the reference tables' version, the airline policy's hash
//! (its text is stored once under it, on the device and at central) and the
//! inputs. [`replay`] evaluates the inputs again under the recorded policy
//! and the versions of the rules in force on the flight's date, which stay
//! compiled in, and says whether it gives the same decision.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::evaluate::{CareItem, CareKind, Evaluation, Source, evaluate_under};
use crate::rules::{RuleBook, RulesApplied};
use crate::scenario::{Scenario, ScenarioError, ScenarioInput};
use gatecare_policy::Policy;

/// Recorded with every issued entitlement (and sent to central with it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// The version of each applicable regime's rules.
    pub rules: Vec<RulesApplied>,
    /// `gatecare_reference::version()` when it was decided.
    pub reference: String,
    /// The airline policy's hash (`Policy::hash`).
    pub policy: String,
    /// The evaluation's inputs, the passenger's own facts and re-routing
    /// included; none when the flight had no disruption (goodwill after a
    /// complaint: the policy and the agent's authority decided it).
    pub inputs: Option<ScenarioInput>,
    /// The passenger chose a refund then: care after it is not owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_chosen_at: Option<DateTime<Utc>>,
    /// The item of care this entitlement is, as the evaluation gave it;
    /// none for what care does not decide (goodwill, upgrades).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<DecidedItem>,
}

/// One item of care as decided: what an explanation shows and a replay compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecidedItem {
    pub kind: CareKind,
    pub ordinal: u32,
    /// `EU261`, …, or `policy`.
    pub source: String,
    pub citation: String,
    pub from: DateTime<Utc>,
    pub due: bool,
    pub passenger_pays: bool,
}

impl DecidedItem {
    /// The item of `kind` and `ordinal` in an evaluation: the first owed one
    /// the carrier pays for, as issuance takes it, else the first of them.
    pub fn find(evaluation: &Evaluation, kind: CareKind, ordinal: u32) -> Option<DecidedItem> {
        let matching = || evaluation.care.iter().filter(|i| i.kind == kind && i.ordinal == ordinal);
        let item = matching().find(|i| i.due && !i.passenger_pays).or_else(|| matching().next())?;
        Some(DecidedItem::of(item))
    }

    fn of(i: &CareItem) -> DecidedItem {
        DecidedItem {
            kind: i.kind,
            ordinal: i.ordinal,
            source: match i.source {
                Source::Regime(r) => r.as_str().to_owned(),
                Source::Policy(_) => "policy".to_owned(),
            },
            citation: i.citation.to_owned(),
            from: i.from,
            due: i.due,
            passenger_pays: i.passenger_pays,
        }
    }
}

impl DecisionRecord {
    /// The record of a grant no evaluation decided (no disruption on the flight).
    pub fn without_disruption(policy: &Policy) -> DecisionRecord {
        DecisionRecord {
            rules: Vec::new(),
            reference: gatecare_reference::version().to_owned(),
            policy: policy.hash().to_owned(),
            inputs: None,
            refund_chosen_at: None,
            item: None,
        }
    }

    /// The record of an evaluation of `scenario` under `policy`, for the item
    /// of care `item` (kind, ordinal) when care decided it.
    pub fn new(
        scenario: &Scenario,
        evaluation: &Evaluation,
        policy: &Policy,
        refund_chosen_at: Option<DateTime<Utc>>,
        item: Option<(CareKind, u32)>,
    ) -> DecisionRecord {
        DecisionRecord {
            rules: evaluation.rules.clone(),
            reference: gatecare_reference::version().to_owned(),
            policy: policy.hash().to_owned(),
            inputs: Some(scenario.to_input()),
            refund_chosen_at,
            item: item.and_then(|(kind, ordinal)| DecidedItem::find(evaluation, kind, ordinal)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the decision was made under policy {recorded}, not {given}")]
    OtherPolicy { recorded: String, given: String },
    #[error("the recorded inputs no longer read: {0}")]
    Inputs(#[from] ScenarioError),
    #[error("the stored text of policy {0} does not hash to it: it was altered after the decision")]
    PolicyAltered(String),
    #[error("policy {hash} no longer reads: {reason}")]
    PolicyUnreadable { hash: String, reason: String },
}

/// A decision evaluated again from its record.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// None when no evaluation decided it (no disruption).
    pub evaluation: Option<Evaluation>,
    pub item: Option<DecidedItem>,
    /// The reference tables changed since (the inputs name airports and
    /// carriers by code; a changed row can change the outcome).
    pub reference_changed: bool,
    /// Where the replay differs from the record, in words; empty when it
    /// reproduces the decision.
    pub differences: Vec<String>,
}

impl Replay {
    pub fn reproduced(&self) -> bool {
        self.differences.is_empty()
    }
}

/// [`replay`] under the policy text stored for the decision (on the device,
/// or at central): checked against the recorded hash, then read.
pub fn replay_stored(
    record: &DecisionRecord,
    policy_text: &str,
    book: &RuleBook,
) -> Result<Replay, ReplayError> {
    if gatecare_policy::policy_hash(policy_text) != record.policy {
        return Err(ReplayError::PolicyAltered(record.policy.clone()));
    }
    let policy = Policy::from_toml(policy_text)
        .map_err(|e| ReplayError::PolicyUnreadable { hash: record.policy.clone(), reason: e.to_string() })?;
    replay(record, &policy, book)
}

/// Evaluates the recorded inputs again under `policy` (which must be the
/// recorded one) and the rules of `book` in force on the flight's date.
pub fn replay(record: &DecisionRecord, policy: &Policy, book: &RuleBook) -> Result<Replay, ReplayError> {
    if policy.hash() != record.policy {
        return Err(ReplayError::OtherPolicy {
            recorded: record.policy.clone(),
            given: policy.hash().to_owned(),
        });
    }
    let Some(inputs) = &record.inputs else {
        return Ok(Replay {
            reference_changed: record.reference != gatecare_reference::version(),
            evaluation: None,
            item: None,
            differences: Vec::new(),
        });
    };
    let scenario = inputs.clone().check()?;
    let mut evaluation = evaluate_under(book, &scenario, policy);
    if let Some(at) = record.refund_chosen_at {
        evaluation = evaluation.refund_chosen(at);
    }
    let mut differences = Vec::new();
    if evaluation.rules != record.rules {
        let show = |r: &[RulesApplied]| {
            r.iter().map(|a| format!("{} v{}", a.regime.as_str(), a.version)).collect::<Vec<_>>().join(", ")
        };
        differences.push(format!(
            "rules: decided under [{}], now [{}]",
            show(&record.rules),
            show(&evaluation.rules)
        ));
    }
    let item = record.item.as_ref().and_then(|i| DecidedItem::find(&evaluation, i.kind, i.ordinal));
    if item != record.item {
        let show = |i: &Option<DecidedItem>| match i {
            Some(i) => format!(
                "{} {} from {} ({}, {}{})",
                i.kind.as_str(),
                i.ordinal,
                i.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                i.source,
                i.citation,
                if i.due { ", due" } else { ", not yet due" }
            ),
            None => "nothing".to_owned(),
        };
        differences.push(format!("item: decided {}, now {}", show(&record.item), show(&item)));
    }
    Ok(Replay {
        reference_changed: record.reference != gatecare_reference::version(),
        evaluation: Some(evaluation),
        item,
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::COMPILED;

    fn eu_delay() -> Scenario {
        let json = r#"{"origin": "AMS", "destination": "BCN", "operating_carrier": "KL", "disruption": "delay",
            "cause": "technical", "scheduled_departure": "2026-03-10T10:00:00.250+01:00",
            "scheduled_arrival": "2026-03-10T12:25:00+01:00", "expected_departure": "2026-03-10T14:00:00+01:00",
            "at": "2026-03-10T12:30:00.125+01:00"}"#;
        serde_json::from_str::<ScenarioInput>(json).unwrap().check().unwrap()
    }

    #[test]
    fn a_record_that_does_not_match_its_inputs_says_where() {
        let policy = Policy::default_policy();
        let s = eu_delay();
        let e = crate::evaluate(&s, &policy);
        let mut record = DecisionRecord::new(&s, &e, &policy, None, Some((CareKind::Meal, 1)));
        assert!(replay(&record, &policy, &COMPILED).unwrap().reproduced());
        record.item.as_mut().unwrap().citation = "EU261 Art 9(1)(c)".into();
        record.rules[0].version = 7;
        let r = replay(&record, &policy, &COMPILED).unwrap();
        assert_eq!(r.differences.len(), 2, "{:?}", r.differences);
        assert!(r.differences[0].contains("decided under [EU261 v7], now [EU261 v1]"));
        assert!(r.differences[1].contains("EU261 Art 9(1)(c)"));
        // Another policy than the recorded one is refused, not replayed.
        let other = Policy::from_toml(&format!("{}\n", gatecare_policy::DEFAULT_POLICY)).unwrap();
        assert!(matches!(replay(&record, &other, &COMPILED), Err(ReplayError::OtherPolicy { .. })));
    }
}
