//! Delay causes: the vocabulary, IATA delay codes (AHM 730) mapped onto it,
//! and how each regime classifies each cause. All of it is data.

use serde::{Deserialize, Serialize};

/// A disruption's cause. An agent may also type an IATA delay code, so a
/// cause crosses to Rust as text and is parsed there (`Cause::parse`); the
/// screen's menu of common causes is typed by this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Technical,
    Crew,
    Scheduling,
    Commercial,
    Weather,
    Atc,
    AtcStrike,
    Airport,
    Security,
    StrikeExternal,
    StrikeOwnStaff,
    Passenger,
    Medical,
    BirdStrike,
    SafetyRequired,
    Political,
}

pub const ALL_CAUSES: [Cause; 16] = [
    Cause::Technical,
    Cause::Crew,
    Cause::Scheduling,
    Cause::Commercial,
    Cause::Weather,
    Cause::Atc,
    Cause::AtcStrike,
    Cause::Airport,
    Cause::Security,
    Cause::StrikeExternal,
    Cause::StrikeOwnStaff,
    Cause::Passenger,
    Cause::Medical,
    Cause::BirdStrike,
    Cause::SafetyRequired,
    Cause::Political,
];

/// IATA standard delay codes (AHM 730) → cause category. Ranges are
/// inclusive; codes not listed are refused rather than guessed.
const IATA_CODES: &[(u8, u8, Cause)] = &[
    (11, 19, Cause::Passenger),  // passenger and baggage handling
    (21, 29, Cause::Commercial), // cargo and mail
    (31, 39, Cause::Airport),    // aircraft and ramp handling
    (41, 48, Cause::Technical),  // technical and aircraft equipment
    (51, 52, Cause::BirdStrike), // damage to aircraft: 51 flight ops, 52 ground (bird strike counted here)
    (55, 58, Cause::Technical),  // EDP / automated equipment failure
    (61, 62, Cause::Scheduling), // flight plans, operational requirements
    (63, 69, Cause::Crew),       // crew: late, shortage, special request
    (71, 79, Cause::Weather),    // weather at departure, destination, en route, de-icing
    (81, 84, Cause::Atc),        // ATFM restrictions
    (85, 86, Cause::Security),   // mandatory security, immigration, customs
    (87, 89, Cause::Airport),    // airport facilities, restrictions at destination
    (91, 91, Cause::Passenger),  // load connection
    (92, 92, Cause::Scheduling), // through check-in error
    (93, 93, Cause::Scheduling), // aircraft rotation
    (94, 95, Cause::Crew),       // cabin crew / crew rotation
    (96, 96, Cause::Scheduling), // operations control
    (97, 97, Cause::StrikeOwnStaff),
    (98, 98, Cause::StrikeExternal),
    (99, 99, Cause::Political),
];

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Technical => "technical",
            Cause::Crew => "crew",
            Cause::Scheduling => "scheduling",
            Cause::Commercial => "commercial",
            Cause::Weather => "weather",
            Cause::Atc => "atc",
            Cause::AtcStrike => "atc_strike",
            Cause::Airport => "airport",
            Cause::Security => "security",
            Cause::StrikeExternal => "strike_external",
            Cause::StrikeOwnStaff => "strike_own_staff",
            Cause::Passenger => "passenger",
            Cause::Medical => "medical",
            Cause::BirdStrike => "bird_strike",
            Cause::SafetyRequired => "safety_required",
            Cause::Political => "political",
        }
    }

    /// A category name or an IATA numeric delay code ("41").
    pub fn parse(s: &str) -> Option<Cause> {
        let t = s.trim().to_ascii_lowercase();
        if let Some(c) = ALL_CAUSES.iter().find(|c| c.as_str() == t) {
            return Some(*c);
        }
        let code: u8 = t.parse().ok()?;
        IATA_CODES.iter().find(|(lo, hi, _)| (*lo..=*hi).contains(&code)).map(|(_, _, c)| *c)
    }
}

/// The IATA delay code in `s` ("41", "041"), if it is one of the codes
/// [`Cause::parse`] knows.
pub fn iata_code(s: &str) -> Option<u8> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u8 = t.parse().ok()?;
    IATA_CODES.iter().any(|(lo, hi, _)| (*lo..=*hi).contains(&code)).then_some(code)
}

