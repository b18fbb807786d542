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
use gatecare_server_database::{Database, DeviceRecord, MerchantOutlet};
use gatecare_sync::{DeviceRole, EnrolRequest, RedeemRequest, RootKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::http::{ApiError, Body, enrol_device, redeem_as};
use crate::trust;
use crate::{Central, secret_hash};

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
        .route("/merchant/api/redemptions", get(day_list::<D>))
        .route("/merchant/api/redemptions.csv", get(day_csv::<D>))
        .route("/merchant/api/status", post(status::<D>))
        .route("/merchant/api/sign-out", post(sign_out::<D>))
        .layer(axum::middleware::map_response(|mut resp: Response| async move {
            let h = resp.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
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
    /// How many vouchers the page may accept while central is unreachable.
    offline_limit: u32,
    /// Of those, how many are left: the limit less what it accepted offline
    /// in the last 72 hours (central refuses more).
    offline_left: u32,
    /// What it takes (None: every kind) and where it is published.
    #[serde(flatten)]
    outlet: MerchantOutlet,
}

async fn view<D: Database>(
    c: &Central<D>,
    id: Uuid,
    name: &str,
    station: &str,
) -> Result<MerchantView, ApiError> {
    let limit = c.db.offline_limit(id).await?;
    let used = c.db.offline_acceptances_since(id, c.now() - crate::http::OFFLINE_REDEMPTION_MAX_AGE).await?;
    Ok(MerchantView {
        device_id: id,
        name: name.to_owned(),
        station: station.to_owned(),
        time_zone: gatecare_reference::time_zone(station).name().to_owned(),
        root: RootKey {
            kid: c.root_kid.clone(),
            public_key: gatecare_voucher::trust::hex_key(&c.root.verifying_key()),
        },
        offline_limit: limit,
        offline_left: limit.saturating_sub(used),
        outlet: c.db.merchant_outlet(id).await?,
    })
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
    // Stored as enrolment stores it: trimmed.
    let name = req.name.trim().to_owned();
    let request =
        EnrolRequest { code: req.code, name: req.name, signing_kid: None, signing_public_key: None };
    let enrolled = enrol_device(&c, ip, request, Some(DeviceRole::Merchant)).await?;
    let mut resp = Json(view(&c, enrolled.device_id, &name, &enrolled.station).await?).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie(&enrolled.token, COOKIE_MAX_AGE_SECS));
    Ok(resp)
}

async fn me<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(device): Merchant,
) -> Result<Response, ApiError> {
    Ok(Json(view(&c, device.id, &device.name, &device.station).await?).into_response())
}

/// The trust and void lists as the page keeps them: each the exact text
/// central signed, for the verifier to check under the pinned root, and
/// the root's seal over both for this till at this time
/// (`gatecare_voucher::lists`): nothing left out, nothing older.
#[derive(Debug, Serialize)]
struct Lists {
    trust_list: String,
    void_list: String,
    at: DateTime<Utc>,
    seal: String,
}

async fn lists<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(device): Merchant,
) -> Result<Response, ApiError> {
    let now = c.now();
    let text = |v: Result<String, serde_json::Error>| {
        v.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
    };
    let trust_list = text(serde_json::to_string(&trust::trust_list(&c, now).await?))?;
    let void_list = text(serde_json::to_string(&trust::void_list(&c.db, now).await?))?;
    let seal = gatecare_voucher::lists::ListsSeal::new(
        &device.station,
        &device.id.to_string(),
        now,
        &trust_list,
        &void_list,
    )
    .seal(&c.root_kid, &c.root);
    Ok(Json(Lists { trust_list, void_list, at: now, seal }).into_response())
}

