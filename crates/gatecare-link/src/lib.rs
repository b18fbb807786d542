//! A device's link to central: the HTTP client of its API, one sync round
//! (push a batch of this device's log, pull a page of the station feed),
//! key renewal and the background worker that runs rounds with backoff.
//!
//! Issuance never waits for the network: it writes the ledger and the sync
//! log in one local transaction; the worker ships the log later. A page of
//! the feed and the cursor that follows it are applied in one transaction,
//! so a crash between pages repeats a page (harmlessly) and never skips one.

pub mod client;
pub mod worker;

pub use client::{CentralClient, PULL_PAGE, PUSH_BATCH, SyncError};
pub use worker::{RENEW_BEFORE, SyncRound, backoff, renew_key_if_due, run_worker, sync_once};
