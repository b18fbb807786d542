//! Installs what the project needs on a fresh Debian/Ubuntu machine, and
//! nothing when it is already there.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::{root, step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Build and start the app.
    Run,
    /// Everything `run` needs, plus Xvfb, the WebDriver bridge and tools the tests use.
    Test,
    /// Everything `run` needs, plus the browser the voucher benchmark compares with.
    Bench,
}

/// Build and run: WebKitGTK and friends (tauri 2), OpenSSL for HTTPS to
/// central (and the WebDriver client), and a CJK font so Chinese names
/// render on screen and paper.
const RUN_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libsoup-3.0-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "fonts-noto-cjk",
    "nodejs",
    "npm",
    // Headless runs and screenshots.
    "xvfb",
    "xauth",
    "imagemagick",
    "x11-utils",
];

/// The tests also drive a real CUPS server with a virtual PDF printer and
/// read vouchers back (pdftoppm, pdftotext, zbarimg), and open central's
/// pages in Chromium.
const TEST_PACKAGES: &[&str] = &[
    "webkit2gtk-driver",
    "dbus",
    "dbus-x11",
    "cups",
    "cups-client",
    "cups-bsd",
    "printer-driver-cups-pdf",
    "poppler-utils",
    "zbar-tools",
    // Central's PostgreSQL backend: tests start throwaway clusters.
    "postgresql",
    // A test CA and central's certificate for the HTTPS tests.
    "openssl",
    // The merchant's page, in a real browser driven through WebDriver.
    "chromium",
    "chromium-driver",
    // The fake camera's video of a voucher's QR.
    "ffmpeg",
];

/// The benchmark's browser baseline.
const BENCH_PACKAGES: &[&str] = &["chromium", "postgresql"];

pub fn ensure(purpose: Purpose) -> anyhow::Result<()> {
    let mut wanted: Vec<&str> = RUN_PACKAGES.to_vec();
    match purpose {
        Purpose::Test => wanted.extend(TEST_PACKAGES),
        Purpose::Bench => wanted.extend(BENCH_PACKAGES),
        Purpose::Run => {}
    }
    apt(&wanted)?;
    npm()?;
    if purpose == Purpose::Test {
        tauri_driver()?;
    }
    Ok(())
}

fn installed(pkg: &str) -> bool {
    // A package can be present without dpkg knowing it (nodejs from another
    // source); accept its command then.
    let dpkg = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"));
    dpkg || (matches!(pkg, "nodejs" | "npm") && which(if pkg == "nodejs" { "node" } else { "npm" }).is_some())
}

fn apt(wanted: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = wanted.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    if !is_root {
        bail!("missing system packages; install them with:\n  sudo apt-get install -y {}", missing.join(" "));
    }
    step("apt-get update", Command::new("apt-get").args(["-o", "DPkg::Lock::Timeout=600", "update", "-q"]))?;
    step(
        &format!("apt-get install {}", missing.join(" ")),
        Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn npm() -> anyhow::Result<()> {
    let ui = root().join("ui");
    let lock = ui.join("package-lock.json");
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step("npm ci", Command::new("npm").args(["ci", "--no-fund", "--no-audit"]).current_dir(ui))
}

pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    std::env::split_paths(&path).chain(cargo_bin).map(|d| d.join(name)).find(|p| p.is_file())
}

/// The WebDriver server for tauri apps, built from crates.io.
pub fn tauri_driver_path() -> anyhow::Result<PathBuf> {
    which("tauri-driver").context("tauri-driver is not installed (cargo xtask deps installs it)")
}

fn tauri_driver() -> anyhow::Result<()> {
    if which("tauri-driver").is_some() {
        return Ok(());
    }
    step("cargo install tauri-driver", Command::new("cargo").args(["install", "tauri-driver", "--locked"]))
}
