//! The hotels a passenger may choose tonight.

use chrono::{DateTime, Utc};
use serde::Serialize;

use gatecare_store::store::StoreError;

use crate::Kiosk;

/// A hotel with rooms left, for the passenger to choose.
// Read as `kiosk_hotels` selects it (a plain comment: doc comments reach the UI's ipc.ts).
#[derive(ts_rs::TS, Debug, Clone, Serialize, sqlx::FromRow)]
pub struct KioskHotel {
    pub id: String,
    pub name: String,
    pub name_zh: Option<String>,
    pub address: String,
    pub stars: i64,
    pub rooms_left: i64,
    pub transport: String,
}

impl Kiosk<'_> {
    /// Hotels of the station with rooms left tonight, best first.
    pub async fn kiosk_hotels(
        &self,
        station: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<KioskHotel>, StoreError> {
        Ok(sqlx::query_as::<_, KioskHotel>(
            "SELECT id, name, name_zh, address, stars, rooms_left, transport FROM hotel_blocks \
             WHERE station = ? AND rooms_left > 0 AND valid_from <= ? AND valid_until > ? ORDER BY stars DESC, rooms_left DESC",
        )
        .bind(station)
        .bind(gatecare_store::store::rfc3339(now))
        .bind(gatecare_store::store::rfc3339(now))
        .fetch_all(self.pool())
        .await?)
    }
}
