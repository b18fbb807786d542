//! Vouchers on paper: from a ledger entry to the signed sheet (everything
//! the paper says, and its QR), whole-flight and per-passenger PDFs, the
//! QR for a screen when the paper did not come out, and the printer (CUPS).
//! It reads the store and journals print outcomes in it; it decides no
//! entitlement (that is `gatecare-station`'s).

pub mod cups;
pub mod vouchers;

pub use cups::{CupsPrinter, FakePrinter, JobState, PrintError, Printer};
pub use vouchers::{FontError, PreparedPrint, VoucherPrint, VoucherQr, load_fonts};
