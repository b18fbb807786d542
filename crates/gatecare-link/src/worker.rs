//! One round of sync (push a batch of the log, pull a page of the feed),
//! key renewal, and the background worker that runs rounds with backoff.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gatecare_store::Store;
use gatecare_store::central::Enrolment;
use gatecare_store_sync::SyncStore;
use gatecare_sync::{Event, Expected, FeedPage, PushResponse, RotateKeyRequest};
use serde::Serialize;

use crate::client::{CentralClient, PULL_PAGE, PUSH_BATCH, SyncError};

/// What one round of sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncRound {
    pub pushed: usize,
    pub pulled: usize,
    /// More to push or pull: go again without waiting.
    pub more: bool,
}

/// One round: push a batch of the backlog, then pull a page of the feed.
/// When central has revoked this device, or another device uses its
/// identity, the store stops issuing for good (`Store::bar_issuing`): what
/// it would sign merchants refuse.
pub async fn sync_once(
    store: &Store,
    client: &CentralClient,
    enrolment: &Enrolment,
    my_code: &str,
    now: DateTime<Utc>,
) -> Result<SyncRound, SyncError> {
    let round = sync_round(store, client, enrolment, my_code, now).await;
    if let Err(e @ (SyncError::Revoked | SyncError::IdentityClash { .. })) = &round {
        store.bar_issuing(&format!("{}: {e}", e.code())).await?;
        tracing::error!(code = e.code(), "this device stops issuing: {e}");
    }
    round
}

async fn sync_round(
    store: &Store,
    client: &CentralClient,
    enrolment: &Enrolment,
    my_code: &str,
    now: DateTime<Utc>,
) -> Result<SyncRound, SyncError> {
    let mut round = SyncRound::default();
    let sync = SyncStore(store);
    let events = sync.unacked_events(PUSH_BATCH).await?;
    // A push that fails does not keep the feed from coming in: the pull
    // runs either way, and the push's error is reported after it.
    let mut push_failed = None;
    if !events.is_empty() {
        match push_in_parts(client, &events).await {
            Ok(pushed) => {
                sync.record_acks(&pushed, now).await?;
                round.pushed = events.len();
                round.more |= events.len() as i64 == PUSH_BATCH;
            }
            Err(e @ SyncError::Store(_)) => return Err(e),
            Err(e) => push_failed = Some(e.of_push(enrolment.device_id)),
        }
    }
    let root = enrolment
        .root_public_key
        .as_deref()
        .and_then(gatecare_voucher::trust::verifying_key)
        .ok_or(SyncError::RootNotPinned)?;
    // Before the pull: a refused page must not hold up a change of role.
    let role_due = match (store.enrolled_role().await?, sync.role_checked_at().await?) {
        (Some(_), Some(checked)) => now - checked >= ROLE_EVERY || checked > now,
        _ => true,
    };
    if role_due && let Err(e) = learn_role(store, client, enrolment, now).await {
        // Asked again next round; sync goes on meanwhile.
        tracing::warn!(code = e.code(), "learning this device's role failed: {e}");
    }
    let after = sync.feed_cursor().await?;
    let bytes = client.pull_logged(after, PULL_PAGE, sync.logged_seq().await?).await?;
    let expected = Expected {
        station: &enrolment.station,
        device: enrolment.device_id,
        after,
        newest: sync.feed_signed_at().await?,
        now,
    };
    let page = match FeedPage::open(&bytes, &root, &expected) {
        Ok(page) => page,
        Err(e) => {
            tracing::warn!(code = e.code(), "refused a feed page: {e}");
            sync.record_page_refusal(&e, now).await?;
            return Err(SyncError::PageRefused(e));
        }
    };
    round.pulled = sync.apply_feed_page(&page, enrolment.device_id, my_code, now).await?;

    // A failed renewal is tried again next round; it never holds up sync.
    if let Err(e) = renew_key_if_due(store, client, my_code, now).await {
        tracing::warn!(code = e.code(), "renewing the signing key failed: {e}");
        sync.record_sync_error(e.code(), &e.to_string(), now).await?;
    }
    round.more |= page.more;
    if let Some(e) = push_failed {
        return Err(e);
    }
    // Applied all the same: the feed still arrives. Read again what this
    // device has logged: another process of it (`sync once` beside the
    // app) may have logged and pushed meanwhile, and a clash at or below
    // that is this device's own (as is one an altered request made central
    // sign).
    if let Some(c) = page.clash
        && c.seq > sync.logged_seq().await?
    {
        return Err(SyncError::SeqClash(c).of_push(enrolment.device_id));
    }
    if events.is_empty() {
        store.record_sync(now).await?;
    }
    Ok(round)
}

