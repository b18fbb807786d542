//! The kiosk's side of Gatecare: its local SQLite store, its settings and its
//! clock. This is an edge crate: it does IO so the domain crates need not.

pub mod agents;
pub mod board;
pub mod bulk;
pub mod clock;
pub mod console;
pub mod failpoint;
pub mod grant;
pub mod kiosk;
pub mod ledger;
pub mod lookup;
pub mod manifest;
pub mod printer;
#[macro_use]
pub mod recovery;
pub mod rights;
pub mod settings;
pub mod station;
pub mod store;
pub mod sync;
pub mod vouchers;

pub use agents::{AuthError, AuthenticatedAgent, LockoutPolicy};
pub use clock::Clock;
pub use ledger::{IssueContext, IssueRequest, Issued, LedgerError, RecordedDecision};
pub use manifest::{BookingMatch, NoMatch};
pub use settings::{Display, Mode, Settings, SettingsError};
pub use store::{FlightStatus, FlightSummary, Store, StoreError};
