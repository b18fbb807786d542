//! Sync with central: the background worker and what the UI shows of it.

use gatecare_client::sync::{SyncStatus, run_worker};
use gatecare_client::{Mode, Settings, Store};
use tauri::State;

use crate::commands::UiError;
use crate::state::AppState;

/// Starts the worker; it stops when the sender is dropped with the app.
pub fn start(store: Store, settings: &Settings) -> tokio::sync::watch::Sender<bool> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let clock = settings.clock;
    let interval = std::time::Duration::from_secs(u64::from(settings.sync_seconds));
    let device = settings.device.clone();
    tauri::async_runtime::spawn(run_worker(store, device, move || clock.now(), interval, stop_rx));
    stop_tx
}

/// Online or not, the backlog, the last sync: shown in both modes (no
/// passenger data in it).
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, UiError> {
    Ok(state.store()?.sync_status().await?)
}

/// Double issuances central reported at this station: agents only.
#[tauri::command]
pub async fn sync_conflicts(state: State<'_, AppState>) -> Result<Vec<serde_json::Value>, UiError> {
    crate::kiosk::require_mode(&state, Mode::Agent)?;
    Ok(state.store()?.sync_conflicts().await?)
}
