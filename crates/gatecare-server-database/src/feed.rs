//! The feed's storage shape, shared by both backends.
//!
//! Every feed item (a device's event, a void, a conflict, a flight update…)
//! is one row holding its body, nothing else that is per item: SQLite keys
//! it by its `server_seq`; PostgreSQL by the block it was written under and
//! its index there, which the run maps to server_seqs, and keeps a device
//! event's payload with its id and time (migrations 0005, 0006). What items of one push or one publication have in
//! common — station, topic, the device that sent them, the device seq of
//! the first, when central received them — is stored once, as a *run* of
//! consecutive server_seqs. A push of 500 events is then 500 appends in
//! server_seq order plus one run row, instead of 500 rows in each of several
//! indexes; the indexes (by station for pulls, by device and seq for
//! replays) are over runs.
//!
//! The functions here decide which items a pull or a replay reads, from the
//! runs alone; the backends fetch exactly those ranges.

use chrono::{DateTime, Utc};
use gatecare_sync::{DeviceRole, Event, EventAck, FeedItem, Topic};
use uuid::Uuid;

use crate::DbError;

/// A run of consecutive feed items with one station, topic and origin.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRun {
    pub first_seq: i64,
    pub last_seq: i64,
    pub topic: Topic,
    pub origin_device: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Items `lo..=hi` of the run `run` (an index into the runs given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub lo: i64,
    pub hi: i64,
    pub run: usize,
}

/// What one page of a pull reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePlan {
    /// The spans to fetch, in server_seq order.
    pub spans: Vec<Span>,
    pub next_after: i64,
    pub more: bool,
}

/// Plans a page of up to `limit` items after `after` from the station's
/// runs (its own and the all-station ones), which the backend fetched as
/// the first `limit` of each by `last_seq` — enough, since every run adds at
/// least one item. A device's own events count toward the page and move the
/// cursor but are not sent back: it has them as acknowledgements. What a
/// device's role may not read (agents' PIN hashes, for all but consoles)
/// moves the cursor the same way.
pub fn plan_page(runs: &mut [FeedRun], after: i64, limit: i64, me: Uuid, role: DeviceRole) -> PagePlan {
    runs.sort_by_key(|r| r.first_seq);
    let mut spans = Vec::new();
    let mut left = limit.max(1);
    let mut next_after = after;
    for (i, r) in runs.iter().enumerate() {
        let lo = r.first_seq.max(after + 1);
        if lo > r.last_seq {
            continue;
        }
        let hi = r.last_seq.min(lo + left - 1);
        if r.origin_device != Some(me) && reads(role, r.topic) {
            spans.push(Span { lo, hi, run: i });
        }
        left -= hi - lo + 1;
        next_after = hi;
        if left == 0 {
            return PagePlan { spans, next_after, more: true };
        }
    }
    PagePlan { spans, next_after, more: false }
}

/// Whether a device of `role` is sent items of `topic`. Agents' records
/// carry PIN hashes: only the consoles agents sign in to keep them, never a
/// kiosk standing in a public hall.
pub fn reads(role: DeviceRole, topic: Topic) -> bool {
    topic != Topic::Agent || role == DeviceRole::Console
}

/// A run of one device's events: server_seqs `first_seq..=last_seq` hold
/// device seqs from `first_device_seq` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRun {
    pub first_seq: i64,
    pub last_seq: i64,
    pub first_device_seq: i64,
}

/// The server_seq ranges holding device seqs `first..=upto`, in device seq
/// order, from the device's runs that overlap them. Seqs are gapless, so a
/// seq no run holds means the store lost events.
pub fn replay_ranges(runs: &[DeviceRun], first: i64, upto: i64) -> Result<Vec<(i64, i64)>, DbError> {
    let mut runs = runs.to_vec();
    runs.sort_by_key(|r| r.first_device_seq);
    let mut out = Vec::new();
    let mut want = first;
    for r in runs {
        let last_device_seq = r.first_device_seq + (r.last_seq - r.first_seq);
        if last_device_seq < want || r.first_device_seq > upto {
            continue;
        }
        if r.first_device_seq > want {
            break;
        }
        let hi = last_device_seq.min(upto);
        out.push((r.first_seq + (want - r.first_device_seq), r.first_seq + (hi - r.first_device_seq)));
        want = hi + 1;
        if want > upto {
            return Ok(out);
        }
    }
    Err(DbError::Corrupt(format!("no stored events for device seqs {want}..={upto}")))
}

/// A feed item as the backends read it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub server_seq: i64,
    pub outcome: Option<String>,
    pub body: String,
}

