//! The airline's own rules, beside the law's (`gatecare-care`): its policy
//! file, the customer star rating it weighs, and its agents' authority.
//!
//! Configuration, not code: `default.toml` is the documented default;
//! [`Policy::from_toml`] reads and checks another. Pure: no IO, no clock.
//!
//! - the customer star rating and lifetime value: [`stars`];
//! - front-line authority limits: [`authority`].

pub mod authority;
pub mod stars;

use chrono::NaiveTime;
use gatecare_core::{Cabin, Currency, LoyaltyTier};
use serde::Deserialize;

pub const DEFAULT_POLICY: &str = include_str!("../default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub care: CarePolicy,
    pub compensation: CompensationPolicy,
    pub meals: MealPolicy,
    pub hotel: HotelPolicy,
    pub lounge: LoungePolicy,
    pub goodwill: Vec<GoodwillRule>,
    pub upgrade: UpgradePolicy,
    #[serde(default)]
    pub guarantees: Vec<Guarantee>,
    pub star_rating: StarRatingPolicy,
    pub lifetime_value: LifetimeValuePolicy,
    pub authority: Vec<AuthorityRule>,
    #[serde(default)]
    pub recovery: RecoveryPolicy,
    #[serde(default)]
    pub vouchers: VoucherPolicy,
    #[serde(default)]
    pub retention: RetentionPolicy,
    /// The text this policy was read from and its hash: a decision records
    /// the hash, and the text is stored once under it, so the decision can
    /// be replayed under the policy that made it.
    #[serde(skip)]
    source: PolicySource,
}

/// How long a device keeps passengers' data after a flight's care is
/// closed (`gatecare-store/src/retention.rs`). The ledger and the audit log
/// are kept regardless: they are the record of what was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    pub days_after_care: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { days_after_care: 7 }
    }
}

impl RetentionPolicy {
    /// The most a device may keep: it is not an archive, central is.
    pub const MAX_DAYS: u32 = 90;

    pub fn keep(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.days_after_care))
    }
}

/// A station's own words on its vouchers (where at that airport a meal is
/// bought); the voucher crate's general words elsewhere.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherPolicy {
    #[serde(default)]
    pub wording: Vec<VoucherWording>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherWording {
    pub station: String,
    /// meal, transport, upgrade or goodwill (a hotel's words come from its
    /// check-out time).
    pub kind: String,
    pub buys_en: String,
    pub buys_zh: String,
}

#[derive(Debug, Clone, Default)]
struct PolicySource {
    text: std::sync::Arc<str>,
    hash: String,
}

/// A policy's text travels to central inside the sync event of the first
/// decision made under it, whose payload is capped at 16 KiB.
pub const MAX_POLICY_BYTES: usize = 12 * 1024;

/// `sha256:` and the hex digest of a policy's text, byte for byte.
pub fn policy_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Service recovery (seed 002): how fast a complaint is answered, when it
/// escalates, and what remedies are worth against the authority limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryPolicy {
    pub first_answer_hours: u32,
    pub escalate_to_supervisor_hours_left: u32,
    pub escalate_to_duty_manager_hours_left: u32,
    pub follow_up_days: u32,
    pub alert_threshold: u32,
    pub currency: Currency,
    pub mile_value_minor: i64,
    pub upgrade_value_minor: i64,
}

