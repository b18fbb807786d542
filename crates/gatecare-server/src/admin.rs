//! What an administrator does: enrolment codes, revocation, leases, and the
//! trust and void lists central distributes.

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::VerifyingKey;
use gatecare_server_database::{
    AgentRecord, Database, DbError, LeaseRecord, NewEnrolmentCode, RevocationRecord, StationFlight,
};
use gatecare_sync::{DeviceRole, Topic};
use gatecare_voucher::trust::{
    DeviceCert, KeptVoucher, Revocation, TrustList, VOID_FORMAT, VoidEntry, VoidList,
};
use uuid::Uuid;

use crate::{Central, random_bytes, secret_hash};

/// Letters and digits that cannot be mistaken for each other when read
/// aloud or typed on a kiosk (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Upper-cases and drops separators, so `abcd-efgh-jkmn` matches.
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

pub async fn issue_enrolment_code<D: Database>(
    db: &D,
    station: &str,
    role: DeviceRole,
    valid_for: Duration,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let raw = random_bytes::<12>()?;
    let code: String = raw.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect();
    db.add_enrolment_code(&NewEnrolmentCode {
        code_hash: secret_hash(&code),
        station: station.to_owned(),
        role,
        created_at: now,
        expires_at: now + valid_for,
    })
    .await?;
    Ok(format!("{}-{}-{}", &code[0..4], &code[4..8], &code[8..12]))
}

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

/// Revokes a device from `effective_at` (at most `now`: a theft found in
/// the morning is revoked from the night it happened). Its token stops
/// working at once. Its key leaves the trust list's devices and is listed
/// as revoked with the vouchers central had received from it by
/// `effective_at` and not voided: they stay valid until their own expiry;
/// every other voucher of that key is refused (a stolen key can backdate
/// one). Revoking a revoked device again moves its effective time (a hurried
/// revocation corrected to when the kiosk was lost). Reads the station's
/// feed back (a revocation is rare).
pub async fn revoke<D: Database>(
    c: &Central<D>,
    device: Uuid,
    effective_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let effective_at = effective_at.min(now);
    let Some(record) = c.db.devices().await?.into_iter().find(|d| d.id == device) else {
        return Ok(false);
    };
    let kept = if record.signing.is_some() {
        received_vouchers(c, &record, effective_at).await?
    } else {
        Vec::new()
    };
    if record.revoked_at.is_none() && !c.db.revoke_device(device, now).await? {
        return Ok(false);
    }
    let kept = serde_json::to_value(kept).map_err(DbError::backend)?;
    c.db.record_revocation(&RevocationRecord { device_id: device, effective_at, kept }).await?;
    publish_trust_list(c, now).await?;
    Ok(true)
}

