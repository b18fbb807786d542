//! Words every part of Gatecare shares: who a gate agent is, and what
//! happened to a flight. One spelling each, on the wire and in storage.

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// A gate agent's role, in order of authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    DutyManager,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Agent, Role::Supervisor, Role::DutyManager];

    /// The name on the wire and in storage (`duty_manager`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::DutyManager => "duty_manager",
        }
    }

    pub fn parse(s: &str) -> Result<Role, ParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseError::new("role", "expected agent, supervisor or duty_manager", s))
    }
}

/// What happened to a flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisruptionKind {
    Delay,
    Cancellation,
    DeniedBoarding,
    Diversion,
}

impl DisruptionKind {
    pub const ALL: [DisruptionKind; 4] = [
        DisruptionKind::Delay,
        DisruptionKind::Cancellation,
        DisruptionKind::DeniedBoarding,
        DisruptionKind::Diversion,
    ];

    /// The name on the wire and in the scenario JSON (`denied_boarding`).
    pub fn as_str(self) -> &'static str {
        match self {
            DisruptionKind::Delay => "delay",
            DisruptionKind::Cancellation => "cancellation",
            DisruptionKind::DeniedBoarding => "denied_boarding",
            DisruptionKind::Diversion => "diversion",
        }
    }

    pub fn parse(s: &str) -> Result<DisruptionKind, ParseError> {
        DisruptionKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            ParseError::new("disruption", "expected delay, cancellation, denied_boarding or diversion", s)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::from(r.as_str())));
        }
        for k in DisruptionKind::ALL {
            assert_eq!(DisruptionKind::parse(k.as_str()), Ok(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::Value::from(k.as_str())));
        }
        assert!(Role::parse("Agent").is_err() && Role::parse("admin").is_err());
        assert!(DisruptionKind::parse("delayed").is_err());
        assert!(Role::Agent < Role::Supervisor && Role::Supervisor < Role::DutyManager);
    }
}
