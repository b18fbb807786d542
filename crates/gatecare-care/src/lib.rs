//! The care engine: who is owed what, when, and why.
//!
//! Pure: no IO, no clock. Every evaluation takes the instant it is asked
//! about (`at`) as input. Where a rule lives:
//!
//! - which regimes apply to a flight: [`regime::applicable`];
//! - causes, IATA delay codes and each regime's view of them: [`cause`];
//! - care timelines, compensation and refunds, per regime: [`evaluate`];
//! - the airline's additions (meals, hotels, goodwill, guarantees): the
//!   `gatecare-policy` crate, which also holds the star rating and authority;
//! - each regime's rules as dated versions: [`rules`];
//! - what decided an issued entitlement, and its replay: [`decision`];
//! - who is served first: [`priority`].
//!
//! Why each regime applies and the written notice of how to claim are
//! `gatecare-rights`'s.

pub mod cause;
pub mod decision;
pub mod evaluate;
pub mod priority;
#[cfg(test)]
mod properties;
pub mod regime;
pub mod rules;
pub mod scenario;

pub use decision::{DecisionRecord, Replay};
pub use evaluate::{CareKind, Evaluation, evaluate, evaluate_under};
pub use regime::Regime;
pub use scenario::{Scenario, ScenarioError, ScenarioInput};
