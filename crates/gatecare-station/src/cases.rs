//! Service recovery at a station: cases opened at the kiosk or the console,
//! worked by agents, and received from the station's other devices through
//! the feed. Rows hold the events as they travel (`case_opened`,
//! `case_updated`); a case is always their fold (`gatecare-recovery`), so
//! every device shows the same owner, clock and history.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use gatecare_core::Money;
use gatecare_policy::Policy;
use gatecare_policy::Role;
use gatecare_policy::authority::Decision;
use gatecare_recovery::case::clean_text;
use gatecare_recovery::{
    Actor, AgentRef, Case, CaseError, Category, Change, Clock, EarlyWarning, Opened, Remedy, Severity,
    Update, clock, early_warning, first_answer_due, remedy,
};
use serde::Serialize;
use uuid::Uuid;

use gatecare_store::cases::{fold_rows, insert_opened, insert_update, load_case};
use gatecare_store::store::{parse_time, rfc3339};
use gatecare_store::{AuthenticatedAgent, StoreError};

use crate::Station;

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no such case")]
    NotFound,
    #[error("{reason}")]
    NeedsApproval { approver: Role, reason: String },
    #[error("{0}")]
    Refused(String),
    #[error("miles need a frequent-flyer number: enrol the passenger first")]
    NoFfNumber,
    #[error("the approver must be someone else, of a role that may approve this")]
    WrongApprover,
    #[error("case {reference} about this is already open")]
    AlreadyOpen { reference: String },
    /// The case's voucher was refused; the case stays as it was.
    #[error("the case stays open: its goodwill voucher could not be issued: {0}")]
    VoucherNotIssued(crate::LedgerError),
}

impl RecoveryError {
    pub fn code(&self) -> &'static str {
        match self {
            RecoveryError::Case(e) => e.code(),
            RecoveryError::Store(e) => e.code(),
            RecoveryError::NotFound => "case.not_found",
            RecoveryError::NeedsApproval { approver: Role::DutyManager, .. } => {
                "case.needs_approval.duty_manager"
            }
            RecoveryError::NeedsApproval { .. } => "case.needs_approval.supervisor",
            RecoveryError::Refused(_) => "case.refused",
            RecoveryError::NoFfNumber => "case.no_ff_number",
            RecoveryError::WrongApprover => "case.wrong_approver",
            RecoveryError::AlreadyOpen { .. } => "case.already_open",
            RecoveryError::VoucherNotIssued(_) => "case.voucher_not_issued",
        }
    }
}

/// Why a case's voucher was refused. Above the agent's limit, counting all
/// the goodwill the passenger got on the flight (the ledger's count, wider
/// than the case's own), the case asks for the approver as a resolution
/// above the limit does; the rest leaves the case open with the reason.
fn voucher_refused(e: crate::LedgerError) -> RecoveryError {
    match e {
        crate::LedgerError::NeedsApproval { approver, reason } => {
            RecoveryError::NeedsApproval { approver, reason }
        }
        e => RecoveryError::VoucherNotIssued(e),
    }
}

impl From<sqlx::Error> for RecoveryError {
    fn from(e: sqlx::Error) -> Self {
        RecoveryError::Store(e.into())
    }
}

/// A complaint as typed at the kiosk or the console.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub passenger_id: String,
    pub flight_id: String,
    pub category: Category,
    pub severity: Severity,
    pub description: String,
}

/// A case with where it stands now, for the screens.
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub clock: Clock,
    /// A second (or later) failure for this passenger: more care.
    pub repeat: bool,
    /// What the passenger quotes ([`case_reference`]).
    pub reference: String,
    /// The station's time zone: screens show every time of the case in it.
    pub time_zone: String,
    /// The exponent of the recovery currency, which every remedy of the
    /// case is counted in, from Rust's table.
    pub exponent: u8,
}

/// Where a passenger's recovery memory is kept: the frequent-flyer number
/// follows them across flights; without one, the passenger record.
pub fn profile_key(passenger_id: &str, ff_number: Option<&str>) -> String {
    match ff_number.filter(|n| !n.is_empty()) {
        Some(n) => format!("ff:{n}"),
        None => format!("pax:{passenger_id}"),
    }
}

