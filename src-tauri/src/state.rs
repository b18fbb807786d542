use gatecare_client::{Settings, Store, StoreError};

use crate::commands::UiError;

/// Managed once in `setup`; every command borrows it.
pub struct AppState {
    pub settings: Settings,
    store: Result<Store, UiError>,
}

impl AppState {
    pub fn new(settings: Settings, store: Result<Store, StoreError>) -> Self {
        AppState { settings, store: store.map_err(|e| UiError::from(&e)) }
    }

    pub fn store(&self) -> Result<&Store, UiError> {
        self.store.as_ref().map_err(Clone::clone)
    }
}
