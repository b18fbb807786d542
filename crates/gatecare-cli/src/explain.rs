//! `gatecare ledger explain VOUCHER-ID`: why a voucher was issued, replayed
//! from what was recorded with it (rules' versions, reference tables'
//! version, the policy by its hash, the evaluation's inputs).

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gatecare_care::DecisionRecord;
use gatecare_care::decision::{DecidedItem, Replay, replay_stored};
use gatecare_care::evaluate::Evaluation;
use gatecare_care::rules::COMPILED;
use gatecare_station::RecordedDecision;

use crate::BadInput;

/// Prints the explanation; `Ok(false)` when the replay differs from the
/// record (the caller exits 1).
pub async fn explain(path: &Path, voucher_id: &str, json: bool) -> anyhow::Result<bool> {
    let store = crate::ledger::open_existing(path).await?;
    // A record is only as good as the chain that covers it.
    if let Err((which, broken)) = store.verify_chains().await? {
        println!("BROKEN: {which} record {}: {}", broken.seq, broken.reason);
        return Err(anyhow::anyhow!(
            "the {which}'s hash chain is broken: no decision in this file can be trusted (`gatecare ledger verify`)"
        ));
    }
    let recorded = store
        .recorded_decision(voucher_id.trim())
        .await?
        .ok_or_else(|| BadInput(format!("no voucher {} in {}", voucher_id.trim(), path.display())))?;
    let Some(decision) = &recorded.decision else {
        return Err(BadInput(format!(
            "voucher {} was issued before decisions were recorded: nothing to replay",
            recorded.voucher_id
        ))
        .into());
    };
    let text = recorded.policy_toml.as_deref().ok_or_else(|| {
        anyhow::anyhow!(
            "the policy {} of voucher {} is not stored here",
            decision.policy,
            recorded.voucher_id
        )
    })?;
    let replayed = replay_stored(decision, text, &COMPILED)?;
    if json {
        let out = serde_json::json!({
            "voucher_id": recorded.voucher_id,
            "serial": recorded.serial,
            "entitlement_key": recorded.entitlement_key,
            "recorded": decision,
            "replay": replayed,
            "reproduced": replayed.reproduced(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", render(&recorded, decision, &replayed));
    }
    Ok(replayed.reproduced())
}

fn render(v: &RecordedDecision, d: &DecisionRecord, r: &Replay) -> String {
    let tz: Tz = d
        .inputs
        .as_ref()
        .and_then(|i| i.origin.parse::<gatecare_core::AirportCode>().ok())
        .and_then(|c| gatecare_reference::airport(&c).map(|a| a.tz))
        .unwrap_or(Tz::UTC);
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string();
    let mut o = String::new();
    let _ = writeln!(o, "Voucher {} ({}), {} — {}", v.voucher_id, v.serial, v.kind, v.entitlement_key);
    let _ = writeln!(o, "Issued {} on {} by {}", local(v.issued_at), v.device, v.actor);
    let _ = writeln!(o);
    let _ = writeln!(o, "Decided under");
    if d.rules.is_empty() {
        let _ = writeln!(o, "  rules:     none applied (no passenger-rights regime, or no disruption)");
    }
    for a in &d.rules {
        let _ = writeln!(
            o,
            "  rules:     {} version {} (in force from {}) — {}",
            a.regime.as_str(),
            a.version,
            a.in_force_from,
            a.regime.instrument()
        );
    }
    let _ = writeln!(
        o,
        "  reference: {}{}",
        d.reference,
        if r.reference_changed { " (changed since)" } else { "" }
    );
    let _ = writeln!(o, "  policy:    {}", d.policy);
    let Some(input) = &d.inputs else {
        let _ = writeln!(o);
        let _ = writeln!(o, "No disruption was recorded on the flight: the airline policy and the agent's");
        let _ = writeln!(o, "authority decided this grant; there is no evaluation to replay.");
        return o;
    };
    let _ = writeln!(o);
    let _ = writeln!(o, "Inputs");
    let _ = writeln!(
        o,
        "  {} → {} operated by {}, {}",
        input.origin,
        input.destination,
        input.operating_carrier,
        input.disruption.as_str()
    );
    match (&input.cause, &input.causes) {
        (Some(c), _) => {
            let _ = writeln!(o, "  cause: {c}");
        }
        (None, Some(list)) => {
            for c in list {
                let inbound =
                    c.inbound_cause.as_deref().map(|i| format!(" (inbound flight: {i})")).unwrap_or_default();
                let _ = writeln!(o, "  cause: {} for {} min{inbound}", c.cause, c.minutes);
            }
        }
        (None, None) => {}
    }
    let t = |x: chrono::DateTime<chrono::FixedOffset>| local(x.with_timezone(&Utc));
    let _ = writeln!(o, "  scheduled: {} → {}", t(input.scheduled_departure), t(input.scheduled_arrival));
    if let Some(e) = input.expected_departure {
        let _ = writeln!(o, "  expected departure: {}", t(e));
    }
    if let Some(rr) = input.reroute {
        let _ = writeln!(o, "  re-routed: {} → {}", t(rr.departure), t(rr.arrival));
    }
    if let Some(i) = input.informed_at {
        let _ = writeln!(o, "  passengers told: {}", t(i));
    }
    if let Some(at) = d.refund_chosen_at {
        let _ = writeln!(o, "  refund chosen: {}", local(at));
    }
    let _ = writeln!(o, "  evaluated at: {}", t(input.at));
    let _ = writeln!(o);
    let item = |i: &DecidedItem| {
        format!(
            "{} {} from {}{} — {}: {}",
            i.kind.as_str(),
            i.ordinal,
            local(i.from),
            if i.due { ", owed" } else { ", not yet owed" },
            i.source,
            i.citation
        )
    };
    match (&d.item, r.reproduced()) {
        (Some(i), true) => {
            let _ = writeln!(o, "Replayed: the same decision");
            let _ = writeln!(o, "  {}", item(i));
        }
        (None, true) => {
            let _ = writeln!(o, "Replayed: the same evaluation (this grant is not an item of care)");
        }
        (_, false) => {
            let _ = writeln!(o, "Replayed: NOT the same decision");
            for diff in &r.differences {
                let _ = writeln!(o, "  {diff}");
            }
        }
    }
    if let Some(e) = &r.evaluation {
        let _ = writeln!(o);
        write_evaluation(&mut o, e, &local);
    }
    o
}

fn write_evaluation(o: &mut String, e: &Evaluation, local: &dyn Fn(DateTime<Utc>) -> String) {
    let _ = writeln!(o, "The evaluation");
    let regimes: Vec<&str> = e.regimes.iter().map(|r| r.as_str()).collect();
    let _ = writeln!(
        o,
        "  regimes: {}; expected delay {} min; arrival delay {}",
        if regimes.is_empty() { "none".to_owned() } else { regimes.join(", ") },
        e.expected_delay_minutes,
        e.arrival_delay_minutes.map_or("unknown".to_owned(), |m| format!("{m} min"))
    );
    if let Some(c) = &e.causes {
        let _ = writeln!(
            o,
            "  causes weighed: the main one {}; {} min no cause accounts for",
            c.main.as_str(),
            c.unaccounted_minutes
        );
        if e.regimes.iter().any(|r| matches!(r, gatecare_care::Regime::Eu261 | gatecare_care::Regime::Uk261))
        {
            let _ = writeln!(
                o,
                "  EU/UK261 (Pešková): {} extraordinary min deducted; arrival delay counted {}",
                c.eu_deducted_minutes,
                c.eu_counted_arrival_delay_minutes.map_or("unknown".to_owned(), |m| format!("{m} min"))
            );
        }
    }
    for i in &e.care {
        let _ = writeln!(
            o,
            "  care: {} {} from {}{}{} — {}",
            i.kind.as_str(),
            i.ordinal,
            local(i.from),
            if i.due { ", owed" } else { "" },
            if i.passenger_pays { ", paid by the passenger" } else { "" },
            i.citation
        );
    }
    for c in &e.compensation {
        let amount = gatecare_core::Currency::parse(c.currency)
            .map(|cur| gatecare_core::Money::new(c.amount_minor, cur).to_string())
            .unwrap_or_else(|_| format!("{} {} (minor units)", c.currency, c.amount_minor));
        let _ = writeln!(o, "  compensation: {amount} — {}", c.citation);
    }
    let _ = writeln!(o, "  refund option: {}", if e.refund_option { "yes" } else { "no" });
    let _ = writeln!(o, "  citations: {}", e.citations.join("; "));
}
