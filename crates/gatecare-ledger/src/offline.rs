//! Bounds on discretionary issuance while a device has not synced for too
//! long. Statutory care is never bounded.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineLimits {
    /// A device is "offline" once its last sync is older than this.
    pub stale_after_minutes: i64,
    pub count_per_disruption: u32,
    pub value_per_disruption_minor: i64,
    pub count_per_day: u32,
    pub value_per_day_minor: i64,
}

impl Default for OfflineLimits {
    fn default() -> Self {
        OfflineLimits {
            stale_after_minutes: 30,
            count_per_disruption: 50,
            value_per_disruption_minor: 2_000_000,
            count_per_day: 200,
            value_per_day_minor: 8_000_000,
        }
    }
}

/// Discretionary issuance so far, by this device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub disruption_count: u32,
    pub disruption_value_minor: i64,
    pub day_count: u32,
    pub day_value_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum OfflineDecision {
    Allowed,
    /// Over an offline cap: refuse, naming the cap.
    OverCap {
        cap: &'static str,
    },
}

pub fn is_offline(last_sync: Option<DateTime<Utc>>, now: DateTime<Utc>, limits: &OfflineLimits) -> bool {
    last_sync.is_none_or(|t| now - t > Duration::minutes(limits.stale_after_minutes))
}

pub fn check(
    limits: &OfflineLimits,
    offline: bool,
    statutory: bool,
    usage: Usage,
    value_minor: i64,
) -> OfflineDecision {
    if statutory || !offline {
        return OfflineDecision::Allowed;
    }
    if usage.disruption_count + 1 > limits.count_per_disruption {
        return OfflineDecision::OverCap { cap: "count_per_disruption" };
    }
    if usage.disruption_value_minor + value_minor > limits.value_per_disruption_minor {
        return OfflineDecision::OverCap { cap: "value_per_disruption" };
    }
    if usage.day_count + 1 > limits.count_per_day {
        return OfflineDecision::OverCap { cap: "count_per_day" };
    }
    if usage.day_value_minor + value_minor > limits.value_per_day_minor {
        return OfflineDecision::OverCap { cap: "value_per_day" };
    }
    OfflineDecision::Allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statutory_care_is_never_capped() {
        let l = OfflineLimits { count_per_disruption: 0, ..Default::default() };
        assert_eq!(check(&l, true, true, Usage::default(), 10_000_000), OfflineDecision::Allowed);
    }

    #[test]
    fn caps_apply_only_offline() {
        let l = OfflineLimits { count_per_disruption: 2, ..Default::default() };
        let u = Usage { disruption_count: 2, ..Default::default() };
        assert_eq!(check(&l, false, false, u, 1), OfflineDecision::Allowed);
        assert_eq!(check(&l, true, false, u, 1), OfflineDecision::OverCap { cap: "count_per_disruption" });
        let u = Usage { day_value_minor: 7_999_999, ..Default::default() };
        assert_eq!(check(&l, true, false, u, 2), OfflineDecision::OverCap { cap: "value_per_day" });
    }

    #[test]
    fn staleness() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        let l = OfflineLimits::default();
        assert!(is_offline(None, now, &l));
        assert!(!is_offline(Some(now - Duration::minutes(30)), now, &l));
        assert!(is_offline(Some(now - Duration::minutes(31)), now, &l));
    }
}
