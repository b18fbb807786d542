//! Routes, authentication and error mapping.
//!
//! `/healthz`, `/metrics`, and under `/v1/`: enrolment and key rotation,
//! push and pull, claims and their release, the trust and void lists,
//! conflicts, redemption and the recovery summary. The `Device` extractor
//! turns `Authorization: Bearer` into a device record (401 missing or
//! unknown, 403 revoked or the wrong role); the `Body` extractor maps every
//! JSON rejection to 400 `malformed_body` or 413. Handlers check, then make
//! one database call. Metrics count responses by route template (an unknown
//! path is `other`), never by the path a client sent. Redemption takes a
//! merchant's token and reads only the signer's certificate and the
//! voucher's own void entry.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gatecare_server_database::{Database, DbError, DeviceRecord, NewDevice, RedeemOutcome, RedeemedVoucher};
use gatecare_sync::{
    CLOCK_STEP, CheckedBatch, ClaimRequest, DeviceRole, EnrolRequest, EnrolResponse, ErrorBody, EventKind,
    FeedPage, Outcome, PushRequest, RedeemRequest, RedeemResponse, RootKey, RotateKeyRequest,
    RotateKeyResponse, SeqClash,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::actors::StationAgent;
use crate::metrics::Metrics;
use crate::{Central, enrolment, random_bytes, secret_hash, trust};

/// A rejection: HTTP status plus a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    clash: Option<SeqClash>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), clash: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code.into(), message: self.message, clash: self.clash };
        (self.status, Json(body)).into_response()
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        match e {
            DbError::CodeInvalid => {
                ApiError::new(StatusCode::FORBIDDEN, "enrolment_code_invalid", e.to_string())
            }
            DbError::SeqConflict { .. } => ApiError::new(StatusCode::CONFLICT, "seq_conflict", e.to_string()),
            DbError::SeqGap { .. } => ApiError::new(StatusCode::CONFLICT, "seq_gap", e.to_string()),
            DbError::KidTaken(_) => ApiError::new(StatusCode::CONFLICT, "signing_kid_taken", e.to_string()),
            DbError::Backend(_) | DbError::Corrupt(_) => {
                tracing::error!(error = %e, "database");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database failed; retry later",
                )
            }
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", r.body_text());
    }
    ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", r.body_text())
}

/// A JSON body whose rejections carry our error codes (always 400 or 413).
pub struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state).await.map(|Json(v)| Body(v)).map_err(json_rejection)
    }
}

/// The calling device, from `Authorization: Bearer <token>`.
pub struct Device(DeviceRecord);

impl<D: Database> FromRequestParts<Arc<Central<D>>> for Device {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, c: &Arc<Central<D>>) -> Result<Self, ApiError> {
        let token = bearer(parts, "send Authorization: Bearer <device token>")?;
        let Some(device) = c.db.device_by_token(&secret_hash(token)).await? else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "token_invalid", "unknown device token"));
        };
        if device.revoked_at.is_some() {
            // The old store, or whoever holds its copy: IT wants to know.
            tracing::warn!(device = %device.id, name = device.name, station = device.station,
                "a revoked device's token was used");
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "device_revoked",
                "this device has been revoked",
            ));
        }
        Ok(Device(device))
    }
}

/// The token of `Authorization: Bearer <token>`; `hint` says which.
fn bearer<'a>(parts: &'a Parts, hint: &'static str) -> Result<&'a str, ApiError> {
    let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    header
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "token_missing", hint))
}

/// A kiosk or a console: the devices of a station that issue, push and pull.
fn require_station_device(device: &DeviceRecord) -> Result<(), ApiError> {
    if !device.role.is_station_device() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_role",
            format!("a {} device cannot call this", device.role.as_str()),
        ));
    }
    Ok(())
}

fn require(device: &DeviceRecord, role: DeviceRole) -> Result<(), ApiError> {
    if device.role != role {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_role",
            format!("a {} device cannot call this", device.role.as_str()),
        ));
    }
    Ok(())
}

