//! Central's figures, read from either backend through
//! `gatecare_server_database::Database`, for its HTTP API and its
//! administrator's commands alike:
//!
//! - [`redemptions`]: the airline's redemption report, per flight and per
//!   merchant: what a disruption cost;
//! - [`recovery`]: service recovery across stations, with the early-warning
//!   alerts.

pub mod recovery;
pub mod redemptions;
