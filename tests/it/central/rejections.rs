//! Every rejection of the sync API: missing, forged or revoked tokens, the
//! wrong role, oversized and malformed bodies, bad batches, used codes. After
//! each, central stores nothing.

use chrono::Duration;
use gatecare_server::{enrolment, trust};
use gatecare_server_database::Database;
use gatecare_sync::{DeviceRole, EnrolRequest, ErrorBody, Event, EventKind, PushRequest};

use super::harness::{TestClock, central, on_both_backends, serve};
use super::story::now;

fn event(seq: i64, key: &str) -> Event {
    Event {
        seq,
        event_id: uuid::Uuid::now_v7(),
        kind: EventKind::Issued,
        at: now(),
        payload: serde_json::json!({"entitlement_key": key, "voucher_id": uuid::Uuid::now_v7().to_string(),
                                    "flight_id": "F1", "passenger_id": "P1", "kind": "meal", "value_minor": 100, "currency": "HKD"}),
    }
}

on_both_backends!(rejections);

async fn rejections<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let http = reqwest::Client::new();

    let enrol = |code: String, key: Option<String>| {
        let http = http.clone();
        let url = url.clone();
        async move {
            // A device code of the station, a new one each time (HKG-K…).
            let name = format!("HKG-K{}", uuid::Uuid::now_v7().simple().to_string()[21..].to_uppercase());
            http.post(format!("{url}/v1/devices/enrol"))
                .json(&EnrolRequest {
                    code,
                    signing_kid: key.as_ref().map(|_| format!("{name}#1")),
                    name,
                    signing_public_key: key,
                })
                .send()
                .await
                .unwrap()
        }
    };
    let good_key = {
        let k = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        k.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
    };

    // Enrolment rejections.
    let code = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    let r = enrol("WRONG-CODE-0000".into(), Some(good_key.clone())).await;
    assert_eq!(r.status(), 403);
    let r = enrol(code.clone(), None).await;
    assert_eq!(
        (r.status().as_u16(), r.json::<ErrorBody>().await.unwrap().code.as_str()),
        (400, "signing_key_missing")
    );
    let r = enrol(code.clone(), Some("zz".repeat(32))).await;
    assert_eq!(
        (r.status().as_u16(), r.json::<ErrorBody>().await.unwrap().code.as_str()),
        (400, "bad_public_key")
    );
    assert_eq!(c.db.totals().await.unwrap().devices, 0, "rejected enrolments store nothing");
    // The code still works once, in lower case and without dashes too.
    let r = enrol(code.to_lowercase().replace('-', ""), Some(good_key.clone())).await;
    assert_eq!(r.status(), 200);
    let token = r.json::<gatecare_sync::EnrolResponse>().await.unwrap().token;
    let r = enrol(code.clone(), Some(good_key.clone())).await;
    assert_eq!(r.status(), 403, "a used code");
    clock.set(now() + Duration::hours(2));
    let late = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    assert_eq!(enrol(late, Some(good_key.clone())).await.status(), 403, "an expired code");
    clock.set(now());

    let before = c.db.totals().await.unwrap();
    let push = |auth: Option<String>, body: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let mut r = http
                .post(format!("{url}/v1/sync/push"))
                .header("content-type", "application/json")
                .body(body);
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let code = resp.json::<ErrorBody>().await.map(|b| b.code).unwrap_or_default();
            (status, code)
        }
    };
    let ok_body = serde_json::to_string(&PushRequest { events: vec![event(1, "K1")] }).unwrap();
    let bearer = format!("Bearer {token}");
    assert_eq!(push(None, ok_body.clone()).await, (401, "token_missing".into()));
    assert_eq!(
        push(Some(format!("Bearer {}", "0".repeat(64))), ok_body.clone()).await,
        (401, "token_invalid".into())
    );
    assert_eq!(
        push(Some(token.clone()), ok_body.clone()).await,
        (401, "token_missing".into()),
        "no Bearer scheme"
    );
    assert_eq!(push(Some(bearer.clone()), "{\"events\": [".into()).await, (400, "malformed_body".into()));
    assert_eq!(push(Some(bearer.clone()), "{\"events\": 3}".into()).await, (400, "malformed_body".into()));
    assert_eq!(
        push(Some(bearer.clone()), "{\"events\": [], \"extra\": 1}".into()).await,
        (400, "malformed_body".into())
    );
    assert_eq!(push(Some(bearer.clone()), "{\"events\": []}".into()).await, (400, "batch_empty".into()));
    let gap = serde_json::to_string(&PushRequest { events: vec![event(1, "K1"), event(3, "K3")] }).unwrap();
    assert_eq!(push(Some(bearer.clone()), gap).await, (400, "batch_not_consecutive".into()));
    let ahead = serde_json::to_string(&PushRequest { events: vec![event(5, "K5")] }).unwrap();
    assert_eq!(push(Some(bearer.clone()), ahead).await, (409, "seq_gap".into()));
    // A kind that is not even a name (an unknown name is refused alone: attacks.rs).
    let hostile = format!(
        "{{\"events\": [{{\"seq\": 1, \"event_id\": \"{}\", \"kind\": 7, \"at\": \"2026-11-22T06:00:00Z\", \"payload\": {{}}}}]}}",
        uuid::Uuid::now_v7()
    );
    assert_eq!(push(Some(bearer.clone()), hostile).await, (400, "malformed_body".into()));
    let huge = format!("{{\"events\": [], \"pad\": \"{}\"}}", "x".repeat(gatecare_sync::MAX_BODY_BYTES + 10));
    assert_eq!(push(Some(bearer.clone()), huge).await.0, 413);
    assert_eq!(c.db.totals().await.unwrap(), before, "no rejection stored anything");

    // A merchant may redeem but not push.
    let mcode =
        enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Merchant, Duration::hours(1), now())
            .await
            .unwrap();
    let r = enrol(mcode.clone(), Some(good_key.clone())).await;
    assert_eq!(r.status(), 400, "a merchant sends no signing key");
    let merchant = enrol(mcode, None).await.json::<gatecare_sync::EnrolResponse>().await.unwrap();
    assert_eq!(
        push(Some(format!("Bearer {}", merchant.token)), ok_body.clone()).await,
        (403, "wrong_role".into())
    );

    // Accepted once, then the device is revoked: 403 and nothing stored.
    assert_eq!(push(Some(bearer.clone()), ok_body.clone()).await.0, 200);
    let device = c.db.device_by_token(&gatecare_server::secret_hash(&token)).await.unwrap().unwrap();
    assert!(trust::revoke(&c, device.id, now(), now()).await.unwrap().is_some());
    let before = c.db.totals().await.unwrap();
    let next = serde_json::to_string(&PushRequest { events: vec![event(2, "K2")] }).unwrap();
    assert_eq!(push(Some(bearer.clone()), next).await, (403, "device_revoked".into()));
    let pull = http.get(format!("{url}/v1/sync/pull?after=0")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(pull.status(), 403);
    assert_eq!(c.db.totals().await.unwrap(), before);
}