pub fn router<D: Database>(c: Arc<Central<D>>) -> Router {
    let limit = c.max_body_bytes;
    let router = Router::new()
        .route("/healthz", get(healthz::<D>))
        .route("/metrics", get(metrics::<D>))
        .route("/v1/root", get(root_key::<D>))
        .route("/v1/devices/enrol", post(enrol::<D>))
        .route("/v1/devices/key", post(rotate_key::<D>))
        .route("/v1/devices/role", get(device_role::<D>))
        .route("/v1/sync/push", post(push::<D>))
        .route("/v1/sync/pull", get(pull::<D>))
        .route("/v1/claims", post(claim::<D>))
        .route("/v1/claims/batch", post(claim_batch::<D>))
        .route("/v1/claims/release", post(release_claim::<D>))
        .route("/v1/trust-list", get(trust_list::<D>))
        .route("/v1/void-list", get(void_list::<D>))
        .route("/v1/conflicts", get(conflicts::<D>))
        .route("/v1/vouchers/redeem", post(redeem::<D>))
        .route("/v1/recovery/summary", get(recovery_summary::<D>))
        .route("/v1/reports/redemptions", get(redemptions_report::<D>))
        .merge(crate::merchant::routes::<D>())
        .merge(crate::places::routes::<D>());
    let router = match &c.web_dir {
        Some(dir) => router.merge(crate::web::pages(dir)),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(c.clone(), count_responses::<D>))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(c)
}

async fn count_responses<D: Database>(
    State(c): State<Arc<Central<D>>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // The route's template, never the path a client sent: every unknown
    // path counts under one label, or anyone could grow `/metrics` (and
    // central's memory) with one label per random path.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "other".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    c.metrics.response(&route, status);
    tracing::info!(%method, route, status, elapsed_ms = started.elapsed().as_secs_f64() * 1e3, "request");
    resp
}

async fn healthz<D: Database>(State(c): State<Arc<Central<D>>>) -> Result<&'static str, ApiError> {
    c.db.ping().await?;
    Ok("ok\n")
}

async fn metrics<D: Database>(State(c): State<Arc<Central<D>>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], c.metrics.render(c.db.backend_name()))
}

/// The root's public key, for a device to compare with the fingerprint the
/// administrator gave it before it sends its enrolment code.
async fn root_key<D: Database>(State(c): State<Arc<Central<D>>>) -> Json<RootKey> {
    Json(RootKey {
        kid: c.root_kid.clone(),
        public_key: c.root.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect(),
    })
}

async fn enrol<D: Database>(
    State(c): State<Arc<Central<D>>>,
    peer: Option<axum::Extension<crate::serve::Peer>>,
    Body(req): Body<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let ip = peer.map(|axum::Extension(crate::serve::Peer(addr))| addr.ip());
    Ok(Json(enrol_device(&c, ip, req, None).await?))
}