/// The vouchers `device` pushed that central received in the
/// [`LONGEST_VOUCHER`] before `until`, less those voided since, as central
/// received them.
async fn received_vouchers<D: Database>(
    c: &Central<D>,
    device: &gatecare_server_database::DeviceRecord,
    until: DateTime<Utc>,
) -> Result<Vec<KeptVoucher>, DbError> {
    // A reader of the station's feed that is no device: every item is "another's".
    let reader = gatecare_server_database::DeviceRecord {
        id: Uuid::nil(),
        signing: None,
        high_seq: 0,
        ..device.clone()
    };
    let (mine, since) = (device.id.to_string(), until - LONGEST_VOUCHER);
    let mut kept = Vec::new();
    let mut after = 0;
    loop {
        let page = c.db.pull(&reader, after, gatecare_sync::MAX_PAGE).await?;
        for item in &page.items {
            let body = &item.body;
            if item.topic == Topic::Event
                && item.at >= since
                && item.at <= until
                && body["device"] == mine.as_str()
                && body["kind"] == "issued"
                && let Some(k) = kept_voucher(&body["payload"])
            {
                kept.push(k);
            }
        }
        after = page.next_after;
        if !page.more {
            break;
        }
    }
    let mut standing = Vec::with_capacity(kept.len());
    for k in kept {
        if c.db.void_of(&k.voucher_id.to_string()).await?.is_none() {
            standing.push(k);
        }
    }
    Ok(standing)
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

/// Leases a flight's issuance to one device until `until`.
pub async fn lease_flight<D: Database>(
    db: &D,
    device: Uuid,
    station: &str,
    flight_id: &str,
    until: DateTime<Utc>,
    granted_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    db.grant_lease(&LeaseRecord {
        id: Uuid::now_v7(),
        scope: "flight".into(),
        key: flight_id.to_owned(),
        device_id: device,
        station: station.to_owned(),
        expires_at: until,
        granted_by: granted_by.to_owned(),
        granted_at: now,
    })
    .await
}

/// Hashes a PIN as the consoles check it: argon2id, 64 MiB, 9 passes (about
/// 250 ms on a gate PC, so guessing offline is slow).
pub fn hash_pin(pin: &str) -> Result<String, DbError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if pin.len() < 6 || pin.len() > 32 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DbError::Backend("a PIN is 6 to 32 digits".into()));
    }
    let params = argon2::Params::new(64 * 1024, 9, 1, None).map_err(DbError::backend)?;
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(DbError::backend)?;
    Ok(hasher.hash_password(pin.as_bytes(), &salt).map_err(DbError::backend)?.to_string())
}

/// Adds or updates a gate agent; every console at the station receives it.
pub async fn set_agent<D: Database>(db: &D, agent: &AgentRecord, now: DateTime<Utc>) -> Result<i64, DbError> {
    let bad = |what: &str| Err(DbError::Backend(format!("invalid agent: {what}")));
    // Stored as consoles compare it at sign-in: `a1001` is `A1001`.
    let Ok(code) = gatecare_core::AgentCode::parse(&agent.code) else {
        return bad("the code is 1 to 16 letters and digits");
    };
    let agent = &AgentRecord { code: code.to_string(), ..agent.clone() };
    if gatecare_core::Role::parse(&agent.role).is_err() {
        return bad("the role is agent, supervisor or duty_manager");
    }
    if agent.name.trim().is_empty() || agent.name.chars().count() > 80 {
        return bad("a name of 1 to 80 characters");
    }
    if !agent.pin_hash.starts_with("$argon2id$") {
        return bad("the PIN hash must be argon2id");
    }
    db.upsert_agent(agent, now).await
}

/// Gives a station device a new role (`admin role`). The device learns it
/// from central's signed word within the hour. A device made a console is
/// sent the station's agents again: as a kiosk its feed skipped them.
/// Returns how many agents were published again.
pub async fn set_role<D: Database>(
    db: &D,
    device: uuid::Uuid,
    role: DeviceRole,
    now: DateTime<Utc>,
) -> Result<Option<usize>, DbError> {
    let Some(station) = db.devices().await?.into_iter().find(|d| d.id == device).map(|d| d.station) else {
        return Ok(None);
    };
    if !db.set_device_role(device, role).await? {
        return Ok(None);
    }
    let mut republished = 0;
    if role == DeviceRole::Console {
        for agent in db.station_agent_records(&station).await? {
            db.upsert_agent(&agent, now).await?;
            republished += 1;
        }
    }
    Ok(Some(republished))
}

/// What an import of station data published.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StationImport {
    pub station: String,
    pub flights: usize,
    pub bookings: usize,
    pub profiles: usize,
    pub hotel_blocks: usize,
    pub lounges: usize,
    pub star_bands: usize,
    pub disruptions: usize,
    pub policy: bool,
    pub feed_items: usize,
    pub first_server_seq: Option<i64>,
    pub last_server_seq: Option<i64>,
    /// What is new or different from what central last published for the
    /// station, so the airline sees what the import changed.
    pub changes: ImportChanges,
}

