//! Enrolment: the device joins the airline with an administrator's
//! one-time code, after checking central's root key against the fingerprint
//! printed with it.

use chrono::{DateTime, Utc};
use gatecare_store::central::Enrolment;
use gatecare_store::store::rfc3339;
use gatecare_store::{Store, StoreError};
use gatecare_sync::EnrolRequest;

use crate::client::{CentralClient, SyncError};

/// Enrols this kiosk with central using an administrator's one-time code
/// and the root key's fingerprint printed with it, registering its
/// voucher-signing key.
pub async fn enrol_with_central(
    store: &Store,
    central_url: &str,
    code: &str,
    root_fingerprint: &str,
    device: &str,
    now: DateTime<Utc>,
) -> Result<Enrolment, SyncError> {
    enrol_with_central_trusting(store, central_url, None, code, root_fingerprint, device, now).await
}

/// As [`enrol_with_central`], trusting `ca_pem` (the airline's
/// CA, PEM) for central's TLS certificate from now on.
pub async fn enrol_with_central_trusting(
    store: &Store,
    central_url: &str,
    ca_pem: Option<&str>,
    code: &str,
    root_fingerprint: &str,
    device: &str,
    now: DateTime<Utc>,
) -> Result<Enrolment, SyncError> {
    let enrolled_as: Option<Option<String>> =
        sqlx::query_scalar("SELECT device_code FROM sync_enrolment WHERE id = 1")
            .fetch_optional(store.pool())
            .await
            .map_err(StoreError::from)?;
    if let Some(Some(enrolled)) = enrolled_as
        && enrolled != device
    {
        return Err(SyncError::AnotherDevice { enrolled, asked: device.to_owned() });
    }
    let client = CentralClient::trusting(central_url, None, ca_pem)?;
    // The root first: a central that is not the airline's never sees
    // the one-time code.
    let root = client.root().await?;
    let key = gatecare_voucher::trust::verifying_key(&root.public_key)
        .ok_or_else(|| SyncError::Protocol("central's root key is not an Ed25519 key".into()))?;
    match gatecare_sync::page::fingerprint_matches(root_fingerprint, &key) {
        None => return Err(SyncError::BadFingerprint(root_fingerprint.to_owned())),
        Some(false) => {
            return Err(SyncError::RootMismatch {
                given: root_fingerprint.trim().to_owned(),
                got: gatecare_sync::page::fingerprint(&key),
            });
        }
        Some(true) => {}
    }
    let signer = store.device_signer(device, now).await?;
    let public = signer.public_hex();
    let resp = client
        .enrol(&EnrolRequest {
            code: code.to_owned(),
            name: device.to_owned(),
            signing_kid: Some(signer.kid.clone()),
            signing_public_key: Some(public),
        })
        .await?;
    let role = resp.role;
    let e = Enrolment {
        central_url: central_url.trim_end_matches('/').to_owned(),
        device_id: resp.device_id,
        station: resp.station,
        token: resp.token,
        ca_pem: ca_pem.map(str::to_owned),
        root_public_key: Some(root.public_key.to_ascii_lowercase()),
    };
    // The enrolled station is the store's: everything the feed delivers
    // is stored for it.
    let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
    // A replaced device's key takes the next free number central gave
    // it, and its serials that number, so none repeats the old device's.
    let mut serial_prefix = None;
    if let Some(kid) = resp.signing_kid.as_deref().filter(|kid| *kid != signer.kid) {
        sqlx::query("UPDATE device_keys SET kid = ? WHERE kid = ?")
            .bind(kid)
            .bind(&signer.kid)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        if let Some((_, n)) = kid.rsplit_once('#') {
            serial_prefix = Some(format!("{device}.{n}"));
        }
    }
    sqlx::query(
            "INSERT INTO sync_enrolment (id, central_url, device_id, station, token, enrolled_at, ca_pem, device_code, root_public_key, serial_prefix) \
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET central_url = excluded.central_url, device_id = excluded.device_id, \
             station = excluded.station, token = excluded.token, enrolled_at = excluded.enrolled_at, \
             ca_pem = excluded.ca_pem, device_code = excluded.device_code, root_public_key = excluded.root_public_key, \
             serial_prefix = COALESCE(excluded.serial_prefix, sync_enrolment.serial_prefix)",
        )
        .bind(&e.central_url)
        .bind(e.device_id.to_string())
        .bind(&e.station)
        .bind(&e.token)
        .bind(rfc3339(now))
        .bind(&e.ca_pem)
        .bind(device)
        .bind(&e.root_public_key)
        .bind(&serial_prefix)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('station', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(&e.station)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    // The role central gave: a kiosk's store starts a kiosk, never a console.
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('enrolled_role', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(role.as_str())
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(e)
}
