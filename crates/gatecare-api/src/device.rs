//! The device: its settings, its store with the station's operations, the
//! airline policy in force, its printer and font, and its two sessions.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gatecare_kiosk::KioskSession;
use gatecare_policy::Policy;
use gatecare_print::CupsPrinter;
use gatecare_print::cups::Spool;
use gatecare_station::{AuthenticatedAgent, Mode, Settings, SettingsError, Station, StoreError};
use gatecare_store_sync::{SyncStatus, SyncStore};
use gatecare_voucher::pdf::Fonts;
use serde::Serialize;

use crate::error::{ApiError, err};
use crate::session::IdleSession;

/// The airline policy a store issues under: central's, or the built-in one
/// until central has sent one. The app and the `gatecare` command both
/// take it from here, so neither prices or limits a grant differently.
pub async fn policy_in_force(station: &Station) -> Result<Policy, StoreError> {
    Ok(station.central_policy().await?.unwrap_or_else(Policy::default_policy))
}

/// Its settings are read once: the sessions' idle times are taken from them
/// when the device starts.
pub struct Device {
    pub(crate) settings: Settings,
    station: Result<Station, ApiError>,
    pub(crate) policy: Policy,
    pub(crate) printer: CupsPrinter,
    /// Documents wait here (in the store's own folder) until CUPS has them.
    spool: Result<std::sync::Arc<Spool>, String>,
    fonts: OnceLock<Result<Fonts, String>>,
    /// The passenger the kiosk is serving.
    pub(crate) kiosk: IdleSession<KioskSession>,
    /// The signed-in gate agent.
    pub(crate) agent: IdleSession<AuthenticatedAgent>,
}

impl Device {
    pub fn new(settings: Settings, station: Result<Station, StoreError>, policy: Policy) -> Device {
        let printer = CupsPrinter { queue: settings.printer.clone() };
        let folder = settings.database.parent().filter(|d| !d.as_os_str().is_empty());
        let spool = Spool::create_in(folder.unwrap_or(std::path::Path::new(".")))
            .map(std::sync::Arc::new)
            .map_err(|e| format!("the print spool in the store's folder: {e}"));
        Device {
            spool,
            kiosk: IdleSession::new(Duration::from_secs(u64::from(settings.kiosk_idle_seconds))),
            agent: IdleSession::new(Duration::from_secs(u64::from(settings.agent_idle_seconds))),
            settings,
            station: station.map_err(|e| ApiError::from(&e)),
            policy,
            printer,
            fonts: OnceLock::new(),
        }
    }

    /// Opens the store and starts the device as it was enrolled: central's
    /// station and device code win over the settings (one that differs is an
    /// error), and central's policy over the built-in one. A store that does
    /// not open is not an error here: the screen shows its code.
    pub async fn start(mut settings: Settings) -> Result<Device, SettingsError> {
        let station = Station::open(&settings.database).await;
        let mut policy = None;
        if let Ok(s) = &station {
            match adopt_enrolment(s, &mut settings).await {
                Err(Adopt::Settings(e)) => return Err(e),
                // A store that cannot be read starts anyway: the screen
                // shows its code when it is used.
                Err(Adopt::Store(_)) | Ok(()) => {}
            }
            // The app (not the `gatecare` command, which reads any store)
            // starts a kiosk's store as a kiosk only, without agents.
            if let Ok(Some(role)) = s.enrolled_role().await {
                settings.adopt_enrolled_role(&role)?;
                if role == "kiosk"
                    && let Err(e) = s.forget_agents().await
                {
                    eprintln!("gatecare: this kiosk could not forget the agents' records: {e}");
                }
            }
            policy = policy_in_force(s).await.ok();
        }
        Ok(Device::new(settings, station, policy.unwrap_or_else(Policy::default_policy)))
    }

