//! The voucher verifier in the merchant's browser: the same
//! `gatecare_voucher::verify_with_lists` the devices and the `gatecare`
//! command run, compiled to WebAssembly (`cargo xtask wasm`), so a till
//! checks a voucher offline exactly as the airline's own code does.
//!
//! Text goes in and out: the QR text, the trust and void lists as central
//! sent them, the root key the page pinned at enrolment, and the time.
//! Before the page keeps new lists, [`open_lists`] checks central's seal
//! over them. The answer is JSON: the
//! verification, and the value as a person reads it (`HKD 120.00`, `JPY
//! 1500`), so the page never does arithmetic on minor units.

use chrono::{DateTime, Utc};
use gatecare_core::{Currency, Money};
use gatecare_voucher::Verification;
use serde::Serialize;
use wasm_bindgen::prelude::wasm_bindgen;

/// What the page shows.
#[derive(Debug, Serialize)]
pub struct Checked {
    #[serde(flatten)]
    pub verification: Verification,
    /// The voucher's value as written on it; absent when the voucher could
    /// not be read.
    pub value_text: Option<String>,
}

/// Checks `qr` against the lists at `now_ms` (milliseconds since the Unix
/// epoch, as JavaScript's `Date.now()`). Never throws: a bad input is a
/// refusal with its reason.
pub fn check(qr: &str, trust_list: &str, void_list: &str, pinned_root: &str, now_ms: f64) -> Checked {
    let at = if now_ms.is_finite() { DateTime::<Utc>::from_timestamp_millis(now_ms as i64) } else { None };
    let Some(at) = at else {
        return Checked {
            verification: Verification { valid: false, reason: "bad_clock", voucher: None, kid: None },
            value_text: None,
        };
    };
    let verification = gatecare_voucher::verify_with_lists(qr, trust_list, void_list, pinned_root, at);
    let value_text = verification
        .voucher
        .as_ref()
        .and_then(|v| Currency::parse(&v.currency).ok().map(|c| Money::new(v.value_minor, c).to_string()));
    Checked { verification, value_text }
}

/// A voucher as its passenger's phone shows it: what it says and its QR
/// for the merchant, read without checking it (the phone keeps no trust
/// list; the merchant checks). `modules` is the QR's rows, `1` dark.
#[derive(Debug, Serialize)]
pub struct Described {
    pub voucher: Option<gatecare_voucher::signed::VoucherPayload>,
    pub value_text: Option<String>,
    pub size: usize,
    pub modules: String,
    /// Why the text is not a voucher, when it is not.
    pub error: Option<String>,
}

pub fn describe_text(qr: &str) -> Described {
    let qr = qr.trim();
    let refused = |e: String| Described {
        voucher: None,
        value_text: None,
        size: 0,
        modules: String::new(),
        error: Some(e),
    };
    let voucher = match gatecare_voucher::signed::decode(qr) {
        Ok(u) => u.payload,
        Err(e) => return refused(e.to_string()),
    };
    let code = match gatecare_voucher::qr::encode(qr) {
        Ok(c) => c,
        Err(e) => return refused(e.to_string()),
    };
    let value_text =
        Currency::parse(&voucher.currency).ok().map(|c| Money::new(voucher.value_minor, c).to_string());
    Described {
        voucher: Some(voucher),
        value_text,
        size: code.size,
        modules: code.modules.iter().map(|&dark| if dark { '1' } else { '0' }).collect(),
        error: None,
    }
}

/// [`describe_text`] as JSON, for JavaScript.
#[wasm_bindgen]
pub fn describe(qr: &str) -> String {
    serde_json::to_string(&describe_text(qr)).unwrap_or_default()
}

/// [`check`] as JSON, for JavaScript.
#[wasm_bindgen]
pub fn verify(qr: &str, trust_list: &str, void_list: &str, pinned_root: &str, now_ms: f64) -> String {
    // Serialising plain data cannot fail.
    serde_json::to_string(&check(qr, trust_list, void_list, pinned_root, now_ms)).unwrap_or_default()
}

/// Whether the page may keep lists central sent: their seal opened.
#[derive(Debug, Serialize)]
pub struct ListsOpened {
    pub kept: bool,
    /// Why not, as a stable code (`lists_altered`, `lists_rolled_back`, …).
    pub reason: Option<&'static str>,
    /// When central made them, ms since the epoch.
    pub at_ms: Option<i64>,
}

/// Opens `seal` over the lists for the till `till` under the pinned root
/// (hex); `held_ms` is the time of the lists the page holds (0: none).
pub fn open_lists_for(
    seal: &str,
    trust_list: &str,
    void_list: &str,
    pinned_root: &str,
    till: &str,
    held_ms: f64,
) -> ListsOpened {
    use gatecare_voucher::lists::{ListsRefused, ListsSeal};
    let refused = |r: ListsRefused| ListsOpened { kept: false, reason: Some(r.code()), at_ms: None };
    let Some(root) = gatecare_voucher::trust::verifying_key(pinned_root) else {
        return refused(ListsRefused::BadSeal);
    };
    let held = (held_ms.is_finite() && held_ms > 0.0)
        .then(|| DateTime::<Utc>::from_timestamp_millis(held_ms as i64))
        .flatten();
    match ListsSeal::open(seal, &root, till, trust_list, void_list, held) {
        Ok(s) => ListsOpened { kept: true, reason: None, at_ms: Some(s.at.timestamp_millis()) },
        Err(r) => refused(r),
    }
}

/// [`open_lists_for`] as JSON, for JavaScript.
#[wasm_bindgen]
pub fn open_lists(
    seal: &str,
    trust_list: &str,
    void_list: &str,
    pinned_root: &str,
    till: &str,
    held_ms: f64,
) -> String {
    serde_json::to_string(&open_lists_for(seal, trust_list, void_list, pinned_root, till, held_ms))
        .unwrap_or_default()
}
