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

/// The argon2id cost of every agent PIN hash: central makes them, consoles
/// check them, and a console spends the same on a code it does not know.
/// 64 MiB and 9 passes, about 280 ms on a 2-core machine (`cargo xtask
/// bench`), so all million 6-digit PINs from a stolen disk cost days per
/// agent. One definition, so the decoy cannot drift from the real hashes.
pub const PIN_HASH_MEMORY_KIB: u32 = 64 * 1024;
pub const PIN_HASH_PASSES: u32 = 9;
pub const PIN_HASH_LANES: u32 = 1;

/// A gate agent's code (`A1001`), as created at central, sent to consoles
/// and typed at sign-in: one to sixteen ASCII letters and digits, kept in
/// upper case. Every place parses it here, so a code created as `a1001`
/// signs in as `A1001` or `a1001` alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentCode(String);

impl AgentCode {
    pub fn parse(s: &str) -> Result<AgentCode, ParseError> {
        let code = s.trim();
        if code.is_empty() || code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ParseError::new("agent code", "1 to 16 letters and digits", s));
        }
        Ok(AgentCode(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AgentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
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
    fn agent_codes_are_one_spelling() {
        assert_eq!(AgentCode::parse(" a1001 ").unwrap().as_str(), "A1001");
        assert_eq!(AgentCode::parse("A1001").unwrap(), AgentCode::parse("a1001").unwrap());
        for bad in ["", "   ", "A-1001", "A1001A1001A1001A1", "Ä1001"] {
            assert!(AgentCode::parse(bad).is_err(), "{bad:?}");
        }
    }

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
