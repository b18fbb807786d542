//! The online claim before an issuance: central's compare-and-swap on an
//! entitlement, so two devices of a station never both issue it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gatecare_store::store::rfc3339;
use gatecare_store::{LedgerError, Store, StoreError};
use gatecare_sync::{ClaimRequest, ClaimResponse};
use serde::Serialize;

use crate::client::CentralClient;

/// What the online claim before an issuance found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimCheck {
    /// Central granted it: no other device will issue it.
    Granted,
    /// Not needed: standalone (not enrolled), leased to this device, or
    /// already issued here (a reprint).
    NotNeeded,
    /// Central did not answer in time: issue offline (the caps apply) and
    /// let central settle any double issuance.
    Unreachable,
}

/// How long a kiosk waits for central's claim answer before issuing offline.
pub const CLAIM_TIMEOUT: Duration = Duration::from_secs(2);

/// The online compare-and-swap before issuing an entitlement that is not
/// leased to this device (the issue's §5). A refusal is an error; an
/// unreachable central is not.
pub async fn claim_before_issue(
    store: &Store,
    device: &str,
    passenger_id: &str,
    flight_id: &str,
    kind: gatecare_ledger::EntitlementKind,
    ordinal: u32,
    now: DateTime<Utc>,
) -> Result<ClaimCheck, LedgerError> {
    let Some(enrolment) = store.enrolment().await? else { return Ok(ClaimCheck::NotNeeded) };
    let key = store.entitlement_key(passenger_id, flight_id, kind, ordinal).await?;
    if held_here(store, device, flight_id, &key, now).await? {
        return Ok(ClaimCheck::NotNeeded);
    }
    let client = CentralClient::for_enrolment(&enrolment).map_err(|e| StoreError::Data(e.to_string()))?;
    // The voucher id is not known before issuing; central confirms this
    // device's claim whatever voucher it then pushes.
    let req = ClaimRequest {
        entitlement_key: key.clone(),
        voucher_id: format!("claim:{}", enrolment.device_id),
        flight_id: flight_id.to_owned(),
    };
    match tokio::time::timeout(CLAIM_TIMEOUT, client.claim(&req)).await {
        Ok(Ok(answer)) => answered(store, device, &req, answer, now).await,
        Ok(Err(e @ crate::SyncError::Revoked)) => Err(barred(store, e).await?),
        // Central answered and refused the claim (a bound: 429): not issued
        // unclaimed behind its back.
        Ok(Err(crate::SyncError::Rejected { status, code, message })) if status < 500 => {
            Err(LedgerError::Refused(format!("central refused the claim ({code}): {message}")))
        }
        Ok(Err(_)) | Err(_) => Ok(ClaimCheck::Unreachable),
    }
}

/// How long a console waits for central's answer to one batch of claims
/// before its bulk issuance goes on offline.
pub const BATCH_CLAIM_TIMEOUT: Duration = Duration::from_secs(10);

/// [`claim_before_issue`] for a console's bulk issuance: every entitlement
/// not already held here is claimed at central in batches of
/// [`gatecare_sync::MAX_CLAIMS_PER_BATCH`]. Answered in the order of
/// `entitlements`; a refusal is that entitlement's error alone. The whole
/// fails when this device is revoked or central refuses a batch (what was
/// granted is given back); when central is silent twice, the rest is
/// issued offline ([`ClaimCheck::Unreachable`]).
pub async fn claim_batch_before_issue(
    store: &Store,
    device: &str,
    entitlements: &[&gatecare_store::IssueRequest],
    now: DateTime<Utc>,
) -> Result<Vec<Result<ClaimCheck, LedgerError>>, LedgerError> {
    let not_needed = || entitlements.iter().map(|_| Ok(ClaimCheck::NotNeeded)).collect();
    let Some(enrolment) = store.enrolment().await? else { return Ok(not_needed()) };
    let mut checks: Vec<Result<ClaimCheck, LedgerError>> = Vec::with_capacity(entitlements.len());
    let mut asks: Vec<(usize, ClaimRequest)> = Vec::new();
    for (i, e) in entitlements.iter().enumerate() {
        let key = match store.entitlement_key(&e.passenger_id, &e.flight_id, e.kind, e.ordinal).await {
            Ok(key) => key,
            // An unknown passenger: the issue itself says so.
            Err(_) => {
                checks.push(Ok(ClaimCheck::NotNeeded));
                continue;
            }
        };
        if held_here(store, device, &e.flight_id, &key, now).await? {
            checks.push(Ok(ClaimCheck::NotNeeded));
            continue;
        }
        checks.push(Ok(ClaimCheck::Unreachable));
        asks.push((
            i,
            ClaimRequest {
                entitlement_key: key,
                voucher_id: format!("claim:{}", enrolment.device_id),
                flight_id: e.flight_id.clone(),
            },
        ));
    }
    let client = CentralClient::for_enrolment(&enrolment).map_err(|e| StoreError::Data(e.to_string()))?;
    let mut granted: Vec<ClaimRequest> = Vec::new();
    for chunk in asks.chunks(gatecare_sync::MAX_CLAIMS_PER_BATCH) {
        let batch = gatecare_sync::ClaimBatch { claims: chunk.iter().map(|(_, r)| r.clone()).collect() };
        let mut answers = None;
        // Silent (no connection, no answer in time, a server error): once
        // more, then what is left is issued offline and central settles it.
        for _ in 0..2 {
            let refused = match tokio::time::timeout(BATCH_CLAIM_TIMEOUT, client.claim_batch(&batch)).await {
                Ok(Ok(a)) if a.answers.len() == chunk.len() => {
                    answers = Some(a.answers);
                    break;
                }
                Ok(Ok(_)) => LedgerError::Refused("central answered other claims than it was asked".into()),
                Ok(Err(e @ crate::SyncError::Revoked)) => barred(store, e).await?,
                // Central answered and refused the batch: nothing is issued
                // unclaimed behind its back.
                Ok(Err(crate::SyncError::Rejected { status, code, message })) if status < 500 => {
                    LedgerError::Refused(format!(
                        "central refused this bulk issuance's claims ({code}): {message}"
                    ))
                }
                Ok(Err(_)) | Err(_) => continue,
            };
            give_back(&client, &granted).await;
            return Err(refused);
        }
        let Some(answers) = answers else { break };
        for ((i, req), answer) in chunk.iter().zip(answers) {
            checks[*i] = answered(store, device, req, answer, now).await;
            if matches!(checks[*i], Ok(ClaimCheck::Granted)) {
                granted.push(req.clone());
            }
        }
    }
    Ok(checks)
}

