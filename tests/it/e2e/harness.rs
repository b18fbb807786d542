//! What every end-to-end test shares: a session with the real app window
//! (tauri-driver + WebKitWebDriver, driven by fantoccini), a real central on
//! loopback, the night's moment and the printer queues.

pub(crate) use std::net::TcpListener;
pub(crate) use std::path::PathBuf;
pub(crate) use std::process::{Child, Command, Stdio};
pub(crate) use std::time::{Duration, Instant};

pub(crate) use anyhow::{Context, bail, ensure};
pub(crate) use fantoccini::{Client, ClientBuilder, Locator};

pub(crate) use crate::support::{TEST_NOW, artifacts_dir, binary, seeded_store};

/// The longest one end-to-end test may take before it counts as failed.
pub(crate) const TEST_LIMIT: Duration = Duration::from_secs(180);

/// Runs a test body with a hard time limit.
pub(crate) async fn bounded(
    body: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    match tokio::time::timeout(TEST_LIMIT, body).await {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!("the test did not finish within {TEST_LIMIT:?}")),
    }
}

pub(crate) fn enabled() -> bool {
    std::env::var("GATECARE_E2E").is_ok_and(|v| v == "1")
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub(crate) struct Session {
    pub(crate) name: &'static str,
    pub(crate) client: Client,
    pub(crate) driver: Child,
    pub(crate) log: PathBuf,
    pub(crate) _dir: tempfile::TempDir,
}

pub(crate) struct Launch {
    pub(crate) mode: &'static str,
    pub(crate) language: &'static str,
}

/// Extra settings for one launch.
#[derive(Default)]
pub(crate) struct Extra {
    pub(crate) now: Option<&'static str>,
    pub(crate) idle_seconds: Option<u32>,
    pub(crate) printer: Option<&'static str>,
    /// Central's URL and a one-time enrolment code: the kiosk enrols before launch.
    pub(crate) central: Option<(String, String)>,
    /// Seconds before an idle gate console locks.
    pub(crate) agent_idle: Option<u32>,
    /// This device's name (default HKG-K01); two devices enrolled with one
    /// central need two names.
    pub(crate) device: Option<&'static str>,
    /// Central's address for phones (`GATECARE_PASS_URL`), when not the enrolled one.
    pub(crate) pass_url: Option<String>,
}

impl Session {
    pub(crate) async fn start(name: &'static str, launch: Launch) -> anyhow::Result<Session> {
        Self::start_with(name, launch, Extra::default()).await.map(|(s, _)| s)
    }

    pub(crate) async fn start_with(
        name: &'static str,
        launch: Launch,
        extra: Extra,
    ) -> anyhow::Result<(Session, gatecare_demo::DemoDay)> {
        let app = binary("GATECARE_APP_BIN", "gatecare-app");
        let driver_bin = std::env::var_os("GATECARE_TAURI_DRIVER").map(PathBuf::from).context(
            "GATECARE_TAURI_DRIVER is not set: run the end-to-end tests through `cargo xtask test`",
        )?;
        ensure!(driver_bin.is_file(), "tauri-driver not found at {}", driver_bin.display());

        let dir = tempfile::tempdir()?;
        let db = dir.path().join("station.sqlite");
        let day = seeded_store(&db, 20).await;
        if let Some((url, code)) = &extra.central {
            let store = gatecare_station::Station::open(&db).await?;
            let now = chrono::DateTime::parse_from_rfc3339(extra.now.unwrap_or(TEST_NOW))?.to_utc();
            gatecare_link::enrol_with_central(
                &store,
                url,
                code,
                &crate::central::harness::root_fingerprint(),
                extra.device.unwrap_or("HKG-K01"),
                now,
            )
            .await?;
            store.close().await;
        }

        let log = artifacts_dir().join(format!("e2e-{name}.log"));
        let log_file = std::fs::File::create(&log)?;
        let port = free_port();
        let native_port = free_port();
        let driver = Command::new(&driver_bin)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("GATECARE_DB", &db)
            .env("GATECARE_NOW", extra.now.unwrap_or(TEST_NOW))
            .env("GATECARE_KIOSK_IDLE", extra.idle_seconds.unwrap_or(60).to_string())
            .env("GATECARE_PRINTER", extra.printer.unwrap_or("GatecarePDF"))
            .env("GATECARE_SYNC_SECONDS", "1")
            .env("GATECARE_AGENT_IDLE", extra.agent_idle.unwrap_or(600).to_string())
            .env("GATECARE_MODE", launch.mode)
            .env("GATECARE_DEVICE", extra.device.unwrap_or("HKG-K01"))
            .env("GATECARE_LANG", launch.language)
            .env("GATECARE_DISPLAY", "windowed")
            .env("GATECARE_CONFIG", dir.path().join("none.toml"))
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("NO_AT_BRIDGE", "1")
            .envs(extra.pass_url.iter().map(|u| ("GATECARE_PASS_URL", u.as_str())))
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
        let client = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::native().capabilities(caps).connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .context("the WebDriver session did not open within 60 s")?
        .context("opening a WebDriver session")?;
        Ok((Session { name, client, driver, log, _dir: dir }, day))
    }

    pub(crate) fn db(&self) -> PathBuf {
        self._dir.path().join("station.sqlite")
    }

    /// Waits for the passenger panel to confirm an issue, failing at once
    /// with the error it shows instead.
    pub(crate) async fn wait_issued(&self) -> anyhow::Result<()> {
        // A voucher waits behind the flight's bulk job for up to 10 s each.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Issued and printed, or issued with the printer's failure shown.
            if let Ok(el) = self.client.find(Locator::Css("[data-testid=pax-notice]")).await
                && el.text().await?.contains("Printed")
            {
                return Ok(());
            }
            if self.client.find(Locator::Css("[data-testid=pax-print-failed]")).await.is_ok()
                || self.client.find(Locator::Css("[data-testid=pax-print-queued]")).await.is_ok()
            {
                return Ok(());
            }
            if let Ok(el) = self.client.find(Locator::Css("[data-testid=pax-error]")).await {
                bail!("the panel shows {:?}: {}", el.attr("data-code").await?, el.text().await?);
            }
            ensure!(Instant::now() < deadline, "no confirmation of the issue");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for the approval box with `title`, failing at once with what
    /// the panel shows instead.
    pub(crate) async fn wait_approval(&self, title: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(el) = self.client.find(Locator::Css("[data-testid=approval]")).await
                && el.text().await?.contains(title)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                let mut seen = Vec::new();
                for css in ["[data-testid=pax-error]", "[data-testid=pax-notice]", "[data-testid=approval]"] {
                    if let Ok(el) = self.client.find(Locator::Css(css)).await {
                        seen.push(format!("{css}: {}", el.text().await?));
                    }
                }
                let _ = self.snap("agent-approval-missing").await;
                bail!("no approval box {title:?}; the panel shows {seen:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Signs in at the gate console.
    pub(crate) async fn sign_in(&self, code: &str, pin: &str) -> anyhow::Result<()> {
        self.type_into("[data-testid=agent-code]", code).await?;
        self.type_into("[data-testid=agent-pin]", pin).await?;
        self.click("[data-testid=agent-submit]").await?;
        self.wait_text("[data-testid=agent-who]", code_name(code)).await?;
        Ok(())
    }

    /// A boarding pass as the kiosk's scanner sends it: the text, then Enter,
    /// into the focused capture field.
    pub(crate) async fn scan(&self, pass: &str) -> anyhow::Result<()> {
        self.type_into("[data-testid=scan-capture]", &format!("{pass}\u{E007}")).await
    }

    /// Calls an IPC command straight from the webview, as a script there could.
    pub(crate) async fn invoke(&self, command: &str, args: serde_json::Value) -> anyhow::Result<String> {
        let script = "const done = arguments[arguments.length - 1]; \
            window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]) \
              .then(() => done('ok'), (e) => done((e && e.code) || String(e)));";
        let v =
            self.client.execute_async(script, vec![serde_json::Value::String(command.into()), args]).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Ends the session; on failure keeps a screenshot and the log first.
    /// Every WebDriver call here is bounded: a stuck driver must fail the
    /// test, never hang the run.
    pub(crate) async fn finish(mut self, outcome: anyhow::Result<()>) {
        if outcome.is_err()
            && let Ok(Ok(png)) = tokio::time::timeout(Duration::from_secs(10), self.client.screenshot()).await
        {
            let _ = std::fs::write(artifacts_dir().join(format!("e2e-{}.png", self.name)), png);
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
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

/// 22:30 in Hong Kong: CZ342 (13:30) is nine hours late, two meals are owed.
pub(crate) const NIGHT: &str = "2026-11-22T14:30:00Z";

/// The gate console's own printer queue (see `voucher::cups_queue`).
pub(crate) const GATE_QUEUE: &str = "GatecareGatePDF";
pub(crate) const STATION_QUEUE: &str = "GatecareStationPDF";

pub(crate) fn a_cz342_passenger(day: &gatecare_demo::DemoDay) -> gatecare_demo::Passenger {
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").expect("CZ342");
    day.passengers
        .iter()
        .find(|p| p.flight_id == f.id && p.group.is_none() && p.name.native.is_some() && p.needs.is_empty())
        .expect("an individual Chinese passenger")
        .clone()
}

/// What a test does in a page: the app's window (`Session`) or Chromium
/// (`crate::browser`), through one WebDriver client.
pub(crate) trait Driven {
    fn client(&self) -> &Client;

    /// The text of the QR code an element shows, as a scanner reads it off
    /// the screen (a screenshot of the element, read by zbarimg).
    async fn read_qr(&self, css: &str, name: &str) -> anyhow::Result<String> {
        // Whole on screen first: an element's screenshot is cut at the window's edge.
        self.client()
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); return true;",
                vec![css.into()],
            )
            .await?;
        let png = self.client().find(Locator::Css(css)).await?.screenshot().await?;
        let shot = artifacts_dir().join(format!("qr-{name}.png"));
        std::fs::write(&shot, png)?;
        let read = Command::new("zbarimg").args(["--raw", "-q"]).arg(&shot).output().context("zbarimg")?;
        Ok(String::from_utf8_lossy(&read.stdout).trim().to_owned())
    }

    async fn text(&self, css: &str) -> anyhow::Result<String> {
        let mut attempt = 0;
        loop {
            let el = self
                .client()
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css(css))
                .await
                .with_context(|| format!("waiting for {css}"))?;
            match el.text().await {
                Ok(text) => return Ok(text),
                // The page drew the element anew between the look-up and
                // the read (a status line after a refresh): look it up again.
                Err(e) if attempt < 5 && e.to_string().contains("stale element") => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }
    /// Waits until the element's text contains `expected`.
    async fn wait_text(&self, css: &str, expected: &str) -> anyhow::Result<String> {
        self.wait_text_for(css, expected, 20).await
    }
    async fn wait_text_for(&self, css: &str, expected: &str, secs: u64) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        // The element itself may take as long to appear (a whole flight printed).
        self.client()
            .wait()
            .at_most(Duration::from_secs(secs))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))?;
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
    async fn wait_attr(&self, css: &str, attr: &str, expected: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let el = self.client().find(Locator::Css(css)).await;
            let value = match el {
                Ok(el) => el.attr(attr).await?,
                Err(_) => None,
            };
            if value.as_deref() == Some(expected) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{css} has {attr}={value:?}, expected {expected:?}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    /// Scrolls an element into view, then keeps a screenshot.
    async fn snap_at(&self, css: &str, name: &str) -> anyhow::Result<()> {
        self.client()
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); return true;",
                vec![css.into()],
            )
            .await?;
        self.snap(name).await
    }
    /// Keeps a screenshot of the current screen in the artifacts folder.
    async fn snap(&self, name: &str) -> anyhow::Result<()> {
        // WebKitWebDriver never answers a screenshot of a page that does not
        // overflow the viewport (seen on the sign-in and the cases list); a
        // spacer below the content makes it overflow for the moment of the shot.
        self.client()
            .execute(
                "if (document.documentElement.scrollHeight <= window.innerHeight) { \
                   const d = document.createElement('div'); d.id = 'wd-spacer'; \
                   d.style.height = window.innerHeight + 'px'; document.body.appendChild(d); } \
                 return true;",
                vec![],
            )
            .await?;
        let png = self.client().screenshot().await?;
        self.client().execute("document.getElementById('wd-spacer')?.remove(); return true;", vec![]).await?;
        std::fs::write(artifacts_dir().join(format!("screen-{name}.png")), png)?;
        Ok(())
    }
    /// Presses a control inside the scrolling passenger panel. WebDriver
    /// clicks there were sometimes lost (nested scrolling); a DOM click is
    /// what a tap ends in, so the app code under test is the same.
    async fn press(&self, css: &str) -> anyhow::Result<()> {
        self.client().wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
        let ok = self
            .client()
            .execute(
                "const el = document.querySelector(arguments[0]); \
                 if (!el || el.disabled) return false; \
                 el.scrollIntoView({block: 'center'}); el.click(); return true;",
                vec![css.into()],
            )
            .await?;
        ensure!(ok == serde_json::json!(true), "{css} is missing or disabled");
        Ok(())
    }
    /// Sets an input's value as typing would (Svelte's bindings listen to
    /// `input`); WebDriver's clear() on number fields fires no event.
    async fn set_value(&self, css: &str, value: &str) -> anyhow::Result<()> {
        self.client()
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))?;
        self.client()
            .execute(
                "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
                 el.dispatchEvent(new Event('input', { bubbles: true })); return true;",
                vec![css.into(), value.into()],
            )
            .await?;
        Ok(())
    }
    async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let el = self.client().wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
        el.send_keys(text).await?;
        Ok(())
    }
    /// Runs axe-core in the page; returns the serious and critical violations.
    async fn axe(&self) -> anyhow::Result<Vec<String>> {
        let axe = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ui/node_modules/axe-core/axe.min.js"
        ))
        .context("axe-core (npm devDependency of ui/)")?;
        self.client().execute(&format!("{axe}; return true;"), vec![]).await?;
        // The number of rules that passed proves axe really looked at the page.
        let script = "const done = arguments[arguments.length - 1]; \
            axe.run(document).then((r) => done({ passes: r.passes.length, serious: r.violations \
              .filter((v) => v.impact === 'serious' || v.impact === 'critical') \
              .map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')') }), \
              (e) => done({ passes: 0, serious: ['axe failed: ' + e] }));";
        let v = self.client().execute_async(script, vec![]).await?;
        let passes = v["passes"].as_u64().unwrap_or(0);
        ensure!(passes >= 10, "axe-core checked only {passes} rules: did it run?");
        Ok(v["serious"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(String::from))
            .collect())
    }
    async fn click(&self, css: &str) -> anyhow::Result<()> {
        let el = self.client().wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
        el.click().await?;
        Ok(())
    }
}

