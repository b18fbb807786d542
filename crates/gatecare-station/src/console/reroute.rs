//! A passenger's own re-routing on a cancelled flight, apart from the
//! flight's.

use super::*;

/// A passenger re-routed differently from the flight's default.
#[derive(ts_rs::TS, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassengerReroute {
    /// The re-routing flight (e.g. `LH797`), when known.
    #[serde(default)]
    pub reroute_flight: Option<String>,
    /// The departure as the airport's clock shows it.
    pub departure_local: chrono::NaiveDateTime,
}

impl Station {
    /// Re-routes one passenger of a cancelled flight on another flight or
    /// day than the flight's default: checked like the flight's, audited,
    /// sent to the station's other devices. Their care follows the new time.
    pub async fn reroute_passenger(
        &self,
        flight_id: &str,
        passenger_id: &str,
        entry: &PassengerReroute,
        agent: &AuthenticatedAgent,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<PassengerRerouted, LedgerError> {
        /// The flight's schedule, its latest disruption's kind and whether the passenger is booked on it.
        #[derive(sqlx::FromRow)]
        struct RerouteCheckRow {
            origin: String,
            scheduled_departure: String,
            scheduled_arrival: String,
            kind: Option<String>,
            booked: i64,
        }
        let row = sqlx::query_as::<_, RerouteCheckRow>(
            "SELECT f.origin, f.scheduled_departure, f.scheduled_arrival, \
                    (SELECT d.kind FROM disruption_updates d WHERE d.flight_id = f.id \
                     ORDER BY d.recorded_at DESC, d.rowid DESC LIMIT 1) AS kind, \
                    EXISTS (SELECT 1 FROM segments s WHERE s.flight_id = f.id AND s.passenger_id = ?) AS booked \
             FROM flights f WHERE f.id = ?",
        )
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| LedgerError::Invalid(format!("no flight {flight_id}")))?;
        if row.booked == 0 {
            return Err(LedgerError::Invalid(format!("no booking of {passenger_id} on {flight_id}")));
        }
        if row.kind.as_deref() != Some("cancellation") {
            return Err(LedgerError::Invalid("only a cancelled flight's passengers are re-routed".into()));
        }
        let scheduled = parse_time(row.scheduled_departure)?;
        let block = parse_time(row.scheduled_arrival)? - scheduled;
        let tz = gatecare_reference::time_zone(&row.origin);
        let departure = chrono::TimeZone::from_local_datetime(&tz, &entry.departure_local)
            .earliest()
            .ok_or_else(|| {
                LedgerError::Invalid(format!(
                    "{} does not exist on the airport's clock",
                    entry.departure_local
                ))
            })?
            .to_utc();
        if departure < scheduled - Duration::hours(24) || departure - scheduled > Duration::hours(72) {
            return Err(LedgerError::Invalid(
                "a re-routed departure is at most 24 h before and 72 h after the scheduled one".into(),
            ));
        }
        let reroute_flight = match entry.reroute_flight.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(
                gatecare_core::FlightDesignator::parse(f)
                    .map_err(|e| LedgerError::Invalid(format!("re-routing flight {f:?}: {e}")))?
                    .to_string(),
            ),
            None => None,
        };
        let rerouted = PassengerRerouted { reroute_flight, departure, arrival: departure + block };
        let id = uuid::Uuid::now_v7().to_string();
        let details = serde_json::json!({
            "id": id, "flight_id": flight_id, "passenger_id": passenger_id,
            "reroute_flight": rerouted.reroute_flight, "departure": rerouted.departure,
            "arrival": rerouted.arrival, "recorded_by": agent.code,
        });
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO passenger_reroutes (id, flight_id, passenger_id, reroute_flight, departure, arrival, \
             recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(flight_id)
        .bind(passenger_id)
        .bind(&rerouted.reroute_flight)
        .bind(rfc3339(rerouted.departure))
        .bind(rfc3339(rerouted.arrival))
        .bind(rfc3339(now))
        .bind(&agent.code)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, &agent.code, device, "passenger.rerouted", &details, now).await?;
        gatecare_store::ledger::append_sync(&mut tx, "passenger_rerouted", &details, now).await?;
        tx.commit().await?;
        Ok(rerouted)
    }
}
