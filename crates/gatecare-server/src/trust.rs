//! The trust and void lists central distributes: device keys certified by
//! the airline's root, their rotation and revocation, voided vouchers.

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::VerifyingKey;
use gatecare_server_database::{Database, DbError, RefusedVoucher, RevocationRecord};
pub use gatecare_sync::KEY_REVOKED;
use gatecare_sync::Topic;
use gatecare_voucher::trust::{
    DeviceCert, KeptVoucher, Revocation, TrustList, VOID_FORMAT, VoidEntry, VoidList,
};
use uuid::Uuid;

use crate::Central;

/// The current trust list: every active kiosk's certified signing key.
pub async fn trust_list<D: Database>(c: &Central<D>, now: DateTime<Utc>) -> Result<TrustList, DbError> {
    let mut list = TrustList::new(&c.root_kid, &c.root, now);
    let revocations: std::collections::HashMap<Uuid, RevocationRecord> =
        c.db.revocations().await?.into_iter().map(|r| (r.device_id, r)).collect();
    // Every device's current key, then the keys it rotated away from whose
    // certificates still run (their vouchers verify until then).
    let current = c.db.devices().await?.into_iter().filter_map(|d| {
        let revoked = d.revoked_at.is_some();
        d.signing.map(|s| (d.id, d.station, revoked, s))
    });
    let retired = c.db.retired_keys().await?.into_iter().filter(|k| k.signing.not_after > now);
    for (device, station, revoked, s) in
        current.chain(retired.map(|k| (k.device_id, k.station, k.revoked, k.signing)))
    {
        match (revoked, revocations.get(&device)) {
            (false, _) => list.devices.push(device_cert(&station, s)),
            (true, Some(r)) => list.revoked.push(revocation(c, &station, s, r)),
            // Revoked before revocations had a time: nothing of it stands.
            (true, None) => {}
        }
    }
    Ok(list)
}

/// Verifies one scanned voucher as [`trust_list`] and [`void_list`] would,
/// reading only what it needs: its signer's certificate and its own void
/// entry, never every device and the whole void list (one per redemption).
pub async fn verify_one<D: Database>(
    c: &Central<D>,
    qr: &str,
    decoded: Option<&gatecare_voucher::signed::Unverified>,
    now: DateTime<Utc>,
) -> Result<gatecare_voucher::Verification, DbError> {
    let mut trust = TrustList::new(&c.root_kid, &c.root, now);
    if let Some(u) = decoded {
        let key = match c.db.device_by_kid(&u.kid).await? {
            Some(d) => d.signing.map(|s| (d.id, d.station, d.revoked_at.is_some(), s)),
            None => c.db.retired_key(&u.kid).await?.map(|k| (k.device_id, k.station, k.revoked, k.signing)),
        };
        if let Some((device, station, revoked, signing)) = key {
            if !revoked {
                trust.devices.push(device_cert(&station, signing));
            } else if let Some(r) = c.db.revocation_of(device).await? {
                trust.revoked.push(revocation(c, &station, signing, &r));
            }
        }
    }
    let mut voids = VoidList { format: VOID_FORMAT.into(), issued_at: Some(now), voided: Vec::new() };
    if let Some(u) = decoded
        && let Some(v) = c.db.void_of(&u.payload.voucher_id.to_string()).await?
        && let Ok(voucher_id) = Uuid::parse_str(&v.voucher_id)
    {
        voids.voided.push(VoidEntry { voucher_id, voided_at: v.voided_at, reason: v.reason });
    }
    Ok(gatecare_voucher::verify(qr, &trust, &voids, now))
}

pub async fn void_list<D: Database>(db: &D, now: DateTime<Utc>) -> Result<VoidList, DbError> {
    let mut voided = Vec::new();
    for v in db.void_list().await? {
        // Only UUID voucher ids can be on the wire list; others are kept
        // server-side (they cannot be on a signed voucher anyway).
        if let Ok(voucher_id) = Uuid::parse_str(&v.voucher_id) {
            voided.push(VoidEntry { voucher_id, voided_at: v.voided_at, reason: v.reason });
        }
    }
    Ok(VoidList { format: VOID_FORMAT.into(), issued_at: Some(now), voided })
}

/// Publishes the trust list to every station's feed.
pub async fn publish_trust_list<D: Database>(c: &Central<D>, now: DateTime<Utc>) -> Result<i64, DbError> {
    let list = trust_list(c, now).await?;
    let body = serde_json::to_value(&list).map_err(DbError::backend)?;
    c.db.publish("*", Topic::TrustList, &body, now).await
}

