//! A passenger's one-tap rating of the care received.

use chrono::{DateTime, Utc};

use gatecare_store::store::StoreError;

use crate::{Kiosk, KioskSession};

impl Kiosk<'_> {
    /// A one-tap rating (1-5) of the care received.
    pub async fn kiosk_feedback(
        &self,
        s: &KioskSession,
        score: u8,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !(1..=5).contains(&score) {
            return Err(StoreError::Data("a rating is 1 to 5".into()));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO feedback (id, passenger_id, flight_id, score, device, at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&s.passenger_id)
        .bind(&s.flight_id)
        .bind(score as i64)
        .bind(device)
        .bind(gatecare_store::store::rfc3339(now))
        .execute(&mut *tx)
        .await?;
        let payload = serde_json::json!({"feedback_id": id, "passenger_id": s.passenger_id, "flight_id": s.flight_id, "score": score, "device": device});
        gatecare_store::ledger::append_sync(&mut tx, "feedback", &payload, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