/// How long before its certificate ends a device renews its key.
pub const RENEW_BEFORE: chrono::Duration = chrono::Duration::days(60);

/// Rotates this device's signing key when its certificate (as the trust
/// list from the feed shows it) ends within [`RENEW_BEFORE`]: a new key
/// `{code}#N+1`, certified by central, used only once certified. The old
/// key stays on the trust list until its certificate ends, so what it
/// signed still verifies. Returns the new key id when it rotated.
pub async fn renew_key_if_due(
    store: &Store,
    client: &CentralClient,
    my_code: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, SyncError> {
    let current = store.device_signer(my_code, now).await?;
    let Some(list) = store.trust_list().await? else { return Ok(None) };
    let Some(cert) = list.devices.iter().find(|d| d.kid == current.kid) else { return Ok(None) };
    if cert.not_after - now > RENEW_BEFORE {
        return Ok(None);
    }
    let number = |kid: &str| kid.rsplit_once('#').and_then(|(_, n)| n.parse::<u32>().ok()).unwrap_or(1);
    // Kept before it is sent: an answer lost on the way leaves the same key
    // to send again, and the device signs with it only once the signed
    // trust list certifies it (`Store::device_signer`).
    let next = match store.newest_kept_key(my_code).await? {
        Some(pending) if number(&pending.kid) > number(&current.kid) => pending,
        _ => new_key(store, my_code, number(&current.kid) + 1, now).await?,
    };
    let sent =
        client.rotate_key(&RotateKeyRequest { kid: next.kid.clone(), public_key: next.public_hex() }).await;
    let resp = match sent {
        // The number was used before (a store replaced under this code):
        // the next one, sent in the next round.
        Err(SyncError::Rejected { code, .. }) if code == "signing_kid_taken" => {
            let after = new_key(store, my_code, number(&next.kid) + 1, now).await?;
            return Err(SyncError::Protocol(format!("{} was taken; {} goes next", next.kid, after.kid)));
        }
        other => other?,
    };
    if resp.kid != next.kid {
        return Err(SyncError::Protocol(format!("central certified {} for {}", resp.kid, next.kid)));
    }
    tracing::info!(kid = next.kid, until = %resp.not_after, "renewed the signing key");
    Ok(Some(next.kid))
}

async fn new_key(
    store: &Store,
    code: &str,
    n: u32,
    now: DateTime<Utc>,
) -> Result<gatecare_store::DeviceSigner, SyncError> {
    let key = gatecare_store::DeviceSigner::generate(&format!("{code}#{n}"))?;
    store.keep_key(&key, now).await?;
    Ok(key)
}

/// Pushes a batch; when central answers 413 (the body is over its limit),
/// pushes it in halves instead, down to single events, so one large batch
/// never wedges the log. The acknowledgements are checked against the batch.
async fn push_in_parts(client: &CentralClient, events: &[Event]) -> Result<PushResponse, SyncError> {
    let resp = match client.push(events).await {
        Err(SyncError::Rejected { status: 413, .. }) if events.len() > 1 => {
            let (first, rest) = events.split_at(events.len() / 2);
            let mut a = Box::pin(push_in_parts(client, first)).await?;
            let b = Box::pin(push_in_parts(client, rest)).await?;
            a.acks.extend(b.acks);
            a.high_seq = a.high_seq.max(b.high_seq);
            return Ok(a);
        }
        other => other?,
    };
    if resp.acks.len() != events.len()
        || resp.acks.iter().zip(events).any(|(a, e)| a.seq != e.seq || a.event_id != e.event_id)
    {
        return Err(SyncError::Protocol("acknowledgements do not match the batch".into()));
    }
    Ok(resp)
}

/// The delay before the next attempt after `failures` failures in a row:
/// exponential from 1 s to 60 s, with ±50 % jitter so a station's kiosks do
/// not all retry at once when central comes back.
pub fn backoff(failures: u32, jitter_unit: f64) -> Duration {
    let base = 1000.0 * 2f64.powi(failures.min(6) as i32);
    let ms = base.min(60_000.0) * (0.5 + jitter_unit.clamp(0.0, 1.0));
    Duration::from_millis(ms as u64)
}

fn jitter_unit() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}

