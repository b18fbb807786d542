use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{MAX_BATCH_EVENTS, MAX_PAYLOAD_BYTES};

/// What happened on a device. The payload's shape depends on the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Issued,
    Voided,
    Reprinted,
    Redeemed,
    CaseOpened,
    CaseUpdated,
    Feedback,
    Enrolment,
    ProfileNote,
    /// A delay or cancellation entered (or updated) by an agent.
    DisruptionUpdated,
    /// A passenger chose a refund instead of travelling on: care ends.
    RefundChosen,
    /// A passenger of a cancelled flight re-routed apart from the flight's default.
    PassengerRerouted,
    /// A passenger the kiosk must not serve alone asked for staff.
    StaffRequested,
    /// A kind this version does not know (a device on newer software):
    /// central refuses it alone as `unknown_kind` and the rest of the
    /// batch goes on, so a device's log never wedges on it.
    #[serde(other)]
    Unknown,
}

impl EventKind {
    pub const ALL: [EventKind; 13] = [
        EventKind::Issued,
        EventKind::Voided,
        EventKind::Reprinted,
        EventKind::Redeemed,
        EventKind::CaseOpened,
        EventKind::CaseUpdated,
        EventKind::Feedback,
        EventKind::Enrolment,
        EventKind::ProfileNote,
        EventKind::DisruptionUpdated,
        EventKind::RefundChosen,
        EventKind::PassengerRerouted,
        EventKind::StaffRequested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Issued => "issued",
            EventKind::Voided => "voided",
            EventKind::Reprinted => "reprinted",
            EventKind::Redeemed => "redeemed",
            EventKind::CaseOpened => "case_opened",
            EventKind::CaseUpdated => "case_updated",
            EventKind::Feedback => "feedback",
            EventKind::Enrolment => "enrolment",
            EventKind::ProfileNote => "profile_note",
            EventKind::DisruptionUpdated => "disruption_updated",
            EventKind::RefundChosen => "refund_chosen",
            EventKind::PassengerRerouted => "passenger_rerouted",
            EventKind::StaffRequested => "staff_requested",
            EventKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().chain([EventKind::Unknown]).find(|k| k.as_str() == s)
    }
}

/// One entry of a device's event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Gapless per device, from 1.
    pub seq: i64,
    pub event_id: Uuid,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("an empty batch")]
    Empty,
    #[error("{0} events in one batch; at most {MAX_BATCH_EVENTS}")]
    TooMany(usize),
    #[error("seq must start at 1 and be consecutive in a batch (event {index} has seq {seq})")]
    NotConsecutive { index: usize, seq: i64 },
    #[error("event {index} has a payload of {bytes} bytes; at most {MAX_PAYLOAD_BYTES}")]
    PayloadTooLarge { index: usize, bytes: usize },
    #[error("event {index}: the payload must be a JSON object")]
    PayloadNotObject { index: usize },
    #[error("event {index}: event_id must be a UUIDv7")]
    NotUuidV7 { index: usize },
    #[error(
        "event {index}: the payload lacks what its kind needs (issued, voided, reprinted: entitlement_key, \
         voucher_id, flight_id; staff_requested: id, flight_id, passenger_id; feedback: feedback_id, flight_id, \
         passenger_id; enrolment: enrolment_id, passenger_id; case_opened: case_id, flight_id, passenger_id; \
         case_updated: case_id, update_id)"
    )]
    MissingKeys { index: usize },
    #[error("event {index}: policy_toml does not hash to the decision's policy")]
    PolicyMismatch { index: usize },
    #[error("event {index}: an event kind central does not know (update central first)")]
    UnknownKind { index: usize },
}