/// Enrols a device with a one-time code: of the code's role, or only of
/// `only` (the merchant page enrols merchants, never a kiosk).
pub(crate) async fn enrol_device<D: Database>(
    c: &Central<D>,
    ip: Option<std::net::IpAddr>,
    req: EnrolRequest,
    only: Option<DeviceRole>,
) -> Result<EnrolResponse, ApiError> {
    // Guessing codes costs a look-up each: failures are limited per
    // address, and past the limit there is no look-up at all.
    if ip.is_some_and(|ip| c.enrol_limit.blocked(ip, std::time::Instant::now())) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many failed enrolment attempts from this address; wait a minute",
        ));
    }
    let now = c.now();
    if req.name.trim().is_empty() || req.name.chars().count() > 80 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_name",
            "a device name of 1 to 80 characters",
        ));
    }
    let code_hash = secret_hash(&enrolment::normalise_code(&req.code));
    let Some(code) = c.db.enrolment_code(&code_hash, now).await? else {
        if let Some(ip) = ip {
            c.enrol_limit.count(ip, std::time::Instant::now());
        }
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "enrolment_code_invalid",
            "unknown, used or expired code",
        ));
    };
    if let Some(role) = only.filter(|r| *r != code.role) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "enrolment_code_wrong_role",
            format!("this code enrols a {}, not a {}", code.role.as_str(), role.as_str()),
        ));
    }
    // A till is picked by its name (`admin merchant NAME`, the airline's
    // report): one live till of a name a station. The code stays unused.
    if code.role == DeviceRole::Merchant {
        let name = req.name.trim();
        let taken = c.db.devices().await?.into_iter().any(|d| {
            d.role == DeviceRole::Merchant
                && d.station == code.station
                && d.revoked_at.is_none()
                && d.name.trim().eq_ignore_ascii_case(name)
        });
        if taken {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "name_taken",
                format!(
                    "a till named {name} is already enrolled at {}: choose another name, or revoke that till first",
                    code.station
                ),
            ));
        }
    }
    let signing = match (code.role, req.signing_kid.as_deref(), req.signing_public_key.as_deref()) {
        // A kiosk's or console's name is its device code, of the code's
        // station (HKG-K01), and its key id is that code, # and a number:
        // serials and key ids carry it, and another station's device code
        // would sign vouchers under a name that is not its own.
        (DeviceRole::Kiosk | DeviceRole::Console, Some(kid), Some(_))
            if !trust::is_device_code(req.name.trim(), &code.station)
                || trust::kid_parts(kid).is_none_or(|(prefix, _)| prefix != req.name.trim()) =>
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "device_not_of_station",
                format!(
                    "this code is for a {role} of {st}: its name is its device code ({st}-{example}) and its key id that code, # and a number",
                    role = code.role.as_str(),
                    st = code.station,
                    example = if code.role == DeviceRole::Console { "G19" } else { "K01" },
                ),
            ));
        }
        (DeviceRole::Kiosk | DeviceRole::Console, Some(kid), Some(key)) => {
            if kid.is_empty() || kid.len() > 64 || !kid.chars().all(|ch| ch.is_ascii_graphic()) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_kid",
                    "a key id of 1 to 64 printable characters",
                ));
            }
            let key = gatecare_voucher::trust::verifying_key(key).ok_or_else(|| {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_public_key", "an Ed25519 public key in hex")
            })?;
            // A key is one device's: a store enrolled again with the key it
            // had would leave the first device's key trusted beside it.
            if c.db.public_key_taken(&gatecare_voucher::trust::hex_key(&key)).await? {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "signing_key_reused",
                    "this signing key is another device's: a replaced device enrols with a new store and key",
                ));
            }
            // A replaced device enrols under its code again: its key takes
            // the next free number, never a key id used before.
            let kid = match trust::free_kid(&c.db, kid).await? {
                Some(kid) => kid,
                None if !c.db.kid_taken(kid).await? => kid.to_owned(),
                None => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "signing_kid_taken",
                        format!("the key id {kid} is taken"),
                    ));
                }
            };
            Some(trust::certify(c, &kid, &key, &code.station, now))
        }
        (DeviceRole::Kiosk | DeviceRole::Console, _, _) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "signing_key_missing",
                "a kiosk or console enrols with its signing key",
            ));
        }
        (DeviceRole::Merchant, None, None) => None,
        (DeviceRole::Merchant, _, _) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "signing_key_unexpected",
                "merchants do not sign vouchers",
            ));
        }
    };
    let token: String = random_bytes::<32>()?.iter().map(|b| format!("{b:02x}")).collect();
    let device = NewDevice {
        id: Uuid::now_v7(),
        name: req.name.trim().to_owned(),
        token_hash: secret_hash(&token),
        signing,
    };
    let record = c.db.enrol(&code_hash, &device, now).await?;
    if record.signing.is_some() {
        trust::publish_trust_list(c, now).await?;
    }
    tracing::info!(device = %record.id, station = record.station, role = record.role.as_str(), "enrolled");
    let signing_kid = record.signing.map(|s| s.kid);
    Ok(EnrolResponse { device_id: record.id, station: record.station, role: record.role, token, signing_kid })
}

/// A device's next signing key, certified; see [`trust::rotate_key`].
async fn rotate_key<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    Body(req): Body<RotateKeyRequest>,
) -> Result<Json<RotateKeyResponse>, ApiError> {
    require_station_device(&device)?;
    let key = gatecare_voucher::trust::verifying_key(&req.public_key).ok_or_else(|| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_public_key", "an Ed25519 public key in hex")
    })?;
    match trust::rotate_key(&c, &device, &req.kid, &key, c.now()).await? {
        Ok(s) => {
            tracing::info!(device = %device.id, kid = s.kid, "rotated the device's signing key");
            Ok(Json(RotateKeyResponse { kid: s.kid, not_before: s.not_before, not_after: s.not_after }))
        }
        Err(trust::RotationRefused(code, message)) => {
            let status =
                if code == "signing_kid_taken" { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
            Err(ApiError::new(status, code, message))
        }
    }
}

