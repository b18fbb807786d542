//! A device's settings, read once at its start: a TOML file, then
//! environment variables on top; and the one clock the app and the CLI read
//! the time from (the system's, or an instant the settings fix).
//!
//! | key (file)  | environment          | default                                  |
//! |-------------|----------------------|------------------------------------------|
//! | `database`  | `GATECARE_DB`        | `$XDG_DATA_HOME/gatecare/gatecare.sqlite` |
//! | `station`   | `GATECARE_STATION`   | the enrolled station, else `HKG`         |
//! | `mode`      | `GATECARE_MODE`      | `agent` (`kiosk` for passengers)         |
//! | `display`   | `GATECARE_DISPLAY`   | `fullscreen` (`windowed` for development) |
//! | `now`       | `GATECARE_NOW`       | the system clock (RFC 3339 fixes it)     |
//! | `language`  | `GATECARE_LANG`      | `zh-CN` (`en`)                           |
//! | `device`    | `GATECARE_DEVICE`    | `<station>-K01` (names vouchers' serials) |
//! | `printer`   | `GATECARE_PRINTER`   | `GatecarePDF` (a CUPS queue)             |
//! | `kiosk_idle_seconds` | `GATECARE_KIOSK_IDLE` | `60` (the kiosk forgets the passenger) |
//! | `pass_url`  | `GATECARE_PASS_URL`  | the central it enrolled with (links for phones) |
//!
//! The file is `$GATECARE_CONFIG`, else `$XDG_CONFIG_HOME/gatecare/config.toml`;
//! a missing file is fine, a malformed one is an error. Once a device is
//! enrolled, central's station is its station: a configured one that differs
//! stops the device from starting ([`Settings::adopt_enrolled_station`]).

use std::path::{Path, PathBuf};

use gatecare_core::AirportCode;
use serde::{Deserialize, Serialize};

