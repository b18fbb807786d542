//! The trust list and the void list (JSON, distributed by central).
//!
//! Trust list (`format: "gatecare-trust-list/1"`):
//! ```json
//! { "format": "gatecare-trust-list/1", "issued_at": "2026-11-22T00:00:00Z",
//!   "root": { "kid": "GATECARE-ROOT", "public_key": "<64 hex>" },
//!   "devices": [ { "kid": "HKG-K01#1", "public_key": "<64 hex>", "station": "HKG",
//!                  "not_before": "…", "not_after": "…", "certificate": "<128 hex>" } ] }
//! ```
//! `certificate` is the root's Ed25519 signature over the device's
//! [`DeviceCert::certified_text`]. Verifiers should pin the root key. A
//! revoked device's key leaves `devices`; when its revocation has an
//! effective time, it appears under `revoked` ([`Revocation`]) with the
//! vouchers central had received from it by then, which alone stay valid.
//!
//! A certificate's instants are whole seconds ([`canonical_instant`]), written
//! `YYYY-MM-DDTHH:MM:SSZ` in the signed text: every store (SQLite text with
//! microseconds, PostgreSQL's `timestamptz`, JSON) keeps them exactly, so the
//! text rebuilt from storage is the text that was signed. Certificates signed
//! before that form (chrono's `to_rfc3339`, `+00:00`) still verify.
//!
//! Void list (`format: "gatecare-void-list/1"`):
//! ```json
//! { "format": "gatecare-void-list/1", "issued_at": "…",
//!   "voided": [ { "voucher_id": "<uuid>", "voided_at": "…", "reason": "…" } ] }
//! ```

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::{hex, unhex};

pub const TRUST_FORMAT: &str = "gatecare-trust-list/1";
pub const VOID_FORMAT: &str = "gatecare-void-list/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRef {
    pub kid: String,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCert {
    pub kid: String,
    pub public_key: String,
    pub station: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub certificate: String,
}

/// An instant as certificates carry it: whole seconds, so no store's
/// precision can change the signed text.
pub fn canonical_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

