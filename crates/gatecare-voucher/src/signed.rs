//! The signed payload in the QR code.
//!
//! `GC1:` + base45( COSE_Sign1 ) where COSE_Sign1 = tag 18 [ protected
//! (bstr: {1: -8 (EdDSA), 4: kid}), unprotected {}, payload (bstr: the CBOR
//! map below), signature (bstr: Ed25519 over Sig_structure) ], written and
//! read with `coset` (RFC 9052).
//!
//! Payload map, integer keys for compactness: 0 version (2), 1 voucher id
//! (16 bytes), 3 kind, 4 value in minor units, 5 currency, 6 surname, 7
//! initial, 8 flight, 9 flight date (YYYY-MM-DD), 10 valid from and 11
//! valid until (Unix seconds, UTC), 12 serial: what a merchant checks, and
//! nothing that opens the booking. Version 1 (vouchers printed before
//! issue #25) also carried 2, the entitlement key, whose ticket number and
//! a surname open most airlines' "manage my booking"; they still decode and
//! verify. The key stays on the devices and central.

use ciborium::Value;
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;

pub const QR_PREFIX: &str = "GC1:";
pub const PAYLOAD_VERSION: i64 = 2;
/// The first payload, with the entitlement key: still read, never written.
pub const PAYLOAD_VERSION_WITH_KEY: i64 = 1;
/// Longer QR texts are refused before decoding (a voucher is ~400 characters).
pub const MAX_QR_TEXT: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherPayload {
    pub version: i64,
    pub voucher_id: uuid::Uuid,
    /// Version 1 only (see the module's words); `None` from version 2 on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlement_key: Option<String>,
    pub kind: String,
    pub value_minor: i64,
    pub currency: String,
    pub surname: String,
    pub initial: String,
    pub flight: String,
    pub flight_date: String,
    pub valid_from: i64,
    pub valid_until: i64,
    pub serial: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("does not start with {QR_PREFIX}")]
    Prefix,
    #[error("longer than {MAX_QR_TEXT} characters")]
    TooLong,
    #[error("not base45")]
    Base45,
    #[error("not a COSE_Sign1 structure: {0}")]
    Structure(&'static str),
    #[error("unsupported payload version {0}")]
    Version(i64),
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn to_cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = ciborium::into_writer(v, &mut out);
    out
}

impl VoucherPayload {
    fn to_value(&self) -> Value {
        let key = self.entitlement_key.as_deref().map(|k| (int(2), text(k)));
        let fields =
            [(int(0), int(self.version)), (int(1), Value::Bytes(self.voucher_id.as_bytes().to_vec()))];
        Value::Map(
            fields
                .into_iter()
                .chain(key)
                .chain([
                    (int(3), text(&self.kind)),
                    (int(4), int(self.value_minor)),
                    (int(5), text(&self.currency)),
                    (int(6), text(&self.surname)),
                    (int(7), text(&self.initial)),
                    (int(8), text(&self.flight)),
                    (int(9), text(&self.flight_date)),
                    (int(10), int(self.valid_from)),
                    (int(11), int(self.valid_until)),
                    (int(12), text(&self.serial)),
                ])
                .collect(),
        )
    }

    fn from_value(v: &Value) -> Result<VoucherPayload, DecodeError> {
        let map = v.as_map().ok_or(DecodeError::Structure("payload is not a map"))?;
        let get = |k: i64| map.iter().find(|(key, _)| key.as_integer() == Some(k.into())).map(|(_, v)| v);
        let t = |k: i64| -> Result<String, DecodeError> {
            get(k)
                .and_then(Value::as_text)
                .map(str::to_owned)
                .ok_or(DecodeError::Structure("missing text field"))
        };
        let i = |k: i64| -> Result<i64, DecodeError> {
            get(k)
                .and_then(Value::as_integer)
                .and_then(|n| i64::try_from(n).ok())
                .ok_or(DecodeError::Structure("missing number field"))
        };
        let version = i(0)?;
        let entitlement_key = match version {
            PAYLOAD_VERSION_WITH_KEY => Some(t(2)?),
            PAYLOAD_VERSION if get(2).is_none() => None,
            PAYLOAD_VERSION => return Err(DecodeError::Structure("version 2 carries no entitlement key")),
            other => return Err(DecodeError::Version(other)),
        };
        let id = get(1).and_then(Value::as_bytes).ok_or(DecodeError::Structure("missing voucher id"))?;
        let id: [u8; 16] =
            id.as_slice().try_into().map_err(|_| DecodeError::Structure("voucher id is not 16 bytes"))?;
        Ok(VoucherPayload {
            version,
            voucher_id: uuid::Uuid::from_bytes(id),
            entitlement_key,
            kind: t(3)?,
            value_minor: i(4)?,
            currency: t(5)?,
            surname: t(6)?,
            initial: t(7)?,
            flight: t(8)?,
            flight_date: t(9)?,
            valid_from: i(10)?,
            valid_until: i(11)?,
            serial: t(12)?,
        })
    }
}