async fn push<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    Body(req): Body<PushRequest>,
) -> Result<Response, ApiError> {
    require_station_device(&device)?;
    let batch = CheckedBatch::new(&req.events)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?
        .for_role(device.role);
    // Vouchers only for the device's own station's flights (those central published).
    let foreign = c.db.foreign_flights(&device.station, &batch.flight_ids(), &batch.key_flights()).await?;
    let batch = batch.for_station(&foreign);
    // A voucher id bound to another device is that device's (no look-up
    // for the ids bound to this one: see `gatecare_sync::voucher_id`).
    let bindings = batch.foreign_bindings(device.id);
    let taken =
        if bindings.is_empty() { Vec::new() } else { c.db.bound_elsewhere(device.id, &bindings).await? };
    let batch = batch.for_owners(&taken);
    let batch = for_cases(&c, &device, batch).await?;
    let batch = for_agents(&c, &device, batch).await?;
    let high_before = device.high_seq;
    let now = c.now();
    let resp = match c.db.push(&device, &batch, now).await {
        Err(DbError::SeqConflict { seq }) => {
            // Not a retry or a bug of the device: two devices push as one.
            // The real one cannot sync until IT revokes the identity, from
            // when central took the other device's events.
            let clash =
                clash_at(&c, &device, seq, "a push reused a number central holds with other content").await?;
            let mut e = ApiError::from(DbError::SeqConflict { seq });
            e.clash = Some(clash);
            return Err(e);
        }
        other => other?,
    };
    // Stored all the same (the event happened), but a device clock running
    // ahead stamps vouchers that merchants take as not yet valid: say so,
    // for what was stored now (a refused batch or a replay counts nothing).
    let ahead = req.events.iter().filter(|e| e.seq > high_before && e.at > now + CLOCK_STEP);
    if let Some(latest) = ahead.clone().map(|e| e.at).max() {
        let minutes = (latest - now).num_minutes();
        tracing::warn!(device = %device.id, name = device.name, station = device.station, minutes,
            "the device's clock is ahead of central's: its events are stamped in the future");
        Metrics::add(&c.metrics.events_from_ahead, ahead.count() as u64);
    }
    let fresh = resp.acks.iter().filter(|a| a.seq > high_before).count() as u64;
    let conflicts = resp
        .acks
        .iter()
        .filter(|a| a.seq > high_before && matches!(a.outcome, Outcome::Conflict { .. }))
        .count() as u64;
    Metrics::add(&c.metrics.events_ingested, fresh);
    Metrics::add(&c.metrics.events_replayed, resp.acks.len() as u64 - fresh);
    Metrics::add(&c.metrics.conflicts_detected, conflicts);
    Metrics::add(&c.metrics.push_batches, 1);
    Ok(Json(resp).into_response())
}

/// Refuses the case updates of another station's case, or of a case that
/// was never opened (at central before, or earlier in this batch).
async fn for_cases<'a, D: Database>(
    c: &Central<D>,
    device: &DeviceRecord,
    batch: CheckedBatch<'a>,
) -> Result<CheckedBatch<'a>, ApiError> {
    let case_id =
        |e: &gatecare_sync::Event| e.payload.get("case_id").and_then(|v| v.as_str()).map(str::to_owned);
    let opened_here: std::collections::HashSet<String> =
        batch.events().iter().filter(|e| e.kind == EventKind::CaseOpened).filter_map(case_id).collect();
    let mut case_stations = std::collections::HashMap::new();
    for id in batch.events().iter().filter(|e| e.kind == EventKind::CaseUpdated).filter_map(case_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = case_stations.entry(id) {
            let station = c.db.case_station(slot.key()).await?;
            slot.insert(station);
        }
    }
    Ok(batch.refusing(|e| {
        let id = case_id(e).filter(|_| e.kind == EventKind::CaseUpdated)?;
        match case_stations.get(&id)? {
            Some(station) if *station != device.station => Some(Outcome::Refused {
                code: "case_not_your_station".into(),
                reason: format!("this case is {station}'s"),
            }),
            None if !opened_here.contains(&id) => Some(Outcome::Refused {
                code: "case_unknown".into(),
                reason: "no case of this id was opened".into(),
            }),
            _ => None,
        }
    }))
}

