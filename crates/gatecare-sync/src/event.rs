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
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
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
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
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

/// The length of a value's JSON text, without building the text.
pub fn json_len(v: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    // Writing to a counter cannot fail; a Value always serialises.
    let _ = serde_json::to_writer(&mut c, v);
    c.0
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
        "event {index}: an issued/voided/reprinted event needs entitlement_key, voucher_id and flight_id"
    )]
    MissingKeys { index: usize },
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
}

impl Event {
    pub fn issuance(&self) -> Option<IssuanceFacts<'_>> {
        let p = &self.payload;
        let s = |k: &str| p.get(k).and_then(|v| v.as_str());
        Some(IssuanceFacts {
            entitlement_key: s("entitlement_key").filter(|v| !v.is_empty())?,
            voucher_id: s("voucher_id").filter(|v| !v.is_empty())?,
            flight_id: s("flight_id").filter(|v| !v.is_empty())?,
            passenger_id: s("passenger_id").unwrap_or(""),
            kind: s("kind").unwrap_or(""),
            value_minor: p.get("value_minor").and_then(|v| v.as_i64()).unwrap_or(0),
            currency: s("currency").unwrap_or(""),
        })
    }
}

/// Checks a batch without a database: size, shape, consecutive `seq`.
pub fn validate_batch(events: &[Event]) -> Result<(), BatchError> {
    if events.is_empty() {
        return Err(BatchError::Empty);
    }
    if events.len() > MAX_BATCH_EVENTS {
        return Err(BatchError::TooMany(events.len()));
    }
    let first = events[0].seq;
    for (index, e) in events.iter().enumerate() {
        if e.seq < 1 || e.seq != first + index as i64 {
            return Err(BatchError::NotConsecutive { index, seq: e.seq });
        }
        if e.event_id.get_version_num() != 7 {
            return Err(BatchError::NotUuidV7 { index });
        }
        if !e.payload.is_object() {
            return Err(BatchError::PayloadNotObject { index });
        }
        let bytes = json_len(&e.payload);
        if bytes > MAX_PAYLOAD_BYTES {
            return Err(BatchError::PayloadTooLarge { index, bytes });
        }
        if matches!(e.kind, EventKind::Issued | EventKind::Voided | EventKind::Reprinted)
            && e.issuance().is_none()
        {
            return Err(BatchError::MissingKeys { index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    fn batches_must_be_consecutive_and_well_formed() {
        assert_eq!(validate_batch(&[]), Err(BatchError::Empty));
        assert!(validate_batch(&[event(3), event(4)]).is_ok());
        assert_eq!(
            validate_batch(&[event(3), event(5)]),
            Err(BatchError::NotConsecutive { index: 1, seq: 5 })
        );
        assert_eq!(validate_batch(&[event(0)]), Err(BatchError::NotConsecutive { index: 0, seq: 0 }));
        let mut v4 = event(1);
        v4.event_id = Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
        assert_eq!(validate_batch(&[v4]), Err(BatchError::NotUuidV7 { index: 0 }));
        let mut bare = event(1);
        bare.payload = serde_json::json!({"voucher_id": "v"});
        assert_eq!(validate_batch(&[bare]), Err(BatchError::MissingKeys { index: 0 }));
        let mut fb = event(1);
        fb.kind = EventKind::Feedback;
        fb.payload = serde_json::json!([1]);
        assert_eq!(validate_batch(&[fb]), Err(BatchError::PayloadNotObject { index: 0 }));
        let mut big = event(1);
        big.kind = EventKind::ProfileNote;
        big.payload = serde_json::json!({"note": "x".repeat(MAX_PAYLOAD_BYTES)});
        assert!(matches!(validate_batch(&[big]), Err(BatchError::PayloadTooLarge { .. })));
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
        fn json_len_is_the_length_of_the_text(seq in 1i64..1_000_000, note in ".{0,40}") {
            let mut a = event(seq);
            a.payload = serde_json::json!({"entitlement_key": "k", "voucher_id": "v", "flight_id": "f", "note": note});
            prop_assert_eq!(json_len(&a.payload), a.payload.to_string().len());
        }
    }
}
