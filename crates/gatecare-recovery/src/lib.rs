//! Service recovery (seed 002, seed 004): complaint and care-failure cases
//! with one owner, the first-answer clock, remedies checked against the
//! front-line authority limits, the passenger's recovery memory and early
//! warning counts.
//!
//! Pure: no IO, no clock. A case travels as events (`case_opened`,
//! `case_updated`) and is the fold of them ([`Case::fold`]); the instant
//! a question is asked about is always passed in.

pub mod case;
pub mod clock;
pub mod remedy;
pub mod summary;
pub mod warning;

#[cfg(test)]
mod tests;

pub use case::{Actor, AgentRef, Case, Category, Change, Opened, Remedy, Severity, Status, Update};
pub use clock::{Clock, Urgency, clock, first_answer_due};
pub use warning::{EarlyWarning, early_warning};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("the case is already owned by {owner}")]
    AlreadyOwned { owner: String },
    #[error("nobody has taken the case yet: take it first")]
    NotOwned,
    #[error("only the case's owner ({owner}) can do this; ask for a transfer")]
    NotOwner { owner: String },
    #[error("the case is already resolved")]
    AlreadyResolved,
    #[error("the case is not resolved yet")]
    NotResolved,
    #[error("the follow-up is already recorded")]
    AlreadyFollowedUp,
}

impl CaseError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::Invalid { .. } => "case.invalid",
            CaseError::AlreadyOwned { .. } => "case.already_owned",
            CaseError::NotOwned => "case.not_owned",
            CaseError::NotOwner { .. } => "case.not_owner",
            CaseError::AlreadyResolved => "case.already_resolved",
            CaseError::NotResolved => "case.not_resolved",
            CaseError::AlreadyFollowedUp => "case.already_followed_up",
        }
    }
}
