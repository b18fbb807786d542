//! The kiosk's commands: forwards to the device's API, which checks the
//! mode and the passenger's session.

use gatecare_api::cases::KioskCase;
use gatecare_api::print::NoticePrint;
use gatecare_api::{ApiError, Device};
use gatecare_care::evaluate::CareKind;
use gatecare_kiosk::{KioskHotel, KioskView};
use gatecare_print::VoucherPrint;
use tauri::State;

#[tauri::command]
pub async fn kiosk_scan(device: State<'_, Device>, pass: String) -> Result<KioskView, ApiError> {
    device.kiosk_scan(&pass).await
}

#[tauri::command]
pub async fn kiosk_lookup(
    device: State<'_, Device>,
    pnr: String,
    surname: String,
) -> Result<KioskView, ApiError> {
    device.kiosk_lookup(&pnr, &surname).await
}

#[tauri::command]
pub async fn kiosk_view(device: State<'_, Device>) -> Result<KioskView, ApiError> {
    device.kiosk_view().await
}

#[tauri::command]
pub async fn kiosk_switch(device: State<'_, Device>, passenger_id: String) -> Result<KioskView, ApiError> {
    device.kiosk_switch(&passenger_id).await
}

#[tauri::command]
pub async fn kiosk_hotels(device: State<'_, Device>) -> Result<Vec<KioskHotel>, ApiError> {
    device.kiosk_hotels().await
}

#[tauri::command]
pub async fn kiosk_print(
    device: State<'_, Device>,
    kind: CareKind,
    ordinal: u32,
    hotel: Option<String>,
) -> Result<VoucherPrint, ApiError> {
    device.kiosk_print(kind, ordinal, hotel).await
}

#[tauri::command]
pub async fn kiosk_print_notice(device: State<'_, Device>) -> Result<NoticePrint, ApiError> {
    device.kiosk_print_notice().await
}

#[tauri::command]
pub fn kiosk_end(device: State<'_, Device>) -> Result<(), ApiError> {
    device.kiosk_end()
}

#[tauri::command]
pub async fn kiosk_feedback(device: State<'_, Device>, score: u8) -> Result<(), ApiError> {
    device.kiosk_feedback(score).await
}

#[tauri::command]
pub async fn kiosk_enrol(
    device: State<'_, Device>,
    mobile: String,
    consent: bool,
) -> Result<String, ApiError> {
    device.kiosk_enrol(&mobile, consent).await
}

#[tauri::command]
pub async fn kiosk_complaint(
    device: State<'_, Device>,
    category: gatecare_recovery::Category,
    description: String,
) -> Result<KioskCase, ApiError> {
    device.kiosk_complaint(category, description).await
}