async fn redeem<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(device): Merchant,
    Body(req): Body<RedeemRequest>,
) -> Result<Response, ApiError> {
    Ok(Json(redeem_as(&c, &device, &req).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusRequest {
    qr: String,
}

/// Whether a voucher was redeemed, and when and by whom: the page asks
/// after its own check, so a used voucher never shows as good to take.
#[derive(Debug, Serialize)]
struct VoucherStatus {
    redeemed_at: Option<DateTime<Utc>>,
    redeemed_by: Option<String>,
}

async fn status<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(_): Merchant,
    Body(req): Body<StatusRequest>,
) -> Result<Response, ApiError> {
    let Ok(voucher) = gatecare_voucher::signed::decode(&req.qr) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed", "not a voucher's code"));
    };
    let found = c.db.redemption_of_voucher(&voucher.payload.voucher_id.to_string()).await?;
    let by = match &found {
        Some(r) => c.db.device_by_id(r.device_id).await?.map(|d| d.name),
        None => None,
    };
    Ok(Json(VoucherStatus { redeemed_at: found.map(|r| r.redeemed_at), redeemed_by: by }).into_response())
}

/// Signing out says so in JSON, which another site's form cannot send:
/// no page elsewhere can make a till forget its cookie.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignOut {}

/// Signs this till out for good: the merchant device is revoked (a copy of
/// the cookie is worth nothing after) and the browser forgets the cookie.
/// Setting the till up again takes a new merchant code.
async fn sign_out<D: Database>(
    State(c): State<Arc<Central<D>>>,
    merchant: Result<Merchant, ApiError>,
    Body(SignOut {}): Body<SignOut>,
) -> Result<Response, ApiError> {
    if let Ok(Merchant(device)) = merchant {
        let now = c.now();
        trust::revoke(&c, device.id, now, now).await?;
        tracing::info!(merchant = %device.id, "a merchant page signed out: revoked");
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie("", 0));
    Ok(resp)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DayQuery {
    /// A day in the station's time; today when absent.
    day: Option<chrono::NaiveDate>,
}

/// A merchant's redemptions of one local day, as the page lists them and
/// the airline pays them.
#[derive(Debug, Serialize)]
struct DayList {
    day: chrono::NaiveDate,
    time_zone: String,
    lines: Vec<DayLine>,
    /// Per currency: how many and how much.
    totals: Vec<DayTotal>,
    /// Vouchers this merchant redeemed that another accepted offline too,
    /// or that it accepted offline after another had redeemed them.
    conflicts: Vec<DayConflict>,
}

#[derive(Debug, Serialize)]
struct DayConflict {
    voucher_id: String,
    serial: Option<String>,
    first_merchant: String,
    /// Both times in the station's zone, `HH:MM`.
    first_time: String,
    merchant: String,
    accepted_time: String,
}

#[derive(Debug, Serialize)]
struct DayLine {
    redemption_id: Uuid,
    voucher_id: String,
    redeemed_at: DateTime<Utc>,
    /// The time in the station's zone, `HH:MM`.
    local_time: String,
    kind: Option<String>,
    currency: Option<String>,
    /// In major units ("120.00"); absent for redemptions stored before
    /// central kept what they bought.
    amount: Option<String>,
    value_text: Option<String>,
    flight: Option<String>,
    flight_date: Option<String>,
    serial: Option<String>,
    /// Accepted offline at the till's time, confirmed later.
    offline: bool,
}

#[derive(Debug, Serialize)]
struct DayTotal {
    currency: String,
    count: usize,
    value_text: String,
}

async fn day_of<D: Database>(
    c: &Central<D>,
    device: &DeviceRecord,
    q: Result<axum::extract::Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<DayList, ApiError> {
    use chrono::TimeZone;
    let axum::extract::Query(q) =
        q.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", r.body_text()))?;
    let tz = gatecare_reference::time_zone(&device.station);
    let day = q.day.unwrap_or_else(|| c.now().with_timezone(&tz).date_naive());
    let start = |d: chrono::NaiveDate| {
        // Local midnight; on a day that skips it, the first instant after.
        let midnight = d.and_time(chrono::NaiveTime::MIN);
        tz.from_local_datetime(&midnight)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(midnight + chrono::Duration::hours(1))).earliest())
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(from), Some(to)) = (start(day), day.succ_opt().and_then(start)) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", "a day of the calendar"));
    };
    let rows = c.db.redemptions_by(device.id, from, to).await?;
    let mut totals: Vec<(gatecare_core::Money, usize)> = Vec::new();
    let lines = rows
        .into_iter()
        .map(|r| {
            let money = match (r.value_minor, r.currency.as_deref().map(gatecare_core::Currency::parse)) {
                (Some(minor), Some(Ok(cur))) => Some(gatecare_core::Money::new(minor, cur)),
                _ => None,
            };
            if let Some(m) = money {
                match totals.iter_mut().find(|(t, _)| t.currency == m.currency) {
                    Some((t, n)) => {
                        *t = t.checked_add(m).unwrap_or(*t);
                        *n += 1;
                    }
                    None => totals.push((m, 1)),
                }
            }
            DayLine {
                redemption_id: r.redemption_id,
                voucher_id: r.voucher_id,
                redeemed_at: r.redeemed_at,
                local_time: r.redeemed_at.with_timezone(&tz).format("%H:%M").to_string(),
                kind: r.kind,
                currency: r.currency,
                amount: money.map(|m| m.major_text()),
                value_text: money.map(|m| m.to_string()),
                flight: r.flight,
                flight_date: r.flight_date,
                serial: r.serial,
                offline: r.offline,
            }
        })
        .collect();
    let totals = totals
        .into_iter()
        .map(|(m, count)| DayTotal { currency: m.currency.to_string(), count, value_text: m.to_string() })
        .collect();
    let hm = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
    let conflicts =
        c.db.redemption_conflicts(Some(device.id), from, to)
            .await?
            .into_iter()
            .map(|x| DayConflict {
                voucher_id: x.voucher_id,
                serial: x.serial,
                first_merchant: x.first_merchant,
                first_time: hm(x.first_at),
                merchant: x.merchant,
                accepted_time: hm(x.accepted_at),
            })
            .collect();
    Ok(DayList { day, time_zone: tz.name().to_owned(), lines, totals, conflicts })
}

