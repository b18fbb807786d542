//! Enrolment codes: one-time, short-lived, typed at a new device. Central
//! stores only their hashes; a code names the station and role it enrols.

use chrono::{DateTime, Duration, Utc};
use gatecare_server_database::{Database, DbError, NewEnrolmentCode};
use gatecare_sync::DeviceRole;

use crate::{random_bytes, secret_hash};

/// Letters and digits that cannot be mistaken for each other when read
/// aloud or typed on a kiosk (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Upper-cases and drops separators, so `abcd-efgh-jkmn` matches.
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

pub async fn issue_enrolment_code<D: Database>(
    db: &D,
    station: &str,
    role: DeviceRole,
    valid_for: Duration,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let raw = random_bytes::<12>()?;
    let code: String = raw.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect();
    db.add_enrolment_code(&NewEnrolmentCode {
        code_hash: secret_hash(&code),
        station: station.to_owned(),
        role,
        created_at: now,
        expires_at: now + valid_for,
    })
    .await?;
    Ok(format!("{}-{}-{}", &code[0..4], &code[4..8], &code[8..12]))
}
