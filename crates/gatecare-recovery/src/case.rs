//! A case is its opening plus the updates made to it, folded in a fixed
//! order. Every device folds the same events the same way, so a case that
//! was taken on two consoles while offline ends with the same owner
//! everywhere: the earlier take wins, the later one stays in the history
//! marked as not applied.

use chrono::{DateTime, Utc};
use gatecare_core::Money;
use gatecare_policy::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::CaseError;

/// What went wrong, in the passenger's words (the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DelayHandling,
    StaffAttitude,
    Baggage,
    VoucherRefused,
    HotelProblem,
    Information,
    Other,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::DelayHandling,
        Category::StaffAttitude,
        Category::Baggage,
        Category::VoucherRefused,
        Category::HotelProblem,
        Category::Information,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::DelayHandling => "delay_handling",
            Category::StaffAttitude => "staff_attitude",
            Category::Baggage => "baggage",
            Category::VoucherRefused => "voucher_refused",
            Category::HotelProblem => "hotel_problem",
            Category::Information => "information",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Category, CaseError> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(CaseError::Invalid { field: "category", reason: format!("unknown category {s:?}") })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn parse(s: &str) -> Result<Severity, CaseError> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            _ => Err(CaseError::Invalid { field: "severity", reason: format!("unknown severity {s:?}") }),
        }
    }
}

/// A named agent, as recorded in a case (the name is kept so the history
/// reads the same on a console that never saw this agent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentRef {
    pub code: String,
    pub name: String,
    pub role: Role,
}

/// Who did something to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// The passenger, at a self-service kiosk.
    Kiosk {
        device: String,
    },
    Agent(AgentRef),
}

impl Actor {
    pub fn agent(&self) -> Option<&AgentRef> {
        match self {
            Actor::Agent(a) => Some(a),
            Actor::Kiosk { .. } => None,
        }
    }
}

/// What a resolution gives the passenger (seed 002: outcome fairness —
/// matching the harm, not more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Remedy {
    Apology,
    Voucher {
        value: Money,
    },
    Miles {
        miles: u32,
    },
    Upgrade,
    /// Sent to the refund process (statutory, not discretionary).
    RefundReferral,
}

impl Remedy {
    pub fn kind(&self) -> &'static str {
        match self {
            Remedy::Apology => "apology",
            Remedy::Voucher { .. } => "voucher",
            Remedy::Miles { .. } => "miles",
            Remedy::Upgrade => "upgrade",
            Remedy::RefundReferral => "refund_referral",
        }
    }
}

/// The `case_opened` event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Opened {
    pub case_id: Uuid,
    pub station: String,
    pub flight_id: String,
    /// The flight as people say it ("CZ342") and its scheduled local date.
    pub flight: String,
    pub flight_date: chrono::NaiveDate,
    pub passenger_id: String,
    pub passenger_name: String,
    pub pnr: String,
    /// Where the passenger's memory lives: `ff:<number>` for members (it
    /// follows them across flights), else `pax:<passenger id>`.
    pub profile_key: String,
    pub category: Category,
    pub severity: Severity,
    pub description: String,
    pub opened_by: Actor,
    pub at: DateTime<Utc>,
    /// Fixed when the case opens, so every device shows the same deadline
    /// whatever its configuration.
    pub first_answer_due: DateTime<Utc>,
    /// Cases this passenger had before this one (the second failure flag).
    pub earlier_cases: u32,
}

/// The `case_updated` event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Update {
    pub update_id: Uuid,
    pub case_id: Uuid,
    pub at: DateTime<Utc>,
    pub by: AgentRef,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    /// The first person who takes a case owns it.
    Take,
    /// An explicit hand-off; the history stays with the case.
    Transfer { to: AgentRef, note: String },
    /// Progress; `told_passenger` marks what the passenger was told (the
    /// first such answer stops the 72-hour clock).
    Progress { note: String, told_passenger: bool },
    Resolve {
        remedies: Vec<Remedy>,
        note: String,
        /// Discretionary value of the remedies, in the policy's currency.
        value: Money,
        /// Who approved it when it was above the resolver's own limit.
        approver: Option<AgentRef>,
    },
    /// The follow-up call a week after resolution.
    FollowUp { note: String },
}