/// What an import changes: records new to the station, and records whose
/// fields differ from the last published (each change in words).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportChanges {
    pub flights_new: usize,
    pub bookings_new: usize,
    pub profiles_new: usize,
    /// "AC0008 (2f1c…): number 008 → 8", "booking P… on AC8: seat 12A → 14C".
    pub changed: Vec<String>,
}

/// How many changes an import lists by name; the rest are counted.
const CHANGES_LISTED: usize = 200;

/// Flights by id, bookings by (flight, passenger), profiles by passenger.
type Published = (
    std::collections::HashMap<Uuid, gatecare_sync::station::FlightData>,
    std::collections::HashMap<(Uuid, Uuid), gatecare_sync::station::BookingData>,
    std::collections::HashMap<Uuid, gatecare_sync::station::LoyaltyData>,
);

/// The flights, bookings and profiles central last published for `station`,
/// read back from its feed (an import is rare; the feed is the record).
async fn published<D: Database>(db: &D, station: &str, now: DateTime<Utc>) -> Result<Published, DbError> {
    use gatecare_sync::station::{BookingData, FlightData, LoyaltyData};
    // A reader of the station's feed that is no device (nil id: every item is "another's").
    let reader = gatecare_server_database::DeviceRecord {
        id: Uuid::nil(),
        name: "station-data import".into(),
        station: station.to_owned(),
        role: DeviceRole::Kiosk,
        signing: None,
        enrolled_at: now,
        revoked_at: None,
        high_seq: 0,
    };
    let mut flights: std::collections::HashMap<Uuid, FlightData> = Default::default();
    let mut bookings: std::collections::HashMap<(Uuid, Uuid), BookingData> = Default::default();
    let mut profiles: std::collections::HashMap<Uuid, LoyaltyData> = Default::default();
    let mut after = 0;
    loop {
        let page = db.pull(&reader, after, gatecare_sync::MAX_PAGE).await?;
        for item in &page.items {
            match item.topic {
                Topic::Flight => {
                    if let Ok(f) = serde_json::from_value::<FlightData>(item.body.clone()) {
                        flights.insert(f.id, f);
                    }
                }
                Topic::Manifest => {
                    let list = item.body.get("bookings").cloned().unwrap_or_default();
                    for b in serde_json::from_value::<Vec<BookingData>>(list).unwrap_or_default() {
                        bookings.insert((b.flight_id, b.passenger_id), b);
                    }
                }
                Topic::Loyalty => {
                    let list = item.body.get("profiles").cloned().unwrap_or_default();
                    for l in serde_json::from_value::<Vec<LoyaltyData>>(list).unwrap_or_default() {
                        profiles.insert(l.passenger_id, l);
                    }
                }
                _ => {}
            }
        }
        after = page.next_after;
        if !page.more {
            break;
        }
    }
    Ok((flights, bookings, profiles))
}

/// The fields of two records that differ, as "field old → new".
fn differences(old: &impl serde::Serialize, new: &impl serde::Serialize) -> Vec<String> {
    let (old, new) =
        (serde_json::to_value(old).unwrap_or_default(), serde_json::to_value(new).unwrap_or_default());
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else { return Vec::new() };
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k} {} → {}", show(old.get(k)), show(Some(v))))
        .collect()
}

/// A flight as people name it, in its normal form (`AC8`).
/// The flight part of the entitlement keys of `f`'s passengers, as the
/// devices make them: designator and scheduled local date at the origin.
fn key_prefix(f: &gatecare_sync::station::FlightData) -> String {
    let local = f.scheduled_departure.with_timezone(&gatecare_reference::time_zone(&f.origin));
    format!("{}/{}", designator(f), local.format("%Y-%m-%d"))
}

fn designator(f: &gatecare_sync::station::FlightData) -> String {
    gatecare_core::FlightDesignator::parse(&format!("{}{}", f.carrier, f.number))
        .map_or_else(|_| format!("{}{}", f.carrier, f.number), |d| d.to_string())
}

