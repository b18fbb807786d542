//! Where a station's vouchers can be used: the merchants an administrator
//! published a place for (`admin merchant … --place-en/--place-zh`), with
//! what each takes. The passenger's page asks for its voucher's station
//! only, so central learns a station and nothing of the voucher; the answer
//! is public and the same for everyone.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gatecare_server_database::{Database, PublishedOutlet};
use serde::{Deserialize, Serialize};

use crate::Central;
use crate::http::ApiError;

pub fn routes<D: Database>() -> Router<Arc<Central<D>>> {
    Router::new().route("/pass/api/places", get(places::<D>))
}

#[derive(Debug, Deserialize)]
struct PlacesQuery {
    station: String,
}

#[derive(Debug, Serialize)]
struct Places {
    station: String,
    outlets: Vec<PublishedOutlet>,
}

async fn places<D: Database>(
    State(c): State<Arc<Central<D>>>,
    query: Result<Query<PlacesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let station = query.map(|Query(q)| q.station).unwrap_or_default();
    let Ok(station) = gatecare_core::AirportCode::parse(&station) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "station_invalid",
            "station is an IATA airport code",
        ));
    };
    let outlets = c.db.published_outlets(station.as_str()).await?;
    let mut resp = Json(Places { station: station.as_str().to_owned(), outlets }).into_response();
    let h = resp.headers_mut();
    // Revalidated on every look: a place just published shows at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}
