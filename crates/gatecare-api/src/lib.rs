//! The one API of a device (GitButler's `but-api` is the model): a kiosk or
//! a gate console as a [`Device`], with its sessions, and one method per
//! command. The Tauri shell only parses arguments and forwards; every mode
//! check, session rule, limit and format is here, so the `gatecare` command
//! and the tests reach the same rules the window does.
//!
//! Errors are [`ApiError`]: a stable code the UI translates, and words.

pub mod agent;
pub mod board;
pub mod cases;
pub mod device;
pub mod error;
pub mod ipc_types;
pub mod kiosk;
pub mod print;
pub mod session;

pub use device::{AppInfo, Device};
pub use error::ApiError;
pub use gatecare_sync::ConflictReport;
