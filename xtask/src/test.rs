//! `cargo xtask test` and `cargo xtask bench`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::deps::{self, Purpose};
use crate::{Flags, build_ui, cargo, root, step, target_dir};

pub fn test(flags: &Flags) -> anyhow::Result<()> {
    let started = Instant::now();
    deps::ensure(Purpose::Test)?;
    let ui = root().join("ui");

    step("cargo fmt --check", cargo().args(["fmt", "--all", "--", "--check"]))?;
    build_ui()?;
    step("svelte-check", Command::new("npm").args(["run", "check"]).current_dir(&ui))?;
    step("vitest", Command::new("npm").args(["test"]).current_dir(&ui))?;
    step(
        "cargo clippy -D warnings",
        cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
    )?;
    step("cargo build", cargo().args(["build", "--workspace", "--all-targets"]))?;

    let bin = target_dir().join("debug");
    let artifacts = root().join("artifacts");
    std::fs::create_dir_all(&artifacts)?;
    let driver = deps::tauri_driver_path()?;

    eprintln!("\n==> cargo test (end-to-end tests enabled, under Xvfb)");
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--"])
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace", "--all-targets"])
        .current_dir(root())
        .env("GATECARE_E2E", "1")
        .env("GATECARE_TEST_SIZE", if flags.full { "full" } else { "ci" })
        .env("GATECARE_APP_BIN", bin.join("gatecare-app"))
        .env("GATECARE_CLI_BIN", bin.join("gatecare"))
        .env("GATECARE_TAURI_DRIVER", driver)
        .env("GATECARE_ARTIFACTS", &artifacts)
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("NO_AT_BRIDGE", "1")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting cargo test under xvfb-run")?;

    let (mut passed, mut failed, mut e2e) = (0u64, 0u64, 0u64);
    let stdout = child.stdout.take().context("no stdout")?;
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        writeln!(out, "{line}")?;
        if (line.starts_with("test e2e::") || line.starts_with("test browser::")) && line.ends_with("... ok")
        {
            e2e += 1;
        }
        if let Some(rest) = line.strip_prefix("test result: ") {
            passed += count_before(rest, " passed");
            failed += count_before(rest, " failed");
        }
    }
    drop(out);
    let status = child.wait()?;
    println!("\nend-to-end tests run: {e2e}");
    println!("rust: {passed} passed, {failed} failed");
    println!("cargo xtask test took {:.0} s", started.elapsed().as_secs_f64());
    if !status.success() {
        bail!(
            "cargo test failed ({status}); screenshots and logs of failed end-to-end tests are in {}",
            artifacts.display()
        );
    }
    if e2e == 0 {
        bail!("no end-to-end test ran: the real-window tests must run in `cargo xtask test`");
    }
    Ok(())
}

/// "ok. 12 passed; 0 failed; ..." → 12 for " passed".
fn count_before(text: &str, label: &str) -> u64 {
    text.split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(label.trim_start())
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

pub fn bench(flags: &Flags) -> anyhow::Result<()> {
    deps::ensure(Purpose::Bench)?;
    // The merchant page's verifier, timed in the browser.
    crate::wasm::build()?;
    // Central's PostgreSQL figures need a server: a throwaway cluster.
    let pg = gatecare_testkit::pg::Cluster::start()?;
    pg.psql("postgres", &["-c", "CREATE DATABASE bench"])?;
    step(
        "cargo run --release -p gatecare-bench",
        cargo()
            .args(["run", "--release", "--quiet", "-p", "gatecare-bench", "--"])
            .args(&flags.sections)
            .env("GATECARE_BENCH_PG", pg.url("bench")),
    )
}

#[cfg(test)]
mod tests {
    use super::count_before;

    #[test]
    fn reads_cargo_test_summaries() {
        let s = "ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(count_before(s, " passed"), 12);
        assert_eq!(count_before(s, " failed"), 0);
        let s = "FAILED. 3 passed; 2 failed; 0 ignored";
        assert_eq!(count_before(s, " passed"), 3);
        assert_eq!(count_before(s, " failed"), 2);
    }
}
