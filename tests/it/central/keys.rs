//! Keys over the years (issue #23 §5). Found: a certificate ran 400 days
//! and nothing renewed it, so a kiosk would silently print vouchers no
//! merchant accepts after that; the key id was fixed (`{device}#1`) and a
//! replaced kiosk could not enrol under its code again.

use chrono::Duration;
use gatecare_link::{CentralClient, enrol_with_central, sync_once};
use gatecare_server::{enrolment, trust};
use gatecare_server_database::Database;
use gatecare_sync::DeviceRole;
use gatecare_voucher::trust::VoidList;

use super::harness::{self, TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, now};

/// The key ids on central's trust list, in order.
async fn listed<D: Database>(c: &gatecare_server::Central<D>) -> Vec<String> {
    let mut kids: Vec<String> =
        trust::trust_list(c, c.now()).await.unwrap().devices.into_iter().map(|d| d.kid).collect();
    kids.sort();
    kids
}

on_both_backends!(a_device_renews_its_key_before_its_certificate_ends);

async fn a_device_renews_its_key_before_its_certificate_ends<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db.clone(), &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let k = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let issued = k.issue(0).await.unwrap();
    k.sync().await;
    let old_qr = k.qr(&issued.voucher_id).await;
    assert_eq!(listed(&c).await, ["HKG-K01#1"]);
    let client = CentralClient::for_enrolment(&k.enrolment).unwrap();

    // Months later, well inside the certificate: nothing to renew.
    let later = now() + Duration::days(200);
    clock.set(later);
    sync_once(&k.store, &client, &k.enrolment, k.code, later).await.unwrap();
    assert_eq!(k.store.device_signer(k.code, later).await.unwrap().kid, "HKG-K01#1");

    // 345 days on, the certificate (400 days) ends within 60: the next round
    // renews it under a new key, through the normal sync.
    let renewal = now() + Duration::days(345);
    clock.set(renewal);
    sync_once(&k.store, &client, &k.enrolment, k.code, renewal).await.unwrap();
    // Until the signed feed brings its certificate, the device signs with the old key.
    assert_eq!(k.store.device_signer(k.code, renewal).await.unwrap().kid, "HKG-K01#1");
    assert_eq!(listed(&c).await, ["HKG-K01#1", "HKG-K01#2"], "the old key verifies what it signed");
    let trust = trust::trust_list(&c, renewal).await.unwrap();
    let new = trust.devices.iter().find(|d| d.kid == "HKG-K01#2").unwrap();
    assert!(new.not_after > renewal + Duration::days(399), "{new:?}");
    let old = trust.devices.iter().find(|d| d.kid == "HKG-K01#1").unwrap();
    assert_eq!(new.not_before, old.not_before, "a reprint under the new key verifies too");
    // The device gets the new list in its feed and signs with the new key.
    sync_once(&k.store, &client, &k.enrolment, k.code, renewal).await.unwrap();
    let signer = k.store.device_signer(k.code, renewal).await.unwrap();
    assert_eq!(signer.kid, "HKG-K01#2");
    assert!(k.store.trust_list().await.unwrap().unwrap().devices.iter().any(|d| d.kid == "HKG-K01#2"));

    // Both the voucher printed under #1 and its reprint under #2 verify
    // against the new list, at the voucher's own time.
    let at = now() + Duration::hours(1);
    let reprint =
        gatecare_print::vouchers::voucher_sheet(&k.store, &issued.voucher_id, &signer).await.unwrap().qr_text;
    for qr in [&old_qr, &reprint] {
        let v = gatecare_voucher::verify(qr, &trust, &VoidList::default(), at);
        assert_eq!((v.valid, v.reason), (true, "valid"), "{:?}", v.kid);
    }
    assert_eq!(
        gatecare_voucher::verify(&reprint, &trust, &VoidList::default(), at).kid.as_deref(),
        Some("HKG-K01#2")
    );

    // Past the old certificate's end it leaves the list; the new key runs on.
    clock.set(now() + Duration::days(401));
    assert_eq!(listed(&c).await, ["HKG-K01#2"]);

    // A device cannot take a key id ever used, nor another device's name.
    let http = reqwest::Client::new();
    let rotate = |kid: &'static str| {
        let (http, url, token) = (http.clone(), url.clone(), k.enrolment.token.clone());
        async move {
            let key = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
            let public: String = key.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
            let resp = http
                .post(format!("{url}/v1/devices/key"))
                .bearer_auth(token)
                .json(&serde_json::json!({"kid": kid, "public_key": public}))
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<serde_json::Value>().await.unwrap()["code"].clone())
        }
    };
    assert_eq!(rotate("HKG-K01#1").await, (400, "bad_kid".into()));
    assert_eq!(rotate("HKG-K09#3").await, (400, "bad_kid".into()));
    assert_eq!(rotate("HKG-K01#3").await.0, 200);
}

on_both_backends!(a_replaced_kiosk_enrols_again_under_its_code);