/// Refuses the events naming agents that are not the station's, or grants
/// beyond them (see [`crate::actors`]); the agents are read only when the
/// batch names any.
async fn for_agents<'a, D: Database>(
    c: &Central<D>,
    device: &DeviceRecord,
    batch: CheckedBatch<'a>,
) -> Result<CheckedBatch<'a>, ApiError> {
    if !batch.events().iter().any(crate::actors::names_agents) {
        return Ok(batch);
    }
    let agents: Vec<StationAgent> =
        c.db.station_agents(&device.station)
            .await?
            .into_iter()
            .filter_map(|(code, role)| StationAgent::parse(code, &role))
            .collect();
    Ok(batch.refusing(|e| crate::actors::refusal(device, &agents, &c.policy, e)))
}

/// Two devices push under one identity, found at `seq` (`what` says how):
/// when central received what it holds there, logged and counted for IT.
async fn clash_at<D: Database>(
    c: &Central<D>,
    device: &DeviceRecord,
    seq: i64,
    what: &str,
) -> Result<SeqClash, DbError> {
    let held_since = c.db.received_at(device.id, seq).await?;
    let since = held_since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    tracing::warn!(device = %device.id, name = device.name, station = device.station, seq,
        held_since = since.as_deref().unwrap_or("unknown"),
        "{what}: two devices use this identity. If the station's device shows this clash, what central took \
         from held_since on is another's: revoke it from held_since. If the station's device syncs without \
         it, the clash came from a copy: revoke it from now. Then enrol a fresh store");
    Metrics::add(&c.metrics.seq_conflicts, 1);
    Ok(SeqClash { seq, held_since })
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
    /// The highest seq the device has logged, pushed or not.
    logged: Option<i64>,
}

async fn pull<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    q: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    require_station_device(&device)?;
    let Query(q) = q.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", r.body_text()))?;
    if q.after < 0 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", "after must be ≥ 0"));
    }
    let page = c.db.pull(&device, q.after, q.limit.unwrap_or(500)).await?;
    Metrics::add(&c.metrics.feed_items_served, page.items.len() as u64);
    // Central holds more of this identity's events than the device ever
    // logged: another device pushes as this one (a copy of its disk).
    let clash = match q.logged {
        Some(logged) if logged >= 0 && device.high_seq > logged => {
            let what = "central holds events under this device's numbers that it never logged";
            Some(clash_at(&c, &device, logged + 1, what).await?)
        }
        _ => None,
    };
    // Signed for this device, its station and this cursor: see `gatecare_sync::page`.
    let signed = FeedPage {
        format: gatecare_sync::page::PAGE_FORMAT.into(),
        station: device.station.clone(),
        device: device.id,
        after: q.after,
        next_after: page.next_after,
        more: page.more,
        at: c.now(),
        items: page.items,
        clash,
    }
    .seal(&c.root_kid, &c.root);
    Ok(([(header::CONTENT_TYPE, gatecare_sync::page::PAGE_CONTENT_TYPE)], signed).into_response())
}

/// The role central enrolled the calling device in, signed with the root
/// key (`gatecare_sync::page::RoleStatement`): a device enrolled before
/// devices kept their role learns it so.
async fn device_role<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
) -> Result<Response, ApiError> {
    let signed = gatecare_sync::RoleStatement {
        format: gatecare_sync::page::ROLE_FORMAT.into(),
        station: device.station.clone(),
        device: device.id,
        role: device.role,
        at: c.now(),
    }
    .seal(&c.root_kid, &c.root);
    Ok(([(header::CONTENT_TYPE, gatecare_sync::page::PAGE_CONTENT_TYPE)], signed).into_response())
}

async fn claim<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    Body(req): Body<ClaimRequest>,
) -> Result<Response, ApiError> {
    require_station_device(&device)?;
    check_claim(&req)?;
    let key_flight = gatecare_sync::key_flight(&req.entitlement_key).into_iter().collect::<Vec<_>>();
    if !c.db.foreign_flights(&device.station, &[req.flight_id.as_str()], &key_flight).await?.is_empty() {
        return Ok(
            Json(gatecare_sync::ClaimResponse::Refused { reason: "not_your_station".into() }).into_response()
        );
    }
    // A kiosk serves one passenger at a time: a token claiming far more is
    // holding entitlements away from the agents.
    if device.role == DeviceRole::Kiosk {
        let t = std::time::Instant::now();
        if c.kiosk_claims.blocked(device.id, t) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_claims",
                "more claims than a self-service kiosk makes; wait",
            ));
        }
        c.kiosk_claims.count(device.id, t);
    }
    let now = c.now();
    // Kiosks are bounded by their rate above; a console by what it holds.
    if device.role == DeviceRole::Console {
        hold_within_bounds(&c, &device, 1, now).await?;
    }
    Ok(Json(c.db.claim(&device, &req, now, now + c.claim_hold).await?).into_response())
}