/// How long a device key's certificate runs.
pub const CERTIFICATE_DAYS: i64 = 400;

/// Certifies a kiosk's signing key. Vouchers it signed in the day before
/// enrolment (set up and tested offline) still verify.
pub fn certify(
    c: &Central<impl Database>,
    kid: &str,
    key: &VerifyingKey,
    station: &str,
    now: DateTime<Utc>,
) -> gatecare_server_database::SigningKeyRecord {
    certify_from(c, kid, key, station, now - Duration::days(1), now)
}

/// Certifies a key for vouchers dated from `not_before` until
/// [`CERTIFICATE_DAYS`] after `now`.
fn certify_from(
    c: &Central<impl Database>,
    kid: &str,
    key: &VerifyingKey,
    station: &str,
    not_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> gatecare_server_database::SigningKeyRecord {
    let mut list = TrustList::new(&c.root_kid, &c.root, now);
    list.certify(&c.root, kid, key, station, not_before, now + Duration::days(CERTIFICATE_DAYS));
    let cert = &list.devices[0];
    gatecare_server_database::SigningKeyRecord {
        kid: cert.kid.clone(),
        public_key: cert.public_key.clone(),
        not_before: cert.not_before,
        not_after: cert.not_after,
        certificate: cert.certificate.clone(),
    }
}

/// Certifies again every active device whose stored certificate this root
/// does not verify — those signed over sub-second instants that storage then
/// rounded (before certificates' instants had one form). The validity window
/// stays, in whole seconds. Publishes the trust list when any changed;
/// returns how many did.
pub async fn recertify_devices<D: Database>(c: &Central<D>, now: DateTime<Utc>) -> Result<usize, DbError> {
    let root = c.root.verifying_key();
    let mut changed = 0;
    for d in c.db.devices().await? {
        let Some(s) = d.signing.filter(|_| d.revoked_at.is_none()) else { continue };
        let cert = device_cert(&d.station, s.clone());
        if cert.is_certified_by(&root) {
            continue;
        }
        let Some(key) = gatecare_voucher::trust::verifying_key(&s.public_key) else {
            tracing::warn!(device = %d.id, kid = %s.kid, "stored signing key is not a key; left uncertified");
            continue;
        };
        let mut list = TrustList::new(&c.root_kid, &c.root, now);
        list.certify(&c.root, &s.kid, &key, &d.station, s.not_before, s.not_after);
        let cert = &list.devices[0];
        let record = gatecare_server_database::SigningKeyRecord {
            not_before: cert.not_before,
            not_after: cert.not_after,
            certificate: cert.certificate.clone(),
            ..s
        };
        if c.db.recertify_device(d.id, &record).await? {
            tracing::info!(device = %d.id, kid = %record.kid, "certified the device's key again");
            changed += 1;
        }
    }
    if changed > 0 {
        publish_trust_list(c, now).await?;
    }
    Ok(changed)
}

/// A revoked key as the trust list carries it, signed by the root.
fn revocation<D: Database>(
    c: &Central<D>,
    station: &str,
    s: gatecare_server_database::SigningKeyRecord,
    r: &RevocationRecord,
) -> Revocation {
    // A list central cannot read keeps nothing: every voucher of the key is refused.
    let kept: Vec<KeptVoucher> = serde_json::from_value(r.kept.clone()).unwrap_or_default();
    // Revocations recorded with keys are published without them.
    let kept = kept.into_iter().map(KeptVoucher::without_ticket).collect();
    Revocation::new(&c.root, device_cert(station, s), r.effective_at, kept)
}

fn device_cert(station: &str, s: gatecare_server_database::SigningKeyRecord) -> DeviceCert {
    DeviceCert {
        kid: s.kid,
        public_key: s.public_key,
        station: station.to_owned(),
        not_before: s.not_before,
        not_after: s.not_after,
        certificate: s.certificate,
    }
}

/// Why a key rotation was refused (a stable code and words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRefused(pub &'static str, pub String);

/// Makes `key` (`kid`, the device's next key id: its code, `#` and a
/// higher number) an active device's signing key, certified from the
/// device's first certificate on, so a reprint of an older voucher under the
/// new key still verifies. The old key is retired: it stays on the trust
/// list until its certificate ends. A retry with the key already current
/// answers as the first time did.
pub async fn rotate_key<D: Database>(
    c: &Central<D>,
    device: &gatecare_server_database::DeviceRecord,
    kid: &str,
    key: &VerifyingKey,
    now: DateTime<Utc>,
) -> Result<Result<gatecare_server_database::SigningKeyRecord, RotationRefused>, DbError> {
    let Some(current) = device.signing.as_ref() else {
        return Ok(Err(RotationRefused("no_signing_key", "this device has no signing key to rotate".into())));
    };
    if current.kid == kid && gatecare_voucher::trust::verifying_key(&current.public_key).as_ref() == Some(key)
    {
        return Ok(Ok(current.clone()));
    }
    let (Some((prefix, n)), Some((next_prefix, m))) = (kid_parts(&current.kid), kid_parts(kid)) else {
        return Ok(Err(RotationRefused(
            "bad_kid",
            format!("{kid:?} is not the device's code, # and a number"),
        )));
    };
    if prefix != next_prefix || m <= n {
        return Ok(Err(RotationRefused(
            "bad_kid",
            format!("the key after {} is {prefix}#{} or later", current.kid, n + 1),
        )));
    }
    let not_before = first_not_before(c, device.id, current).await?;
    let next = certify_from(c, kid, key, &device.station, not_before, now);
    match c.db.rotate_key(device.id, &next, now).await {
        Ok(true) => {}
        Ok(false) => return Ok(Err(RotationRefused("device_revoked", "this device is revoked".into()))),
        Err(DbError::KidTaken(_)) => {
            return Ok(Err(RotationRefused(
                "signing_kid_taken",
                format!("{kid} was used before; take a higher number"),
            )));
        }
        Err(e) => return Err(e),
    }
    publish_trust_list(c, now).await?;
    Ok(Ok(next))
}

/// The earliest instant any of the device's certificates covers.
async fn first_not_before<D: Database>(
    c: &Central<D>,
    device: Uuid,
    current: &gatecare_server_database::SigningKeyRecord,
) -> Result<DateTime<Utc>, DbError> {
    let retired = c.db.retired_keys().await?;
    Ok(retired
        .iter()
        .filter(|k| k.device_id == device)
        .map(|k| k.signing.not_before)
        .fold(current.not_before, DateTime::min))
}

/// Whether `name` is a device code of `station`: the station, `-`, then 1
/// to 12 capital letters and digits (`HKG-K01`).
pub fn is_device_code(name: &str, station: &str) -> bool {
    name.strip_prefix(station).and_then(|rest| rest.strip_prefix('-')).is_some_and(|code| {
        (1..=12).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

/// `HKG-K01#2` → (`HKG-K01`, 2).
pub fn kid_parts(kid: &str) -> Option<(&str, u32)> {
    let (prefix, n) = kid.rsplit_once('#')?;
    let n: u32 = n.parse().ok()?;
    (!prefix.is_empty() && n > 0).then_some((prefix, n))
}

/// The first key id free of any device's, from `kid` up (`HKG-K01#1` taken
/// by a replaced kiosk → `HKG-K01#2`, …).
pub async fn free_kid<D: Database>(db: &D, kid: &str) -> Result<Option<String>, DbError> {
    let Some((prefix, first)) = kid_parts(kid) else { return Ok(None) };
    for n in first..first.saturating_add(1000) {
        let candidate = format!("{prefix}#{n}");
        if !db.kid_taken(&candidate).await? {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// How long a voucher can stay valid: vouchers received longer than this
/// before a revocation have expired and need not be kept.
pub const LONGEST_VOUCHER: Duration = Duration::days(7);

/// What a revocation did: the vouchers that stay valid, and those voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked {
    /// Received before the effective time and not voided: valid until their expiry.
    pub kept: usize,
    /// Received from the effective time on, voided by this revocation.
    pub voided: usize,
    /// Received from the effective time on but redeemed before the
    /// revocation: the merchant was paid, so they are not voided (review them).
    pub redeemed: usize,
}

/// Revokes a device from `effective_at` (at most `now`: a theft found in
/// the morning is revoked from the night it happened). Its token stops
/// working at once. Its key leaves the trust list's devices and is listed
/// as revoked with the vouchers central had received from it before
/// `effective_at` and not voided: they stay valid until their own expiry;
/// every other voucher of that key is refused (a stolen key can backdate
/// one). Those central received from `effective_at` on are voided too, so
/// their entitlements are free for an agent's replacement (a passenger
/// holding one of them, or whose care a thief took, is served again) and
/// reports do not count them (not those a merchant redeemed before the
/// revocation: paid for, they are counted for review). Revoking a revoked device again moves its
/// effective time (a hurried revocation corrected to when the kiosk was
/// lost); a void is never undone. Reads the station's feed back (a
/// revocation is rare). None when there is no such device.
pub async fn revoke<D: Database>(
    c: &Central<D>,
    device: Uuid,
    effective_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Revoked>, DbError> {
    let effective_at = effective_at.min(now);
    let Some(record) = c.db.devices().await?.into_iter().find(|d| d.id == device) else {
        return Ok(None);
    };
    // The token first: what a thief pushes while the feed is read back is
    // refused, not missed.
    if record.revoked_at.is_none() && !c.db.revoke_device(device, now).await? {
        return Ok(None);
    }
    let received = if record.signing.is_some() {
        received_vouchers(c, &record, effective_at).await?
    } else {
        Received::default()
    };
    let (kept, received_count) = (received.kept.len(), received.refused.len());
    let kept_list = serde_json::to_value(received.kept).map_err(DbError::backend)?;
    c.db.record_revocation(&RevocationRecord { device_id: device, effective_at, kept: kept_list }).await?;
    // One a merchant already redeemed was paid for: voiding it would count
    // it twice and offer its passenger care again.
    let mut unredeemed = Vec::with_capacity(received.refused.len());
    for v in received.refused {
        if c.db.redemption_of_voucher(&v.voucher_id).await?.is_none() {
            unredeemed.push(v);
        }
    }
    let redeemed = received_count - unredeemed.len();
    let voided = c.db.void_refused(&unredeemed, KEY_REVOKED, now).await?;
    publish_trust_list(c, now).await?;
    Ok(Some(Revoked { kept, voided, redeemed }))
}

/// A revoked device's vouchers as central received them.
#[derive(Default)]
struct Received {
    /// Before the effective time, not voided since.
    kept: Vec<KeptVoucher>,
    /// From the effective time on.
    refused: Vec<RefusedVoucher>,
}

/// The vouchers `device` pushed that central received in the
/// [`LONGEST_VOUCHER`] before `until` (less those voided since), and those
/// it received from `until` on.
async fn received_vouchers<D: Database>(
    c: &Central<D>,
    device: &gatecare_server_database::DeviceRecord,
    until: DateTime<Utc>,
) -> Result<Received, DbError> {
    // A reader of the station's feed that is no device: every item is "another's".
    let reader = gatecare_server_database::DeviceRecord {
        id: Uuid::nil(),
        signing: None,
        high_seq: 0,
        ..device.clone()
    };
    let (mine, since) = (device.id.to_string(), until - LONGEST_VOUCHER);
    let mut received = Received::default();
    let mut after = 0;
    loop {
        let page = c.db.pull(&reader, after, gatecare_sync::MAX_PAGE).await?;
        for item in &page.items {
            let body = &item.body;
            if item.topic != Topic::Event
                || item.at < since
                || body["device"] != mine.as_str()
                || body["kind"] != "issued"
            {
                continue;
            }
            let payload = &body["payload"];
            if item.at >= until {
                let text = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                if let (Some(entitlement_key), Some(voucher_id)) =
                    (text("entitlement_key"), text("voucher_id"))
                {
                    received.refused.push(RefusedVoucher { entitlement_key, voucher_id });
                }
            } else if let Some(k) = kept_voucher(payload) {
                received.kept.push(k);
            }
        }
        after = page.next_after;
        if !page.more {
            break;
        }
    }
    let mut standing = Vec::with_capacity(received.kept.len());
    for k in received.kept {
        if c.db.void_of(&k.voucher_id.to_string()).await?.is_none() {
            standing.push(k);
        }
    }
    received.kept = standing;
    Ok(received)
}

/// What an `issued` event's payload says of its voucher, as the voucher's
/// QR carries it (None when a field is missing).
fn kept_voucher(p: &serde_json::Value) -> Option<KeptVoucher> {
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Some(
        KeptVoucher {
            voucher_id: Uuid::parse_str(p.get("voucher_id")?.as_str()?).ok()?,
            entitlement_key: text("entitlement_key"),
            flight: None,
            flight_date: None,
            kind: text("kind")?,
            value_minor: p.get("value_minor")?.as_i64()?,
            currency: text("currency")?,
            serial: text("serial")?,
            valid_from: DateTime::parse_from_rfc3339(p.get("at")?.as_str()?).ok()?.timestamp(),
        }
        .without_ticket(),
    )
}