impl BatchError {
    pub fn code(&self) -> &'static str {
        match self {
            BatchError::Empty => "batch_empty",
            BatchError::TooMany(_) => "batch_too_large",
            BatchError::NotConsecutive { .. } => "batch_not_consecutive",
            BatchError::PayloadTooLarge { .. } => "payload_too_large",
            BatchError::PayloadNotObject { .. } => "payload_not_object",
            BatchError::NotUuidV7 { .. } => "event_id_not_uuidv7",
            BatchError::MissingKeys { .. } => "payload_missing_keys",
            BatchError::PolicyMismatch { .. } => "policy_mismatch",
            BatchError::UnknownKind { .. } => "unknown_kind",
        }
    }
}

/// The fields central needs from an issuance-related event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceFacts<'a> {
    pub entitlement_key: &'a str,
    pub voucher_id: &'a str,
    pub flight_id: &'a str,
    pub passenger_id: &'a str,
    pub kind: &'a str,
    pub value_minor: i64,
    pub currency: &'a str,
    /// A replacement names the voided voucher it replaces.
    pub replaces: Option<&'a str>,
}

impl Event {
    /// The issuance fields of the payload; `None` unless the key, voucher
    /// and flight are non-empty strings.
    pub fn issuance(&self) -> Option<IssuanceFacts<'_>> {
        // One pass over the payload's fields instead of a map look-up per
        // field: central reads these for every event it ingests.
        let (mut key, mut voucher, mut flight) = (None, None, None);
        let mut f = IssuanceFacts {
            entitlement_key: "",
            voucher_id: "",
            flight_id: "",
            passenger_id: "",
            kind: "",
            value_minor: 0,
            currency: "",
            replaces: None,
        };
        for (k, v) in self.payload.as_object()? {
            match k.as_str() {
                "entitlement_key" => key = v.as_str(),
                "voucher_id" => voucher = v.as_str(),
                "flight_id" => flight = v.as_str(),
                "passenger_id" => f.passenger_id = v.as_str().unwrap_or(""),
                "kind" => f.kind = v.as_str().unwrap_or(""),
                "value_minor" => f.value_minor = v.as_i64().unwrap_or(0),
                "currency" => f.currency = v.as_str().unwrap_or(""),
                "replaces" => f.replaces = v.as_str().filter(|r| !r.is_empty()),
                _ => {}
            }
        }
        f.entitlement_key = key.filter(|v| !v.is_empty())?;
        f.voucher_id = voucher.filter(|v| !v.is_empty())?;
        f.flight_id = flight.filter(|v| !v.is_empty())?;
        Some(f)
    }
}