/// How often a device asks central for its role: an administrator's change
/// of role (`admin role`) reaches it within this time.
const ROLE_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// Asks central for the role it enrolled this device in (a store enrolled
/// before devices kept it, or a role the administrator changed since): the
/// statement is signed by the pinned root key for this device, so nobody
/// between can change it.
async fn learn_role(
    store: &Store,
    client: &CentralClient,
    enrolment: &Enrolment,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let root = enrolment
        .root_public_key
        .as_deref()
        .and_then(gatecare_voucher::trust::verifying_key)
        .ok_or(SyncError::RootNotPinned)?;
    let bytes = client.device_role().await?;
    let statement =
        gatecare_sync::RoleStatement::open(&bytes, &root, &enrolment.station, enrolment.device_id, now)
            .map_err(SyncError::PageRefused)?;
    SyncStore(store).learn_enrolled_role(statement.role.as_str(), now).await?;
    Ok(())
}

/// How often the worker forgets what retention says is due: the rule is in
/// days, so an hour late is on time.
const RETENTION_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// The background worker: rounds until told to stop, never blocking
/// issuance (it only reads and appends through its own transactions); and,
/// online or not, once an hour it forgets passengers' data whose care closed
/// more than `keep_personal_data` ago (`Store::forget_closed_flights`).
pub async fn run_worker(
    store: Store,
    my_code: String,
    clock: impl Fn() -> DateTime<Utc> + Send + 'static,
    interval: Duration,
    keep_personal_data: chrono::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    let mut forgot_at: Option<DateTime<Utc>> = None;
    loop {
        let now = clock();
        if forgot_at.is_none_or(|at| now - at >= RETENTION_EVERY) {
            match store.forget_closed_flights(now, keep_personal_data).await {
                Ok(f) if !f.is_empty() => tracing::info!(
                    flights = f.flights.len(),
                    passengers = f.passengers,
                    contacts = f.contacts,
                    "forgot passengers' data of flights whose care closed"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("retention: {e}"),
            }
            forgot_at = Some(now);
        }
        let wait = match store.enrolment().await {
            Ok(Some(e)) => match CentralClient::for_enrolment(&e) {
                Ok(client) => match sync_once(&store, &client, &e, &my_code, clock()).await {
                    Ok(round) => {
                        failures = 0;
                        if round.more { Duration::ZERO } else { interval }
                    }
                    Err(err) => {
                        let _ =
                            SyncStore(&store).record_sync_error(err.code(), &err.to_string(), clock()).await;
                        failures += 1;
                        backoff(failures, jitter_unit())
                    }
                },
                Err(_) => backoff(6, jitter_unit()),
            },
            // Not enrolled (yet): look again later.
            _ => interval.max(Duration::from_secs(5)),
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_minute_with_jitter() {
        assert_eq!(backoff(0, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(1, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(10, 0.5), Duration::from_secs(60));
        assert_eq!(backoff(10, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(10, 1.0), Duration::from_secs(90));
    }
}
