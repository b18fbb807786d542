use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use gatecare_care::Policy;
use gatecare_client::kiosk::KioskSession;
use gatecare_client::printer::CupsPrinter;
use gatecare_client::{Settings, Store, StoreError};
use gatecare_voucher::pdf::Fonts;

use crate::commands::UiError;

/// Managed once in `setup`; every command borrows it.
pub struct AppState {
    pub settings: Settings,
    store: Result<Store, UiError>,
    pub policy: Policy,
    pub printer: CupsPrinter,
    /// The passenger the kiosk is serving, and when the screen was last touched
    /// (idle time is wall time, whatever the business clock says).
    pub kiosk: Mutex<Option<(KioskSession, Instant)>>,
    /// The signed-in gate agent and when the console was last used.
    pub agent: Mutex<Option<(gatecare_client::AuthenticatedAgent, Instant)>>,
    fonts: OnceLock<Result<Fonts, String>>,
}

impl AppState {
    pub fn new(settings: Settings, store: Result<Store, StoreError>, policy: Policy) -> Self {
        let printer = CupsPrinter { queue: settings.printer.clone() };
        AppState {
            settings,
            store: store.map_err(|e| UiError::from(&e)),
            policy,
            printer,
            kiosk: Mutex::new(None),
            agent: Mutex::new(None),
            fonts: OnceLock::new(),
        }
    }

    pub fn store(&self) -> Result<&Store, UiError> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// The CJK font, parsed on first use.
    pub fn fonts(&self) -> Result<&Fonts, UiError> {
        self.fonts
            .get_or_init(|| gatecare_client::vouchers::load_fonts().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|m| UiError { code: "print.font", message: m.clone() })
    }
}
