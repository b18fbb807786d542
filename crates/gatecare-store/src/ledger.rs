//! Issuing entitlements: the ledger, the print journal and the audit log.
//!
//! Issuance commits to the ledger before anything is printed; printing is
//! recorded in the print journal after the commit. Issuing is idempotent on
//! the entitlement key: a second issue returns the same voucher as a reprint.
//! Voids and reprints are new events, never updates.

use chrono::{DateTime, Utc};
use gatecare_care::{CareKind, DecisionRecord};
use gatecare_core::{FlightDesignator, Money};
use gatecare_ledger::chain::{self, BrokenLink, GENESIS};
use gatecare_ledger::offline::{self, OfflineDecision, OfflineLimits, Usage};
use gatecare_ledger::{EntitlementKey, EntitlementKind};
use gatecare_policy::authority::{Decision, GrantRequest, decide};
use gatecare_policy::{Policy, Role};
use serde::Serialize;
use sqlx::{Sqlite, Transaction};

use crate::agents::AuthenticatedAgent;
use crate::failpoint;
use crate::store::{Store, StoreError, parse_time, rfc3339};

/// Who issues, on which device, under which rules.
#[derive(Debug, Clone)]
pub struct IssueContext<'a> {
    pub device: &'a str,
    pub actor: &'a AuthenticatedAgent,
    pub policy: &'a Policy,
    pub limits: OfflineLimits,
    pub now: DateTime<Utc>,
}

impl<'a> IssueContext<'a> {
    /// `actor` issuing on `device` at `now`, with the default offline caps.
    pub fn new(
        device: &'a str,
        actor: &'a AuthenticatedAgent,
        policy: &'a Policy,
        now: DateTime<Utc>,
    ) -> Self {
        IssueContext { device, actor, policy, limits: OfflineLimits::default(), now }
    }
}

#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub passenger_id: String,
    pub flight_id: String,
    pub kind: EntitlementKind,
    pub ordinal: u32,
    pub value: Money,
    /// Owed by law: never needs approval, never capped.
    pub statutory: bool,
    /// The passenger's stars, for the authority limit.
    pub customer_stars: u8,
    /// A higher role who approved at the counter (signed in with their PIN).
    pub approver: Option<AuthenticatedAgent>,
    pub reason: String,
    /// For a hotel: the block to allocate a room from.
    pub hotel_block_id: Option<String>,
    /// What the voucher says (citation, what it buys): stored as JSON.
    pub details: serde_json::Value,
}

/// An issued voucher and what decided it ([`Store::recorded_decision`]).
#[derive(Debug, Clone)]
pub struct RecordedDecision {
    pub voucher_id: String,
    pub serial: String,
    pub entitlement_key: String,
    pub kind: String,
    pub device: String,
    pub actor: String,
    pub issued_at: DateTime<Utc>,
    /// None for a voucher issued before decisions were recorded.
    pub decision: Option<DecisionRecord>,
    /// The text of the policy the decision names, as stored under its hash.
    pub policy_toml: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Issued {
    pub voucher_id: String,
    pub serial: String,
    pub entitlement_key: String,
    pub ledger_seq: i64,
    /// True when the entitlement had been issued before: this is a reprint.
    pub reprint: bool,
    /// A hotel room allocated offline from the local block.
    pub provisional: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no booking of passenger {passenger} on flight {flight}")]
    NoBooking { passenger: String, flight: String },
    #[error("entitlement {0} was voided; only an agent issues a replacement")]
    Voided(String),
    #[error("above the limit: a {approver:?} must approve ({reason})")]
    NeedsApproval { approver: Role, reason: String },
    #[error("refused: {0}")]
    Refused(String),
    #[error("offline and over the {cap} cap for discretionary items")]
    OfflineCap { cap: &'static str },
    #[error("offline without a lease: an upgrade needs a supervisor's override")]
    NeedsOverride,
    #[error("no rooms left in hotel block {0}")]
    NoRooms(String),
    #[error("no voucher {0}")]
    UnknownVoucher(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    /// One field of a form is wrong: the code names the problem, so the
    /// screen shows it beside that field.
    #[error("{reason}")]
    Field { code: &'static str, reason: String },
    #[error("already issued by device {0} (reported by central)")]
    IssuedElsewhere(String),
    #[error("this flight's issuance is leased to device {0}")]
    LeasedElsewhere(String),
    /// Central revoked this device, or another device uses its identity:
    /// what it would sign now, merchants refuse.
    #[error("this device may not issue: {0}")]
    DeviceBarred(String),
}

impl LedgerError {
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Store(e) => e.code(),
            LedgerError::NoBooking { .. } => "ledger.no_booking",
            LedgerError::Voided(_) => "ledger.voided",
            LedgerError::NeedsApproval { .. } => "ledger.needs_approval",
            LedgerError::Refused(_) => "ledger.refused",
            LedgerError::OfflineCap { .. } => "ledger.offline_cap",
            LedgerError::NeedsOverride => "ledger.needs_override",
            LedgerError::NoRooms(_) => "ledger.no_rooms",
            LedgerError::UnknownVoucher(_) => "ledger.unknown_voucher",
            LedgerError::Invalid(_) => "ledger.invalid",
            LedgerError::Field { code, .. } => code,
            LedgerError::IssuedElsewhere(_) => "ledger.issued_elsewhere",
            LedgerError::LeasedElsewhere(_) => "ledger.leased_elsewhere",
            LedgerError::DeviceBarred(_) => "ledger.device_barred",
        }
    }
}

impl From<sqlx::Error> for LedgerError {
    fn from(e: sqlx::Error) -> Self {
        LedgerError::Store(StoreError::from(e))
    }
}

/// One ledger event before it is chained.
struct NewEvent<'a> {
    event: &'static str,
    key: &'a str,
    voucher_id: &'a str,
    serial: &'a str,
    passenger_id: &'a str,
    flight_id: &'a str,
    kind: &'a str,
    value_minor: i64,
    currency: &'a str,
    statutory: bool,
    provisional: bool,
    details: &'a str,
    actor: &'a str,
    approver: Option<&'a str>,
    device: &'a str,
    at: DateTime<Utc>,
    reason: &'a str,
    /// A replacement's voided voucher (also in `details`, which the chain covers).
    replaces: Option<&'a str>,
    /// What decided an issuance (also in `details`), and the policy's text
    /// the first time this device records that policy: central keeps both.
    decision: Option<&'a serde_json::Value>,
    policy_text: Option<&'a str>,
}

impl NewEvent<'_> {
    fn canonical(&self, id: &str) -> String {
        chain::canonical(&[
            id,
            self.event,
            self.key,
            self.voucher_id,
            self.serial,
            self.passenger_id,
            self.flight_id,
            self.kind,
            &self.value_minor.to_string(),
            self.currency,
            if self.statutory { "1" } else { "0" },
            if self.provisional { "1" } else { "0" },
            self.details,
            self.actor,
            self.approver.unwrap_or(""),
            self.device,
            &rfc3339(self.at),
            self.reason,
        ])
    }
}

