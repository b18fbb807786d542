//! Kiosk commands. Each checks the mode (kiosk only) and the session: the
//! webview can reach one passenger, the one who scanned, and only until the
//! screen has been idle for `kiosk_idle_seconds`.

use std::time::Instant;

use gatecare_care::evaluate::CareKind;
use gatecare_client::Mode;
use gatecare_client::kiosk::{KioskHotel, KioskSession, KioskView};
use gatecare_client::printer::Printer;
use gatecare_client::vouchers::VoucherPrint;
use tauri::State;

use crate::commands::{UiError, err};
use crate::state::AppState;

pub(crate) fn require_mode(state: &AppState, mode: Mode) -> Result<(), UiError> {
    if state.settings.mode == mode {
        Ok(())
    } else {
        Err(err("mode.forbidden", "not available in this mode"))
    }
}

/// The live session, refreshed; an idle one is forgotten.
pub(crate) fn session(state: &AppState) -> Result<KioskSession, UiError> {
    let mut guard = state.kiosk.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_mut() {
        Some((_, touched)) if touched.elapsed().as_secs() > state.settings.kiosk_idle_seconds as u64 => {
            *guard = None;
            Err(err("kiosk.session_expired", "the session ended"))
        }
        Some((s, touched)) => {
            *touched = Instant::now();
            Ok(s.clone())
        }
        None => Err(err("kiosk.no_session", "scan a boarding pass first")),
    }
}

fn start(state: &AppState, passenger_id: String, flight_id: String) {
    let s = KioskSession { passenger_id, flight_id };
    *state.kiosk.lock().unwrap_or_else(|e| e.into_inner()) = Some((s, Instant::now()));
}

fn today(state: &AppState) -> chrono::NaiveDate {
    let now = state.settings.clock.now();
    gatecare_reference::airport(&state.settings.station)
        .map_or(now.date_naive(), |a| now.with_timezone(&a.tz).date_naive())
}

/// A passenger the kiosk must not serve alone: the consoles are told.
async fn request_staff_if_needed(state: &AppState) -> Result<(), UiError> {
    let s = session(state)?;
    state.store()?.kiosk_request_staff(&s, &state.settings.device, state.settings.clock.now()).await?;
    Ok(())
}

async fn view(state: &AppState, s: &KioskSession) -> Result<KioskView, UiError> {
    Ok(state.store()?.kiosk_view(s, &state.policy, state.settings.clock.now()).await?)
}

#[tauri::command]
pub async fn kiosk_scan(state: State<'_, AppState>, pass: String) -> Result<KioskView, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    if pass.len() > 1024 {
        return Err(err("kiosk.not_a_pass", "too long for a boarding pass"));
    }
    let parsed = gatecare_bcbp::parse(&pass).map_err(|e| err("kiosk.not_a_pass", e.to_string()))?;
    let store = state.store()?;
    let found = store.match_boarding_pass(&parsed.pass, &state.settings.station, today(&state)).await?;
    let m = found.map_err(|_| err("kiosk.no_match", "no booking matches this pass today"))?;
    start(&state, m.passenger_id, m.flight_id);
    request_staff_if_needed(&state).await?;
    view(&state, &session(&state)?).await
}

#[tauri::command]
pub async fn kiosk_lookup(
    state: State<'_, AppState>,
    pnr: String,
    surname: String,
) -> Result<KioskView, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    if pnr.len() > 16 || surname.len() > 64 {
        return Err(err("kiosk.no_match", "no booking matches"));
    }
    let store = state.store()?;
    let found =
        store.kiosk_find(&pnr, &surname, state.settings.station.as_str(), state.settings.clock.now()).await?;
    let (passenger, flight) =
        found.ok_or_else(|| err("kiosk.no_match", "no booking matches this reference and name today"))?;
    start(&state, passenger, flight);
    request_staff_if_needed(&state).await?;
    view(&state, &session(&state)?).await
}

#[tauri::command]
pub async fn kiosk_view(state: State<'_, AppState>) -> Result<KioskView, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    let s = session(&state)?;
    view(&state, &s).await
}

/// Switches to another passenger of the booking the kiosk's view lists
/// (a child of an adult, the same surname); Rust refuses anyone else.
#[tauri::command]
pub async fn kiosk_switch(state: State<'_, AppState>, passenger_id: String) -> Result<KioskView, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    let s = session(&state)?;
    let next = state.store()?.kiosk_switch(&s, &passenger_id, state.settings.clock.now()).await?;
    let next = next.ok_or_else(|| err("kiosk.no_match", "not a passenger this booking may act for"))?;
    start(&state, next.passenger_id.clone(), next.flight_id.clone());
    request_staff_if_needed(&state).await?;
    view(&state, &next).await
}

/// Hotels with rooms left, for a passenger who is owed one.
#[tauri::command]
pub async fn kiosk_hotels(state: State<'_, AppState>) -> Result<Vec<KioskHotel>, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    session(&state)?;
    Ok(state.store()?.kiosk_hotels(state.settings.station.as_str(), state.settings.clock.now()).await?)
}

#[tauri::command]
pub async fn kiosk_print(
    state: State<'_, AppState>,
    kind: CareKind,
    ordinal: u32,
    hotel: Option<String>,
) -> Result<VoucherPrint, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    let s = session(&state)?;
    let fonts = state.fonts()?;
    let spool = gatecare_client::printer::spool_dir();
    let settings = &state.settings;
    let store = state.store()?;
    let printer_name = state.printer.name();
    let prepared = store
        .kiosk_prepare_print(
            &s,
            kind,
            ordinal,
            hotel,
            &state.policy,
            &settings.device,
            settings.station.as_str(),
            fonts,
            &printer_name,
            &spool,
            settings.clock.now(),
        )
        .await
        .map_err(|e| err(e.code(), e.to_string()))?;
    crate::commands::print_prepared(&state, prepared, gatecare_client::vouchers::KIOSK_PRINT_WAIT).await
}

/// Prints the session passenger's written notice of rights on the receipt printer.
#[tauri::command]
pub async fn kiosk_print_notice(state: State<'_, AppState>) -> Result<crate::commands::NoticePrint, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    let s = session(&state)?;
    crate::commands::print_notice(
        &state,
        &s.passenger_id,
        &s.flight_id,
        gatecare_voucher::pdf::Layout::Receipt80,
    )
    .await
}

#[tauri::command]
pub fn kiosk_end(state: State<'_, AppState>) -> Result<(), UiError> {
    require_mode(&state, Mode::Kiosk)?;
    *state.kiosk.lock().unwrap_or_else(|e| e.into_inner()) = None;
    Ok(())
}

#[tauri::command]
pub async fn kiosk_feedback(state: State<'_, AppState>, score: u8) -> Result<(), UiError> {
    require_mode(&state, Mode::Kiosk)?;
    let s = session(&state)?;
    Ok(state.store()?.kiosk_feedback(&s, score, &state.settings.device, state.settings.clock.now()).await?)
}

#[tauri::command]
pub async fn kiosk_enrol(
    state: State<'_, AppState>,
    mobile: String,
    consent: bool,
) -> Result<String, UiError> {
    require_mode(&state, Mode::Kiosk)?;
    let s = session(&state)?;
    if mobile.len() > 32 {
        return Err(err("kiosk.enrol_invalid", "a mobile number has 8 to 15 digits"));
    }
    state
        .store()?
        .kiosk_enrol(&s, &mobile, consent, &state.settings.device, state.settings.clock.now())
        .await
        .map_err(|e| err("kiosk.enrol_invalid", e.to_string()))
}
