//! The self-service kiosk: what one matched passenger sees, who on their
//! booking they may act for, and printing what they are owed. Only owed
//! care, only for the passenger of the current session; the session ends
//! after a quiet minute. It works on a station (`gatecare-station`) as
//! [`Kiosk`].

use std::ops::Deref;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use gatecare_care::evaluate::{CareKind, Source};
use gatecare_core::Money;
use gatecare_ledger::EntitlementKind;
use gatecare_policy::Policy;
use serde::Serialize;

use gatecare_print::Printer;
use gatecare_print::vouchers::{
    KIOSK_PRINT_WAIT, PreparedPrint, PrintDesk, VoucherPrint, finish_print, print_file,
};
use gatecare_station::Station;
use gatecare_store::agents::AuthenticatedAgent;
use gatecare_store::ledger::{IssueContext, IssueRequest, LedgerError};
use gatecare_store::store::{StoreError, parse_time, rfc3339};

/// A station serving passengers at a kiosk: `Kiosk(&station).kiosk_view(…)`.
/// It reads as the station too (`Deref`).
#[derive(Clone, Copy)]
pub struct Kiosk<'a>(pub &'a Station);

impl Deref for Kiosk<'_> {
    type Target = Station;

    fn deref(&self) -> &Station {
        self.0
    }
}

/// What the passenger chose to print: the kind, which one of it, and for a
/// hotel, the hotel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskPick {
    pub kind: CareKind,
    pub ordinal: u32,
    pub hotel_block_id: Option<String>,
}