impl Cause {
    /// How the cause is explained to passengers, in English and Chinese.
    /// The cause as an announcement says it after "because of".
    pub fn announced(self) -> &'static str {
        match self {
            Cause::Technical => "a technical fault on the aircraft",
            Cause::Crew => "crew availability",
            Cause::Scheduling => "aircraft scheduling",
            Cause::Commercial => "airline operations",
            Cause::Weather => "the weather",
            Cause::Atc => "air traffic control",
            Cause::AtcStrike => "an air traffic control strike",
            Cause::Airport => "airport operations",
            Cause::Security => "a security check",
            Cause::StrikeExternal => "a strike outside the airline",
            Cause::StrikeOwnStaff => "a strike by airline staff",
            Cause::Passenger => "a passenger-related matter",
            Cause::Medical => "a medical emergency",
            Cause::BirdStrike => "a bird strike",
            Cause::SafetyRequired => "a safety check",
            Cause::Political => "the political situation",
        }
    }

    pub fn explained(self) -> (&'static str, &'static str) {
        match self {
            Cause::Technical => ("technical fault on the aircraft", "飞机技术故障"),
            Cause::Crew => ("crew availability", "机组原因"),
            Cause::Scheduling => ("aircraft scheduling", "飞机调配"),
            Cause::Commercial => ("airline operations", "航空公司运营原因"),
            Cause::Weather => ("weather", "天气原因"),
            Cause::Atc => ("air traffic control", "空中交通管制"),
            Cause::AtcStrike => ("air traffic control strike", "空管罢工"),
            Cause::Airport => ("airport operations", "机场原因"),
            Cause::Security => ("security check", "安全检查"),
            Cause::StrikeExternal => ("strike outside the airline", "航空公司以外的罢工"),
            Cause::StrikeOwnStaff => ("strike by airline staff", "航空公司员工罢工"),
            Cause::Passenger => ("passenger-related", "旅客原因"),
            Cause::Medical => ("medical emergency", "医疗急救"),
            Cause::BirdStrike => ("bird strike", "鸟击"),
            Cause::SafetyRequired => ("safety check", "安全检查需要"),
            Cause::Political => ("political situation", "政治局势"),
        }
    }
}

/// How a regime treats a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Within the carrier's control: care and compensation.
    Carrier,
    /// Within control but required for safety (APPR s.11): care, no compensation.
    CarrierSafety,
    /// Outside the carrier's control / extraordinary circumstances.
    Outside,
}

/// EU261/UK261 extraordinary circumstances (Art 5(3), recital 14; CJEU case
/// law: Wallentin-Hermann C-549/07 technical faults are not; Pešková C-315/15
/// bird strikes are; Krüsemann C-195/17 and SAS C-28/20 own-staff strikes are not).
pub fn eu_control(c: Cause) -> Control {
    match c {
        Cause::Technical | Cause::Crew | Cause::Scheduling | Cause::Commercial | Cause::StrikeOwnStaff => {
            Control::Carrier
        }
        _ => Control::Outside,
    }
}

/// APPR SOR/2019-150 s.10 (outside control), s.11 (safety), s.12 (within).
pub fn appr_control(c: Cause) -> Control {
    match c {
        Cause::Technical | Cause::Crew | Cause::Scheduling | Cause::Commercial => Control::Carrier,
        Cause::SafetyRequired => Control::CarrierSafety,
        // s.10(1)(j) as made lists labour disruption within the carrier as outside control.
        _ => Control::Outside,
    }
}

/// US DOT dashboard: delays the carrier controls.
pub fn us_control(c: Cause) -> Control {
    match c {
        Cause::Technical | Cause::Crew | Cause::Scheduling | Cause::Commercial | Cause::StrikeOwnStaff => {
            Control::Carrier
        }
        Cause::SafetyRequired => Control::CarrierSafety,
        _ => Control::Outside,
    }
}

/// China 2016 rules Art 29: maintenance, aircraft scheduling, crew and the
/// carrier's business are the carrier's; weather, emergencies, ATC, security
/// and passengers are not.
pub fn cn_control(c: Cause) -> Control {
    match c {
        Cause::Technical | Cause::Crew | Cause::Scheduling | Cause::Commercial | Cause::StrikeOwnStaff => {
            Control::Carrier
        }
        _ => Control::Outside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_parse() {
        for c in ALL_CAUSES {
            assert_eq!(Cause::parse(c.as_str()), Some(c));
        }
        assert_eq!(Cause::parse("41"), Some(Cause::Technical));
        assert_eq!(Cause::parse("73"), Some(Cause::Weather));
        assert_eq!(Cause::parse("81"), Some(Cause::Atc));
        assert_eq!(Cause::parse(" Weather "), Some(Cause::Weather));
        assert_eq!(Cause::parse("00"), None);
        assert_eq!(Cause::parse("gremlins"), None);
    }

    #[test]
    fn iata_codes_are_told_from_categories() {
        assert_eq!(iata_code("41"), Some(41));
        assert_eq!(iata_code(" 093 "), Some(93));
        assert_eq!(iata_code("technical"), None);
        assert_eq!(iata_code("00"), None);
        assert_eq!(iata_code("-41"), None);
        assert_eq!(iata_code(""), None);
    }

    #[test]
    fn every_iata_range_is_disjoint() {
        for (i, a) in IATA_CODES.iter().enumerate() {
            for b in &IATA_CODES[i + 1..] {
                assert!(a.1 < b.0 || b.1 < a.0, "{a:?} overlaps {b:?}");
            }
        }
    }
}
