//! A flight's passengers and its disruption as the care engine reads them:
//! everyone booked, star-rated (`manifest`), what a legal priority rests on,
//! and the flight's scenario without the passenger. The priority list, the
//! passenger's case and bulk issuance (`gatecare-bulk`) read them.

use chrono::{DateTime, Utc};
use gatecare_care::cause::Cause;
use gatecare_care::priority::PriorityInput;
use gatecare_care::scenario::{DisruptionKind, PassengerFacts, Scenario};
use gatecare_core::{AirportCode, Cabin, CarrierCode, LoyaltyTier, SpecialNeed};
use gatecare_policy::stars::{StarInputs, rate};
use serde::Serialize;

use crate::Station;
use gatecare_store::store::{StoreError, parse_time};

/// One passenger of a flight as the care engine and the queue see them.
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct ManifestEntry {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub pnr: String,
    pub ticket_number: String,
    pub ff_number: Option<String>,
    pub cabin: Cabin,
    pub booking_class: String,
    pub needs: Vec<SpecialNeed>,
    pub birth_year: Option<i64>,
    pub lives_in_departure_city: bool,
    pub group_id: Option<String>,
    pub group_leader: bool,
    pub tier: LoyaltyTier,
    pub stars: u8,
    pub score: u8,
}

/// The `needs` column ("wheelchair,infant") as needs; unknown names are skipped.
pub fn parse_needs(column: &str) -> Vec<SpecialNeed> {
    column.split(',').filter(|n| !n.is_empty()).filter_map(|n| SpecialNeed::parse(n).ok()).collect()
}

/// The care crate's view of a manifest for ordering; ages as of `year`.
pub fn priority_inputs(manifest: &[ManifestEntry], year: i64) -> Vec<PriorityInput> {
    manifest
        .iter()
        .map(|m| PriorityInput {
            id: m.passenger_id.clone(),
            pnr: m.pnr.clone(),
            needs: m.needs.clone(),
            age: m.birth_year.map(|b| (year - b).clamp(0, 130) as u16),
            stars: m.stars,
            tier: m.tier,
            group_id: m.group_id.clone(),
            group_leader: m.group_leader,
        })
        .collect()
}

/// The star-rating columns of a manifest row: the loyalty profile's (NULL
/// for passengers outside the programme, hence the options) and
/// `recovery_cases_sql!()`'s count. Flattened into the rows that select them.
#[derive(sqlx::FromRow)]
pub(crate) struct StarInputsRow {
    complaints_filed: Option<i64>,
    recovery_cases: i64,
    service_sensitivity: Option<i64>,
    flights_last_12_months: Option<i64>,
    weekday_share_pct: Option<i64>,
    channel: Option<String>,
    occupation: Option<String>,
    staff_notes: Option<String>,
}

/// The star-rating inputs of a manifest row.
pub(crate) fn star_inputs(r: StarInputsRow, tier: LoyaltyTier, booking_class: &str) -> StarInputs {
    let notes: Vec<String> =
        serde_json::from_str(&r.staff_notes.unwrap_or_else(|| "[]".into())).unwrap_or_default();
    StarInputs {
        complaints_filed: r.complaints_filed.unwrap_or(0).clamp(0, 255) as u8,
        recovery_cases: r.recovery_cases.clamp(0, 255) as u8,
        service_sensitivity: r.service_sensitivity.unwrap_or(0).clamp(0, 3) as u8,
        flights_last_12_months: r.flights_last_12_months.unwrap_or(0).clamp(0, 10_000) as u16,
        weekday_share_pct: r.weekday_share_pct.unwrap_or(0).clamp(0, 100) as u8,
        booking_class: booking_class.chars().next().unwrap_or('Y'),
        channel: r.channel.unwrap_or_else(|| "direct".into()),
        occupation: r.occupation.unwrap_or_else(|| "other".into()),
        staff_notes: notes,
        tier: Some(tier),
    }
}

