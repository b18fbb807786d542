//! The sync worker beside the window.

use gatecare_link::run_worker;
use gatecare_station::{Settings, Store};

/// Starts the worker; it stops when the sender is dropped with the app.
pub fn start(
    store: Store,
    settings: &Settings,
    keep_personal_data: chrono::Duration,
) -> tokio::sync::watch::Sender<bool> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let clock = settings.clock;
    let interval = std::time::Duration::from_secs(u64::from(settings.sync_seconds));
    let device = settings.device.clone();
    tauri::async_runtime::spawn(run_worker(
        store,
        device,
        move || clock.now(),
        interval,
        keep_personal_data,
        stop_rx,
    ));
    stop_tx
}