pub mod clock;
pub use clock::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Self-service for passengers: only the matched passenger is visible.
    Kiosk,
    /// Gate agents: sign-in, flights, every passenger of the station.
    Agent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Display {
    /// Production: full screen, no decorations, one instance.
    Fullscreen,
    /// Development and tests: an ordinary window.
    Windowed,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: PathBuf,
    pub station: AirportCode,
    /// Whether `station` was set (file or environment) rather than defaulted.
    pub station_configured: bool,
    /// The device code was set (environment or settings file), not defaulted.
    pub device_configured: bool,
    pub mode: Mode,
    /// The mode was set (environment or settings file), not defaulted: a
    /// defaulted mode follows the role central enrolled the device in.
    pub mode_configured: bool,
    pub display: Display,
    pub clock: Clock,
    pub language: String,
    pub device: String,
    pub printer: String,
    pub kiosk_idle_seconds: u32,
    /// Seconds between sync rounds with central when all is quiet.
    pub sync_seconds: u32,
    /// An idle gate console locks after this many seconds (PIN to resume).
    pub agent_idle_seconds: u32,
    /// Central's address as passengers' phones reach it (`https://…`), for
    /// the "take it on your phone" link, when the devices reach central by
    /// another (an airport network's internal name). None: the address the
    /// device enrolled with.
    pub pass_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("settings file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("setting {key} has an invalid value {value:?}: {reason}")]
    Value { key: &'static str, value: String, reason: String },
}

impl SettingsError {
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::Read { .. } => "settings.read",
            SettingsError::Parse { .. } => "settings.parse",
            SettingsError::Value { .. } => "settings.value",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    database: Option<PathBuf>,
    station: Option<String>,
    mode: Option<Mode>,
    display: Option<Display>,
    now: Option<String>,
    language: Option<String>,
    device: Option<String>,
    printer: Option<String>,
    kiosk_idle_seconds: Option<u32>,
    sync_seconds: Option<u32>,
    agent_idle_seconds: Option<u32>,
    pass_url: Option<String>,
}

pub const LANGUAGES: &[&str] = &["zh-CN", "en"];

impl Settings {
    /// Reads the settings file and the process environment.
    pub fn load() -> Result<Settings, SettingsError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let file = env("GATECARE_CONFIG")
            .map(PathBuf::from)
            .or_else(|| config_home().map(|d| d.join("gatecare/config.toml")));
        Settings::from_sources(file.as_deref(), env)
    }

    /// Builds settings from a file (if it exists) and a variable lookup.
    pub fn from_sources(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let parsed = match file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| SettingsError::Read { path: path.to_owned(), source })?;
                toml::from_str::<SettingsFile>(&text).map_err(|e| SettingsError::Parse {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?
            }
            _ => SettingsFile::default(),
        };

        let database =
            env("GATECARE_DB").map(PathBuf::from).or(parsed.database).unwrap_or_else(default_database);
        let configured_station = env("GATECARE_STATION").or(parsed.station);
        let station_configured = configured_station.is_some();
        let station_text = configured_station.unwrap_or_else(|| "HKG".into());
        let station = AirportCode::parse(&station_text).map_err(|e| value("station", &station_text, e))?;
        if gatecare_reference::airport(&station).is_none() {
            return Err(value("station", &station_text, "unknown airport"));
        }
        let mode_configured = env("GATECARE_MODE").is_some() || parsed.mode.is_some();
        let mode = match env("GATECARE_MODE") {
            Some(m) => parse_enum("mode", &m)?,
            None => parsed.mode.unwrap_or(Mode::Agent),
        };
        let display = match env("GATECARE_DISPLAY") {
            Some(d) => parse_enum("display", &d)?,
            None => parsed.display.unwrap_or(Display::Fullscreen),
        };
        let clock = match env("GATECARE_NOW").or(parsed.now) {
            Some(t) => Clock::parse_fixed(&t).map_err(|e| value("now", &t, e))?,
            None => Clock::System,
        };
        let language = env("GATECARE_LANG").or(parsed.language).unwrap_or_else(|| "zh-CN".into());
        if !LANGUAGES.contains(&language.as_str()) {
            return Err(value("language", &language, "expected zh-CN or en"));
        }
        let configured_device = env("GATECARE_DEVICE").or(parsed.device);
        let device_configured = configured_device.is_some();
        let device = configured_device.unwrap_or_else(|| format!("{station}-K01"));
        if device.is_empty()
            || device.len() > 32
            || !device.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(value("device", &device, "letters, digits and '-', at most 32"));
        }
        let printer = env("GATECARE_PRINTER").or(parsed.printer).unwrap_or_else(|| "GatecarePDF".into());
        if printer.is_empty() || !printer.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(value("printer", &printer, "a CUPS queue name"));
        }
        let kiosk_idle_seconds = match env("GATECARE_KIOSK_IDLE") {
            Some(v) => v.parse().map_err(|_| value("kiosk_idle_seconds", &v, "a number of seconds"))?,
            None => parsed.kiosk_idle_seconds.unwrap_or(60),
        };
        if !(2..=3600).contains(&kiosk_idle_seconds) {
            return Err(value("kiosk_idle_seconds", &kiosk_idle_seconds.to_string(), "2 to 3600"));
        }
        let sync_seconds = match env("GATECARE_SYNC_SECONDS") {
            Some(v) => v.parse().map_err(|_| value("sync_seconds", &v, "a number of seconds"))?,
            None => parsed.sync_seconds.unwrap_or(10),
        };
        if !(1..=3600).contains(&sync_seconds) {
            return Err(value("sync_seconds", &sync_seconds.to_string(), "1 to 3600"));
        }
        let agent_idle_seconds = match env("GATECARE_AGENT_IDLE") {
            Some(v) => v.parse().map_err(|_| value("agent_idle_seconds", &v, "a number of seconds"))?,
            None => parsed.agent_idle_seconds.unwrap_or(180),
        };
        if !(2..=3600).contains(&agent_idle_seconds) {
            return Err(value("agent_idle_seconds", &agent_idle_seconds.to_string(), "2 to 3600"));
        }
        let pass_url =
            env("GATECARE_PASS_URL").or(parsed.pass_url).map(|u| parse_pass_url(&u)).transpose()?;
        Ok(Settings {
            pass_url,
            agent_idle_seconds,
            sync_seconds,
            database,
            station,
            station_configured,
            device_configured,
            mode,
            mode_configured,
            display,
            clock,
            language,
            device,
            printer,
            kiosk_idle_seconds,
        })
    }
}

