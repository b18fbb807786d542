//! Offline verification: signature, certification, validity, void list.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::signed::{VoucherPayload, decode};
use crate::trust::{TrustList, VoidList};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    /// `valid`, or why not: malformed, unsupported_version, unknown_key,
    /// uncertified_key, key_not_valid, key_revoked (a revoked key's voucher
    /// central had not received before the revocation), bad_signature,
    /// not_yet_valid, expired, voided; with lists as sent
    /// ([`verify_with_lists`]): trust_list_unreadable, untrusted_root,
    /// void_list_unreadable.
    pub reason: &'static str,
    /// The voucher, once its signature is known to be good.
    pub voucher: Option<VoucherPayload>,
    pub kid: Option<String>,
}

fn invalid(reason: &'static str) -> Verification {
    Verification { valid: false, reason, voucher: None, kid: None }
}

pub fn verify(qr: &str, trust: &TrustList, voids: &VoidList, at: DateTime<Utc>) -> Verification {
    let u = match decode(qr) {
        Ok(u) => u,
        Err(crate::signed::DecodeError::Version(_)) => return invalid("unsupported_version"),
        Err(_) => return invalid("malformed"),
    };
    // A revoked key verifies only the vouchers its revocation kept.
    let revoked = match trust.revocation(&u.kid) {
        Ok(r) => r,
        Err(reason) => return Verification { kid: Some(u.kid), ..invalid(reason) },
    };
    let found = match revoked {
        Some((r, key)) => Ok((&r.cert, key)),
        None => trust.certified_key(&u.kid),
    };
    let (cert, key) = match found {
        Ok(k) => k,
        Err(reason) => return Verification { kid: Some(u.kid), ..invalid(reason) },
    };
    if !u.signature_ok(&key) {
        return Verification { kid: Some(u.kid), ..invalid("bad_signature") };
    }
    let issued_in_cert_window =
        |t: i64| DateTime::from_timestamp(t, 0).is_some_and(|t| t >= cert.not_before && t <= cert.not_after);
    let done = |valid, reason| Verification {
        valid,
        reason,
        voucher: Some(u.payload.clone()),
        kid: Some(u.kid.clone()),
    };
    if !issued_in_cert_window(u.payload.valid_from) {
        return done(false, "key_not_valid");
    }
    if revoked.is_some_and(|(r, _)| !r.keeps(&u.payload)) {
        return done(false, "key_revoked");
    }
    let now = at.timestamp();
    if now < u.payload.valid_from {
        return done(false, "not_yet_valid");
    }
    if now > u.payload.valid_until {
        return done(false, "expired");
    }
    if voids.contains(&u.payload.voucher_id) {
        return done(false, "voided");
    }
    done(true, "valid")
}

