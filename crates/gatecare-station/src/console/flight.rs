//! A flight at a glance: its disruption as recorded, the timeline of care,
//! what to announce and when, cabins, hotel blocks, staff requests; and the
//! board's count of passengers owed care.

use super::*;

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct DisruptionNow {
    pub kind: EntryKind,
    /// The cause's category (`technical`).
    pub cause: String,
    /// The IATA delay code the agent entered (`41`), kept beside its category.
    pub iata_code: Option<u8>,
    /// Several causes with their minutes, as entered (empty for one cause).
    pub causes: Vec<gatecare_care::scenario::CauseInput>,
    pub cause_en: String,
    pub cause_zh: String,
    /// A delay's expected departure; a cancellation's re-routed one (None:
    /// not yet known).
    pub expected_departure: Option<DateTime<Utc>>,
    /// The flight a cancellation's passengers are re-routed on, when known.
    pub reroute_flight: Option<String>,
    pub delay_minutes: i64,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct TimelineItem {
    pub kind: CareKind,
    pub ordinal: u32,
    pub from: DateTime<Utc>,
    pub due: bool,
    pub source: String,
    pub citation: &'static str,
    pub citation_zh: String,
}

// Read as `flight_view` selects it from `hotel_blocks` (a plain comment: doc comments reach the UI's ipc.ts).
#[derive(ts_rs::TS, Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HotelBlockRow {
    pub id: String,
    pub name: String,
    pub name_zh: Option<String>,
    pub stars: i64,
    pub rooms_left: i64,
    pub rooms_total: i64,
    pub transport: String,
}

// Read as it is selected from `flight_cabins`.
#[derive(ts_rs::TS, Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CabinRow {
    #[sqlx(try_from = "String")]
    pub cabin: Cabin,
    pub seats: i64,
    pub booked: i64,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct FlightView {
    pub flight_id: String,
    pub flight: String,
    pub destination: String,
    pub destination_city: String,
    /// The city in Chinese, when the airline has it.
    pub destination_city_zh: Option<String>,
    pub scheduled_departure: DateTime<Utc>,
    /// The re-routing form's first guess: the same time on the airport's
    /// clock the next day.
    pub reroute_guess: DateTime<Utc>,
    pub gate: Option<String>,
    pub time_zone: String,
    pub disruption: Option<DisruptionNow>,
    /// Every change, newest first: who and when.
    pub updates: Vec<DisruptionNow>,
    pub passengers: i64,
    /// Passengers with at least one voucher issued on this flight.
    pub served: i64,
    /// What becomes due when, for a passenger without special needs.
    pub timeline: Vec<TimelineItem>,
    /// When passengers must next hear from the gate.
    pub next_update_due: Option<DateTime<Utc>>,
    pub update_overdue: bool,
    pub announcement_en: String,
    pub announcement_zh: String,
    pub hotels: Vec<HotelBlockRow>,
    /// Rooms left across the station's blocks, and passengers a hotel is
    /// owed to who have none yet: warn before the blocks run out.
    pub rooms_left: i64,
    pub hotel_owed_unserved: i64,
    pub hotel_warning: bool,
    pub cabins: Vec<CabinRow>,
    /// Passengers a kiosk would not serve alone (unaccompanied minors), who
    /// asked for staff: shown at the top, with their place in the queue.
    pub staff_requests: Vec<StaffRequestRow>,
    /// The regimes that cover the flight, and why each applies.
    pub regimes: Vec<gatecare_rights::RegimeReason>,
    /// Compensation, refund and how to claim, for a passenger without
    /// special needs (what the agent announces and prints for everyone).
    pub rights: Option<crate::rights::Rights>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct StaffRequestRow {
    pub passenger_id: String,
    pub name: String,
    /// Place in the priority list.
    pub place: usize,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
}

/// A staff request, as the console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct StaffRequest {
    pub passenger_id: String,
    pub reason: String,
    pub device: String,
    pub requested_at: DateTime<Utc>,
}

