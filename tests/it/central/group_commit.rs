//! Central writes the common push (it continues the device's log, every
//! issuance is new) on a path of its own: SQLite in groups (one transaction
//! and one fsync for the pushes that arrive together), PostgreSQL as one
//! statement that commits as it ends. On both backends concurrent devices
//! each get their own contiguous numbers; a push that path must not decide
//! (a replay under a stale device record, an entitlement issued before)
//! takes the full path and is answered exactly as before.

use gatecare_server_database::{Database, DeviceRecord, NewDevice, NewEnrolmentCode};
use gatecare_sync::{CheckedBatch, DeviceRole, Event, EventKind, Outcome};
use uuid::Uuid;

use super::harness::on_both_backends;
use super::story::now;

fn issued(device: usize, seq: i64, key: &str) -> Event {
    Event {
        seq,
        event_id: Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({
            "entitlement_key": key, "voucher_id": Uuid::now_v7().to_string(), "flight_id": "CZ342-20261122",
            "passenger_id": format!("P{device}-{seq}"), "kind": "meal", "value_minor": 12000, "currency": "HKD",
        }),
    }
}

fn key(device: usize, seq: i64) -> String {
    format!("CZ342/2026-11-22/784{device:03}{seq:07}/meal/1")
}

pub(super) async fn device<D: Database>(db: &D, i: usize) -> DeviceRecord {
    let code = format!("code-{i}");
    db.add_enrolment_code(&NewEnrolmentCode {
        code_hash: code.clone(),
        station: "HKG".into(),
        role: DeviceRole::Kiosk,
        created_at: now(),
        expires_at: now() + chrono::Duration::hours(1),
    })
    .await
    .unwrap();
    let d = NewDevice {
        id: Uuid::now_v7(),
        name: format!("HKG-K{i:02}"),
        token_hash: format!("token-{i}"),
        signing: None,
    };
    db.enrol(&code, &d, now()).await.unwrap()
}

on_both_backends!(concurrent_pushes_are_numbered_apart_and_stale_or_conflicting_ones_take_the_full_path);

async fn concurrent_pushes_are_numbered_apart_and_stale_or_conflicting_ones_take_the_full_path<
    D: Database + Clone + 'static,
>(
    db: D,
) {
    const DEVICES: usize = 8;
    const BATCHES: i64 = 5;
    const BATCH: i64 = 50;
    let mut devices = Vec::new();
    for i in 0..DEVICES {
        devices.push(device(&db, i).await);
    }

    let mut tasks = tokio::task::JoinSet::new();
    for (i, record) in devices.clone().into_iter().enumerate() {
        let db = db.clone();
        tasks.spawn(async move {
            let mut record = record;
            let mut pushes = Vec::new();
            for b in 0..BATCHES {
                let events: Vec<Event> =
                    (1..=BATCH).map(|s| b * BATCH + s).map(|seq| issued(i, seq, &key(i, seq))).collect();
                let r = db.push(&record, &CheckedBatch::new(&events).unwrap(), now()).await.unwrap();
                record.high_seq = r.high_seq;
                pushes.push((events, r));
            }
            pushes
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done.unwrap());
    }
    let mut seen = std::collections::HashSet::new();
    for (events, r) in &all {
        assert_eq!(r.acks.len(), events.len());
        assert!(r.acks.iter().all(|a| a.outcome == Outcome::Applied));
        // A push's items are contiguous, and no number is given twice.
        let first = r.acks[0].server_seq;
        for (i, (a, e)) in r.acks.iter().zip(events).enumerate() {
            assert_eq!((a.seq, a.event_id, a.server_seq), (e.seq, e.event_id, first + i as i64));
            assert!(seen.insert(a.server_seq));
        }
    }
    let n = DEVICES as i64 * BATCHES * BATCH;
    assert_eq!(seen.len() as i64, n);
    assert_eq!(*seen.iter().max().unwrap(), n, "numbers 1..={n} with no gap");
    let t = db.totals().await.unwrap();
    assert_eq!((t.events, t.entitlements_issued), (n, n));

    // Another device reads every event once, in order, with its body.
    let reader = device(&db, 99).await;
    let mut after = 0;
    let mut read = Vec::new();
    loop {
        let page = db.pull(&reader, after, 1000).await.unwrap();
        read.extend(page.items.into_iter().filter(|i| i.body.get("payload").is_some()));
        after = page.next_after;
        if !page.more {
            break;
        }
    }
    assert_eq!(read.len() as i64, n);
    assert!(read.windows(2).all(|w| w[0].server_seq < w[1].server_seq));
    let (events, r) = &all[0];
    let item = read.iter().find(|i| i.server_seq == r.acks[0].server_seq).unwrap();
    assert_eq!(item.body["payload"], events[0].payload);

    // A replay sent with a stale record (as after a lost answer) is
    // answered with the numbers first given.
    let (events, first_acks) = all.iter().find(|(e, _)| e[0].seq == 1).unwrap();
    let owner = devices.iter().find(|d| d.name == format!("HKG-K{:02}", owner_of(events))).unwrap();
    let stale = DeviceRecord { high_seq: 0, ..owner.clone() };
    let replay = db.push(&stale, &CheckedBatch::new(events).unwrap(), now()).await.unwrap();
    assert_eq!(replay.acks, first_acks.acks);

    // An entitlement another device issued first is a conflict, not a second issue.
    let late = devices[1].clone();
    let late = DeviceRecord { high_seq: BATCHES * BATCH, ..late };
    let twice = [issued(1, BATCHES * BATCH + 1, &key(0, 1))];
    let r = db.push(&late, &CheckedBatch::new(&twice).unwrap(), now()).await.unwrap();
    assert!(matches!(r.acks[0].outcome, Outcome::Conflict { .. }), "{:?}", r.acks[0].outcome);
    assert_eq!(db.totals().await.unwrap().conflicts, 1);
}

/// The device index a batch's passenger ids carry ("P{device}-{seq}").
fn owner_of(events: &[Event]) -> usize {
    let p = events[0].payload["passenger_id"].as_str().unwrap();
    p[1..p.find('-').unwrap()].parse().unwrap()
}
