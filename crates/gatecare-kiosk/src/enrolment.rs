//! Joining the programme at the kiosk.

use chrono::{DateTime, Datelike, Utc};

use gatecare_store::store::StoreError;

use crate::view::is_minor;
use crate::{Kiosk, KioskSession};

impl Kiosk<'_> {
    /// Enrols the passenger in the programme (seed 000: many frequent
    /// travellers never joined). Returns the new number.
    pub async fn kiosk_enrol(
        &self,
        s: &KioskSession,
        mobile: &str,
        consent: bool,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let digits: String = mobile.chars().filter(|c| !c.is_whitespace()).collect();
        if !consent {
            return Err(StoreError::Data("enrolment needs the passenger's consent".into()));
        }
        if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(StoreError::Data("a mobile number has 8 to 15 digits".into()));
        }
        let birth_year: Option<i64> = sqlx::query_scalar("SELECT birth_year FROM passengers WHERE id = ?")
            .bind(&s.passenger_id)
            .fetch_optional(self.pool())
            .await?
            .flatten();
        if is_minor(birth_year, now.year()) {
            return Err(StoreError::Data("the programme is for passengers of 18 and over".into()));
        }
        let carrier: String = sqlx::query_scalar("SELECT carrier FROM flights WHERE id = ?")
            .bind(&s.flight_id)
            .fetch_one(self.pool())
            .await?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let member: bool = sqlx::query_scalar(
            "SELECT COUNT(*) > 0 FROM loyalty_profiles WHERE passenger_id = ? AND ff_number IS NOT NULL",
        )
        .bind(&s.passenger_id)
        .fetch_one(&mut *tx)
        .await?;
        if member {
            return Err(StoreError::Data("already a member".into()));
        }
        // A provisional number from this device; central confirms it.
        let mut rnd = [0u8; 4];
        getrandom::fill(&mut rnd).map_err(|e| StoreError::Hash(e.to_string()))?;
        let number = format!("{carrier}P{:08}", u32::from_le_bytes(rnd) % 100_000_000);
        sqlx::query(
            "INSERT INTO loyalty_profiles (passenger_id, ff_airline, ff_number, tier) VALUES (?, ?, ?, 'none') \
             ON CONFLICT (passenger_id) DO UPDATE SET ff_airline = excluded.ff_airline, ff_number = excluded.ff_number",
        )
        .bind(&s.passenger_id)
        .bind(&carrier)
        .bind(&number)
        .execute(&mut *tx)
        .await?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query("INSERT INTO enrolments (id, passenger_id, ff_number, mobile, consent, device, at) VALUES (?, ?, ?, ?, 1, ?, ?)")
            .bind(&id)
            .bind(&s.passenger_id)
            .bind(&number)
            .bind(&digits)
            .bind(device)
            .bind(gatecare_store::store::rfc3339(now))
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"enrolment_id": id, "passenger_id": s.passenger_id, "ff_number": number, "mobile": digits, "device": device});
        gatecare_store::ledger::append_sync(&mut tx, "enrolment", &payload, now).await?;
        tx.commit().await?;
        Ok(number)
    }
}
