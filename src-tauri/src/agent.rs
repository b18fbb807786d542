//! The gate agent's commands: forwards to the device's API, which checks
//! the mode, the signed-in agent and every approval.

use gatecare_api::agent::{AgentInfo, AgentIssue};
use gatecare_api::print::{BulkResult, NoticePrint, PrintJobState};
use gatecare_api::{ApiError, Device};
use gatecare_ledger::EntitlementKind;
use gatecare_print::VoucherPrint;
use gatecare_station::console::{
    DisruptionEntry, FlightView, PassengerReroute, PassengerView, PriorityRow, Upgrades,
};
use tauri::{AppHandle, Emitter, State};

#[tauri::command]
pub async fn agent_sign_in(
    device: State<'_, Device>,
    code: String,
    pin: String,
) -> Result<AgentInfo, ApiError> {
    device.agent_sign_in(&code, &pin).await
}

#[tauri::command]
pub fn agent_sign_out(device: State<'_, Device>) {
    device.agent_sign_out();
}

#[tauri::command]
pub fn agent_whoami(device: State<'_, Device>) -> Result<AgentInfo, ApiError> {
    device.agent_whoami()
}

#[tauri::command]
pub async fn agent_flight(
    device: State<'_, Device>,
    flight_id: String,
    background: Option<bool>,
) -> Result<FlightView, ApiError> {
    device.agent_flight(&flight_id, background.unwrap_or(false)).await
}

#[tauri::command]
pub async fn agent_delay_preview(
    device: State<'_, Device>,
    flight_id: String,
    minutes: i64,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    device.agent_delay_preview(&flight_id, minutes).await
}

#[tauri::command]
pub async fn agent_disruption(
    device: State<'_, Device>,
    flight_id: String,
    entry: DisruptionEntry,
) -> Result<FlightView, ApiError> {
    device.agent_disruption(&flight_id, &entry).await
}

#[tauri::command]
pub async fn agent_priority(
    device: State<'_, Device>,
    flight_id: String,
) -> Result<Vec<PriorityRow>, ApiError> {
    device.agent_priority(&flight_id).await
}

#[tauri::command]
pub async fn agent_passenger(
    device: State<'_, Device>,
    passenger_id: String,
    flight_id: String,
) -> Result<PassengerView, ApiError> {
    device.agent_passenger(&passenger_id, &flight_id).await
}

#[tauri::command]
pub async fn agent_upgrades(device: State<'_, Device>, flight_id: String) -> Result<Upgrades, ApiError> {
    device.agent_upgrades(&flight_id).await
}

#[tauri::command]
pub async fn agent_issue(device: State<'_, Device>, req: AgentIssue) -> Result<VoucherPrint, ApiError> {
    device.agent_issue(req).await
}

#[tauri::command]
pub async fn agent_void(
    device: State<'_, Device>,
    voucher_id: String,
    reason: String,
) -> Result<(), ApiError> {
    device.agent_void(&voucher_id, &reason).await
}

#[tauri::command]
pub async fn agent_refund(
    device: State<'_, Device>,
    passenger_id: String,
    flight_id: String,
) -> Result<PassengerView, ApiError> {
    device.agent_refund(&passenger_id, &flight_id).await
}

#[tauri::command]
pub async fn agent_reroute(
    device: State<'_, Device>,
    passenger_id: String,
    flight_id: String,
    entry: PassengerReroute,
) -> Result<PassengerView, ApiError> {
    device.agent_reroute(&passenger_id, &flight_id, &entry).await
}

#[tauri::command]
pub async fn agent_print_notice(
    device: State<'_, Device>,
    passenger_id: String,
    flight_id: String,
) -> Result<NoticePrint, ApiError> {
    device.agent_print_notice(&passenger_id, &flight_id).await
}

#[tauri::command]
pub async fn agent_reprint(device: State<'_, Device>, voucher_id: String) -> Result<VoucherPrint, ApiError> {
    device.agent_reprint(&voucher_id).await
}

/// Bulk issuance, its progress sent as `bulk-progress` events.
#[tauri::command]
pub async fn agent_bulk(
    app: AppHandle,
    device: State<'_, Device>,
    flight_id: String,
    kind: EntitlementKind,
    passenger_ids: Option<Vec<String>>,
) -> Result<BulkResult, ApiError> {
    device
        .agent_bulk(&flight_id, kind, passenger_ids, |progress| {
            let _ = app.emit("bulk-progress", progress);
        })
        .await
}

#[tauri::command]
pub async fn agent_print_again(
    device: State<'_, Device>,
    voucher_ids: Vec<String>,
) -> Result<BulkResult, ApiError> {
    device.agent_print_again(voucher_ids).await
}

#[tauri::command]
pub async fn agent_print_job(
    device: State<'_, Device>,
    job: String,
    voucher_ids: Vec<String>,
) -> Result<PrintJobState, ApiError> {
    device.agent_print_job(job, &voucher_ids).await
}
