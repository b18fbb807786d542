//! End-to-end tests in the real app window: tauri-driver starts the built
//! `gatecare-app` through WebKitWebDriver, and fantoccini drives it.
//!
//! Gated by `GATECARE_E2E=1` (set by `cargo xtask test`, which also runs
//! everything under Xvfb). When the gate is open a missing prerequisite
//! fails. On failure a screenshot and the app log are saved to the
//! artifacts folder (`artifacts/` from xtask).
//!
//! `harness` holds the session, the real central and what the tests share;
//! one file per face: `app`, `kiosk`, `console`, `complaints`, `station`.

mod app;
mod complaints;
mod console;
pub(crate) mod harness;
mod kiosk;
mod station;
