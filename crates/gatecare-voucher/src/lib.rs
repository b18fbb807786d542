//! Vouchers that merchants and hotels can trust.
//!
//! - [`signed`]: the compact, versioned payload, signed by the issuing
//!   device's Ed25519 key as a COSE_Sign1 structure (CBOR), base45-encoded
//!   behind the prefix `GC1:` for an alphanumeric QR code — the design of
//!   the EU digital COVID certificate, without the compression.
//! - [`trust`]: the trust list (the airline root key certifies device keys)
//!   and the void list, as JSON documents central distributes.
//! - [`verify`]: offline verification with those two lists.
//! - [`lists`]: central's seal over a merchant till's two lists as one.
//! - [`pdf`]: the printable voucher (80 mm receipt, A6, A4) with Latin and
//!   Chinese names and the QR drawn as vector modules.
//!
//! Pure: keys, fonts and time are passed in.

pub mod lists;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod qr;
pub mod signed;
pub mod terms;
pub mod trust;
pub mod verify;

pub use signed::{QR_PREFIX, VoucherPayload};
pub use verify::{Verification, verify, verify_with_lists};

/// Lower-case hex, for keys and signatures in JSON.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.trim();
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}
