//! The commands both modes use. Every command is a forward to the device's
//! API (`gatecare-api`): its error carries a stable code the UI translates.

use gatecare_api::board::FlightBoard;
use gatecare_api::{ApiError, AppInfo, Device};
use gatecare_store_sync::SyncStatus;
use tauri::State;

#[tauri::command]
pub fn app_info(device: State<'_, Device>) -> AppInfo {
    device.app_info()
}

#[tauri::command]
pub async fn flight_board(
    device: State<'_, Device>,
    background: Option<bool>,
) -> Result<FlightBoard, ApiError> {
    device.flight_board(background.unwrap_or(false)).await
}

#[tauri::command]
pub async fn sync_status(device: State<'_, Device>) -> Result<SyncStatus, ApiError> {
    device.sync_status().await
}

#[tauri::command]
pub async fn sync_conflicts(
    device: State<'_, Device>,
) -> Result<Vec<gatecare_api::ConflictReport>, ApiError> {
    device.sync_conflicts().await
}
