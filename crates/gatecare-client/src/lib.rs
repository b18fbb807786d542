//! The kiosk's side of Gatecare: its local SQLite store, its settings and its
//! clock. This is an edge crate: it does IO so the domain crates need not.

pub mod clock;
pub mod manifest;
pub mod settings;
pub mod store;

pub use clock::Clock;
pub use manifest::{BookingMatch, NoMatch};
pub use settings::{Display, Mode, Settings, SettingsError};
pub use store::{FlightStatus, FlightSummary, SeedReport, Store, StoreError};