impl Driven for Session {
    fn client(&self) -> &Client {
        &self.client
    }
}

/// A real central (embedded SQLite, its clock at NIGHT) on loopback.
pub(crate) struct E2eCentral {
    pub(crate) central: std::sync::Arc<gatecare_server::Central<gatecare_server_sqlite::SqliteDatabase>>,
    pub(crate) served: crate::central::harness::Served,
    pub(crate) clock: crate::central::harness::TestClock,
    pub(crate) _dir: tempfile::TempDir,
}

impl E2eCentral {
    pub(crate) async fn start() -> E2eCentral {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = crate::central::harness::TestClock::at(
            chrono::DateTime::parse_from_rfc3339(NIGHT).unwrap().to_utc(),
        );
        let central =
            crate::central::harness::central(crate::central::harness::sqlite_db(dir.path()).await, &clock);
        crate::central::harness::publish_demo_agents(&central).await;
        let served = crate::central::harness::serve(central.clone()).await;
        E2eCentral { central, served, clock, _dir: dir }
    }

    /// A one-time code for a passenger kiosk at HKG.
    pub(crate) async fn code(&self) -> String {
        self.code_for(gatecare_sync::DeviceRole::Kiosk).await
    }

    /// A one-time code for a device of `role` at HKG.
    pub(crate) async fn code_for(&self, role: gatecare_sync::DeviceRole) -> String {
        gatecare_server::enrolment::issue_enrolment_code(
            &self.central.db,
            "HKG",
            role,
            chrono::Duration::hours(1),
            self.clock.now(),
        )
        .await
        .expect("code")
    }
}

/// The demo agents' display names (README), as the console shows them.
pub(crate) fn code_name(code: &str) -> &'static str {
    match code {
        "A1001" | "A1002" => "Agent",
        "S2001" => "Supervisor",
        _ => "Duty manager",
    }
}
