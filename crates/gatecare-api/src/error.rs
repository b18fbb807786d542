//! The API's one error: a stable code the UI translates (it never matches
//! on words) and a message for people.

use gatecare_station::cases::RecoveryError;
use gatecare_station::{LedgerError, StoreError};
use serde::Serialize;

#[derive(ts_rs::TS, Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message} ({code})")]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    /// The code of the refusal behind it, when it wraps one (a case left
    /// open because its voucher was refused: the ledger's reason), so the
    /// screen says why in its own language.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
}

/// An error with its stable code and words for people.
pub fn err(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError { code, message: message.into(), cause: None }
}

impl From<&StoreError> for ApiError {
    fn from(e: &StoreError) -> Self {
        err(e.code(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(&e)
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        err(e.code(), e.to_string())
    }
}

impl From<RecoveryError> for ApiError {
    fn from(e: RecoveryError) -> Self {
        let cause = match &e {
            RecoveryError::VoucherNotIssued(why) => Some(why.code()),
            _ => None,
        };
        ApiError { cause, ..err(e.code(), e.to_string()) }
    }
}

impl From<gatecare_link::SyncError> for ApiError {
    fn from(e: gatecare_link::SyncError) -> Self {
        err(e.code(), e.to_string())
    }
}
