//! Device certificates on clocks with sub-second instants: what central signs
//! is what it stores, so merchants verify every voucher against its trust
//! list; devices certified before that are certified again.

use chrono::{Duration, SubsecRound};
use gatecare_server::{enrolment, trust};
use gatecare_server_database::{Database, NewDevice, SigningKeyRecord};
use gatecare_sync::DeviceRole;
use gatecare_voucher::trust::{TrustList, VoidList};

use super::harness::{TestClock, central, on_both_backends, root_key, serve};
use super::story::{Kiosk, Till, now};

/// Central's clock has nanoseconds, as a server's has.
fn sub_second_now() -> chrono::DateTime<chrono::Utc> {
    now() + Duration::nanoseconds(123_456_789)
}

on_both_backends!(vouchers_verify_against_the_trust_list_of_a_central_on_a_real_clock);

async fn vouchers_verify_against_the_trust_list_of_a_central_on_a_real_clock<D: Database>(db: D) {
    let clock = TestClock::at(sub_second_now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let kiosk = Kiosk::enrol(&c, &served.url(), "HKG-K01").await;

    // The list as central rebuilds it from storage, and as a kiosk received it.
    let trust = trust::trust_list(&c, clock.now()).await.unwrap();
    let cert =
        trust.certified_key("HKG-K01#1").map(|(c, _)| c.clone()).expect("the kiosk's key is certified");
    assert_eq!(cert.not_before, cert.not_before.trunc_subsecs(0), "instants are whole seconds");
    kiosk.sync().await;
    let stored: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'trust_list'")
        .fetch_one(kiosk.store.pool())
        .await
        .unwrap();
    let received = TrustList::from_json(&stored).unwrap();
    assert!(received.certified_key("HKG-K01#1").is_ok());

    let issued = kiosk.issue(0).await.unwrap();
    let qr = kiosk.qr(&issued.voucher_id).await;
    let offline = gatecare_voucher::verify::verify(&qr, &trust, &VoidList::default(), now());
    assert_eq!(offline.reason, "valid");

    kiosk.sync().await;
    let till = Till::enrol(&c, &served.url(), "Noodle bar, gate 40").await;
    let first = till.redeem(uuid::Uuid::now_v7(), &qr).await;
    assert!(first.redeemed, "{first:?}");
    let second = till.redeem(uuid::Uuid::now_v7(), &qr).await;
    assert_eq!((second.redeemed, second.reason.as_str()), (false, "already_redeemed"));
}

on_both_backends!(devices_certified_over_sub_second_instants_are_certified_again);

/// Before certificates' instants had one form, central signed `to_rfc3339()`
/// with nanoseconds and stored microseconds: such a device is in the
/// database, and the upgrade certifies it again in the canonical form.
async fn devices_certified_over_sub_second_instants_are_certified_again<D: Database>(db: D) {
    let clock = TestClock::at(sub_second_now());
    let c = central(db, &clock);
    let device = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let public_key: String = device.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let (nb, na) = (clock.now() - Duration::days(1), clock.now() + Duration::days(400));
    let old_text = format!(
        "gatecare-device-cert/1\nHKG-K07#1\n{public_key}\nHKG\n{}\n{}",
        nb.to_rfc3339(),
        na.to_rfc3339()
    );
    assert!(old_text.contains(".123456789+00:00"));
    let certificate: String = ed25519_dalek::Signer::sign(&root_key(), old_text.as_bytes())
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let code = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    let code_hash = gatecare_server::secret_hash(&enrolment::normalise_code(&code));
    let record =
        c.db.enrol(
            &code_hash,
            &NewDevice {
                id: uuid::Uuid::now_v7(),
                name: "HKG-K07".into(),
                token_hash: gatecare_server::secret_hash("token"),
                signing: Some(SigningKeyRecord {
                    kid: "HKG-K07#1".into(),
                    public_key: public_key.clone(),
                    not_before: nb,
                    not_after: na,
                    certificate,
                }),
            },
            now(),
        )
        .await
        .unwrap();
    // As stored, it verifies nothing: the bug merchants met.
    let before = trust::trust_list(&c, clock.now()).await.unwrap();
    assert_eq!(before.certified_key("HKG-K07#1").err(), Some("uncertified_key"));

    assert_eq!(trust::recertify_devices(&c, clock.now()).await.unwrap(), 1);
    let after = trust::trust_list(&c, clock.now()).await.unwrap();
    let (cert, key) = after.certified_key("HKG-K07#1").expect("certified again");
    assert_eq!(key, device.verifying_key());
    assert_eq!((cert.not_before, cert.not_after), (nb.trunc_subsecs(0), na.trunc_subsecs(0)));
    let stored = c.db.devices().await.unwrap().into_iter().find(|d| d.id == record.id).unwrap();
    assert_eq!(stored.signing.unwrap().not_before, nb.trunc_subsecs(0));
    // Once is enough; a second start changes nothing.
    assert_eq!(trust::recertify_devices(&c, clock.now()).await.unwrap(), 0);
}
