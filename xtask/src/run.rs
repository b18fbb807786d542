//! `cargo xtask run`: from a fresh machine to the running app.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use crate::deps::{self, Purpose};
use crate::{Flags, build_ui, cargo, root, step, target_dir};

pub fn run(flags: &Flags) -> anyhow::Result<()> {
    deps::ensure(Purpose::Run)?;
    build_ui()?;
    // The same selection as `cargo xtask test`, so the two share one build.
    step("cargo build", cargo().args(["build", "--workspace", "--all-targets"]))?;

    let bin = target_dir().join("debug");
    let mode = flags.mode.as_deref().unwrap_or("agent");
    let device = DemoDevice::for_mode(mode);
    let mut seed = Command::new(bin.join("gatecare"));
    seed.args(["demo", "seed"]).envs(device.env());
    if flags.reset {
        seed.arg("--reset");
    }
    step("seed demo data (kept unless --reset)", &mut seed)?;
    let _central = Central::start(flags.reset, &device)?;

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
                .envs(device.env())
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
        .envs(device.env())
        .env("GATECARE_MODE", mode)
        .env("GATECARE_DISPLAY", display)
        .status()
        .with_context(|| format!("starting {}", app.display()))?;
    anyhow::ensure!(status.success(), "the app exited with {status}");
    Ok(())
}

/// The demo device a mode runs on. A device starts in its enrolled role's
/// mode only, so the kiosk is a store of its own, enrolled as a kiosk.
struct DemoDevice {
    role: &'static str,
    /// The kiosk's store and name; the console uses the defaults.
    kiosk_store: Option<PathBuf>,
}

impl DemoDevice {
    fn for_mode(mode: &str) -> DemoDevice {
        match mode {
            "kiosk" => DemoDevice {
                role: "kiosk",
                kiosk_store: Some(data_dir().parent().map(|d| d.join("kiosk.sqlite")).unwrap_or_default()),
            },
            _ => DemoDevice { role: "console", kiosk_store: None },
        }
    }

    /// What the `gatecare` command and the app are started with.
    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        match &self.kiosk_store {
            Some(store) => vec![("GATECARE_DB", store.clone().into()), ("GATECARE_DEVICE", "HKG-K02".into())],
            None => Vec::new(),
        }
    }
}

/// Where the demo central listens (loopback only).
const CENTRAL_ADDR: &str = "127.0.0.1:8600";

/// The demo central: embedded SQLite beside the demo store, on loopback,
/// with the demo device enrolled. Stopped when dropped.
struct Central {
    child: Option<Child>,
}

fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("gatecare/central")
}

impl Central {
    fn start(reset: bool, device: &DemoDevice) -> anyhow::Result<Central> {
        let bin = target_dir().join("debug");
        let dir = data_dir();
        if reset {
            // A reset station is a new kiosk key: start central afresh too.
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir)?;
        let database = format!("sqlite:{}", dir.join("central.sqlite").display());
        let mut central = Central { child: None };
        if std::net::TcpStream::connect(CENTRAL_ADDR).is_ok() {
            eprintln!("\n==> central is already listening on {CENTRAL_ADDR}; using it");
        } else {
            eprintln!("\n==> starting gatecare-central on {CENTRAL_ADDR} ({database})");
            let root_key = dir.join("root.key");
            if !root_key.exists() {
                step(
                    "create the demo airline's root key",
                    Command::new(bin.join("gatecare-central"))
                        .args(["--database", &database, "admin", "root-key", "init", "--root-key"])
                        .arg(&root_key),
                )?;
            }
            let mut child = Command::new(bin.join("gatecare-central"))
                .args(["--database", &database, "serve", "--listen", CENTRAL_ADDR, "--root-key"])
                .arg(dir.join("root.key"))
                .env("GATECARE_CENTRAL_WEB_DIR", root().join("ui/dist-web"))
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(dir.join("central.log"))?)
                .spawn()
                .context("starting gatecare-central")?;
            let stdout = child.stdout.take().context("central's stdout")?;
            central.child = Some(child);
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line)?;
            if !line.starts_with("listening on") {
                bail!("gatecare-central did not start (see {})", dir.join("central.log").display());
            }
            eprintln!(
                "==> the merchant page: http://localhost:{}/merchant/ (a code: gatecare-central --database {database} \
                 admin enrolment-code --station HKG --role merchant --root-key {})",
                CENTRAL_ADDR.rsplit(':').next().unwrap_or_default(),
                dir.join("root.key").display()
            );
        }
        // Every run: a demo central from before agents were central's gets them too.
        publish_demo_agents(&bin, &database)?;
        let status =
            Command::new(bin.join("gatecare")).args(["sync", "status"]).envs(device.env()).output()?;
        let enrolled = serde_json::from_slice::<serde_json::Value>(&status.stdout)
            .ok()
            .and_then(|v| v["status"]["enrolled"].as_bool())
            .unwrap_or(false);
        if !enrolled {
            let code = Command::new(bin.join("gatecare-central"))
                .args([
                    "--database",
                    &database,
                    "admin",
                    "enrolment-code",
                    "--station",
                    "HKG",
                    "--role",
                    device.role,
                    "--root-key",
                ])
                .arg(dir.join("root.key"))
                .output()?;
            if !code.status.success() {
                bail!("enrolment code: {}", String::from_utf8_lossy(&code.stderr));
            }
            // The code, then the root key's fingerprint.
            let printed = String::from_utf8_lossy(&code.stdout).into_owned();
            let mut lines = printed.lines().map(str::trim);
            let (Some(code), Some(fingerprint)) = (lines.next(), lines.next()) else {
                bail!("enrolment code: expected the code and the root fingerprint, got {printed:?}");
            };
            step(
                &format!("enrol the demo device with central (as a {})", device.role),
                Command::new(bin.join("gatecare"))
                    .args([
                        "sync",
                        "enrol",
                        "--central",
                        &format!("http://{CENTRAL_ADDR}"),
                        "--code",
                        code,
                        "--root-fingerprint",
                        fingerprint,
                    ])
                    .envs(device.env()),
            )?;
        }
        Ok(central)
    }
}

impl Drop for Central {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            // SIGTERM, not SIGKILL: let it close the database cleanly.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

/// The demo's agents at central, as an administrator adds agents, so the
/// console's events name agents central knows.
fn publish_demo_agents(bin: &std::path::Path, database: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let listed = Command::new(bin.join("gatecare")).args(["demo", "agents"]).output()?;
    anyhow::ensure!(listed.status.success(), "demo agents: {}", String::from_utf8_lossy(&listed.stderr));
    for line in String::from_utf8_lossy(&listed.stdout).lines() {
        let a: serde_json::Value = serde_json::from_str(line).context("demo agents")?;
        let field =
            |k: &str| a[k].as_str().map(str::to_owned).with_context(|| format!("demo agent without {k}"));
        let mut child = Command::new(bin.join("gatecare-central"))
            .args([
                "--database",
                database,
                "admin",
                "agent",
                "--code",
                &field("code")?,
                "--name",
                &field("name")?,
            ])
            .args(["--role", &field("role")?, "--station", &field("station")?])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .context("starting gatecare-central admin agent")?;
        child.stdin.take().context("stdin")?.write_all(format!("{}\n", field("pin")?).as_bytes())?;
        let status = child.wait()?;
        anyhow::ensure!(status.success(), "gatecare-central admin agent {} failed", field("code")?);
    }
    eprintln!("==> the demo agents are central's (PINs in the README)");
    Ok(())
}