/// Signs a payload with a device key; returns the QR text.
pub fn sign(payload: &VoucherPayload, kid: &str, key: &SigningKey) -> String {
    let protected =
        HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(kid.as_bytes().to_vec()).build();
    let cose = CoseSign1Builder::new()
        .protected(protected)
        .payload(to_cbor(&payload.to_value()))
        .create_signature(b"", |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        // Encoding a well-formed structure to a Vec cannot fail.
        .unwrap_or_default();
    format!("{QR_PREFIX}{}", base45::encode(cose))
}

/// A decoded, not yet verified QR text.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub kid: String,
    pub payload: VoucherPayload,
    cose: CoseSign1,
}

impl Unverified {
    /// Strict Ed25519 verification (no malleable or small-order keys),
    /// over the protected header exactly as it was printed.
    pub fn signature_ok(&self, key: &VerifyingKey) -> bool {
        self.cose
            .verify_signature(b"", |sig, data| {
                let sig: [u8; 64] = sig.try_into().map_err(|_| ())?;
                key.verify_strict(data, &Signature::from_bytes(&sig)).map_err(|_| ())
            })
            .is_ok()
    }
}

/// The link that opens a voucher on its passenger's phone: central's
/// `/pass/` page; the issuing station (for where the voucher can be used)
/// and its time zone (for the voucher's times, as on paper) in the query;
/// and the QR text in the fragment, which browsers never send to a server.
/// Of base45's alphabet only the space and `%` need escaping there.
pub fn phone_link(central_url: &str, station: &str, time_zone: &str, qr: &str) -> String {
    let fragment = qr.trim().replace('%', "%25").replace(' ', "%20");
    let station: String = station.chars().filter(char::is_ascii_alphabetic).collect();
    let zone: String =
        time_zone.chars().filter(|c| c.is_ascii_alphanumeric() || "/_+-".contains(*c)).collect();
    format!("{}/pass/?st={station}&tz={zone}#{fragment}", central_url.trim_end_matches('/'))
}