impl DeviceCert {
    /// What the root signs.
    pub fn certified_text(&self) -> String {
        self.text_with(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    /// What roots signed before instants had one form.
    fn legacy_text(&self) -> String {
        self.text_with(|t| t.to_rfc3339())
    }

    fn text_with(&self, instant: impl Fn(&DateTime<Utc>) -> String) -> String {
        format!(
            "gatecare-device-cert/1\n{}\n{}\n{}\n{}\n{}",
            self.kid,
            self.public_key.to_ascii_lowercase(),
            self.station,
            instant(&self.not_before),
            instant(&self.not_after)
        )
    }

    /// Whether `root` signed this certificate (in either text form).
    pub fn is_certified_by(&self, root: &VerifyingKey) -> bool {
        let Some(sig) = unhex::<64>(&self.certificate).map(|s| Signature::from_bytes(&s)) else {
            return false;
        };
        root.verify_strict(self.certified_text().as_bytes(), &sig).is_ok()
            || root.verify_strict(self.legacy_text().as_bytes(), &sig).is_ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustList {
    pub format: String,
    pub issued_at: DateTime<Utc>,
    pub root: KeyRef,
    pub devices: Vec<DeviceCert>,
    /// Revoked keys whose earlier vouchers still stand (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Revocation>,
}

/// A revoked device key. A stolen key can sign a voucher dated before its
/// revocation, so "signed before" proves nothing: only the vouchers central
/// had received from the device before `revoked_at` (named in `kept`) stay
/// valid, until their own expiry. The root signs the revocation, so no one
/// can add a voucher to `kept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub cert: DeviceCert,
    pub revoked_at: DateTime<Utc>,
    /// Sorted by voucher id.
    pub kept: Vec<KeptVoucher>,
    /// The root's Ed25519 signature over [`Revocation::signed_text`] (hex).
    pub signature: String,
}

/// A voucher a revoked key signed that central had received, as central
/// knows it. The ids on the list are public, so a voucher of a revoked key
/// verifies only when it matches one field for field: a thief with the key
/// cannot put a kept id on a voucher of another value, entitlement or day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeptVoucher {
    pub voucher_id: uuid::Uuid,
    /// Lists before issue #25 named the entitlement key (with its ticket
    /// number); central no longer publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_key: Option<String>,
    /// The flight and its date as the voucher names them: they bind a kept
    /// id to its flight and day without naming the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight_date: Option<String>,
    pub kind: String,
    pub value_minor: i64,
    pub currency: String,
    pub serial: String,
    /// Unix seconds, as the voucher's `valid_from`.
    pub valid_from: i64,
}

/// The longest a kept voucher may run: a thief cannot stretch a kept
/// voucher's validity beyond what any voucher is given.
pub const KEPT_LONGEST_SECONDS: i64 = 7 * 24 * 3600;

impl KeptVoucher {
    /// Whether `p` is this voucher as central received it.
    pub fn matches(&self, p: &crate::VoucherPayload) -> bool {
        // A list that names a key kept a version 1 voucher: one without the
        // key is not it. A list without keys binds the flight and day.
        let key_agrees = match (&self.entitlement_key, &p.entitlement_key) {
            (Some(kept), Some(printed)) => kept == printed,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let named = |kept: &Option<String>, printed: &str| kept.as_deref().is_none_or(|k| k == printed);
        p.voucher_id == self.voucher_id
            && key_agrees
            && named(&self.flight, &p.flight)
            && named(&self.flight_date, &p.flight_date)
            && p.kind == self.kind
            && p.value_minor == self.value_minor
            && p.currency == self.currency
            && p.serial == self.serial
            && p.valid_from == self.valid_from
            && p.valid_until.saturating_sub(p.valid_from) <= KEPT_LONGEST_SECONDS
    }
}

impl Revocation {
    /// Revokes `cert` from `revoked_at` (whole seconds), keeping `kept`.
    pub fn new(
        root: &SigningKey,
        cert: DeviceCert,
        revoked_at: DateTime<Utc>,
        mut kept: Vec<KeptVoucher>,
    ) -> Revocation {
        kept.sort_by_key(|k| k.voucher_id);
        kept.dedup_by_key(|k| k.voucher_id);
        let mut r =
            Revocation { cert, revoked_at: canonical_instant(revoked_at), kept, signature: String::new() };
        r.signature = hex(&root.sign(r.signed_text().as_bytes()).to_bytes());
        r
    }

    /// What the root signs: the certificate's text, the instant, the kept
    /// vouchers (as JSON: fields in a fixed order).
    pub fn signed_text(&self) -> String {
        format!(
            "gatecare-revocation/2\n{}\n{}\n{}",
            self.cert.certified_text(),
            self.revoked_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            serde_json::to_string(&self.kept).unwrap_or_default()
        )
    }

    /// Whether `p` is one of the kept vouchers, field for field.
    pub fn keeps(&self, p: &crate::VoucherPayload) -> bool {
        self.kept.binary_search_by_key(&p.voucher_id, |k| k.voucher_id).is_ok_and(|i| self.kept[i].matches(p))
    }

    fn is_signed_by(&self, root: &VerifyingKey) -> bool {
        let Some(sig) = unhex::<64>(&self.signature).map(|s| Signature::from_bytes(&s)) else {
            return false;
        };
        self.cert.is_certified_by(root) && root.verify_strict(self.signed_text().as_bytes(), &sig).is_ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidEntry {
    pub voucher_id: uuid::Uuid,
    pub voided_at: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VoidList {
    pub format: String,
    pub issued_at: Option<DateTime<Utc>>,
    pub voided: Vec<VoidEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("not JSON of the expected shape: {0}")]
    Json(String),
    #[error("unknown format {0:?}")]
    Format(String),
    #[error("bad key {0}")]
    Key(String),
}

/// A public key as the trust list writes it (hex, lower case).
pub fn hex_key(key: &VerifyingKey) -> String {
    hex(key.as_bytes())
}

pub fn verifying_key(hex_key: &str) -> Option<VerifyingKey> {
    VerifyingKey::from_bytes(&unhex::<32>(hex_key)?).ok()
}

impl TrustList {
    pub fn from_json(text: &str) -> Result<TrustList, ListError> {
        let t: TrustList = serde_json::from_str(text).map_err(|e| ListError::Json(e.to_string()))?;
        if t.format != TRUST_FORMAT {
            return Err(ListError::Format(t.format));
        }
        verifying_key(&t.root.public_key).ok_or_else(|| ListError::Key(t.root.kid.clone()))?;
        Ok(t)
    }

    pub fn new(root_kid: &str, root: &SigningKey, issued_at: DateTime<Utc>) -> TrustList {
        TrustList {
            format: TRUST_FORMAT.into(),
            issued_at,
            root: KeyRef { kid: root_kid.into(), public_key: hex(root.verifying_key().as_bytes()) },
            devices: Vec::new(),
            revoked: Vec::new(),
        }
    }

    /// Certifies a device key with the root key and adds it; the instants
    /// are made canonical first.
    pub fn certify(
        &mut self,
        root: &SigningKey,
        kid: &str,
        device: &VerifyingKey,
        station: &str,
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) {
        let mut cert = DeviceCert {
            kid: kid.into(),
            public_key: hex(device.as_bytes()),
            station: station.into(),
            not_before: canonical_instant(not_before),
            not_after: canonical_instant(not_after),
            certificate: String::new(),
        };
        cert.certificate = hex(&root.sign(cert.certified_text().as_bytes()).to_bytes());
        self.devices.retain(|d| d.kid != kid);
        self.devices.push(cert);
    }

    /// Revokes a device: it leaves the list.
    pub fn revoke(&mut self, kid: &str) {
        self.devices.retain(|d| d.kid != kid);
    }

    /// The device's key, if the root certified it.
    pub fn certified_key(&self, kid: &str) -> Result<(&DeviceCert, VerifyingKey), &'static str> {
        let cert = self.devices.iter().find(|d| d.kid == kid).ok_or("unknown_key")?;
        certified(cert, &self.root)
    }

    /// The revocation of `kid` whose root signature holds, if any.
    pub fn revocation(&self, kid: &str) -> Result<Option<(&Revocation, VerifyingKey)>, &'static str> {
        let Some(r) = self.revoked.iter().find(|r| r.cert.kid == kid) else { return Ok(None) };
        let root = verifying_key(&self.root.public_key).ok_or("uncertified_key")?;
        if !r.is_signed_by(&root) {
            return Err("uncertified_key");
        }
        let (_, key) = certified(&r.cert, &self.root)?;
        Ok(Some((r, key)))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn certified<'a>(
    cert: &'a DeviceCert,
    root: &KeyRef,
) -> Result<(&'a DeviceCert, VerifyingKey), &'static str> {
    let root = verifying_key(&root.public_key).ok_or("uncertified_key")?;
    if !cert.is_certified_by(&root) {
        return Err("uncertified_key");
    }
    let key = verifying_key(&cert.public_key).ok_or("uncertified_key")?;
    Ok((cert, key))
}

impl VoidList {
    pub fn from_json(text: &str) -> Result<VoidList, ListError> {
        let v: VoidList = serde_json::from_str(text).map_err(|e| ListError::Json(e.to_string()))?;
        if v.format != VOID_FORMAT {
            return Err(ListError::Format(v.format));
        }
        Ok(v)
    }

    pub fn contains(&self, id: &uuid::Uuid) -> bool {
        self.voided.iter().any(|v| &v.voucher_id == id)
    }
}

impl KeptVoucher {
    /// As the public list carries it: the flight and day taken from the
    /// entitlement key (`CZ342/2026-11-22/<ticket>/meal/1`), the key itself
    /// (with its ticket number) left out.
    pub fn without_ticket(mut self) -> KeptVoucher {
        if let Some(key) = self.entitlement_key.take() {
            let mut parts = key.split('/');
            self.flight = self.flight.or(parts.next().map(str::to_owned));
            self.flight_date = self.flight_date.or(parts.next().map(str::to_owned));
        }
        self
    }
}

#[cfg(test)]
mod tests {

    fn kept(key: Option<&str>) -> KeptVoucher {
        let p = crate::signed::tests::sample();
        KeptVoucher {
            voucher_id: p.voucher_id,
            entitlement_key: key.map(str::to_owned),
            flight: None,
            flight_date: None,
            kind: p.kind,
            value_minor: p.value_minor,
            currency: p.currency,
            serial: p.serial,
            valid_from: p.valid_from,
        }
    }

    /// A list that names a key kept a version 1 voucher; the public list
    /// carries the flight and day instead, never the ticket.
    #[test]
    fn kept_vouchers_bind_their_flight_and_day_without_the_ticket() {
        let v1 = crate::signed::tests::printed_v1();
        let v2 = crate::signed::tests::sample();
        let old = kept(v1.entitlement_key.as_deref());
        assert!(old.matches(&v1));
        assert!(!old.matches(&v2), "a voucher without the key is not the kept version 1 voucher");
        let public = old.without_ticket();
        assert_eq!((public.entitlement_key.as_deref(), public.flight.as_deref()), (None, Some("CZ342")));
        assert_eq!(public.flight_date.as_deref(), Some("2026-11-22"));
        assert!(!serde_json::to_string(&public).unwrap().contains("7842401234567"));
        assert!(public.matches(&v1) && public.matches(&v2));
        let other_flight = crate::VoucherPayload { flight: "CZ999".into(), ..v2 };
        assert!(!public.matches(&other_flight));
    }

    use super::*;
    use chrono::TimeZone;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_certificate_made_on_a_sub_second_clock_survives_storage_at_microseconds() {
        let root = key(1);
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 23, 45, 7).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let mut list = TrustList::new("ROOT", &root, now);
        list.certify(
            &root,
            "HKG-K01#1",
            &key(2).verifying_key(),
            "HKG",
            now,
            now + chrono::Duration::days(30),
        );
        let cert = &list.devices[0];
        assert_eq!(cert.not_before, Utc.with_ymd_and_hms(2026, 12, 5, 23, 45, 7).unwrap());
        assert!(cert.certified_text().contains("\n2026-12-05T23:45:07Z\n"), "{}", cert.certified_text());
        // What SQLite (microseconds) and JSON give back is the same instant.
        let stored = DeviceCert {
            not_before: cert.not_before.trunc_subsecs(6),
            not_after: DateTime::parse_from_rfc3339(
                &cert.not_after.to_rfc3339_opts(SecondsFormat::Micros, true),
            )
            .unwrap()
            .with_timezone(&Utc),
            ..cert.clone()
        };
        let read = TrustList { devices: vec![stored], ..list.clone() };
        let read = TrustList::from_json(&read.to_json()).unwrap();
        assert!(read.certified_key("HKG-K01#1").is_ok());
    }

    #[test]
    fn a_certificate_signed_in_the_old_text_form_still_verifies_and_a_changed_one_does_not() {
        let root = key(1);
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let mut cert = DeviceCert {
            kid: "HKG-K01#1".into(),
            public_key: hex(key(2).verifying_key().as_bytes()),
            station: "HKG".into(),
            not_before: at,
            not_after: at + chrono::Duration::days(400),
            certificate: String::new(),
        };
        assert!(cert.legacy_text().contains("+00:00"));
        cert.certificate = hex(&root.sign(cert.legacy_text().as_bytes()).to_bytes());
        assert!(cert.is_certified_by(&root.verifying_key()));
        assert!(!cert.is_certified_by(&key(3).verifying_key()));
        let stretched =
            DeviceCert { not_after: cert.not_after + chrono::Duration::seconds(1), ..cert.clone() };
        assert!(!stretched.is_certified_by(&root.verifying_key()));
    }
}