/// What `data` changes against what was published before it.
fn changes(data: &gatecare_sync::station::StationData, before: &Published) -> ImportChanges {
    let (flights, bookings, profiles) = before;
    let mut out = ImportChanges::default();
    let mut changed = Vec::new();
    for f in &data.flights {
        match flights.get(&f.id) {
            None => out.flights_new += 1,
            Some(old) => {
                // The same flight spelled differently ("008", "0008") is no
                // change; a new number reads in its normal form.
                let mut diff = differences(old, f);
                diff.retain(|d| !d.starts_with("number "));
                if designator(old) != designator(f) {
                    diff.insert(0, format!("flight number {} → {}", designator(old), designator(f)));
                }
                if !diff.is_empty() {
                    changed.push(format!("flight {}: {}", designator(f), diff.join("; ")));
                }
            }
        }
    }
    let name =
        |id: &Uuid| data.flights.iter().find(|f| f.id == *id).map_or_else(|| id.to_string(), designator);
    for b in &data.bookings {
        match bookings.get(&(b.flight_id, b.passenger_id)) {
            None => out.bookings_new += 1,
            Some(old) => {
                let diff = differences(old, b);
                if !diff.is_empty() {
                    changed.push(format!(
                        "booking of {}/{} on {}: {}",
                        b.surname,
                        b.given_names,
                        name(&b.flight_id),
                        diff.join("; ")
                    ));
                }
            }
        }
    }
    for l in &data.loyalty {
        match profiles.get(&l.passenger_id) {
            None => out.profiles_new += 1,
            Some(old) => {
                let diff = differences(old, l);
                if !diff.is_empty() {
                    // Named as the bookings name them, with the id to look up.
                    let who = data
                        .bookings
                        .iter()
                        .find(|b| b.passenger_id == l.passenger_id)
                        .map_or_else(String::new, |b| format!("{}/{} ", b.surname, b.given_names));
                    changed.push(format!("profile of {who}({}): {}", l.passenger_id, diff.join("; ")));
                }
            }
        }
    }
    let more = changed.len().saturating_sub(CHANGES_LISTED);
    changed.truncate(CHANGES_LISTED);
    if more > 0 {
        changed.push(format!("… and {more} more changes"));
    }
    out.changed = changed;
    out
}