async fn a_replaced_kiosk_enrols_again_under_its_code<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db.clone(), &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let broken = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let issued = broken.issue(0).await.unwrap();
    broken.sync().await;
    let old_qr = broken.qr(&issued.voucher_id).await;

    // The replacement: a new store, the same device code, a new one-time code.
    let replacement = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let (store, e) = (&replacement.store, &replacement.enrolment);
    let signer = store.device_signer("HKG-K01", now()).await.unwrap();
    assert_eq!(signer.kid, "HKG-K01#2", "the next free key id, taken over by the new store");
    assert_eq!(listed(&c).await, ["HKG-K01#1", "HKG-K01#2"]);
    // Found in a trial: its serials started again at HKG-K01-000001, the old
    // kiosk's first voucher's, and `admin explain SERIAL` found the old one.
    let first = replacement.issue(1).await.unwrap();
    let serial: String = sqlx::query_scalar("SELECT serial FROM ledger_events WHERE voucher_id = ?")
        .bind(&first.voucher_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(serial, "HKG-K01.2-000001");
    // The old kiosk is then revoked; what central had from it stays valid.
    // A moment later: what central received before then stays valid.
    let later = now() + Duration::seconds(1);
    assert!(trust::revoke(&c, broken.enrolment.device_id, later, later).await.unwrap().is_some());
    let trust = trust::trust_list(&c, now()).await.unwrap();
    let at = now() + Duration::hours(1);
    assert!(gatecare_voucher::verify(&old_qr, &trust, &VoidList::default(), at).valid);
    assert_eq!(trust.devices.iter().map(|d| d.kid.as_str()).collect::<Vec<_>>(), ["HKG-K01#2"]);
    assert_ne!(e.device_id, broken.enrolment.device_id);
    // Found in a trial: a hurried revocation could not be moved back to when
    // the kiosk was lost. Revoked again from an hour earlier, before central
    // had its voucher, it keeps nothing.
    assert!(
        trust::revoke(&c, broken.enrolment.device_id, now() - Duration::hours(1), later)
            .await
            .unwrap()
            .is_some()
    );
    let trust = trust::trust_list(&c, now()).await.unwrap();
    assert_eq!(gatecare_voucher::verify(&old_qr, &trust, &VoidList::default(), at).reason, "key_revoked");

    // Found in a trial: a store enrolled as one device could be enrolled
    // again under another code, and another station's code took any name.
    let code = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    let fp = harness::root_fingerprint();
    let err = enrol_with_central(store, &url, &code, &fp, "HKG-K05", now()).await.unwrap_err();
    assert_eq!(err.code(), "sync.another_device", "{err}");
    let pvg = enrolment::issue_enrolment_code(&c.db, "PVG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    let other = gatecare_station::Station::open_in_memory().await.unwrap();
    match enrol_with_central(&other, &url, &pvg, &fp, "HKG-K07", now()).await.unwrap_err() {
        gatecare_link::SyncError::Rejected { status: 400, code, .. } => {
            assert_eq!(code, "device_not_of_station")
        }
        e => panic!("{e:?}"),
    }
    // Found in a trial: a store enrolled again under its own code took a
    // second device with the same key, and revoking one left the key
    // trusted under the other's id.
    let again = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    match enrol_with_central(&broken.store, &url, &again, &fp, "HKG-K01", now()).await.unwrap_err() {
        gatecare_link::SyncError::Rejected { status: 409, code, .. } => {
            assert_eq!(code, "signing_key_reused")
        }
        e => panic!("{e:?}"),
    }
    // Neither used the code up.
    enrol_with_central(&other, &url, &pvg, &fp, "PVG-K07", now()).await.unwrap();
    let fresh = gatecare_station::Station::open_in_memory().await.unwrap();
    enrol_with_central(&fresh, &url, &code, &fp, "HKG-K05", now()).await.unwrap();
}

on_both_backends!(a_key_central_never_certified_signs_nothing);

/// Found in review: a renewed key was used as soon as the answer to the
/// renewal came, unsigned; one forged on the way had the device sign with
/// a key no merchant accepts. A device signs with a new key only once the
/// root's trust list on its signed feed certifies it.
async fn a_key_central_never_certified_signs_nothing<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let k = Kiosk::enrol(&c, &served.url(), "HKG-K01").await;
    k.issue(0).await.unwrap();
    k.sync().await;
    assert_eq!(k.store.device_signer(k.code, now()).await.unwrap().kid, "HKG-K01#1");
    // A key kept as if central had certified it (a forged renewal answer).
    let forged = gatecare_store::DeviceSigner::generate("HKG-K01#2").unwrap();
    k.store.keep_key(&forged, now()).await.unwrap();
    k.sync().await;
    assert_eq!(k.store.device_signer(k.code, now()).await.unwrap().kid, "HKG-K01#1", "never certified");
    // What it issues still verifies under central's trust list.
    let issued = k.issue(1).await.unwrap();
    let qr = k.qr(&issued.voucher_id).await;
    let list = trust::trust_list(&c, now()).await.unwrap();
    assert_eq!(gatecare_voucher::verify::verify(&qr, &list, &VoidList::default(), now()).reason, "valid");

    // A renewal whose answer was lost is the same case: when the renewal is
    // due, the kept key is sent again, not replaced, and once the feed
    // brings its certificate the device signs with it.
    let renewal = now() + Duration::days(345);
    clock.set(renewal);
    let client = CentralClient::for_enrolment(&k.enrolment).unwrap();
    for _ in 0..2 {
        sync_once(&k.store, &client, &k.enrolment, k.code, renewal).await.unwrap();
    }
    let signer = k.store.device_signer(k.code, renewal).await.unwrap();
    assert_eq!((signer.kid.as_str(), signer.public_hex()), ("HKG-K01#2", forged.public_hex()));
    assert_eq!(listed(&c).await, ["HKG-K01#1", "HKG-K01#2"]);
}