/// Gives back claims a bulk issuance will not use (best effort: a claim not
/// given back lapses when its hold ends).
async fn give_back(client: &CentralClient, claims: &[ClaimRequest]) {
    for c in claims {
        let _ = tokio::time::timeout(CLAIM_TIMEOUT, client.release_claim(c)).await;
    }
}

/// Whether this device holds the entitlement `key` already: issued or
/// voided here, or leased to it. Then no claim is needed.
async fn held_here(
    store: &Store,
    device: &str,
    flight_id: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (here, leased) = sqlx::query_as::<_, (i64, i64)>(
            "SELECT \
               (SELECT COUNT(*) FROM ledger_events WHERE entitlement_key = ? AND event = 'issued') \
                 + (SELECT COUNT(*) FROM station_vouchers WHERE entitlement_key = ?1 AND void_reason IS NOT NULL) AS here, \
               (SELECT COUNT(*) FROM leases WHERE device = ? AND expires_at > ? AND \
                  ((scope = 'flight' AND key = ?) OR (scope = 'entitlement' AND key = ?))) AS leased",
        )
        .bind(key)
        .bind(device)
        .bind(rfc3339(now))
        .bind(flight_id)
        .bind(key)
        .fetch_one(store.pool())
        .await?;
    Ok(here > 0 || leased > 0)
}

/// What central's answer to one claim means for the issue.
async fn answered(
    store: &Store,
    device: &str,
    req: &ClaimRequest,
    answer: ClaimResponse,
    now: DateTime<Utc>,
) -> Result<ClaimCheck, LedgerError> {
    match answer {
        ClaimResponse::Granted => Ok(ClaimCheck::Granted),
        // Central says no more than "elsewhere": which device is not ours to know.
        ClaimResponse::Refused { reason } if reason == "not_your_station" => {
            Err(LedgerError::Refused("this flight is another station's".into()))
        }
        // Whether a lease holds it, the device tells from the leases the
        // feed brought it, if it has them yet.
        ClaimResponse::Refused { .. }
            if leased_elsewhere(store, device, &req.flight_id, &req.entitlement_key, now).await? =>
        {
            Err(LedgerError::LeasedElsewhere("another device".into()))
        }
        ClaimResponse::Refused { .. } => Err(LedgerError::IssuedElsewhere("another device".into())),
    }
}

/// Revoked: what it would print now merchants refuse, online or not.
async fn barred(store: &Store, e: crate::SyncError) -> Result<LedgerError, StoreError> {
    let why = format!("{}: {e}", e.code());
    store.bar_issuing(&why).await?;
    Ok(LedgerError::DeviceBarred(why))
}

/// Whether another device holds a lease of the flight, or of the
/// entitlement `key`, at `now`.
async fn leased_elsewhere(
    store: &Store,
    device: &str,
    flight_id: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let leases: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM leases WHERE device <> ? AND expires_at > ? AND \
           ((scope = 'flight' AND key = ?) OR (scope = 'entitlement' AND key = ?))",
    )
    .bind(device)
    .bind(rfc3339(now))
    .bind(flight_id)
    .bind(key)
    .fetch_one(store.pool())
    .await?;
    Ok(leases > 0)
}

/// Releases this device's claim on an entitlement whose issue failed
/// (no room left, a printer-less refusal…), so another device, or a
/// console, can issue it at once. Best effort: a claim not released
/// lapses when its hold ends.
pub async fn release_claim(
    store: &Store,
    passenger_id: &str,
    flight_id: &str,
    kind: gatecare_ledger::EntitlementKind,
    ordinal: u32,
) -> Result<(), StoreError> {
    let Some(enrolment) = store.enrolment().await? else { return Ok(()) };
    let key = match store.entitlement_key(passenger_id, flight_id, kind, ordinal).await {
        Ok(k) => k,
        Err(_) => return Ok(()),
    };
    let Ok(client) = CentralClient::for_enrolment(&enrolment) else { return Ok(()) };
    let req = ClaimRequest {
        entitlement_key: key.clone(),
        voucher_id: format!("claim:{}", enrolment.device_id),
        flight_id: flight_id.to_owned(),
    };
    let _ = tokio::time::timeout(CLAIM_TIMEOUT, client.release_claim(&req)).await;
    Ok(())
}
