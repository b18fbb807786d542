//! Signed feed pages: what a device accepts from central, and only if the
//! airline's root key signed it.
//!
//! A page is a COSE_Sign1 (RFC 9052, tagged, EdDSA, `kid` = the root's key
//! id) whose payload is the page as JSON ([`FeedPage`]). One signature per
//! page, not per item: signing is one Ed25519 signature over a page of up
//! to 500 items, so ingest and pull keep their speed.
//!
//! The signed page names the station and the device it was made for, the
//! cursor range it covers and central's time. A device opens a page only
//! against what it asked for ([`Expected`]): its own station and device,
//! the cursor it sent. So a page cannot be replayed to another device or
//! station, and an older page cannot be played back to roll a list back
//! (its cursor range lies behind the device's).
//!
//! The device pins the root key at enrolment by its [`fingerprint`], which
//! the administrator reads out with the enrolment code: the first contact
//! is not trust on first use.

use chrono::{DateTime, Duration, Utc};
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::FeedItem;

pub const PAGE_FORMAT: &str = "gatecare-feed-page/1";
/// The HTTP content type of a signed page.
pub const PAGE_CONTENT_TYPE: &str = "application/cose; cose-type=\"cose-sign1\"";
/// How far a page's time may be from the device's clock, and fall behind
/// the newest page it holds: clocks differ a little, and central's may step
/// back when it is corrected. A page is signed as it is sent, so an older
/// one is a replay (which would freeze the device's picture unseen), and a
/// later one means a clock is wrong.
pub const CLOCK_STEP: Duration = Duration::minutes(5);

/// One page of a device's feed, as central signed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedPage {
    pub format: String,
    pub station: String,
    pub device: Uuid,
    /// The cursor the device sent: items have `server_seq` in
    /// `(after, next_after]`.
    pub after: i64,
    pub next_after: i64,
    pub more: bool,
    /// Central's time when it signed the page.
    pub at: DateTime<Utc>,
    pub items: Vec<FeedItem>,
    /// Central holds events under this device's numbers beyond those the
    /// device says it logged: another device pushes as this one. A quiet
    /// device learns it so, without pushing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clash: Option<crate::SeqClash>,
}

/// What the device asked for; a page must match it to be opened.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub station: &'a str,
    pub device: Uuid,
    pub after: i64,
    /// The time of the newest page the device has accepted.
    pub newest: Option<DateTime<Utc>>,
    /// The device's clock.
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("not a signed page (COSE_Sign1)")]
    NotSigned,
    #[error("not signed by the airline's root key")]
    BadSignature,
    #[error("the page does not have the expected shape: {0}")]
    Malformed(String),
    #[error("the page was made for station {0}")]
    WrongStation(String),
    #[error("the page was made for another device")]
    WrongDevice,
    #[error("the page covers items after {got}, not after {asked}")]
    WrongCursor { asked: i64, got: i64 },
    #[error("the page was signed at {at}, before the newest page this device holds ({newest}): a replay")]
    RolledBack { at: DateTime<Utc>, newest: DateTime<Utc> },
    /// The device cannot tell a replay from its own clock running ahead
    /// (a trial found a kiosk hours ahead refusing every page), so it says
    /// both, with the numbers to compare with the airport's clocks.
    #[error(
        "the page was signed at {at}, {} behind this device's clock ({now}): a replay, or this device's clock is ahead; check it against the airport's time",
        span(*now - *at)
    )]
    Stale { at: DateTime<Utc>, now: DateTime<Utc> },
    #[error(
        "the page was signed at {at}, {} ahead of this device's clock ({now}): this device's clock is behind; set it right",
        span(*at - *now)
    )]
    Ahead { at: DateTime<Utc>, now: DateTime<Utc> },
}

/// A clock difference as people read it: "7 min", "3 h 12 min", "2 d 4 h".
fn span(d: Duration) -> String {
    // To the nearest minute: a clock 3 h ahead reads "3 h 0 min", not "2 h 59 min".
    let minutes = (d.num_seconds().abs() + 30) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min"),
        (0, h) => format!("{h} h {minutes} min"),
        (d, h) => format!("{d} d {h} h"),
    }
}

impl PageError {
    /// Stable, for the sync status and the counters.
    pub fn code(&self) -> &'static str {
        match self {
            PageError::NotSigned => "not_signed",
            PageError::BadSignature => "bad_signature",
            PageError::Malformed(_) => "malformed",
            PageError::WrongStation(_) => "wrong_station",
            PageError::WrongDevice => "wrong_device",
            PageError::WrongCursor { .. } => "wrong_cursor",
            PageError::RolledBack { .. } | PageError::Stale { .. } => "stale",
            PageError::Ahead { .. } => "ahead",
        }
    }
}

