//! Who a voucher event says acted, checked against what central knows.
//!
//! A console signs its agents in with their PINs and names them in each
//! voucher event; a kiosk names itself (`KIOSK:` and its device code) or
//! no one.
//! Central cannot see the PIN, but it knows the station's agents and the
//! airline's authority limits, so a stolen console token cannot name an
//! agent who does not exist, another station's agent, an approver who is no
//! supervisor, or a grant above what any role named could give. What the
//! console alone knows (the passenger's stars, what they already got) it
//! checks itself: central bounds each grant by the highest limit of the
//! senior role named, for any passenger.

use gatecare_policy::Policy;
use gatecare_policy::Role;
use gatecare_server_database::DeviceRecord;
use gatecare_sync::{DeviceRole, Event, EventKind, Outcome};
use serde_json::Value;

/// An agent of the device's station, as central keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationAgent {
    pub code: String,
    pub role: Role,
}

impl StationAgent {
    /// From the stored role's text; None for a role central does not know.
    pub fn parse(code: String, role: &str) -> Option<StationAgent> {
        Some(StationAgent { code, role: Role::parse(role).ok()? })
    }
}

/// Whether `e` names agents central checks ([`refusal`] has something to do).
pub fn names_agents(e: &Event) -> bool {
    matches!(
        e.kind,
        EventKind::Issued
            | EventKind::Voided
            | EventKind::Reprinted
            | EventKind::CaseUpdated
            | EventKind::DisruptionUpdated
            | EventKind::RefundChosen
            | EventKind::PassengerRerouted
            | EventKind::ProfileNote
    )
}

/// A role as the agents call it.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Agent => "gate agent",
        Role::Supervisor => "supervisor",
        Role::DutyManager => "duty manager",
    }
}

fn refused(code: &str, reason: String) -> Option<Outcome> {
    Some(Outcome::Refused { code: code.into(), reason })
}

