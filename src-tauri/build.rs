/// Commands the UI may call. Each gets `allow-*`/`deny-*` permissions, and a
/// capability must grant it: a command not listed here cannot be invoked.
const COMMANDS: &[&str] = &[
    "app_info",
    "flight_board",
    "kiosk_scan",
    "kiosk_lookup",
    "kiosk_view",
    "kiosk_print",
    "kiosk_hotels",
    "kiosk_feedback",
    "kiosk_enrol",
    "kiosk_end",
    "kiosk_switch",
    "sync_status",
    "sync_conflicts",
    "agent_sign_in",
    "agent_sign_out",
    "agent_whoami",
    "agent_flight",
    "agent_disruption",
    "agent_delay_preview",
    "agent_priority",
    "agent_passenger",
    "agent_upgrades",
    "agent_issue",
    "agent_void",
    "agent_refund",
    "agent_reroute",
    "agent_print_notice",
    "kiosk_print_notice",
    "agent_reprint",
    "agent_bulk",
    "agent_print_again",
    "agent_print_job",
    "kiosk_complaint",
    "agent_cases",
    "agent_case_open",
    "agent_case_update",
    "agent_case_resolve",
    "agent_network_cases",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    // The built UI is embedded in the binary: a UI-only change must rebuild it.
    println!("cargo:rerun-if-changed=ui/dist");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports by failing the build; there is no caller to return to.
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
