//! What a kiosk pushed reads back as it was sent, on both backends: another
//! device at the station pulls each event's envelope (PostgreSQL stores only
//! the payload and rebuilds the rest), a replay matches what was stored — to
//! the nanosecond, through escapes and non-Latin text — while one nanosecond
//! off is a clone's, and the service-recovery report reads the payloads.

use chrono::DateTime;
use gatecare_server_database::{Database, DbError, event_feed_body};
use gatecare_sync::{CheckedBatch, Event, EventKind, Topic};
use uuid::Uuid;

use super::group_commit::device;
use super::harness::on_both_backends;
use super::story::now;

on_both_backends!(events_read_back_as_sent);

async fn events_read_back_as_sent<D: Database>(db: D) {
    let kiosk = device(&db, 1).await;
    let other = device(&db, 2).await;
    let at = DateTime::parse_from_rfc3339("2026-11-22T06:00:00.123456789Z").unwrap().to_utc();
    let events = vec![
        Event {
            seq: 1,
            event_id: Uuid::now_v7(),
            kind: EventKind::Issued,
            at,
            payload: serde_json::json!({
                "entitlement_key": "CZ342/2026-11-22/7840000000001/meal/1", "voucher_id": Uuid::now_v7().to_string(),
                "flight_id": "CZ342-20261122", "passenger_id": "P1", "kind": "meal", "value_minor": 12000,
                "currency": "HKD", "passenger_name": "王小明 \"Ming\" O'Neil \\ 😀\n\t\u{0001}",
            }),
        },
        Event {
            seq: 2,
            event_id: Uuid::now_v7(),
            kind: EventKind::CaseOpened,
            at: at + chrono::Duration::seconds(1),
            payload: serde_json::json!({"case_id": "C-1", "flight_id": "CZ342-20261122", "passenger_id": "P1",
                "summary": "轮椅 wheelchair at gate 23", "stars": 5}),
        },
    ];
    let pushed = db.push(&kiosk, &CheckedBatch::new(&events).unwrap(), now()).await.unwrap();

    let page = db.pull(&other, 0, 100).await.unwrap();
    let bodies: Vec<&serde_json::Value> =
        page.items.iter().filter(|i| i.topic == Topic::Event).map(|i| &i.body).collect();
    let sent: Vec<serde_json::Value> = events.iter().map(|e| event_feed_body(kiosk.id, e)).collect();
    assert_eq!(bodies, sent.iter().collect::<Vec<_>>());
    assert_eq!(bodies[0]["at"], "2026-11-22T06:00:00.123456789Z");
    assert_eq!(bodies[0]["payload"]["passenger_name"], "王小明 \"Ming\" O'Neil \\ 😀\n\t\u{0001}");

    // A replay is answered as the push was; one nanosecond off is a clone's.
    let kiosk = db.devices().await.unwrap().into_iter().find(|d| d.id == kiosk.id).unwrap();
    let again = db.push(&kiosk, &CheckedBatch::new(&events).unwrap(), now()).await.unwrap();
    assert_eq!(again.acks, pushed.acks);
    let mut off = events[0].clone();
    off.at += chrono::Duration::nanoseconds(1);
    assert!(matches!(
        db.push(&kiosk, &CheckedBatch::new(&[off]).unwrap(), now()).await,
        Err(DbError::SeqConflict { seq: 1 })
    ));

    let cases = db.case_events().await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!((cases[0].station.as_str(), cases[0].kind.as_str()), ("HKG", "case_opened"));
    assert_eq!(cases[0].payload, events[1].payload);
}
