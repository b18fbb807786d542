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
//! [`DeviceCert::certified_text`]. Verifiers should pin the root key; a
//! device removed from the list (revoked) no longer verifies.
//!
//! Void list (`format: "gatecare-void-list/1"`):
//! ```json
//! { "format": "gatecare-void-list/1", "issued_at": "…",
//!   "voided": [ { "voucher_id": "<uuid>", "voided_at": "…", "reason": "…" } ] }
//! ```

use chrono::{DateTime, Utc};
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

impl DeviceCert {
    /// What the root signs.
    pub fn certified_text(&self) -> String {
        format!(
            "gatecare-device-cert/1\n{}\n{}\n{}\n{}\n{}",
            self.kid,
            self.public_key.to_ascii_lowercase(),
            self.station,
            self.not_before.to_rfc3339(),
            self.not_after.to_rfc3339()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustList {
    pub format: String,
    pub issued_at: DateTime<Utc>,
    pub root: KeyRef,
    pub devices: Vec<DeviceCert>,
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
        }
    }

    /// Certifies a device key with the root key and adds it.
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
            not_before,
            not_after,
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
        let root = verifying_key(&self.root.public_key).ok_or("uncertified_key")?;
        let sig = unhex::<64>(&cert.certificate).ok_or("uncertified_key")?;
        root.verify_strict(cert.certified_text().as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| "uncertified_key")?;
        let key = verifying_key(&cert.public_key).ok_or("uncertified_key")?;
        Ok((cert, key))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
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
