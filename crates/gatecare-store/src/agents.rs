//! Agents and PINs, usable offline: argon2id hashes, lock-out after repeated
//! failures. A kiosk holds only its own station's agents.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use gatecare_core::{PIN_HASH_LANES, PIN_HASH_MEMORY_KIB, PIN_HASH_PASSES};
use serde::Serialize;

use crate::store::{Store, StoreError, parse_time, rfc3339};

pub const MIN_PIN_DIGITS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { max_failures: 5, lock_minutes: 15 }
    }
}

/// Proof that an agent signed in with a correct PIN. Only
/// [`Store::verify_pin`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthenticatedAgent {
    pub id: String,
    pub code: String,
    pub name: String,
    pub role: gatecare_policy::Role,
    pub station: String,
}

impl AuthenticatedAgent {
    /// The self-service kiosk itself, for care the passenger is owed. The
    /// ledger lets it issue nothing discretionary.
    pub fn kiosk(device: &str, station: &str) -> AuthenticatedAgent {
        AuthenticatedAgent {
            id: format!("kiosk:{device}"),
            code: format!("KIOSK:{device}"),
            name: "Self-service kiosk".into(),
            role: gatecare_policy::Role::Agent,
            station: station.into(),
        }
    }

    pub fn is_kiosk(&self) -> bool {
        self.code.starts_with("KIOSK:")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AuthError {
    #[error("unknown agent or wrong PIN")]
    BadCredentials { failures_left: Option<u32> },
    #[error("too many wrong PINs: locked until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("a PIN has at least 6 digits")]
    MalformedPin,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::BadCredentials { .. } => "auth.bad_credentials",
            AuthError::Locked { .. } => "auth.locked",
            AuthError::MalformedPin => "auth.malformed_pin",
        }
    }
}

fn hasher() -> Result<Argon2<'static>, StoreError> {
    let params = Params::new(PIN_HASH_MEMORY_KIB, PIN_HASH_PASSES, PIN_HASH_LANES, None)
        .map_err(|e| StoreError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_pin(pin: &str) -> Result<String, StoreError> {
    if pin.len() < MIN_PIN_DIGITS || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::Data("a PIN has at least 6 digits".into()));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Hash(e.to_string()))?;
    hasher()?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Hash(e.to_string()))
}

fn role(s: &str) -> Result<gatecare_policy::Role, StoreError> {
    gatecare_policy::Role::parse(s).map_err(|_| StoreError::Data(format!("unknown role {s}")))
}

/// What a PIN is typed for: the audit log says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinUse {
    /// An agent signing in to a console.
    SignIn,
    /// A senior approving a grant above the agent's limit.
    Approval,
}

impl PinUse {
    fn action(self, outcome: &str) -> String {
        match self {
            PinUse::SignIn => format!("agent.sign_in{outcome}"),
            PinUse::Approval => format!("agent.approval{outcome}"),
        }
    }
}

/// The agent a guess was counted against, as the counting read them.
#[derive(sqlx::FromRow)]
struct CountedGuess {
    id: String,
    code: String,
    name: String,
    role: String,
    station: String,
    pin_hash: String,
    failed_attempts: i64,
}

