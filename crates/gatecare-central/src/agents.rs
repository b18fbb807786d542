//! Gate agents as central keeps them: PIN hashes made here, records checked
//! before every console of the station receives them.

use chrono::{DateTime, Utc};
use gatecare_server_database::{AgentRecord, Database, DbError};

use gatecare_server::random_bytes;

/// Hashes a PIN as the consoles check it: argon2id, 64 MiB, 9 passes (about
/// 250 ms on a gate PC, so guessing offline is slow).
pub fn hash_pin(pin: &str) -> Result<String, DbError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if pin.len() < 6 || pin.len() > 32 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DbError::Backend("a PIN is 6 to 32 digits".into()));
    }
    // The cost consoles spend on a code they do not know, too.
    let params = argon2::Params::new(
        gatecare_core::PIN_HASH_MEMORY_KIB,
        gatecare_core::PIN_HASH_PASSES,
        gatecare_core::PIN_HASH_LANES,
        None,
    )
    .map_err(DbError::backend)?;
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(DbError::backend)?;
    Ok(hasher.hash_password(pin.as_bytes(), &salt).map_err(DbError::backend)?.to_string())
}

/// Adds or updates a gate agent; every console at the station receives it.
pub async fn set_agent<D: Database>(db: &D, agent: &AgentRecord, now: DateTime<Utc>) -> Result<i64, DbError> {
    let bad = |what: &str| Err(DbError::Backend(format!("invalid agent: {what}")));
    // Stored as consoles compare it at sign-in: `a1001` is `A1001`.
    let Ok(code) = gatecare_core::AgentCode::parse(&agent.code) else {
        return bad("the code is 1 to 16 letters and digits");
    };
    let agent = &AgentRecord { code: code.to_string(), ..agent.clone() };
    if gatecare_core::Role::parse(&agent.role).is_err() {
        return bad("the role is agent, supervisor or duty_manager");
    }
    if agent.name.trim().is_empty() || agent.name.chars().count() > 80 {
        return bad("a name of 1 to 80 characters");
    }
    if !agent.pin_hash.starts_with("$argon2id$") {
        return bad("the PIN hash must be argon2id");
    }
    db.upsert_agent(agent, now).await
}
