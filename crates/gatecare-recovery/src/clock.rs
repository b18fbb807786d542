//! The 72-hour clock (seed 002: British Airways answered every complaint
//! within 72 hours): how urgent a case is at a given instant, who it has
//! escalated to, and when the follow-up call is due.

use chrono::{DateTime, Duration, Utc};
use gatecare_policy::{RecoveryPolicy, Role};
use serde::Serialize;

use crate::case::{Case, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Unanswered, with more than the supervisor's margin left.
    OnTrack,
    /// Unanswered; inside the supervisor's margin.
    DueSoon,
    /// Unanswered; inside the duty manager's margin.
    Urgent,
    /// Unanswered past the deadline.
    Overdue,
    /// The passenger has had a first answer; the case is still open.
    Answered,
    /// Resolved; the follow-up call is not due yet.
    Resolved,
    /// Resolved a week ago (by the policy) and not yet followed up.
    FollowUpDue,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Clock {
    pub urgency: Urgency,
    pub first_answer_due: DateTime<Utc>,
    /// Minutes to the first-answer deadline; negative once overdue; `None`
    /// once answered.
    pub minutes_left: Option<i64>,
    /// Who should be looking at it now, beyond its owner.
    pub escalated_to: Option<Role>,
    pub follow_up_due: Option<DateTime<Utc>>,
    /// Whether the first answer came (or has not yet come) after the deadline.
    pub answered_late: bool,
}

/// Where `case` stands at `at` under `policy`.
pub fn clock(case: &Case, policy: &RecoveryPolicy, at: DateTime<Utc>) -> Clock {
    let due = case.opened.first_answer_due;
    let follow_up_due =
        case.resolution.as_ref().map(|r| r.at + Duration::days(i64::from(policy.follow_up_days)));
    let answered_late = match case.first_answer_at {
        Some(t) => t > due,
        None => at > due,
    };
    let base = Clock {
        urgency: Urgency::Closed,
        first_answer_due: due,
        minutes_left: None,
        escalated_to: None,
        follow_up_due,
        answered_late,
    };
    match case.status {
        Status::Closed => return base,
        Status::Resolved => {
            let urgency =
                if follow_up_due.is_some_and(|d| at >= d) { Urgency::FollowUpDue } else { Urgency::Resolved };
            return Clock { urgency, ..base };
        }
        Status::New | Status::Open => {}
    }
    if case.first_answer_at.is_some() {
        return Clock { urgency: Urgency::Answered, ..base };
    }
    let left = (due - at).num_minutes();
    let sup = i64::from(policy.escalate_to_supervisor_hours_left) * 60;
    let dm = i64::from(policy.escalate_to_duty_manager_hours_left) * 60;
    let (urgency, escalated_to) = if at > due {
        (Urgency::Overdue, Some(Role::DutyManager))
    } else if left <= dm {
        (Urgency::Urgent, Some(Role::DutyManager))
    } else if left <= sup {
        (Urgency::DueSoon, Some(Role::Supervisor))
    } else {
        (Urgency::OnTrack, None)
    };
    Clock { urgency, minutes_left: Some(left), escalated_to, ..base }
}

/// The deadline of a case opened at `at`.
pub fn first_answer_due(policy: &RecoveryPolicy, at: DateTime<Utc>) -> DateTime<Utc> {
    at + Duration::hours(i64::from(policy.first_answer_hours))
}