impl Default for RecoveryPolicy {
    /// The values of `policy/default.toml`, for policy files written before
    /// service recovery existed.
    fn default() -> Self {
        RecoveryPolicy {
            first_answer_hours: 72,
            escalate_to_supervisor_hours_left: 24,
            escalate_to_duty_manager_hours_left: 6,
            follow_up_days: 7,
            alert_threshold: 3,
            currency: Currency::parse("HKD").unwrap_or_else(|_| unreachable!("HKD is a currency code")),
            mile_value_minor: 5,
            upgrade_value_minor: 150_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarePolicy {
    pub first_meal_after_minutes: u32,
    pub meal_interval_minutes: u32,
    pub hotel_from_local: NaiveTime,
    pub overnight_min_hours: u32,
    pub voluntary_care_without_regime: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompensationPolicy {
    pub eu_art_7_2_reduction: bool,
    pub appr_default_carrier_size: CarrierSize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarrierSize {
    Large,
    Small,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MealPolicy {
    pub amount: Vec<MealAmount>,
    pub times: Vec<MealTime>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MealAmount {
    pub station: String,
    pub currency: Currency,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MealTime {
    pub name: String,
    pub from: NaiveTime,
    pub to: NaiveTime,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotelPolicy {
    pub economy: u8,
    pub premium_economy: u8,
    pub business: u8,
    pub first: u8,
    #[serde(default)]
    pub by_customer_stars: Vec<HotelByStars>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotelByStars {
    pub min_customer_stars: u8,
    pub hotel_stars: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoungePolicy {
    pub instead_of_meal: bool,
    pub tiers: Vec<LoyaltyTier>,
    pub min_customer_stars: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoodwillRule {
    pub min_stars: u8,
    pub miles: u32,
    pub discount_pct: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradePolicy {
    pub min_customer_stars: u8,
    pub tiers: Vec<LoyaltyTier>,
    /// What a gate upgrade is worth against the authority limits.
    #[serde(default)]
    pub value: UpgradeValues,
}

/// An upgrade's value per cabin pair (minor units of `currency`, which
/// should be the authority limits' currency): an upgrade is discretionary,
/// so it counts against the agent's limit like goodwill does. A `[upgrade]`
/// table without `[upgrade.value]` gets these defaults (default.toml's).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeValues {
    pub currency: Currency,
    pub economy_to_premium_economy: i64,
    pub economy_to_business: i64,
    pub economy_to_first: i64,
    pub premium_economy_to_business: i64,
    pub premium_economy_to_first: i64,
    pub business_to_first: i64,
}

impl Default for UpgradeValues {
    fn default() -> Self {
        UpgradeValues {
            currency: Currency::parse("HKD").unwrap_or_else(|_| unreachable!("HKD is a currency code")),
            economy_to_premium_economy: 40_000,
            economy_to_business: 100_000,
            economy_to_first: 200_000,
            premium_economy_to_business: 80_000,
            premium_economy_to_first: 180_000,
            business_to_first: 150_000,
        }
    }
}

impl UpgradeValues {
    /// The value of moving a passenger from `from` up to `to`; `None` when
    /// `to` is not above `from`.
    pub fn of(&self, from: Cabin, to: Cabin) -> Option<gatecare_core::Money> {
        use Cabin::*;
        let minor = match (from, to) {
            (Economy, PremiumEconomy) => self.economy_to_premium_economy,
            (Economy, Business) => self.economy_to_business,
            (Economy, First) => self.economy_to_first,
            (PremiumEconomy, Business) => self.premium_economy_to_business,
            (PremiumEconomy, First) => self.premium_economy_to_first,
            (Business, First) => self.business_to_first,
            _ => return None,
        };
        Some(gatecare_core::Money::new(minor, self.currency))
    }

    fn all(&self) -> [i64; 6] {
        [
            self.economy_to_premium_economy,
            self.economy_to_business,
            self.economy_to_first,
            self.premium_economy_to_business,
            self.premium_economy_to_first,
            self.business_to_first,
        ]
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guarantee {
    pub id: String,
    pub description: String,
    pub target_pct: u8,
    pub per_point_pct: u8,
    pub max_pct: u8,
}

impl Guarantee {
    /// The discount (percent) a measured service level earns: each point
    /// below the target is worth `per_point_pct`, capped at `max_pct`.
    pub fn discount_pct(&self, achieved_pct: u8) -> u8 {
        let shortfall = self.target_pct.saturating_sub(achieved_pct) as u32;
        (shortfall * self.per_point_pct as u32).min(self.max_pct as u32) as u8
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarRatingPolicy {
    pub complaints_and_sensitivity: u8,
    pub flight_frequency: u8,
    pub travel_pattern: u8,
    pub cabin_bought: u8,
    pub purchase_channel: u8,
    pub occupation: u8,
    pub staff_observations: u8,
    pub other: u8,
    pub flights_for_full_points: u16,
    pub bands: Vec<StarBandRule>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarBandRule {
    pub stars: u8,
    pub min_score: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifetimeValuePolicy {
    pub currency: Currency,
    pub horizon_years: u16,
    pub max_age: u16,
    pub economy: i64,
    pub premium_economy: i64,
    pub business: i64,
    pub first: i64,
}

impl LifetimeValuePolicy {
    pub fn average_fare(&self, cabin: Cabin) -> i64 {
        match cabin {
            Cabin::Economy => self.economy,
            Cabin::PremiumEconomy => self.premium_economy,
            Cabin::Business => self.business,
            Cabin::First => self.first,
        }
    }
}

pub use gatecare_core::Role;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRule {
    pub role: Role,
    pub min_stars: u8,
    pub currency: Currency,
    pub amount_minor: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("policy is not valid TOML or has unknown keys: {0}")]
    Syntax(String),
    #[error("policy value {key} is not acceptable: {reason}")]
    Value { key: &'static str, reason: String },
}

impl Policy {
    pub fn default_policy() -> Policy {
        // The shipped file is checked by a unit test; this cannot fail in a release.
        Policy::from_toml(DEFAULT_POLICY).unwrap_or_else(|e| unreachable!("default policy: {e}"))
    }

    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::Value {
                key: "policy",
                reason: format!(
                    "{} bytes; at most {MAX_POLICY_BYTES}: it travels with a decision to central",
                    text.len()
                ),
            });
        }
        let mut p: Policy = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.message().to_owned()))?;
        p.check()?;
        p.source = PolicySource { text: text.into(), hash: policy_hash(text) };
        Ok(p)
    }

    /// The TOML this policy was read from, exactly.
    pub fn text(&self) -> &str {
        &self.source.text
    }

    /// The hash of [`Policy::text`] (`sha256:…`).
    pub fn hash(&self) -> &str {
        &self.source.hash
    }

    fn check(&self) -> Result<(), PolicyError> {
        let bad = |key, reason: &str| Err(PolicyError::Value { key, reason: reason.to_owned() });
        if !(1..=RetentionPolicy::MAX_DAYS).contains(&self.retention.days_after_care) {
            return bad("retention.days_after_care", "1 to 90 days: a device is not an archive");
        }
        if self.care.meal_interval_minutes < 60 {
            return bad("care.meal_interval_minutes", "at least 60");
        }
        if self.care.first_meal_after_minutes > 6 * 60 {
            return bad("care.first_meal_after_minutes", "at most 360: passengers must be fed");
        }
        let s = &self.star_rating;
        let total = [
            s.complaints_and_sensitivity,
            s.flight_frequency,
            s.travel_pattern,
            s.cabin_bought,
            s.purchase_channel,
            s.occupation,
            s.staff_observations,
            s.other,
        ]
        .iter()
        .map(|&c| c as u32)
        .sum::<u32>();
        if total != 100 {
            return bad("star_rating", "the eight caps must add up to 100");
        }
        if s.flights_for_full_points == 0 {
            return bad("star_rating.flights_for_full_points", "must be positive");
        }
        if !s.bands.iter().any(|b| b.min_score == 0) {
            return bad("star_rating.bands", "one band must start at 0 so every score has stars");
        }
        if s.bands.iter().any(|b| !(1..=6).contains(&b.stars) || b.min_score > 100) {
            return bad("star_rating.bands", "stars 1-6, scores 0-100");
        }
        if self.meals.amount.iter().any(|m| m.amount_minor <= 0) || self.meals.amount.is_empty() {
            return bad("meals.amount", "positive amounts, at least one");
        }
        if self.authority.iter().any(|a| a.amount_minor < 0) {
            return bad("authority", "limits cannot be negative");
        }
        if self.upgrade.value.all().iter().any(|v| *v < 0) {
            return bad("upgrade.value", "values cannot be negative");
        }
        // An upgrade counts against a limit only in the limit's currency.
        if !self.authority.iter().any(|a| a.currency == self.upgrade.value.currency) {
            return bad("upgrade.value", "give [upgrade.value] in the currency of the [[authority]] limits");
        }
        if self.guarantees.iter().any(|g| g.target_pct > 100 || g.max_pct > 100) {
            return bad("guarantees", "percentages are 0-100");
        }
        let r = &self.recovery;
        if r.first_answer_hours == 0 || r.first_answer_hours > 24 * 30 {
            return bad("recovery.first_answer_hours", "1 to 720 hours");
        }
        if r.escalate_to_duty_manager_hours_left > r.escalate_to_supervisor_hours_left
            || r.escalate_to_supervisor_hours_left >= r.first_answer_hours
        {
            return bad(
                "recovery.escalate_to_supervisor_hours_left",
                "duty manager <= supervisor < first_answer_hours",
            );
        }
        if r.follow_up_days == 0 || r.alert_threshold == 0 {
            return bad("recovery", "follow_up_days and alert_threshold are positive");
        }
        if r.mile_value_minor < 0 || r.upgrade_value_minor < 0 {
            return bad("recovery", "values cannot be negative");
        }
        for w in &self.vouchers.wording {
            if w.station.len() != 3 || !w.station.bytes().all(|b| b.is_ascii_uppercase()) {
                return bad("vouchers.wording.station", "an IATA airport code such as HKG");
            }
            if !matches!(w.kind.as_str(), "meal" | "transport" | "upgrade" | "goodwill") {
                return bad("vouchers.wording.kind", "meal, transport, upgrade or goodwill");
            }
            let fits = |t: &str| !t.trim().is_empty() && t.chars().count() <= 200;
            if !fits(&w.buys_en) || !fits(&w.buys_zh) {
                return bad("vouchers.wording", "buys_en and buys_zh: 1 to 200 characters each");
            }
        }
        Ok(())
    }

    /// The meal voucher value at a station: its own entry, else the "*" one.
    pub fn meal_amount(&self, station: &str) -> Option<(Currency, i64)> {
        self.meals
            .amount
            .iter()
            .find(|m| m.station == station)
            .or_else(|| self.meals.amount.iter().find(|m| m.station == "*"))
            .map(|m| (m.currency, m.amount_minor))
    }

    /// A station's own words for what a voucher of `kind` buys (English,
    /// Chinese), if the policy has them.
    pub fn voucher_wording(&self, station: &str, kind: &str) -> Option<(&str, &str)> {
        self.vouchers
            .wording
            .iter()
            .find(|w| w.station == station && w.kind == kind)
            .map(|w| (w.buys_en.as_str(), w.buys_zh.as_str()))
    }

    /// Goodwill for a customer's stars: the highest rule that matches.
    pub fn goodwill_for(&self, stars: u8) -> Option<&GoodwillRule> {
        self.goodwill.iter().filter(|g| g.min_stars <= stars).max_by_key(|g| g.min_stars)
    }

    /// Hotel stars for a cabin, raised for valued customers.
    pub fn hotel_stars(&self, cabin: Cabin, customer_stars: u8) -> u8 {
        let by_cabin = match cabin {
            Cabin::Economy => self.hotel.economy,
            Cabin::PremiumEconomy => self.hotel.premium_economy,
            Cabin::Business => self.hotel.business,
            Cabin::First => self.hotel.first,
        };
        let by_stars = self
            .hotel
            .by_customer_stars
            .iter()
            .filter(|h| h.min_customer_stars <= customer_stars)
            .map(|h| h.hotel_stars)
            .max()
            .unwrap_or(0);
        by_cabin.max(by_stars)
    }

    /// Whether an elite gets an open lounge instead of a meal voucher.
    pub fn lounge_instead_of_meal(&self, tier: LoyaltyTier, customer_stars: u8) -> bool {
        self.lounge.instead_of_meal
            && (self.lounge.tiers.contains(&tier) || customer_stars >= self.lounge.min_customer_stars)
    }

    pub fn upgrade_eligible(&self, tier: LoyaltyTier, customer_stars: u8) -> bool {
        customer_stars >= self.upgrade.min_customer_stars || self.upgrade.tiers.contains(&tier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_a_week_by_default_and_bounded() {
        let p = Policy::from_toml(DEFAULT_POLICY).unwrap();
        assert_eq!(p.retention.keep(), chrono::Duration::days(7));
        let without = DEFAULT_POLICY.replace("[retention]\n", "").replace("days_after_care = 7\n", "");
        assert_eq!(Policy::from_toml(&without).unwrap().retention, RetentionPolicy::default());
        for days in [0, 91] {
            let bad = DEFAULT_POLICY.replace("days_after_care = 7", &format!("days_after_care = {days}"));
            assert!(matches!(
                Policy::from_toml(&bad),
                Err(PolicyError::Value { key: "retention.days_after_care", .. })
            ));
        }
    }

    #[test]
    fn a_stations_voucher_words_are_checked_and_found() {
        let p = Policy::from_toml(DEFAULT_POLICY).unwrap();
        assert!(p.voucher_wording("HKG", "meal").is_some_and(|(en, _)| en.contains("Terminal 1")));
        assert_eq!(p.voucher_wording("AMS", "meal"), None);
        assert_eq!(p.voucher_wording("HKG", "transport"), None);
        let hotel = DEFAULT_POLICY.replace("kind = \"meal\"\nbuys_en", "kind = \"hotel\"\nbuys_en");
        assert!(matches!(
            Policy::from_toml(&hotel),
            Err(PolicyError::Value { key: "vouchers.wording.kind", .. })
        ));
        let lower = DEFAULT_POLICY
            .replace("station = \"HKG\"\nkind = \"meal\"", "station = \"hkg\"\nkind = \"meal\"");
        assert!(matches!(
            Policy::from_toml(&lower),
            Err(PolicyError::Value { key: "vouchers.wording.station", .. })
        ));
    }

    #[test]
    fn the_shipped_default_is_valid() {
        let p = Policy::from_toml(DEFAULT_POLICY).unwrap();
        assert_eq!(p.meal_amount("HKG").unwrap().1, 12000);
        assert_eq!(p.meal_amount("AMS").unwrap().0.as_str(), "EUR");
        assert_eq!(p.goodwill_for(5).unwrap().miles, 5000);
        assert_eq!(p.goodwill_for(6).unwrap().miles, 10000);
        assert_eq!(p.hotel_stars(Cabin::Economy, 2), 3);
        assert_eq!(p.hotel_stars(Cabin::Economy, 6), 5);
        assert!(p.lounge_instead_of_meal(LoyaltyTier::Gold, 1));
        assert!(!p.lounge_instead_of_meal(LoyaltyTier::Silver, 3));
        assert_eq!(p.upgrade.value, UpgradeValues::default(), "default.toml and the code agree");
        let hkd = |minor| Some(gatecare_core::Money::new(minor, Currency::parse("HKD").unwrap()));
        assert_eq!(p.upgrade.value.of(Cabin::Economy, Cabin::Business), hkd(100_000));
        assert_eq!(p.upgrade.value.of(Cabin::Business, Cabin::First), hkd(150_000));
        assert_eq!(p.upgrade.value.of(Cabin::Business, Cabin::Economy), None);
        assert_eq!(p.upgrade.value.of(Cabin::First, Cabin::First), None);
        // A policy written before upgrade values existed gets the defaults.
        let (start, end) = (
            DEFAULT_POLICY.find("[upgrade.value]").unwrap(),
            DEFAULT_POLICY.find("business_to_first").unwrap(),
        );
        let without =
            format!("{}{}", &DEFAULT_POLICY[..start], &DEFAULT_POLICY[end..].split_once('\n').unwrap().1);
        assert_eq!(Policy::from_toml(&without).unwrap().upgrade.value, UpgradeValues::default());
        let euros = DEFAULT_POLICY.replace(
            "currency = \"HKD\"\neconomy_to_premium_economy",
            "currency = \"EUR\"\neconomy_to_premium_economy",
        );
        assert!(matches!(Policy::from_toml(&euros), Err(PolicyError::Value { key: "upgrade.value", .. })));
        let negative = DEFAULT_POLICY.replace("business_to_first = 150000", "business_to_first = -1");
        assert!(matches!(Policy::from_toml(&negative), Err(PolicyError::Value { key: "upgrade.value", .. })));
    }

    #[test]
    fn guarantee_formula_from_seed_000() {
        let g = Guarantee {
            id: "x".into(),
            description: String::new(),
            target_pct: 95,
            per_point_pct: 2,
            max_pct: 50,
        };
        assert_eq!(g.discount_pct(95), 0);
        assert_eq!(g.discount_pct(99), 0);
        assert_eq!(g.discount_pct(94), 2);
        assert_eq!(g.discount_pct(90), 10);
        assert_eq!(g.discount_pct(0), 50);
    }

    #[test]
    fn bad_policies_are_refused_with_the_key() {
        assert!(matches!(Policy::from_toml("nonsense = 1"), Err(PolicyError::Syntax(_))));
        let long = format!("{DEFAULT_POLICY}\n{}", "#".repeat(MAX_POLICY_BYTES));
        assert!(matches!(Policy::from_toml(&long), Err(PolicyError::Value { key: "policy", .. })));
        // The hash is of the text as given, byte for byte.
        let p = Policy::from_toml(DEFAULT_POLICY).unwrap();
        assert_eq!(p.text(), DEFAULT_POLICY);
        assert_eq!(p.hash(), policy_hash(DEFAULT_POLICY));
        assert_ne!(Policy::from_toml(&format!("{DEFAULT_POLICY}\n")).unwrap().hash(), p.hash());
        let broken = DEFAULT_POLICY.replace("occupation = 15", "occupation = 25");
        assert!(matches!(Policy::from_toml(&broken), Err(PolicyError::Value { key: "star_rating", .. })));
        let broken = DEFAULT_POLICY.replace("meal_interval_minutes = 240", "meal_interval_minutes = 5");
        assert!(matches!(
            Policy::from_toml(&broken),
            Err(PolicyError::Value { key: "care.meal_interval_minutes", .. })
        ));
    }
}