/// A base URL a phone opens: HTTPS (a phone's camera and offline page need a
/// secure context), or plain HTTP to this machine for development; a host,
/// no user or password (they would be printed in every passenger's QR), no
/// query or fragment (the link adds its own).
fn parse_pass_url(text: &str) -> Result<String, SettingsError> {
    let bad = || {
        value("pass_url", text, "an https:// address passengers' phones reach (no user, query or fragment)")
    };
    let url = url::Url::parse(text.trim()).map_err(|_| bad())?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && local);
    if !scheme_ok
        || url.host_str().is_none_or(str::is_empty)
        || url.port() == Some(0)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Settings {
    /// Takes the station central enrolled this device for. A configured
    /// station that names another is an error: the device would serve one
    /// station's passengers with another's data.
    pub fn adopt_enrolled_station(&mut self, enrolled: &str) -> Result<(), SettingsError> {
        let code = AirportCode::parse(enrolled).map_err(|e| value("station", enrolled, e))?;
        if self.station_configured && self.station != code {
            return Err(value(
                "station",
                self.station.as_str(),
                format!(
                    "this device is enrolled with central for {code}; remove GATECARE_STATION (or `station` in the settings file) or enrol it again"
                ),
            ));
        }
        self.station = code;
        Ok(())
    }
}

impl Settings {
    /// Takes the code central enrolled this device under: its serials and
    /// signing key carry it, and central certified that key. A configured
    /// code that differs is an error: the device would sign vouchers that no
    /// trust list accepts.
    /// The mode follows the enrolled role: a passenger kiosk's store and
    /// token never serve a gate console, and a console, which keeps the
    /// agents' PIN hashes, never stands in the hall as a kiosk. Without a
    /// configured mode, the device takes its role's.
    pub fn adopt_enrolled_role(&mut self, role: &str) -> Result<(), SettingsError> {
        let (wanted, why) = match role {
            "kiosk" => (
                Mode::Kiosk,
                "this device is enrolled with central as a kiosk: it starts in kiosk mode only (enrol a console for agents)",
            ),
            "console" => (
                Mode::Agent,
                "this device is enrolled with central as a gate console: it starts in agent mode only (enrol a kiosk for passengers)",
            ),
            _ => return Ok(()),
        };
        if !self.mode_configured {
            self.mode = wanted;
        }
        if self.mode != wanted {
            let configured = match self.mode {
                Mode::Kiosk => "kiosk",
                Mode::Agent => "agent",
            };
            return Err(value("mode", configured, why));
        }
        Ok(())
    }

    pub fn adopt_enrolled_device(&mut self, enrolled: &str) -> Result<(), SettingsError> {
        if self.device_configured && self.device != enrolled {
            return Err(value(
                "device",
                &self.device,
                format!(
                    "this device is enrolled with central as {enrolled}; remove GATECARE_DEVICE (or `device` in the settings file) or enrol it again"
                ),
            ));
        }
        self.device = enrolled.to_owned();
        Ok(())
    }
}

fn value(key: &'static str, value: &str, reason: impl ToString) -> SettingsError {
    SettingsError::Value { key, value: value.chars().take(64).collect(), reason: reason.to_string() }
}

fn parse_enum<T: serde::de::DeserializeOwned>(key: &'static str, v: &str) -> Result<T, SettingsError> {
    serde_json::from_value(serde_json::Value::String(v.trim().to_ascii_lowercase()))
        .map_err(|_| value(key, v, "not one of the allowed values"))
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).or_else(|| home().map(|h| h.join(".config")))
}