/// Most claims one device holds at once, not yet issued: a console's bulk
/// issuance of two wide-bodies' meals and transport. A stolen console token
/// cannot hold a station's entitlements away from everyone else.
pub const MAX_LIVE_CLAIMS: i64 = 2_000;

async fn hold_within_bounds<D: Database>(
    c: &Central<D>,
    device: &DeviceRecord,
    more: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    if more == 0 {
        return Ok(());
    }
    let live = c.db.live_claims(device.id, now).await?;
    if live + more as i64 > MAX_LIVE_CLAIMS {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_claims",
            format!(
                "a device holds at most {MAX_LIVE_CLAIMS} claims not yet issued ({live} now): issue or wait"
            ),
        ));
    }
    Ok(())
}

fn check_claim(req: &ClaimRequest) -> Result<(), ApiError> {
    if [&req.entitlement_key, &req.voucher_id, &req.flight_id].iter().any(|s| s.is_empty() || s.len() > 200) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "entitlement_key, voucher_id and flight_id are required",
        ));
    }
    Ok(())
}

/// A console's claims before its bulk issuance, answered one by one in one
/// transaction; a claim for another station's flight is refused alone.
/// Kiosks serve one passenger at a time and claim one by one.
async fn claim_batch<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    Body(batch): Body<gatecare_sync::ClaimBatch>,
) -> Result<Response, ApiError> {
    require(&device, DeviceRole::Console)?;
    if batch.claims.len() > gatecare_sync::MAX_CLAIMS_PER_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_claims",
            format!("at most {} claims in one batch", gatecare_sync::MAX_CLAIMS_PER_BATCH),
        ));
    }
    let mut flights: Vec<&str> = batch.claims.iter().map(|r| r.flight_id.as_str()).collect();
    let mut keys: Vec<&str> =
        batch.claims.iter().filter_map(|r| gatecare_sync::key_flight(&r.entitlement_key)).collect();
    for names in [&mut flights, &mut keys] {
        names.sort_unstable();
        names.dedup();
    }
    let foreign = c.db.foreign_flights(&device.station, &flights, &keys).await?;
    let is_foreign = |r: &ClaimRequest| {
        foreign
            .iter()
            .any(|f| *f == r.flight_id || gatecare_sync::key_flight(&r.entitlement_key) == Some(f.as_str()))
    };
    // Each claim judged alone: a malformed one, or one of another station's
    // flight, is refused without failing the rest.
    let refused = |reason: &str| Some(gatecare_sync::ClaimResponse::Refused { reason: reason.into() });
    let mut answers: Vec<Option<gatecare_sync::ClaimResponse>> = batch
        .claims
        .iter()
        .map(|r| {
            if check_claim(r).is_err() {
                refused("malformed")
            } else if is_foreign(r) {
                refused("not_your_station")
            } else {
                None
            }
        })
        .collect();
    let ours: Vec<ClaimRequest> =
        batch.claims.iter().zip(&answers).filter(|(_, a)| a.is_none()).map(|(r, _)| r.clone()).collect();
    let now = c.now();
    hold_within_bounds(&c, &device, ours.len(), now).await?;
    let mut granted = c.db.claims(&device, &ours, now, now + c.claim_hold).await?.into_iter();
    for a in answers.iter_mut().filter(|a| a.is_none()) {
        *a = granted.next();
    }
    let answers = answers.into_iter().flatten().collect();
    Ok(Json(gatecare_sync::ClaimAnswers { answers }).into_response())
}

/// A device's issue failed after its claim: the entitlement is free again
/// at once, rather than when the claim's hold ends.
async fn release_claim<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    Body(req): Body<ClaimRequest>,
) -> Result<Response, ApiError> {
    require_station_device(&device)?;
    let released = c.db.release_claim(&device, &req).await?;
    Ok(Json(serde_json::json!({"released": released})).into_response())
}