/// The ranges a plan's spans cover, for the backend to fetch.
pub fn span_ranges(plan: &PagePlan) -> Vec<(i64, i64)> {
    plan.spans.iter().map(|s| (s.lo, s.hi)).collect()
}

/// A page's items from the planned runs and the items fetched for their
/// spans (in server_seq order); a missing item means a corrupt store.
pub fn page_items(
    plan: &PagePlan,
    runs: &[FeedRun],
    stored: Vec<StoredItem>,
) -> Result<Vec<FeedItem>, DbError> {
    let mut rows = stored.into_iter();
    let mut items = Vec::new();
    for span in &plan.spans {
        let run = &runs[span.run];
        for seq in span.lo..=span.hi {
            let row = rows.next().filter(|r| r.server_seq == seq);
            let row = row.ok_or_else(|| DbError::Corrupt(format!("feed item {seq} is missing")))?;
            // An event central refused had no effect: no other device sees it.
            if matches!(parse_outcome(row.outcome.as_deref())?, gatecare_sync::Outcome::Refused { .. }) {
                continue;
            }
            let mut body: serde_json::Value =
                serde_json::from_str(&row.body).map_err(|e| DbError::Corrupt(e.to_string()))?;
            strip_contact(&mut body);
            items.push(FeedItem { server_seq: seq, topic: run.topic, at: run.at, body });
        }
    }
    Ok(items)
}

/// What of an enrolment the station's other devices are told: that this
/// passenger asked to join, under which provisional number, from which
/// device. Nothing else is relayed, whatever a device put beside it.
const RELAYED_ENROLMENT_FIELDS: [&str; 4] = ["enrolment_id", "passenger_id", "ff_number", "device"];

/// A passenger's mobile number and consent, given at a kiosk to join the
/// programme, are for the airline (central keeps the event as pushed); the
/// station's other devices learn only that an enrolment was requested.
fn strip_contact(body: &mut serde_json::Value) {
    if body.get("kind").and_then(|k| k.as_str()) == Some("enrolment")
        && let Some(payload) = body.get_mut("payload").and_then(|p| p.as_object_mut())
    {
        payload.retain(|field, _| RELAYED_ENROLMENT_FIELDS.contains(&field.as_str()));
    }
}

/// The acknowledgements of a push whose events were all applied, numbered
/// from `base` in order.
pub fn applied_acks(events: &[Event], base: i64) -> Vec<EventAck> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| EventAck {
            seq: e.seq,
            event_id: e.event_id,
            server_seq: base + i as i64,
            outcome: gatecare_sync::Outcome::Applied,
        })
        .collect()
}

/// Acknowledgements for a replayed prefix of a batch from the items stored
/// for it (`events[i]` with its feed body `bodies[i]`), or `SeqConflict` at the
/// first event whose content differs from what was stored.
/// The bodies of the first `n` events of `batch` as a replay of them must
/// match what central stored: each with its payload, refused or not.
pub fn replay_bodies(device: Uuid, batch: &gatecare_sync::CheckedBatch<'_>, n: usize) -> Vec<String> {
    batch
        .events()
        .iter()
        .zip(batch.payload_texts())
        .take(n)
        .map(|(e, text)| crate::event_feed_text(device, e, text))
        .collect()
}

pub fn replay_acks(
    events: &[Event],
    bodies: &[String],
    stored: Vec<StoredItem>,
) -> Result<Vec<EventAck>, DbError> {
    let mut acks = Vec::with_capacity(stored.len());
    for ((e, body), row) in events.iter().zip(bodies).zip(stored) {
        let refused =
            matches!(parse_outcome(row.outcome.as_deref())?, gatecare_sync::Outcome::Refused { .. });
        if !is_stored_event(&row.body, body, refused) {
            return Err(DbError::SeqConflict { seq: e.seq });
        }
        let outcome = parse_outcome(row.outcome.as_deref())?;
        acks.push(EventAck { seq: e.seq, event_id: e.event_id, server_seq: row.server_seq, outcome });
    }
    Ok(acks)
}

/// Whether a stored event body is the one a replay makes (its
/// `event_feed_text`): a replay must carry exactly what was stored. Compared
/// as JSON values, so a backend that normalises JSON text (or data migrated
/// from one) still matches.
///
/// Of an event central refused (`refused`) only a stub of its payload is
/// stored (`gatecare_sync::refused_payload`): the replay's payload is
/// compared with that, the rest of the body as it is.
pub fn is_stored_event(stored_body: &str, replayed_body: &str, refused: bool) -> bool {
    let stored: Result<serde_json::Value, _> = serde_json::from_str(stored_body);
    let replayed: Result<serde_json::Value, _> = serde_json::from_str(replayed_body);
    let (Ok(mut a), Ok(mut b)) = (stored, replayed) else {
        return false;
    };
    if !refused {
        return a == b;
    }
    let (stub, payload) = (
        a.get_mut("payload").map(serde_json::Value::take),
        b.get_mut("payload").map(serde_json::Value::take),
    );
    match (stub, payload) {
        (Some(stub), Some(payload)) => a == b && gatecare_sync::is_refused_payload_of(&stub, &payload),
        _ => false,
    }
}

