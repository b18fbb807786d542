//! IPC commands. Each returns data or a [`UiError`] with a stable code the UI
//! translates; the UI never matches on message text.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use gatecare_client::{FlightSummary, Mode, StoreError};
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

/// An error for the UI: a stable code and words for people.
pub(crate) fn err(code: &'static str, message: impl Into<String>) -> UiError {
    UiError { code, message: message.into() }
}

impl From<&StoreError> for UiError {
    fn from(e: &StoreError) -> Self {
        UiError { code: e.code(), message: e.to_string() }
    }
}

impl From<gatecare_client::LedgerError> for UiError {
    fn from(e: gatecare_client::LedgerError) -> Self {
        UiError { code: e.code(), message: e.to_string() }
    }
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        UiError::from(&e)
    }
}

#[derive(Debug, Serialize)]
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

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let s = &state.settings;
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
        store: state.store().err().map_or("ok", |e| e.code),
        kiosk_idle_seconds: s.kiosk_idle_seconds,
    }
}

#[derive(Debug, Serialize)]
pub struct FlightBoard {
    /// The station-local date shown.
    pub date: NaiveDate,
    /// True when today had no flights and the stored demo day is shown instead.
    pub demo_day: bool,
    pub flights: Vec<FlightSummary>,
}

/// Departures of the station for its local day (today by the app clock),
/// after the earlier flights whose care is still open.
#[tauri::command]
pub async fn flight_board(
    state: State<'_, AppState>,
    background: Option<bool>,
) -> Result<FlightBoard, UiError> {
    // The board refreshes itself every minute: that is not activity, or an
    // unattended console would never lock.
    if background.unwrap_or(false) {
        crate::agent::agent_quiet(&state)?;
    } else {
        crate::agent::agent(&state)?;
    }
    let s = &state.settings;
    let store = state.store()?;
    let tz = gatecare_reference::airport(&s.station)
        .map(|a| a.tz)
        .ok_or_else(|| UiError { code: "station.unknown", message: s.station.to_string() })?;
    let today = s.clock.now().with_timezone(&tz).date_naive();
    let day = |d: NaiveDate| -> Result<(DateTime<Utc>, DateTime<Utc>), UiError> {
        let start = tz
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .ok_or(UiError { code: "time.local", message: format!("no local midnight on {d}") })?
            .to_utc();
        Ok((start, start + Duration::days(1)))
    };
    let flights = store.station_board(&s.station, s.clock.now()).await?;
    if flights.is_empty()
        && let Some(demo) = store.demo_date().await?.filter(|d| *d != today)
    {
        let (from, until) = day(demo)?;
        let flights = store.flight_board(&s.station, from, until).await?;
        let flights = store.with_care_owed(flights, &state.policy, s.clock.now()).await?;
        return Ok(FlightBoard { date: demo, demo_day: true, flights });
    }
    let flights = store.with_care_owed(flights, &state.policy, s.clock.now()).await?;
    Ok(FlightBoard { date: today, demo_day: false, flights })
}

/// Whether a printed notice reached the printer, and if not, why (a code).
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoticePrint {
    pub printed: bool,
    pub error: Option<&'static str>,
}

/// Prints a voucher already rendered to the spool and journals the outcome.
/// `lp` and `lpstat` block for up to 30 s: they run off the async workers.
pub(crate) async fn print_prepared(
    state: &AppState,
    prepared: gatecare_client::vouchers::PreparedPrint,
    wait: std::time::Duration,
) -> Result<gatecare_client::vouchers::VoucherPrint, UiError> {
    use gatecare_client::printer::Printer;
    let printer = state.printer.clone();
    let printer_name = printer.name();
    let job = prepared.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        gatecare_client::vouchers::print_file(&printer, &job, wait)
    })
    .await
    .map_err(|e| UiError { code: "print.failed", message: e.to_string() })?;
    Ok(state.store()?.finish_print(prepared, outcome, &printer_name, state.settings.clock.now()).await?)
}

/// Renders a passenger's written notice of rights and prints it.
pub(crate) async fn print_notice(
    state: &AppState,
    passenger_id: &str,
    flight_id: &str,
    layout: gatecare_voucher::pdf::Layout,
) -> Result<NoticePrint, UiError> {
    let now = state.settings.clock.now();
    let notice = state
        .store()?
        .rights_notice(passenger_id, flight_id, &state.policy, now)
        .await?
        .ok_or_else(|| UiError { code: "notice.none", message: "no regime's notice applies".into() })?;
    let pdf = gatecare_voucher::pdf::render_notice(&notice, layout, state.fonts()?)
        .map_err(|e| UiError { code: "print.render", message: e.to_string() })?;
    let printer = state.printer.clone();
    let spool = gatecare_client::printer::spool_dir();
    let name = format!("notice-{}", uuid::Uuid::now_v7());
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        gatecare_client::printer::print_document(&printer, &spool, &name, &pdf, layout.media())
    })
    .await
    .map_err(|e| UiError { code: "print.failed", message: e.to_string() })?;
    Ok(match outcome {
        Ok(gatecare_client::printer::JobState::Completed) => NoticePrint { printed: true, error: None },
        Ok(_) => NoticePrint { printed: false, error: Some("print.failed") },
        Err(e) => NoticePrint { printed: false, error: Some(e.code()) },
    })
}
