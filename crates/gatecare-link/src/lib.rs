//! A device's link to central: enrolment with an administrator's one-time
//! code, the HTTP client of its API, the online claim before an issuance,
//! one sync round (push a batch of this device's log, pull a page of the
//! station feed), key renewal and the background worker that runs rounds
//! with backoff.
//!
//! Issuance never waits for the network: it writes the ledger and the sync
//! log in one local transaction; the worker ships the log later. A page of
//! the feed and the cursor that follows it are applied in one transaction,
//! so a crash between pages repeats a page (harmlessly) and never skips one.

pub mod claims;
pub mod client;
pub mod enrolment;
pub mod worker;

pub use claims::{
    BATCH_CLAIM_TIMEOUT, CLAIM_TIMEOUT, ClaimCheck, claim_batch_before_issue, claim_before_issue,
    release_claim,
};
pub use client::{CentralClient, PULL_PAGE, PUSH_BATCH, SyncError};
pub use enrolment::{enrol_with_central, enrol_with_central_trusting};
pub use worker::{RENEW_BEFORE, SyncRound, backoff, renew_key_if_due, run_worker, sync_once};