async fn trust_list<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(_): Device,
) -> Result<Response, ApiError> {
    Ok(Json(trust::trust_list(&c, c.now()).await?).into_response())
}

async fn void_list<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(_): Device,
) -> Result<Response, ApiError> {
    Ok(Json(trust::void_list(&c.db, c.now()).await?).into_response())
}

async fn conflicts<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
) -> Result<Response, ApiError> {
    // Tickets, passengers and devices: an agent's to read, not a kiosk's.
    require(&device, DeviceRole::Console)?;
    Ok(Json(c.db.conflicts(&device.station).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryQuery {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

/// Service recovery across every station, for the airline's consoles.
async fn recovery_summary<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    q: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    // Every station's complaints: for agents, not a passenger's kiosk.
    require(&device, DeviceRole::Console)?;
    let Query(q) = q.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", r.body_text()))?;
    if q.to < q.from || (q.to - q.from).num_days() > 366 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_query",
            "from ≤ to, at most a year apart",
        ));
    }
    let s = gatecare_figures::recovery::summary(&c.db, &c.policy.recovery, q.from, q.to, c.now()).await?;
    Ok(Json(s).into_response())
}

async fn redeem<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Device(device): Device,
    Body(req): Body<RedeemRequest>,
) -> Result<Json<RedeemResponse>, ApiError> {
    require(&device, DeviceRole::Merchant)?;
    Ok(Json(redeem_as(&c, &device, &req).await?))
}

/// One merchant's redemption of one QR: verified against central's own
/// lists, stored once; a retry of the same redemption id gets the same
/// answer, and a voucher redeemed before says when and by whom.
pub(crate) async fn redeem_as<D: Database>(
    c: &Central<D>,
    device: &DeviceRecord,
    req: &RedeemRequest,
) -> Result<RedeemResponse, ApiError> {
    let now = c.now();
    // A redemption accepted offline counts from when the till accepted it,
    // if the administrator lets this merchant accept any, and not long ago.
    let offline_limit = match req.offline_at {
        None => 0,
        Some(at) if at > now + chrono::Duration::minutes(5) || at < now - OFFLINE_REDEMPTION_MAX_AGE => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "offline_time_out_of_range",
                "an offline redemption is sent within 72 hours, and not from the future",
            ));
        }
        Some(_) => match c.db.offline_limit(device.id).await? {
            0 => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "offline_not_allowed",
                    "this merchant may not accept vouchers offline",
                ));
            }
            limit => limit,
        },
    };
    let at = req.offline_at.unwrap_or(now);
    let decoded = gatecare_voucher::signed::decode(&req.qr).ok();
    let scanned = decoded.as_ref().map(|u| u.payload.voucher_id.to_string());
    let answer = |redeemed: bool, reason: &str, voucher_id: Option<String>| RedeemResponse {
        redeemed,
        reason: reason.to_owned(),
        voucher_id,
        redeemed_at: None,
        redemption_id: req.redemption_id,
        redeemed_by: None,
        double_spend: false,
    };
    // A retry of a redemption that succeeded gets the same answer, even if
    // the voucher has expired since; the same id with another voucher, or
    // from another till, is refused (it would otherwise answer "redeemed"
    // for any QR, or to a merchant who took nothing).
    if let Some(r) = c.db.redemption(req.redemption_id).await? {
        if scanned.as_deref() != Some(r.voucher_id.as_str()) || r.device_id != device.id {
            return Ok(answer(false, "redemption_id_reused", scanned));
        }
        return Ok(RedeemResponse {
            redeemed_at: Some(r.redeemed_at),
            ..answer(true, "ok", Some(r.voucher_id))
        });
    }
    // A retry of an offline acceptance stored as a redemption conflict gets
    // the same answer, past the offline limit too: it counted when it came.
    if let Some(first) = c.db.conflict_first(req.redemption_id).await? {
        if let Some(r) = c.db.redemption(first).await?.filter(|r| scanned.as_deref() == Some(&r.voucher_id)) {
            let by = c.db.device_by_id(r.device_id).await?.map(|d| d.name);
            return Ok(RedeemResponse {
                redeemed_at: Some(r.redeemed_at),
                redeemed_by: by,
                double_spend: true,
                ..answer(false, "already_redeemed", Some(r.voucher_id))
            });
        }
        return Ok(answer(false, "redemption_id_reused", scanned));
    }
    // The limit holds at central too: at most that many offline
    // acceptances in the window they may arrive in (a retry of a stored one
    // was answered above).
    if req.offline_at.is_some() {
        let used = c.db.offline_acceptances_since(device.id, now - OFFLINE_REDEMPTION_MAX_AGE).await?;
        if used >= offline_limit {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "offline_limit_reached",
                "this merchant has accepted as many vouchers offline as it may in 72 hours",
            ));
        }
    }
    let v = trust::verify_one(c, &req.qr, decoded.as_ref(), at).await?;
    let voucher_id = v.voucher.as_ref().map(|p| p.voucher_id.to_string());
    if !v.valid {
        return Ok(answer(false, v.reason, voucher_id));
    }
    let Some(p) = v.voucher else {
        return Ok(answer(false, "malformed", None));
    };
    // A noodle bar takes meals, not hotel nights (`admin merchant --accepts`).
    if !c.db.merchant_outlet(device.id).await?.takes(&p.kind) {
        return Ok(answer(false, "not_taken_here", voucher_id));
    }
    let bought = RedeemedVoucher {
        voucher_id: p.voucher_id.to_string(),
        kind: p.kind,
        value_minor: p.value_minor,
        currency: p.currency,
        flight: p.flight,
        flight_date: p.flight_date,
        serial: p.serial,
        offline: req.offline_at.is_some(),
    };
    match c.db.redeem(device, req.redemption_id, &bought, at).await? {
        RedeemOutcome::Redeemed(r) => {
            Metrics::add(&c.metrics.redemptions, 1);
            Ok(RedeemResponse { redeemed_at: Some(r.redeemed_at), ..answer(true, "ok", Some(r.voucher_id)) })
        }
        RedeemOutcome::AlreadyRedeemed(r) => {
            // Accepted offline while another till redeemed it: both are
            // kept, for the merchant and the airline's report.
            if let Some(accepted_at) = req.offline_at {
                c.db.record_redemption_conflict(&r, device, req.redemption_id, accepted_at, now).await?;
                tracing::warn!(voucher = r.voucher_id, merchant = %device.id, "a voucher accepted offline was redeemed before");
            }
            let by = c.db.device_by_id(r.device_id).await?.map(|d| d.name);
            Ok(RedeemResponse {
                redeemed_at: Some(r.redeemed_at),
                redeemed_by: by,
                double_spend: req.offline_at.is_some(),
                ..answer(false, "already_redeemed", Some(r.voucher_id))
            })
        }
    }
}

