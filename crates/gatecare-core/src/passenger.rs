use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// The longest name we keep. Longer input is refused rather than truncated
/// silently; the boarding pass reader handles the 20-character cut itself.
pub const MAX_NAME_CHARS: usize = 64;

/// A passenger's name as the airline holds it: Latin surname and given names
/// (upper case, as on tickets) and, when the passenger has one, the name in
/// native script (e.g. 张伟) for screens and vouchers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PassengerName {
    pub surname: String,
    pub given_names: String,
    pub native: Option<String>,
}

impl PassengerName {
    pub fn parse(surname: &str, given_names: &str, native: Option<&str>) -> Result<Self, ParseError> {
        let surname = clean("surname", surname)?;
        if surname.is_empty() {
            return Err(ParseError::new("surname", "must not be empty", ""));
        }
        let given_names = clean("given_names", given_names)?;
        let native = match native.map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => Some(clean("native_name", n)?),
            None => None,
        };
        Ok(PassengerName { surname: surname.to_uppercase(), given_names: given_names.to_uppercase(), native })
    }

    /// "ZHANG/WEI", the form used on tickets and boarding passes.
    pub fn ticket_form(&self) -> String {
        if self.given_names.is_empty() {
            self.surname.clone()
        } else {
            format!("{}/{}", self.surname, self.given_names)
        }
    }
}

fn clean(field: &'static str, s: &str) -> Result<String, ParseError> {
    let t = s.trim();
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(ParseError::new(field, "longer than 64 characters", s));
    }
    if t.chars().any(|c| c.is_control() || c == '/') {
        return Err(ParseError::new(field, "contains a control character or '/'", s));
    }
    Ok(t.to_owned())
}

impl fmt::Display for PassengerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.native {
            Some(n) => write!(f, "{} ({})", self.ticket_form(), n),
            None => f.write_str(&self.ticket_form()),
        }
    }
}

/// Folds a name to the upper-case ASCII that tickets and boarding passes
/// carry ("Müller" → "MULLER", "Søren" → "SOREN"); what cannot be folded is
/// dropped. Spaces, hyphens and digits are kept.
pub fn fold_to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_uppercase) {
        match c {
            'A'..='Z' | '0'..='9' | ' ' | '-' => out.push(c),
            'À'..='Å' | 'Ā' | 'Ă' | 'Ą' => out.push('A'),
            'Æ' => out.push_str("AE"),
            'Ç' | 'Ć' | 'Č' => out.push('C'),
            'Ď' | 'Đ' | 'Ð' => out.push('D'),
            'È'..='Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => out.push('E'),
            'Ì'..='Ï' | 'Ī' | 'Į' | 'İ' => out.push('I'),
            'Ł' | 'Ľ' | 'Ĺ' => out.push('L'),
            'Ñ' | 'Ń' | 'Ň' => out.push('N'),
            'Ò'..='Ö' | 'Ø' | 'Ō' | 'Ő' => out.push('O'),
            'Œ' => out.push_str("OE"),
            'Ř' | 'Ŕ' => out.push('R'),
            'Ś' | 'Š' | 'Ş' | 'Ș' => out.push('S'),
            'ß' | 'ẞ' => out.push_str("SS"),
            'Ť' | 'Ț' | 'Ţ' => out.push('T'),
            'Ù'..='Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => out.push('U'),
            'Ý' | 'Ÿ' => out.push('Y'),
            'Ź' | 'Ż' | 'Ž' => out.push('Z'),
            'Þ' => out.push_str("TH"),
            _ => {}
        }
    }
    out
}

/// The cabin a passenger is booked in, by IATA compartment group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Cabin {
    Economy,
    PremiumEconomy,
    Business,
    First,
}

/// A cabin as a store keeps it (`economy`, …), for row types.
impl TryFrom<String> for Cabin {
    type Error = ParseError;

    fn try_from(s: String) -> Result<Cabin, ParseError> {
        Cabin::parse(&s)
    }
}