#[derive(Debug, thiserror::Error)]
pub enum StationImportError {
    // The path and reason are this error's own text: not a `source` as
    // well, or `{:#}` would print them twice.
    #[error("station data refused, nothing published: {0}")]
    Invalid(gatecare_sync::station::StationDataError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Publishes a station's data to its feed, after checking all of it (one
/// bad record refuses the document; nothing is published). Kiosks apply
/// every item as an upsert, so importing the same document again is safe —
/// which is also how an import interrupted half-way is finished.
pub async fn import_station_data<D: Database>(
    db: &D,
    data: &gatecare_sync::station::StationData,
    now: DateTime<Utc>,
) -> Result<StationImport, StationImportError> {
    data.check().map_err(StationImportError::Invalid)?;
    // What only central can tell: a disruption names a flight of the same
    // document (operations publish the flight with it) and a cause the care
    // engine knows.
    let flights: std::collections::HashSet<_> = data.flights.iter().map(|f| f.id).collect();
    for (i, d) in data.disruptions.iter().enumerate() {
        let bad = |field: &str, reason: &str| {
            StationImportError::Invalid(gatecare_sync::station::StationDataError {
                path: format!("disruptions[{i}].{field}"),
                reason: reason.to_owned(),
            })
        };
        if !flights.contains(&d.flight_id) {
            return Err(bad("flight_id", "not a flight of this document"));
        }
        if gatecare_care::cause::Cause::parse(&d.cause).is_none() {
            return Err(bad("cause", "not a cause category or an IATA delay code"));
        }
    }
    let before = published(db, &data.station, now).await?;
    // A flight already published under another id (the same carrier,
    // number in its normal form and departure) would be a second copy of
    // it on every device, which they cannot store: refused, by its path.
    for (i, f) in data.flights.iter().enumerate() {
        if let Some(old) = before.0.values().find(|o| {
            o.id != f.id && designator(o) == designator(f) && o.scheduled_departure == f.scheduled_departure
        }) {
            return Err(StationImportError::Invalid(gatecare_sync::station::StationDataError {
                path: format!("flights[{i}].id"),
                reason: format!(
                    "{} at {} is already published as flight {}; keep that id",
                    designator(f),
                    f.scheduled_departure.to_rfc3339(),
                    old.id
                ),
            }));
        }
    }
    let changes = changes(data, &before);
    let station_flights: Vec<StationFlight> = data
        .flights
        .iter()
        .map(|f| StationFlight { id: f.id.to_string(), key_prefix: key_prefix(f) })
        .collect();
    db.record_station_flights(&data.station, &station_flights).await?;
    let items = data.feed_items();
    let mut seqs = Vec::with_capacity(items.len());
    for (topic, body) in &items {
        seqs.push(db.publish(&data.station, *topic, body, now).await?);
    }
    Ok(StationImport {
        station: data.station.clone(),
        flights: data.flights.len(),
        bookings: data.bookings.len(),
        profiles: data.loyalty.len(),
        hotel_blocks: data.hotel_blocks.len(),
        lounges: data.lounges.len(),
        star_bands: data.star_bands.len(),
        disruptions: data.disruptions.len(),
        policy: data.policy.is_some(),
        feed_items: items.len(),
        first_server_seq: seqs.first().copied(),
        last_server_seq: seqs.last().copied(),
        changes,
    })
}

/// Why central cannot explain a voucher.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no voucher {0} (id or serial) was pushed to central")]
    UnknownVoucher(String),
    #[error(
        "voucher {0}'s issued event carries no decision (pushed by a device from before decisions were \
         recorded, or without one): nothing to replay"
    )]
    NoDecision(String),
    #[error("the recorded decision does not read: {0}")]
    Unreadable(String),
    #[error("central holds no text of policy {0}")]
    NoPolicy(String),
    #[error(transparent)]
    Replay(#[from] gatecare_care::decision::ReplayError),
}

/// A voucher's decision replayed from what its device pushed with it.
pub struct Explained {
    /// The record, the replay and whether it reproduced, as JSON.
    pub report: serde_json::Value,
    pub reproduced: bool,
}

/// Replays the decision a device recorded with a voucher's `issued` event,
/// under the policy text stored with it and the rules' versions compiled in.
pub async fn explain<D: Database>(db: &D, voucher_id: &str) -> Result<Explained, ExplainError> {
    let payload =
        db.issued_event(voucher_id).await?.ok_or_else(|| ExplainError::UnknownVoucher(voucher_id.into()))?;
    let decision = payload.get("decision").ok_or_else(|| ExplainError::NoDecision(voucher_id.into()))?;
    let decision: gatecare_care::DecisionRecord =
        serde_json::from_value(decision.clone()).map_err(|e| ExplainError::Unreadable(e.to_string()))?;
    let text = db
        .decision_policy(&decision.policy)
        .await?
        .ok_or_else(|| ExplainError::NoPolicy(decision.policy.clone()))?;
    // The text was checked against its hash on ingest; replay_stored checks again.
    let replay = gatecare_care::decision::replay_stored(&decision, &text, &gatecare_care::rules::COMPILED)?;
    let reproduced = replay.reproduced();
    let report = serde_json::json!({
        "voucher_id": payload.get("voucher_id"),
        "device": payload.get("device"),
        "serial": payload.get("serial"),
        "entitlement_key": payload.get("entitlement_key"),
        "recorded": decision,
        "replay": replay,
        "reproduced": reproduced,
    });
    Ok(Explained { report, reproduced })
}
