//! The sync protocol between kiosks (and gate consoles) and central.
//!
//! Every device keeps an append-only event log with a gapless `seq` and a
//! UUIDv7 `event_id`. It pushes batches in order ([`PushRequest`]); central
//! stores each event once, gives it a global `server_seq`, and answers a
//! replayed batch with the same acknowledgements ([`PushResponse`]). The same
//! `(device, seq)` with different content is a cloned device: 409.
//!
//! Downloads are a feed paged by `server_seq` ([`PullResponse`]): what a
//! station needs (other devices' issuance, void entries, trust list, leases,
//! flight updates, and the station data of [`station`]). Central signs each
//! page with the airline's root key ([`page`]); a device opens it against
//! the root it pinned at enrolment, then applies the page and its cursor in
//! one transaction.
//!
//! This crate holds the wire types and the checks that need no database, so
//! the server backends and the kiosk agree on them by construction.

mod event;
pub mod page;
pub mod roles;
pub mod station;
pub mod voucher_id;
mod wire;

pub use event::{
    BatchError, CheckedBatch, Event, EventKind, IssuanceFacts, is_refused_payload_of, key_flight,
    refused_payload,
};
pub use page::{CLOCK_STEP, Expected, FeedPage, PageError, RoleStatement};
pub use wire::*;

/// Largest request body central accepts (bytes). A 500-event batch of
/// issuance events is about 400 KB.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Most events in one push.
pub const MAX_BATCH_EVENTS: usize = 1000;
/// Largest payload of one event (bytes of JSON).
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024;
/// The highest `seq` a device's log may reach (2^53: exact in JSON
/// numbers everywhere, and no arithmetic on it can overflow).
pub const MAX_SEQ: i64 = 1 << 53;
/// Most feed items in one page.
pub const MAX_PAGE: u32 = 1000;
/// Most claims in one [`ClaimBatch`]: a bulk issuance of a wide-body's
/// meals (about 600 claims, at ~150 bytes each) takes two requests.
pub const MAX_CLAIMS_PER_BATCH: usize = 500;