/// How long a till may hold a redemption it accepted offline.
pub const OFFLINE_REDEMPTION_MAX_AGE: chrono::Duration = chrono::Duration::hours(72);

/// A reader of the airline's reports, from `Authorization: Bearer` with a
/// token of `admin token` (never a device's).
pub struct ReportReader(String);

impl<D: Database> FromRequestParts<Arc<Central<D>>> for ReportReader {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, c: &Arc<Central<D>>) -> Result<Self, ApiError> {
        let token = bearer(parts, "send Authorization: Bearer <report token from admin token>")?;
        match c.db.admin_token(&secret_hash(token)).await? {
            Some(name) => Ok(ReportReader(name)),
            None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "token_invalid", "not a report token")),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    flight: Option<String>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

/// What a flight's disruption cost, or the redemptions of some days: see
/// [`gatecare_figures::redemptions`].
async fn redemptions_report<D: Database>(
    State(c): State<Arc<Central<D>>>,
    ReportReader(reader): ReportReader,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", r.body_text()))?;
    let scope = match (q.flight.as_deref(), q.from, q.to) {
        (Some(f), None, None) => gatecare_figures::redemptions::Scope::flight(f).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", "flight=CZ342/2026-11-22")
        })?,
        (None, Some(from), Some(to)) if from <= to && (to - from).num_days() <= 366 => {
            gatecare_figures::redemptions::Scope::Days { from, to }
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_query",
                "flight=CZ342/2026-11-22, or from=DATE&to=DATE (days at most a year apart)",
            ));
        }
    };
    tracing::info!(reader, ?scope, "redemption report read");
    let mut resp = Json(gatecare_figures::redemptions::redemptions(&c.db, &scope).await?).into_response();
    // What the airline pays is no proxy's or browser's to keep.
    resp.headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}
