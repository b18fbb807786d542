//! 50 simulated kiosks × 2,000 events pushed concurrently: central's totals
//! are exact, including 100 entitlements two kiosks both issued.

use std::sync::Arc;

use chrono::Duration;
use gatecare_link::CentralClient;
use gatecare_server::enrolment;
use gatecare_server_database::Database;
use gatecare_sync::{DeviceRole, EnrolRequest, Event, EventKind};

use super::harness::{TestClock, central, on_both_backends, serve};
use super::story::now;

pub const KIOSKS: usize = 50;
pub const EVENTS: usize = 2000;
const SHARED: usize = 100;

/// Value of an entitlement: a function of its key, so duplicates agree.
fn value_of(key: &str) -> i64 {
    100 + key.bytes().map(i64::from).sum::<i64>() % 900
}

pub fn issued(device: &str, seq: i64, key: &str) -> Event {
    Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({
            "entitlement_key": key, "voucher_id": uuid::Uuid::now_v7().to_string(), "flight_id": "CZ342-20261122",
            "passenger_id": format!("P-{key}"), "kind": "meal", "value_minor": value_of(key), "currency": "HKD",
            "statutory": true, "actor": format!("KIOSK:{device}"),
        }),
    }
}

pub async fn enrol_simulated<D: Database>(
    c: &gatecare_server::Central<D>,
    url: &str,
    n: usize,
) -> Vec<CentralClient> {
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let code =
            enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
                .await
                .unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[(i % 250) as u8 + 1; 32]);
        let public: String = key.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let r = CentralClient::new(url, None)
            .unwrap()
            .enrol(&EnrolRequest {
                code,
                name: format!("HKG-S{i:02}"),
                signing_kid: Some(format!("HKG-S{i:02}#1")),
                signing_public_key: Some(public),
            })
            .await
            .unwrap();
        clients.push(CentralClient::new(url, Some(r.token)).unwrap());
    }
    clients
}

on_both_backends!(volume);

async fn volume<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let clients = enrol_simulated(&c, &served.url(), KIOSKS).await;
    let mut tasks = tokio::task::JoinSet::new();
    let mut expected_value = 0i64;
    let mut keys = std::collections::HashSet::new();
    for (k, client) in clients.into_iter().enumerate() {
        // Kiosks 0 and 1 both issue S0..S99 (offline, say); everything else is unique.
        let events: Vec<Event> = (0..EVENTS)
            .map(|i| {
                let key = if k < 2 && i < SHARED { format!("S{i}") } else { format!("K{k}-{i}") };
                issued(&format!("HKG-S{k:02}"), i as i64 + 1, &key)
            })
            .collect();
        for e in &events {
            let key = e.payload["entitlement_key"].as_str().unwrap().to_owned();
            if keys.insert(key.clone()) {
                expected_value += value_of(&key);
            }
        }
        let events = Arc::new(events);
        tasks.spawn(async move {
            for batch in events.chunks(500) {
                let resp = client.push(batch).await.unwrap();
                assert_eq!(resp.acks.len(), batch.len());
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let t = c.db.totals().await.unwrap();
    assert_eq!(t.events, (KIOSKS * EVENTS) as i64);
    assert_eq!(t.entitlements_issued, (KIOSKS * EVENTS - SHARED) as i64);
    assert_eq!(t.conflicts, SHARED as i64);
    assert_eq!(t.voids, SHARED as i64);
    assert_eq!(t.issued_value_minor, expected_value);
}
