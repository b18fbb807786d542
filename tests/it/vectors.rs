//! Shared voucher test vectors: `tests/fixtures/voucher-vectors.json` holds
//! QR texts, trust and void lists, pinned roots, instants and the answer the
//! airline's verifier gives for each. This test holds the native verifier
//! (and the WebAssembly build's entry point, `gatecare_verify_web::check`)
//! to them; the merchant page's test holds the WebAssembly verifier running
//! in JavaScript to the same file. Regenerate with
//! `GATECARE_WRITE_VECTORS=1 cargo test -p gatecare-app --test it vectors`.

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use gatecare_voucher::VoucherPayload;
use gatecare_voucher::signed::{PAYLOAD_VERSION, sign};
use gatecare_voucher::trust::{
    KeptVoucher, Revocation, TrustList, VOID_FORMAT, VoidEntry, VoidList, hex_key,
};
use serde_json::{Value, json};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/voucher-vectors.json");

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn payload(id: u128, kind: &str, value_minor: i64, currency: &str, serial: &str) -> VoucherPayload {
    VoucherPayload {
        version: PAYLOAD_VERSION,
        voucher_id: uuid::Uuid::from_u128(id),
        entitlement_key: None,
        kind: kind.into(),
        value_minor,
        currency: currency.into(),
        surname: "ZHANG".into(),
        initial: "W".into(),
        flight: "CZ342".into(),
        flight_date: "2026-11-22".into(),
        // 2026-11-22 12:00 to 2026-11-23 12:00 UTC.
        valid_from: at("2026-11-22T12:00:00Z").timestamp(),
        valid_until: at("2026-11-23T12:00:00Z").timestamp(),
        serial: serial.into(),
    }
}

/// The vectors, built from fixed keys: Ed25519 signatures and this CBOR are
/// deterministic, so the same code writes the same file.
fn vectors() -> Value {
    let root = SigningKey::from_bytes(&[1; 32]);
    let other_root = SigningKey::from_bytes(&[2; 32]);
    let kiosk = SigningKey::from_bytes(&[3; 32]);
    let stolen = SigningKey::from_bytes(&[4; 32]);
    let stranger = SigningKey::from_bytes(&[5; 32]);
    let issued = at("2026-11-22T00:00:00Z");
    let (from, until) = (at("2026-11-01T00:00:00Z"), at("2027-11-01T00:00:00Z"));

    let mut trust = TrustList::new("GATECARE-ROOT", &root, issued);
    trust.certify(&root, "HKG-K01#1", &kiosk.verifying_key(), "HKG", from, until);
    trust.certify(&root, "HKG-K02#1", &stolen.verifying_key(), "HKG", from, until);
    let stolen_cert = trust.devices.iter().find(|d| d.kid == "HKG-K02#1").unwrap().clone();
    trust.revoke("HKG-K02#1");
    let kept_one = payload(0x0193_0000_0000_7000_8000_0000_0000_0011, "meal", 12000, "HKD", "HKG-K02-000001");
    trust.revoked.push(Revocation::new(
        &root,
        stolen_cert,
        at("2026-11-22T13:00:00Z"),
        vec![KeptVoucher {
            voucher_id: kept_one.voucher_id,
            entitlement_key: None,
            flight: Some(kept_one.flight.clone()),
            flight_date: Some(kept_one.flight_date.clone()),
            kind: kept_one.kind.clone(),
            value_minor: kept_one.value_minor,
            currency: kept_one.currency.clone(),
            serial: kept_one.serial.clone(),
            valid_from: kept_one.valid_from,
        }],
    ));
    let mut foreign = TrustList::new("OTHER-ROOT", &other_root, issued);
    foreign.certify(&other_root, "HKG-K01#1", &kiosk.verifying_key(), "HKG", from, until);
    let meal = payload(0x0193_0000_0000_7000_8000_0000_0000_0001, "meal", 12000, "HKD", "HKG-K01-000001");
    let hotel = payload(0x0193_0000_0000_7000_8000_0000_0000_0002, "hotel", 98000, "HKD", "HKG-K01-000002");
    let voided = payload(0x0193_0000_0000_7000_8000_0000_0000_0003, "meal", 12000, "HKD", "HKG-K01-000003");
    let yen = payload(0x0193_0000_0000_7000_8000_0000_0000_0004, "meal", 1500, "JPY", "HKG-K01-000004");
    let voids = VoidList {
        format: VOID_FORMAT.into(),
        issued_at: Some(issued),
        voided: vec![VoidEntry {
            voucher_id: voided.voucher_id,
            voided_at: at("2026-11-22T14:00:00Z"),
            reason: "passenger rebooked".into(),
        }],
    };
    let good = sign(&meal, "HKG-K01#1", &kiosk);
    // One character of the signed text changed, as a forger would.
    let mut altered: Vec<char> = good.chars().collect();
    let mid = altered.len() / 2;
    altered[mid] = if altered[mid] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    let mut stolen_forgery = kept_one.clone();
    stolen_forgery.voucher_id = uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0012);

    let noon = "2026-11-22T16:00:00Z";
    let v = |name: &str, qr: &str, trust: &str, now: &str, expect: &str| json!({ "name": name, "qr": qr, "trust": trust, "now_ms": at(now).timestamp_millis(), "expect": expect });
    json!({
        "about": "Shared voucher test vectors; see tests/it/vectors.rs.",
        "pinned_root": hex_key(&root.verifying_key()),
        "lists": {
            "ours": trust.to_json(),
            "foreign": foreign.to_json(),
            "unreadable": "{\"format\": \"not a trust list\"}",
        },
        "voids": serde_json::to_string(&voids).unwrap(),
        "vectors": [
            v("valid meal", &good, "ours", noon, "valid"),
            v("valid hotel", &sign(&hotel, "HKG-K01#1", &kiosk), "ours", noon, "valid"),
            v("yen have no minor unit", &sign(&yen, "HKG-K01#1", &kiosk), "ours", noon, "valid"),
            v("one character altered", &altered, "ours", noon, "bad_signature"),
            v("before its validity", &good, "ours", "2026-11-22T11:59:00Z", "not_yet_valid"),
            v("after its validity", &good, "ours", "2026-11-23T12:01:00Z", "expired"),
            v("voided", &sign(&voided, "HKG-K01#1", &kiosk), "ours", noon, "voided"),
            v("a key nobody certified", &sign(&meal, "HKG-K09#1", &stranger), "ours", noon, "unknown_key"),
            v("signed by a certified kid's impostor", &sign(&meal, "HKG-K01#1", &stranger), "ours", noon, "bad_signature"),
            v("a revoked key's kept voucher", &sign(&kept_one, "HKG-K02#1", &stolen), "ours", noon, "valid"),
            v("a revoked key's new voucher", &sign(&stolen_forgery, "HKG-K02#1", &stolen), "ours", noon, "key_revoked"),
            v("not a voucher", "HELLO WORLD", "ours", noon, "malformed"),
            v("another airline's root", &good, "foreign", noon, "untrusted_root"),
            v("an unreadable trust list", &good, "unreadable", noon, "trust_list_unreadable"),
        ],
    })
}

