//! The console's board: the station's departures for its local day.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use gatecare_station::FlightSummary;
use serde::Serialize;

use crate::Device;
use crate::error::{ApiError, err};

#[derive(ts_rs::TS, Debug, Serialize)]
pub struct FlightBoard {
    /// The station-local date shown.
    pub date: NaiveDate,
    /// True when today had no flights and the stored demo day is shown instead.
    pub demo_day: bool,
    pub flights: Vec<FlightSummary>,
}

impl Device {
    /// Departures of the station for its local day (today by the device's
    /// clock), after the earlier flights whose care is still open. The board
    /// refreshes itself every minute: a `background` refresh is not activity.
    pub async fn flight_board(&self, background: bool) -> Result<FlightBoard, ApiError> {
        if background {
            self.agent_quiet()?;
        } else {
            self.agent()?;
        }
        let s = &self.settings;
        let station = self.station()?;
        let tz = gatecare_reference::airport(&s.station)
            .map(|a| a.tz)
            .ok_or_else(|| err("station.unknown", s.station.to_string()))?;
        let now = self.now();
        let today = now.with_timezone(&tz).date_naive();
        let day = |d: NaiveDate| -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
            let start = tz
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .ok_or_else(|| err("time.local", format!("no local midnight on {d}")))?
                .to_utc();
            Ok((start, start + Duration::days(1)))
        };
        let flights = station.station_board(&s.station, now).await?;
        if flights.is_empty()
            && let Some(demo) = station.demo_date().await?.filter(|d| *d != today)
        {
            let (from, until) = day(demo)?;
            let flights = station.flight_board(&s.station, from, until).await?;
            let flights = station.with_care_owed(flights, &self.policy, now).await?;
            return Ok(FlightBoard { date: demo, demo_day: true, flights });
        }
        let flights = station.with_care_owed(flights, &self.policy, now).await?;
        Ok(FlightBoard { date: today, demo_day: false, flights })
    }
}
