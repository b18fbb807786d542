//! Gatecare's one integration-test crate.
//!
//! - `cli`: the `gatecare` command's contracts, run as a real process.
//! - `ipc`: the app's command lists agree with one another and the UI.
//! - `e2e`: the real app window driven through tauri-driver + WebKitWebDriver.
//!   Runs when `GATECARE_E2E=1` (set by `cargo xtask test`); then a missing
//!   prerequisite fails the test rather than skipping it.

mod bcbp;
mod care;
mod central;
mod cli;
mod console;
mod crash;
mod decisions;
mod e2e;
mod ipc;
mod recovery;
mod store;
mod support;

pub(crate) use support::voucher_fonts;
mod voucher;
