//! Service-recovery commands: forwards to the device's API.

use gatecare_api::cases::{AgentCaseOpen, AgentCaseResolve, AgentCaseUpdate, AgentCases};
use gatecare_api::{ApiError, Device};
use gatecare_station::cases::CaseView;
use tauri::State;

#[tauri::command]
pub async fn agent_cases(device: State<'_, Device>) -> Result<AgentCases, ApiError> {
    device.agent_cases().await
}

#[tauri::command]
pub async fn agent_case_open(device: State<'_, Device>, req: AgentCaseOpen) -> Result<CaseView, ApiError> {
    device.agent_case_open(req).await
}

#[tauri::command]
pub async fn agent_case_update(
    device: State<'_, Device>,
    req: AgentCaseUpdate,
) -> Result<CaseView, ApiError> {
    device.agent_case_update(req).await
}

#[tauri::command]
pub async fn agent_case_resolve(
    device: State<'_, Device>,
    req: AgentCaseResolve,
) -> Result<CaseView, ApiError> {
    device.agent_case_resolve(req).await
}

/// Every station's cases as central counts them: needs central.
#[tauri::command]
pub async fn agent_network_cases(
    device: State<'_, Device>,
) -> Result<gatecare_recovery::summary::RecoverySummary, ApiError> {
    device.agent_network_cases().await
}