/// Verification as a merchant's till or page does it: with the trust and
/// void lists as central sent them (JSON) and the airline root's public key
/// (hex) pinned at enrolment. A list that cannot be read, or a trust list
/// under another root, refuses every voucher: `trust_list_unreadable`,
/// `untrusted_root`, `void_list_unreadable`.
pub fn verify_with_lists(
    qr: &str,
    trust_json: &str,
    void_json: &str,
    pinned_root: &str,
    at: DateTime<Utc>,
) -> Verification {
    let Ok(trust) = TrustList::from_json(trust_json) else { return invalid("trust_list_unreadable") };
    if !trust.root.public_key.trim().eq_ignore_ascii_case(pinned_root.trim()) {
        return invalid("untrusted_root");
    }
    let Ok(voids) = VoidList::from_json(void_json) else { return invalid("void_list_unreadable") };
    verify(qr, &trust, &voids, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signed::{VoucherPayload, sign, tests::sample};
    use crate::trust::{VOID_FORMAT, VoidEntry};
    use ed25519_dalek::SigningKey;

    fn setup() -> (TrustList, SigningKey, String) {
        let root = SigningKey::from_bytes(&[1u8; 32]);
        let device = SigningKey::from_bytes(&[2u8; 32]);
        let t0 = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let t1 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut trust = TrustList::new("ROOT", &root, t0);
        trust.certify(&root, "HKG-K01#1", &device.verifying_key(), "HKG", t0, t1);
        let qr = sign(&sample(), "HKG-K01#1", &device);
        (trust, device, qr)
    }

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    #[test]
    fn a_good_voucher_verifies_and_round_trips_the_lists() {
        let (trust, _, qr) = setup();
        let trust = TrustList::from_json(&trust.to_json()).unwrap();
        let v = verify(&qr, &trust, &VoidList::default(), at(1_795_400_000));
        assert_eq!((v.valid, v.reason), (true, "valid"));
        assert_eq!(v.voucher.unwrap().surname, "ZHANG");
    }

    #[test]
    fn every_failure_has_its_reason() {
        let (mut trust, _, qr) = setup();
        let ok_time = at(1_795_400_000);
        let none = VoidList::default();
        assert_eq!(verify(&qr, &trust, &none, at(1_795_000_000)).reason, "not_yet_valid");
        assert_eq!(verify(&qr, &trust, &none, at(1_796_000_000)).reason, "expired");
        let voids = VoidList {
            format: VOID_FORMAT.into(),
            issued_at: None,
            voided: vec![VoidEntry {
                voucher_id: sample().voucher_id,
                voided_at: ok_time,
                reason: "lost".into(),
            }],
        };
        assert_eq!(verify(&qr, &trust, &voids, ok_time).reason, "voided");
        // Truncated or altered text.
        assert!(!verify(&qr[..qr.len() - 5], &trust, &none, ok_time).valid);
        // A key signed by someone else than the root.
        let rogue = SigningKey::from_bytes(&[9u8; 32]);
        let forged = sign(&sample(), "HKG-K01#1", &rogue);
        assert_eq!(verify(&forged, &trust, &none, ok_time).reason, "bad_signature");
        let unknown = sign(&sample(), "XXX#1", &rogue);
        assert_eq!(verify(&unknown, &trust, &none, ok_time).reason, "unknown_key");
        // A certificate not signed by the root.
        trust.devices[0].station = "AMS".into();
        assert_eq!(verify(&qr, &trust, &none, ok_time).reason, "uncertified_key");
        // Revoked: gone from the list.
        let (mut trust, _, qr) = setup();
        trust.revoke("HKG-K01#1");
        assert_eq!(verify(&qr, &trust, &none, ok_time).reason, "unknown_key");
    }

    #[test]
    fn a_revoked_key_keeps_only_the_vouchers_central_had_received() {
        let (mut trust, device, kept_qr) = setup();
        let root = SigningKey::from_bytes(&[1u8; 32]);
        let ok_time = at(1_795_400_000);
        let none = VoidList::default();
        // A voucher the thief signs with the stolen key, dated the same day.
        let backdated = VoucherPayload { voucher_id: uuid::Uuid::from_u128(99), ..sample() };
        let forged = sign(&backdated, "HKG-K01#1", &device);
        let cert = trust.devices.remove(0);
        let revoked_at = at(1_795_330_000);
        let s = sample();
        let kept = crate::trust::KeptVoucher {
            voucher_id: s.voucher_id,
            entitlement_key: None,
            flight: Some(s.flight.clone()),
            flight_date: Some(s.flight_date.clone()),
            kind: s.kind.clone(),
            value_minor: s.value_minor,
            currency: s.currency.clone(),
            serial: s.serial.clone(),
            valid_from: s.valid_from,
        };
        trust.revoked.push(crate::trust::Revocation::new(&root, cert, revoked_at, vec![kept]));
        let trust = TrustList::from_json(&trust.to_json()).unwrap();
        assert_eq!(verify(&kept_qr, &trust, &none, ok_time).reason, "valid");
        assert_eq!(verify(&forged, &trust, &none, ok_time).reason, "key_revoked");
        // The kept id on a voucher of another value, or stretched to a year: refused.
        let dearer = sign(&VoucherPayload { value_minor: 50_000, ..sample() }, "HKG-K01#1", &device);
        assert_eq!(verify(&dearer, &trust, &none, ok_time).reason, "key_revoked");
        let year = VoucherPayload { valid_until: s.valid_from + 365 * 86_400, ..sample() };
        assert_eq!(verify(&sign(&year, "HKG-K01#1", &device), &trust, &none, ok_time).reason, "key_revoked");
        // The kept id on another day's voucher (same value, same serial): refused.
        let other_day = VoucherPayload { flight_date: "2026-11-23".into(), ..sample() };
        assert_eq!(
            verify(&sign(&other_day, "HKG-K01#1", &device), &trust, &none, ok_time).reason,
            "key_revoked"
        );
        // Kept vouchers still expire and can still be voided.
        assert_eq!(verify(&kept_qr, &trust, &none, at(1_796_000_000)).reason, "expired");
        // Nobody but the root adds a voucher to the kept list.
        let mut widened = trust.clone();
        let copy = crate::trust::KeptVoucher {
            voucher_id: backdated.voucher_id,
            ..widened.revoked[0].kept[0].clone()
        };
        widened.revoked[0].kept.push(copy);
        widened.revoked[0].kept.sort_by_key(|k| k.voucher_id);
        assert_eq!(verify(&forged, &widened, &none, ok_time).reason, "uncertified_key");
        // A list without revocations is written as before.
        let (plain, _, _) = setup();
        assert!(!plain.to_json().contains("revoked"));
    }

    #[test]
    fn any_altered_character_is_invalid() {
        let (trust, _, qr) = setup();
        let ok_time = at(1_795_400_000);
        let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".chars().collect();
        for i in 4..qr.len() {
            let mut chars: Vec<char> = qr.chars().collect();
            let orig = chars[i];
            chars[i] = alphabet[(alphabet.iter().position(|c| *c == orig).unwrap_or(0) + 7) % alphabet.len()];
            let altered: String = chars.into_iter().collect();
            assert!(
                !verify(&altered, &trust, &VoidList::default(), ok_time).valid,
                "changing position {i} went unnoticed"
            );
        }
    }
}