async fn append_event(tx: &mut Transaction<'static, Sqlite>, e: &NewEvent<'_>) -> Result<i64, LedgerError> {
    let prev: Option<String> = sqlx::query_scalar("SELECT hash FROM ledger_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_owned());
    let id = uuid::Uuid::now_v7().to_string();
    let hash = chain::link(&prev, &e.canonical(&id));
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO ledger_events (id, event, entitlement_key, voucher_id, serial, passenger_id, flight_id, kind, \
         value_minor, currency, statutory, provisional, details, actor, approver, device, at, reason, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
    )
    .bind(&id)
    .bind(e.event)
    .bind(e.key)
    .bind(e.voucher_id)
    .bind(e.serial)
    .bind(e.passenger_id)
    .bind(e.flight_id)
    .bind(e.kind)
    .bind(e.value_minor)
    .bind(e.currency)
    .bind(e.statutory)
    .bind(e.provisional)
    .bind(e.details)
    .bind(e.actor)
    .bind(e.approver)
    .bind(e.device)
    .bind(rfc3339(e.at))
    .bind(e.reason)
    .bind(&prev)
    .bind(&hash)
    .fetch_one(&mut **tx)
    .await?;
    // The same fact goes to the sync log in the same transaction.
    let mut payload = serde_json::json!({
        "ledger_id": id, "event": e.event, "entitlement_key": e.key, "voucher_id": e.voucher_id,
        "serial": e.serial, "passenger_id": e.passenger_id, "flight_id": e.flight_id, "kind": e.kind,
        "value_minor": e.value_minor, "currency": e.currency, "statutory": e.statutory,
        "provisional": e.provisional, "actor": e.actor, "approver": e.approver, "device": e.device,
        "at": rfc3339(e.at), "reason": e.reason,
    });
    if let Some(old) = e.replaces {
        payload["replaces"] = serde_json::Value::String(old.to_owned());
    }
    if let Some(decision) = e.decision {
        payload["decision"] = decision.clone();
    }
    if let Some(text) = e.policy_text {
        payload["policy_toml"] = serde_json::Value::String(text.to_owned());
    }
    append_sync(tx, e.event, &payload, e.at).await?;
    Ok(seq)
}

/// Whether a voucher has been voided, here or on the void list central sent.
async fn is_voided(tx: &mut Transaction<'static, Sqlite>, voucher_id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM ledger_events WHERE voucher_id = ?1 AND event = 'voided') \
             OR EXISTS (SELECT 1 FROM void_list WHERE voucher_id = ?1)",
    )
    .bind(voucher_id)
    .fetch_one(&mut **tx)
    .await
}

/// Passengers of one booking who share a hotel room.
pub const ROOM_SHARE: i64 = 3;

/// Appends to the outgoing sync log with a gapless per-device sequence.
pub async fn append_sync(
    tx: &mut Transaction<'static, Sqlite>,
    kind: &str,
    payload: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sync_events (seq, event_id, kind, payload, created_at) \
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_events), ?, ?, ?, ?) RETURNING seq",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(kind)
    .bind(payload.to_string())
    .bind(rfc3339(at))
    .fetch_one(&mut **tx)
    .await
}

