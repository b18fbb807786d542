//! A device's local store (SQLite through sqlx): its migrations, the
//! crash-safe ledger, what central told it, the agents' PIN records, the
//! signing keys and retention. Everything a kiosk or a console knows is
//! here; what it does with it is `gatecare-station`'s, and the feed's apply
//! and the sync log are `gatecare-store-sync`'s.

pub mod agents;
pub mod cases;
pub mod central;
pub mod failpoint;
pub mod keys;
pub mod ledger;
pub mod lookup;
pub mod manifest;
pub mod private;
pub mod reroutes;
pub mod retention;
pub mod store;

pub use agents::{AuthError, AuthenticatedAgent, LockoutPolicy, PinUse};
pub use keys::DeviceSigner;
pub use ledger::{IssueContext, IssueRequest, Issued, LedgerError, RecordedDecision};
pub use manifest::{BookingMatch, NoMatch};
pub use store::{FlightStatus, FlightSummary, Store, StoreError};
