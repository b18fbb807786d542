//! `cargo xtask run`: from a fresh machine to the running app.

use std::process::Command;

use anyhow::Context;

use crate::deps::{self, Purpose};
use crate::{Flags, build_ui, cargo, root, step, target_dir};

pub fn run(flags: &Flags) -> anyhow::Result<()> {
    deps::ensure(Purpose::Run)?;
    build_ui()?;
    // The same selection as `cargo xtask test`, so the two share one build.
    step("cargo build", cargo().args(["build", "--workspace", "--all-targets"]))?;

    let bin = target_dir().join("debug");
    let mut seed = Command::new(bin.join("gatecare"));
    seed.args(["demo", "seed"]);
    if flags.reset {
        seed.arg("--reset");
    }
    step("seed demo data (kept unless --reset)", &mut seed)?;

    let mode = flags.mode.as_deref().unwrap_or("agent");
    let display = if flags.fullscreen { "fullscreen" } else { "windowed" };
    let app = bin.join("gatecare-app");
    if flags.headless {
        let artifacts = root().join("artifacts");
        std::fs::create_dir_all(&artifacts)?;
        let shot = artifacts.join(format!("screenshot-{mode}.png"));
        // Start the app in a private X server, give it time to draw, take
        // the screenshot, then stop it.
        let script = format!(
            "\"{app}\" & pid=$!; for i in $(seq 1 40); do sleep 0.5; \
             xwininfo -root -tree 2>/dev/null | grep -q Gatecare && break; done; sleep 4; \
             import -window root \"{shot}\"; kill $pid; wait $pid 2>/dev/null; exit 0",
            app = app.display(),
            shot = shot.display()
        );
        step(
            "start the app headless under Xvfb",
            Command::new("xvfb-run")
                .args(["-a", "-s", "-screen 0 1280x800x24", "sh", "-c", &script])
                .env("GATECARE_MODE", mode)
                .env("GATECARE_DISPLAY", display)
                .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
                .env("NO_AT_BRIDGE", "1"),
        )?;
        anyhow::ensure!(shot.exists(), "no screenshot was written to {}", shot.display());
        println!("screenshot: {}", shot.display());
        return Ok(());
    }
    eprintln!("\n==> starting Gatecare ({mode} mode)");
    let status = Command::new(&app)
        .env("GATECARE_MODE", mode)
        .env("GATECARE_DISPLAY", display)
        .status()
        .with_context(|| format!("starting {}", app.display()))?;
    anyhow::ensure!(status.success(), "the app exited with {status}");
    Ok(())
}
