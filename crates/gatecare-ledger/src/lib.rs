//! The issuance ledger's rules, without storage.
//!
//! - [`EntitlementKey`]: the identity of one entitlement, computed the same
//!   on every device from the flight, its scheduled local date, the booking
//!   segment, the kind and the ordinal — never from device-local ids — so
//!   two offline kiosks issuing the same meal collide on purpose.
//! - [`chain`]: each ledger or audit record carries the hash of the one
//!   before it; [`chain::verify`] finds the first broken link.
//! - [`offline`]: caps on discretionary issuance while a device is out of
//!   touch; statutory care is never capped.

pub mod chain;
pub mod offline;

use std::fmt;

use chrono::NaiveDate;
use gatecare_core::FlightDesignator;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EntitlementKind {
    Meal,
    Hotel,
    Transport,
    Upgrade,
    Goodwill,
}

impl EntitlementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntitlementKind::Meal => "meal",
            EntitlementKind::Hotel => "hotel",
            EntitlementKind::Transport => "transport",
            EntitlementKind::Upgrade => "upgrade",
            EntitlementKind::Goodwill => "goodwill",
        }
    }

    pub fn parse(s: &str) -> Option<EntitlementKind> {
        [Self::Meal, Self::Hotel, Self::Transport, Self::Upgrade, Self::Goodwill]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// `CZ342/2026-11-22/7840123456789/meal/1`: flight, scheduled local
/// departure date, ticket number of the booked segment, kind, ordinal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntitlementKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid entitlement key part {part}: {value:?}")]
pub struct KeyError {
    pub part: &'static str,
    pub value: String,
}

impl EntitlementKey {
    pub fn new(
        flight: &FlightDesignator,
        scheduled_local_date: NaiveDate,
        ticket_number: &str,
        kind: EntitlementKind,
        ordinal: u32,
    ) -> Result<EntitlementKey, KeyError> {
        let ticket = ticket_number.trim();
        if ticket.is_empty() || ticket.len() > 20 || !ticket.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeyError { part: "ticket_number", value: ticket_number.chars().take(32).collect() });
        }
        if ordinal == 0 {
            return Err(KeyError { part: "ordinal", value: "0".into() });
        }
        Ok(EntitlementKey(format!(
            "{flight}/{}/{}/{}/{ordinal}",
            scheduled_local_date.format("%Y-%m-%d"),
            ticket.to_ascii_uppercase(),
            kind.as_str()
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a key back from storage, checking its shape.
    pub fn parse(s: &str) -> Result<EntitlementKey, KeyError> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad = |part| KeyError { part, value: s.chars().take(64).collect() };
        if parts.len() != 5 {
            return Err(bad("shape"));
        }
        let flight = FlightDesignator::parse(parts[0]).map_err(|_| bad("flight"))?;
        let date = NaiveDate::parse_from_str(parts[1], "%Y-%m-%d").map_err(|_| bad("date"))?;
        let kind = EntitlementKind::parse(parts[3]).ok_or_else(|| bad("kind"))?;
        let ordinal: u32 = parts[4].parse().map_err(|_| bad("ordinal"))?;
        EntitlementKey::new(&flight, date, parts[2], kind, ordinal)
    }

    pub fn kind(&self) -> Option<EntitlementKind> {
        self.0.split('/').nth(3).and_then(EntitlementKind::parse)
    }
}

impl fmt::Display for EntitlementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cz342() -> FlightDesignator {
        FlightDesignator::parse("CZ342").unwrap()
    }

    #[test]
    fn keys_are_the_same_on_every_device() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let a = EntitlementKey::new(&cz342(), d, "7840123456789", EntitlementKind::Meal, 1).unwrap();
        let b = EntitlementKey::new(
            &FlightDesignator::parse("CZ 0342").unwrap(),
            d,
            " 7840123456789 ",
            EntitlementKind::Meal,
            1,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "CZ342/2026-11-22/7840123456789/meal/1");
        assert_eq!(EntitlementKey::parse(a.as_str()).unwrap(), a);
        assert_eq!(a.kind(), Some(EntitlementKind::Meal));
        let second = EntitlementKey::new(&cz342(), d, "7840123456789", EntitlementKind::Meal, 2).unwrap();
        assert_ne!(a, second);
    }

    #[test]
    fn bad_parts_are_refused() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert!(EntitlementKey::new(&cz342(), d, "", EntitlementKind::Meal, 1).is_err());
        assert!(EntitlementKey::new(&cz342(), d, "784/1", EntitlementKind::Meal, 1).is_err());
        assert!(EntitlementKey::new(&cz342(), d, "784", EntitlementKind::Meal, 0).is_err());
        assert!(EntitlementKey::parse("CZ342/2026-11-22/784/meal").is_err());
        assert!(EntitlementKey::parse("CZ342/2026-13-22/784/meal/1").is_err());
        assert!(EntitlementKey::parse("CZ342/2026-11-22/784/caviar/1").is_err());
    }
}
