//! What one matched passenger sees at the kiosk, and who on their booking
//! they may act for: the session's start, its switch, the view.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use gatecare_care::evaluate::{CareKind, Source};
use gatecare_core::Cabin;
use gatecare_policy::Policy;
use serde::Serialize;

use gatecare_store::store::{StoreError, parse_time};

use crate::{Kiosk, KioskSession, needs_staff};

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct KioskPassenger {
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub seat: Option<String>,
    pub cabin: Cabin,
    /// Under 18 this year by birth year: no programme enrolment here.
    pub minor: bool,
}

/// Someone else on the booking the person at the kiosk may act for: a
/// passenger of the same surname they looked up, or a child under 18 when
/// they are an adult.
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct KioskMember {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub minor: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct KioskFlight {
    pub flight: String,
    pub destination: String,
    pub destination_city: String,
    /// The city in Chinese, when the airline has it.
    pub destination_city_zh: Option<String>,
    pub scheduled_local: String,
    /// A delay's expected departure; a cancellation's re-routed one.
    pub expected_local: Option<String>,
    pub expected_day_offset: i64,
    /// The re-routed flight of a cancellation, when known.
    pub reroute_flight: Option<String>,
    pub status: gatecare_store::FlightStatus,
    pub cause: Option<String>,
    pub delay_minutes: i64,
    pub gate: Option<String>,
    /// When passengers next hear from the airline (every 30 minutes).
    pub next_update_local: Option<String>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct KioskEntitlement {
    pub kind: CareKind,
    pub ordinal: u32,
    pub due: bool,
    pub from_local: String,
    pub from_day_offset: i64,
    /// "EU261", "CN_MOT_2016", … or "policy".
    pub source: String,
    pub citation: String,
    pub passenger_pays: bool,
    /// The kiosk prints meals and transport; hotels need a room choice.
    pub printable: bool,
    pub issued_serial: Option<String>,
    /// Issued by another device at the station (central told us): not
    /// printed again here; staff can help with a lost voucher.
    pub issued_elsewhere: bool,
    /// ... by an agent at a gate console (not a kiosk).
    pub issued_at_gate: bool,
    /// The citation as the Chinese screen shows it.
    pub citation_zh: String,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct KioskView {
    /// Already in the frequent-flyer programme (else the kiosk offers it).
    pub member: bool,
    pub passenger: KioskPassenger,
    pub flight: KioskFlight,
    pub entitlements: Vec<KioskEntitlement>,
    pub refund_option: bool,
    /// Compensation, refund and how to claim (the written notice).
    pub rights: Option<gatecare_station::rights::Rights>,
    pub time_zone: String,
    /// The passenger's complaint cases: what they were told, what they got.
    pub cases: Vec<gatecare_station::cases::PassengerCase>,
    /// Others on the booking this person may switch to.
    pub booking: Vec<KioskMember>,
    /// An unaccompanied minor: nothing is issued here; staff come (the
    /// console was told when the session began).
    pub needs_staff: bool,
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// Under 18 by birth year (the kiosk cannot know the birthday).
pub(crate) fn is_minor(birth_year: Option<i64>, year: i32) -> bool {
    birth_year.is_some_and(|b| i64::from(year) - b < 18)
}

fn day_offset(t: DateTime<Utc>, base: DateTime<Utc>, tz: Tz) -> i64 {
    (t.with_timezone(&tz).date_naive() - base.with_timezone(&tz).date_naive()).num_days()
}

impl Kiosk<'_> {
    /// Starts a kiosk session for a passenger found by PNR and surname on a
    /// flight leaving `station` on `today` (station-local).
    pub async fn kiosk_find(
        &self,
        pnr: &str,
        surname: &str,
        station: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, StoreError> {
        let tz = gatecare_core::AirportCode::parse(station)
            .ok()
            .and_then(|c| gatecare_reference::airport(&c))
            .map(|a| a.tz)
            .ok_or_else(|| StoreError::Data(format!("unknown station {station}")))?;
        for hit in self.find_by_pnr_surname(pnr, surname).await? {
            let dep: Option<(String, String)> =
                sqlx::query_as("SELECT origin, scheduled_departure FROM flights WHERE id = ?")
                    .bind(&hit.flight_id)
                    .fetch_optional(self.pool())
                    .await?;
            let Some((origin, dep)) = dep else { continue };
            if origin != station {
                continue;
            }
            // Today's flight, or an earlier one whose passengers are still
            // owed care (cancelled last night, rebooked this morning).
            let today = now.with_timezone(&tz).date_naive();
            let day = parse_time(dep)?.with_timezone(&tz).date_naive();
            if day == today || (day < today && self.care_open(&hit.flight_id, now).await?) {
                return Ok(Some((hit.passenger_id, hit.flight_id)));
            }
        }
        Ok(None)
    }

    /// Who else on this passenger's booking (same PNR, same flight) the
    /// person at the kiosk may act for: the same surname they proved, and,
    /// for an adult, the booking's children.
    async fn kiosk_booking(&self, s: &KioskSession, year: i32) -> Result<Vec<KioskMember>, StoreError> {
        /// A fellow passenger of the booking, with the kiosk's own passenger's name and birth year.
        #[derive(sqlx::FromRow)]
        struct BookingMemberRow {
            id: String,
            surname: String,
            given_names: String,
            native_name: Option<String>,
            birth_year: Option<i64>,
            my_surname: String,
            my_birth_year: Option<i64>,
        }
        let rows = sqlx::query_as::<_, BookingMemberRow>(
            "SELECT p.id, p.surname, p.given_names, p.native_name, p.birth_year, \
                    (SELECT me.surname FROM passengers me WHERE me.id = ?1) AS my_surname, \
                    (SELECT me.birth_year FROM passengers me WHERE me.id = ?1) AS my_birth_year \
             FROM segments o JOIN segments mine ON mine.pnr = o.pnr AND mine.flight_id = o.flight_id \
             JOIN passengers p ON p.id = o.passenger_id \
             WHERE mine.passenger_id = ?1 AND mine.flight_id = ?2 AND o.passenger_id <> ?1 \
             ORDER BY p.birth_year, p.given_names",
        )
        .bind(&s.passenger_id)
        .bind(&s.flight_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let minor = is_minor(r.birth_year, year);
            let adult_here = !is_minor(r.my_birth_year, year);
            let same_name = gatecare_store::manifest::pass_name_key(&r.surname)
                == gatecare_store::manifest::pass_name_key(&r.my_surname);
            if same_name || (minor && adult_here) {
                out.push(KioskMember {
                    passenger_id: r.id,
                    surname: r.surname,
                    given_names: r.given_names,
                    native_name: r.native_name,
                    minor,
                });
            }
        }
        Ok(out)
    }

    /// Moves the kiosk's session to another passenger of the booking, where
    /// [`Kiosk::kiosk_view`]'s `booking` lists them; anyone else is refused.
    pub async fn kiosk_switch(
        &self,
        s: &KioskSession,
        passenger_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<KioskSession>, StoreError> {
        let allowed = self.kiosk_booking(s, now.year()).await?;
        Ok(allowed
            .iter()
            .any(|m| m.passenger_id == passenger_id)
            .then(|| KioskSession { passenger_id: passenger_id.to_owned(), flight_id: s.flight_id.clone() }))
    }

    pub async fn kiosk_view(
        &self,
        s: &KioskSession,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<KioskView, StoreError> {
        /// The session's passenger on their flight.
        #[derive(sqlx::FromRow)]
        struct KioskBookingRow {
            surname: String,
            given_names: String,
            native_name: Option<String>,
            birth_year: Option<i64>,
            needs: String,
            seat: Option<String>,
            #[sqlx(try_from = "String")]
            cabin: Cabin,
            flight: String,
            destination: String,
            scheduled_departure: String,
            gate: Option<String>,
            origin: String,
        }
        let r = sqlx::query_as::<_, KioskBookingRow>(
            "SELECT p.surname, p.given_names, p.native_name, p.birth_year, p.needs, p.lives_in_departure_city, s.seat, s.cabin, \
                    f.carrier || f.number AS flight, f.destination, f.scheduled_departure, f.gate, f.origin \
             FROM segments s JOIN passengers p ON p.id = s.passenger_id JOIN flights f ON f.id = s.flight_id \
             WHERE s.passenger_id = ? AND s.flight_id = ?",
        )
        .bind(&s.passenger_id)
        .bind(&s.flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data("the booking is gone".into()))?;
        let origin = &r.origin;
        let airport = gatecare_core::AirportCode::parse(origin)
            .ok()
            .and_then(|c| gatecare_reference::airport(&c))
            .ok_or_else(|| StoreError::Data(format!("unknown airport {origin}")))?;
        let tz = airport.tz;
        let scheduled = parse_time(r.scheduled_departure)?;
        let destination = r.destination;
        let needs = r.needs;

        /// The flight's latest disruption update.
        #[derive(sqlx::FromRow)]
        struct LatestUpdateRow {
            kind: String,
            cause: String,
            expected_departure: Option<String>,
            reroute_flight: Option<String>,
            recorded_at: String,
        }
        let latest = sqlx::query_as::<_, LatestUpdateRow>(
            "SELECT kind, cause, expected_departure, reroute_flight, recorded_at FROM disruption_updates WHERE flight_id = ? ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
        )
        .bind(&s.flight_id)
        .fetch_optional(self.pool())
        .await?;
        let mut flight = KioskFlight {
            flight: r.flight,
            destination_city: gatecare_reference::city_en(&destination),
            destination_city_zh: gatecare_core::AirportCode::parse(&destination)
                .ok()
                .and_then(|c| gatecare_reference::city_zh(&c))
                .map(str::to_owned),
            destination,
            scheduled_local: local(scheduled, tz),
            expected_local: None,
            expected_day_offset: 0,
            reroute_flight: None,
            status: gatecare_store::FlightStatus::OnTime,
            cause: None,
            delay_minutes: 0,
            gate: r.gate,
            next_update_local: None,
        };
        let mut entitlements = Vec::new();
        let mut refund_option = false;
        let mut rights = None;
        let needs_staff = needs_staff(&gatecare_station::manifest::parse_needs(&needs));
        if let Some(d) = latest {
            let kind = d.kind;
            // The category: a recorded IATA code ("41") reads as its cause.
            let cause = d.cause;
            flight.cause =
                Some(gatecare_care::cause::Cause::parse(&cause).map_or(cause, |c| c.as_str().to_owned()));
            flight.reroute_flight = d.reroute_flight;
            let recorded = parse_time(d.recorded_at)?;
            // Passengers hear again every 30 minutes (CAAC 2016, ANAC 400).
            let mut next = recorded + Duration::minutes(30);
            while next <= now {
                next += Duration::minutes(30);
            }
            flight.next_update_local = Some(local(next, tz));
            if let Some(e) = d.expected_departure.map(parse_time).transpose()? {
                flight.expected_local = Some(local(e, tz));
                flight.expected_day_offset = day_offset(e, scheduled, tz);
                flight.delay_minutes = (e - scheduled).num_minutes();
            }
            flight.status = match kind.as_str() {
                "cancellation" => gatecare_store::FlightStatus::Cancelled,
                "delay" if flight.delay_minutes > 0 => gatecare_store::FlightStatus::Delayed,
                _ => gatecare_store::FlightStatus::OnTime,
            };
            if let Some(case) = self.passenger_case(&s.flight_id, &s.passenger_id, policy, now).await? {
                // A re-routing of this passenger's own replaces the flight's.
                if let Some(own) = case
                    .reroute
                    .clone()
                    .filter(|_| gatecare_station::console::rerouted_kind(case.scenario.disruption))
                {
                    flight.expected_local = Some(local(own.departure, tz));
                    flight.expected_day_offset = day_offset(own.departure, scheduled, tz);
                    flight.reroute_flight = own.reroute_flight;
                }
                let (sc, eval, chosen) = (&case.scenario, &case.evaluation, case.refund_chosen_at);
                refund_option = eval.refund_option && chosen.is_none() && !needs_staff;
                rights = Some(gatecare_station::rights::rights(sc, eval, chosen));
                // Every voucher of the station for this passenger: live ones
                // here (reprinted), live ones elsewhere (not offered), and
                // voided ones, which only staff replace.
                let vouchers: Vec<(String, String, i64, String, bool)> = sqlx::query_as(
                    "SELECT entitlement_key, serial, remote, actor, void_reason IS NOT NULL FROM station_vouchers \
                     WHERE passenger_id = ? AND flight_id = ?",
                )
                .bind(&s.passenger_id)
                .bind(&s.flight_id)
                .fetch_all(self.pool())
                .await?;
                let issued: Vec<(&String, &String)> =
                    vouchers.iter().filter(|v| v.2 == 0 && !v.4).map(|v| (&v.0, &v.1)).collect();
                let elsewhere: Vec<(&String, &String)> =
                    vouchers.iter().filter(|v| v.2 != 0 && !v.4).map(|v| (&v.0, &v.3)).collect();
                let voided: Vec<&String> = vouchers.iter().filter(|v| v.4).map(|v| &v.0).collect();
                let mut seen = Vec::new();
                for item in &eval.care {
                    if seen.contains(&(item.kind, item.ordinal)) {
                        continue;
                    }
                    seen.push((item.kind, item.ordinal));
                    let suffix = format!("/{}/{}", item.kind.as_str(), item.ordinal);
                    // Voided with nothing in its place: staff replace it.
                    let only_voided = voided.iter().any(|k| k.ends_with(&suffix))
                        && !issued.iter().chain(&elsewhere).any(|(k, _)| k.ends_with(&suffix));
                    entitlements.push(KioskEntitlement {
                        kind: item.kind,
                        ordinal: item.ordinal,
                        due: item.due,
                        from_local: local(item.from, tz),
                        from_day_offset: day_offset(item.from, scheduled, tz),
                        source: match item.source {
                            Source::Regime(rg) => rg.as_str().to_owned(),
                            Source::Policy(_) => "policy".into(),
                        },
                        citation: item.citation.to_owned(),
                        citation_zh: gatecare_rights::citation_zh(item.citation),
                        passenger_pays: item.passenger_pays,
                        printable: matches!(
                            item.kind,
                            CareKind::Meal | CareKind::Transport | CareKind::Hotel
                        ) && !item.passenger_pays
                            && !needs_staff
                            && !only_voided,
                        issued_serial: issued
                            .iter()
                            .find(|(k, _)| k.ends_with(&suffix))
                            .map(|(_, s)| (*s).clone()),
                        issued_elsewhere: elsewhere.iter().any(|(k, _)| k.ends_with(&suffix)),
                        issued_at_gate: elsewhere.iter().any(|(k, actor)| {
                            k.ends_with(&suffix) && !actor.is_empty() && !actor.starts_with("KIOSK:")
                        }),
                    });
                }
            }
        }
        let member: bool = sqlx::query_scalar(
            "SELECT COUNT(*) > 0 FROM loyalty_profiles WHERE passenger_id = ? AND ff_number IS NOT NULL",
        )
        .bind(&s.passenger_id)
        .fetch_one(self.pool())
        .await?;
        let cases = self.passenger_cases(&s.passenger_id).await?;
        let booking = self.kiosk_booking(s, now.with_timezone(&tz).year()).await?;
        let minor = is_minor(r.birth_year, now.with_timezone(&tz).year());
        Ok(KioskView {
            member,
            cases,
            booking,
            needs_staff,
            passenger: KioskPassenger {
                surname: r.surname,
                given_names: r.given_names,
                native_name: r.native_name,
                seat: r.seat,
                cabin: r.cabin,
                minor,
            },
            flight,
            entitlements,
            refund_option,
            rights,
            time_zone: tz.name().to_owned(),
        })
    }
}