    /// The print spool; without it nothing is printed (a clear error).
    pub(crate) fn spool(&self) -> Result<std::sync::Arc<Spool>, ApiError> {
        self.spool.clone().map_err(|e| err("print.spool", e))
    }

    /// Why the app must not start on this device, if it must not: a store
    /// that is not its owner's only (a planted link, a file this user cannot
    /// tighten) is refused outright, nothing of it shown. Other store errors
    /// are shown on screen with their code, for staff to act on.
    pub fn refusal(&self) -> Option<ApiError> {
        self.station().err().filter(|e| e.code == "store.not_private")
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn station(&self) -> Result<&Station, ApiError> {
        self.station.as_ref().map_err(Clone::clone)
    }

    /// The business clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.settings.clock.now()
    }

    /// The CJK font, parsed on first use.
    pub fn fonts(&self) -> Result<&Fonts, ApiError> {
        self.fonts
            .get_or_init(|| gatecare_print::load_fonts().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|m| err("print.font", m.clone()))
    }

    pub fn require_mode(&self, mode: Mode) -> Result<(), ApiError> {
        if self.settings.mode == mode {
            Ok(())
        } else {
            Err(err("mode.forbidden", "not available in this mode"))
        }
    }

    /// What the screen needs before anything else.
    pub fn app_info(&self) -> AppInfo {
        let s = &self.settings;
        let airport = gatecare_reference::airport(&s.station);
        AppInfo {
            version: env!("CARGO_PKG_VERSION"),
            mode: s.mode,
            station: s.station.to_string(),
            station_name: airport.map(|a| a.name.clone()).unwrap_or_default(),
            station_city: gatecare_reference::city_en(s.station.as_str()),
            station_city_zh: gatecare_reference::city_zh(&s.station),
            time_zone: airport.map(|a| a.tz.name().to_owned()).unwrap_or_else(|| "UTC".into()),
            now: s.clock.now(),
            language: s.language.clone(),
            store: self.station().err().map_or("ok", |e| e.code),
            kiosk_idle_seconds: s.kiosk_idle_seconds,
        }
    }

    /// Online or not, the backlog, the last sync: both modes (no passenger
    /// data in it).
    pub async fn sync_status(&self) -> Result<SyncStatus, ApiError> {
        Ok(SyncStore(self.station()?).sync_status().await?)
    }

    /// Double issuances central reported at this station: agents only.
    /// Vouchers central settled against this device. They name passengers
    /// and entitlement keys, so a locked console shows none (the screen asks
    /// in the background: not activity).
    pub async fn sync_conflicts(&self) -> Result<Vec<gatecare_sync::ConflictReport>, ApiError> {
        self.agent_quiet()?;
        Ok(SyncStore(self.station()?).sync_conflicts().await?)
    }

    pub(crate) fn wall() -> Instant {
        Instant::now()
    }
}

/// Why a store's enrolment could not be adopted.
#[derive(Debug, thiserror::Error)]
pub enum Adopt {
    /// A configured station or device code is not the enrolled one.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The station and device code central enrolled the store for replace the
/// defaults of `settings`; a configured one that differs is an error. The
/// app and the `gatecare` command start a store this one way.
pub async fn adopt_enrolment(station: &Station, settings: &mut Settings) -> Result<(), Adopt> {
    if let Some(enrolled) = station.enrolled_station().await? {
        settings.adopt_enrolled_station(&enrolled)?;
    }
    if let Some(enrolled) = station.enrolled_device().await? {
        settings.adopt_enrolled_device(&enrolled)?;
    }
    Ok(())
}

#[derive(ts_rs::TS, Debug, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub mode: Mode,
    pub station: String,
    pub station_name: String,
    pub station_city: String,
    pub station_city_zh: Option<&'static str>,
    pub time_zone: String,
    pub now: DateTime<Utc>,
    pub language: String,
    /// "ok", or the error code of the store when it could not be opened.
    pub store: &'static str,
    pub kiosk_idle_seconds: u32,
}