/// An event's outcome as stored: nothing for the common `applied`.
pub fn outcome_text(o: &gatecare_sync::Outcome) -> Result<Option<String>, DbError> {
    match o {
        gatecare_sync::Outcome::Applied => Ok(None),
        o => serde_json::to_string(o).map(Some).map_err(|e| DbError::Corrupt(e.to_string())),
    }
}

pub fn parse_outcome(text: Option<&str>) -> Result<gatecare_sync::Outcome, DbError> {
    match text {
        None => Ok(gatecare_sync::Outcome::Applied),
        Some(t) => serde_json::from_str(t).map_err(|e| DbError::Corrupt(format!("outcome {t:?}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(first_seq: i64, last_seq: i64, origin: Option<Uuid>) -> FeedRun {
        FeedRun { first_seq, last_seq, topic: Topic::Event, origin_device: origin, at: DateTime::UNIX_EPOCH }
    }

    #[test]
    fn applied_acks_number_the_events_in_order_from_the_base() {
        let events: Vec<Event> = (7..=9)
            .map(|seq| Event {
                seq,
                event_id: Uuid::now_v7(),
                kind: gatecare_sync::EventKind::Feedback,
                at: DateTime::UNIX_EPOCH,
                payload: serde_json::json!({}),
            })
            .collect();
        let acks = applied_acks(&events, 100);
        let got: Vec<(i64, Uuid, i64)> = acks.iter().map(|a| (a.seq, a.event_id, a.server_seq)).collect();
        let want: Vec<(i64, Uuid, i64)> =
            events.iter().zip(100..).map(|(e, s)| (e.seq, e.event_id, s)).collect();
        assert_eq!(got, want);
        assert!(acks.iter().all(|a| a.outcome == gatecare_sync::Outcome::Applied));
    }

    #[test]
    fn a_page_takes_runs_in_order_and_stops_inside_one() {
        let me = Uuid::now_v7();
        let other = Uuid::now_v7();
        // Out of order, as the two per-station queries return them.
        let mut runs =
            vec![run(11, 11, None), run(1, 10, Some(other)), run(12, 20, Some(me)), run(21, 30, None)];
        let p = plan_page(&mut runs, 0, 15, me, DeviceRole::Console);
        assert_eq!(p.spans, vec![Span { lo: 1, hi: 10, run: 0 }, Span { lo: 11, hi: 11, run: 1 }]);
        // Own events fill the page and move the cursor without being sent.
        assert_eq!((p.next_after, p.more), (15, true));
        let p = plan_page(&mut runs, 15, 15, me, DeviceRole::Console);
        assert_eq!(p.spans, vec![Span { lo: 21, hi: 30, run: 3 }]);
        // Exactly full: the next page is asked for, and is empty.
        assert_eq!((p.next_after, p.more), (30, true));
        let p = plan_page(&mut runs, 30, 15, me, DeviceRole::Console);
        assert_eq!((p.spans.len(), p.next_after, p.more), (0, 30, false));
    }

    #[test]
    fn a_relayed_enrolment_carries_no_mobile_number() {
        let plan = PagePlan { spans: vec![Span { lo: 1, hi: 2, run: 0 }], next_after: 2, more: false };
        let runs = [run(1, 2, None)];
        let enrolment = r#"{"kind":"enrolment","payload":{"enrolment_id":"e","ff_number":"CZ1","mobile":"85291234567","contact":{"mobile":"85291234567"},"phone":"1","consent":true},"seq":1}"#;
        let meal = r#"{"kind":"issued","payload":{"mobile":"not a contact field here"},"seq":2}"#;
        let stored = vec![
            StoredItem { server_seq: 1, body: enrolment.into(), outcome: None },
            StoredItem { server_seq: 2, body: meal.into(), outcome: None },
        ];
        let items = page_items(&plan, &runs, stored).unwrap();
        assert_eq!(items[0].body["payload"], serde_json::json!({"enrolment_id": "e", "ff_number": "CZ1"}));
        assert!(items[1].body["payload"].get("mobile").is_some(), "only enrolments are touched");
    }

    #[test]
    fn a_kiosk_is_sent_no_agent_records_and_its_cursor_moves_past_them() {
        let me = Uuid::now_v7();
        let agents = FeedRun { topic: Topic::Agent, ..run(1, 3, None) };
        let mut runs = vec![agents, run(4, 6, None)];
        let p = plan_page(&mut runs, 0, 10, me, DeviceRole::Kiosk);
        assert_eq!((p.spans, p.next_after), (vec![Span { lo: 4, hi: 6, run: 1 }], 6));
        let p = plan_page(&mut runs, 0, 10, me, DeviceRole::Console);
        assert_eq!(p.spans.len(), 2);
        assert!(!reads(DeviceRole::Merchant, Topic::Agent));
    }

    #[test]
    fn a_full_last_page_says_more_and_the_next_one_is_empty() {
        let me = Uuid::now_v7();
        let mut runs = vec![run(5, 9, None)];
        let p = plan_page(&mut runs, 4, 5, me, DeviceRole::Console);
        assert_eq!((p.spans, p.next_after, p.more), (vec![Span { lo: 5, hi: 9, run: 0 }], 9, true));
        let p = plan_page(&mut runs, 9, 5, me, DeviceRole::Console);
        assert_eq!((p.spans.len(), p.next_after, p.more), (0, 9, false));
    }

    #[test]
    fn replays_map_device_seqs_to_server_seqs_across_runs() {
        let runs = [
            DeviceRun { first_seq: 501, last_seq: 1000, first_device_seq: 1 },
            DeviceRun { first_seq: 2001, last_seq: 2003, first_device_seq: 501 },
        ];
        assert_eq!(replay_ranges(&runs, 499, 502).unwrap(), vec![(999, 1000), (2001, 2002)]);
        assert_eq!(replay_ranges(&runs, 1, 1).unwrap(), vec![(501, 501)]);
        assert!(matches!(replay_ranges(&runs, 500, 504), Err(DbError::Corrupt(_))));
        assert!(matches!(replay_ranges(&runs[1..], 1, 1), Err(DbError::Corrupt(_))));
    }

    #[test]
    fn outcomes_round_trip_and_applied_is_stored_as_nothing() {
        use gatecare_sync::Outcome;
        assert_eq!(outcome_text(&Outcome::Applied).unwrap(), None);
        let c = Outcome::Conflict { winner_voucher_id: "v1".into(), winner_device: Uuid::now_v7() };
        let t = outcome_text(&c).unwrap();
        assert_eq!(parse_outcome(t.as_deref()).unwrap(), c);
        assert_eq!(parse_outcome(None).unwrap(), Outcome::Applied);
        assert!(parse_outcome(Some("{")).is_err());
    }

    #[test]
    fn a_replay_matches_only_the_stored_event() {
        let d = Uuid::now_v7();
        let e = gatecare_sync::Event {
            seq: 3,
            event_id: Uuid::now_v7(),
            kind: gatecare_sync::EventKind::Feedback,
            at: DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            payload: serde_json::json!({"score": 4}),
        };
        let stored = crate::event_feed_text(d, &e, &e.payload.to_string());
        assert!(is_stored_event(&stored, &crate::event_feed_text(d, &e, &e.payload.to_string()), false));
        // The same value with other spacing and key order (PostgreSQL's jsonb text).
        let reordered = serde_json::to_string_pretty(&crate::event_feed_body(d, &e)).unwrap();
        assert!(is_stored_event(&reordered, &stored, false));
        let mut other = e.clone();
        other.payload = serde_json::json!({"score": 5});
        assert!(!is_stored_event(
            &stored,
            &crate::event_feed_text(d, &other, &other.payload.to_string()),
            false
        ));
        assert!(!is_stored_event(
            &stored,
            &crate::event_feed_text(Uuid::now_v7(), &e, &e.payload.to_string()),
            false
        ));

        // A refused event is stored as a stub: its replay matches by the
        // payload's digest, another payload under its number does not.
        let refusal = gatecare_sync::Outcome::Refused { code: "kiosk_not_agent".into(), reason: "no".into() };
        let stub = gatecare_sync::refused_payload(&refusal, &e.payload.to_string());
        assert!(!stub.to_string().contains("score"), "{stub}");
        let stored = crate::event_feed_text(d, &e, &stub.to_string());
        assert!(is_stored_event(&stored, &crate::event_feed_text(d, &e, &e.payload.to_string()), true));
        assert!(!is_stored_event(
            &stored,
            &crate::event_feed_text(d, &other, &other.payload.to_string()),
            true
        ));
        assert!(!is_stored_event("not json", &stored, false));
    }
}