/// The audit log: who did what, chained like the ledger.
pub async fn audit(
    tx: &mut Transaction<'static, Sqlite>,
    actor: &str,
    device: &str,
    action: &str,
    details: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let prev: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_owned());
    let id = uuid::Uuid::now_v7().to_string();
    let details = details.to_string();
    let canonical = chain::canonical(&[&id, &rfc3339(at), actor, device, action, &details]);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, device, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(rfc3339(at))
    .bind(actor)
    .bind(device)
    .bind(action)
    .bind(&details)
    .bind(&prev)
    .bind(chain::link(&prev, &canonical))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Everything `issue` needs to know about the booked segment.
pub struct SegmentFacts {
    pub designator: FlightDesignator,
    pub scheduled_local_date: chrono::NaiveDate,
    pub ticket_number: String,
}

pub async fn segment_facts(
    tx: &mut Transaction<'static, Sqlite>,
    passenger_id: &str,
    flight_id: &str,
) -> Result<SegmentFacts, LedgerError> {
    /// The booked segment and its flight, as `segment_facts` reads them.
    #[derive(sqlx::FromRow)]
    struct SegmentRow {
        carrier: String,
        number: String,
        origin: String,
        scheduled_departure: String,
        ticket_number: String,
    }
    let row = sqlx::query_as::<_, SegmentRow>(
        "SELECT f.carrier, f.number, f.origin, f.scheduled_departure, s.ticket_number \
         FROM segments s JOIN flights f ON f.id = s.flight_id WHERE s.passenger_id = ? AND s.flight_id = ?",
    )
    .bind(passenger_id)
    .bind(flight_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| LedgerError::NoBooking { passenger: passenger_id.into(), flight: flight_id.into() })?;
    let designator = FlightDesignator::parse(&format!("{}{}", row.carrier, row.number))
        .map_err(|e| StoreError::Data(e.to_string()))?;
    let origin =
        gatecare_core::AirportCode::parse(&row.origin).map_err(|e| StoreError::Data(e.to_string()))?;
    let tz = gatecare_reference::airport(&origin)
        .map(|a| a.tz)
        .ok_or_else(|| StoreError::Data(format!("unknown airport {origin}")))?;
    let scheduled = parse_time(row.scheduled_departure)?;
    Ok(SegmentFacts {
        designator,
        scheduled_local_date: scheduled.with_timezone(&tz).date_naive(),
        ticket_number: row.ticket_number,
    })
}

impl Store {
    /// The entitlement key an issuance would use (for claims before issuing).
    pub async fn entitlement_key(
        &self,
        passenger_id: &str,
        flight_id: &str,
        kind: EntitlementKind,
        ordinal: u32,
    ) -> Result<String, LedgerError> {
        let mut tx = self.pool().begin().await?;
        let seg = segment_facts(&mut tx, passenger_id, flight_id).await?;
        tx.commit().await?;
        let key =
            EntitlementKey::new(&seg.designator, seg.scheduled_local_date, &seg.ticket_number, kind, ordinal)
                .map_err(|e| LedgerError::Invalid(e.to_string()))?;
        Ok(key.to_string())
    }

    /// The time of this device's last completed sync (none yet: offline).
    pub async fn last_sync(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'last_sync_at'")
            .fetch_optional(self.pool())
            .await?;
        v.map(parse_time).transpose()
    }

