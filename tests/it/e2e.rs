//! End-to-end tests in the real app window: tauri-driver starts the built
//! `gatecare-app` through WebKitWebDriver, and fantoccini drives it.
//!
//! Gated by `GATECARE_E2E=1` (set by `cargo xtask test`, which also runs
//! everything under Xvfb). When the gate is open a missing prerequisite
//! fails. On failure a screenshot and the app log are saved to the
//! artifacts folder (`artifacts/` from xtask).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::{TEST_NOW, artifacts_dir, binary, seeded_store};

fn enabled() -> bool {
    std::env::var("GATECARE_E2E").is_ok_and(|v| v == "1")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

struct Session {
    name: &'static str,
    client: Client,
    driver: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

struct Launch {
    mode: &'static str,
    language: &'static str,
}

impl Session {
    async fn start(name: &'static str, launch: Launch) -> anyhow::Result<Session> {
        let app = binary("GATECARE_APP_BIN", "gatecare-app");
        let driver_bin = std::env::var_os("GATECARE_TAURI_DRIVER").map(PathBuf::from).context(
            "GATECARE_TAURI_DRIVER is not set: run the end-to-end tests through `cargo xtask test`",
        )?;
        ensure!(driver_bin.is_file(), "tauri-driver not found at {}", driver_bin.display());

        let dir = tempfile::tempdir()?;
        let db = dir.path().join("station.sqlite");
        seeded_store(&db, 20).await;

        let log = artifacts_dir().join(format!("e2e-{name}.log"));
        let log_file = std::fs::File::create(&log)?;
        let port = free_port();
        let native_port = free_port();
        let driver = Command::new(&driver_bin)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("GATECARE_DB", &db)
            .env("GATECARE_NOW", TEST_NOW)
            .env("GATECARE_MODE", launch.mode)
            .env("GATECARE_LANG", launch.language)
            .env("GATECARE_DISPLAY", "windowed")
            .env("GATECARE_CONFIG", dir.path().join("none.toml"))
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::from(log_file.try_clone()?))
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("starting {}", driver_bin.display()))?;

        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            ensure!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("opening a WebDriver session")?;
        Ok(Session { name, client, driver, log, _dir: dir })
    }

    async fn text(&self, css: &str) -> anyhow::Result<String> {
        let el = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))?;
        Ok(el.text().await?)
    }

    /// Waits until the element's text contains `expected`.
    async fn wait_text(&self, css: &str, expected: &str) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text(css).await?;
            if text.contains(expected) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                bail!("{css} shows {text:?}, expected it to contain {expected:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn click(&self, css: &str) -> anyhow::Result<()> {
        let el = self.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
        el.click().await?;
        Ok(())
    }

    /// Ends the session; on failure keeps a screenshot and the log first.
    async fn finish(mut self, outcome: anyhow::Result<()>) {
        if outcome.is_err()
            && let Ok(png) = self.client.screenshot().await
        {
            let _ = std::fs::write(artifacts_dir().join(format!("e2e-{}.png", self.name)), png);
        }
        let _ = self.client.close().await;
        // SIGTERM, not SIGKILL: tauri-driver must stop WebKitWebDriver too.
        let _ = Command::new("kill").args(["-TERM", &self.driver.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if let Err(e) = outcome {
            panic!(
                "{}: {e:#}\nscreenshot: {}\napp log: {}",
                self.name,
                artifacts_dir().join(format!("e2e-{}.png", self.name)).display(),
                self.log.display()
            );
        }
    }
}

#[tokio::test]
async fn app_starts_and_shows_the_demo_flights() {
    if !enabled() {
        return;
    }
    let s = Session::start("board", Launch { mode: "agent", language: "en" }).await.expect("start app");
    let outcome = async {
        s.wait_text("[data-testid=board-title]", "Departures from Hong Kong").await?;
        let rows = s.client.find_all(Locator::Css("[data-testid=flight-row]")).await?;
        ensure!(rows.len() == 21, "expected 21 departures, saw {}", rows.len());
        let cz = s
            .client
            .find(Locator::Css("[data-testid=flight-row][data-flight=CZ342]"))
            .await
            .context("CZ342 row")?;
        ensure!(cz.attr("data-status").await?.as_deref() == Some("delayed"));
        let text = cz.text().await?;
        for expected in ["Kunming", "13:30", "03:30", "Delayed 14 h", "Technical fault", "180"] {
            ensure!(text.contains(expected), "CZ342 row {text:?} lacks {expected:?}");
        }
        s.wait_text("[data-testid=local-time]", "14:00").await?;
        Ok(())
    }
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn language_switch_changes_every_label() {
    if !enabled() {
        return;
    }
    let s = Session::start("language", Launch { mode: "agent", language: "en" }).await.expect("start app");
    let outcome = async {
        s.wait_text("[data-testid=board-title]", "Departures").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=board-title]", "出发航班").await?;
        let status =
            s.text("[data-testid=flight-row][data-flight=CZ342] [data-testid=flight-status]").await?;
        ensure!(status.contains("延误 14小时"), "status {status:?}");
        ensure!(status.contains("飞机技术故障"), "status {status:?}");
        s.wait_text("[data-testid=mode]", "登机口柜台").await?;
        let lang = s.client.find(Locator::Css("html")).await?.attr("lang").await?;
        ensure!(lang.as_deref() == Some("zh-CN"), "html lang {lang:?}");
        s.click("[data-testid=lang-en]").await?;
        s.wait_text("[data-testid=board-title]", "Departures from").await?;
        Ok(())
    }
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_mode_greets_passengers_in_chinese_first() {
    if !enabled() {
        return;
    }
    let s = Session::start("kiosk", Launch { mode: "kiosk", language: "zh-CN" }).await.expect("start app");
    let outcome = async {
        s.wait_text("[data-testid=kiosk-welcome]", "欢迎").await?;
        ensure!(s.text("main").await?.contains("请扫描您的登机牌"));
        // The kiosk shows no flights board and no staff controls.
        let rows = s.client.find_all(Locator::Css("[data-testid=flight-row]")).await?;
        ensure!(rows.is_empty(), "kiosk shows {} flight rows", rows.len());
        s.click("[data-testid=lang-en]").await?;
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        ensure!(s.text("main").await?.contains("Scan your boarding pass"));
        Ok(())
    }
    .await;
    s.finish(outcome).await;
}