/// The refusal of a voucher event or a case update whose named agents
/// `device` may not name; None when they check out (and for other events).
pub fn refusal(
    device: &DeviceRecord,
    agents: &[StationAgent],
    policy: &Policy,
    e: &Event,
) -> Option<Outcome> {
    let p = &e.payload;
    let of_station = |code: &str| agents.iter().find(|a| a.code == code);
    // Whoever records a disruption, a refund, a re-routing or a note, or
    // works a case, at a console is one of the station's agents: a
    // cancellation in no one's name would reach every kiosk of the station.
    let recorder = match e.kind {
        EventKind::CaseUpdated => p.get("by").and_then(|b| b.get("code")),
        EventKind::DisruptionUpdated | EventKind::RefundChosen | EventKind::PassengerRerouted => {
            p.get("recorded_by")
        }
        EventKind::ProfileNote => p.get("by").or_else(|| p.get("recorded_by")),
        _ => None,
    };
    if device.role == DeviceRole::Console
        && matches!(
            e.kind,
            EventKind::CaseUpdated
                | EventKind::DisruptionUpdated
                | EventKind::RefundChosen
                | EventKind::PassengerRerouted
                | EventKind::ProfileNote
        )
    {
        let by = recorder.and_then(Value::as_str).unwrap_or_default();
        return of_station(by).is_none().then(|| Outcome::Refused {
            code: "agent_unknown".into(),
            reason: format!("{by:?} is not an agent of {} at central", device.station),
        });
    }
    if !matches!(e.kind, EventKind::Issued | EventKind::Voided | EventKind::Reprinted) {
        return None;
    }
    // Names as the agents' own codes: " A1001" is no agent, or a search
    // for A1001 would miss what it did.
    let text = |k: &str| p.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let itself = format!("KIOSK:{}", device.name);
    let actor = text("actor").unwrap_or_default();
    let approver = text("approver");
    // A meal owed is worth what the airline policy gives one at the station
    // (the devices price it so): a stolen key cannot push a dearer one.
    if e.kind == EventKind::Issued
        && p.get("statutory").and_then(Value::as_bool) == Some(true)
        && text("kind") == Some("meal")
        && let Some((currency, amount)) = policy.meal_amount(&device.station)
    {
        let value = p.get("value_minor").and_then(Value::as_i64);
        if text("currency") != Some(currency.as_str()) || !value.is_some_and(|v| (0..=amount).contains(&v)) {
            return refused(
                "above_policy",
                format!("a meal owed at {} is worth {amount} {currency} at most", device.station),
            );
        }
    }
    // An entitlement key names its kind (`…/meal/1`): a hotel under a
    // meal's key would take the meal's place.
    if e.kind == EventKind::Issued {
        let key = text("entitlement_key").unwrap_or_default();
        let parts: Vec<&str> = key.split('/').collect();
        if parts.len() == 5 && Some(parts[3]) != text("kind") {
            return refused("key_not_of_kind", format!("the key {key:?} is not of a {:?}", text("kind")));
        }
    }
    if actor == itself {
        // A kiosk names itself for all it does; a console only for care
        // owed and its reprints (the bulk meal run): its voids name an agent.
        let console_void = device.role == DeviceRole::Console && e.kind == EventKind::Voided;
        return (console_void || gatecare_sync::roles::refusal(DeviceRole::Kiosk, e).is_some()).then(|| {
            Outcome::Refused {
                code: "agent_not_named".into(),
                reason: "only care owed is issued or reprinted without an agent".into(),
            }
        });
    }
    if device.role == DeviceRole::Kiosk {
        // Naming nobody, the event is the kiosk's own.
        return (!actor.is_empty()).then(|| Outcome::Refused {
            code: "kiosk_not_agent".into(),
            reason: format!("a self-service kiosk names itself ({itself}), not an agent"),
        });
    }
    let Some(agent) = of_station(actor) else {
        return refused(
            "agent_unknown",
            format!("{actor:?} is not an agent of {} at central", device.station),
        );
    };
    let senior = match approver {
        None => agent.role,
        Some(code) => match of_station(code) {
            Some(a) if a.code != agent.code && a.role >= Role::Supervisor => a.role.max(agent.role),
            Some(_) => {
                return refused(
                    "approver_not_senior",
                    format!(
                        "{code} cannot approve for {actor}: only a supervisor or duty manager other than {actor} approves"
                    ),
                );
            }
            None => {
                return refused(
                    "approver_unknown",
                    format!("approver {code:?} is not an agent of {} at central", device.station),
                );
            }
        },
    };
    // Care owed by law is never bounded by an agent's authority; anything
    // else is discretionary, whatever the event's `statutory` flag says.
    let owed = p.get("statutory").and_then(Value::as_bool) == Some(true)
        && matches!(text("kind"), Some("meal" | "hotel" | "transport"));
    if e.kind == EventKind::Issued && !owed {
        let value = p.get("value_minor").and_then(Value::as_i64).unwrap_or(i64::MAX);
        let currency = text("currency").unwrap_or_default();
        let ceiling = policy
            .authority
            .iter()
            .filter(|a| a.role <= senior && a.currency.as_str() == currency)
            .map(|a| a.amount_minor)
            .max();
        match ceiling {
            Some(c) if (0..=c).contains(&value) => {}
            _ => {
                return refused(
                    "above_authority",
                    format!(
                        "{value} {currency} is above what a {} may grant (at most {} under the airline policy)",
                        role_name(senior),
                        ceiling
                            .map_or_else(|| format!("nothing in {currency}"), |c| format!("{c} {currency}")),
                    ),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(role: DeviceRole) -> DeviceRecord {
        DeviceRecord {
            id: uuid::Uuid::now_v7(),
            name: "HKG-K01".into(),
            station: "HKG".into(),
            role,
            signing: None,
            enrolled_at: chrono::Utc::now(),
            revoked_at: None,
            high_seq: 0,
        }
    }

    fn agents() -> Vec<StationAgent> {
        [("A1001", "agent"), ("A1002", "agent"), ("S2001", "supervisor"), ("D3001", "duty_manager")]
            .into_iter()
            .map(|(c, r)| StationAgent::parse(c.into(), r).unwrap())
            .collect()
    }

    fn event(kind: EventKind, payload: Value) -> Event {
        Event { seq: 1, event_id: uuid::Uuid::now_v7(), kind, at: chrono::Utc::now(), payload }
    }

    fn code(role: DeviceRole, kind: EventKind, payload: Value) -> Option<String> {
        refusal(&device(role), &agents(), &Policy::default_policy(), &event(kind, payload)).map(|o| match o {
            Outcome::Refused { code, .. } => code,
            other => panic!("{other:?}"),
        })
    }

    /// The default policy's highest limits in HKD, by role.
    fn ceiling(role: Role) -> i64 {
        let policy = Policy::default_policy();
        policy
            .authority
            .iter()
            .filter(|a| a.role <= role && a.currency.as_str() == "HKD")
            .map(|a| a.amount_minor)
            .max()
            .unwrap()
    }

    fn goodwill(actor: &str, approver: Option<&str>, value: i64) -> Value {
        serde_json::json!({"kind": "goodwill", "statutory": false, "actor": actor, "approver": approver,
            "value_minor": value, "currency": "HKD"})
    }

    #[test]
    fn a_kiosk_names_itself_and_never_an_agent() {
        let owed = serde_json::json!({"kind": "meal", "statutory": true, "value_minor": 12000, "currency": "HKD", "actor": "KIOSK:HKG-K01"});
        for kind in [EventKind::Issued, EventKind::Voided, EventKind::Reprinted] {
            assert_eq!(code(DeviceRole::Kiosk, kind, owed.clone()), None, "{kind:?}");
        }
        let as_agent = serde_json::json!({"kind": "meal", "statutory": true, "value_minor": 12000, "currency": "HKD", "actor": "A1001"});
        assert_eq!(code(DeviceRole::Kiosk, EventKind::Issued, as_agent).as_deref(), Some("kiosk_not_agent"));
        let as_other_kiosk = serde_json::json!({"kind": "meal", "statutory": true, "value_minor": 12000, "currency": "HKD", "actor": "KIOSK:HKG-K02"});
        assert_eq!(
            code(DeviceRole::Kiosk, EventKind::Voided, as_other_kiosk).as_deref(),
            Some("kiosk_not_agent")
        );
        // A meal owed is priced by the policy (12000 HKD at HKG); naming
        // nobody, it is the kiosk's own.
        let dear = serde_json::json!({"kind": "meal", "statutory": true, "value_minor": 999_999_900, "currency": "HKD"});
        assert_eq!(code(DeviceRole::Kiosk, EventKind::Issued, dear).as_deref(), Some("above_policy"));
        let priced =
            serde_json::json!({"kind": "meal", "statutory": true, "value_minor": 12000, "currency": "HKD"});
        assert_eq!(code(DeviceRole::Kiosk, EventKind::Issued, priced), None);
        // What is not a voucher event names nobody.
        assert_eq!(code(DeviceRole::Kiosk, EventKind::Feedback, serde_json::json!({})), None);
    }

    #[test]
    fn a_console_names_an_agent_of_its_station() {
        assert_eq!(code(DeviceRole::Console, EventKind::Voided, serde_json::json!({"actor": "A1001"})), None);
        assert_eq!(
            code(DeviceRole::Console, EventKind::Voided, serde_json::json!({"actor": "B2001"})).as_deref(),
            Some("agent_unknown")
        );
        // Its own name, for care owed only (the bulk meal run).
        let owed = serde_json::json!({"kind": "meal", "statutory": true, "value_minor": 12000, "currency": "HKD", "actor": "KIOSK:HKG-K01"});
        assert_eq!(code(DeviceRole::Console, EventKind::Issued, owed), None);
        assert_eq!(
            code(DeviceRole::Console, EventKind::Issued, goodwill("KIOSK:HKG-K01", None, 100)).as_deref(),
            Some("agent_not_named")
        );
    }

    #[test]
    fn a_grant_stays_within_the_senior_named_roles_highest_limit() {
        let agent = ceiling(Role::Agent);
        let supervisor = ceiling(Role::Supervisor);
        let manager = ceiling(Role::DutyManager);
        assert!(agent < supervisor && supervisor < manager, "{agent} {supervisor} {manager}");
        let issued = |v: Value| code(DeviceRole::Console, EventKind::Issued, v);
        assert_eq!(issued(goodwill("A1001", None, agent)), None);
        assert_eq!(issued(goodwill("A1001", None, agent + 1)).as_deref(), Some("above_authority"));
        assert_eq!(issued(goodwill("A1001", Some("S2001"), supervisor)), None);
        assert_eq!(
            issued(goodwill("A1001", Some("S2001"), supervisor + 1)).as_deref(),
            Some("above_authority")
        );
        assert_eq!(issued(goodwill("A1001", Some("D3001"), manager)), None);
        assert_eq!(issued(goodwill("A1001", Some("D3001"), -1)).as_deref(), Some("above_authority"));
        // No limit in a currency the policy does not name.
        let mut yen = goodwill("D3001", None, 1);
        yen["currency"] = "JPY".into();
        assert_eq!(issued(yen).as_deref(), Some("above_authority"));
        // Goodwill or an upgrade is not made owed by calling it so.
        let mut called_owed = goodwill("A1001", None, 1_000_000_000);
        called_owed["statutory"] = true.into();
        assert_eq!(issued(called_owed.clone()).as_deref(), Some("above_authority"));
        called_owed["kind"] = "upgrade".into();
        assert_eq!(issued(called_owed).as_deref(), Some("above_authority"));
        // An agent is named as its code is, not padded.
        assert_eq!(issued(goodwill(" A1001", None, 100)).as_deref(), Some("agent_unknown"));
        // Care owed is never bounded.
        let hotel = serde_json::json!({"kind": "hotel", "statutory": true, "actor": "A1001",
            "value_minor": manager * 10, "currency": "HKD"});
        assert_eq!(issued(hotel), None);
    }

    #[test]
    fn what_a_console_records_names_an_agent_of_the_station() {
        let cancel = |by: &str| serde_json::json!({"id": "D", "flight_id": "F", "kind": "cancellation", "cause": "weather", "recorded_by": by});
        assert_eq!(code(DeviceRole::Console, EventKind::DisruptionUpdated, cancel("A1001")), None);
        for by in ["NOBODY", "", "a1001"] {
            assert_eq!(
                code(DeviceRole::Console, EventKind::DisruptionUpdated, cancel(by)).as_deref(),
                Some("agent_unknown"),
                "{by:?}"
            );
        }
        let refund = serde_json::json!({"id": "R", "flight_id": "F", "passenger_id": "P"});
        assert_eq!(
            code(DeviceRole::Console, EventKind::RefundChosen, refund).as_deref(),
            Some("agent_unknown")
        );
        let note = serde_json::json!({"note": "VIP", "by": "B2001"});
        assert_eq!(code(DeviceRole::Console, EventKind::ProfileNote, note).as_deref(), Some("agent_unknown"));
        // A console voids in an agent's name, never its own.
        let void = serde_json::json!({"entitlement_key": "k", "voucher_id": "v", "flight_id": "F",
            "actor": "KIOSK:HKG-K01"});
        assert_eq!(
            code(DeviceRole::Console, EventKind::Voided, void.clone()).as_deref(),
            Some("agent_not_named")
        );
        assert_eq!(code(DeviceRole::Kiosk, EventKind::Voided, void), None);
    }

    #[test]
    fn a_key_names_the_kind_it_is_of() {
        let hotel = serde_json::json!({"entitlement_key": "CZ342/2026-11-22/784/meal/3", "kind": "hotel",
            "statutory": true, "value_minor": 5_000_000, "currency": "HKD", "actor": "KIOSK:HKG-K01"});
        assert_eq!(code(DeviceRole::Kiosk, EventKind::Issued, hotel).as_deref(), Some("key_not_of_kind"));
    }

    #[test]
    fn a_case_is_worked_by_an_agent_of_the_station() {
        let update = |by: &str| serde_json::json!({"case_id": "C", "update_id": "U", "by": {"code": by}});
        assert_eq!(code(DeviceRole::Console, EventKind::CaseUpdated, update("S2001")), None);
        assert_eq!(
            code(DeviceRole::Console, EventKind::CaseUpdated, update("A9999")).as_deref(),
            Some("agent_unknown")
        );
    }

    #[test]
    fn an_approver_is_another_senior_agent_of_the_station() {
        let issued = |v: Value| code(DeviceRole::Console, EventKind::Issued, v);
        assert_eq!(issued(goodwill("A1001", Some("A1002"), 1)).as_deref(), Some("approver_not_senior"));
        assert_eq!(issued(goodwill("S2001", Some("S2001"), 1)).as_deref(), Some("approver_not_senior"));
        assert_eq!(issued(goodwill("A1001", Some("S9999"), 1)).as_deref(), Some("approver_unknown"));
        assert_eq!(issued(goodwill("S2001", Some("D3001"), 1)), None);
    }
}
