//! A passenger's own re-routing on a cancelled flight, as stored: the
//! console sets it (`gatecare-station`), the feed brings other devices'.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{Store, StoreError, parse_time};

/// A passenger's own re-routing, where an agent set one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassengerRerouted {
    pub reroute_flight: Option<String>,
    pub departure: DateTime<Utc>,
    pub arrival: DateTime<Utc>,
}

impl Store {
    /// The latest re-routing an agent set for this passenger, if any.
    pub async fn passenger_reroute(
        &self,
        flight_id: &str,
        passenger_id: &str,
    ) -> Result<Option<PassengerRerouted>, StoreError> {
        /// A re-routing as recorded; its times may be NULL (not yet known).
        #[derive(sqlx::FromRow)]
        struct RerouteRow {
            reroute_flight: Option<String>,
            departure: Option<String>,
            arrival: Option<String>,
        }
        let row = sqlx::query_as::<_, RerouteRow>(
            "SELECT reroute_flight, departure, arrival FROM passenger_reroutes \
             WHERE flight_id = ? AND passenger_id = ? ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
        )
        .bind(flight_id)
        .bind(passenger_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let (Some(dep), Some(arr)) = (r.departure, r.arrival) else {
            return Ok(None);
        };
        Ok(Some(PassengerRerouted {
            reroute_flight: r.reroute_flight,
            departure: parse_time(dep)?,
            arrival: parse_time(arr)?,
        }))
    }
}
