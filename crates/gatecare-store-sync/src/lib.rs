//! The store's side of sync: this device's outgoing event log and what
//! central acknowledged, the signed feed and the station's data applied to
//! the store page by page, the role central signed, and the sync status.
//! `gatecare-link` talks to central; what the feed stored is the store's.

use std::ops::Deref;

use gatecare_store::Store;

pub mod feed;
pub mod station_data;

pub use feed::SyncStatus;
pub use station_data::LoadReport;

/// A store, with its side of sync: `SyncStore(&store).sync_status()`. It
/// reads as the store too (`Deref`).
#[derive(Debug, Clone, Copy)]
pub struct SyncStore<'a>(pub &'a Store);

impl Deref for SyncStore<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.0
    }
}