/// Who the kiosk is serving. How long the screen has been idle is the
/// app's to track (wall time, not the business clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSession {
    pub passenger_id: String,
    pub flight_id: String,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct KioskPassenger {
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub seat: Option<String>,
    pub cabin: String,
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

/// A hotel with rooms left, for the passenger to choose.
// Read as `kiosk_hotels` selects it (a plain comment: doc comments reach the UI's ipc.ts).
#[derive(ts_rs::TS, Debug, Clone, Serialize, sqlx::FromRow)]
pub struct KioskHotel {
    pub id: String,
    pub name: String,
    pub name_zh: Option<String>,
    pub address: String,
    pub stars: i64,
    pub rooms_left: i64,
    pub transport: String,
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// Passengers a self-service kiosk must not serve alone.
pub fn needs_staff(needs: &[gatecare_core::SpecialNeed]) -> bool {
    needs.contains(&gatecare_core::SpecialNeed::UnaccompaniedMinor)
}

/// Under 18 by birth year (the kiosk cannot know the birthday).
fn is_minor(birth_year: Option<i64>, year: i32) -> bool {
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

    /// Tells the station's consoles that this passenger needs staff (an
    /// unaccompanied minor at the kiosk), once per passenger and flight.
    /// Returns whether a request was made now.
    pub async fn kiosk_request_staff(
        &self,
        s: &KioskSession,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let needs: Option<String> = sqlx::query_scalar("SELECT needs FROM passengers WHERE id = ?")
            .bind(&s.passenger_id)
            .fetch_optional(self.pool())
            .await?;
        if !needs_staff(&gatecare_station::manifest::parse_needs(needs.as_deref().unwrap_or_default())) {
            return Ok(false);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let reason = "unaccompanied minor at the kiosk";
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let n = sqlx::query(
            "INSERT INTO staff_requests (id, flight_id, passenger_id, reason, device, requested_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (flight_id, passenger_id) DO NOTHING",
        )
        .bind(&id)
        .bind(&s.flight_id)
        .bind(&s.passenger_id)
        .bind(reason)
        .bind(device)
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let payload = serde_json::json!({
                "id": id, "flight_id": s.flight_id, "passenger_id": s.passenger_id, "reason": reason,
                "device": device, "requested_at": now,
            });
            gatecare_store::ledger::append_sync(&mut tx, "staff_requested", &payload, now).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
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
            cabin: String,
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

    /// A one-tap rating (1-5) of the care received.
    pub async fn kiosk_feedback(
        &self,
        s: &KioskSession,
        score: u8,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !(1..=5).contains(&score) {
            return Err(StoreError::Data("a rating is 1 to 5".into()));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO feedback (id, passenger_id, flight_id, score, device, at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&s.passenger_id)
        .bind(&s.flight_id)
        .bind(score as i64)
        .bind(device)
        .bind(gatecare_store::store::rfc3339(now))
        .execute(&mut *tx)
        .await?;
        let payload = serde_json::json!({"feedback_id": id, "passenger_id": s.passenger_id, "flight_id": s.flight_id, "score": score, "device": device});
        gatecare_store::ledger::append_sync(&mut tx, "feedback", &payload, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enrols the passenger in the programme (seed 000: many frequent
    /// travellers never joined). Returns the new number.
    pub async fn kiosk_enrol(
        &self,
        s: &KioskSession,
        mobile: &str,
        consent: bool,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let digits: String = mobile.chars().filter(|c| !c.is_whitespace()).collect();
        if !consent {
            return Err(StoreError::Data("enrolment needs the passenger's consent".into()));
        }
        if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(StoreError::Data("a mobile number has 8 to 15 digits".into()));
        }
        let birth_year: Option<i64> = sqlx::query_scalar("SELECT birth_year FROM passengers WHERE id = ?")
            .bind(&s.passenger_id)
            .fetch_optional(self.pool())
            .await?
            .flatten();
        if is_minor(birth_year, now.year()) {
            return Err(StoreError::Data("the programme is for passengers of 18 and over".into()));
        }
        let carrier: String = sqlx::query_scalar("SELECT carrier FROM flights WHERE id = ?")
            .bind(&s.flight_id)
            .fetch_one(self.pool())
            .await?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let member: bool = sqlx::query_scalar(
            "SELECT COUNT(*) > 0 FROM loyalty_profiles WHERE passenger_id = ? AND ff_number IS NOT NULL",
        )
        .bind(&s.passenger_id)
        .fetch_one(&mut *tx)
        .await?;
        if member {
            return Err(StoreError::Data("already a member".into()));
        }
        // A provisional number from this device; central confirms it.
        let mut rnd = [0u8; 4];
        getrandom::fill(&mut rnd).map_err(|e| StoreError::Hash(e.to_string()))?;
        let number = format!("{carrier}P{:08}", u32::from_le_bytes(rnd) % 100_000_000);
        sqlx::query(
            "INSERT INTO loyalty_profiles (passenger_id, ff_airline, ff_number, tier) VALUES (?, ?, ?, 'none') \
             ON CONFLICT (passenger_id) DO UPDATE SET ff_airline = excluded.ff_airline, ff_number = excluded.ff_number",
        )
        .bind(&s.passenger_id)
        .bind(&carrier)
        .bind(&number)
        .execute(&mut *tx)
        .await?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query("INSERT INTO enrolments (id, passenger_id, ff_number, mobile, consent, device, at) VALUES (?, ?, ?, ?, 1, ?, ?)")
            .bind(&id)
            .bind(&s.passenger_id)
            .bind(&number)
            .bind(&digits)
            .bind(device)
            .bind(gatecare_store::store::rfc3339(now))
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"enrolment_id": id, "passenger_id": s.passenger_id, "ff_number": number, "mobile": digits, "device": device});
        gatecare_store::ledger::append_sync(&mut tx, "enrolment", &payload, now).await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Hotels of the station with rooms left tonight, best first.
    pub async fn kiosk_hotels(
        &self,
        station: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<KioskHotel>, StoreError> {
        Ok(sqlx::query_as::<_, KioskHotel>(
            "SELECT id, name, name_zh, address, stars, rooms_left, transport FROM hotel_blocks \
             WHERE station = ? AND rooms_left > 0 AND valid_from <= ? AND valid_until > ? ORDER BY stars DESC, rooms_left DESC",
        )
        .bind(station)
        .bind(gatecare_store::store::rfc3339(now))
        .bind(gatecare_store::store::rfc3339(now))
        .fetch_all(self.pool())
        .await?)
    }

    /// Issues (or reprints) one owed entitlement of the session's passenger,
    /// renders it and queues it in the print journal. A printer failure
    /// later still leaves a valid voucher: the screen shows its QR.
    pub async fn kiosk_prepare_print(
        &self,
        s: &KioskSession,
        pick: KioskPick,
        policy: &Policy,
        desk: &PrintDesk<'_>,
        now: DateTime<Utc>,
    ) -> Result<PreparedPrint, LedgerError> {
        let KioskPick { kind, ordinal, hotel_block_id } = pick;
        let (device, station) = (desk.device, desk.station);
        let view = self.kiosk_view(s, policy, now).await?;
        let item = view
            .entitlements
            .iter()
            .find(|e| e.kind == kind && e.ordinal == ordinal)
            .ok_or_else(|| LedgerError::Refused("nothing of that kind is owed".into()))?;
        if !item.due || !item.printable {
            return Err(LedgerError::Refused("this is not owed yet, or needs staff".into()));
        }
        let entitlement = match kind {
            CareKind::Meal => EntitlementKind::Meal,
            CareKind::Transport => EntitlementKind::Transport,
            CareKind::Hotel => EntitlementKind::Hotel,
            CareKind::Communication => return Err(LedgerError::Refused("staff issue this".into())),
        };
        let (currency, meal) =
            policy.meal_amount(station).ok_or_else(|| LedgerError::Invalid("no meal amount".into()))?;
        let value = match (entitlement, &hotel_block_id) {
            (EntitlementKind::Hotel, Some(block)) => {
                let rate: Option<(i64, String)> =
                    sqlx::query_as("SELECT rate_minor, currency FROM hotel_blocks WHERE id = ?")
                        .bind(block)
                        .fetch_optional(self.pool())
                        .await?;
                let (rate, cur) = rate.ok_or_else(|| LedgerError::Invalid("no such hotel".into()))?;
                Money::new(
                    rate,
                    gatecare_core::Currency::parse(&cur).map_err(|e| LedgerError::Invalid(e.to_string()))?,
                )
            }
            // Already issued: the same voucher is reprinted, its room stays.
            (EntitlementKind::Hotel, None) if item.issued_serial.is_some() => Money::new(0, currency),
            (EntitlementKind::Hotel, None) => return Err(LedgerError::Invalid("choose a hotel".into())),
            (EntitlementKind::Meal, _) => Money::new(meal, currency),
            _ => Money::new(0, currency),
        };
        // Online, central makes sure no other kiosk issues it too.
        let actor = AuthenticatedAgent::kiosk(device, station);
        let ctx = IssueContext::new(device, &actor, policy, now);
        let issued = self
            .issue_claimed(
                &ctx,
                &IssueRequest {
                    passenger_id: s.passenger_id.clone(),
                    flight_id: s.flight_id.clone(),
                    kind: entitlement,
                    ordinal,
                    value,
                    statutory: true,
                    customer_stars: 1,
                    approver: None,
                    reason: "self-service kiosk".into(),
                    hotel_block_id: if entitlement == EntitlementKind::Hotel { hotel_block_id } else { None },
                    details: serde_json::json!({"citation": item.citation, "source": item.source}),
                },
                false,
            )
            .await?;
        gatecare_print::vouchers::prepare_print(self, issued, desk, now).await
    }

    /// Prepare, print (blocking: for tests and tools; the app prints on a
    /// blocking thread between the two awaits) and finish.
    pub async fn kiosk_print(
        &self,
        s: &KioskSession,
        pick: KioskPick,
        policy: &Policy,
        desk: &PrintDesk<'_>,
        printer: &dyn Printer,
        now: DateTime<Utc>,
    ) -> Result<VoucherPrint, LedgerError> {
        let prepared = self.kiosk_prepare_print(s, pick, policy, desk, now).await?;
        let outcome = print_file(printer, &prepared, KIOSK_PRINT_WAIT);
        Ok(finish_print(self, prepared, outcome, desk.printer_name, now).await?)
    }
}