/// An event's payload as the JSON text central stores, and what is wrong
/// with it, if anything: not an object, too large (stored as a stub, so a
/// refused event costs no more than its place), or a policy text that does
/// not hash to the decision's policy.
fn event_text(index: usize, e: &Event) -> (String, Option<BatchError>) {
    if e.kind == EventKind::Unknown {
        return (r#"{"refused":"unknown_kind"}"#.to_owned(), Some(BatchError::UnknownKind { index }));
    }
    if !e.payload.is_object() {
        return (
            r#"{"refused":"payload_not_object"}"#.to_owned(),
            Some(BatchError::PayloadNotObject { index }),
        );
    }
    // `to_string` writes bytes straight into a buffer; the Display impl goes
    // through a formatter adapter at twice the cost. It cannot fail for a
    // JSON object.
    let text = serde_json::to_string(&e.payload).unwrap_or_default();
    if text.len() > MAX_PAYLOAD_BYTES {
        let bytes = text.len();
        return (
            r#"{"refused":"payload_too_large"}"#.to_owned(),
            Some(BatchError::PayloadTooLarge { index, bytes }),
        );
    }
    // What the other devices apply an event by: without it, they would show
    // an empty request, a case of no one, a score for nobody.
    let required: &[&str] = match e.kind {
        EventKind::StaffRequested => &["id", "flight_id", "passenger_id"],
        EventKind::Feedback => &["feedback_id", "flight_id", "passenger_id"],
        EventKind::Enrolment => &["enrolment_id", "passenger_id"],
        EventKind::CaseOpened => &["case_id", "flight_id", "passenger_id"],
        EventKind::CaseUpdated => &["case_id", "update_id"],
        // Devices store a change of disruption under its id (found trying it
        // as a station: one without was applied and then dropped everywhere).
        EventKind::DisruptionUpdated => &["id", "flight_id", "kind", "cause"],
        _ => &[],
    };
    if required.iter().any(|k| e.payload.get(*k).and_then(|v| v.as_str()).is_none_or(|v| v.trim().is_empty()))
    {
        return (text, Some(BatchError::MissingKeys { index }));
    }
    // A policy's text travels with the first decision made under it;
    // central keeps it under the decision's hash, so it must be that text.
    if let Some(policy) = e.payload.get("policy_toml") {
        let named = e.payload.get("decision").and_then(|d| d.get("policy")).and_then(|h| h.as_str());
        if !matches!((policy.as_str(), named), (Some(t), Some(h)) if policy_hash(t) == h) {
            return (text, Some(BatchError::PolicyMismatch { index }));
        }
    }
    (text, None)
}

/// The flight part of an entitlement key: its designator and the flight's
/// local date (`CZ342/2026-11-22` of `CZ342/2026-11-22/784…/meal/1`, as
/// `gatecare_ledger::EntitlementKey` makes them). An entitlement names its
/// flight twice, by this and by the event's `flight_id`; central checks both.
pub fn key_flight(key: &str) -> Option<&str> {
    let mut slashes = key.match_indices('/').map(|(i, _)| i);
    let _ = slashes.next()?;
    let end = slashes.next()?;
    Some(&key[..end])
}

/// The flight an event other than a voucher event is about (a case, a
/// disruption, a refund, a call for staff, …), as its payload names it.
fn event_flight(e: &Event) -> Option<&str> {
    e.payload.get("flight_id")?.as_str()
}

/// What central stores of a refused event's payload (its JSON `text`):
/// the refusal's code and the text's digest. A replay must carry the same
/// payload; [`is_refused_payload_of`] compares one with the stub.
pub fn refused_payload(refusal: &crate::Outcome, text: &str) -> serde_json::Value {
    let code = match refusal {
        crate::Outcome::Refused { code, .. } => code.as_str(),
        _ => "refused",
    };
    serde_json::json!({ "refused": code, "payload_sha256": sha256_hex(text) })
}

/// Whether `payload` is the one a refused event's `stub` was made of.
pub fn is_refused_payload_of(stub: &serde_json::Value, payload: &serde_json::Value) -> bool {
    let text = serde_json::to_string(payload).unwrap_or_default();
    stub.get("payload_sha256").and_then(|d| d.as_str()) == Some(sha256_hex(&text).as_str())
        // Stored before refused payloads were stubs: the payload itself.
        || stub == payload
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256:` and the hex digest of a policy's text (as `gatecare_policy::policy_hash`).
fn policy_hash(text: &str) -> String {
    format!("sha256:{}", sha256_hex(text))
}

/// A batch that passed the checks central makes before it touches a
/// database (size, shape, consecutive `seq`), with each payload's JSON text:
/// the size check measures it and central stores it, so it is written once.
#[derive(Debug)]
pub struct CheckedBatch<'a> {
    events: &'a [Event],
    payload_texts: Vec<String>,
    issuance: Vec<Option<IssuanceFacts<'a>>>,
    /// Each event's refusal for the pushing device's role ([`CheckedBatch::for_role`]).
    refusals: Vec<Option<crate::Outcome>>,
}

impl<'a> CheckedBatch<'a> {
    pub fn new(events: &'a [Event]) -> Result<CheckedBatch<'a>, BatchError> {
        if events.is_empty() {
            return Err(BatchError::Empty);
        }
        if events.len() > MAX_BATCH_EVENTS {
            return Err(BatchError::TooMany(events.len()));
        }
        let first = events[0].seq;
        let mut payload_texts = Vec::with_capacity(events.len());
        let mut issuance = Vec::with_capacity(events.len());
        let mut refusals = Vec::with_capacity(events.len());
        for (index, e) in events.iter().enumerate() {
            // The log's identity: a batch that breaks it is refused whole.
            // Bounded well below i64::MAX, so no sum of seqs can overflow.
            if !(1..=crate::MAX_SEQ).contains(&e.seq) || Some(e.seq) != first.checked_add(index as i64) {
                return Err(BatchError::NotConsecutive { index, seq: e.seq });
            }
            if e.event_id.get_version_num() != 7 {
                return Err(BatchError::NotUuidV7 { index });
            }
            // One event's content: refused alone, so the events after it
            // and the device's pull go on (a refused event is kept, with
            // its reason, in its place).
            let (text, problem) = event_text(index, e);
            let facts = match problem {
                Some(_) => None,
                None if matches!(e.kind, EventKind::Issued | EventKind::Voided | EventKind::Reprinted) => {
                    e.issuance()
                }
                None => None,
            };
            let problem = problem.or_else(|| {
                (facts.is_none()
                    && matches!(e.kind, EventKind::Issued | EventKind::Voided | EventKind::Reprinted))
                .then_some(BatchError::MissingKeys { index })
            });
            refusals.push(
                problem.map(|p| crate::Outcome::Refused { code: p.code().to_owned(), reason: p.to_string() }),
            );
            payload_texts.push(text);
            issuance.push(facts);
        }
        Ok(CheckedBatch { events, payload_texts, issuance, refusals })
    }

    /// Refuses each event still allowed that `check` refuses, given its
    /// issuance facts: it keeps its place and has no effect, so its facts
    /// are dropped and no backend can apply them.
    fn refuse_where(
        mut self,
        check: impl Fn(&Event, Option<&IssuanceFacts<'a>>) -> Option<crate::Outcome>,
    ) -> CheckedBatch<'a> {
        for (i, e) in self.events.iter().enumerate() {
            if self.refusals[i].is_some() {
                continue;
            }
            if let Some(r) = check(e, self.issuance[i].as_ref()) {
                self.refusals[i] = Some(r);
                self.issuance[i] = None;
            }
        }
        self
    }

    /// Marks what a device of `role` may not push (`roles::refusal`).
    pub fn for_role(self, role: crate::DeviceRole) -> CheckedBatch<'a> {
        self.refuse_where(|e, _| crate::roles::refusal(role, e))
    }

    /// Refuses each event `check` refuses (central's checks against what it
    /// stores, such as the agents an event names), as [`CheckedBatch::for_role`] does.
    pub fn refusing(self, check: impl Fn(&Event) -> Option<crate::Outcome>) -> CheckedBatch<'a> {
        self.refuse_where(|e, _| check(e))
    }

    /// Refuses the events on flights of another station (`foreign`, as
    /// central's station data says: by a voucher event's flight id or key, by
    /// any other event's `flight_id`), as [`CheckedBatch::for_role`] does.
    pub fn for_station(self, foreign: &[String]) -> CheckedBatch<'a> {
        if foreign.is_empty() {
            return self;
        }
        self.refuse_where(|e, facts| {
            let (flight, key_flight) = match facts {
                Some(f) => (Some(f.flight_id), key_flight(f.entitlement_key)),
                None => (event_flight(e), None),
            };
            let theirs = [flight, key_flight].into_iter().flatten().any(|f| foreign.iter().any(|id| id == f));
            theirs.then(|| crate::Outcome::Refused {
                code: "flight_not_your_station".into(),
                reason: "this flight is not one central published for your station".into(),
            })
        })
    }

    /// The bindings of the voucher ids the batch's `issued` events name
    /// that are not bound to `device` (see [`crate::voucher_id`]): central
    /// looks up which are bound to another device.
    pub fn foreign_bindings(&self, device: uuid::Uuid) -> Vec<String> {
        let mut bindings: Vec<String> = self
            .events
            .iter()
            .zip(&self.issuance)
            .filter(|(e, f)| e.kind == EventKind::Issued && f.is_some())
            .filter_map(|(_, f)| f.as_ref())
            .filter(|f| !crate::voucher_id::is_bound_to(f.voucher_id, device))
            .filter_map(|f| crate::voucher_id::binding(f.voucher_id))
            .collect();
        bindings.sort_unstable();
        bindings.dedup();
        bindings
    }

    /// Refuses the `issued` events naming a voucher id bound to another
    /// device (`taken`: bindings central found on other devices).
    pub fn for_owners(self, taken: &[String]) -> CheckedBatch<'a> {
        if taken.is_empty() {
            return self;
        }
        self.refuse_where(|e, facts| {
            let theirs = e.kind == EventKind::Issued
                && facts
                    .and_then(|f| crate::voucher_id::binding(f.voucher_id))
                    .is_some_and(|b| taken.contains(&b));
            theirs.then(|| crate::Outcome::Refused {
                code: "voucher_not_yours".into(),
                reason: "this voucher id is another device's".into(),
            })
        })
    }

    /// The distinct flight parts of the entitlement keys the batch's voucher
    /// events name ([`key_flight`]).
    pub fn key_flights(&self) -> Vec<&'a str> {
        let mut keys: Vec<&'a str> =
            self.issuance.iter().flatten().filter_map(|f| key_flight(f.entitlement_key)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The distinct flights the batch's events name.
    pub fn flight_ids(&self) -> Vec<&'a str> {
        let mut ids: Vec<&'a str> = self
            .issuance
            .iter()
            .flatten()
            .map(|f| f.flight_id)
            .chain(
                self.events
                    .iter()
                    .zip(&self.issuance)
                    .filter(|(_, f)| f.is_none())
                    .filter_map(|(e, _)| event_flight(e)),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Each event's refusal, in order; all None when the role may push them all.
    pub fn refusals(&self) -> &[Option<crate::Outcome>] {
        &self.refusals
    }

    /// Whether every event may take effect (the fast paths need this).
    pub fn all_allowed(&self) -> bool {
        self.refusals.iter().all(Option::is_none)
    }

    pub fn events(&self) -> &'a [Event] {
        self.events
    }

    /// Each event's payload as JSON text, in order.
    pub fn payload_texts(&self) -> &[String] {
        &self.payload_texts
    }

    /// Each event's payload as central stores it: its JSON text, or for a
    /// refused event only the refusal's code and the payload's digest
    /// ([`refused_payload`]): what a stolen token or a foreign station
    /// pushes leaves no data behind.
    pub fn stored_payload_texts(&self) -> Vec<std::borrow::Cow<'_, str>> {
        self.payload_texts
            .iter()
            .zip(&self.refusals)
            .map(|(text, refusal)| match refusal {
                None => std::borrow::Cow::Borrowed(text.as_str()),
                Some(r) => std::borrow::Cow::Owned(refused_payload(r, text).to_string()),
            })
            .collect()
    }

    /// Each event's issuance facts, read once by the check: present for
    /// every issued, voided and reprinted event, `None` for the rest.
    pub fn issuance(&self) -> &[Option<IssuanceFacts<'a>>] {
        &self.issuance
    }

    /// The `seq` of the first event and of the last.
    pub fn seqs(&self) -> (i64, i64) {
        let first = self.events[0].seq;
        (first, first + self.events.len() as i64 - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_policy_text_must_be_the_one_its_decision_names() {
        let text = "[care]\nmeal_interval_minutes = 240\n";
        let issued = |policy: &str| Event {
            seq: 1,
            event_id: Uuid::now_v7(),
            kind: EventKind::Issued,
            at: chrono::Utc::now(),
            payload: serde_json::json!({
                "entitlement_key": "k", "voucher_id": "v", "flight_id": "f",
                "decision": {"policy": policy}, "policy_toml": text,
            }),
        };
        let good = [issued(&policy_hash(text))];
        assert_eq!(refused(&good), vec![None]);
        let forged = [issued("sha256:00")];
        assert_eq!(refused(&forged), vec![Some("policy_mismatch".to_owned())]);
        let mut unnamed = issued("x");
        unnamed.payload.as_object_mut().unwrap().remove("decision");
        assert_eq!(refused(&[unnamed]), vec![Some("policy_mismatch".to_owned())]);
    }

    fn event(seq: i64) -> Event {
        Event {
            seq,
            event_id: Uuid::now_v7(),
            kind: EventKind::Issued,
            at: DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            payload: serde_json::json!({"entitlement_key": "k", "voucher_id": "v", "flight_id": "f"}),
        }
    }

    #[test]
    fn issuance_reads_the_payload_fields() {
        let mut e = event(1);
        e.payload = serde_json::json!({
            "entitlement_key": "K", "voucher_id": "V", "flight_id": "F", "passenger_id": "P", "kind": "meal",
            "value_minor": 12000, "currency": "HKD", "note": "ignored",
        });
        let f = e.issuance().unwrap();
        assert_eq!(
            (f.entitlement_key, f.voucher_id, f.flight_id, f.passenger_id, f.kind, f.value_minor, f.currency),
            ("K", "V", "F", "P", "meal", 12000, "HKD")
        );
        // Optional fields default; the three keys must be non-empty strings.
        let minimal = event(1);
        let f = minimal.issuance().unwrap();
        assert_eq!((f.passenger_id, f.kind, f.value_minor, f.currency), ("", "", 0, ""));
        for (field, bad) in [("entitlement_key", serde_json::json!("")), ("voucher_id", serde_json::json!(7))]
        {
            let mut e = event(1);
            e.payload[field] = bad;
            assert_eq!(e.issuance(), None, "{field}");
        }
        let mut e = event(1);
        e.payload.as_object_mut().unwrap().remove("flight_id");
        assert_eq!(e.issuance(), None);
        e.payload = serde_json::json!(["entitlement_key", "voucher_id", "flight_id"]);
        assert_eq!(e.issuance(), None);
    }

    fn check(events: &[Event]) -> Result<(), BatchError> {
        CheckedBatch::new(events).map(|_| ())
    }

    /// Each event's refusal code in a batch that checks.
    fn refused(events: &[Event]) -> Vec<Option<String>> {
        CheckedBatch::new(events)
            .unwrap()
            .refusals()
            .iter()
            .map(|r| match r {
                Some(crate::Outcome::Refused { code, .. }) => Some(code.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn batches_must_be_consecutive_and_well_formed() {
        assert_eq!(check(&[]), Err(BatchError::Empty));
        assert!(check(&[event(3), event(4)]).is_ok());
        assert_eq!(check(&[event(3), event(5)]), Err(BatchError::NotConsecutive { index: 1, seq: 5 }));
        assert_eq!(check(&[event(0)]), Err(BatchError::NotConsecutive { index: 0, seq: 0 }));
        // Near i64::MAX: refused, never an overflow.
        assert!(check(&[event(i64::MAX)]).is_err());
        assert!(check(&[event(i64::MAX - 1), event(i64::MAX)]).is_err());
        assert!(check(&[event(crate::MAX_SEQ)]).is_ok());
        let mut v4 = event(1);
        v4.event_id = Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
        assert_eq!(check(&[v4]), Err(BatchError::NotUuidV7 { index: 0 }));
        // One bad event is refused alone; the batch goes on around it.
        let mut bare = event(2);
        bare.payload = serde_json::json!({"voucher_id": "v"});
        let mut fb = event(3);
        fb.kind = EventKind::Feedback;
        fb.payload = serde_json::json!([1]);
        let mut big = event(4);
        big.kind = EventKind::ProfileNote;
        big.payload = serde_json::json!({"note": "x".repeat(MAX_PAYLOAD_BYTES)});
        let batch = [event(1), bare, fb, big, event(5)];
        let codes = refused(&batch);
        assert_eq!(
            codes,
            [None, Some("payload_missing_keys"), Some("payload_not_object"), Some("payload_too_large"), None]
                .map(|c| c.map(str::to_owned))
        );
        let checked = CheckedBatch::new(&batch).unwrap();
        assert!(checked.payload_texts()[3].len() < 100, "a refused payload is stored as a stub");
        assert!(checked.issuance()[1].is_none() && checked.issuance()[4].is_some());
        // A call for staff names the passenger and the flight.
        let mut call = event(1);
        call.kind = EventKind::StaffRequested;
        call.payload = serde_json::json!({});
        let mut named = event(2);
        named.kind = EventKind::StaffRequested;
        named.payload =
            serde_json::json!({"id": "S1", "flight_id": "F", "passenger_id": "P", "reason": "umnr"});
        assert_eq!(refused(&[call, named]), [Some("payload_missing_keys".to_owned()), None]);
        // A change of disruption is stored under its id on every device.
        let mut anonymous = event(1);
        anonymous.kind = EventKind::DisruptionUpdated;
        anonymous.payload = serde_json::json!({"flight_id": "F", "kind": "cancellation", "cause": "weather"});
        let mut recorded = event(2);
        recorded.kind = EventKind::DisruptionUpdated;
        recorded.payload =
            serde_json::json!({"id": "D1", "flight_id": "F", "kind": "cancellation", "cause": "weather"});
        assert_eq!(refused(&[anonymous, recorded]), [Some("payload_missing_keys".to_owned()), None]);
    }

    #[test]
    fn a_key_names_its_flight() {
        assert_eq!(key_flight("CZ342/2026-11-22/7840000000001/meal/1"), Some("CZ342/2026-11-22"));
        assert_eq!(key_flight("CZ342/2026-11-22"), None);
        assert_eq!(key_flight("x"), None);
    }

    #[test]
    fn a_checked_batch_keeps_the_issuance_it_read() {
        let mut case = event(2);
        case.kind = EventKind::CaseOpened;
        case.payload = serde_json::json!({"case_id": "C-1"});
        let mut void = event(3);
        void.kind = EventKind::Voided;
        void.payload = serde_json::json!({"entitlement_key": "k3", "voucher_id": "v3", "flight_id": "f"});
        let events = [event(1), case, void];
        let batch = CheckedBatch::new(&events).unwrap();
        let keys: Vec<Option<&str>> =
            batch.issuance().iter().map(|f| f.as_ref().map(|f| f.entitlement_key)).collect();
        assert_eq!(keys, [Some("k"), None, Some("k3")]);
        assert_eq!(batch.payload_texts()[1], r#"{"case_id":"C-1"}"#);
        assert_eq!(batch.seqs(), (1, 3));
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
        }
        assert_eq!(EventKind::parse("launched"), None);
    }

    proptest! {
        #[test]
        fn a_checked_batch_keeps_each_payload_text(seq in 1i64..1_000_000, notes in proptest::collection::vec(".{0,40}", 1..5)) {
            let events: Vec<Event> = notes.iter().enumerate().map(|(i, note)| {
                let mut e = event(seq + i as i64);
                e.payload = serde_json::json!({"entitlement_key": "k", "voucher_id": "v", "flight_id": "f", "note": note});
                e
            }).collect();
            let batch = CheckedBatch::new(&events).unwrap();
            prop_assert_eq!(batch.seqs(), (seq, seq + events.len() as i64 - 1));
            for (e, text) in events.iter().zip(batch.payload_texts()) {
                prop_assert_eq!(serde_json::from_str::<serde_json::Value>(text).unwrap(), e.payload.clone());
            }
        }
    }
}
