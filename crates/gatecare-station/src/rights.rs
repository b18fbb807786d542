//! A passenger's rights beyond care, at the console and the kiosk:
//! compensation with its amount and citation, the refund alternative, the
//! written notice of how to claim (the care crate's [`gatecare_rights`]),
//! and the refund choice, which ends care from the moment it is made.

use chrono::{DateTime, Utc};
use gatecare_care::Evaluation;
use gatecare_care::scenario::Scenario;
use gatecare_rights::{ClaimNotice, RegimeReason, claim_notices};
use serde::Serialize;

use crate::Station;
use gatecare_store::ledger::{LedgerError, append_sync, audit};
use gatecare_store::store::{parse_time, rfc3339};
use gatecare_store::{AuthenticatedAgent, StoreError};

/// One compensation a passenger may claim.
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct CompensationRow {
    pub regime: gatecare_care::Regime,
    pub amount_minor: i64,
    pub currency: &'static str,
    /// The currency's exponent, from Rust's table.
    pub exponent: u8,
    pub citation: &'static str,
}

/// What a passenger may claim besides care, and how.
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct Rights {
    pub compensation: Vec<CompensationRow>,
    pub refund_option: bool,
    /// When the passenger chose the refund (care ended then), if they did.
    pub refund_chosen_at: Option<DateTime<Utc>>,
    pub notices: Vec<ClaimNotice>,
}

/// The regimes of a flight and why each applies.
pub fn regime_reasons(s: &Scenario, e: &Evaluation) -> Vec<RegimeReason> {
    let licence = s.carrier_record.and_then(|c| c.licence_country.as_deref());
    gatecare_rights::reasons(&s.origin.country, &s.destination.country, licence, &e.regimes)
}

/// The rights in an evaluation, for a passenger who chose a refund at `chosen`.
pub fn rights(s: &Scenario, e: &Evaluation, chosen: Option<DateTime<Utc>>) -> Rights {
    let carrier = s.carrier_record.map_or_else(|| s.carrier.to_string(), |c| c.name.clone());
    Rights {
        compensation: e
            .compensation
            .iter()
            .filter(|c| c.amount_minor > 0)
            .map(|c| CompensationRow {
                regime: c.regime,
                amount_minor: c.amount_minor,
                currency: c.currency,
                // The care rules name well-formed ISO codes; Rust's table has them all.
                exponent: gatecare_core::Currency::parse(c.currency).map_or(2, |cur| cur.minor_digits()),
                citation: c.citation,
            })
            .collect(),
        refund_option: e.refund_option,
        refund_chosen_at: chosen,
        notices: claim_notices(e, &carrier, &s.origin.country, &s.destination.country),
    }
}

