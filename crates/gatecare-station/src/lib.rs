//! The station API: what a kiosk or a gate console does, over the store
//! (`gatecare-store`) and the link to central (`gatecare-link`). The Tauri
//! commands and the `gatecare` command both call it, so a rule lives once.
//!
//! [`Station`] is the store with the station's operations: a passenger's
//! lookup and view, the flight's manifest, disruptions, the priority list,
//! issuance (claimed at central when online), grants and complaint cases.
//! The kiosk's self-service is `gatecare-kiosk`'s, bulk issuance
//! `gatecare-bulk`'s, enrolment `gatecare-link`'s, vouchers on paper
//! `gatecare-print`'s.

use std::ops::Deref;
use std::path::Path;

pub mod board;
pub mod cases;
pub mod console;
pub mod grant;
pub mod issuance;
pub mod manifest;
pub mod rights;

pub use gatecare_settings::{Clock, Display, Mode, Settings, SettingsError};
pub use gatecare_store::{
    AuthError, AuthenticatedAgent, BookingMatch, FlightStatus, FlightSummary, IssueContext, IssueRequest,
    Issued, LedgerError, LockoutPolicy, NoMatch, RecordedDecision, Store, StoreError,
};

/// A device's store with the station's operations on it. It reads as the
/// store too (`Deref`), for what is plain storage: the ledger, sync status.
/// A clone shares the same pool.
#[derive(Clone)]
pub struct Station {
    store: Store,
    /// Held from choosing a goodwill voucher's ordinal until it is issued:
    /// two grants at once would otherwise both take the next ordinal, and
    /// the second would come back as the first's reprint.
    goodwill_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Station {
    pub async fn open(path: &Path) -> Result<Station, StoreError> {
        Ok(Station::from(Store::open(path).await?))
    }

    pub async fn open_in_memory() -> Result<Station, StoreError> {
        Ok(Station::from(Store::open_in_memory().await?))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the pool, waiting for its connections (a checkpoint of the WAL).
    pub async fn close(self) {
        self.store.close().await;
    }
}

impl From<Store> for Station {
    fn from(store: Store) -> Station {
        Station { store, goodwill_turn: Default::default() }
    }
}

impl Deref for Station {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}