impl Change {
    pub fn action(&self) -> &'static str {
        match self {
            Change::Take => "take",
            Change::Transfer { .. } => "transfer",
            Change::Progress { .. } => "progress",
            Change::Resolve { .. } => "resolve",
            Change::FollowUp { .. } => "follow_up",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nobody has taken it yet.
    New,
    /// Owned, not resolved.
    Open,
    Resolved,
    /// Resolved and followed up.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Resolution {
    pub at: DateTime<Utc>,
    pub by: AgentRef,
    pub remedies: Vec<Remedy>,
    pub value: Money,
    pub approver: Option<AgentRef>,
    pub note: String,
}

/// One line of a case's history; `refused` says why an update that
/// arrived from another device did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    pub update: Update,
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Case {
    pub opened: Opened,
    pub status: Status,
    pub owner: Option<AgentRef>,
    pub first_answer_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub history: Vec<HistoryEntry>,
}

/// Longest description a passenger or agent may type.
pub const MAX_DESCRIPTION: usize = 2000;
/// Longest note on an update.
pub const MAX_NOTE: usize = 1000;

/// Text people typed: trimmed, within `max` characters, no control
/// characters other than line breaks.
pub fn clean_text(field: &'static str, text: &str, max: usize, required: bool) -> Result<String, CaseError> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(CaseError::Invalid { field, reason: "cannot be empty".into() });
    }
    if t.chars().count() > max {
        return Err(CaseError::Invalid { field, reason: format!("at most {max} characters") });
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CaseError::Invalid { field, reason: "contains control characters".into() });
    }
    Ok(t.to_owned())
}

impl Opened {
    /// Checks a case opening (one typed at this device or received from
    /// another): the text limits and a deadline after the opening.
    pub fn check(&self) -> Result<(), CaseError> {
        clean_text("description", &self.description, MAX_DESCRIPTION, false)?;
        if self.first_answer_due <= self.at {
            return Err(CaseError::Invalid {
                field: "first_answer_due",
                reason: "must follow the opening".into(),
            });
        }
        if self.profile_key.is_empty() || self.passenger_id.is_empty() || self.flight_id.is_empty() {
            return Err(CaseError::Invalid {
                field: "passenger",
                reason: "a case names a passenger and flight".into(),
            });
        }
        Ok(())
    }
}

impl Case {
    pub fn open(opened: Opened) -> Case {
        Case {
            opened,
            status: Status::New,
            owner: None,
            first_answer_at: None,
            resolution: None,
            followed_up_at: None,
            history: Vec::new(),
        }
    }

    /// The case after all of `updates`, in the one order every device uses.
    pub fn fold(opened: Opened, updates: impl IntoIterator<Item = Update>) -> Case {
        let mut updates: Vec<Update> = updates.into_iter().filter(|u| u.case_id == opened.case_id).collect();
        updates.sort_by_key(|u| (u.at, u.update_id));
        updates.dedup_by_key(|u| u.update_id);
        let mut case = Case::open(opened);
        for u in updates {
            let refused = case.apply(&u).err().map(|e| e.to_string());
            case.history.push(HistoryEntry { update: u, refused });
        }
        case
    }

    /// Whether `update` may apply now (the same checks as the fold).
    pub fn check(&self, update: &Update) -> Result<(), CaseError> {
        self.clone().apply(update)
    }

