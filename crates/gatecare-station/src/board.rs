//! The station's flights board across midnight: today's departures, and the
//! flights of the days before whose care is still open — their passengers
//! are still at the airport (CZ342 left at 03:30 the next day).

use chrono::{DateTime, Duration, TimeZone, Utc};

use gatecare_store::store::{FlightStatus, FlightSummary, StoreError, parse_time};

use crate::Station;

/// A flight leaves the board at most this long after its scheduled
/// departure, whatever is still open.
pub const CARE_OPEN_MAX_HOURS: i64 = 48;

impl Station {
    /// Whether a disrupted flight's care is open at `now`: within 48 h of its
    /// scheduled departure, and some passenger's (re-routed) departure is
    /// still ahead or a voucher of the flight is still valid.
    pub async fn care_open(&self, flight_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        /// The flight's schedule, latest disruption and latest re-routed departure.
        #[derive(sqlx::FromRow)]
        struct CareWindowRow {
            scheduled_departure: String,
            kind: Option<String>,
            expected_departure: Option<String>,
            latest_reroute: Option<String>,
        }
        let f = sqlx::query_as::<_, CareWindowRow>(
            "SELECT f.scheduled_departure, d.kind, d.expected_departure, \
                    (SELECT MAX(r.departure) FROM passenger_reroutes r WHERE r.flight_id = f.id) AS latest_reroute \
             FROM flights f LEFT JOIN disruption_updates d ON d.rowid = ( \
                 SELECT d2.rowid FROM disruption_updates d2 WHERE d2.flight_id = f.id \
                 ORDER BY d2.recorded_at DESC, d2.rowid DESC LIMIT 1) \
             WHERE f.id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(f) = f else { return Ok(false) };
        let scheduled = parse_time(f.scheduled_departure)?;
        let kind = f.kind;
        if now >= scheduled + Duration::hours(CARE_OPEN_MAX_HOURS)
            || matches!(kind.as_deref(), None | Some("resolved"))
        {
            return Ok(false);
        }
        let time = |v: Option<String>| v.map(parse_time).transpose();
        // A cancellation whose re-routing is not yet known is open.
        let departure = match (kind.as_deref(), time(f.expected_departure)?) {
            (Some("cancellation"), None) => return Ok(true),
            (_, expected) => expected.unwrap_or(scheduled),
        };
        let latest = time(f.latest_reroute)?.map_or(departure, |r| r.max(departure));
        if latest > now {
            return Ok(true);
        }
        let vouchers: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, issued_at FROM station_vouchers WHERE flight_id = ? AND void_reason IS NULL AND issued_at <> ''",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?;
        for (kind, at) in vouchers {
            if gatecare_voucher::terms::valid_until(&kind, latest, parse_time(at)?) > now {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The board at `now`: the station's departures of its local day, after
    /// the earlier flights whose care is still open (marked by their day).
    pub async fn station_board(
        &self,
        station: &gatecare_core::AirportCode,
        now: DateTime<Utc>,
    ) -> Result<Vec<FlightSummary>, StoreError> {
        let tz = gatecare_reference::airport(station)
            .map(|a| a.tz)
            .ok_or_else(|| StoreError::Data(format!("unknown station {station}")))?;
        let today = now.with_timezone(&tz).date_naive();
        let start = tz
            .from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .ok_or_else(|| StoreError::Data(format!("no local midnight on {today}")))?
            .to_utc();
        let mut board = Vec::new();
        let earlier = self
            .flight_board(station, (now - Duration::hours(CARE_OPEN_MAX_HOURS)).min(start), start)
            .await?;
        for mut f in earlier {
            if f.status != FlightStatus::OnTime && self.care_open(&f.id, now).await? {
                f.scheduled_day_offset =
                    (f.scheduled_departure.with_timezone(&tz).date_naive() - today).num_days();
                f.expected_day_offset = f
                    .expected_departure
                    .map(|e| (e.with_timezone(&tz).date_naive() - today).num_days())
                    .unwrap_or(f.scheduled_day_offset);
                board.push(f);
            }
        }
        board.extend(self.flight_board(station, start, start + Duration::days(1)).await?);
        Ok(board)
    }
}
