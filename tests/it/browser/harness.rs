//! Chromium through chromedriver, and central as a process of its own.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) use anyhow::{Context, ensure};
use fantoccini::{Client, ClientBuilder};

pub(crate) use crate::e2e::harness::{Driven, bounded, enabled, free_port};
use crate::support::{artifacts_dir, binary};

/// Headless Chromium, phone-sized, with a profile of its own.
pub(crate) struct Browser {
    pub(crate) name: &'static str,
    pub(crate) client: Client,
    driver: Child,
    driver_url: String,
    _profile: tempfile::TempDir,
}

impl Driven for Browser {
    fn client(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    /// `extra` are more Chromium switches (the fake camera).
    pub(crate) async fn start(name: &'static str, extra: &[String]) -> anyhow::Result<Browser> {
        let profile = tempfile::tempdir()?;
        let port = free_port();
        let log = std::fs::File::create(artifacts_dir().join(format!("browser-{name}.log")))?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .context("chromedriver (Debian's chromium-driver; `cargo xtask test` installs it)")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            ensure!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=480,1000".to_owned(),
            // The page's console goes to chromedriver's log (browser-NAME.log).
            "--enable-logging=stderr".to_owned(),
            "--v=0".to_owned(),
            "--lang=zh-CN".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend(extra.iter().cloned());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            // A Hong Kong till or phone set to Chinese: the pages follow the
            // browser's language when the staff or the link chose none.
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": args,
                "prefs": { "intl": { "accept_languages": "zh-CN,zh" } },
            }),
        );
        caps.insert("goog:loggingPrefs".into(), serde_json::json!({ "browser": "ALL" }));
        let driver_url = format!("http://127.0.0.1:{port}");
        let client = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::native().capabilities(caps).connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .context("the Chromium session did not open within 60 s")?
        .context("opening a Chromium session")?;
        Ok(Browser { name, client, driver, driver_url, _profile: profile })
    }

    /// The page's console so far (chromedriver's log of the browser).
    pub(crate) async fn console(&self) -> anyhow::Result<Vec<String>> {
        let id = self.client.session_id().await?.context("no session")?;
        let v: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/session/{id}/se/log", self.driver_url))
            .json(&serde_json::json!({ "type": "browser" }))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["message"].as_str().map(String::from))
            .collect())
    }

    /// Ends the session; on failure keeps a screenshot and the page's console first, then fails.
    pub(crate) async fn finish(mut self, outcome: anyhow::Result<()>) {
        if outcome.is_err()
            && let Ok(Ok(png)) = tokio::time::timeout(Duration::from_secs(10), self.client.screenshot()).await
        {
            let _ = std::fs::write(artifacts_dir().join(format!("browser-{}.png", self.name)), png);
        }
        if outcome.is_err()
            && let Ok(Ok(lines)) = tokio::time::timeout(Duration::from_secs(10), self.console()).await
        {
            let _ = std::fs::write(
                artifacts_dir().join(format!("browser-{}.console", self.name)),
                lines.join("\n"),
            );
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if let Err(e) = outcome {
            panic!("{}: {e:#}\nartifacts: {}", self.name, artifacts_dir().display());
        }
    }
}

/// `gatecare-central serve` on SQLite and the system clock, serving the
/// pages from `ui/dist-web`; killed on drop.
pub(crate) struct CentralProcess {
    child: Option<Child>,
    port: String,
    /// `http://localhost:PORT`: a secure context for the camera and the
    /// service worker, as a publicly trusted certificate is in production.
    pub(crate) url: String,
    database: String,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

impl CentralProcess {
    pub(crate) fn start() -> anyhow::Result<CentralProcess> {
        let dir = tempfile::tempdir()?;
        let database = format!("sqlite:{}", dir.path().join("central.sqlite").display());
        let root = dir.path().join("root.key");
        let init = central()
            .args(["--database", &database, "admin", "root-key", "init", "--root-key"])
            .arg(&root)
            .output()?;
        ensure!(init.status.success(), "root-key init: {}", String::from_utf8_lossy(&init.stderr));
        let web = web_dir();
        ensure!(
            web.join("merchant/index.html").is_file(),
            "{} has no merchant page: build the UI first (cargo xtask test does)",
            web.display()
        );
        let mut central =
            CentralProcess { child: None, port: "0".into(), url: String::new(), database, root, _dir: dir };
        central.serve()?;
        Ok(central)
    }

    /// Serves on the port it had (the page's origin stays the same), or a
    /// free one the first time.
    fn serve(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(artifacts_dir().join("browser-central.log"))?;
        let mut child = central()
            .args(["--database", &self.database, "serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--root-key")
            .arg(&self.root)
            .env("GATECARE_CENTRAL_WEB_DIR", web_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()?;
        let mut line = String::new();
        let stdout = child.stdout.take().context("central's stdout")?;
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        ensure!(line.starts_with("listening on http://"), "central said {line:?}");
        self.port = line.trim().rsplit(':').next().unwrap_or_default().to_owned();
        self.url = format!("http://localhost:{}", self.port);
        self.child = Some(child);
        Ok(())
    }

    /// Starts central again after [`CentralProcess::stop`], on the same port.
    pub(crate) fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        self.serve()
    }

    /// A one-time enrolment code for HKG, and the root's fingerprint.
    pub(crate) fn code(&self, role: &str) -> anyhow::Result<(String, String)> {
        let out = central()
            .args([
                "--database",
                &self.database,
                "admin",
                "enrolment-code",
                "--station",
                "HKG",
                "--role",
                role,
            ])
            .arg("--root-key")
            .arg(&self.root)
            .output()?;
        ensure!(out.status.success(), "enrolment-code: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout)?;
        let mut lines = text.lines();
        Ok((lines.next().unwrap_or_default().to_owned(), lines.next().unwrap_or_default().to_owned()))
    }

    /// Runs `gatecare-central admin …` on this central's database.
    pub(crate) fn admin(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = central()
            .args(["--database", &self.database, "admin"])
            .args(args)
            .arg("--root-key")
            .arg(&self.root)
            .output()?;
        ensure!(out.status.success(), "admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        Ok(String::from_utf8(out.stdout)?)
    }

    /// Stops central: nothing answers on its port any more.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for CentralProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn central() -> Command {
    let mut cmd = Command::new(binary("GATECARE_CENTRAL_BIN", "gatecare-central"));
    cmd.env_remove("GATECARE_CENTRAL_DATABASE").env_remove("GATECARE_CENTRAL_CONFIG");
    cmd
}

/// The built pages (`npm run build` in ui/).
pub(crate) fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/dist-web")
}
