//! A passenger the kiosk must not serve alone: staff called, once.

use chrono::{DateTime, Utc};

use gatecare_store::store::{StoreError, rfc3339};

use crate::{Kiosk, KioskSession, needs_staff};

impl Kiosk<'_> {
    /// Tells the station's consoles that this passenger needs staff (an
    /// unaccompanied minor at the kiosk), once per passenger and flight.
    /// Returns whether a request was made now.
    pub async fn kiosk_request_staff(
        &self,
        s: &KioskSession,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let needs: Option<String> = sqlx::query_scalar("SELECT needs FROM passengers WHERE id = ?")
            .bind(&s.passenger_id)
            .fetch_optional(self.pool())
            .await?;
        if !needs_staff(&gatecare_station::manifest::parse_needs(needs.as_deref().unwrap_or_default())) {
            return Ok(false);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let reason = "unaccompanied minor at the kiosk";
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let n = sqlx::query(
            "INSERT INTO staff_requests (id, flight_id, passenger_id, reason, device, requested_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (flight_id, passenger_id) DO NOTHING",
        )
        .bind(&id)
        .bind(&s.flight_id)
        .bind(&s.passenger_id)
        .bind(reason)
        .bind(device)
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let payload = serde_json::json!({
                "id": id, "flight_id": s.flight_id, "passenger_id": s.passenger_id, "reason": reason,
                "device": device, "requested_at": now,
            });
            gatecare_store::ledger::append_sync(&mut tx, "staff_requested", &payload, now).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }
}
