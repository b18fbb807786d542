//! What each device role may push. Central refuses the rest: the event
//! keeps its `seq` and the refusal, and has no effect (a refused `issued`
//! voids the voucher the device printed). A stolen kiosk token can then
//! push only what the kiosk itself could.

use serde_json::Value;

use crate::{DeviceRole, Event, EventKind, Outcome};

fn refused(code: &str, reason: &str) -> Option<Outcome> {
    Some(Outcome::Refused { code: code.into(), reason: reason.into() })
}

/// The refusal of an event a device of `role` may not push; None when it may.
/// Ownership (a device voids only what it issued) and scope are checked by
/// central against what it stored.
pub fn refusal(role: DeviceRole, e: &Event) -> Option<Outcome> {
    let p = &e.payload;
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let voucher_event = matches!(e.kind, EventKind::Issued | EventKind::Voided | EventKind::Reprinted);
    match role {
        DeviceRole::Merchant => refused("role_merchant", "a merchant's device only redeems"),
        DeviceRole::Kiosk => match e.kind {
            EventKind::Issued if p.get("statutory").and_then(Value::as_bool) != Some(true) => {
                refused("kiosk_not_owed", "a self-service kiosk issues only what is owed")
            }
            // What is owed is care: never an upgrade or goodwill, whatever the event says.
            EventKind::Issued if !matches!(text("kind"), Some("meal" | "hotel" | "transport")) => {
                refused("kiosk_not_owed", "a self-service kiosk issues only care: meals, hotels, transport")
            }
            EventKind::Issued
                if text("replaces").is_some() || p.get("approver").is_some_and(|a| !a.is_null()) =>
            {
                refused("kiosk_not_agent", "replacements and approvals are an agent's, at a console")
            }
            EventKind::Issued
            | EventKind::Voided
            | EventKind::Reprinted
            | EventKind::Feedback
            | EventKind::Enrolment
            | EventKind::CaseOpened
            | EventKind::StaffRequested => None,
            _ => refused("kiosk_not_agent", "a self-service kiosk may not push this: it is an agent's"),
        },
        DeviceRole::Console if voucher_event && text("actor").is_none() => {
            refused("agent_not_named", "a console's voucher event names the agent")
        }
        DeviceRole::Console => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, payload: Value) -> Event {
        Event { seq: 1, event_id: uuid::Uuid::now_v7(), kind, at: chrono::Utc::now(), payload }
    }

    fn code(o: Option<Outcome>) -> Option<String> {
        o.map(|o| match o {
            Outcome::Refused { code, .. } => code,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn a_kiosk_pushes_only_what_a_kiosk_does() {
        let owed = serde_json::json!({"statutory": true, "actor": "KIOSK:HKG-K01", "kind": "meal"});
        for kind in [
            EventKind::Issued,
            EventKind::Voided,
            EventKind::Feedback,
            EventKind::CaseOpened,
            EventKind::StaffRequested,
        ] {
            assert_eq!(code(refusal(DeviceRole::Kiosk, &event(kind, owed.clone()))), None, "{kind:?}");
        }
        let goodwill = serde_json::json!({"statutory": false, "actor": "A1001"});
        assert_eq!(
            code(refusal(DeviceRole::Kiosk, &event(EventKind::Issued, goodwill))).as_deref(),
            Some("kiosk_not_owed")
        );
        let replacement = serde_json::json!({"statutory": true, "kind": "meal", "replaces": "V1"});
        let upgrade = serde_json::json!({"statutory": true, "kind": "upgrade", "value_minor": 99_999_999});
        assert_eq!(
            code(refusal(DeviceRole::Kiosk, &event(EventKind::Issued, upgrade))).as_deref(),
            Some("kiosk_not_owed")
        );
        assert_eq!(
            code(refusal(DeviceRole::Kiosk, &event(EventKind::Issued, replacement))).as_deref(),
            Some("kiosk_not_agent")
        );
        for kind in [
            EventKind::DisruptionUpdated,
            EventKind::RefundChosen,
            EventKind::PassengerRerouted,
            EventKind::CaseUpdated,
            EventKind::ProfileNote,
            EventKind::Redeemed,
        ] {
            assert_eq!(
                code(refusal(DeviceRole::Kiosk, &event(kind, owed.clone()))).as_deref(),
                Some("kiosk_not_agent"),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_console_names_its_agent_and_a_merchant_pushes_nothing() {
        let named = serde_json::json!({"statutory": false, "actor": "A1001"});
        for kind in EventKind::ALL {
            assert_eq!(code(refusal(DeviceRole::Console, &event(kind, named.clone()))), None, "{kind:?}");
            assert_eq!(
                code(refusal(DeviceRole::Merchant, &event(kind, named.clone()))).as_deref(),
                Some("role_merchant")
            );
        }
        let anonymous = serde_json::json!({"statutory": false, "actor": " "});
        assert_eq!(
            code(refusal(DeviceRole::Console, &event(EventKind::Voided, anonymous))).as_deref(),
            Some("agent_not_named")
        );
    }
}