/// The flight's current disruption as a care scenario (without the passenger).
pub struct FlightScenario {
    pub scenario: Scenario,
    pub station: String,
}

impl Station {
    /// What a legal priority rests on for this flight: the regimes that
    /// cover it (by its airports and the carrier's licence), whatever its state.
    pub async fn priority_basis(
        &self,
        flight_id: &str,
    ) -> Result<gatecare_care::priority::PriorityBasis, StoreError> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT carrier, origin, destination FROM flights WHERE id = ?")
                .bind(flight_id)
                .fetch_optional(self.pool())
                .await?;
        let Some((carrier, origin, destination)) = row else {
            return Ok(gatecare_care::priority::PriorityBasis::POLICY);
        };
        let country = |code: &str| {
            AirportCode::parse(code)
                .ok()
                .and_then(|c| gatecare_reference::airport(&c))
                .map(|a| a.country.clone())
        };
        let licence = gatecare_core::CarrierCode::parse(&carrier)
            .ok()
            .and_then(|c| gatecare_reference::carrier(&c))
            .and_then(|c| c.licence_country.clone());
        let regimes = match (country(&origin), country(&destination)) {
            (Some(o), Some(d)) => gatecare_care::regime::applicable(&o, &d, licence.as_deref()),
            _ => Vec::new(),
        };
        Ok(gatecare_care::priority::PriorityBasis::for_regimes(&regimes))
    }

    pub async fn flight_scenario(
        &self,
        flight_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<FlightScenario>, StoreError> {
        /// The flight's schedule.
        #[derive(sqlx::FromRow)]
        struct ScheduleRow {
            carrier: String,
            origin: String,
            destination: String,
            scheduled_departure: String,
            scheduled_arrival: String,
        }
        let f = sqlx::query_as::<_, ScheduleRow>(
            "SELECT carrier, origin, destination, scheduled_departure, scheduled_arrival FROM flights WHERE id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data(format!("no flight {flight_id}")))?;
        /// The flight's latest disruption update, and when one of its kind was first recorded.
        #[derive(sqlx::FromRow)]
        struct DisruptionRow {
            kind: String,
            cause: String,
            causes: Option<String>,
            expected_departure: Option<String>,
            expected_arrival: Option<String>,
            told: Option<String>,
        }
        let d = sqlx::query_as::<_, DisruptionRow>(
            "SELECT kind, cause, causes, expected_departure, expected_arrival, \
                    (SELECT MIN(e.recorded_at) FROM disruption_updates e WHERE e.flight_id = d.flight_id AND e.kind = d.kind) AS told \
             FROM disruption_updates d WHERE flight_id = ? \
             ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(d) = d else { return Ok(None) };
        let Ok(kind) = DisruptionKind::parse(&d.kind) else { return Ok(None) };
        let airport = |code: String| -> Result<&'static gatecare_reference::Airport, StoreError> {
            AirportCode::parse(&code)
                .ok()
                .and_then(|c| gatecare_reference::airport(&c))
                .ok_or_else(|| StoreError::Data(format!("unknown airport {code}")))
        };
        let origin = airport(f.origin)?;
        let carrier = CarrierCode::parse(&f.carrier).map_err(|e| StoreError::Data(e.to_string()))?;
        let cause_text = d.cause;
        let cause = Cause::parse(&cause_text)
            .ok_or_else(|| StoreError::Data(format!("unknown cause {cause_text}")))?;
        // Several causes with their minutes, weighed by the care engine.
        // A stored list that no longer reads (another device's entry, an
        // older build's) must not take the station's board down: the flight
        // is judged by its main cause alone, as with one cause, and a log
        // line says why.
        let causes = match d.causes {
            Some(text) => match serde_json::from_str::<Vec<gatecare_care::scenario::CauseInput>>(&text)
                .map_err(|e| e.to_string())
                .and_then(|list| gatecare_care::scenario::parse_causes(&list).map_err(|e| e.to_string()))
            {
                Ok((_, parts)) => parts,
                Err(e) => {
                    tracing::warn!(flight_id, error = %e, "stored causes do not read; judged by the main cause");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let time = |v: Option<String>| v.map(parse_time).transpose();
        let (expected_departure, expected_arrival) = (time(d.expected_departure)?, time(d.expected_arrival)?);
        // A cancellation's times are its re-routing's.
        let rerouted = matches!(kind, DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding);
        let scenario = Scenario {
            origin,
            destination: airport(f.destination)?,
            carrier_record: gatecare_reference::carrier(&carrier),
            carrier,
            carrier_size: None,
            disruption: kind,
            cause,
            causes,
            scheduled_departure: parse_time(f.scheduled_departure)?,
            scheduled_arrival: parse_time(f.scheduled_arrival)?,
            expected_departure: expected_departure.filter(|_| !rerouted),
            expected_arrival: expected_arrival.filter(|_| !rerouted),
            // Passengers hear of it when the gate records it (first as this kind).
            informed_at: time(d.told)?,
            notice_days: None,
            reroute: expected_departure.zip(expected_arrival).filter(|_| rerouted),
            diverted_to: None,
            passenger: PassengerFacts::default(),
            at,
        };
        Ok(Some(FlightScenario { scenario, station: origin.code.to_string() }))
    }

    /// Everyone booked on a flight, star-rated.
    pub async fn manifest(
        &self,
        flight_id: &str,
        policy: &gatecare_policy::Policy,
    ) -> Result<Vec<ManifestEntry>, StoreError> {
        /// A booking on the flight with the passenger's loyalty profile.
        #[derive(sqlx::FromRow)]
        struct ManifestRow {
            id: String,
            surname: String,
            given_names: String,
            native_name: Option<String>,
            birth_year: Option<i64>,
            lives_in_departure_city: i64,
            needs: String,
            pnr: String,
            ticket_number: String,
            #[sqlx(try_from = "String")]
            cabin: Cabin,
            booking_class: String,
            group_id: Option<String>,
            group_leader: i64,
            ff_number: Option<String>,
            tier: Option<String>,
            #[sqlx(flatten)]
            stars: StarInputsRow,
        }
        let rows = sqlx::query_as::<_, ManifestRow>(concat!(
            "SELECT p.id, p.surname, p.given_names, p.native_name, p.birth_year, p.lives_in_departure_city, p.needs, \
                    s.pnr, s.ticket_number, s.cabin, s.booking_class, s.group_id, s.group_leader, l.ff_number, \
                    l.tier, l.complaints_filed, l.service_sensitivity, l.flights_last_12_months, l.weekday_share_pct, \
                    l.channel, l.occupation, l.staff_notes, ",
            gatecare_store::recovery_cases_sql!(),
            " FROM segments s JOIN passengers p ON p.id = s.passenger_id \
             LEFT JOIN loyalty_profiles l ON l.passenger_id = p.id \
             WHERE s.flight_id = ? ORDER BY s.check_in_sequence, p.id",
        ))
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let needs = parse_needs(&r.needs);
            let tier = r.tier.and_then(|t| LoyaltyTier::parse(&t).ok()).unwrap_or(LoyaltyTier::None);
            let booking_class = r.booking_class;
            let rating = rate(&star_inputs(r.stars, tier, &booking_class), policy);
            out.push(ManifestEntry {
                passenger_id: r.id,
                surname: r.surname,
                given_names: r.given_names,
                native_name: r.native_name,
                pnr: r.pnr,
                ticket_number: r.ticket_number,
                ff_number: r.ff_number,
                cabin: r.cabin,
                booking_class,
                needs,
                birth_year: r.birth_year,
                lives_in_departure_city: r.lives_in_departure_city != 0,
                group_id: r.group_id,
                group_leader: r.group_leader != 0,
                tier,
                stars: rating.stars,
                score: rating.score,
            });
        }
        Ok(out)
    }
}