pub fn decode(qr: &str) -> Result<Unverified, DecodeError> {
    if qr.len() > MAX_QR_TEXT {
        return Err(DecodeError::TooLong);
    }
    let rest = qr.trim().strip_prefix(QR_PREFIX).ok_or(DecodeError::Prefix)?;
    let bytes = base45::decode(rest).map_err(|_| DecodeError::Base45)?;
    let cose = CoseSign1::from_tagged_slice(&bytes)
        .or_else(|_| CoseSign1::from_slice(&bytes))
        .map_err(|_| DecodeError::Structure("not a COSE_Sign1 structure"))?;
    if cose.signature.len() != 64 {
        return Err(DecodeError::Structure("signature is not 64 bytes"));
    }
    let header = &cose.protected.header;
    if header.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) {
        return Err(DecodeError::Structure("algorithm is not EdDSA"));
    }
    let kid = String::from_utf8(header.key_id.clone())
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or(DecodeError::Structure("no key id"))?;
    let body = cose.payload.as_deref().ok_or(DecodeError::Structure("payload"))?;
    let payload_value: Value = ciborium::from_reader(body).map_err(|_| DecodeError::Structure("payload"))?;
    let payload = VoucherPayload::from_value(&payload_value)?;
    Ok(Unverified { kid, payload, cose })
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn a_phone_link_carries_the_voucher_in_its_fragment_only() {
        let link = super::phone_link("https://central.example/", "HKG", "Asia/Hong_Kong", "GC1:AB %C/D");
        assert_eq!(link, "https://central.example/pass/?st=HKG&tz=Asia/Hong_Kong#GC1:AB%20%25C/D");
        let (page, fragment) = link.split_once('#').unwrap();
        assert!(!page.contains("GC1"));
        assert!(!fragment.contains(' '));
    }

    use super::*;

    pub fn sample() -> VoucherPayload {
        VoucherPayload {
            version: PAYLOAD_VERSION,
            voucher_id: uuid::Uuid::from_u128(0x0193_5b8e_c000_7000_8000_0000_0000_0001),
            entitlement_key: None,
            kind: "meal".into(),
            value_minor: 12000,
            currency: "HKD".into(),
            surname: "ZHANG".into(),
            initial: "W".into(),
            flight: "CZ342".into(),
            flight_date: "2026-11-22".into(),
            valid_from: 1_795_327_200,
            valid_until: 1_795_413_600,
            serial: "HKG-K01-000001".into(),
        }
    }

    #[test]
    fn signs_and_decodes() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let qr = sign(&sample(), "HKG-K01#1", &key);
        assert!(qr.starts_with("GC1:"));
        assert!(qr.len() < 500, "{} characters", qr.len());
        // Base45 keeps to the QR alphanumeric set.
        assert!(qr.chars().all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c)));
        let u = decode(&qr).unwrap();
        assert_eq!(u.kid, "HKG-K01#1");
        assert_eq!(u.payload, sample());
        assert!(u.signature_ok(&key.verifying_key()));
        assert!(!u.signature_ok(&SigningKey::from_bytes(&[8u8; 32]).verifying_key()));
    }

    /// A voucher printed before the move to `coset` (the hand-written
    /// COSE_Sign1): coset writes the same bytes, and reads and verifies it.
    const PRINTED_BEFORE_COSET: &str = "GC1:RRQF.9P60HO0C69-:8XM9O96EC6Q8B8*LW5065ADSI42IM20%20000000000X50M8F7N8DL6MF6NF6TF64W5Y96PF6R/5X47RF6746QF60R6J%6 :5X CKUD$86EVCX CMTDB83JES OC8N9H 0RIBNB83:8YDCY217N8DL6TE66JD8469%6%965W5UE6DF3EE0PESDF3$L0I6CH.DBN9UW57463W5646646WA6298/FQW$BO-OWDEQCQGNR2XRDG83O6B/AIT5RY9SU5 BRLQ7 3J:AHXIUN9KKUFB09.E9K7D-$9M9A*3H.09OTLABA5A71M830";

    /// The same voucher as printed with payload version 1, key and all.
    pub fn printed_v1() -> VoucherPayload {
        VoucherPayload {
            version: PAYLOAD_VERSION_WITH_KEY,
            entitlement_key: Some("CZ342/2026-11-22/7842401234567/meal/1".into()),
            ..sample()
        }
    }

    #[test]
    fn vouchers_printed_before_coset_read_and_sign_the_same() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        assert_eq!(sign(&printed_v1(), "HKG-K01#1", &key), PRINTED_BEFORE_COSET);
        let u = decode(PRINTED_BEFORE_COSET).unwrap();
        assert_eq!((u.kid.as_str(), &u.payload), ("HKG-K01#1", &printed_v1()));
        assert!(u.signature_ok(&key.verifying_key()));
    }

    /// A new voucher's QR carries no ticket number, nor anything of the key.
    #[test]
    fn a_new_payload_carries_no_ticket_number() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let qr = sign(&sample(), "HKG-K01#1", &key);
        let bytes = base45::decode(qr.trim_start_matches(QR_PREFIX)).unwrap();
        let ticket = b"7842401234567";
        assert!(!bytes.windows(ticket.len()).any(|w| w == ticket));
        assert_eq!(decode(&qr).unwrap().payload.entitlement_key, None);
        // A version 2 payload that carries a key anyway is not one we wrote.
        let odd = VoucherPayload { entitlement_key: Some("x".into()), ..sample() };
        assert!(decode(&sign(&odd, "HKG-K01#1", &key)).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(decode("hello").unwrap_err(), DecodeError::Prefix);
        assert_eq!(decode("GC1:@@@").unwrap_err(), DecodeError::Base45);
        assert!(decode(&format!("GC1:{}", base45::encode(b"not cbor at all"))).is_err());
        assert_eq!(decode(&"GC1:".repeat(1000)).unwrap_err(), DecodeError::TooLong);
    }
}