/// Checks a PIN against an argon2id PHC string on a blocking thread: at
/// 64 MiB and 9 passes it would hold an async worker for a third of a second.
async fn pin_matches(pin: &str, phc: String) -> Result<bool, StoreError> {
    let pin = pin.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(|e| StoreError::Hash(e.to_string()))?;
        Ok(hasher()?.verify_password(pin.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| StoreError::Hash(e.to_string()))?
}

impl Store {
    /// Checks an agent's PIN for a sign-in at `now`; see [`Store::check_pin`].
    pub async fn verify_pin(
        &self,
        code: &str,
        pin: &str,
        now: DateTime<Utc>,
        lockout: LockoutPolicy,
    ) -> Result<Result<AuthenticatedAgent, AuthError>, StoreError> {
        self.check_pin(code, pin, PinUse::SignIn, now, lockout).await
    }

    /// Checks an agent's PIN at `now`. Unknown agents and wrong PINs look
    /// the same, and cost the same (a hash of the same parameters).
    ///
    /// A guess is counted before its hash is checked, in one write: the
    /// guess that reaches the limit locks the agent at once (its own right
    /// PIN lifts the lock), so parallel sign-ins get no guess beyond the
    /// limit. A success resets the count. Every outcome is in the audit log.
    pub async fn check_pin(
        &self,
        code: &str,
        pin: &str,
        used_for: PinUse,
        now: DateTime<Utc>,
        lockout: LockoutPolicy,
    ) -> Result<Result<AuthenticatedAgent, AuthError>, StoreError> {
        if pin.len() < MIN_PIN_DIGITS || pin.len() > 32 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Err(AuthError::MalformedPin));
        }
        let typed: String = code.trim().chars().take(32).collect();
        let code = gatecare_core::AgentCode::parse(code).map(|c| c.to_string()).unwrap_or_default();
        let until = now + Duration::minutes(lockout.lock_minutes);
        // A lock that has run out starts the count again.
        let counted = sqlx::query_as::<_, CountedGuess>(
            "UPDATE agents SET \
               failed_attempts = (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1, \
               locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1 >= ? \
                                   THEN ? ELSE NULL END \
             WHERE code = ? AND (locked_until IS NULL OR locked_until <= ?) \
             RETURNING id, code, name, role, station, pin_hash, failed_attempts",
        )
        .bind(i64::from(lockout.max_failures))
        .bind(rfc3339(until))
        .bind(&code)
        .bind(rfc3339(now))
        .fetch_optional(self.pool())
        .await?;
        let Some(guess) = counted else {
            let locked: Option<String> = sqlx::query_scalar("SELECT locked_until FROM agents WHERE code = ?")
                .bind(&code)
                .fetch_optional(self.pool())
                .await?
                .flatten();
            if let Some(until) = locked {
                let until = parse_time(until)?;
                self.audit_pin(
                    &code,
                    used_for.action("_locked"),
                    serde_json::json!({"locked_until": until}),
                    now,
                )
                .await?;
                return Ok(Err(AuthError::Locked { until }));
            }
            return self.unknown_code_guess(&code, &typed, pin, used_for, now, lockout).await;
        };
        if pin_matches(pin, guess.pin_hash).await? {
            sqlx::query("UPDATE agents SET failed_attempts = 0, locked_until = NULL WHERE id = ?")
                .bind(&guess.id)
                .execute(self.pool())
                .await?;
            self.audit_pin(&guess.code, used_for.action(""), serde_json::json!({}), now).await?;
            return Ok(Ok(AuthenticatedAgent {
                id: guess.id,
                code: guess.code,
                name: guess.name,
                role: role(&guess.role)?,
                station: guess.station,
            }));
        }
        let failures = u32::try_from(guess.failed_attempts).unwrap_or(u32::MAX);
        let details = serde_json::json!({"failures": failures});
        self.audit_pin(&guess.code, used_for.action("_failed"), details, now).await?;
        if failures >= lockout.max_failures {
            let details = serde_json::json!({"locked_until": until, "failures": failures});
            self.audit_pin(&guess.code, "agent.locked_out".into(), details, now).await?;
            return Ok(Err(AuthError::Locked { until }));
        }
        Ok(Err(AuthError::BadCredentials { failures_left: Some(lockout.max_failures - failures) }))
    }

    /// A guess at a code this device does not know, answered as a wrong
    /// PIN of a known code is: the same hash's time, the same count of
    /// tries left, the same lock-out after the last (counted per typed
    /// code), so neither time nor words tell which codes exist.
    async fn unknown_code_guess(
        &self,
        code: &str,
        typed: &str,
        pin: &str,
        used_for: PinUse,
        now: DateTime<Utc>,
        lockout: LockoutPolicy,
    ) -> Result<Result<AuthenticatedAgent, AuthError>, StoreError> {
        let until = now + Duration::minutes(lockout.lock_minutes);
        sqlx::query("INSERT INTO unknown_code_guesses (code) VALUES (?) ON CONFLICT (code) DO NOTHING")
            .bind(code)
            .execute(self.pool())
            .await?;
        // Counted as a known code's guess is, in one write.
        let counted: Option<i64> = sqlx::query_scalar(
            "UPDATE unknown_code_guesses SET \
               failed_attempts = (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1, \
               locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1 >= ? \
                                   THEN ? ELSE NULL END \
             WHERE code = ? AND (locked_until IS NULL OR locked_until <= ?) \
             RETURNING failed_attempts",
        )
        .bind(i64::from(lockout.max_failures))
        .bind(rfc3339(until))
        .bind(code)
        .bind(rfc3339(now))
        .fetch_optional(self.pool())
        .await?;
        let Some(failures) = counted else {
            let locked: Option<String> =
                sqlx::query_scalar("SELECT locked_until FROM unknown_code_guesses WHERE code = ?")
                    .bind(code)
                    .fetch_one(self.pool())
                    .await?;
            let until = locked.map(parse_time).transpose()?.unwrap_or(until);
            let details = serde_json::json!({"locked_until": until, "code": typed});
            self.audit_pin("unknown", used_for.action("_locked"), details, now).await?;
            return Ok(Err(AuthError::Locked { until }));
        };
        // Spend the same time as a real check so codes cannot be probed.
        pin_matches(pin, dummy_hash()).await?;
        let failures = u32::try_from(failures).unwrap_or(u32::MAX);
        let details = serde_json::json!({"code": typed, "failures": failures});
        self.audit_pin("unknown", used_for.action("_failed"), details, now).await?;
        if failures >= lockout.max_failures {
            return Ok(Err(AuthError::Locked { until }));
        }
        Ok(Err(AuthError::BadCredentials { failures_left: Some(lockout.max_failures - failures) }))
    }

    async fn audit_pin(
        &self,
        actor: &str,
        action: String,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let device = self.enrolled_device().await?.unwrap_or_else(|| "unenrolled".into());
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        crate::ledger::audit(&mut tx, actor, &device, &action, &details, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets every agent's record: a kiosk keeps no PIN hash (one enrolled
    /// before central stopped sending them may still have some).
    pub async fn forget_agents(&self) -> Result<u64, StoreError> {
        let forgotten = sqlx::query("DELETE FROM agents").execute(self.pool()).await?.rows_affected();
        if forgotten > 0 {
            self.overwrite_forgotten().await?;
        }
        Ok(forgotten)
    }
}

/// A hash of a PIN nobody has, with exactly the real parameters (its salt
/// and digest are arbitrary), verified when the agent code is unknown.
pub fn dummy_hash() -> String {
    format!(
        "$argon2id$v=19$m={PIN_HASH_MEMORY_KIB},t={PIN_HASH_PASSES},p={PIN_HASH_LANES}$c29tZXNhbHRzb21lc2FsdA$0Q6e3J0gq8m6wJ3Yx3m1b9Zb7mO8m2k7Lq8w9l0m1n4"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_hash_with_argon2id_and_refuse_short_ones() {
        let h = hash_pin("246810").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=65536,t=9,p=1$"), "{h}");
        assert!(hash_pin("12345").is_err());
        assert!(hash_pin("12345a").is_err());
    }

    /// An unknown code costs what a known one does: the dummy hash is
    /// checked with the parameters of a real agent's hash.
    #[test]
    fn the_dummy_hash_has_the_real_parameters() {
        let real = hash_pin("246810").unwrap();
        let (real, dummy) = (PasswordHash::new(&real).unwrap(), dummy_hash());
        let dummy = PasswordHash::new(&dummy).unwrap();
        assert_eq!((dummy.algorithm, dummy.version), (real.algorithm, real.version));
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
    }
}
