//! `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `run [--headless] [--mode agent|kiosk] [--reset] [--fullscreen]`: install what is
//!   missing, build, seed demo data, start the app.
//! - `test [--full]`: fmt, clippy, every Rust test, svelte-check, Vitest and the
//!   end-to-end tests in the real window under Xvfb.
//! - `bench`: the benchmark table.
//! - `deps`: only install what is missing.
//! - `sqlx-prepare`: refresh `.sqlx/` (offline query data) of both central
//!   backends against throwaway SQLite and PostgreSQL databases.

mod deps;
mod run;
mod sqlx_prepare;
mod test;
mod wasm;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args.split_first().map(|(c, r)| (c.as_str(), r)).unwrap_or(("help", &[]));
    let flags = Flags::parse(rest)?;
    match cmd {
        "run" => run::run(&flags),
        "test" => test::test(&flags),
        "bench" => test::bench(&flags),
        "deps" => deps::ensure(deps::Purpose::Test),
        "sqlx-prepare" => sqlx_prepare::prepare(),
        "ipc-types" => ipc_types(),
        "wasm" => wasm::build(),
        _ => {
            eprintln!(
                "usage: cargo xtask run [--headless] [--mode agent|kiosk] [--reset] [--fullscreen]\n\
                 \x20      cargo xtask test [--full]\n\
                 \x20      cargo xtask bench [SECTION…]\n\
                 \x20      cargo xtask deps\n\
                 \x20      cargo xtask sqlx-prepare\n\
                 \x20      cargo xtask ipc-types\n\
                 \x20      cargo xtask wasm"
            );
            if cmd == "help" { Ok(()) } else { bail!("unknown command {cmd}") }
        }
    }
}

#[derive(Debug, Default)]
pub struct Flags {
    pub headless: bool,
    pub reset: bool,
    pub full: bool,
    pub fullscreen: bool,
    pub mode: Option<String>,
    /// `cargo xtask bench central vouchers`: only these sections.
    pub sections: Vec<String>,
}

impl Flags {
    fn parse(args: &[String]) -> anyhow::Result<Flags> {
        let mut f = Flags::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--headless" => f.headless = true,
                "--reset" => f.reset = true,
                "--full" => f.full = true,
                "--fullscreen" => f.fullscreen = true,
                "--mode" => {
                    let m = it.next().context("--mode needs agent or kiosk")?;
                    if m != "agent" && m != "kiosk" {
                        bail!("--mode must be agent or kiosk, not {m}");
                    }
                    f.mode = Some(m.clone());
                }
                other if !other.starts_with('-') => f.sections.push(other.to_owned()),
                other => bail!("unknown flag {other}"),
            }
        }
        Ok(f)
    }
}

/// The repository root (xtask lives one level below it).
/// Read at run time: `cargo xtask` sets CARGO_MANIFEST_DIR for the process.
/// The compile-time value would point at whichever checkout last built
/// xtask into a shared CARGO_TARGET_DIR (CI reuses one across clones).
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Cargo's target directory, honouring CARGO_TARGET_DIR.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Runs a command, echoing it, and fails with its exit status.
pub fn step(what: &str, cmd: &mut Command) -> anyhow::Result<()> {
    eprintln!("\n==> {what}");
    let status = cmd.status().with_context(|| format!("starting {what} ({cmd:?})"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// The UI, with the merchant page's WebAssembly verifier built first.
pub fn build_ui() -> anyhow::Result<()> {
    wasm::build()?;
    step("UI build (vite)", Command::new("npm").args(["run", "build"]).current_dir(root().join("ui")))
}

/// Writes `ui/src/lib/ipc.ts` from the Rust types that cross IPC.
fn ipc_types() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("the repository")?;
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "-q", "-p", "gatecare-api", "--bin", "gatecare-ipc-types"])
        .current_dir(root)
        .output()
        .context("running gatecare-ipc-types")?;
    if !out.status.success() {
        bail!("gatecare-ipc-types failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let path = root.join("ui/src/lib/ipc.ts");
    std::fs::write(&path, &out.stdout).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
