//! Gatecare's one integration-test crate: real SQLite files, PostgreSQL,
//! CUPS and the app's WebKit window, no mocks where the real thing runs.
//!
//! - `cli`: the `gatecare` command's contracts, run as a real process: exit
//!   codes, bad input. `bcbp` and `care` run it on every public fixture.
//! - `ipc`: the app's command lists agree with one another and the UI, and
//!   the UI's TypeScript of what crosses IPC is the one generated from Rust.
//! - `api`: the device's API as the window calls it: modes, the kiosk's one
//!   passenger, sign-in, approvals and the idle lock.
//! - `store`: the ledger and store through the station's API: idempotency,
//!   voids, authority, offline caps and leases, hotels, tamper detection,
//!   PIN lock-out, look-ups, the v1 fixture, a full disk, bulk issuance.
//! - `voucher`: vouchers as a merchant's phone and a printer see them: the QR
//!   decoded from a rendered page (pdftoppm + zbarimg), text read back with
//!   pdftotext, every refusal of `gatecare voucher verify`, and a real CUPS
//!   server (started once per run) with the cups-pdf printer.
//! - `vectors`: the shared voucher test vectors
//!   (`tests/fixtures/voucher-vectors.json`) the native and the WebAssembly
//!   verifier are both held to.
//! - `crash`: `gatecare ledger crash-drill` killed with SIGKILL at failpoints
//!   and at random moments; a restart must finish without duplicates.
//! - `console`, `recovery`: the gate console's records and complaint cases
//!   on a real store, with time passed in.
//! - `central`: central on SQLite and on PostgreSQL (`harness.rs` starts one
//!   throwaway cluster per run, a database per test): the story, every
//!   rejection and attack (`attacks.rs`, `mitm.rs`, `keys.rs`), one station's
//!   devices acting as one (`devices.rs`), the night on production's path
//!   (`night.rs`: a 23:45 cancellation, past midnight, clocks with
//!   nanoseconds), station data (`station.rs`), HTTPS (`tls.rs`), volume,
//!   seeded network faults checked against a model (`faults.rs`), upgrades
//!   from older schemas (`upgrade.rs`), and every SQLite query planned on a
//!   filled database (`plans.rs`).
//! - `e2e`: the real app window driven through tauri-driver + WebKitWebDriver
//!   under Xvfb: the kiosk (scan, view, print through CUPS, hotel, a failed
//!   printer, enrolment, feedback, idle), the gate console (sign-in, delay,
//!   announcement, priority, bulk, hotel, approval, idle lock), complaints
//!   across consoles, a kiosk and a console acting as one station, and
//!   axe-core. Each screen is saved under `artifacts/`. Runs when
//!   `GATECARE_E2E=1` (set by `cargo xtask test`); then a missing
//!   prerequisite fails the test rather than skipping it.

mod api;
mod bcbp;
mod browser;
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
mod vectors;
mod voucher;
