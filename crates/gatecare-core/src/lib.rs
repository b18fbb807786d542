//! Gatecare's vocabulary.
//!
//! Every value here is parsed, not validated: once you hold an [`AirportCode`]
//! or a [`Money`], it is well formed. Nothing in this crate does IO or reads
//! the clock; callers pass time in.

mod codes;
mod money;
mod passenger;
mod roles;
#[cfg(feature = "ts")]
mod ts;

pub use codes::{AirportCode, CarrierCode, FlightDesignator, FlightNumber, Pnr};
pub use money::{Amount, Currency, Money};
pub use passenger::{Cabin, LoyaltyTier, PassengerName, SpecialNeed, fold_to_ascii};
pub use roles::{AgentCode, DisruptionKind, PIN_HASH_LANES, PIN_HASH_MEMORY_KIB, PIN_HASH_PASSES, Role};

/// Why a value was refused. `field` names what was being parsed so the error
/// can be shown (and coded) at the edge without matching on text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason} (got {input:?})")]
pub struct ParseError {
    pub field: &'static str,
    pub reason: &'static str,
    pub input: String,
}

impl ParseError {
    pub(crate) fn new(field: &'static str, reason: &'static str, input: &str) -> Self {
        // Keep hostile input from bloating logs and error screens.
        let input: String = input.chars().take(64).collect();
        ParseError { field, reason, input }
    }
}
