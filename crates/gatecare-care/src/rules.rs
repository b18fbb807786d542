//! Each regime's rules as versions, each in force over a range of dates.
//!
//! A flight is judged by the version in force on its scheduled departure's
//! local date at the origin. When a text changes (the EU261 revision in
//! conciliation, ANAC's 2026 consultation on Resolution 400, the APPR
//! amendments proposed in December 2024), the new version is added in a
//! module of its own with its first day in force, the one before it gets its
//! last day, and both stay compiled in: a flight before the change, and a
//! voucher issued under the old text, are still judged by the old one.
//!
//! A version holds the figures the texts set (hours, amounts); the reading
//! of the text around them is `evaluate.rs`. A version whose change is not
//! just figures brings the code it needs, chosen by its number.
//!
//! `v1` is the rules as first shipped; a golden test over our own scenarios
//! and the public fixtures (`rules/v1.golden.jsonl`) freezes its outcomes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::regime::{Band, Regime};

pub mod v1;

#[cfg(test)]
mod golden;

/// The days a version is in force: from `from`, until the day before
/// `until` (none: still in force).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InForce {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl InForce {
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.from && self.until.is_none_or(|u| day < u)
    }
}

/// Which version of a regime's rules judged an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesApplied {
    pub regime: Regime,
    pub version: u16,
    pub in_force_from: NaiveDate,
}

/// Something with a version number and the days it is in force.
pub trait Versioned {
    fn version(&self) -> u16;
    fn in_force(&self) -> InForce;
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn version(&self) -> u16 {
                self.version
            }
            fn in_force(&self) -> InForce {
                self.in_force
            }
        }
    )*};
}
versioned!(EuUkRules, ApprRules, UsDotRules, CnRules, AnacRules);

/// EU261 and UK261 (the same structure; UK261 in pounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EuUkRules {
    pub version: u16,
    pub in_force: InForce,
    /// Art 6(1): the expected delay from which care is owed, by band A, B, C;
    /// also Art 7(2)'s "no more than" for a re-routed arrival.
    pub care_after_minutes: [i64; 3],
    /// Art 7 with Sturgeon (C-402/07): the arrival delay from which a delay
    /// is compensated, by band.
    pub compensation_after_minutes: [i64; 3],
    /// Art 7(2)(c) with Sturgeon: a band C delay arriving no later than this
    /// is compensated at half.
    pub band_c_halved_up_to_minutes: i64,
    /// Art 7(1), by band, in the currency's minor units.
    pub amounts_minor: [i64; 3],
    pub currency: &'static str,
    /// Art 6(1)(iii) with Art 8(1)(a): a delay this long gives a refund.
    pub refund_after_minutes: i64,
}

impl EuUkRules {
    pub fn care_after(&self, band: Band) -> chrono::Duration {
        chrono::Duration::minutes(self.care_after_minutes[band_index(band)])
    }

    pub fn compensation_after(&self, band: Band) -> chrono::Duration {
        chrono::Duration::minutes(self.compensation_after_minutes[band_index(band)])
    }

    pub fn amount(&self, band: Band) -> (i64, &'static str) {
        (self.amounts_minor[band_index(band)], self.currency)
    }
}

fn band_index(band: Band) -> usize {
    match band {
        Band::A => 0,
        Band::B => 1,
        Band::C => 2,
    }
}

/// Canada's Air Passenger Protection Regulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprRules {
    pub version: u16,
    pub in_force: InForce,
    /// s.14(1): care after this wait.
    pub care_after_minutes: i64,
    /// s.14(1): only when the passenger was told less than this before departure.
    pub care_when_told_within_minutes: i64,
    /// s.19(1): arrival delay from which each tier starts, and the amounts
    /// (large carrier, small carrier) in cents.
    pub delay_tiers: [(i64, i64, i64); 3],
    /// s.20(1): denied boarding, arrival delay from which each tier starts.
    pub denied_boarding_tiers: [(i64, i64); 3],
    /// s.17: a delay this long gives a refund when the rebooking does not suit.
    pub refund_after_minutes: i64,
}

/// The US DOT dashboard commitments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsDotRules {
    pub version: u16,
    pub in_force: InForce,
    /// A meal voucher for a controllable delay of this long.
    pub meal_after_minutes: i64,
}

/// 航班正常管理规定: the rules set no hours; the policy's timeline applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnRules {
    pub version: u16,
    pub in_force: InForce,
}

/// ANAC Resolução nº 400: each right after *more than* its hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnacRules {
    pub version: u16,
    pub in_force: InForce,
    /// Art 27, I, II, III.
    pub communication_after_minutes: i64,
    pub meal_after_minutes: i64,
    pub lodging_after_minutes: i64,
    /// Art 21: a delay of more than this gives a refund.
    pub refund_after_minutes: i64,
}