    fn apply(&mut self, u: &Update) -> Result<(), CaseError> {
        if u.at < self.opened.at {
            return Err(CaseError::Invalid { field: "at", reason: "before the case was opened".into() });
        }
        let is_owner = self.owner.as_ref().is_some_and(|o| o.code == u.by.code);
        match &u.change {
            Change::Take => {
                if matches!(self.status, Status::Resolved | Status::Closed) {
                    return Err(CaseError::AlreadyResolved);
                }
                if let Some(o) = &self.owner {
                    return Err(CaseError::AlreadyOwned { owner: o.name.clone() });
                }
                self.owner = Some(u.by.clone());
                self.status = Status::Open;
            }
            Change::Transfer { to, note } => {
                clean_text("note", note, MAX_NOTE, true)?;
                if matches!(self.status, Status::Resolved | Status::Closed) {
                    return Err(CaseError::AlreadyResolved);
                }
                let Some(owner) = &self.owner else { return Err(CaseError::NotOwned) };
                // The owner hands off; a supervisor may reassign a case whose
                // owner is away (the clock does not wait).
                if !is_owner && u.by.role < Role::Supervisor {
                    return Err(CaseError::NotOwner { owner: owner.name.clone() });
                }
                if to.code == owner.code {
                    return Err(CaseError::Invalid { field: "to", reason: "already owns the case".into() });
                }
                self.owner = Some(to.clone());
            }
            Change::Progress { note, told_passenger } => {
                clean_text("note", note, MAX_NOTE, true)?;
                self.require_owner(is_owner)?;
                if matches!(self.status, Status::Resolved | Status::Closed) {
                    return Err(CaseError::AlreadyResolved);
                }
                if *told_passenger && self.first_answer_at.is_none() {
                    self.first_answer_at = Some(u.at);
                }
            }
            Change::Resolve { remedies, note, value, approver } => {
                clean_text("note", note, MAX_NOTE, false)?;
                self.require_owner(is_owner)?;
                if matches!(self.status, Status::Resolved | Status::Closed) {
                    return Err(CaseError::AlreadyResolved);
                }
                if remedies.is_empty() {
                    return Err(CaseError::Invalid {
                        field: "remedies",
                        reason: "say what was given (an apology at least)".into(),
                    });
                }
                for (i, r) in remedies.iter().enumerate() {
                    if remedies[..i].iter().any(|o| o.kind() == r.kind()) {
                        return Err(CaseError::Invalid {
                            field: "remedies",
                            reason: format!("{} twice", r.kind()),
                        });
                    }
                    match r {
                        Remedy::Voucher { value } if value.amount_minor <= 0 => {
                            return Err(CaseError::Invalid {
                                field: "voucher",
                                reason: "a positive amount".into(),
                            });
                        }
                        Remedy::Miles { miles: 0 } => {
                            return Err(CaseError::Invalid {
                                field: "miles",
                                reason: "a positive number".into(),
                            });
                        }
                        _ => {}
                    }
                }
                if self.first_answer_at.is_none() {
                    self.first_answer_at = Some(u.at);
                }
                self.resolution = Some(Resolution {
                    at: u.at,
                    by: u.by.clone(),
                    remedies: remedies.clone(),
                    value: *value,
                    approver: approver.clone(),
                    note: note.clone(),
                });
                self.status = Status::Resolved;
            }
            Change::FollowUp { note } => {
                clean_text("note", note, MAX_NOTE, true)?;
                match self.status {
                    Status::Resolved => {}
                    Status::Closed => return Err(CaseError::AlreadyFollowedUp),
                    Status::New | Status::Open => return Err(CaseError::NotResolved),
                }
                self.followed_up_at = Some(u.at);
                self.status = Status::Closed;
            }
        }
        Ok(())
    }

    fn require_owner(&self, is_owner: bool) -> Result<(), CaseError> {
        match &self.owner {
            None => Err(CaseError::NotOwned),
            Some(o) if !is_owner => Err(CaseError::NotOwner { owner: o.name.clone() }),
            Some(_) => Ok(()),
        }
    }

    /// Whether this case is a repeat failure for the passenger (seed 002:
    /// the recovery paradox holds once; the second failure needs more care).
    pub fn is_repeat(&self) -> bool {
        self.opened.earlier_cases > 0
    }
}
