//! The merchant page's API, under `/merchant/api/`: enrolment with the
//! administrator's one-time merchant code, the lists the page verifies
//! against offline, and redemption.
//!
//! The page never holds its token: enrolment answers with a cookie that is
//! HttpOnly (no script reads it), Secure, SameSite=Strict (no other site's
//! page sends it) and scoped to `/merchant` (no other path of central sees
//! it). Every call after enrolment is authenticated by that cookie alone,
//! as a `merchant` device: a revoked merchant's cookie is refused like its
//! token. Writes take JSON only, which a cross-site form cannot send.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use gatecare_server_database::{Database, DeviceRecord};
use gatecare_sync::{DeviceRole, EnrolRequest, RedeemRequest, RootKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::http::{ApiError, Body, enrol_device, redeem_as};
use crate::{Central, admin, secret_hash};

/// The cookie that carries a merchant page's device token.
pub const COOKIE: &str = "gatecare_merchant";

/// Chromium keeps a cookie at most 400 days; a till used every day
/// renews nothing, so this is its life until the administrator revokes it.
const COOKIE_MAX_AGE_SECS: u32 = 400 * 24 * 3600;

pub fn routes<D: Database>() -> Router<Arc<Central<D>>> {
    Router::new()
        .route("/merchant/api/enrol", post(enrol::<D>))
        .route("/merchant/api/me", get(me::<D>))
        .route("/merchant/api/lists", get(lists::<D>))
        .route("/merchant/api/redeem", post(redeem::<D>))
        .route("/merchant/api/sign-out", post(sign_out))
        .layer(axum::middleware::map_response(|mut resp: Response| async move {
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }))
}

/// The merchant whose page sent the cookie.
pub struct Merchant(DeviceRecord);

impl<D: Database> FromRequestParts<Arc<Central<D>>> for Merchant {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, c: &Arc<Central<D>>) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(name, value)| (name == COOKIE && !value.is_empty()).then_some(value));
        let Some(token) = token else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "not_enrolled", "enrol this page first"));
        };
        let Some(device) = c.db.device_by_token(&secret_hash(token)).await? else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "not_enrolled", "enrol this page again"));
        };
        if device.revoked_at.is_some() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "device_revoked",
                "this merchant has been revoked",
            ));
        }
        if device.role != DeviceRole::Merchant {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "wrong_role", "not a merchant's token"));
        }
        Ok(Merchant(device))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageEnrolment {
    code: String,
    name: String,
}

/// Who the page is enrolled as, and the root it pins: lists are trusted
/// only when the root signed them.
#[derive(Debug, Serialize)]
struct MerchantView {
    device_id: Uuid,
    name: String,
    station: String,
    /// The station's time zone (IANA): the page writes times in it, the
    /// merchant's local time whatever the till's own clock setting.
    time_zone: String,
    root: RootKey,
}

fn view<D: Database>(c: &Central<D>, device: &DeviceRecord) -> MerchantView {
    MerchantView {
        device_id: device.id,
        name: device.name.clone(),
        station: device.station.clone(),
        time_zone: gatecare_reference::time_zone(&device.station).name().to_owned(),
        root: RootKey {
            kid: c.root_kid.clone(),
            public_key: gatecare_voucher::trust::hex_key(&c.root.verifying_key()),
        },
    }
}

fn cookie(value: &str, max_age: u32) -> HeaderValue {
    let text =
        format!("{COOKIE}={value}; Path=/merchant; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}");
    // Hex tokens and fixed words: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn enrol<D: Database>(
    State(c): State<Arc<Central<D>>>,
    peer: Option<axum::Extension<crate::serve::Peer>>,
    Body(req): Body<PageEnrolment>,
) -> Result<Response, ApiError> {
    let ip = peer.map(|axum::Extension(crate::serve::Peer(addr))| addr.ip());
    let request =
        EnrolRequest { code: req.code, name: req.name, signing_kid: None, signing_public_key: None };
    let enrolled = enrol_device(&c, ip, request, Some(DeviceRole::Merchant)).await?;
    let device = c.db.device_by_token(&secret_hash(&enrolled.token)).await?.ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the enrolment was not stored")
    })?;
    let mut resp = Json(view(&c, &device)).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie(&enrolled.token, COOKIE_MAX_AGE_SECS));
    Ok(resp)
}

async fn me<D: Database>(State(c): State<Arc<Central<D>>>, Merchant(device): Merchant) -> Response {
    Json(view(&c, &device)).into_response()
}

/// The trust and void lists as the page keeps them: each the exact text
/// central signed, for the verifier to check under the pinned root.
#[derive(Debug, Serialize)]
struct Lists {
    trust_list: String,
    void_list: String,
    at: DateTime<Utc>,
}

async fn lists<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(_): Merchant,
) -> Result<Response, ApiError> {
    let now = c.now();
    let text = |v: Result<String, serde_json::Error>| {
        v.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
    };
    let trust_list = text(serde_json::to_string(&admin::trust_list(&c, now).await?))?;
    let void_list = text(serde_json::to_string(&admin::void_list(&c.db, now).await?))?;
    Ok(Json(Lists { trust_list, void_list, at: now }).into_response())
}

async fn redeem<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(device): Merchant,
    Body(req): Body<RedeemRequest>,
) -> Result<Response, ApiError> {
    Ok(Json(redeem_as(&c, &device, &req).await?).into_response())
}

/// Forgets the cookie in this browser (the device stays enrolled until the
/// administrator revokes it).
async fn sign_out() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie("", 0));
    resp
}
