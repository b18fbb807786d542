//! The verifier of central's pages: `gatecare-verify-web` compiled to
//! WebAssembly, and bound for JavaScript by `wasm-bindgen` (the CLI, from
//! crates.io, at exactly the version of the `wasm-bindgen` crate in
//! Cargo.lock: the two must match). The target comes from rustup; nothing is
//! downloaded from elsewhere (no wasm-pack).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::deps::which;
use crate::{cargo, root, step, target_dir};

const TARGET: &str = "wasm32-unknown-unknown";

/// Where the bound module goes: generated, not committed.
pub fn out_dir() -> PathBuf {
    root().join("ui/src/verifier")
}

/// Builds the verifier and binds it into `ui/src/verifier/`.
pub fn build() -> anyhow::Result<()> {
    let bindgen = ensure_tools()?;
    step(
        "cargo build -p gatecare-verify-web (WebAssembly)",
        cargo().args(["build", "-q", "-p", "gatecare-verify-web", "--target", TARGET, "--release"]),
    )?;
    let wasm = target_dir().join(TARGET).join("release/gatecare_verify_web.wasm");
    step(
        "wasm-bindgen",
        Command::new(bindgen).args(["--target", "web", "--out-dir"]).arg(out_dir()).arg(&wasm),
    )
}

/// The target and the CLI, added when missing; returns the CLI's path.
fn ensure_tools() -> anyhow::Result<PathBuf> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup (the WebAssembly target is added with it)")?;
    if !String::from_utf8_lossy(&targets.stdout).lines().any(|t| t.trim() == TARGET) {
        step(&format!("rustup target add {TARGET}"), Command::new("rustup").args(["target", "add", TARGET]))?;
    }
    let version = locked_version("wasm-bindgen")?;
    let installed = which("wasm-bindgen").and_then(|path| {
        let out = Command::new(&path).arg("--version").output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (text.split_whitespace().nth(1) == Some(version.as_str())).then_some(path)
    });
    if let Some(path) = installed {
        return Ok(path);
    }
    // Not `--locked`: its lock file names a webpki-roots release the
    // registry no longer serves; the version itself is pinned.
    step(
        &format!("cargo install wasm-bindgen-cli {version}"),
        Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--force",
            "--version",
            &format!("={version}"),
        ]),
    )?;
    which("wasm-bindgen").context("wasm-bindgen was installed but is not on PATH or in ~/.cargo/bin")
}

/// The version of `crate_name` that Cargo.lock holds (exactly one).
fn locked_version(crate_name: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let wanted = format!("name = \"{crate_name}\"");
    let mut versions = lock.split("[[package]]").filter_map(|entry| {
        let mut lines = entry.lines().map(str::trim);
        lines.find(|l| *l == wanted)?;
        lines.find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"')).map(str::to_owned)
    });
    let Some(version) = versions.next() else { bail!("{crate_name} is not in Cargo.lock") };
    if versions.next().is_some() {
        bail!("Cargo.lock holds two versions of {crate_name}: the CLI must match the one the verifier links");
    }
    Ok(version)
}
