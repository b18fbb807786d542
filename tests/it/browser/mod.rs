//! The pages central serves to browsers, in Debian's Chromium driven through
//! chromedriver (fantoccini), headless, against a real `gatecare-central`
//! process that the tests start and stop (central stopped is a network the
//! page cannot reach, service worker included).
//!
//! Gated like the app's end-to-end tests (`GATECARE_E2E=1`, set by
//! `cargo xtask test`); the pages are the ones `cargo xtask` built into
//! `ui/dist-web`.

mod harness;
mod merchant;
mod pass;
