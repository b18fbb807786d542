//! The desktop shell: the window, its capabilities, and IPC commands that
//! forward to the device's API (`gatecare-api`). Wiring only: no rule,
//! limit, session or format lives here.

mod agent;
mod commands;
mod kiosk;
mod recovery;
mod sync;

use anyhow::Context;
use gatecare_station::{Display, Mode, Settings};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

/// The window's label, which decides its capability: a kiosk's window is
/// granted the kiosk's commands only (`capabilities/kiosk.json`), a console's
/// the agents' (`capabilities/console.json`). Rust refuses the other mode's
/// commands too; the capability keeps them from reaching Rust at all.
pub fn window_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Kiosk => "kiosk",
        Mode::Agent => "console",
    }
}

/// Keeps the sync worker alive for the app's lifetime (dropping it stops it).
struct SyncWorker {
    _stop: tokio::sync::watch::Sender<bool>,
}

pub fn run() -> anyhow::Result<()> {
    // The store, its -wal and -shm, spooled vouchers: the owner's only.
    gatecare_store::private::keep_new_files_private();
    let settings = Settings::load().context("reading settings")?;
    // Central's station, device code and role win; a configured one that
    // differs stops the app here, with its message, before any window.
    let device = tauri::async_runtime::block_on(gatecare_api::Device::start(settings))
        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    if let Some(e) = device.refusal() {
        anyhow::bail!("{} ({})", e.message, e.code);
    }
    let settings = device.settings();
    eprintln!(
        "gatecare-app: mode {:?}, display {:?}, station {}, database {}",
        settings.mode,
        settings.display,
        settings.station,
        settings.database.display()
    );

    let mut builder = tauri::Builder::default();
    if settings.display == Display::Fullscreen {
        // A kiosk runs one instance: a second launch focuses the first.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.webview_windows().values().next() {
                let _ = w.set_focus();
            }
        }));
    }

    builder
        .setup(move |app| {
            // A store that cannot open is shown on screen with its code, not
            // a silent exit: staff must see what is wrong.
            if let Err(e) = device.station() {
                eprintln!("gatecare-app: {e}");
            }
            let settings = device.settings();
            let fullscreen = settings.display == Display::Fullscreen;
            // Sync runs beside the UI and never blocks issuance.
            if let Ok(s) = device.station() {
                let keep = device.policy().retention.keep();
                app.manage(SyncWorker { _stop: sync::start(s.store().clone(), settings, keep) });
            }
            // The mode is the device's, fixed at start (a kiosk-enrolled
            // store starts as a kiosk only): so is the window's capability.
            let label = window_label(settings.mode);
            app.manage(device);
            WebviewWindowBuilder::new(app, label, WebviewUrl::App("index.html".into()))
                .title("Gatecare")
                .inner_size(1280.0, 800.0)
                .min_inner_size(800.0, 600.0)
                .fullscreen(fullscreen)
                .decorations(!fullscreen)
                .build()?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::flight_board,
            kiosk::kiosk_scan,
            kiosk::kiosk_lookup,
            kiosk::kiosk_view,
            kiosk::kiosk_print,
            kiosk::kiosk_hotels,
            kiosk::kiosk_feedback,
            kiosk::kiosk_complaint,
            recovery::agent_cases,
            recovery::agent_case_open,
            recovery::agent_case_update,
            recovery::agent_case_resolve,
            recovery::agent_network_cases,
            kiosk::kiosk_enrol,
            kiosk::kiosk_end,
            kiosk::kiosk_switch,
            commands::sync_status,
            agent::agent_sign_in,
            agent::agent_sign_out,
            agent::agent_whoami,
            agent::agent_flight,
            agent::agent_disruption,
            agent::agent_delay_preview,
            agent::agent_priority,
            agent::agent_passenger,
            agent::agent_upgrades,
            agent::agent_issue,
            agent::agent_void,
            agent::agent_refund,
            agent::agent_reroute,
            agent::agent_print_notice,
            kiosk::kiosk_print_notice,
            agent::agent_reprint,
            agent::agent_print_again,
            agent::agent_print_job,
            agent::agent_bulk,
            commands::sync_conflicts,
        ])
        .run(tauri::generate_context!())
        .context("running the app")
}
