//! Version 1 of every regime's rules: the texts as first shipped. Frozen by
//! the golden test (`v1.golden.jsonl`); a new reading goes in a new version.
//! Each is in force from the day the provisions we apply came into force.

use chrono::NaiveDate;

use super::{AnacRules, ApprRules, CnRules, EuUkRules, InForce, UsDotRules};

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("not a date"),
    }
}

/// Regulation (EC) No 261/2004, in force from 17 February 2005 (Art 19).
pub const EU261: EuUkRules = EuUkRules {
    version: 1,
    in_force: InForce { from: day(2005, 2, 17), until: None },
    care_after_minutes: [120, 180, 240],
    compensation_after_minutes: [180, 180, 180],
    band_c_halved_up_to_minutes: 240,
    amounts_minor: [25000, 40000, 60000],
    currency: "EUR",
    refund_after_minutes: 300,
};

/// Regulation 261 as retained in UK law (SI 2019/278), from the end of the
/// transition period (1 January 2021), amounts in pounds.
pub const UK261: EuUkRules = EuUkRules {
    version: 1,
    in_force: InForce { from: day(2021, 1, 1), until: None },
    amounts_minor: [22000, 35000, 52000],
    currency: "GBP",
    ..EU261
};

/// SOR/2019-150: the delay and cancellation provisions (s.14, s.17, s.19)
/// are in force from 15 December 2019.
pub const APPR: ApprRules = ApprRules {
    version: 1,
    in_force: InForce { from: day(2019, 12, 15), until: None },
    care_after_minutes: 120,
    care_when_told_within_minutes: 12 * 60,
    delay_tiers: [(180, 40000, 12500), (360, 70000, 25000), (540, 100000, 50000)],
    denied_boarding_tiers: [(0, 90000), (360, 180000), (540, 240000)],
    refund_after_minutes: 180,
};

/// The commitments published on DOT's Airline Customer Service Dashboard
/// (from 2 September 2022).
pub const US_DOT: UsDotRules = UsDotRules {
    version: 1,
    in_force: InForce { from: day(2022, 9, 2), until: None },
    meal_after_minutes: 180,
};

/// 航班正常管理规定 (MOT Order 2016 No. 56), in force from 1 January 2017.
pub const CN_MOT_2016: CnRules =
    CnRules { version: 1, in_force: InForce { from: day(2017, 1, 1), until: None } };

/// ANAC Resolução nº 400/2016, in force from 14 March 2017.
pub const ANAC_400: AnacRules = AnacRules {
    version: 1,
    in_force: InForce { from: day(2017, 3, 14), until: None },
    communication_after_minutes: 60,
    meal_after_minutes: 120,
    lodging_after_minutes: 240,
    refund_after_minutes: 240,
};