/// What the agent reads out, in English and Chinese.
pub fn announcement(
    flight: &str,
    city_en: &str,
    city_zh: &str,
    d: &DisruptionNow,
    scheduled: DateTime<Utc>,
    next_update: DateTime<Utc>,
    tz: Tz,
) -> (String, String) {
    let next = local(next_update, tz);
    let because: &str = match Cause::parse(&d.cause) {
        Some(c) => c.announced(),
        None => &d.cause_en,
    };
    match (d.kind.as_str(), d.expected_departure) {
        ("cancellation", Some(t)) => {
            let (when_en, when_zh) = new_time_words(t, scheduled, tz);
            let (on_en, on_zh) = match &d.reroute_flight {
                Some(f) => (format!("flight {f}, departing at {when_en}"), format!("{f}航班，{when_zh}起飞")),
                None => (format!("a flight departing at {when_en}"), format!("{when_zh}起飞的航班")),
            };
            (
                format!(
                    "Ladies and gentlemen, flight {flight} to {city_en} is cancelled because of {}. You have been \
                     rebooked on {on_en}. Please see the gate staff for meals and hotel rooms. We will update you \
                     again by {next}.",
                    because
                ),
                format!(
                    "女士们、先生们：前往{city_zh}的{flight}航班因{}取消。您已被改签至{on_zh}。请到登机口领取餐食和酒店安排。我们将在{next}前再次向您通报。",
                    d.cause_zh
                ),
            )
        }
        ("cancellation", None) => (
            format!(
                "Ladies and gentlemen, flight {flight} to {city_en} is cancelled because of {}. Please see the gate \
                 staff for rebooking, meals and hotel rooms. We will update you again by {next}.",
                because
            ),
            format!(
                "女士们、先生们：前往{city_zh}的{flight}航班因{}取消。请到登机口办理改签，并领取餐食和酒店安排。我们将在{next}前再次向您通报。",
                d.cause_zh
            ),
        ),
        (_, Some(t)) => {
            let (new_time, new_time_zh) = new_time_words(t, scheduled, tz);
            (
                format!(
                    "Ladies and gentlemen, flight {flight} to {city_en} is delayed because of {}. The new expected \
                     departure time is {new_time}. Meal vouchers are available at the gate. We will update you again \
                     by {next}.",
                    because
                ),
                format!(
                    "女士们、先生们：前往{city_zh}的{flight}航班因{}延误，预计起飞时间为{new_time_zh}。餐食券请到登机口领取。我们将在{next}前再次向您通报。",
                    d.cause_zh
                ),
            )
        }
        _ => (
            format!(
                "Ladies and gentlemen, flight {flight} to {city_en} is delayed because of {}. We will update you again \
                 by {next}.",
                because
            ),
            format!(
                "女士们、先生们：前往{city_zh}的{flight}航班因{}延误。我们将在{next}前再次向您通报。",
                d.cause_zh
            ),
        ),
    }
}

