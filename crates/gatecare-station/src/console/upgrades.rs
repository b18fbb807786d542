//! Who could move up a cabin, best customers first, and the seats free.

use super::*;

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct UpgradeCandidate {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub from_cabin: Cabin,
    pub to_cabin: Cabin,
    pub stars: u8,
    pub tier: LoyaltyTier,
    pub upgraded: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct Upgrades {
    /// Free seats per higher cabin.
    pub free: Vec<CabinRow>,
    /// By stars, then tier: the first ones fit the free seats.
    pub candidates: Vec<UpgradeCandidate>,
}

impl Station {
    /// Passengers who could move up a cabin, best customers first, and the
    /// free seats they could take.
    pub async fn upgrade_candidates(&self, flight_id: &str, policy: &Policy) -> Result<Upgrades, StoreError> {
        let cabins = self.cabins(flight_id).await?;
        let upgraded: std::collections::HashSet<String> = sqlx::query_scalar(
            "SELECT passenger_id FROM station_vouchers WHERE flight_id = ? AND kind = 'upgrade' AND void_reason IS NULL",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let manifest = self.manifest(flight_id, policy).await?;
        let mut candidates: Vec<UpgradeCandidate> = manifest
            .into_iter()
            .filter(|m| m.stars >= 4 || m.tier >= LoyaltyTier::Gold)
            .filter_map(|m| {
                let (to, _) = next_cabin_up(&cabins, m.cabin)?;
                Some(UpgradeCandidate {
                    upgraded: upgraded.contains(&m.passenger_id),
                    passenger_id: m.passenger_id,
                    surname: m.surname,
                    given_names: m.given_names,
                    native_name: m.native_name,
                    from_cabin: m.cabin,
                    to_cabin: to,
                    stars: m.stars,
                    tier: m.tier,
                })
            })
            .collect();
        candidates
            .sort_by(|a, b| b.stars.cmp(&a.stars).then(b.tier.cmp(&a.tier)).then(a.surname.cmp(&b.surname)));
        let free = cabins.iter().filter(|c| c.cabin > Cabin::Economy).cloned().collect();
        Ok(Upgrades { free, candidates })
    }
}

/// The next cabin above `from` that this aircraft has.
fn next_cabin_up(cabins: &[CabinRow], from: Cabin) -> Option<(Cabin, &CabinRow)> {
    cabins.iter().map(|r| (r.cabin, r)).filter(|(c, _)| *c > from).min_by_key(|(c, _)| *c)
}

impl Station {
    /// Where an upgrade from `from` goes on this flight: the next cabin up
    /// the aircraft has, if any.
    pub(crate) async fn upgrade_cabin(
        &self,
        flight_id: &str,
        from: Cabin,
    ) -> Result<Option<Cabin>, StoreError> {
        Ok(next_cabin_up(&self.cabins(flight_id).await?, from).map(|(c, _)| c))
    }
}
