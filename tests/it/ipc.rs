//! The app's IPC commands are listed in four places: the build script (which
//! makes their permissions), `generate_handler!`, the capability that grants
//! them, and the UI's calls. A command missing from one is dead or refused at
//! run time; one granted but never called is attack surface. They must agree.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The text between `start` and the first `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found")) + start.len();
    let len = text[from..].find(end).unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    &text[from..from + len]
}

fn build_script_commands() -> BTreeSet<String> {
    let text = read("src-tauri/build.rs");
    let list = between(&text, "const COMMANDS: &[&str] = &[", "];");
    list.split(',').map(|s| s.trim().trim_matches('"').to_owned()).filter(|s| !s.is_empty()).collect()
}

fn handler_commands() -> BTreeSet<String> {
    let text = read("src-tauri/src/lib.rs");
    let list = between(&text, "generate_handler![", "]");
    list.split(',')
        .map(|s| s.trim().rsplit("::").next().unwrap_or_default().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Each capability file: its windows and the commands it grants.
fn capabilities() -> Vec<(String, Vec<String>, BTreeSet<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("capabilities") {
        let path = entry.expect("capability file").path();
        let cap: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("capability JSON");
        let windows = cap["windows"].as_array().expect("windows");
        let windows = windows.iter().map(|w| w.as_str().expect("window label").to_owned()).collect();
        let mut granted = BTreeSet::new();
        for p in cap["permissions"].as_array().expect("permissions").iter().filter_map(|p| p.as_str()) {
            if let Some(command) = p.strip_prefix("allow-") {
                granted.insert(command.replace('-', "_"));
            }
        }
        found.push((cap["identifier"].as_str().expect("identifier").to_owned(), windows, granted));
    }
    found.sort();
    found
}

fn granted_commands() -> BTreeSet<String> {
    capabilities().into_iter().flat_map(|(_, _, granted)| granted).collect()
}

/// Command names the UI invokes: `invoke<T>('name'` / `tauriInvoke<T>('name'`.
fn ui_calls() -> BTreeSet<String> {
    let mut calls = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("ui/src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.to_string_lossy();
            if name.contains(".test.") || !(name.ends_with(".ts") || name.ends_with(".svelte")) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for (at, _) in text.match_indices("nvoke") {
                let mut rest = &text[at + "nvoke".len()..];
                if rest.starts_with('<') {
                    // Skip the type argument, which may nest (`Promise<T[]>`).
                    let mut depth = 0;
                    let end = rest
                        .char_indices()
                        .find(|&(_, c)| {
                            depth += match c {
                                '<' => 1,
                                '>' => -1,
                                _ => 0,
                            };
                            depth == 0
                        })
                        .map_or(0, |(i, _)| i + 1);
                    rest = &rest[end..];
                }
                if let Some(quoted) = rest.strip_prefix("('") {
                    let command: String =
                        quoted.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                    if quoted[command.len()..].starts_with('\'') && !command.is_empty() {
                        calls.insert(command);
                    }
                }
            }
        }
    }
    calls
}

#[test]
fn build_script_handler_capability_and_ui_list_the_same_commands() {
    let listed = build_script_commands();
    assert!(listed.len() >= 30, "the build script's list was not read: {listed:?}");
    assert!(listed.contains("kiosk_scan") && listed.contains("agent_issue"), "{listed:?}");
    let differ = |name: &str, other: &BTreeSet<String>| {
        let missing: Vec<_> = listed.difference(other).collect();
        let extra: Vec<_> = other.difference(&listed).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: missing {missing:?}, not in build.rs {extra:?}"
        );
    };
    differ("generate_handler!", &handler_commands());
    differ("capabilities", &granted_commands());
    differ("the UI's calls", &ui_calls());
}

/// A kiosk's window is granted no agent command and a console's no kiosk
/// command: a script in the passenger's window cannot reach an agent's
/// command even if Rust's own mode check were wrong.
#[test]
fn each_modes_window_is_granted_its_own_commands_only() {
    use gatecare_station::Mode;
    let caps = capabilities();
    let names: Vec<_> = caps.iter().map(|(id, windows, _)| (id.as_str(), windows.clone())).collect();
    assert_eq!(
        names,
        [("console", vec!["console".to_owned()]), ("kiosk", vec!["kiosk".to_owned()])],
        "one capability per mode, each for its own window"
    );
    assert_eq!(gatecare_app::window_label(Mode::Kiosk), "kiosk");
    assert_eq!(gatecare_app::window_label(Mode::Agent), "console");
    let granted = |id: &str| caps.iter().find(|(c, _, _)| c == id).map(|(_, _, g)| g.clone()).expect(id);
    let kiosk = granted("kiosk");
    let console = granted("console");
    // Each window is granted its mode's commands and the two every screen
    // reads, nothing else: an agent's command the kiosk never calls (the
    // flight board, named otherwise) is not granted "just in case".
    let shared = ["app_info", "sync_status"];
    let not_kiosks: Vec<_> =
        kiosk.iter().filter(|c| !c.starts_with("kiosk_") && !shared.contains(&c.as_str())).collect();
    assert!(not_kiosks.is_empty(), "the kiosk's window is granted {not_kiosks:?}");
    let agents = ["flight_board", "sync_conflicts"];
    let not_agents: Vec<_> = console
        .iter()
        .filter(|c| {
            !c.starts_with("agent_") && !shared.contains(&c.as_str()) && !agents.contains(&c.as_str())
        })
        .collect();
    assert!(not_agents.is_empty(), "the console's window is granted {not_agents:?}");
    assert!(kiosk.contains("kiosk_scan") && kiosk.contains("kiosk_print"), "{kiosk:?}");
    assert!(console.contains("agent_issue") && console.contains("sync_conflicts"), "{console:?}");
}

/// The UI's types of what crosses IPC are generated from the Rust types; a
/// change on one side without the other fails here.
#[test]
fn the_uis_ipc_types_are_the_generated_ones() {
    let committed = read("ui/src/lib/ipc.ts");
    let generated = gatecare_api::ipc_types::typescript();
    assert!(committed == generated, "ui/src/lib/ipc.ts is stale: run `cargo xtask ipc-types`");
}