/// `$XDG_DATA_HOME/gatecare/gatecare.sqlite` (`~/.local/share/...`).
pub fn default_database() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("gatecare/gatecare.sqlite")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn environment_wins_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "mode = \"kiosk\"\nstation = \"AMS\"\nlanguage = \"en\"\n").unwrap();
        let s = Settings::from_sources(Some(&f), env(&[("GATECARE_STATION", "hkg")])).unwrap();
        assert_eq!(s.mode, Mode::Kiosk);
        assert_eq!(s.station.as_str(), "HKG");
        assert_eq!(s.language, "en");
        assert_eq!(s.clock, Clock::System);
    }

    #[test]
    fn the_pass_url_is_an_https_address_phones_open() {
        let s =
            Settings::from_sources(None, env(&[("GATECARE_PASS_URL", "https://care.example.com/")])).unwrap();
        assert_eq!(s.pass_url.as_deref(), Some("https://care.example.com"));
        assert_eq!(Settings::from_sources(None, env(&[])).unwrap().pass_url, None);
        let local = Settings::from_sources(None, env(&[("GATECARE_PASS_URL", "http://localhost:8600")]));
        assert_eq!(local.unwrap().pass_url.as_deref(), Some("http://localhost:8600"));
        let upper = Settings::from_sources(None, env(&[("GATECARE_PASS_URL", "HTTPS://Care.Example.com")]));
        assert_eq!(upper.unwrap().pass_url.as_deref(), Some("https://care.example.com"));
        for bad in [
            "http://central.internal:8600",
            "https://",
            "https://x.example/?a=1",
            "ftp://x",
            "https://x#y",
            "https://user:pw@a.example",
            "https://a.example:99999",
            "https://a.example:0",
            "https://[::1",
        ] {
            let e = Settings::from_sources(None, env(&[("GATECARE_PASS_URL", bad)])).unwrap_err();
            assert!(matches!(e, SettingsError::Value { key: "pass_url", .. }), "{bad}: {e}");
        }
        let e = Settings::from_sources(None, env(&[("GATECARE_PASS_URL", "http://localhost.evil.example")]));
        assert!(e.is_err(), "not this machine");
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = Settings::from_sources(None, env(&[("GATECARE_STATION", "QQQ")])).unwrap_err();
        assert!(matches!(e, SettingsError::Value { key: "station", .. }), "{e}");
        let e = Settings::from_sources(None, env(&[("GATECARE_MODE", "admin")])).unwrap_err();
        assert!(matches!(e, SettingsError::Value { key: "mode", .. }), "{e}");
        let e = Settings::from_sources(None, env(&[("GATECARE_NOW", "soon")])).unwrap_err();
        assert_eq!(e.code(), "settings.value");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "colour = \"red\"\n").unwrap();
        let e = Settings::from_sources(Some(&f), env(&[])).unwrap_err();
        assert_eq!(e.code(), "settings.parse");
    }

    #[test]
    fn the_enrolled_station_replaces_the_default_and_refuses_another_configured_one() {
        let mut s = Settings::from_sources(None, env(&[])).unwrap();
        assert!(!s.station_configured);
        s.adopt_enrolled_station("PVG").unwrap();
        // The enrolled device code replaces the default; a configured one must match.
        s.adopt_enrolled_device("PVG-G03").unwrap();
        assert_eq!(s.device, "PVG-G03");
        s.device_configured = true;
        s.adopt_enrolled_device("PVG-G03").unwrap();
        assert!(s.adopt_enrolled_device("PVG-K09").is_err());
        assert_eq!(s.station.as_str(), "PVG");
        let mut s = Settings::from_sources(None, env(&[("GATECARE_STATION", "HKG")])).unwrap();
        s.adopt_enrolled_station("HKG").unwrap();
        let e = s.adopt_enrolled_station("PVG").unwrap_err();
        assert_eq!(e.code(), "settings.value");
        assert!(e.to_string().contains("enrolled with central for PVG"), "{e}");
        assert_eq!(s.station.as_str(), "HKG");
    }
}