impl Station {
    /// The staff requests of a flight, oldest first.
    pub async fn staff_requests(&self, flight_id: &str) -> Result<Vec<StaffRequest>, StoreError> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT passenger_id, reason, device, requested_at FROM staff_requests WHERE flight_id = ? \
             ORDER BY requested_at",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(passenger_id, reason, device, at)| {
                Ok(StaffRequest { passenger_id, reason, device, requested_at: parse_time(at)? })
            })
            .collect()
    }

    /// The new departure a delay of `minutes` would make for this flight,
    /// for the form to show before it is saved.
    pub async fn delayed_departure_of(
        &self,
        flight_id: &str,
        minutes: i64,
    ) -> Result<DateTime<Utc>, StoreError> {
        let scheduled: Option<String> =
            sqlx::query_scalar("SELECT scheduled_departure FROM flights WHERE id = ?")
                .bind(flight_id)
                .fetch_optional(self.pool())
                .await?;
        let scheduled = scheduled.ok_or_else(|| StoreError::Data(format!("no flight {flight_id}")))?;
        Ok(delayed_departure(parse_time(scheduled)?, minutes.clamp(0, 72 * 60)))
    }

    /// A flight at a glance for the agent.
    pub async fn flight_view(
        &self,
        flight_id: &str,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<FlightView, StoreError> {
        /// The flight as the console shows it.
        #[derive(sqlx::FromRow)]
        struct FlightRow {
            carrier: String,
            number: String,
            origin: String,
            destination: String,
            scheduled_departure: String,
            gate: Option<String>,
        }
        let f = sqlx::query_as::<_, FlightRow>(
            "SELECT carrier, number, origin, destination, scheduled_departure, gate FROM flights WHERE id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data(format!("no flight {flight_id}")))?;
        let origin = f.origin;
        let destination = f.destination;
        let tz = gatecare_reference::time_zone(&origin);
        let city_en = gatecare_reference::city_en(&destination);
        let city_zh = gatecare_core::AirportCode::parse(&destination)
            .ok()
            .and_then(|c| gatecare_reference::city_zh(&c));
        let scheduled = parse_time(f.scheduled_departure)?;
        let flight = format!("{}{}", f.carrier, f.number);
        let updates = self.updates(flight_id, scheduled).await?;
        let disruption = updates.first().cloned();

        /// The flight's passengers, and those served (with anything, with a hotel).
        #[derive(sqlx::FromRow)]
        struct CountsRow {
            pax: i64,
            served: i64,
            hotel_served: i64,
        }
        let counts = sqlx::query_as::<_, CountsRow>(
            "SELECT (SELECT COUNT(*) FROM segments WHERE flight_id = ?1) AS pax, \
                    (SELECT COUNT(DISTINCT passenger_id) FROM station_vouchers WHERE flight_id = ?1 AND void_reason IS NULL) AS served, \
                    (SELECT COUNT(DISTINCT passenger_id) FROM station_vouchers \
                       WHERE flight_id = ?1 AND kind = 'hotel' AND void_reason IS NULL) AS hotel_served",
        )
        .bind(flight_id)
        .fetch_one(self.pool())
        .await?;
        let passengers = counts.pax;

        let mut timeline = Vec::new();
        let mut hotel_owed = false;
        let (mut regimes, mut rights) = (Vec::new(), None);
        if let Some(fs) = self.flight_scenario(flight_id, now).await? {
            let eval = gatecare_care::evaluate(&fs.scenario, policy);
            regimes = crate::rights::regime_reasons(&fs.scenario, &eval);
            rights = Some(crate::rights::rights(&fs.scenario, &eval, None));
            hotel_owed = eval.care.iter().any(|i| i.kind == CareKind::Hotel && i.due && !i.passenger_pays);
            let mut later = fs.scenario.clone();
            // Far in the future: everything that will ever accrue, with its time.
            later.at =
                later.expected_departure.or(later.reroute.map(|r| r.0)).unwrap_or(later.scheduled_departure)
                    + Duration::hours(48);
            for i in gatecare_care::evaluate(&later, policy).care {
                timeline.push(TimelineItem {
                    kind: i.kind,
                    ordinal: i.ordinal,
                    from: i.from,
                    due: i.from <= now,
                    source: source_name(i.source),
                    citation: i.citation,
                    citation_zh: gatecare_rights::citation_zh(i.citation),
                });
            }
            timeline.sort_by_key(|i| (i.from, i.ordinal));
        }
        let hotels = sqlx::query_as::<_, HotelBlockRow>(
            "SELECT id, name, name_zh, stars, rooms_left, rooms_total, transport FROM hotel_blocks \
             WHERE station = ? AND valid_from <= ? AND valid_until > ? ORDER BY stars DESC, name",
        )
        .bind(&origin)
        .bind(rfc3339(now))
        .bind(rfc3339(now))
        .fetch_all(self.pool())
        .await?;
        let rooms_left: i64 = hotels.iter().map(|h| h.rooms_left).sum();
        let hotel_owed_unserved = if hotel_owed { (passengers - counts.hotel_served).max(0) } else { 0 };
        let cabins = self.cabins(flight_id).await?;
        let requests = self.staff_requests(flight_id).await?;
        let mut staff_requests = Vec::with_capacity(requests.len());
        if !requests.is_empty() {
            let queue = self.priority_list(flight_id, policy).await?;
            for r in requests {
                let Some(row) = queue.iter().find(|q| q.passenger.passenger_id == r.passenger_id) else {
                    continue;
                };
                let p = &row.passenger;
                staff_requests.push(StaffRequestRow {
                    name: match &p.native_name {
                        Some(n) => format!("{n} {}/{}", p.surname, p.given_names),
                        None => format!("{}/{}", p.surname, p.given_names),
                    },
                    passenger_id: r.passenger_id,
                    place: row.place,
                    reason: r.reason,
                    requested_at: r.requested_at,
                });
            }
        }

        let (next_update_due, announcement_en, announcement_zh) = match &disruption {
            Some(d) => {
                // Every 30 minutes from the last change, rolled forward to
                // the next slot that has not passed.
                let mut next = d.recorded_at + Duration::minutes(UPDATE_INTERVAL_MINUTES);
                while next < now - Duration::minutes(UPDATE_INTERVAL_MINUTES) {
                    next += Duration::minutes(UPDATE_INTERVAL_MINUTES);
                }
                let (en, zh) = announcement(
                    &flight,
                    &city_en,
                    city_zh.unwrap_or(&city_en),
                    d,
                    scheduled,
                    next.max(now),
                    tz,
                );
                (Some(next), en, zh)
            }
            None => (None, String::new(), String::new()),
        };
        Ok(FlightView {
            flight_id: flight_id.to_owned(),
            flight,
            destination,
            destination_city: city_en,
            destination_city_zh: city_zh.map(str::to_owned),
            scheduled_departure: scheduled,
            reroute_guess: same_time_next_day(scheduled, tz),
            gate: f.gate,
            time_zone: tz.name().to_owned(),
            disruption,
            updates,
            passengers,
            served: counts.served,
            timeline,
            update_overdue: next_update_due.is_some_and(|t| t < now),
            next_update_due,
            announcement_en,
            announcement_zh,
            rooms_left,
            hotel_owed_unserved,
            hotel_warning: hotel_owed && hotel_owed_unserved > rooms_left,
            hotels,
            cabins,
            staff_requests,
            regimes,
            rights,
        })
    }

    /// Fills in how many passengers of each disrupted flight are owed care
    /// now and have no voucher yet (the care engine, for a passenger without
    /// special needs).
    pub async fn with_care_owed(
        &self,
        mut flights: Vec<crate::FlightSummary>,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::FlightSummary>, StoreError> {
        for f in flights.iter_mut().filter(|f| f.status != crate::FlightStatus::OnTime) {
            if let Some(fs) = self.flight_scenario(&f.id, now).await? {
                let eval = gatecare_care::evaluate(&fs.scenario, policy);
                // Each entitlement due now (a second meal as much as the
                // first) is owed until some device of the station holds it.
                let due: Vec<String> = eval
                    .care
                    .iter()
                    .filter(|i| i.due && !i.passenger_pays && i.kind != CareKind::Communication)
                    .map(|i| format!("/{}/{}", i.kind.as_str(), i.ordinal))
                    .collect();
                if due.is_empty() {
                    continue;
                }
                let held: Vec<(String, String)> = sqlx::query_as(
                    "SELECT passenger_id, entitlement_key FROM station_vouchers \
                     WHERE flight_id = ? AND void_reason IS NULL",
                )
                .bind(&f.id)
                .fetch_all(self.pool())
                .await?;
                let mut by_passenger: std::collections::HashMap<&str, Vec<&str>> = Default::default();
                for (p, k) in &held {
                    by_passenger.entry(p.as_str()).or_default().push(k.as_str());
                }
                let passengers: Vec<String> =
                    sqlx::query_scalar("SELECT passenger_id FROM segments WHERE flight_id = ?")
                        .bind(&f.id)
                        .fetch_all(self.pool())
                        .await?;
                f.owed = passengers
                    .iter()
                    .filter(|p| {
                        let keys = by_passenger.get(p.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                        due.iter().any(|d| !keys.iter().any(|k| k.ends_with(d.as_str())))
                    })
                    .count() as i64;
            }
        }
        Ok(flights)
    }

    /// A hotel block's nightly rate and currency.
    pub async fn hotel_rate(&self, block_id: &str) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT rate_minor, currency FROM hotel_blocks WHERE id = ?")
            .bind(block_id)
            .fetch_optional(self.pool())
            .await?)
    }
}
