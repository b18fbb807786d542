//! Matching a scanned boarding pass against the cached manifest.
//!
//! A pass is not proof of anything: it identifies a booking only when its
//! PNR, surname, flight and date all match a segment we hold.

use chrono::{DateTime, NaiveDate, Utc};
use gatecare_bcbp::{BoardingPass, resolve_flight_date, resolve_issue_date};
use gatecare_core::{AirportCode, CarrierCode, FlightNumber};
use serde::Serialize;

use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BookingMatch {
    pub passenger_id: String,
    pub segment_id: String,
    pub flight_id: String,
    pub flight: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub cabin: String,
    pub seat: Option<String>,
}

/// Why a pass found no booking, for the kiosk to explain.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NoMatch {
    /// The pass's codes are not valid (it parsed, but names no real flight).
    InvalidPass,
    /// No flight with that designator leaves from here on that date.
    UnknownFlight,
    /// The flight exists but holds no booking with that PNR and surname.
    NoBooking,
}

impl Store {
    /// The flights of a designator leaving `origin`, earliest first: id and
    /// scheduled departure.
    pub async fn departures(
        &self,
        carrier: &CarrierCode,
        number: &FlightNumber,
        origin: &AirportCode,
    ) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query_as::<_, (String, String)>(
            "SELECT id, scheduled_departure FROM flights WHERE carrier = ? AND number = ? AND origin = ? \
             ORDER BY scheduled_departure",
        )
        .bind(carrier.as_str())
        .bind(number.as_str())
        .bind(origin.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(|(id, dep)| Ok((id, crate::store::parse_time(dep)?))).collect()
    }

    /// Finds the booking a pass's first leg that departs from `station`
    /// refers to. `today` (station-local) resolves the pass's day of year.
    pub async fn match_boarding_pass(
        &self,
        pass: &BoardingPass,
        station: &AirportCode,
        today: NaiveDate,
    ) -> Result<Result<BookingMatch, NoMatch>, StoreError> {
        let issued = pass.issue_date.and_then(|i| resolve_issue_date(i, today));
        let Some(leg) = pass.legs.iter().find(|l| l.from.eq_ignore_ascii_case(station.as_str())) else {
            return Ok(Err(NoMatch::UnknownFlight));
        };
        let (Ok(carrier), Ok(number)) =
            (CarrierCode::parse(&leg.operating_carrier), FlightNumber::parse(&leg.flight_number))
        else {
            return Ok(Err(NoMatch::InvalidPass));
        };
        let Some(date) = resolve_flight_date(leg.day_of_year, issued, today) else {
            return Ok(Err(NoMatch::InvalidPass));
        };
        let tz = gatecare_reference::airport(station)
            .map(|a| a.tz)
            .ok_or_else(|| StoreError::Data(format!("unknown station {station}")))?;

        let mut flight_ids = Vec::new();
        for (id, dep) in self.departures(&carrier, &number, station).await? {
            if dep.with_timezone(&tz).date_naive() == date {
                flight_ids.push(id);
            }
        }
        if flight_ids.is_empty() {
            return Ok(Err(NoMatch::UnknownFlight));
        }
        /// A booking on one of the pass's flights under the pass's PNR.
        #[derive(sqlx::FromRow)]
        struct CandidateRow {
            segment_id: String,
            passenger_id: String,
            flight_id: String,
            cabin: String,
            seat: Option<String>,
            surname: String,
            given_names: String,
            native_name: Option<String>,
        }
        let mut rows = Vec::new();
        for id in &flight_ids {
            rows.extend(
                sqlx::query_as::<_, CandidateRow>(
                    "SELECT s.id AS segment_id, s.passenger_id, s.flight_id, s.cabin, s.seat, \
                            p.surname, p.given_names, p.native_name \
                     FROM segments s JOIN passengers p ON p.id = s.passenger_id \
                     WHERE s.flight_id = ? AND s.pnr = ?",
                )
                .bind(id)
                .bind(leg.pnr.to_ascii_uppercase())
                .fetch_all(self.pool())
                .await?,
            );
        }
        let on_pass = pass_name_key(&pass.surname);
        let given_on_pass = pass_name_key(&pass.given_names);
        // Families and tour groups share a PNR and often a surname: rank the
        // candidates by given name, then seat.
        let mut best: Option<(BookingMatch, u8)> = None;
        for r in rows {
            let CandidateRow {
                segment_id,
                passenger_id,
                flight_id,
                cabin,
                seat,
                surname,
                given_names: given,
                native_name,
            } = r;
            // The pass holds 20 characters of "SURNAME/GIVEN", folded to ASCII.
            let held = pass_name_key(&surname);
            if !(held == on_pass || (on_pass.len() >= 10 && held.starts_with(&on_pass))) {
                continue;
            }
            let given_ok = !given_on_pass.is_empty() && pass_name_key(&given).starts_with(&given_on_pass);
            let score = 2 * given_ok as u8 + (seat.is_some() && seat == leg.seat) as u8;
            if best.as_ref().is_none_or(|(_, s)| score > *s) {
                best = Some((
                    BookingMatch {
                        passenger_id,
                        segment_id,
                        flight_id,
                        flight: format!("{carrier}{number}"),
                        surname,
                        given_names: given,
                        native_name,
                        cabin,
                        seat,
                    },
                    score,
                ));
            }
        }
        Ok(best.map(|(m, _)| m).ok_or(NoMatch::NoBooking))
    }
}

/// Upper-case ASCII letters and digits only: "Müller-Lüdenscheidt" and
/// "MULLERLUDENSCHEIDT" compare equal, as check-in systems print them.
pub fn pass_name_key(s: &str) -> String {
    gatecare_core::fold_to_ascii(s).chars().filter(char::is_ascii_alphanumeric).collect()
}
