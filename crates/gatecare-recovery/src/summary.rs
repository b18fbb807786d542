//! Service recovery across stations as central reports it to consoles
//! (`GET /v1/recovery/summary`): counts per station, the overdue cases and
//! the early warning. Central folds it (`gatecare-server/src/recovery.rs`);
//! a console reads it as it was sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Category, EarlyWarning};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StationCases {
    pub station: String,
    /// Cases opened in the window.
    pub opened: u32,
    /// Of every case on record, those not yet resolved.
    pub open: u32,
    pub overdue: u32,
    /// Resolved, a week has passed, and nobody called back.
    pub follow_up_due: u32,
    /// Of the window's cases, those answered (or still unanswered) past the deadline.
    pub answered_late: u32,
    /// Of the window's cases, those of a passenger's second or later failure.
    pub repeat: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverdueCase {
    pub case_id: Uuid,
    pub station: String,
    pub flight: String,
    pub category: Category,
    pub owner: Option<String>,
    pub first_answer_due: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecoverySummary {
    pub at: DateTime<Utc>,
    pub stations: Vec<StationCases>,
    pub overdue: Vec<OverdueCase>,
    pub early_warning: EarlyWarning,
    /// Events that did not parse (a device on another protocol version).
    pub skipped_events: u32,
}
