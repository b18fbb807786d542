//! The customer star rating (seed 001): a 0-100 score from eight capped
//! factors, with the breakdown an agent needs to see why, stars from the
//! policy's bands, and a lifetime-value estimate (seed 003).

use gatecare_core::{Cabin, LoyaltyTier, Money};
use serde::Serialize;

use crate::Policy;

/// The facts the rating reads (the loyalty profile).
#[derive(Debug, Clone, Default)]
pub struct StarInputs {
    pub complaints_filed: u8,
    /// Service-recovery cases on the passenger's profile (seed 002: the
    /// rating reads the recovery memory).
    pub recovery_cases: u8,
    /// 0 (easy-going) to 3 (very sensitive to service).
    pub service_sensitivity: u8,
    pub flights_last_12_months: u16,
    pub weekday_share_pct: u8,
    /// Booking class letter of the ticket bought.
    pub booking_class: char,
    /// "direct", "agent" or "online_travel_site".
    pub channel: String,
    pub occupation: String,
    /// What front-line staff learned in person.
    pub staff_notes: Vec<String>,
    pub tier: Option<LoyaltyTier>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FactorScore {
    pub factor: &'static str,
    pub points: u8,
    pub max: u8,
    pub why: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StarRating {
    pub score: u8,
    pub stars: u8,
    pub factors: Vec<FactorScore>,
}

fn points(fraction: f64, cap: u8) -> u8 {
    (fraction.clamp(0.0, 1.0) * cap as f64).round() as u8
}

/// Occupation and position: share of the factor's cap.
const OCCUPATIONS: &[(&str, f64)] = &[
    ("executive", 1.0),
    ("senior_official", 0.93),
    ("business_owner", 0.87),
    ("physician", 0.73),
    ("lawyer", 0.73),
    ("engineer", 0.6),
    ("manager", 0.6),
    ("academic", 0.53),
    ("civil_servant", 0.47),
    ("sales", 0.4),
    ("teacher", 0.4),
    ("retired", 0.27),
    ("other", 0.27),
    ("student", 0.2),
];

/// Cabin bought: one first-class purchase earns the full factor; the deepest
/// discount class the least.
fn cabin_fraction(class: char) -> (f64, &'static str) {
    match class.to_ascii_uppercase() {
        'F' | 'A' | 'P' => (1.0, "first class"),
        'J' | 'C' | 'D' | 'I' | 'Z' => (0.8, "business class"),
        'W' | 'R' | 'E' => (0.5, "premium economy"),
        'Y' | 'B' => (0.4, "full-fare economy"),
        'M' | 'H' => (0.3, "flexible economy"),
        'K' | 'L' => (0.2, "discounted economy"),
        _ => (0.1, "deep-discount economy"),
    }
}

pub fn rate(input: &StarInputs, policy: &Policy) -> StarRating {
    let caps = &policy.star_rating;
    let mut factors = Vec::with_capacity(8);

    let sens = (input.service_sensitivity.min(3) as f64 / 3.0) * 0.7
        + (input.complaints_filed.saturating_add(input.recovery_cases).min(3) as f64 / 3.0) * 0.3;
    factors.push(FactorScore {
        factor: "complaints_and_sensitivity",
        points: points(sens, caps.complaints_and_sensitivity),
        max: caps.complaints_and_sensitivity,
        why: format!(
            "sensitivity {}/3, {} complaint(s) filed, {} recovery case(s) on record",
            input.service_sensitivity.min(3),
            input.complaints_filed,
            input.recovery_cases
        ),
    });
    let freq = input.flights_last_12_months as f64 / caps.flights_for_full_points as f64;
    factors.push(FactorScore {
        factor: "flight_frequency",
        points: points(freq, caps.flight_frequency),
        max: caps.flight_frequency,
        why: format!(
            "{} flights in 12 months ({} for full points)",
            input.flights_last_12_months, caps.flights_for_full_points
        ),
    });
    let (pattern, pattern_why) = match input.weekday_share_pct {
        70.. => (1.0, "business pattern"),
        50..=69 => (0.6, "mixed pattern"),
        _ => (0.2, "leisure pattern"),
    };
    factors.push(FactorScore {
        factor: "travel_pattern",
        points: points(pattern, caps.travel_pattern),
        max: caps.travel_pattern,
        why: format!("{pattern_why}: {}% of flights on weekdays", input.weekday_share_pct),
    });
    let (cabin, cabin_why) = cabin_fraction(input.booking_class);
    factors.push(FactorScore {
        factor: "cabin_bought",
        points: points(cabin, caps.cabin_bought),
        max: caps.cabin_bought,
        why: format!("{cabin_why} (class {})", input.booking_class),
    });
    let channel = match input.channel.as_str() {
        "direct" => 1.0,
        "agent" => 0.6,
        _ => 0.2,
    };
    factors.push(FactorScore {
        factor: "purchase_channel",
        points: points(channel, caps.purchase_channel),
        max: caps.purchase_channel,
        why: format!("bought via {}", input.channel),
    });
    let occ = OCCUPATIONS.iter().find(|(o, _)| *o == input.occupation).map_or(0.27, |(_, f)| *f);
    factors.push(FactorScore {
        factor: "occupation",
        points: points(occ, caps.occupation),
        max: caps.occupation,
        why: input.occupation.clone(),
    });
    let notes: f64 = input
        .staff_notes
        .iter()
        .map(|n| match n.as_str() {
            "flies_rivals_often" => 0.4,
            "executive" => 0.3,
            "international_potential" => 0.3,
            _ => 0.1,
        })
        .sum();
    factors.push(FactorScore {
        factor: "staff_observations",
        points: points(notes, caps.staff_observations),
        max: caps.staff_observations,
        why: if input.staff_notes.is_empty() { "none recorded".into() } else { input.staff_notes.join(", ") },
    });
    let (other, tier_name) = match input.tier.unwrap_or(LoyaltyTier::None) {
        LoyaltyTier::Platinum => (1.0, "platinum"),
        LoyaltyTier::Gold => (0.7, "gold"),
        LoyaltyTier::Silver => (0.4, "silver"),
        LoyaltyTier::None => (0.0, "no tier"),
    };
    factors.push(FactorScore {
        factor: "other",
        points: points(other, caps.other),
        max: caps.other,
        why: format!("loyalty: {tier_name}"),
    });

    let score = factors.iter().map(|f| f.points as u32).sum::<u32>().min(100) as u8;
    let stars = stars_for(score, policy);
    StarRating { score, stars, factors }
}

pub fn stars_for(score: u8, policy: &Policy) -> u8 {
    policy.star_rating.bands.iter().filter(|b| score >= b.min_score).map(|b| b.stars).max().unwrap_or(1)
}

/// Trips a year × average fare × remaining years (seed 003's 12 × 800 × 50).
pub fn lifetime_value(trips_per_year: u16, cabin: Cabin, age: Option<u16>, policy: &Policy) -> Money {
    let ltv = &policy.lifetime_value;
    let years = match age {
        Some(a) => ltv.max_age.saturating_sub(a).min(ltv.horizon_years),
        None => ltv.horizon_years,
    };
    let amount = (trips_per_year as i64).saturating_mul(ltv.average_fare(cabin)).saturating_mul(years as i64);
    Money::new(amount, ltv.currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::default_policy()
    }

    #[test]
    fn a_first_class_frequent_executive_is_six_stars() {
        let r = rate(
            &StarInputs {
                complaints_filed: 1,
                recovery_cases: 0,
                service_sensitivity: 3,
                flights_last_12_months: 96,
                weekday_share_pct: 90,
                booking_class: 'F',
                channel: "direct".into(),
                occupation: "executive".into(),
                staff_notes: vec!["flies_rivals_often".into(), "international_potential".into()],
                tier: Some(LoyaltyTier::Platinum),
            },
            &policy(),
        );
        assert_eq!(r.factors.len(), 8);
        assert!(r.factors.iter().all(|f| f.points <= f.max));
        assert_eq!(r.factors.iter().find(|f| f.factor == "cabin_bought").unwrap().points, 20);
        assert!(r.score >= 85, "{r:?}");
        assert_eq!(r.stars, 6);
    }

    #[test]
    fn recovery_cases_raise_the_complaint_factor() {
        let base = StarInputs { service_sensitivity: 1, ..Default::default() };
        let with_case = StarInputs { recovery_cases: 2, ..base.clone() };
        let f = |i: &StarInputs| rate(i, &policy()).factors[0].clone();
        assert!(f(&with_case).points > f(&base).points, "{:?} vs {:?}", f(&with_case), f(&base));
        assert!(f(&with_case).why.contains("2 recovery case(s)"));
        // Capped like the rest.
        let many = StarInputs { complaints_filed: 200, recovery_cases: 200, service_sensitivity: 3, ..base };
        assert_eq!(f(&many).points, f(&many).max);
    }

    #[test]
    fn an_occasional_leisure_traveller_is_low() {
        let r = rate(
            &StarInputs {
                flights_last_12_months: 1,
                weekday_share_pct: 20,
                booking_class: 'V',
                channel: "online_travel_site".into(),
                occupation: "student".into(),
                ..Default::default()
            },
            &policy(),
        );
        assert!(r.score < 25, "{r:?}");
        assert_eq!(r.stars, 1);
    }

    #[test]
    fn lifetime_value_of_seed_003() {
        // 12 trips × USD 800 × 50 years = USD 480,000.
        let v = lifetime_value(12, Cabin::PremiumEconomy, None, &policy());
        assert_eq!(v.currency.as_str(), "USD");
        assert_eq!(v.amount_minor, 12 * 90000 * 50);
        let v = lifetime_value(12, Cabin::Economy, Some(30), &policy());
        assert_eq!(v.amount_minor, 12 * 40000 * 50);
        let v = lifetime_value(12, Cabin::Economy, Some(70), &policy());
        assert_eq!(v.amount_minor, 12 * 40000 * 10);
    }
}