impl FeedPage {
    /// Signs the page with the root key: the bytes central sends.
    pub fn seal(&self, root_kid: &str, root: &SigningKey) -> Vec<u8> {
        // Serialising plain data to a Vec cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        seal_bytes(json, root_kid, root)
    }

    /// Verifies `bytes` against the pinned root key and checks the page
    /// is the one the device asked for. Nothing of a page that fails is
    /// returned.
    pub fn open(bytes: &[u8], root: &VerifyingKey, expected: &Expected<'_>) -> Result<FeedPage, PageError> {
        let payload = open_bytes(bytes, root)?;
        let page: FeedPage =
            serde_json::from_slice(&payload).map_err(|e| PageError::Malformed(e.to_string()))?;
        if page.format != PAGE_FORMAT {
            return Err(PageError::Malformed(format!("format {:?}", page.format)));
        }
        if page.station != expected.station {
            return Err(PageError::WrongStation(page.station));
        }
        if page.device != expected.device {
            return Err(PageError::WrongDevice);
        }
        if page.after != expected.after {
            return Err(PageError::WrongCursor { asked: expected.after, got: page.after });
        }
        signed_in_time(page.at, expected.now, expected.newest)?;
        let mut last = page.after;
        for item in &page.items {
            if item.server_seq <= last || item.server_seq > page.next_after {
                return Err(PageError::Malformed(format!(
                    "item {} outside the page's range ({}, {}]",
                    item.server_seq, page.after, page.next_after
                )));
            }
            last = item.server_seq;
        }
        if page.next_after < page.after || (page.more && page.next_after == page.after) {
            return Err(PageError::Malformed("the cursor does not move forward".into()));
        }
        Ok(page)
    }
}

pub const ROLE_FORMAT: &str = "gatecare-device-role/1";

/// Central's word on the role it enrolled a device in, signed with the
/// root key like a page: a device enrolled before devices kept their role
/// learns it so, and nobody between central and the device can change it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleStatement {
    pub format: String,
    pub station: String,
    pub device: Uuid,
    pub role: crate::DeviceRole,
    /// Central's time when it signed.
    pub at: DateTime<Utc>,
}

impl RoleStatement {
    pub fn seal(&self, root_kid: &str, root: &SigningKey) -> Vec<u8> {
        // Serialising plain data to a Vec cannot fail.
        seal_bytes(serde_json::to_vec(self).unwrap_or_default(), root_kid, root)
    }

    /// Verifies `bytes` against the pinned root key, for this station and
    /// device, signed within [`CLOCK_STEP`] of the device's clock.
    pub fn open(
        bytes: &[u8],
        root: &VerifyingKey,
        station: &str,
        device: Uuid,
        now: DateTime<Utc>,
    ) -> Result<RoleStatement, PageError> {
        let payload = open_bytes(bytes, root)?;
        let statement: RoleStatement =
            serde_json::from_slice(&payload).map_err(|e| PageError::Malformed(e.to_string()))?;
        if statement.format != ROLE_FORMAT {
            return Err(PageError::Malformed(format!("format {:?}", statement.format)));
        }
        if statement.station != station {
            return Err(PageError::WrongStation(statement.station));
        }
        if statement.device != device {
            return Err(PageError::WrongDevice);
        }
        signed_in_time(statement.at, now, None)?;
        Ok(statement)
    }
}

/// Whether something central signed at `at` is current for a device whose
/// clock says `now` and whose newest page was signed at `newest`
/// ([`CLOCK_STEP`] either way).
fn signed_in_time(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    newest: Option<DateTime<Utc>>,
) -> Result<(), PageError> {
    if let Some(newest) = newest.filter(|newest| at < *newest - CLOCK_STEP) {
        return Err(PageError::RolledBack { at, newest });
    }
    if at < now - CLOCK_STEP {
        return Err(PageError::Stale { at, now });
    }
    if at > now + CLOCK_STEP {
        return Err(PageError::Ahead { at, now });
    }
    Ok(())
}