impl Cabin {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "economy" | "y" => Ok(Cabin::Economy),
            "premium_economy" | "w" => Ok(Cabin::PremiumEconomy),
            "business" | "c" | "j" => Ok(Cabin::Business),
            "first" | "f" => Ok(Cabin::First),
            _ => Err(ParseError::new("cabin", "unknown cabin", s)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cabin::Economy => "economy",
            Cabin::PremiumEconomy => "premium_economy",
            Cabin::Business => "business",
            Cabin::First => "first",
        }
    }

    /// The compartment letter printed on a boarding pass.
    pub fn compartment(self) -> char {
        match self {
            Cabin::Economy => 'Y',
            Cabin::PremiumEconomy => 'W',
            Cabin::Business => 'J',
            Cabin::First => 'F',
        }
    }
}

/// Frequent-flyer tier, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LoyaltyTier {
    None,
    Silver,
    Gold,
    Platinum,
}

impl LoyaltyTier {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(LoyaltyTier::None),
            "silver" => Ok(LoyaltyTier::Silver),
            "gold" => Ok(LoyaltyTier::Gold),
            "platinum" => Ok(LoyaltyTier::Platinum),
            _ => Err(ParseError::new("tier", "unknown tier", s)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LoyaltyTier::None => "none",
            LoyaltyTier::Silver => "silver",
            LoyaltyTier::Gold => "gold",
            LoyaltyTier::Platinum => "platinum",
        }
    }
}

/// Needs that change who is served first and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SpecialNeed {
    /// Reduced mobility (IATA WCHR/WCHS/WCHC).
    Wheelchair,
    /// Unaccompanied minor (UMNR).
    UnaccompaniedMinor,
    /// Travelling with an infant on lap.
    Infant,
    Elderly,
}

impl SpecialNeed {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wheelchair" | "wchr" => Ok(SpecialNeed::Wheelchair),
            "unaccompanied_minor" | "umnr" => Ok(SpecialNeed::UnaccompaniedMinor),
            "infant" | "inft" => Ok(SpecialNeed::Infant),
            "elderly" => Ok(SpecialNeed::Elderly),
            _ => Err(ParseError::new("special_need", "unknown need", s)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SpecialNeed::Wheelchair => "wheelchair",
            SpecialNeed::UnaccompaniedMinor => "unaccompanied_minor",
            SpecialNeed::Infant => "infant",
            SpecialNeed::Elderly => "elderly",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_upper_cased_and_bounded() {
        let n = PassengerName::parse("zhang", "wei", Some("张伟")).unwrap();
        assert_eq!(n.ticket_form(), "ZHANG/WEI");
        assert_eq!(n.to_string(), "ZHANG/WEI (张伟)");
        assert!(PassengerName::parse("", "WEI", None).is_err());
        assert!(PassengerName::parse(&"A".repeat(65), "B", None).is_err());
        assert!(PassengerName::parse("A/B", "C", None).is_err());
        assert!(PassengerName::parse("A\u{0}", "C", None).is_err());
    }

    #[test]
    fn folding_matches_ticket_spelling() {
        assert_eq!(fold_to_ascii("Müller"), "MULLER");
        assert_eq!(fold_to_ascii("O'Brien"), "OBRIEN");
        assert_eq!(fold_to_ascii("Straße"), "STRASSE");
        assert_eq!(fold_to_ascii("Søren Kierkegård"), "SOREN KIERKEGARD");
        assert_eq!(fold_to_ascii("Novák-Łukasz"), "NOVAK-LUKASZ");
        assert_eq!(fold_to_ascii("张伟"), "");
    }

    #[test]
    fn enums_round_trip_through_text() {
        for c in [Cabin::Economy, Cabin::PremiumEconomy, Cabin::Business, Cabin::First] {
            assert_eq!(Cabin::parse(c.as_str()).unwrap(), c);
        }
        for t in [LoyaltyTier::None, LoyaltyTier::Silver, LoyaltyTier::Gold, LoyaltyTier::Platinum] {
            assert_eq!(LoyaltyTier::parse(t.as_str()).unwrap(), t);
        }
        for n in [
            SpecialNeed::Wheelchair,
            SpecialNeed::UnaccompaniedMinor,
            SpecialNeed::Infant,
            SpecialNeed::Elderly,
        ] {
            assert_eq!(SpecialNeed::parse(n.as_str()).unwrap(), n);
        }
    }
}