    pub async fn record_sync(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ('last_sync_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(rfc3339(at))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Grants this device a lease (from central, or the admin command).
    pub async fn grant_lease(
        &self,
        scope: &str,
        key: &str,
        device: &str,
        expires_at: DateTime<Utc>,
        granted_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if scope != "flight" && scope != "entitlement" {
            return Err(StoreError::Data(format!("unknown lease scope {scope}")));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO leases (id, scope, key, device, expires_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(scope)
            .bind(key)
            .bind(device)
            .bind(rfc3339(expires_at))
            .bind(granted_by)
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            granted_by,
            device,
            "lease.granted",
            &serde_json::json!({"scope": scope, "key": key, "expires_at": rfc3339(expires_at)}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues one entitlement under `decision` (what decided it, kept with
    /// the voucher), or returns the voucher already issued for it. A voided
    /// entitlement is refused ([`LedgerError::Voided`]) unless `replacement`
    /// allows a replacement linked to the voided voucher. The station's
    /// `issue` reads the decision from the passenger's case.
    pub async fn issue_decided(
        &self,
        ctx: &IssueContext<'_>,
        req: &IssueRequest,
        replacement: Replacement,
        decision: &DecisionRecord,
    ) -> Result<Issued, LedgerError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let issued = issue_in(&mut tx, ctx, req, replacement, decision).await?;
        failpoint::hit("issue.before_commit");
        tx.commit().await?;
        failpoint::hit("issue.after_commit");
        Ok(issued)
    }

    /// What decided a voucher (by its id or the serial printed on it), as
    /// recorded when it was issued, with the policy's text; None when there
    /// is no such voucher here.
    pub async fn recorded_decision(&self, voucher_id: &str) -> Result<Option<RecordedDecision>, StoreError> {
        /// An issuance with the text of the policy its decision names.
        #[derive(sqlx::FromRow)]
        struct IssuedDecisionRow {
            voucher_id: String,
            serial: String,
            entitlement_key: String,
            kind: String,
            device: String,
            actor: String,
            at: String,
            details: String,
            policy_toml: Option<String>,
        }
        let Some(row) = sqlx::query_as::<_, IssuedDecisionRow>(
            "SELECT i.voucher_id, i.serial, i.entitlement_key, i.kind, i.device, i.actor, i.at, i.details,                     p.toml AS policy_toml              FROM ledger_events i              LEFT JOIN decision_policies p ON p.hash = json_extract(i.details, '$.decision.policy')              WHERE (i.voucher_id = lower(?1) OR i.serial = upper(?1)) AND i.event = 'issued'",
        )
        .bind(voucher_id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let details: serde_json::Value = serde_json::from_str(&row.details)
            .map_err(|e| StoreError::Data(format!("voucher {voucher_id}: details: {e}")))?;
        // Issued before decisions were recorded (migration 0018): none.
        let decision = match details.get("decision") {
            Some(d) => Some(
                serde_json::from_value(d.clone())
                    .map_err(|e| StoreError::Data(format!("voucher {voucher_id}: decision: {e}")))?,
            ),
            None => None,
        };
        Ok(Some(RecordedDecision {
            voucher_id: row.voucher_id,
            serial: row.serial,
            entitlement_key: row.entitlement_key,
            kind: row.kind,
            device: row.device,
            actor: row.actor,
            issued_at: parse_time(row.at)?,
            decision,
            policy_toml: row.policy_toml,
        }))
    }

    /// Voids a voucher: a new event. The entitlement is issued again only as
    /// an agent's replacement ([`Store::issue_or_replace`]).
    pub async fn void(
        &self,
        ctx: &IssueContext<'_>,
        voucher_id: &str,
        reason: &str,
    ) -> Result<(), LedgerError> {
        self.follow_up(ctx, voucher_id, "voided", reason).await.map(|_| ())
    }

    /// Records a reprint of an issued voucher.
    pub async fn reprint(
        &self,
        ctx: &IssueContext<'_>,
        voucher_id: &str,
        reason: &str,
    ) -> Result<Issued, LedgerError> {
        self.follow_up(ctx, voucher_id, "reprinted", reason).await
    }

    async fn follow_up(
        &self,
        ctx: &IssueContext<'_>,
        voucher_id: &str,
        event: &'static str,
        reason: &str,
    ) -> Result<Issued, LedgerError> {
        if reason.trim().is_empty() || reason.len() > 500 {
            return Err(LedgerError::Invalid("a reason (up to 500 characters) is required".into()));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        /// The issuance a void or reprint follows up.
        #[derive(sqlx::FromRow)]
        struct IssuanceRow {
            entitlement_key: String,
            serial: String,
            passenger_id: String,
            flight_id: String,
            kind: String,
            value_minor: i64,
            currency: String,
            statutory: bool,
            provisional: bool,
            details: String,
        }
        let row = sqlx::query_as::<_, IssuanceRow>(
            "SELECT entitlement_key, serial, passenger_id, flight_id, kind, value_minor, currency, statutory, provisional, details \
             FROM ledger_events WHERE voucher_id = ? AND event = 'issued'",
        )
        .bind(voucher_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| LedgerError::UnknownVoucher(voucher_id.into()))?;
        let key = row.entitlement_key;
        if is_voided(&mut tx, voucher_id).await? {
            return Err(LedgerError::Voided(key));
        }
        let serial = row.serial;
        let seq = append_event(
            &mut tx,
            &NewEvent {
                event,
                key: &key,
                voucher_id,
                serial: &serial,
                passenger_id: &row.passenger_id,
                flight_id: &row.flight_id,
                kind: &row.kind,
                value_minor: row.value_minor,
                currency: &row.currency,
                statutory: row.statutory,
                provisional: row.provisional,
                details: &row.details,
                actor: &ctx.actor.code,
                approver: None,
                device: ctx.device,
                at: ctx.now,
                reason,
                replaces: None,
                decision: None,
                policy_text: None,
            },
        )
        .await?;
        audit(
            &mut tx,
            &ctx.actor.code,
            ctx.device,
            &format!("voucher.{event}"),
            &serde_json::json!({"voucher_id": voucher_id, "reason": reason}),
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        Ok(Issued {
            voucher_id: voucher_id.into(),
            serial,
            entitlement_key: key,
            ledger_seq: seq,
            reprint: event == "reprinted",
            provisional: false,
        })
    }

    /// Appends to the print journal: `queued` before the printer is asked,
    /// `printed` or `failed` after. Never before the ledger commit.
    pub async fn journal_print(
        &self,
        issued: &Issued,
        state: &str,
        printer: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !matches!(state, "queued" | "printed" | "failed") {
            return Err(StoreError::Data(format!("unknown print state {state}")));
        }
        sqlx::query("INSERT INTO print_journal (voucher_id, serial, ledger_seq, state, printer, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&issued.voucher_id)
            .bind(&issued.serial)
            .bind(issued.ledger_seq)
            .bind(state)
            .bind(printer)
            .bind(detail)
            .bind(rfc3339(at))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Checks the ledger's and the audit log's hash chains.
    pub async fn verify_chains(&self) -> Result<Result<(u64, u64), (&'static str, BrokenLink)>, StoreError> {
        let ledger = self.chain_records("ledger").await?;
        let audit = self.chain_records("audit").await?;
        let l = match chain::verify(ledger) {
            Ok(n) => n,
            Err(b) => return Ok(Err(("ledger", b))),
        };
        let a = match chain::verify(audit) {
            Ok(n) => n,
            Err(b) => return Ok(Err(("audit", b))),
        };
        Ok(Ok((l, a)))
    }

    async fn chain_records(&self, which: &str) -> Result<Vec<chain::Stored>, StoreError> {
        let mut out = Vec::new();
        if which == "ledger" {
            let rows = sqlx::query_as::<_, LedgerEventRow>("SELECT * FROM ledger_events ORDER BY seq")
                .fetch_all(self.pool())
                .await?;
            for r in rows {
                let e = NewEvent {
                    event: match r.event.as_str() {
                        "issued" => "issued",
                        "voided" => "voided",
                        "reprinted" => "reprinted",
                        _ => "unknown",
                    },
                    key: &r.entitlement_key,
                    voucher_id: &r.voucher_id,
                    serial: &r.serial,
                    passenger_id: &r.passenger_id,
                    flight_id: &r.flight_id,
                    kind: &r.kind,
                    value_minor: r.value_minor,
                    currency: &r.currency,
                    statutory: r.statutory,
                    provisional: r.provisional,
                    details: &r.details,
                    actor: &r.actor,
                    approver: r.approver.as_deref(),
                    device: &r.device,
                    at: parse_time(r.at)?,
                    reason: &r.reason,
                    replaces: None,
                    decision: None,
                    policy_text: None,
                };
                out.push(chain::Stored {
                    seq: r.seq,
                    canonical: e.canonical(&r.id),
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                });
            }
        } else {
            let rows = sqlx::query_as::<_, AuditRow>("SELECT * FROM audit_log ORDER BY seq")
                .fetch_all(self.pool())
                .await?;
            for r in rows {
                let canonical = chain::canonical(&[&r.id, &r.at, &r.actor, &r.device, &r.action, &r.details]);
                out.push(chain::Stored { seq: r.seq, canonical, prev_hash: r.prev_hash, hash: r.hash });
            }
        }
        Ok(out)
    }
}

/// A row of `ledger_events`, as the chain check re-reads it.
#[derive(sqlx::FromRow)]
struct LedgerEventRow {
    seq: i64,
    id: String,
    event: String,
    entitlement_key: String,
    voucher_id: String,
    serial: String,
    passenger_id: String,
    flight_id: String,
    kind: String,
    value_minor: i64,
    currency: String,
    statutory: bool,
    provisional: bool,
    details: String,
    actor: String,
    approver: Option<String>,
    device: String,
    at: String,
    reason: String,
    prev_hash: String,
    hash: String,
}

/// A row of `audit_log`, as the chain check re-reads it.
#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    id: String,
    at: String,
    actor: String,
    device: String,
    action: String,
    details: String,
    prev_hash: String,
    hash: String,
}

/// Whether an issuance may replace a voided voucher of the same entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    Allowed,
    /// Only a voucher central voided because its device's key was revoked
    /// ([`gatecare_sync::KEY_REVOKED`]): no decision about the passenger, so a console's
    /// bulk issuance serves them again.
    KeyRevoked,
    Refused,
}

/// The body of an issuance, inside the caller's transaction (bulk issuance
/// runs many of these in one).
pub async fn issue_in(
    tx: &mut Transaction<'static, Sqlite>,
    ctx: &IssueContext<'_>,
    req: &IssueRequest,
    replacement: Replacement,
    decision: &DecisionRecord,
) -> Result<Issued, LedgerError> {
    if req.value.amount_minor < 0 {
        return Err(LedgerError::Invalid("value cannot be negative".into()));
    }
    if req.reason.len() > 500 {
        return Err(LedgerError::Invalid("reason longer than 500 characters".into()));
    }
    if ctx.actor.is_kiosk() && !req.statutory {
        return Err(LedgerError::Refused("a self-service kiosk issues only what is owed".into()));
    }
    let seg = segment_facts(tx, &req.passenger_id, &req.flight_id).await?;
    let key = EntitlementKey::new(
        &seg.designator,
        seg.scheduled_local_date,
        &seg.ticket_number,
        req.kind,
        req.ordinal,
    )
    .map_err(|e| LedgerError::Invalid(e.to_string()))?;

    // Idempotent: the same entitlement again is a reprint of the live voucher.
    /// The live voucher of an entitlement already issued.
    #[derive(sqlx::FromRow)]
    struct LiveVoucherRow {
        voucher_id: String,
        serial: String,
        provisional: bool,
    }
    let live = sqlx::query_as::<_, LiveVoucherRow>(
        "SELECT voucher_id, serial, seq, provisional FROM ledger_events i WHERE entitlement_key = ? AND event = 'issued' \
         AND NOT EXISTS (SELECT 1 FROM ledger_events v WHERE v.voucher_id = i.voucher_id AND v.event = 'voided') \
         AND NOT EXISTS (SELECT 1 FROM void_list l WHERE l.voucher_id = i.voucher_id)",
    )
    .bind(key.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = live {
        let LiveVoucherRow { voucher_id, serial, provisional } = row;
        let seq = append_event(
            tx,
            &NewEvent {
                event: "reprinted",
                key: key.as_str(),
                voucher_id: &voucher_id,
                serial: &serial,
                passenger_id: &req.passenger_id,
                flight_id: &req.flight_id,
                kind: req.kind.as_str(),
                value_minor: req.value.amount_minor,
                currency: req.value.currency.as_str(),
                statutory: req.statutory,
                provisional,
                details: "{}",
                actor: &ctx.actor.code,
                approver: None,
                device: ctx.device,
                at: ctx.now,
                reason: "issued again: reprint of the same voucher",
                replaces: None,
                decision: None,
                policy_text: None,
            },
        )
        .await?;
        return Ok(Issued {
            voucher_id,
            serial,
            entitlement_key: key.to_string(),
            ledger_seq: seq,
            reprint: true,
            provisional,
        });
    }

    // A reprint of a voucher it holds, yes; a new voucher from a device
    // central revoked, or whose identity is in use elsewhere, no.
    let barred: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'issuing_barred'")
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(why) = barred {
        return Err(LedgerError::DeviceBarred(why));
    }

    // Central told us another device at the station issued it: never twice.
    let elsewhere: Option<String> = sqlx::query_scalar(
        "SELECT COALESCE(device_code, device) FROM remote_vouchers r WHERE entitlement_key = ? \
         AND NOT EXISTS (SELECT 1 FROM void_list l WHERE l.voucher_id = r.voucher_id)",
    )
    .bind(key.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(device) = elsewhere {
        return Err(LedgerError::IssuedElsewhere(device));
    }
    // Voided here or anywhere at the station: only an agent's replacement
    // issues it again, naming the voucher it replaces (the latest voided).
    let voided: Option<(String, String)> = sqlx::query_as(
        "SELECT voucher_id, void_reason FROM station_vouchers WHERE entitlement_key = ? AND void_reason IS NOT NULL \
         ORDER BY issued_at DESC LIMIT 1",
    )
    .bind(key.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let replaces = match (voided, replacement) {
        (None, _) => None,
        (Some((v, _)), Replacement::Allowed) if !ctx.actor.is_kiosk() => Some(v),
        (Some((v, why)), Replacement::KeyRevoked)
            if !ctx.actor.is_kiosk() && why == gatecare_sync::KEY_REVOKED =>
        {
            Some(v)
        }
        (Some(_), _) => return Err(LedgerError::Voided(key.to_string())),
    };
    // A flight (or entitlement) leased to another device is issued there.
    let holder: Option<String> = sqlx::query_scalar(
        "SELECT device FROM leases WHERE device <> ? AND expires_at > ? AND \
         ((scope = 'flight' AND key = ?) OR (scope = 'entitlement' AND key = ?)) LIMIT 1",
    )
    .bind(ctx.device)
    .bind(rfc3339(ctx.now))
    .bind(&req.flight_id)
    .bind(key.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(device) = holder {
        return Err(LedgerError::LeasedElsewhere(device));
    }

    // Authority: statutory care never needs approval; discretionary value
    // counts what this passenger already got for this disruption, from any
    // device of the station (two consoles do not double an agent's limit).
    let mut approver_code = None;
    if !req.statutory {
        let already: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(i.value_minor), 0) FROM station_vouchers i WHERE i.passenger_id = ? AND i.flight_id = ? \
             AND i.statutory = 0 AND i.currency = ? AND i.void_reason IS NULL",
        )
        .bind(&req.passenger_id)
        .bind(&req.flight_id)
        .bind(req.value.currency.as_str())
        .fetch_one(&mut **tx)
        .await?;
        let grant = GrantRequest {
            role: ctx.actor.role,
            customer_stars: req.customer_stars,
            statutory: false,
            requested: req.value,
            already_granted: Money::new(already, req.value.currency),
        };
        match decide(ctx.policy, &grant) {
            Decision::Allowed { .. } => {}
            Decision::NeedsApproval { approver, reason, .. } => match &req.approver {
                Some(a) if a.role >= approver && a.code != ctx.actor.code => {
                    approver_code = Some(a.code.clone())
                }
                _ => return Err(LedgerError::NeedsApproval { approver, reason }),
            },
            Decision::Refused { reason } => return Err(LedgerError::Refused(reason)),
        }
    }

    // Offline bounds and leases.
    let last_sync: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'last_sync_at'")
            .fetch_optional(&mut **tx)
            .await?;
    let last_sync = last_sync.map(parse_time).transpose()?;
    let offline = offline::is_offline(last_sync, ctx.now, &ctx.limits);
    if offline && !req.statutory {
        let day_start = rfc3339(ctx.now - chrono::Duration::hours(24));
        /// This device's discretionary issuance: on this flight (d…) and in the last day (y…).
        #[derive(sqlx::FromRow)]
        struct UsageRow {
            dc: i64,
            dv: i64,
            yc: i64,
            yv: i64,
        }
        let usage_row = sqlx::query_as::<_, UsageRow>(
            "SELECT \
               (SELECT COUNT(*) FROM ledger_events WHERE device = ? AND event = 'issued' AND statutory = 0 AND flight_id = ?) AS dc, \
               (SELECT COALESCE(SUM(value_minor), 0) FROM ledger_events WHERE device = ? AND event = 'issued' AND statutory = 0 AND flight_id = ?) AS dv, \
               (SELECT COUNT(*) FROM ledger_events WHERE device = ? AND event = 'issued' AND statutory = 0 AND at >= ?) AS yc, \
               (SELECT COALESCE(SUM(value_minor), 0) FROM ledger_events WHERE device = ? AND event = 'issued' AND statutory = 0 AND at >= ?) AS yv",
        )
        .bind(ctx.device)
        .bind(&req.flight_id)
        .bind(ctx.device)
        .bind(&req.flight_id)
        .bind(ctx.device)
        .bind(&day_start)
        .bind(ctx.device)
        .bind(&day_start)
        .fetch_one(&mut **tx)
        .await?;
        let usage = Usage {
            disruption_count: usage_row.dc as u32,
            disruption_value_minor: usage_row.dv,
            day_count: usage_row.yc as u32,
            day_value_minor: usage_row.yv,
        };
        if let OfflineDecision::OverCap { cap } =
            offline::check(&ctx.limits, true, false, usage, req.value.amount_minor)
        {
            return Err(LedgerError::OfflineCap { cap });
        }
        if req.kind == EntitlementKind::Upgrade {
            let leased: bool = sqlx::query_scalar(
                "SELECT COUNT(*) > 0 FROM leases WHERE device = ? AND expires_at > ? AND \
                 ((scope = 'flight' AND key = ?) OR (scope = 'entitlement' AND key = ?))",
            )
            .bind(ctx.device)
            .bind(rfc3339(ctx.now))
            .bind(&req.flight_id)
            .bind(key.as_str())
            .fetch_one(&mut **tx)
            .await?;
            if !leased {
                match &req.approver {
                    Some(a) if a.role >= Role::Supervisor && a.code != ctx.actor.code => {
                        approver_code = Some(a.code.clone())
                    }
                    _ => return Err(LedgerError::NeedsOverride),
                }
            }
        }
    }

    // A hotel takes a room from the local block; offline, provisionally.
    let provisional = req.kind == EntitlementKind::Hotel && offline;
    // Bound to this device once it is enrolled: central then knows the id
    // is this device's without a look-up (gatecare_sync::voucher_id).
    let enrolled: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT device_id, serial_prefix FROM sync_enrolment WHERE id = 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (enrolled, serial_prefix) = match enrolled {
        Some((device, prefix)) => (Some(device), prefix),
        None => (None, None),
    };
    let voucher_id = match enrolled.and_then(|d| uuid::Uuid::parse_str(&d).ok()) {
        Some(device) => bound_voucher_id(device)?,
        None => uuid::Uuid::now_v7(),
    }
    .to_string();
    if req.kind == EntitlementKind::Hotel {
        let block = req
            .hotel_block_id
            .as_deref()
            .ok_or_else(|| LedgerError::Invalid("a hotel needs a hotel block".into()))?;
        // A booking travels together: up to ROOM_SHARE of its passengers
        // share a room in the same hotel; only a room's first guest takes it
        // from the block (a family with an infant needs one room, not three).
        // Tour groups share a booking but not rooms: each member takes one
        // (the tour operator's rooming list rules there).
        let (guests, rooms): (i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM ledger_events i JOIN segments s ON s.passenger_id = i.passenger_id AND s.flight_id = i.flight_id \
                 WHERE i.flight_id = ?1 AND i.event = 'issued' AND i.kind = 'hotel' \
                   AND json_extract(i.details, '$.hotel_block_id') = ?2 AND s.pnr = me.pnr \
                   AND NOT EXISTS (SELECT 1 FROM ledger_events v WHERE v.voucher_id = i.voucher_id AND v.event = 'voided')), \
               (SELECT COALESCE(SUM(a.rooms), 0) FROM hotel_allocations a JOIN segments s ON s.passenger_id = a.passenger_id AND s.flight_id = ?1 \
                 WHERE a.hotel_block_id = ?2 AND s.pnr = me.pnr \
                   AND NOT EXISTS (SELECT 1 FROM ledger_events v WHERE v.voucher_id = a.voucher_id AND v.event = 'voided')) \
             FROM segments me WHERE me.passenger_id = ?3 AND me.flight_id = ?1 AND me.group_id IS NULL",
        )
        .bind(&req.flight_id)
        .bind(block)
        .bind(&req.passenger_id)
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or((0, 0));
        let shares_room = guests < rooms * ROOM_SHARE;
        let taken = if shares_room {
            0
        } else {
            sqlx::query("UPDATE hotel_blocks SET rooms_left = rooms_left - 1 WHERE id = ? AND rooms_left > 0")
                .bind(block)
                .execute(&mut **tx)
                .await?
                .rows_affected()
        };
        if !shares_room && taken == 0 {
            return Err(LedgerError::NoRooms(block.into()));
        }
        if !shares_room {
            sqlx::query("INSERT INTO hotel_allocations (id, hotel_block_id, passenger_id, voucher_id, rooms, provisional, at) VALUES (?, ?, ?, ?, 1, ?, ?)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(block)
            .bind(&req.passenger_id)
            .bind(&voucher_id)
            .bind(provisional)
            .bind(rfc3339(ctx.now))
            .execute(&mut **tx)
            .await?;
        }
    }

    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE device = ? AND event = 'issued'")
            .bind(ctx.device)
            .fetch_one(&mut **tx)
            .await?;
    let serial = format!("{}-{:06}", serial_prefix.as_deref().unwrap_or(ctx.device), n + 1);
    let mut details = req.details.clone();
    if let Some(block) = &req.hotel_block_id {
        details["hotel_block_id"] = serde_json::Value::String(block.clone());
    }
    if let Some(old) = &replaces {
        details["replaces"] = serde_json::Value::String(old.clone());
    }
    let decision = serde_json::to_value(decision).map_err(|e| LedgerError::Invalid(e.to_string()))?;
    details["decision"] = decision.clone();
    let details = details.to_string();
    // The policy's text once per policy: its first decision here carries it to central.
    let first_use = sqlx::query(
        "INSERT INTO decision_policies (hash, toml, recorded_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
    )
    .bind(ctx.policy.hash())
    .bind(ctx.policy.text())
    .bind(rfc3339(ctx.now))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    failpoint::hit("issue.in_transaction");
    let seq = append_event(
        tx,
        &NewEvent {
            event: "issued",
            key: key.as_str(),
            voucher_id: &voucher_id,
            serial: &serial,
            passenger_id: &req.passenger_id,
            flight_id: &req.flight_id,
            kind: req.kind.as_str(),
            value_minor: req.value.amount_minor,
            currency: req.value.currency.as_str(),
            statutory: req.statutory,
            provisional,
            details: &details,
            actor: &ctx.actor.code,
            approver: approver_code.as_deref(),
            device: ctx.device,
            at: ctx.now,
            reason: &req.reason,
            replaces: replaces.as_deref(),
            decision: Some(&decision),
            policy_text: first_use.then(|| ctx.policy.text()),
        },
    )
    .await?;
    if approver_code.is_some() {
        audit(tx, &ctx.actor.code, ctx.device, "grant.approved", &serde_json::json!({"voucher_id": voucher_id, "approver": approver_code, "value_minor": req.value.amount_minor}), ctx.now).await?;
    }
    Ok(Issued {
        voucher_id,
        serial,
        entitlement_key: key.to_string(),
        ledger_seq: seq,
        reprint: false,
        provisional,
    })
}

/// The item of care an entitlement kind is, if care decides it.
pub fn care_kind(kind: EntitlementKind) -> Option<CareKind> {
    match kind {
        EntitlementKind::Meal => Some(CareKind::Meal),
        EntitlementKind::Hotel => Some(CareKind::Hotel),
        EntitlementKind::Transport => Some(CareKind::Transport),
        EntitlementKind::Upgrade | EntitlementKind::Goodwill => None,
    }
}

/// The entitlement an item of care is issued as; none for what staff
/// provide in person (communication).
pub fn entitlement_kind(kind: CareKind) -> Option<EntitlementKind> {
    match kind {
        CareKind::Meal => Some(EntitlementKind::Meal),
        CareKind::Hotel => Some(EntitlementKind::Hotel),
        CareKind::Transport => Some(EntitlementKind::Transport),
        CareKind::Communication => None,
    }
}

/// A new voucher id bound to `device` (see `gatecare_sync::voucher_id`), at
/// the wall clock's millisecond: ids from one process count up within a
/// millisecond from a random start, so two processes of one device (a
/// restart) do not meet either.
fn bound_voucher_id(device: uuid::Uuid) -> Result<uuid::Uuid, LedgerError> {
    use std::sync::Mutex;
    static LAST: Mutex<(u64, u32)> = Mutex::new((0, 0));
    let wall = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (ms, counter) = if wall > last.0 {
        let mut start = [0u8; 4];
        getrandom::fill(&mut start).map_err(|e| LedgerError::Store(StoreError::Hash(e.to_string())))?;
        // A random start in the lower half leaves room to count up.
        (wall, u32::from_be_bytes(start) % (gatecare_sync::voucher_id::PER_MILLISECOND / 2))
    } else if last.1 + 1 < gatecare_sync::voucher_id::PER_MILLISECOND {
        (last.0, last.1 + 1)
    } else {
        (last.0 + 1, 0)
    };
    *last = (ms, counter);
    Ok(gatecare_sync::voucher_id::bound_voucher_id(ms, counter, device))
}
