//! The `gatecare-central` program around the service (`gatecare-server`):
//! its configuration, and what the administrator does from its command
//! line against the same database.
//!
//! - a station's devices, their roles and flight leases: [`devices`];
//! - gate agents and their PIN hashes: [`agents`];
//! - importing a station's data into its feed: [`station_data`];
//! - a voucher's decision replayed: [`decision`];
//! - the configuration file and its environment overrides: [`config`].
//!
//! Enrolment codes and the trust list are the service's own
//! (`gatecare_server::{enrolment, trust}`): the HTTP API checks the one and
//! publishes the other.

pub mod agents;
pub mod config;
pub mod decision;
pub mod devices;
pub mod station_data;