async fn day_list<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(device): Merchant,
    q: Result<axum::extract::Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    Ok(Json(day_of(&c, &device, q).await?).into_response())
}

/// The day's redemptions as CSV (RFC 4180), for the merchant's accounts:
/// one row a redemption, times in the station's zone with their offset.
async fn day_csv<D: Database>(
    State(c): State<Arc<Central<D>>>,
    Merchant(device): Merchant,
    q: Result<axum::extract::Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let list = day_of(&c, &device, q).await?;
    let tz = gatecare_reference::time_zone(&device.station);
    let mut csv = String::from(
        // A byte-order mark: spreadsheets then read the names as UTF-8.
        "\u{feff}redeemed_at,serial,kind,flight,flight_date,currency,amount,offline,voucher_id,redemption_id,merchant\r\n",
    );
    for l in &list.lines {
        let fields = [
            l.redeemed_at.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            l.serial.clone().unwrap_or_default(),
            l.kind.clone().unwrap_or_default(),
            l.flight.clone().unwrap_or_default(),
            l.flight_date.clone().unwrap_or_default(),
            l.currency.clone().unwrap_or_default(),
            l.amount.clone().unwrap_or_default(),
            if l.offline { "yes" } else { "no" }.to_owned(),
            l.voucher_id.clone(),
            l.redemption_id.to_string(),
            device.name.clone(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    let file: String =
        device.name.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' }).collect();
    let disposition = format!("attachment; filename=\"gatecare-{}-{file}-{}.csv\"", device.station, list.day);
    let mut resp = csv.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// One CSV field: quoted when it holds a comma, a quote or a line break; a
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet never
/// runs a merchant's name as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\r', '\n']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("Noodle Bar"), "Noodle Bar");
        assert_eq!(csv_field("Bar, gate 40"), "\"Bar, gate 40\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("2026-12-07T09:46:00+08:00"), "2026-12-07T09:46:00+08:00");
    }
}
