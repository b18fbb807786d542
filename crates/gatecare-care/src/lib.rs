//! The care engine: who is owed what, when, and why.
//!
//! Pure: no IO, no clock. Every evaluation takes the instant it is asked
//! about (`at`) as input. Where a rule lives:
//!
//! - which regimes apply to a flight: [`regime::applicable`];
//! - causes, IATA delay codes and each regime's view of them: [`cause`];
//! - care timelines, compensation and refunds, per regime: [`evaluate`];
//! - the airline's additions (meals, hotels, goodwill, guarantees): [`policy`]
//!   and `policy/default.toml`;
//! - the customer star rating and lifetime value: [`stars`];
//! - each regime's rules as dated versions: [`rules`];
//! - what decided an issued entitlement, and its replay: [`decision`];
//! - front-line authority limits: [`authority`];
//! - who is served first: [`priority`];
//! - why each regime applies and the written notice of how to claim: [`rights`].

pub mod authority;
pub mod cause;
pub mod decision;
pub mod evaluate;
pub mod policy;
pub mod priority;
#[cfg(test)]
mod properties;
pub mod regime;
pub mod rights;
pub mod rules;
pub mod scenario;
pub mod stars;

pub use decision::{DecisionRecord, Replay};
pub use evaluate::{CareKind, Evaluation, evaluate, evaluate_under};
pub use policy::Policy;
pub use regime::Regime;
pub use scenario::{Scenario, ScenarioError, ScenarioInput};