impl Station {
    /// Opens a case (at the kiosk: `by` is the kiosk; at the console: the
    /// agent) and logs it for central.
    pub async fn open_case(
        &self,
        new: &NewCase,
        by: Actor,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Case, RecoveryError> {
        let description =
            clean_text("description", &new.description, gatecare_recovery::case::MAX_DESCRIPTION, false)?;
        /// The booking a case is opened on.
        #[derive(sqlx::FromRow)]
        struct CaseBookingRow {
            surname: String,
            given_names: String,
            pnr: String,
            flight: String,
            origin: String,
            scheduled_departure: String,
            ff_number: Option<String>,
        }
        let r = sqlx::query_as::<_, CaseBookingRow>(
            "SELECT p.surname, p.given_names, s.pnr, f.carrier || f.number AS flight, f.origin, f.scheduled_departure, \
                    l.ff_number \
             FROM segments s JOIN passengers p ON p.id = s.passenger_id JOIN flights f ON f.id = s.flight_id \
             LEFT JOIN loyalty_profiles l ON l.passenger_id = p.id \
             WHERE s.passenger_id = ? AND s.flight_id = ?",
        )
        .bind(&new.passenger_id)
        .bind(&new.flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(RecoveryError::Case(CaseError::Invalid {
            field: "passenger",
            reason: "no such booking on this flight".into(),
        }))?;
        let station = r.origin;
        let scheduled = parse_time(r.scheduled_departure)?;
        let key = profile_key(&new.passenger_id, r.ff_number.as_deref());
        let (surname, given) = (r.surname, r.given_names);
        // One open case per passenger, flight and category: a second tap at
        // the kiosk (or a second agent) joins the first, it does not fork it.
        for c in self.cases_of_profile(&key).await? {
            if c.opened.flight_id == new.flight_id
                && c.opened.category == new.category
                && matches!(c.status, gatecare_recovery::Status::New | gatecare_recovery::Status::Open)
            {
                return Err(RecoveryError::AlreadyOpen { reference: case_reference(c.opened.case_id) });
            }
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // Forgotten cases keep the key's digest (module `retention`).
        let earlier: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE profile_key IN (?, ?)")
            .bind(&key)
            .bind(gatecare_store::retention::profile_digest(&key))
            .fetch_one(&mut *tx)
            .await?;
        let opened = Opened {
            case_id: Uuid::now_v7(),
            flight_date: scheduled.with_timezone(&gatecare_reference::time_zone(&station)).date_naive(),
            station,
            flight_id: new.flight_id.clone(),
            flight: r.flight,
            passenger_id: new.passenger_id.clone(),
            passenger_name: format!("{surname}/{given}"),
            pnr: r.pnr,
            profile_key: key,
            category: new.category,
            severity: new.severity,
            description,
            opened_by: by,
            at: now,
            first_answer_due: first_answer_due(&policy.recovery, now),
            earlier_cases: earlier.clamp(0, u32::MAX as i64) as u32,
        };
        opened.check()?;
        let payload = serde_json::to_value(&opened).map_err(|e| StoreError::Data(e.to_string()))?;
        insert_opened(&mut tx, &opened, &payload.to_string(), "local").await?;
        gatecare_store::ledger::append_sync(&mut tx, "case_opened", &payload, now).await?;
        tx.commit().await?;
        Ok(Case::open(opened))
    }

    /// The case as it stands, folded from everything this device holds.
    pub async fn case(&self, case_id: Uuid) -> Result<Option<Case>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        load_case(&mut conn, case_id).await
    }

    /// Takes, transfers or records progress on a case, as `by`. Checked
    /// against the case as it stands, inside the writing transaction.
    pub async fn update_case(
        &self,
        case_id: Uuid,
        change: Change,
        by: &AuthenticatedAgent,
        now: DateTime<Utc>,
    ) -> Result<Case, RecoveryError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let case = write_update(&mut tx, case_id, change, by, now).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Resolves a case with what was given, checked against the resolver's
    /// authority for a passenger of `stars` (above it, `approver` must be a
    /// different person of a role that may approve it).
    #[allow(clippy::too_many_arguments)]
    pub async fn resolve_case(
        &self,
        case_id: Uuid,
        remedies: Vec<Remedy>,
        note: &str,
        by: &AuthenticatedAgent,
        approver: Option<&AuthenticatedAgent>,
        stars: u8,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Case, RecoveryError> {
        let (_, change) = self.resolution(case_id, remedies, note, by, approver, stars, policy).await?;
        self.update_case(case_id, change, by, now).await
    }

    /// The resolution's change, checked against the authority, with the
    /// case as it stands.
    #[allow(clippy::too_many_arguments)]
    async fn resolution(
        &self,
        case_id: Uuid,
        remedies: Vec<Remedy>,
        note: &str,
        by: &AuthenticatedAgent,
        approver: Option<&AuthenticatedAgent>,
        stars: u8,
        policy: &Policy,
    ) -> Result<(Case, Change), RecoveryError> {
        let case = self.case(case_id).await?.ok_or(RecoveryError::NotFound)?;
        if remedies.iter().any(|r| matches!(r, Remedy::Miles { .. }))
            && !case.opened.profile_key.starts_with("ff:")
        {
            return Err(RecoveryError::NoFfNumber);
        }
        // What earlier resolutions gave this passenger for this flight counts
        // towards the same limit.
        let mut already = Money::new(0, policy.recovery.currency);
        for c in self.cases_of_profile(&case.opened.profile_key).await? {
            if c.opened.case_id != case_id
                && c.opened.flight_id == case.opened.flight_id
                && let Some(r) = &c.resolution
            {
                already = already.checked_add(r.value).unwrap_or(already);
            }
        }
        let (value, decision) = remedy::decide(policy, by.role, stars, &remedies, already)?;
        let approved_by = match decision {
            Decision::Allowed { .. } => None,
            Decision::Refused { reason } => return Err(RecoveryError::Refused(reason)),
            Decision::NeedsApproval { approver: needed, reason, .. } => match approver {
                None => return Err(RecoveryError::NeedsApproval { approver: needed, reason }),
                Some(a) if a.code == by.code || a.role < needed => return Err(RecoveryError::WrongApprover),
                Some(a) => Some(agent_ref(a)),
            },
        };
        Ok((case, Change::Resolve { remedies, note: note.to_owned(), value, approver: approved_by }))
    }

    /// [`Station::resolve_case`] with its voucher remedy (if any) issued as
    /// a goodwill voucher for the passenger and flight, under the same
    /// approval, as one outcome: the case is resolved and the voucher is in
    /// the ledger, or neither (an offline cap, a limit) and the case stays
    /// as it was.
    pub async fn resolve_case_issuing(
        &self,
        ctx: &crate::IssueContext<'_>,
        case_id: Uuid,
        remedies: Vec<Remedy>,
        note: &str,
        approver: Option<&AuthenticatedAgent>,
        stars: u8,
    ) -> Result<(Case, Option<crate::Issued>), RecoveryError> {
        let voucher = remedies.iter().find_map(|r| match r {
            Remedy::Voucher { value } => Some(*value),
            _ => None,
        });
        let Some(value) = voucher else {
            let case = self
                .resolve_case(case_id, remedies, note, ctx.actor, approver, stars, ctx.policy, ctx.now)
                .await?;
            return Ok((case, None));
        };
        let (case, change) =
            self.resolution(case_id, remedies, note, ctx.actor, approver, stars, ctx.policy).await?;
        let (pax, flight) = (&case.opened.passenger_id, &case.opened.flight_id);
        let reference = case_reference(case_id);
        // Held until the voucher is written (module `grant`, `next_goodwill`).
        let (ordinal, _turn) =
            self.next_goodwill(pax, flight).await.map_err(RecoveryError::VoucherNotIssued)?;
        // Claimed at central first, as every online issuance is.
        let (ordinal, claim) =
            self.claim_goodwill(ctx, pax, flight, ordinal).await.map_err(RecoveryError::VoucherNotIssued)?;
        let request = crate::IssueRequest {
            passenger_id: pax.clone(),
            flight_id: flight.clone(),
            kind: gatecare_ledger::EntitlementKind::Goodwill,
            ordinal,
            value,
            statutory: false,
            customer_stars: stars,
            approver: approver.cloned(),
            reason: format!("service recovery {reference}"),
            hotel_block_id: None,
            details: serde_json::json!({ "case": case_id, "reference": reference }),
        };
        let decision = self.decision_for(ctx, &request).await;
        let written = async {
            let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
            let case = write_update(&mut tx, case_id, change, ctx.actor, ctx.now).await?;
            let issued = gatecare_store::ledger::issue_in(
                &mut tx,
                ctx,
                &request,
                gatecare_store::ledger::Replacement::Refused,
                &decision,
            )
            .await
            .map_err(voucher_refused)?;
            tx.commit().await?;
            Ok::<_, RecoveryError>((case, Some(issued)))
        }
        .await;
        if written.is_err() && claim == gatecare_link::ClaimCheck::Granted {
            gatecare_link::release_claim(self, pax, flight, request.kind, ordinal).await?;
        }
        written
    }

    /// Every case of one passenger's profile, oldest first; forgotten ones
    /// (module `retention`) by the key's digest, without their words.
    pub async fn cases_of_profile(&self, key: &str) -> Result<Vec<Case>, StoreError> {
        let digest = gatecare_store::retention::profile_digest(key);
        let opened =
            sqlx::query_as("SELECT case_id, body FROM cases WHERE profile_key IN (?, ?) ORDER BY opened_at")
                .bind(key)
                .bind(&digest)
                .fetch_all(self.pool())
                .await?;
        let updates = sqlx::query_as(
            "SELECT case_id, body FROM case_updates \
             WHERE case_id IN (SELECT case_id FROM cases WHERE profile_key IN (?, ?))",
        )
        .bind(key)
        .bind(&digest)
        .fetch_all(self.pool())
        .await?;
        fold_rows(opened, updates)
    }

    /// The station's cases that need attention, most urgent first: every
    /// case not closed, and those closed in the last `days` days.
    pub async fn station_cases(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
        days: i64,
    ) -> Result<Vec<CaseView>, RecoveryError> {
        // Cases are few (hundreds a month at a busy station): fold the
        // recent ones and keep what is still open or recently closed.
        let opened = sqlx::query_as("SELECT case_id, body FROM cases ORDER BY opened_at DESC LIMIT 2000")
            .fetch_all(self.pool())
            .await?;
        let updates = sqlx::query_as(
            "SELECT case_id, body FROM case_updates WHERE case_id IN \
             (SELECT case_id FROM cases ORDER BY opened_at DESC LIMIT 2000)",
        )
        .fetch_all(self.pool())
        .await?;
        let cases = fold_rows(opened, updates)?;
        let recent = now - Duration::days(days);
        let mut views: Vec<CaseView> = cases
            .into_iter()
            .filter(|c| c.status != gatecare_recovery::Status::Closed || c.opened.at >= recent)
            .map(|c| case_view(c, policy, now))
            .collect();
        // Unanswered cases first, the nearest deadline on top.
        views.sort_by_key(|v| {
            use gatecare_recovery::Urgency::*;
            let rank = match v.clock.urgency {
                Overdue => 0,
                Urgent => 1,
                DueSoon => 2,
                OnTrack => 3,
                FollowUpDue => 4,
                Answered => 5,
                Resolved => 6,
                Closed => 7,
            };
            (rank, v.clock.first_answer_due)
        });
        Ok(views)
    }

    /// Early-warning counts for local days `from..=to` (station time).
    pub async fn early_warning(
        &self,
        policy: &Policy,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<EarlyWarning, RecoveryError> {
        // A day's cases lie within a day either side of UTC midnight.
        let lo = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc() - Duration::days(1));
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM cases WHERE opened_at >= ?")
            .bind(lo.map(rfc3339).unwrap_or_default())
            .fetch_all(self.pool())
            .await?;
        let opened: Vec<Opened> = bodies.iter().filter_map(|b| serde_json::from_str(b).ok()).collect();
        Ok(early_warning(&opened, gatecare_reference::time_zone, from, to, policy.recovery.alert_threshold))
    }
}

/// A case with its clock and local times.
pub fn case_view(case: Case, policy: &Policy, now: DateTime<Utc>) -> CaseView {
    let tz = gatecare_reference::time_zone(&case.opened.station);
    let clock = clock(&case, &policy.recovery, now);
    CaseView {
        repeat: case.is_repeat(),
        reference: case_reference(case.opened.case_id),
        time_zone: tz.name().to_owned(),
        exponent: policy.recovery.currency.minor_digits(),
        clock,
        case,
    }
}

pub fn agent_ref(a: &AuthenticatedAgent) -> AgentRef {
    AgentRef { code: a.code.clone(), name: a.name.clone(), role: a.role }
}

impl Station {
    /// The station's agents a case can be handed to (never PIN hashes).
    pub async fn case_agents(&self) -> Result<Vec<AgentRef>, RecoveryError> {
        let rows = sqlx::query_as::<_, (String, String, String)>(
            "SELECT code, name, role FROM agents ORDER BY code",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (code, name, role) in rows {
            let Ok(role) = Role::parse(&role) else { continue };
            out.push(AgentRef { code, name, role });
        }
        Ok(out)
    }
}

/// A case as its passenger sees it at the kiosk: what they were told and
/// what they were given; never internal notes or agents' names.
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct PassengerCase {
    pub reference: String,
    pub category: Category,
    pub status: gatecare_recovery::Status,
    pub opened_at: DateTime<Utc>,
    pub first_answer_due: DateTime<Utc>,
    /// Progress the agent marked as told to the passenger, oldest first.
    pub told: Vec<ToldUpdate>,
    pub given: Vec<Remedy>,
    /// The exponent of what was given's currency, from Rust's table (none
    /// while nothing was given).
    pub exponent: Option<u8>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct ToldUpdate {
    pub at: DateTime<Utc>,
    pub note: String,
}

/// The reference a passenger quotes: the last six hex digits of the id
/// (random in a UUIDv7).
pub fn case_reference(id: Uuid) -> String {
    let hex = id.simple().to_string();
    format!("GC-{}", hex[hex.len() - 6..].to_uppercase())
}

impl Station {
    /// The scanned passenger's own cases (their profile's), for the kiosk.
    pub async fn passenger_cases(&self, passenger_id: &str) -> Result<Vec<PassengerCase>, StoreError> {
        let ff: Option<String> =
            sqlx::query_scalar("SELECT ff_number FROM loyalty_profiles WHERE passenger_id = ?")
                .bind(passenger_id)
                .fetch_optional(self.pool())
                .await?
                .flatten();
        let cases = self.cases_of_profile(&profile_key(passenger_id, ff.as_deref())).await?;
        Ok(cases
            .into_iter()
            .map(|c| PassengerCase {
                reference: case_reference(c.opened.case_id),
                category: c.opened.category,
                status: c.status,
                opened_at: c.opened.at,
                first_answer_due: c.opened.first_answer_due,
                told: c
                    .history
                    .iter()
                    .filter(|h| h.refused.is_none())
                    .filter_map(|h| match &h.update.change {
                        Change::Progress { note, told_passenger: true } => {
                            Some(ToldUpdate { at: h.update.at, note: note.clone() })
                        }
                        _ => None,
                    })
                    .collect(),
                exponent: c.resolution.as_ref().map(|r| r.value.currency.minor_digits()),
                given: c.resolution.map(|r| r.remedies).unwrap_or_default(),
            })
            .collect())
    }
}

/// Checks a change against the case as stored and writes it, with its sync
/// event, inside the caller's transaction; returns the case after it.
async fn write_update(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    case_id: Uuid,
    change: Change,
    by: &AuthenticatedAgent,
    now: DateTime<Utc>,
) -> Result<Case, RecoveryError> {
    let case = load_case(tx, case_id).await?.ok_or(RecoveryError::NotFound)?;
    let update = Update { update_id: Uuid::now_v7(), case_id, at: now, by: agent_ref(by), change };
    case.check(&update)?;
    let payload = serde_json::to_value(&update).map_err(|e| StoreError::Data(e.to_string()))?;
    insert_update(tx, &update, &payload.to_string(), "local").await?;
    gatecare_store::ledger::append_sync(tx, "case_updated", &payload, now).await?;
    let mut updates = case.history.into_iter().map(|h| h.update).collect::<Vec<_>>();
    updates.push(update);
    Ok(Case::fold(case.opened, updates))
}
