//! The gate agent's console: a flight at a glance (disruption, timeline,
//! what to announce and when), disruption entry, the priority list, one
//! passenger's full picture, hotel blocks and upgrade candidates.
//!
//! Rules come from the care crate (evaluation, priority, stars, authority);
//! this module gathers the facts and records what agents decide.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use gatecare_care::Policy;
use gatecare_care::cause::Cause;
use gatecare_care::evaluate::{CareKind, Source};
use gatecare_care::priority::{PriorityClass, order};
use gatecare_care::stars::{FactorScore, lifetime_value, rate};
use gatecare_core::{Cabin, LoyaltyTier, SpecialNeed};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::Station;
use crate::bulk::{parse_needs, star_inputs};
use gatecare_store::ledger::{LedgerError, audit};
use gatecare_store::store::{parse_time, rfc3339};
use gatecare_store::{AuthenticatedAgent, StoreError};

/// Passengers must hear of a change within 30 minutes and get an update
/// every 30 minutes after (CAAC 2016; ANAC 400).
pub const UPDATE_INTERVAL_MINUTES: i64 = 30;

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct DisruptionNow {
    pub kind: String,
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

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct HotelBlockRow {
    pub id: String,
    pub name: String,
    pub name_zh: Option<String>,
    pub stars: i64,
    pub rooms_left: i64,
    pub rooms_total: i64,
    pub transport: String,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct CabinRow {
    pub cabin: String,
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
    pub regimes: Vec<gatecare_care::rights::RegimeReason>,
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

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct PriorityRow {
    pub place: usize,
    pub class: PriorityClass,
    pub reason: String,
    pub reason_zh: String,
    pub reach_out_first: bool,
    /// The passenger as the manifest has them (flattened on the wire).
    #[serde(flatten)]
    pub passenger: crate::bulk::ManifestEntry,
    /// Vouchers issued (not voided) on this flight.
    pub vouchers: i64,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct EntitlementRow {
    pub kind: CareKind,
    pub ordinal: u32,
    pub due: bool,
    pub from: DateTime<Utc>,
    pub source: String,
    pub citation: &'static str,
    pub citation_zh: String,
    pub passenger_pays: bool,
    /// The live voucher for it, from whichever device of the station: not
    /// offered again.
    pub held: Option<HeldVoucher>,
    /// Its voucher was voided and none replaces it yet: an agent may issue
    /// a replacement.
    pub replaceable: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct HeldVoucher {
    pub serial: String,
    pub device: String,
    pub remote: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct VoucherRow {
    pub voucher_id: String,
    pub serial: String,
    pub kind: String,
    pub value_minor: i64,
    pub currency: String,
    /// The currency's exponent (none without a currency): the screen
    /// divides by Rust's table, never its own.
    pub exponent: Option<u8>,
    pub statutory: bool,
    /// None for a voucher another device issued before this device kept times.
    pub issued_at: Option<DateTime<Utc>>,
    pub actor: String,
    pub approver: Option<String>,
    pub reason: String,
    pub voided: bool,
    /// Why it was voided: the agent's words, or central's (`double_issuance`).
    pub void_reason: Option<String>,
    pub reprints: i64,
    /// The device that issued it (its code, e.g. `HKG-K01`).
    pub device: String,
    /// Issued by another device of the station (known from central's feed):
    /// shown, never reprinted or voided here.
    pub remote: bool,
    pub entitlement_key: String,
    /// The voided voucher this one replaces.
    pub replaces: Option<String>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct PassengerView {
    pub passenger_id: String,
    pub flight_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub pnr: String,
    pub ticket_number: String,
    pub cabin: String,
    pub booking_class: String,
    pub seat: Option<String>,
    pub tier: LoyaltyTier,
    pub ff_number: Option<String>,
    pub miles: i64,
    pub stars: u8,
    pub score: u8,
    pub factors: Vec<FactorScore>,
    pub lifetime_value: gatecare_core::Amount,
    pub needs: Vec<SpecialNeed>,
    pub group_id: Option<String>,
    pub group_size: i64,
    /// Everyone on the same booking (this passenger included), and whether
    /// each already holds a hotel: a family is housed together.
    pub booking: Vec<BookingMember>,
    pub entitlements: Vec<EntitlementRow>,
    pub vouchers: Vec<VoucherRow>,
    /// What this agent may grant this passenger at their own authority.
    pub authority_limit: Option<gatecare_core::Amount>,
    /// Where the passenger's recovery memory lives (see `recovery::profile_key`).
    pub profile_key: String,
    /// Every service-recovery case on the profile, oldest first.
    pub recovery: Vec<crate::cases::CaseView>,
    /// Two or more failures: the recovery paradox no longer holds (seed 002).
    pub repeat_failure: bool,
    /// Compensation, refund (and whether it was chosen), how to claim.
    pub rights: Option<crate::rights::Rights>,
    /// This passenger's own re-routing, where an agent set one.
    pub reroute: Option<PassengerRerouted>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct BookingMember {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub has_hotel: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisruptionEntry {
    /// `delay` or `cancellation`.
    pub kind: String,
    /// A category (`technical`, `weather`, …) or an IATA delay code (`41`),
    /// kept as entered.
    pub cause: String,
    /// A delay's new departure; a cancellation's re-routed departure, or
    /// None while the re-routing is not yet known.
    #[serde(default)]
    pub expected_departure: Option<DateTime<Utc>>,
    /// A delay as hours and minutes after the scheduled departure (what the
    /// console's form sends); used when `expected_departure` is absent.
    #[serde(default)]
    pub delay_minutes: Option<i64>,
    /// Several causes with their minutes (an MVT's `DL41/93/0045/0130`);
    /// `cause` is then ignored and the main one is recorded in its place.
    #[serde(default)]
    pub causes: Option<Vec<gatecare_care::scenario::CauseInput>>,
    /// The same time as the departure airport's clock shows it (what an
    /// agent types); used when `expected_departure` is absent.
    #[serde(default)]
    pub departure_local: Option<chrono::NaiveDateTime>,
    /// A cancellation's re-routing flight (e.g. `LH797`).
    #[serde(default)]
    pub reroute_flight: Option<String>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct UpgradeCandidate {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub from_cabin: String,
    pub to_cabin: String,
    pub stars: u8,
    pub tier: LoyaltyTier,
    pub upgraded: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct Upgrades {
    /// Free seats per higher cabin.
    pub free: Vec<CabinRow>,
    /// By stars, then tier: the first ones fit the free seats.
    pub candidates: Vec<UpgradeCandidate>,
}

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

/// Marks each entitlement with the voucher that holds it (any device), or as
/// replaceable when its only vouchers were voided.
fn mark_held(entitlements: &mut [EntitlementRow], vouchers: &[VoucherRow]) {
    for e in entitlements {
        let kind = e.kind.as_str();
        let suffix = format!("/{kind}/{}", e.ordinal);
        let mine: Vec<&VoucherRow> =
            vouchers.iter().filter(|v| v.kind == kind && v.entitlement_key.ends_with(&suffix)).collect();
        e.held = mine.iter().find(|v| !v.voided).map(|v| HeldVoucher {
            serial: v.serial.clone(),
            device: v.device.clone(),
            remote: v.remote,
        });
        e.replaceable = e.held.is_none() && !mine.is_empty();
    }
}

/// Disruptions whose passengers travel on a re-routing (their own or the flight's).
pub(crate) fn rerouted_kind(k: gatecare_care::scenario::DisruptionKind) -> bool {
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
        let rows = sqlx::query(
            "SELECT kind, cause, causes, expected_departure, reroute_flight, recorded_at, recorded_by FROM disruption_updates \
             WHERE flight_id = ? ORDER BY recorded_at DESC, rowid DESC",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let recorded: String = r.try_get("cause")?;
                let parsed = Cause::parse(&recorded);
                let (en, zh) = parsed.map(Cause::explained).unwrap_or(("", ""));
                let cause = parsed.map_or(recorded.clone(), |c| c.as_str().to_owned());
                let expected =
                    r.try_get::<Option<String>, _>("expected_departure")?.map(parse_time).transpose()?;
                Ok(DisruptionNow {
                    kind: r.try_get("kind")?,
                    cause_en: en.to_owned(),
                    cause_zh: zh.to_owned(),
                    iata_code: gatecare_care::cause::iata_code(&recorded),
                    causes: r
                        .try_get::<Option<String>, _>("causes")?
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_default(),
                    cause,
                    delay_minutes: expected.map_or(0, |t| (t - scheduled).num_minutes().max(0)),
                    expected_departure: expected,
                    reroute_flight: r.try_get("reroute_flight")?,
                    recorded_at: parse_time(r.try_get("recorded_at")?)?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// A flight at a glance for the agent.
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

    pub async fn flight_view(
        &self,
        flight_id: &str,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<FlightView, StoreError> {
        let f = sqlx::query(
            "SELECT carrier, number, origin, destination, scheduled_departure, gate FROM flights WHERE id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data(format!("no flight {flight_id}")))?;
        let origin: String = f.try_get("origin")?;
        let destination: String = f.try_get("destination")?;
        let tz = gatecare_reference::time_zone(&origin);
        let city_en = gatecare_reference::city_en(&destination);
        let city_zh = gatecare_core::AirportCode::parse(&destination)
            .ok()
            .and_then(|c| gatecare_reference::city_zh(&c));
        let scheduled = parse_time(f.try_get("scheduled_departure")?)?;
        let flight = format!("{}{}", f.try_get::<String, _>("carrier")?, f.try_get::<String, _>("number")?);
        let updates = self.updates(flight_id, scheduled).await?;
        let disruption = updates.first().cloned();

        let counts = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM segments WHERE flight_id = ?1) AS pax, \
                    (SELECT COUNT(DISTINCT passenger_id) FROM station_vouchers WHERE flight_id = ?1 AND void_reason IS NULL) AS served, \
                    (SELECT COUNT(DISTINCT passenger_id) FROM station_vouchers \
                       WHERE flight_id = ?1 AND kind = 'hotel' AND void_reason IS NULL) AS hotel_served",
        )
        .bind(flight_id)
        .fetch_one(self.pool())
        .await?;
        let passengers: i64 = counts.try_get("pax")?;

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
                    citation_zh: gatecare_care::rights::citation_zh(i.citation),
                });
            }
            timeline.sort_by_key(|i| (i.from, i.ordinal));
        }
        let hotels: Vec<HotelBlockRow> = sqlx::query(
            "SELECT id, name, name_zh, stars, rooms_left, rooms_total, transport FROM hotel_blocks \
             WHERE station = ? AND valid_from <= ? AND valid_until > ? ORDER BY stars DESC, name",
        )
        .bind(&origin)
        .bind(rfc3339(now))
        .bind(rfc3339(now))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(HotelBlockRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                name_zh: r.try_get("name_zh")?,
                stars: r.try_get("stars")?,
                rooms_left: r.try_get("rooms_left")?,
                rooms_total: r.try_get("rooms_total")?,
                transport: r.try_get("transport")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let rooms_left: i64 = hotels.iter().map(|h| h.rooms_left).sum();
        let hotel_owed_unserved =
            if hotel_owed { (passengers - counts.try_get::<i64, _>("hotel_served")?).max(0) } else { 0 };
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
            gate: f.try_get("gate")?,
            time_zone: tz.name().to_owned(),
            disruption,
            updates,
            passengers,
            served: counts.try_get("served")?,
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

    /// Records a delay or cancellation entered by an agent: a new row (the
    /// history keeps every change), audited and queued for central.
    pub async fn record_disruption(
        &self,
        flight_id: &str,
        entry: &DisruptionEntry,
        agent: &AuthenticatedAgent,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        // Several causes: checked as the care engine reads them; the main one
        // (the most minutes) stands in `cause`.
        let several = entry.causes.as_ref().filter(|c| !c.is_empty());
        let main_text = match several {
            Some(list) => {
                gatecare_care::scenario::parse_causes(list).map_err(|e| LedgerError::Field {
                    code: "disruption.causes_invalid",
                    reason: e.reason,
                })?;
                let main =
                    list.iter().fold(&list[0], |best, c| if c.minutes > best.minutes { c } else { best });
                // Code 93 stands for its inbound flight's cause, when known.
                main.inbound_cause.clone().unwrap_or_else(|| main.cause.clone())
            }
            None => entry.cause.clone(),
        };
        let cause = Cause::parse(&main_text).ok_or_else(|| LedgerError::Field {
            code: "disruption.cause_unknown",
            reason: format!("unknown cause {main_text:?}: a category or an IATA code"),
        })?;
        // An IATA code is kept as entered (two digits); a category as its name.
        let recorded_cause = match gatecare_care::cause::iata_code(&main_text) {
            Some(code) => format!("{code:02}"),
            None => cause.as_str().to_owned(),
        };
        let causes_json = several.map(|c| serde_json::to_string(c).unwrap_or_default());
        let row =
            sqlx::query("SELECT origin, scheduled_departure, scheduled_arrival FROM flights WHERE id = ?")
                .bind(flight_id)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| LedgerError::Invalid(format!("no flight {flight_id}")))?;
        let scheduled = parse_time(row.try_get("scheduled_departure")?)?;
        let block = parse_time(row.try_get("scheduled_arrival")?)? - scheduled;
        let tz = gatecare_reference::time_zone(&row.try_get::<String, _>("origin")?);
        let typed = match entry.departure_local {
            Some(t) => Some(
                chrono::TimeZone::from_local_datetime(&tz, &t)
                    .earliest()
                    .ok_or_else(|| {
                        LedgerError::Invalid(format!("{t} does not exist on the airport's clock"))
                    })?
                    .to_utc(),
            ),
            None => None,
        };
        let by_minutes = entry.delay_minutes.map(|m| delayed_departure(scheduled, m));
        let (kind, expected_departure) =
            match (entry.kind.as_str(), entry.expected_departure.or(by_minutes).or(typed)) {
                ("delay", Some(t)) if t > scheduled && t - scheduled <= Duration::hours(72) => {
                    ("delay", Some(t))
                }
                ("delay", _) => {
                    return Err(LedgerError::Field {
                        code: "disruption.delay_out_of_range",
                        reason: "a delay needs a new departure time after the scheduled one, within 72 h"
                            .into(),
                    });
                }
                // A re-routing may leave a little earlier (Art 5(1)(c)(iii)) or
                // days later; None: not yet known.
                ("cancellation", Some(t))
                    if t >= scheduled - Duration::hours(24) && t - scheduled <= Duration::hours(72) =>
                {
                    ("cancellation", Some(t))
                }
                ("cancellation", None) => ("cancellation", None),
                ("cancellation", Some(_)) => {
                    return Err(LedgerError::Field {
                        code: "disruption.reroute_out_of_range",
                        reason:
                            "a re-routed departure is at most 24 h before and 72 h after the scheduled one"
                                .into(),
                    });
                }
                (other, _) => return Err(LedgerError::Invalid(format!("unknown disruption kind {other:?}"))),
            };
        // A delay's causes account for its minutes, never for more.
        if let (Some(list), "delay", Some(t)) = (several, kind, expected_departure) {
            let given: i64 = list.iter().map(|c| i64::from(c.minutes)).sum();
            let late = (t - scheduled).num_minutes();
            if given > late {
                return Err(LedgerError::Field {
                    code: "disruption.causes_exceed_delay",
                    reason: format!("{given} minutes of causes, but the flight is {late} minutes late"),
                });
            }
        }
        let reroute_flight = match (kind, entry.reroute_flight.as_deref().map(str::trim)) {
            ("cancellation", Some(f)) if !f.is_empty() => Some(
                gatecare_core::FlightDesignator::parse(f)
                    .map_err(|e| LedgerError::Field {
                        code: "disruption.reroute_flight_invalid",
                        reason: format!("re-routing flight {f:?}: {e}"),
                    })?
                    .to_string(),
            ),
            _ => None,
        };
        let expected_arrival = expected_departure.map(|t| t + block);
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO disruption_updates (id, flight_id, kind, cause, expected_departure, expected_arrival, \
             reroute_flight, recorded_at, recorded_by, causes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(flight_id)
        .bind(kind)
        .bind(&recorded_cause)
        .bind(expected_departure.map(rfc3339))
        .bind(expected_arrival.map(rfc3339))
        .bind(&reroute_flight)
        .bind(rfc3339(now))
        .bind(&agent.code)
        .bind(&causes_json)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({
            "id": id, "flight_id": flight_id, "kind": kind, "cause": recorded_cause,
            "expected_departure": expected_departure, "expected_arrival": expected_arrival,
            "reroute_flight": reroute_flight, "recorded_by": agent.code, "causes": several,
        });
        audit(&mut tx, &agent.code, device, "disruption.recorded", &details, now).await?;
        gatecare_store::ledger::append_sync(&mut tx, "disruption_updated", &details, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The flight's passengers in the care engine's order.
    pub async fn priority_list(
        &self,
        flight_id: &str,
        policy: &Policy,
    ) -> Result<Vec<PriorityRow>, StoreError> {
        let manifest = self.manifest(flight_id, policy).await?;
        // Ages are counted in the flight's year; no flight, no manifest.
        let year: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(substr(scheduled_departure, 1, 4) AS INTEGER) FROM flights WHERE id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(year) = year else { return Ok(Vec::new()) };
        let issued: std::collections::HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT passenger_id, COUNT(*) FROM station_vouchers WHERE flight_id = ? AND void_reason IS NULL \
             GROUP BY passenger_id",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let input = crate::bulk::priority_inputs(&manifest, year);
        let mut by_id: std::collections::HashMap<String, crate::bulk::ManifestEntry> =
            manifest.into_iter().map(|m| (m.passenger_id.clone(), m)).collect();
        let basis = self.priority_basis(flight_id).await?;
        Ok(order(&input, basis)
            .into_iter()
            .filter_map(|p| {
                let m = by_id.remove(&p.id)?;
                Some(PriorityRow {
                    place: p.place,
                    class: p.class,
                    reason: p.reason,
                    reason_zh: p.reason_zh,
                    reach_out_first: p.reach_out_first,
                    vouchers: issued.get(&m.passenger_id).copied().unwrap_or(0),
                    passenger: m,
                })
            })
            .collect())
    }

    /// One passenger as the agent sees them.
    pub async fn passenger_view(
        &self,
        passenger_id: &str,
        flight_id: &str,
        agent: &AuthenticatedAgent,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<PassengerView, StoreError> {
        let r = sqlx::query(concat!(
            "SELECT p.id, p.surname, p.given_names, p.native_name, p.birth_year, p.lives_in_departure_city, p.needs, \
                    s.pnr, s.ticket_number, s.cabin, s.booking_class, s.seat, s.group_id, \
                    l.tier, l.ff_number, l.miles, l.complaints_filed, l.service_sensitivity, l.flights_last_12_months, \
                    l.weekday_share_pct, l.channel, l.occupation, l.staff_notes, f.scheduled_departure, ",
            gatecare_store::recovery_cases_sql!(),
            " FROM segments s JOIN passengers p ON p.id = s.passenger_id JOIN flights f ON f.id = s.flight_id \
             LEFT JOIN loyalty_profiles l ON l.passenger_id = p.id \
             WHERE s.passenger_id = ? AND s.flight_id = ?",
        ))
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data(format!("no booking of {passenger_id} on {flight_id}")))?;
        let tier = r
            .try_get::<Option<String>, _>("tier")?
            .and_then(|t| LoyaltyTier::parse(&t).ok())
            .unwrap_or(LoyaltyTier::None);
        let booking_class: String = r.try_get("booking_class")?;
        let inputs = star_inputs(&r, tier, &booking_class)?;
        let rating = rate(&inputs, policy);
        let needs = parse_needs(&r.try_get::<String, _>("needs")?);
        let cabin: String = r.try_get("cabin")?;
        let year = i64::from(chrono::Datelike::year(&parse_time(r.try_get("scheduled_departure")?)?));
        let age = r.try_get::<Option<i64>, _>("birth_year")?.map(|b| (year - b).clamp(0, 130) as u16);
        let ltv = lifetime_value(
            inputs.flights_last_12_months,
            Cabin::parse(&cabin).unwrap_or(Cabin::Economy),
            age,
            policy,
        );
        let group_id: Option<String> = r.try_get("group_id")?;
        let group_size: i64 = match &group_id {
            Some(g) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM segments WHERE group_id = ? AND flight_id = ?")
                    .bind(g)
                    .bind(flight_id)
                    .fetch_one(self.pool())
                    .await?
            }
            None => 0,
        };
        let pnr: String = r.try_get("pnr")?;
        let booking = sqlx::query(
            "SELECT p.id, p.surname, p.given_names, p.native_name, \
                    EXISTS (SELECT 1 FROM station_vouchers i WHERE i.passenger_id = p.id AND i.flight_id = s.flight_id \
                      AND i.kind = 'hotel' AND i.void_reason IS NULL) AS has_hotel \
             FROM segments s JOIN passengers p ON p.id = s.passenger_id WHERE s.pnr = ? AND s.flight_id = ? ORDER BY p.id",
        )
        .bind(&pnr)
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|m| {
            Ok(BookingMember {
                passenger_id: m.try_get("id")?,
                surname: m.try_get("surname")?,
                given_names: m.try_get("given_names")?,
                native_name: m.try_get("native_name")?,
                has_hotel: m.try_get::<i64, _>("has_hotel")? != 0,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let mut entitlements = Vec::new();
        let mut rights = None;
        let case = self.passenger_case(flight_id, passenger_id, policy, now).await?;
        let reroute = case.as_ref().and_then(|c| c.reroute.clone());
        if let Some(c) = case {
            rights = Some(crate::rights::rights(&c.scenario, &c.evaluation, c.refund_chosen_at));
            for i in c.evaluation.care {
                entitlements.push(EntitlementRow {
                    kind: i.kind,
                    ordinal: i.ordinal,
                    due: i.due,
                    from: i.from,
                    source: source_name(i.source),
                    citation: i.citation,
                    citation_zh: gatecare_care::rights::citation_zh(i.citation),
                    passenger_pays: i.passenger_pays,
                    held: None,
                    replaceable: false,
                });
            }
        }
        let vouchers: Vec<VoucherRow> = sqlx::query(
            "SELECT voucher_id, entitlement_key, serial, kind, value_minor, currency, statutory, issued_at, actor, approver, \
                    reason, device, remote, replaces, void_reason, reprints \
             FROM station_vouchers WHERE passenger_id = ? AND flight_id = ? ORDER BY issued_at, voucher_id",
        )
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|v| {
            Ok(VoucherRow {
                voucher_id: v.try_get("voucher_id")?,
                serial: v.try_get("serial")?,
                kind: v.try_get("kind")?,
                value_minor: v.try_get("value_minor")?,
                exponent: gatecare_core::Currency::parse(&v.try_get::<String, _>("currency")?)
                    .ok()
                    .map(|c| c.minor_digits()),
                currency: v.try_get("currency")?,
                statutory: v.try_get::<i64, _>("statutory")? != 0,
                issued_at: Some(v.try_get::<String, _>("issued_at")?)
                    .filter(|t| !t.is_empty())
                    .map(parse_time)
                    .transpose()?,
                actor: v.try_get("actor")?,
                approver: v.try_get("approver")?,
                reason: v.try_get("reason")?,
                voided: v.try_get::<Option<String>, _>("void_reason")?.is_some(),
                void_reason: v.try_get("void_reason")?,
                reprints: v.try_get("reprints")?,
                device: v.try_get("device")?,
                remote: v.try_get::<i64, _>("remote")? != 0,
                entitlement_key: v.try_get("entitlement_key")?,
                replaces: v.try_get("replaces")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        mark_held(&mut entitlements, &vouchers);
        let ff_number: Option<String> = r.try_get("ff_number")?;
        let profile_key = crate::cases::profile_key(passenger_id, ff_number.as_deref());
        let recovery: Vec<crate::cases::CaseView> = self
            .cases_of_profile(&profile_key)
            .await?
            .into_iter()
            .map(|c| crate::cases::case_view(c, policy, now))
            .collect();
        Ok(PassengerView {
            passenger_id: r.try_get("id")?,
            flight_id: flight_id.to_owned(),
            surname: r.try_get("surname")?,
            given_names: r.try_get("given_names")?,
            native_name: r.try_get("native_name")?,
            pnr,
            ticket_number: r.try_get("ticket_number")?,
            cabin,
            booking_class,
            seat: r.try_get("seat")?,
            tier,
            ff_number,
            miles: r.try_get::<Option<i64>, _>("miles")?.unwrap_or(0),
            stars: rating.stars,
            score: rating.score,
            factors: rating.factors,
            lifetime_value: ltv.into(),
            needs,
            group_id,
            group_size,
            booking,
            entitlements,
            vouchers,
            authority_limit: gatecare_care::authority::limit(policy, agent.role, rating.stars)
                .map(Into::into),
            repeat_failure: recovery.len() >= 2,
            profile_key,
            recovery,
            rights,
            reroute,
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

    /// Seats and bookings per cabin of a flight.
    async fn cabins(&self, flight_id: &str) -> Result<Vec<CabinRow>, StoreError> {
        sqlx::query("SELECT cabin, seats, booked FROM flight_cabins WHERE flight_id = ? ORDER BY cabin")
            .bind(flight_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(CabinRow {
                    cabin: r.try_get("cabin")?,
                    seats: r.try_get("seats")?,
                    booked: r.try_get("booked")?,
                })
            })
            .collect()
    }

    /// A hotel block's nightly rate and currency.
    pub async fn hotel_rate(&self, block_id: &str) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT rate_minor, currency FROM hotel_blocks WHERE id = ?")
            .bind(block_id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Passengers who could move up a cabin, best customers first, and the
    /// free seats they could take.
    pub async fn upgrade_candidates(&self, flight_id: &str, policy: &Policy) -> Result<Upgrades, StoreError> {
        let cabins = self.cabins(flight_id).await?;
        let upgraded: std::collections::HashSet<String> = sqlx::query_scalar(
            "SELECT passenger_id FROM station_vouchers WHERE flight_id = ? AND kind = 'upgrade' AND void_reason IS NULL",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let rank = |c: &str| match Cabin::parse(c) {
            Ok(Cabin::First) => 3,
            Ok(Cabin::Business) => 2,
            Ok(Cabin::PremiumEconomy) => 1,
            _ => 0,
        };
        // The next cabin up that exists on this aircraft.
        let next_up = |c: &str| {
            let mut up: Vec<&CabinRow> = cabins.iter().filter(|r| rank(&r.cabin) > rank(c)).collect();
            up.sort_by_key(|r| rank(&r.cabin));
            up.first().map(|r| r.cabin.clone())
        };
        let manifest = self.manifest(flight_id, policy).await?;
        let mut candidates: Vec<UpgradeCandidate> = manifest
            .into_iter()
            .filter(|m| m.stars >= 4 || m.tier >= LoyaltyTier::Gold)
            .filter_map(|m| {
                let to = next_up(&m.cabin)?;
                Some(UpgradeCandidate {
                    upgraded: upgraded.contains(&m.passenger_id),
                    passenger_id: m.passenger_id,
                    surname: m.surname,
                    given_names: m.given_names,
                    native_name: m.native_name,
                    from_cabin: m.cabin,
                    to_cabin: to,
                    stars: m.stars,
                    tier: m.tier,
                })
            })
            .collect();
        candidates
            .sort_by(|a, b| b.stars.cmp(&a.stars).then(b.tier.cmp(&a.tier)).then(a.surname.cmp(&b.surname)));
        let free = cabins.iter().filter(|c| rank(&c.cabin) > 0).cloned().collect();
        Ok(Upgrades { free, candidates })
    }
}

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

/// A passenger's own re-routing, where an agent set one.
#[derive(ts_rs::TS, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassengerRerouted {
    pub reroute_flight: Option<String>,
    pub departure: DateTime<Utc>,
    pub arrival: DateTime<Utc>,
}

impl Station {
    /// The latest re-routing an agent set for this passenger, if any.
    pub async fn passenger_reroute(
        &self,
        flight_id: &str,
        passenger_id: &str,
    ) -> Result<Option<PassengerRerouted>, StoreError> {
        let row = sqlx::query(
            "SELECT reroute_flight, departure, arrival FROM passenger_reroutes \
             WHERE flight_id = ? AND passenger_id = ? ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
        )
        .bind(flight_id)
        .bind(passenger_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let (Some(dep), Some(arr)) =
            (r.try_get::<Option<String>, _>("departure")?, r.try_get::<Option<String>, _>("arrival")?)
        else {
            return Ok(None);
        };
        Ok(Some(PassengerRerouted {
            reroute_flight: r.try_get("reroute_flight")?,
            departure: parse_time(dep)?,
            arrival: parse_time(arr)?,
        }))
    }

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
        let row = sqlx::query(
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
        if row.try_get::<i64, _>("booked")? == 0 {
            return Err(LedgerError::Invalid(format!("no booking of {passenger_id} on {flight_id}")));
        }
        if row.try_get::<Option<String>, _>("kind")?.as_deref() != Some("cancellation") {
            return Err(LedgerError::Invalid("only a cancelled flight's passengers are re-routed".into()));
        }
        let scheduled = parse_time(row.try_get("scheduled_departure")?)?;
        let block = parse_time(row.try_get("scheduled_arrival")?)? - scheduled;
        let tz = gatecare_reference::time_zone(&row.try_get::<String, _>("origin")?);
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
