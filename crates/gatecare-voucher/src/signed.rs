//! The signed payload in the QR code.
//!
//! `GC1:` + base45( COSE_Sign1 ) where COSE_Sign1 = tag 18 [ protected
//! (bstr: {1: -8 (EdDSA), 4: kid}), unprotected {}, payload (bstr: the CBOR
//! map below), signature (bstr: Ed25519 over Sig_structure) ].
//!
//! Payload map, integer keys for compactness: 0 version (1), 1 voucher id
//! (16 bytes), 2 entitlement key, 3 kind, 4 value in minor units, 5
//! currency, 6 surname, 7 initial, 8 flight, 9 flight date (YYYY-MM-DD),
//! 10 valid from and 11 valid until (Unix seconds, UTC), 12 serial.

use ciborium::Value;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;

pub const QR_PREFIX: &str = "GC1:";
pub const PAYLOAD_VERSION: i64 = 1;
/// Longer QR texts are refused before decoding (a voucher is ~400 characters).
pub const MAX_QR_TEXT: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherPayload {
    pub version: i64,
    pub voucher_id: uuid::Uuid,
    pub entitlement_key: String,
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
        Value::Map(vec![
            (int(0), int(self.version)),
            (int(1), Value::Bytes(self.voucher_id.as_bytes().to_vec())),
            (int(2), text(&self.entitlement_key)),
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
        if version != PAYLOAD_VERSION {
            return Err(DecodeError::Version(version));
        }
        let id = get(1).and_then(Value::as_bytes).ok_or(DecodeError::Structure("missing voucher id"))?;
        let id: [u8; 16] =
            id.as_slice().try_into().map_err(|_| DecodeError::Structure("voucher id is not 16 bytes"))?;
        Ok(VoucherPayload {
            version,
            voucher_id: uuid::Uuid::from_bytes(id),
            entitlement_key: t(2)?,
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

fn protected_header(kid: &str) -> Vec<u8> {
    to_cbor(&Value::Map(vec![(int(1), int(-8)), (int(4), Value::Bytes(kid.as_bytes().to_vec()))]))
}

fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    to_cbor(&Value::Array(vec![
        text("Signature1"),
        Value::Bytes(protected.to_vec()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))
}

/// Signs a payload with a device key; returns the QR text.
pub fn sign(payload: &VoucherPayload, kid: &str, key: &SigningKey) -> String {
    let protected = protected_header(kid);
    let body = to_cbor(&payload.to_value());
    let signature = key.sign(&sig_structure(&protected, &body));
    let cose = Value::Tag(
        18,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(body),
            Value::Bytes(signature.to_bytes().to_vec()),
        ])),
    );
    format!("{QR_PREFIX}{}", base45::encode(to_cbor(&cose)))
}

/// A decoded, not yet verified QR text.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub kid: String,
    pub payload: VoucherPayload,
    protected: Vec<u8>,
    body: Vec<u8>,
    signature: [u8; 64],
}

impl Unverified {
    /// Strict Ed25519 verification (no malleable or small-order keys).
    pub fn signature_ok(&self, key: &VerifyingKey) -> bool {
        key.verify_strict(
            &sig_structure(&self.protected, &self.body),
            &Signature::from_bytes(&self.signature),
        )
        .is_ok()
    }
}

pub fn decode(qr: &str) -> Result<Unverified, DecodeError> {
    if qr.len() > MAX_QR_TEXT {
        return Err(DecodeError::TooLong);
    }
    let rest = qr.trim().strip_prefix(QR_PREFIX).ok_or(DecodeError::Prefix)?;
    let bytes = base45::decode(rest).map_err(|_| DecodeError::Base45)?;
    let value: Value =
        ciborium::from_reader(bytes.as_slice()).map_err(|_| DecodeError::Structure("not CBOR"))?;
    let array = match value {
        Value::Tag(18, inner) => *inner,
        other => other,
    };
    let parts = array.as_array().ok_or(DecodeError::Structure("not an array"))?;
    let [protected, _unprotected, body, signature] = parts.as_slice() else {
        return Err(DecodeError::Structure("not four parts"));
    };
    let protected = protected.as_bytes().ok_or(DecodeError::Structure("protected header"))?.clone();
    let body = body.as_bytes().ok_or(DecodeError::Structure("payload"))?.clone();
    let signature: [u8; 64] = signature
        .as_bytes()
        .and_then(|s| s.as_slice().try_into().ok())
        .ok_or(DecodeError::Structure("signature is not 64 bytes"))?;
    let header: Value = ciborium::from_reader(protected.as_slice())
        .map_err(|_| DecodeError::Structure("protected header"))?;
    let header = header.as_map().ok_or(DecodeError::Structure("protected header"))?;
    let alg = header.iter().find(|(k, _)| k.as_integer() == Some(1.into())).and_then(|(_, v)| v.as_integer());
    if alg != Some((-8).into()) {
        return Err(DecodeError::Structure("algorithm is not EdDSA"));
    }
    let kid = header
        .iter()
        .find(|(k, _)| k.as_integer() == Some(4.into()))
        .and_then(|(_, v)| v.as_bytes())
        .and_then(|b| String::from_utf8(b.clone()).ok())
        .ok_or(DecodeError::Structure("no key id"))?;
    let payload_value: Value =
        ciborium::from_reader(body.as_slice()).map_err(|_| DecodeError::Structure("payload"))?;
    let payload = VoucherPayload::from_value(&payload_value)?;
    Ok(Unverified { kid, payload, protected, body, signature })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> VoucherPayload {
        VoucherPayload {
            version: 1,
            voucher_id: uuid::Uuid::from_u128(0x0193_5b8e_c000_7000_8000_0000_0000_0001),
            entitlement_key: "CZ342/2026-11-22/7842401234567/meal/1".into(),
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

    #[test]
    fn garbage_is_refused() {
        assert_eq!(decode("hello").unwrap_err(), DecodeError::Prefix);
        assert_eq!(decode("GC1:@@@").unwrap_err(), DecodeError::Base45);
        assert!(decode(&format!("GC1:{}", base45::encode(b"not cbor at all"))).is_err());
        assert_eq!(decode(&"GC1:".repeat(1000)).unwrap_err(), DecodeError::TooLong);
    }
}
