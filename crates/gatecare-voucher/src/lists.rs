//! A merchant's two lists sealed as one. Each certificate and revocation
//! in the trust list is signed by the root already, but that says nothing
//! of what is left out: someone between central and a till could drop a
//! revocation or a void, or hand back last week's lists. So central signs,
//! with the root key, the SHA-256 of both lists' exact text, the till they
//! were made for and the time ([`ListsSeal`], a COSE_Sign1 in hex). A till
//! keeps lists only when the seal opens under the root it pinned at
//! enrolment, names it, and is no older than the lists it holds.

use chrono::{DateTime, Utc};
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const LISTS_FORMAT: &str = "gatecare-merchant-lists/1";

/// What central signs over a till's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListsSeal {
    pub format: String,
    pub station: String,
    /// The till's device id.
    pub till: String,
    /// Central's time when it made the lists.
    pub at: DateTime<Utc>,
    pub trust_sha256: String,
    pub void_sha256: String,
}

/// Why a till refuses lists: they are kept as they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ListsRefused {
    #[error("lists_unsealed: the lists carry no seal of central's that can be read")]
    Unsealed,
    #[error("lists_bad_seal: the seal is not the airline root's")]
    BadSeal,
    #[error("lists_altered: the lists are not the ones central sealed")]
    Altered,
    #[error("lists_for_another_till: central sealed these lists for another till")]
    AnotherTill,
    #[error("lists_rolled_back: the lists are older than the ones this till holds")]
    RolledBack,
}

impl ListsRefused {
    /// The stable code the page shows in its own words.
    pub fn code(self) -> &'static str {
        match self {
            ListsRefused::Unsealed => "lists_unsealed",
            ListsRefused::BadSeal => "lists_bad_seal",
            ListsRefused::Altered => "lists_altered",
            ListsRefused::AnotherTill => "lists_for_another_till",
            ListsRefused::RolledBack => "lists_rolled_back",
        }
    }
}

fn sha256_hex(text: &str) -> String {
    crate::hex(&Sha256::digest(text.as_bytes()))
}

impl ListsSeal {
    pub fn new(station: &str, till: &str, at: DateTime<Utc>, trust_list: &str, void_list: &str) -> ListsSeal {
        ListsSeal {
            format: LISTS_FORMAT.into(),
            station: station.into(),
            till: till.into(),
            at,
            trust_sha256: sha256_hex(trust_list),
            void_sha256: sha256_hex(void_list),
        }
    }

    /// The seal as the till receives it: a tagged COSE_Sign1, in hex.
    pub fn seal(&self, root_kid: &str, root: &SigningKey) -> String {
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::EdDSA)
            .key_id(root_kid.as_bytes().to_vec())
            .build();
        let cose = CoseSign1Builder::new()
            .protected(protected)
            // Serialising plain data to a Vec cannot fail.
            .payload(serde_json::to_vec(self).unwrap_or_default())
            .create_signature(b"", |tbs| root.sign(tbs).to_bytes().to_vec())
            .build()
            .to_tagged_vec()
            // Encoding a well-formed structure to a Vec cannot fail.
            .unwrap_or_default();
        crate::hex(&cose)
    }

    /// Opens `sealed` for `till`'s lists under the pinned `root`; `held`
    /// is the time of the lists the till holds, if any.
    pub fn open(
        sealed: &str,
        root: &VerifyingKey,
        till: &str,
        trust_list: &str,
        void_list: &str,
        held: Option<DateTime<Utc>>,
    ) -> Result<ListsSeal, ListsRefused> {
        let bytes = unhex(sealed).ok_or(ListsRefused::Unsealed)?;
        let cose = CoseSign1::from_tagged_slice(&bytes)
            .or_else(|_| CoseSign1::from_slice(&bytes))
            .map_err(|_| ListsRefused::Unsealed)?;
        if cose.protected.header.alg
            != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA))
        {
            return Err(ListsRefused::BadSeal);
        }
        cose.verify_signature(b"", |sig, data| {
            let sig: [u8; 64] = sig.try_into().map_err(|_| ListsRefused::BadSeal)?;
            root.verify_strict(data, &Signature::from_bytes(&sig)).map_err(|_| ListsRefused::BadSeal)
        })?;
        let seal: ListsSeal = serde_json::from_slice(cose.payload.as_deref().unwrap_or_default())
            .map_err(|_| ListsRefused::Unsealed)?;
        if seal.format != LISTS_FORMAT {
            return Err(ListsRefused::Unsealed);
        }
        if seal.till != till {
            return Err(ListsRefused::AnotherTill);
        }
        if seal.trust_sha256 != sha256_hex(trust_list) || seal.void_sha256 != sha256_hex(void_list) {
            return Err(ListsRefused::Altered);
        }
        if held.is_some_and(|held| seal.at < held) {
            return Err(ListsRefused::RolledBack);
        }
        Ok(seal)
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUST: &str = r#"{"format":"gatecare-trust-list/1"}"#;
    const VOIDS: &str = r#"{"format":"gatecare-void-list/1","voided":[{"voucher_id":"x"}]}"#;

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    fn sealed(root: &SigningKey, t: i64) -> String {
        ListsSeal::new("HKG", "till-1", at(t), TRUST, VOIDS).seal("ROOT", root)
    }

    #[test]
    fn a_seal_opens_only_for_its_lists_its_till_and_its_root() {
        let root = SigningKey::from_bytes(&[7u8; 32]);
        let key = root.verifying_key();
        let seal = sealed(&root, 1_800_000_000);
        let opened = ListsSeal::open(&seal, &key, "till-1", TRUST, VOIDS, None).unwrap();
        assert_eq!((opened.station.as_str(), opened.at), ("HKG", at(1_800_000_000)));
        // A void left out.
        let fewer = r#"{"format":"gatecare-void-list/1","voided":[]}"#;
        assert_eq!(ListsSeal::open(&seal, &key, "till-1", TRUST, fewer, None), Err(ListsRefused::Altered));
        assert_eq!(
            ListsSeal::open(&seal, &key, "till-2", TRUST, VOIDS, None),
            Err(ListsRefused::AnotherTill)
        );
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert_eq!(
            ListsSeal::open(&sealed(&other, 1_800_000_000), &key, "till-1", TRUST, VOIDS, None),
            Err(ListsRefused::BadSeal)
        );
        // Older than what the till holds: last week's lists again.
        assert_eq!(
            ListsSeal::open(&seal, &key, "till-1", TRUST, VOIDS, Some(at(1_800_000_001))),
            Err(ListsRefused::RolledBack)
        );
        assert!(ListsSeal::open(&seal, &key, "till-1", TRUST, VOIDS, Some(at(1_800_000_000))).is_ok());
        for junk in ["", "zz", "00", &"a".repeat(301), &seal[..seal.len() - 2]] {
            assert_eq!(
                ListsSeal::open(junk, &key, "till-1", TRUST, VOIDS, None),
                Err(ListsRefused::Unsealed)
            );
        }
        // One signature byte changed.
        let mut bent = seal.clone().into_bytes();
        let i = bent.len() - 3;
        bent[i] = if bent[i] == b'0' { b'1' } else { b'0' };
        let bent = String::from_utf8(bent).unwrap();
        assert_eq!(ListsSeal::open(&bent, &key, "till-1", TRUST, VOIDS, None), Err(ListsRefused::BadSeal));
    }
}
