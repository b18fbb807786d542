//! What a gate console reads and records, one concept a module: the flight
//! at a glance (`flight`), a disruption as recorded (`disruption`), the
//! priority list (`priority`), one passenger's picture (`passenger`), upgrade
//! candidates (`upgrades`) and a passenger's own re-routing (`reroute`).
//!
//! Rules come from the care crate (evaluation, priority, stars, authority);
//! these modules gather the facts and record what agents decide. What they
//! share (the times as the airport reads them, the recorded disruptions, the
//! cabins) is here.

mod disruption;
mod flight;
mod passenger;
mod priority;
mod reroute;
mod upgrades;

pub use disruption::{DisruptionEntry, EntryKind};
pub use flight::{
    CabinRow, DisruptionNow, FlightView, HotelBlockRow, StaffRequest, StaffRequestRow, TimelineItem,
    announcement,
};
pub use gatecare_store::reroutes::PassengerRerouted;
pub use passenger::{BookingMember, EntitlementRow, HeldVoucher, PassengerView, VoucherRow};
pub use priority::PriorityRow;
pub use reroute::PassengerReroute;
pub use upgrades::{UpgradeCandidate, Upgrades};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use gatecare_care::cause::Cause;
use gatecare_care::evaluate::{CareKind, Source};
use gatecare_care::priority::{PriorityClass, order};
use gatecare_core::{Cabin, LoyaltyTier, SpecialNeed};
use gatecare_policy::Policy;
use gatecare_policy::stars::{FactorScore, lifetime_value, rate};
use serde::{Deserialize, Serialize};

use crate::Station;
use crate::manifest::{parse_needs, star_inputs};
use gatecare_store::ledger::{LedgerError, audit};
use gatecare_store::store::{parse_time, rfc3339};
use gatecare_store::{AuthenticatedAgent, StoreError};

/// Passengers must hear of a change within 30 minutes and get an update
/// every 30 minutes after (CAAC 2016; ANAC 400).
pub const UPDATE_INTERVAL_MINUTES: i64 = 30;

/// The new departure a delay of `minutes` makes: what `record_disruption`
/// records and the form shows before it is saved.
pub fn delayed_departure(scheduled: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    scheduled + Duration::minutes(minutes)
}

/// The same time on the airport's clock the next day (not 24 hours later:
/// a clock change between them moves it).
pub fn same_time_next_day(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let next = t.with_timezone(&tz).naive_local() + Duration::days(1);
    chrono::TimeZone::from_local_datetime(&tz, &next).earliest().map_or(t + Duration::days(1), |l| l.to_utc())
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// A new time as a passenger hears it: the time alone on the scheduled
/// local day, else with the day ("tomorrow", or the date).
pub fn new_time_words(t: DateTime<Utc>, scheduled: DateTime<Utc>, tz: Tz) -> (String, String) {
    let (lt, ls) = (t.with_timezone(&tz), scheduled.with_timezone(&tz));
    let hm = lt.format("%H:%M").to_string();
    let days = (lt.date_naive() - ls.date_naive()).num_days();
    let date_en = lt.format("%A %-d %B").to_string();
    let date_zh = format!("{}月{}日", lt.format("%-m"), lt.format("%-d"));
    match days {
        0 => (hm.clone(), hm),
        1 => (format!("{hm} tomorrow, {date_en}"), format!("明天（{date_zh}）{hm}")),
        _ => (format!("{hm} on {date_en}"), format!("{date_zh} {hm}")),
    }
}

/// Disruptions whose passengers travel on a re-routing (their own or the flight's).
pub fn rerouted_kind(k: gatecare_care::scenario::DisruptionKind) -> bool {
    use gatecare_care::scenario::DisruptionKind;
    matches!(k, DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding)
}

fn source_name(s: Source) -> String {
    match s {
        Source::Regime(r) => r.as_str().to_owned(),
        Source::Policy(_) => "policy".to_owned(),
    }
}

impl Station {
    async fn updates(
        &self,
        flight_id: &str,
        scheduled: DateTime<Utc>,
    ) -> Result<Vec<DisruptionNow>, StoreError> {
        /// One recorded disruption update.
        #[derive(sqlx::FromRow)]
        struct UpdateRow {
            kind: String,
            cause: String,
            causes: Option<String>,
            expected_departure: Option<String>,
            reroute_flight: Option<String>,
            recorded_at: String,
            recorded_by: String,
        }
        let rows = sqlx::query_as::<_, UpdateRow>(
            "SELECT kind, cause, causes, expected_departure, reroute_flight, recorded_at, recorded_by FROM disruption_updates \
             WHERE flight_id = ? ORDER BY recorded_at DESC, rowid DESC",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let recorded = r.cause;
                let parsed = Cause::parse(&recorded);
                let (en, zh) = parsed.map(Cause::explained).unwrap_or(("", ""));
                let cause = parsed.map_or(recorded.clone(), |c| c.as_str().to_owned());
                let expected = r.expected_departure.map(parse_time).transpose()?;
                Ok(DisruptionNow {
                    kind: EntryKind::parse(&r.kind)
                        .ok_or_else(|| StoreError::Data(format!("a disruption of kind {:?}", r.kind)))?,
                    cause_en: en.to_owned(),
                    cause_zh: zh.to_owned(),
                    iata_code: gatecare_care::cause::iata_code(&recorded),
                    causes: r.causes.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default(),
                    cause,
                    delay_minutes: expected.map_or(0, |t| (t - scheduled).num_minutes().max(0)),
                    expected_departure: expected,
                    reroute_flight: r.reroute_flight,
                    recorded_at: parse_time(r.recorded_at)?,
                    recorded_by: r.recorded_by,
                })
            })
            .collect()
    }

    /// Seats and bookings per cabin of a flight.
    async fn cabins(&self, flight_id: &str) -> Result<Vec<CabinRow>, StoreError> {
        Ok(sqlx::query_as::<_, CabinRow>(
            "SELECT cabin, seats, booked FROM flight_cabins WHERE flight_id = ? ORDER BY cabin",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_next_day_is_read_on_the_airports_clock() {
        let hk: Tz = "Asia/Hong_Kong".parse().unwrap();
        let london: Tz = "Europe/London".parse().unwrap();
        // 23:45 in Hong Kong: the same time tomorrow, across the date change.
        assert_eq!(same_time_next_day(utc("2026-11-22T15:45:00Z"), hk), utc("2026-11-23T15:45:00Z"));
        // 20:00 in London the evening before the clocks go forward: 23 hours later.
        assert_eq!(same_time_next_day(utc("2026-03-28T20:00:00Z"), london), utc("2026-03-29T19:00:00Z"));
        assert_eq!(delayed_departure(utc("2026-11-22T05:30:00Z"), 14 * 60), utc("2026-11-22T19:30:00Z"));
    }
}
