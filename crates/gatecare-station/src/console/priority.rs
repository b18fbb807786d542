//! The flight's passengers in the order care reaches them (legal priority
//! first, then stars).

use super::*;

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct PriorityRow {
    pub place: usize,
    pub class: PriorityClass,
    pub reason: String,
    pub reason_zh: String,
    pub reach_out_first: bool,
    /// The passenger as the manifest has them (flattened on the wire).
    #[serde(flatten)]
    pub passenger: crate::manifest::ManifestEntry,
    /// Vouchers issued (not voided) on this flight.
    pub vouchers: i64,
}

impl Station {
    /// The flight's passengers in the care engine's order.
    pub async fn priority_list(
        &self,
        flight_id: &str,
        policy: &Policy,
    ) -> Result<Vec<PriorityRow>, StoreError> {
        let manifest = self.manifest(flight_id, policy).await?;
        // Ages are counted in the flight's year; no flight, no manifest.
        let year: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(substr(scheduled_departure, 1, 4) AS INTEGER) FROM flights WHERE id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(year) = year else { return Ok(Vec::new()) };
        let issued: std::collections::HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT passenger_id, COUNT(*) FROM station_vouchers WHERE flight_id = ? AND void_reason IS NULL \
             GROUP BY passenger_id",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let input = crate::manifest::priority_inputs(&manifest, year);
        let mut by_id: std::collections::HashMap<String, crate::manifest::ManifestEntry> =
            manifest.into_iter().map(|m| (m.passenger_id.clone(), m)).collect();
        let basis = self.priority_basis(flight_id).await?;
        Ok(order(&input, basis)
            .into_iter()
            .filter_map(|p| {
                let m = by_id.remove(&p.id)?;
                Some(PriorityRow {
                    place: p.place,
                    class: p.class,
                    reason: p.reason,
                    reason_zh: p.reason_zh,
                    reach_out_first: p.reach_out_first,
                    vouchers: issued.get(&m.passenger_id).copied().unwrap_or(0),
                    passenger: m,
                })
            })
            .collect())
    }
}
