//! Who could move up a cabin, best customers first, and the seats free.

use super::*;

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct UpgradeCandidate {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub from_cabin: String,
    pub to_cabin: String,
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
        let rank = |c: &str| match Cabin::parse(c) {
            Ok(Cabin::First) => 3,
            Ok(Cabin::Business) => 2,
            Ok(Cabin::PremiumEconomy) => 1,
            _ => 0,
        };
        // The next cabin up that exists on this aircraft.
        let next_up = |c: &str| {
            let mut up: Vec<&CabinRow> = cabins.iter().filter(|r| rank(&r.cabin) > rank(c)).collect();
            up.sort_by_key(|r| rank(&r.cabin));
            up.first().map(|r| r.cabin.clone())
        };
        let manifest = self.manifest(flight_id, policy).await?;
        let mut candidates: Vec<UpgradeCandidate> = manifest
            .into_iter()
            .filter(|m| m.stars >= 4 || m.tier >= LoyaltyTier::Gold)
            .filter_map(|m| {
                let to = next_up(&m.cabin)?;
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
        let free = cabins.iter().filter(|c| rank(&c.cabin) > 0).cloned().collect();
        Ok(Upgrades { free, candidates })
    }
}
