//! Central: the HTTP service kiosks sync with.
//!
//! The router is generic over [`Database`], so one set of handlers serves the
//! embedded SQLite backend and PostgreSQL. Handlers do the protocol's checks
//! (auth, size, shape) and leave every state change to one database
//! transaction; any rejection stores nothing.

pub mod actors;
pub mod enrolment;
mod http;
pub use http::MAX_LIVE_CLAIMS;
pub mod limit;
pub mod merchant;
pub mod metrics;
pub mod places;
pub mod serve;
pub mod tls;
pub mod trust;
pub mod web;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use gatecare_server_database::Database;
use uuid::Uuid;

/// Claims a kiosk may make in ten minutes: a family of six at one kiosk
/// claims eighteen (meal, hotel, transport each), a busy kiosk serves a few
/// families in that time.
pub const KIOSK_CLAIMS_PER_10_MINUTES: u32 = 120;

pub use http::router;

/// Where "now" comes from. Production reads the system clock at the edge;
/// tests pass a fixed or stepped clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

pub struct Central<D: Database> {
    pub db: D,
    /// The airline's root key: it certifies device keys into the trust list.
    pub root: SigningKey,
    pub root_kid: String,
    pub max_body_bytes: usize,
    /// How long a device's claim holds (default 10 minutes).
    pub claim_hold: chrono::Duration,
    /// Failed enrolment attempts per remote address (10 a minute by default).
    pub enrol_limit: limit::PerAddress,
    /// Claims per kiosk (see `limit.rs`).
    pub kiosk_claims: limit::PerKey<Uuid>,
    pub clock: Clock,
    pub metrics: metrics::Metrics,
    /// The airline policy (`policy_file`, else the default): its authority
    /// limits bound what a console's event grants (see [`actors`]); its
    /// recovery section sets deadlines and the early-warning threshold.
    pub policy: gatecare_policy::Policy,
    /// The browser pages' files (`web::pages`): the merchant page under
    /// `merchant/`. None serves no pages.
    pub web_dir: Option<std::path::PathBuf>,
}

impl<D: Database> Central<D> {
    pub fn new(db: D, root: SigningKey, root_kid: &str, clock: Clock) -> Arc<Central<D>> {
        Arc::new(Central {
            db,
            root,
            root_kid: root_kid.to_owned(),
            max_body_bytes: gatecare_sync::MAX_BODY_BYTES,
            claim_hold: chrono::Duration::minutes(10),
            enrol_limit: limit::PerAddress::new(10, std::time::Duration::from_secs(60)),
            kiosk_claims: limit::PerKey::new(
                KIOSK_CLAIMS_PER_10_MINUTES,
                std::time::Duration::from_secs(600),
            ),
            clock,
            metrics: metrics::Metrics::default(),
            policy: gatecare_policy::Policy::default_policy(),
            web_dir: None,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// SHA-256, hex: how tokens and enrolment codes are stored.
pub fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Random bytes from the OS (never all-zero secrets on failure).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], gatecare_server_database::DbError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| gatecare_server_database::DbError::Backend(format!("random source: {e}")))?;
    Ok(b)
}
