//! Central's configuration: a TOML file, overridden by environment variables
//! (`GATECARE_CENTRAL_*`), overridden by command-line flags.
//!
//! Every key, with its default or an example: [`EXAMPLE`] (also shown by
//! `gatecare-central --help`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A configuration file with every key.
pub const EXAMPLE: &str = r#"A configuration file (--config), every key with its default or an example:

database = "sqlite:/var/lib/gatecare/central.sqlite"   # or postgres://user@host/db
listen = "127.0.0.1:8600"
root_key_file = "/var/lib/gatecare/root.key"          # made once by `admin root-key init`
root_kid = "GATECARE-ROOT"
max_body_bytes = 2097152
claim_minutes = 10                                    # how long a device's claim holds
header_read_timeout_secs = 10                         # a request's head must arrive within this
request_timeout_secs = 30                             # a request is answered within this (408 after)
max_connections = 10000                               # open at once; the rest wait to be accepted
log = "text"                                          # or "json"
policy_file = "/etc/gatecare/policy.toml"             # the airline policy (recovery deadlines, alert threshold)
tls_cert_file = "/etc/gatecare/central.crt"            # PEM chain; with tls_key_file: serve HTTPS
tls_key_file = "/etc/gatecare/central.key"             # PEM, PKCS#8
web_dir = "/usr/share/gatecare/web"                   # the merchant page (ui/dist-web); unset: no pages
"#;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: String,
    pub listen: String,
    pub root_key_file: PathBuf,
    pub root_kid: String,
    pub max_body_bytes: usize,
    /// How long a claim holds before any device's real issuance takes it.
    pub claim_minutes: u32,
    pub header_read_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub max_connections: usize,
    pub log: String,
    /// The airline policy file the stations use; its `[recovery]` section
    /// sets central's deadlines and early-warning threshold. None: the default.
    pub policy_file: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain and key (both PEM); both or neither.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// The browser pages (the merchant page under `merchant/`), as
    /// `cargo xtask` builds them into `ui/dist-web`; none when unset.
    pub web_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: "sqlite:gatecare-central.sqlite".into(),
            listen: "127.0.0.1:8600".into(),
            root_key_file: "gatecare-root.key".into(),
            root_kid: "GATECARE-ROOT".into(),
            max_body_bytes: gatecare_sync::MAX_BODY_BYTES,
            claim_minutes: 10,
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
            max_connections: 10_000,
            log: "text".into(),
            policy_file: None,
            tls_cert_file: None,
            tls_key_file: None,
            web_dir: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: {1}")]
    Toml(PathBuf, toml::de::Error),
    #[error("{0}={1:?}: {2}")]
    Env(&'static str, String, &'static str),
    #[error("the database URL must start with sqlite: or postgres:// (got {0:?})")]
    Database(String),
    #[error("TLS needs both tls_cert_file and tls_key_file")]
    TlsPair,
}

impl Config {
    /// The file (if any), then the environment.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut c = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.into(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Toml(p.into(), e))?
            }
            None => Config::default(),
        };
        if let Some(v) = env("GATECARE_CENTRAL_DATABASE") {
            c.database = v;
        }
        if let Some(v) = env("GATECARE_CENTRAL_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("GATECARE_CENTRAL_ROOT_KEY") {
            c.root_key_file = v.into();
        }
        if let Some(v) = env("GATECARE_CENTRAL_ROOT_KID") {
            c.root_kid = v;
        }
        if let Some(v) = env("GATECARE_CENTRAL_MAX_BODY") {
            c.max_body_bytes = v
                .parse()
                .map_err(|_| ConfigError::Env("GATECARE_CENTRAL_MAX_BODY", v.clone(), "a number of bytes"))?;
        }
        if let Some(v) = env("GATECARE_CENTRAL_CLAIM_MINUTES") {
            c.claim_minutes = v.parse().ok().filter(|m| (1..=24 * 60).contains(m)).ok_or_else(|| {
                ConfigError::Env("GATECARE_CENTRAL_CLAIM_MINUTES", v.clone(), "minutes, 1 to 1440")
            })?;
        }
        if let Some(v) = env("GATECARE_CENTRAL_LOG") {
            c.log = v;
        }
        if let Some(v) = env("GATECARE_CENTRAL_POLICY") {
            c.policy_file = Some(v.into());
        }
        if let Some(v) = env("GATECARE_CENTRAL_TLS_CERT") {
            c.tls_cert_file = Some(v.into());
        }
        if let Some(v) = env("GATECARE_CENTRAL_TLS_KEY") {
            c.tls_key_file = Some(v.into());
        }
        if let Some(v) = env("GATECARE_CENTRAL_WEB_DIR") {
            c.web_dir = Some(v.into());
        }
        c.check()?;
        Ok(c)
    }

    pub fn check(&self) -> Result<(), ConfigError> {
        if !(self.database.starts_with("sqlite:")
            || self.database.starts_with("postgres://")
            || self.database.starts_with("postgresql://"))
        {
            return Err(ConfigError::Database(self.database.clone()));
        }
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            return Err(ConfigError::TlsPair);
        }
        Ok(())
    }

    pub fn is_postgres(&self) -> bool {
        self.database.starts_with("postgres")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example `--help` shows is a configuration central accepts,
    /// every key in it known (the file's keys are checked strictly).
    #[test]
    fn the_help_s_example_is_a_valid_configuration() {
        let text: String = EXAMPLE.lines().skip(1).collect::<Vec<_>>().join("\n");
        let c: Config = toml::from_str(&text).unwrap();
        assert_eq!((c.listen.as_str(), c.claim_minutes), ("127.0.0.1:8600", 10));
        assert_eq!(c.web_dir.as_deref(), Some(Path::new("/usr/share/gatecare/web")));
        let keys = text.lines().filter(|l| l.contains(" = ")).count();
        assert_eq!(keys, 14, "every key of Config, once");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("gc-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("central.toml");
        std::fs::write(&file, "database = \"sqlite:/tmp/x.sqlite\"\nlisten = \"0.0.0.0:9000\"\n").unwrap();
        let c = Config::load(Some(&file), |k| {
            (k == "GATECARE_CENTRAL_LISTEN").then(|| "127.0.0.1:9001".to_owned())
        })
        .unwrap();
        assert_eq!(c.database, "sqlite:/tmp/x.sqlite");
        assert_eq!(c.listen, "127.0.0.1:9001");
        assert_eq!(c.root_kid, "GATECARE-ROOT");
        std::fs::write(&file, "databse = \"typo\"\n").unwrap();
        assert!(matches!(Config::load(Some(&file), |_| None), Err(ConfigError::Toml(..))));
        assert!(matches!(
            Config::load(None, |k| (k == "GATECARE_CENTRAL_DATABASE").then(|| "mysql://x".to_owned())),
            Err(ConfigError::Database(_))
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