#[test]
fn the_shared_voucher_vectors_are_current_and_the_native_verifier_gives_their_answers() {
    let built = vectors();
    let text = serde_json::to_string_pretty(&built).unwrap() + "\n";
    if std::env::var_os("GATECARE_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, &text).unwrap();
    }
    let committed = std::fs::read_to_string(PATH).expect("tests/fixtures/voucher-vectors.json");
    assert!(
        committed == text,
        "the vectors are stale: GATECARE_WRITE_VECTORS=1 cargo test --test it vectors"
    );
    let root = built["pinned_root"].as_str().unwrap();
    let voids = built["voids"].as_str().unwrap();
    let mut reasons = std::collections::BTreeSet::new();
    for v in built["vectors"].as_array().unwrap() {
        let (name, expect) = (v["name"].as_str().unwrap(), v["expect"].as_str().unwrap());
        let trust = built["lists"][v["trust"].as_str().unwrap()].as_str().unwrap();
        let now = v["now_ms"].as_f64().unwrap();
        let checked = gatecare_verify_web::check(v["qr"].as_str().unwrap(), trust, voids, root, now);
        assert_eq!(checked.verification.reason, expect, "{name}");
        assert_eq!(checked.verification.valid, expect == "valid", "{name}");
        // The JSON the page reads is this same answer.
        let json: Value = serde_json::from_str(&gatecare_verify_web::verify(
            v["qr"].as_str().unwrap(),
            trust,
            voids,
            root,
            now,
        ))
        .unwrap();
        assert_eq!(json["reason"], expect, "{name}");
        reasons.insert(expect);
    }
    assert!(reasons.len() >= 9, "every kind of answer is covered: {reasons:?}");
    let yen = &built["vectors"][2];
    let checked = gatecare_verify_web::check(
        yen["qr"].as_str().unwrap(),
        built["lists"]["ours"].as_str().unwrap(),
        voids,
        root,
        yen["now_ms"].as_f64().unwrap(),
    );
    assert_eq!(checked.value_text.as_deref(), Some("JPY 1500"));
}