/// Every version of every regime's rules this build knows.
#[derive(Debug, Clone, Copy)]
pub struct RuleBook {
    pub eu261: &'static [EuUkRules],
    pub uk261: &'static [EuUkRules],
    pub appr: &'static [ApprRules],
    pub us_dot: &'static [UsDotRules],
    pub cn_mot_2016: &'static [CnRules],
    pub anac_400: &'static [AnacRules],
}

/// The rules compiled into this build: every version, old ones kept.
pub static COMPILED: RuleBook = RuleBook {
    eu261: &[v1::EU261],
    uk261: &[v1::UK261],
    appr: &[v1::APPR],
    us_dot: &[v1::US_DOT],
    cn_mot_2016: &[v1::CN_MOT_2016],
    anac_400: &[v1::ANAC_400],
};

/// The versions in force on one day, one per regime that has one.
#[derive(Debug, Clone, Copy)]
pub struct RulesOn {
    pub eu261: Option<&'static EuUkRules>,
    pub uk261: Option<&'static EuUkRules>,
    pub appr: Option<&'static ApprRules>,
    pub us_dot: Option<&'static UsDotRules>,
    pub cn_mot_2016: Option<&'static CnRules>,
    pub anac_400: Option<&'static AnacRules>,
}

fn in_force_on<T: Versioned>(versions: &'static [T], day: NaiveDate) -> Option<&'static T> {
    versions.iter().find(|v| v.in_force().contains(day))
}

impl RuleBook {
    /// The versions in force on `day` (the scheduled departure's local date).
    pub fn on(&self, day: NaiveDate) -> RulesOn {
        RulesOn {
            eu261: in_force_on(self.eu261, day),
            uk261: in_force_on(self.uk261, day),
            appr: in_force_on(self.appr, day),
            us_dot: in_force_on(self.us_dot, day),
            cn_mot_2016: in_force_on(self.cn_mot_2016, day),
            anac_400: in_force_on(self.anac_400, day),
        }
    }

    /// Every version's dates, checked: per regime, versions numbered from 1
    /// upwards without gaps in their dates or overlaps.
    pub fn check(&self) -> Result<(), String> {
        fn one<T: Versioned>(name: &str, versions: &[T]) -> Result<(), String> {
            for (i, v) in versions.iter().enumerate() {
                if usize::from(v.version()) != i + 1 {
                    return Err(format!("{name}: version {} at place {}", v.version(), i + 1));
                }
                if v.in_force().until.is_some_and(|u| u <= v.in_force().from) {
                    return Err(format!("{name} v{}: ends before it starts", v.version()));
                }
                if let Some(next) = versions.get(i + 1)
                    && v.in_force().until != Some(next.in_force().from)
                {
                    return Err(format!(
                        "{name} v{}: must end the day v{} starts",
                        v.version(),
                        next.version()
                    ));
                }
            }
            Ok(())
        }
        one("EU261", self.eu261)?;
        one("UK261", self.uk261)?;
        one("APPR", self.appr)?;
        one("US_DOT", self.us_dot)?;
        one("CN_MOT_2016", self.cn_mot_2016)?;
        one("ANAC_400", self.anac_400)
    }
}

impl RulesOn {
    /// The version of `regime` in force, if any.
    pub fn applied(&self, regime: Regime) -> Option<RulesApplied> {
        let (version, in_force) = match regime {
            Regime::Eu261 => self.eu261.map(|v| (v.version, v.in_force)),
            Regime::Uk261 => self.uk261.map(|v| (v.version, v.in_force)),
            Regime::Appr => self.appr.map(|v| (v.version, v.in_force)),
            Regime::UsDot => self.us_dot.map(|v| (v.version, v.in_force)),
            Regime::CnMot2016 => self.cn_mot_2016.map(|v| (v.version, v.in_force)),
            Regime::Anac400 => self.anac_400.map(|v| (v.version, v.in_force)),
        }?;
        Some(RulesApplied { regime, version, in_force_from: in_force.from })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_book_is_well_formed() {
        COMPILED.check().unwrap();
    }

    #[test]
    fn a_version_is_in_force_from_its_first_day_to_the_day_before_its_last() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let f = InForce { from: d(2027, 1, 1), until: Some(d(2028, 1, 1)) };
        assert!(!f.contains(d(2026, 12, 31)));
        assert!(f.contains(d(2027, 1, 1)));
        assert!(f.contains(d(2027, 12, 31)));
        assert!(!f.contains(d(2028, 1, 1)));
        // Regulation 261 is in force from 17 February 2005 (Art 19).
        assert!(COMPILED.on(d(2005, 2, 16)).eu261.is_none());
        assert_eq!(COMPILED.on(d(2005, 2, 17)).applied(Regime::Eu261).map(|a| a.version), Some(1));
    }

    /// A revision of the kind the Council proposed for EU261 (compensation
    /// after 4 h up to 3,500 km, 6 h beyond; EUR 300 and 500), in force from
    /// 1 January 2027, with v1 ending the day before.
    static EU261_V1_UNTIL_2027: EuUkRules =
        EuUkRules { in_force: InForce { from: v1::EU261.in_force.from, until: Some(JAN_2027) }, ..v1::EU261 };
    static EU261_V2: EuUkRules = EuUkRules {
        version: 2,
        in_force: InForce { from: JAN_2027, until: None },
        compensation_after_minutes: [240, 240, 360],
        amounts_minor: [30000, 30000, 50000],
        ..v1::EU261
    };
    const JAN_2027: NaiveDate = match NaiveDate::from_ymd_opt(2027, 1, 1) {
        Some(d) => d,
        None => panic!(),
    };
    static TWO_TABLES: RuleBook = RuleBook { eu261: &[EU261_V1_UNTIL_2027, EU261_V2], ..COMPILED };

    /// AMS → BCN (band A) leaving 3 h 30 late at 22:00 local, arriving 3 h 04 late.
    fn late_flight(day: &str) -> crate::Scenario {
        let json = format!(
            r#"{{"origin": "AMS", "destination": "BCN", "operating_carrier": "KL", "disruption": "delay",
                "cause": "technical", "scheduled_departure": "{day}T18:30:00+01:00",
                "scheduled_arrival": "{day}T20:55:00+01:00", "expected_departure": "{day}T22:00:00+01:00",
                "expected_arrival": "{day}T23:59:00+01:00", "at": "{day}T21:00:00+01:00"}}"#
        );
        serde_json::from_str::<crate::ScenarioInput>(&json).unwrap().check().unwrap()
    }

    #[test]
    fn each_flight_is_judged_by_the_rules_in_force_on_its_date() {
        TWO_TABLES.check().unwrap();
        let policy = gatecare_policy::Policy::default_policy();
        let before = crate::evaluate_under(&TWO_TABLES, &late_flight("2026-12-31"), &policy);
        let after = crate::evaluate_under(&TWO_TABLES, &late_flight("2027-01-01"), &policy);
        assert_eq!(before.rules[0].version, 1);
        assert_eq!(after.rules[0].version, 2);
        assert_eq!(after.rules[0].in_force_from, JAN_2027);
        // 3 h 04 late on arrival: compensated under v1 (3 h), not under v2 (4 h).
        assert_eq!(before.compensation.len(), 1);
        assert_eq!((before.compensation[0].amount_minor, before.compensation[0].currency), (25000, "EUR"));
        assert!(after.compensation.is_empty(), "{:?}", after.compensation);
        // The date is the local one: 00:30 in Amsterdam on 1 January is still
        // 31 December in UTC, and v2 judges it.
        let mut just_after_midnight = late_flight("2027-01-01");
        let shift = chrono::Duration::minutes(-18 * 60);
        just_after_midnight.scheduled_departure += shift;
        just_after_midnight.scheduled_arrival += shift;
        just_after_midnight.expected_departure = just_after_midnight.expected_departure.map(|t| t + shift);
        just_after_midnight.expected_arrival = just_after_midnight.expected_arrival.map(|t| t + shift);
        just_after_midnight.at += shift;
        assert_eq!(
            just_after_midnight.scheduled_departure.date_naive(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        let night = crate::evaluate_under(&TWO_TABLES, &just_after_midnight, &policy);
        assert_eq!(night.rules[0].version, 2);
        // Care is the same under both: Art 6 did not change.
        assert_eq!(before.care_due, after.care_due);
        // The build's own rules judge both by v1 until a v2 is compiled in.
        let compiled = crate::evaluate(&late_flight("2027-01-01"), &policy);
        assert_eq!(compiled.rules[0].version, 1);
        assert_eq!(compiled.compensation.len(), 1);

        // A decision made under v1 replays under v1 in the two-table book.
        let s = late_flight("2026-12-31");
        let record = crate::DecisionRecord::new(&s, &before, &policy, None, Some((crate::CareKind::Meal, 1)));
        let r = crate::decision::replay(&record, &policy, &TWO_TABLES).unwrap();
        assert!(r.reproduced(), "{:?}", r.differences);
        assert_eq!(r.evaluation.unwrap().compensation, before.compensation);
    }

    #[test]
    fn a_book_with_overlapping_or_misnumbered_versions_is_refused() {
        static OVERLAP: RuleBook = RuleBook { eu261: &[v1::EU261, EU261_V2], ..COMPILED };
        assert!(OVERLAP.check().unwrap_err().contains("EU261 v1"));
        static MISNUMBERED: RuleBook = RuleBook { eu261: &[EU261_V2], ..COMPILED };
        assert!(MISNUMBERED.check().is_err());
    }
}