/// The flight's scenario for one passenger: their needs, and their own
/// re-routing where an agent set one (it replaces the flight's).
pub fn passenger_scenario(
    flight: &Scenario,
    facts: gatecare_care::scenario::PassengerFacts,
    own_reroute: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Scenario {
    let mut s = flight.clone();
    s.passenger = facts;
    if let Some(times) = own_reroute.filter(|_| crate::console::rerouted_kind(s.disruption)) {
        s.reroute = Some(times);
    }
    s
}

/// The evaluation of a passenger's scenario, care ended at a refund choice.
pub fn evaluate_passenger(
    s: &Scenario,
    policy: &gatecare_policy::Policy,
    refund_chosen_at: Option<DateTime<Utc>>,
) -> Evaluation {
    let e = gatecare_care::evaluate(s, policy);
    match refund_chosen_at {
        Some(at) => e.refund_chosen(at),
        None => e,
    }
}

/// One passenger's case on a disrupted flight, as every per-passenger screen
/// and paper reads it (the kiosk, the passenger panel, the notice), so they agree.
pub struct PassengerCase {
    pub scenario: Scenario,
    pub evaluation: Evaluation,
    pub refund_chosen_at: Option<DateTime<Utc>>,
    pub reroute: Option<crate::console::PassengerRerouted>,
}

impl Station {
    /// The passenger's case, or None while the flight has no disruption.
    pub async fn passenger_case(
        &self,
        flight_id: &str,
        passenger_id: &str,
        policy: &gatecare_policy::Policy,
        now: DateTime<Utc>,
    ) -> Result<Option<PassengerCase>, StoreError> {
        let Some(fs) = self.flight_scenario(flight_id, now).await? else { return Ok(None) };
        let facts: Option<(String, i64)> =
            sqlx::query_as("SELECT needs, lives_in_departure_city FROM passengers WHERE id = ?")
                .bind(passenger_id)
                .fetch_optional(self.pool())
                .await?;
        let (needs, lives_here) = facts.unwrap_or_default();
        let facts = gatecare_care::scenario::PassengerFacts::from_needs(
            &crate::manifest::parse_needs(&needs),
            lives_here != 0,
        );
        let reroute = self.passenger_reroute(flight_id, passenger_id).await?;
        let refund_chosen_at = self.refund_chosen_at(passenger_id, flight_id).await?;
        let scenario =
            passenger_scenario(&fs.scenario, facts, reroute.as_ref().map(|r| (r.departure, r.arrival)));
        let evaluation = evaluate_passenger(&scenario, policy, refund_chosen_at);
        Ok(Some(PassengerCase { scenario, evaluation, refund_chosen_at, reroute }))
    }

    /// When this passenger chose a refund on this flight, if they did.
    pub async fn refund_chosen_at(
        &self,
        passenger_id: &str,
        flight_id: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = sqlx::query_scalar(
            "SELECT chosen_at FROM refund_choices WHERE passenger_id = ? AND flight_id = ?",
        )
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?;
        at.map(parse_time).transpose()
    }

    /// Records that the passenger takes the refund instead of travelling on:
    /// only where the law (or the policy) offers one, once; audited and sent
    /// to the station's other devices. Care whose time comes later ends.
    pub async fn record_refund_choice(
        &self,
        passenger_id: &str,
        flight_id: &str,
        policy: &gatecare_policy::Policy,
        actor: &AuthenticatedAgent,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, LedgerError> {
        let booked: bool =
            sqlx::query_scalar("SELECT COUNT(*) > 0 FROM segments WHERE passenger_id = ? AND flight_id = ?")
                .bind(passenger_id)
                .bind(flight_id)
                .fetch_one(self.pool())
                .await?;
        if !booked {
            return Err(LedgerError::Invalid(format!("no booking of {passenger_id} on {flight_id}")));
        }
        let offered = self
            .passenger_case(flight_id, passenger_id, policy, now)
            .await?
            .is_some_and(|c| c.evaluation.refund_option);
        if !offered {
            return Err(LedgerError::Refused("no refund is offered on this flight".into()));
        }
        if let Some(at) = self.refund_chosen_at(passenger_id, flight_id).await? {
            return Ok(at);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let details = serde_json::json!({
            "id": id, "flight_id": flight_id, "passenger_id": passenger_id, "chosen_at": now,
            "recorded_by": actor.code,
        });
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO refund_choices (id, flight_id, passenger_id, chosen_at, recorded_by, device) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (flight_id, passenger_id) DO NOTHING",
        )
        .bind(&id)
        .bind(flight_id)
        .bind(passenger_id)
        .bind(rfc3339(now))
        .bind(&actor.code)
        .bind(device)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, &actor.code, device, "refund.chosen", &details, now).await?;
        append_sync(&mut tx, "refund_chosen", &details, now).await?;
        tx.commit().await?;
        Ok(now)
    }
}

impl Station {
    /// The written notice for one passenger of a disrupted flight: each
    /// regime's notice in Chinese, then in English.
    pub async fn rights_notice(
        &self,
        passenger_id: &str,
        flight_id: &str,
        policy: &gatecare_policy::Policy,
        now: DateTime<Utc>,
    ) -> Result<Option<gatecare_voucher::pdf::NoticeSheet>, StoreError> {
        let Some(case) = self.passenger_case(flight_id, passenger_id, policy, now).await? else {
            return Ok(None);
        };
        /// The passenger's name and flight, for the notice's heading.
        #[derive(sqlx::FromRow)]
        struct NoticeHeadingRow {
            surname: String,
            given_names: String,
            native_name: Option<String>,
            flight: String,
            scheduled_departure: String,
        }
        let p = sqlx::query_as::<_, NoticeHeadingRow>(
            "SELECT p.surname, p.given_names, p.native_name, f.carrier || f.number AS flight, f.scheduled_departure \
             FROM segments s JOIN passengers p ON p.id = s.passenger_id JOIN flights f ON f.id = s.flight_id \
             WHERE s.passenger_id = ? AND s.flight_id = ?",
        )
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data(format!("no booking of {passenger_id} on {flight_id}")))?;
        let r = rights(&case.scenario, &case.evaluation, case.refund_chosen_at);
        if r.notices.is_empty() {
            return Ok(None);
        }
        let tz = case.scenario.origin.tz;
        let scheduled = parse_time(p.scheduled_departure)?.with_timezone(&tz);
        let name = match p.native_name {
            Some(n) => format!("{n} {}/{}", p.surname, p.given_names),
            None => format!("{}/{}", p.surname, p.given_names),
        };
        let carrier = case
            .scenario
            .carrier_record
            .map_or_else(|| case.scenario.carrier.to_string(), |c| c.name.clone());
        let mut sections = Vec::new();
        for n in &r.notices {
            let contact = format!("{} · {} · {}", n.body.name_zh, n.body.name, n.body.contact);
            let mut zh = n.lines_zh.clone();
            zh.push(contact.clone());
            sections.push((n.title_zh.clone(), zh));
            let mut en = n.lines_en.clone();
            en.push(format!("({})", n.citation));
            sections.push((n.title_en.clone(), en));
        }
        Ok(Some(gatecare_voucher::pdf::NoticeSheet {
            issuer: format!("{carrier} · {}", case.scenario.origin.code),
            heading: format!(
                "{name} · {} · {} ({})",
                p.flight,
                scheduled.format("%d %b %Y %H:%M"),
                scheduled.format("%Z")
            ),
            sections,
        }))
    }
}