/// The payload of a COSE_Sign1 the root key signed (EdDSA only).
fn open_bytes(bytes: &[u8], root: &VerifyingKey) -> Result<Vec<u8>, PageError> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|_| PageError::NotSigned)?;
    if sign1.protected.header.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA))
    {
        return Err(PageError::BadSignature);
    }
    sign1.verify_signature(b"", |sig, data| {
        let sig: [u8; 64] = sig.try_into().map_err(|_| PageError::BadSignature)?;
        root.verify_strict(data, &Signature::from_bytes(&sig)).map_err(|_| PageError::BadSignature)
    })?;
    sign1.payload.ok_or_else(|| PageError::Malformed("no payload".into()))
}

fn seal_bytes(payload: Vec<u8>, root_kid: &str, root: &SigningKey) -> Vec<u8> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(root_kid.as_bytes().to_vec())
        .content_format(iana::CoapContentFormat::Json)
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| root.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        // Encoding a well-formed structure to a Vec cannot fail.
        .unwrap_or_default()
}

/// The root key's fingerprint as administrators read it out:
/// `sha256:` and 64 hex digits of SHA-256 over the 32-byte public key.
pub fn fingerprint(root: &VerifyingKey) -> String {
    let digest = Sha256::digest(root.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Whether `typed` (as an administrator passed it on: any case, with or
/// without `sha256:`, spaces, colons or dashes between digits) is `root`'s
/// fingerprint. `None` when `typed` is not 64 hex digits at all.
pub fn fingerprint_matches(typed: &str, root: &VerifyingKey) -> Option<bool> {
    let digits = fingerprint_digits(typed)?;
    Some(fingerprint(root)["sha256:".len()..] == digits)
}

/// Whether `typed` has the shape of a fingerprint (for a clear error before
/// anything is sent).
pub fn is_fingerprint(typed: &str) -> bool {
    fingerprint_digits(typed).is_some()
}

fn fingerprint_digits(typed: &str) -> Option<String> {
    let t = typed.trim();
    let t = t.strip_prefix("sha256:").or_else(|| t.strip_prefix("SHA256:")).unwrap_or(t);
    let digits: String =
        t.chars().filter(|c| !matches!(c, ' ' | ':' | '-')).map(|c| c.to_ascii_lowercase()).collect();
    (digits.len() == 64 && digits.chars().all(|c| c.is_ascii_hexdigit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Topic;

    fn root() -> SigningKey {
        SigningKey::from_bytes(&[3u8; 32])
    }

    fn page() -> FeedPage {
        let at = "2026-12-06T23:45:00.123456Z".parse().unwrap();
        FeedPage {
            format: PAGE_FORMAT.into(),
            station: "HKG".into(),
            device: Uuid::from_u128(7),
            after: 10,
            next_after: 12,
            more: false,
            at,
            items: vec![
                FeedItem { server_seq: 11, topic: Topic::Agent, at, body: serde_json::json!({"code": "A1"}) },
                FeedItem {
                    server_seq: 12,
                    topic: Topic::Void,
                    at,
                    body: serde_json::json!({"voucher_id": "v"}),
                },
            ],
            clash: None,
        }
    }

    fn expected() -> Expected<'static> {
        Expected { station: "HKG", device: Uuid::from_u128(7), after: 10, newest: None, now: page().at }
    }

    #[test]
    fn a_sealed_page_opens_only_for_whom_it_was_made() {
        let bytes = page().seal("GATECARE-ROOT", &root());
        let key = root().verifying_key();
        assert_eq!(FeedPage::open(&bytes, &key, &expected()).unwrap(), page());
        let other = SigningKey::from_bytes(&[4u8; 32]).verifying_key();
        assert_eq!(FeedPage::open(&bytes, &other, &expected()).unwrap_err(), PageError::BadSignature);
        let e = Expected { station: "PVG", ..expected() };
        assert_eq!(FeedPage::open(&bytes, &key, &e).unwrap_err().code(), "wrong_station");
        let e = Expected { device: Uuid::from_u128(8), ..expected() };
        assert_eq!(FeedPage::open(&bytes, &key, &e).unwrap_err(), PageError::WrongDevice);
        let e = Expected { after: 12, ..expected() };
        assert_eq!(FeedPage::open(&bytes, &key, &e).unwrap_err().code(), "wrong_cursor");
        let later = page().at + Duration::minutes(6);
        let e = Expected { newest: Some(later), ..expected() };
        assert_eq!(FeedPage::open(&bytes, &key, &e).unwrap_err().code(), "stale");
        let e = Expected { newest: Some(page().at + Duration::minutes(4)), ..expected() };
        assert!(FeedPage::open(&bytes, &key, &e).is_ok(), "a small step back of central's clock");
        // The same page replayed later, though no newer one got through.
        let e = Expected { now: page().at + Duration::minutes(6), ..expected() };
        assert_eq!(FeedPage::open(&bytes, &key, &e).unwrap_err().code(), "stale");
        let e = Expected { now: page().at - Duration::minutes(6), ..expected() };
        assert_eq!(FeedPage::open(&bytes, &key, &e).unwrap_err().code(), "ahead");
        // A kiosk whose clock runs hours ahead is told so, with the numbers.
        let e = Expected { now: page().at + Duration::minutes(192), ..expected() };
        let said = FeedPage::open(&bytes, &key, &e).unwrap_err().to_string();
        assert!(said.contains("3 h 12 min behind this device's clock"), "{said}");
        assert!(said.contains("this device's clock is ahead"), "{said}");
        let e = Expected { now: page().at + Duration::hours(3) - Duration::seconds(11), ..expected() };
        let said = FeedPage::open(&bytes, &key, &e).unwrap_err().to_string();
        assert!(said.contains("3 h 0 min behind"), "{said}");
        let e = Expected { now: page().at - Duration::hours(50), ..expected() };
        let said = FeedPage::open(&bytes, &key, &e).unwrap_err().to_string();
        assert!(said.contains("2 d 2 h ahead of this device's clock"), "{said}");
        let e = Expected { now: page().at + Duration::minutes(4), ..expected() };
        assert!(FeedPage::open(&bytes, &key, &e).is_ok(), "clocks a little apart");
    }

    #[test]
    fn a_role_statement_opens_only_for_its_device_and_from_the_root() {
        let at = expected().now;
        let statement = RoleStatement {
            format: ROLE_FORMAT.into(),
            station: "HKG".into(),
            device: expected().device,
            role: crate::DeviceRole::Kiosk,
            at,
        };
        let bytes = statement.seal("root#1", &root());
        let key = root().verifying_key();
        let device = expected().device;
        assert_eq!(RoleStatement::open(&bytes, &key, "HKG", device, at), Ok(statement.clone()));
        let other_root = SigningKey::from_bytes(&[9; 32]);
        assert_eq!(
            RoleStatement::open(&statement.seal("root#1", &other_root), &key, "HKG", device, at),
            Err(PageError::BadSignature)
        );
        assert_eq!(RoleStatement::open(&bytes, &key, "HKG", Uuid::now_v7(), at), Err(PageError::WrongDevice));
        assert!(matches!(
            RoleStatement::open(&bytes, &key, "PEK", device, at),
            Err(PageError::WrongStation(_))
        ));
        let later = at + CLOCK_STEP + Duration::seconds(1);
        assert!(matches!(
            RoleStatement::open(&bytes, &key, "HKG", device, later),
            Err(PageError::Stale { .. })
        ));
        // A feed page is not a role statement.
        assert!(matches!(
            RoleStatement::open(&page().seal("root#1", &root()), &key, "HKG", device, at),
            Err(PageError::Malformed(_))
        ));
    }

    #[test]
    fn any_changed_byte_breaks_the_signature() {
        let bytes = page().seal("GATECARE-ROOT", &root());
        let key = root().verifying_key();
        // Rewrite the agent's code in place, as a proxy would.
        let at = bytes.windows(2).position(|w| w == b"A1").unwrap();
        let mut forged = bytes.clone();
        forged[at + 1] = b'2';
        assert_eq!(FeedPage::open(&forged, &key, &expected()).unwrap_err(), PageError::BadSignature);
        assert_eq!(FeedPage::open(b"{\"items\":[]}", &key, &expected()).unwrap_err(), PageError::NotSigned);
        // A page signed by the root but with items outside its range.
        let mut bad = page();
        bad.items[1].server_seq = 13;
        let sealed = bad.seal("GATECARE-ROOT", &root());
        assert_eq!(FeedPage::open(&sealed, &key, &expected()).unwrap_err().code(), "malformed");
    }

    #[test]
    fn fingerprints_are_read_as_people_pass_them_on() {
        let key = root().verifying_key();
        let fp = fingerprint(&key);
        assert!(fp.starts_with("sha256:") && fp.len() == 71, "{fp}");
        assert_eq!(fingerprint_matches(&fp, &key), Some(true));
        let spaced: String = fp["sha256:".len()..]
            .to_uppercase()
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(fingerprint_matches(&spaced, &key), Some(true));
        let other = SigningKey::from_bytes(&[4u8; 32]).verifying_key();
        assert_eq!(fingerprint_matches(&fp, &other), Some(false));
        assert_eq!(fingerprint_matches("sha256:abc", &key), None);
    }
}
