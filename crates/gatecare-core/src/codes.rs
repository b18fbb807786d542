use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

macro_rules! string_newtype {
    ($name:ident, $field:literal) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

/// An IATA airport code: three ASCII capital letters ("HKG").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AirportCode(String);
string_newtype!(AirportCode, "airport code");

impl AirportCode {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(AirportCode(t.to_ascii_uppercase()))
        } else {
            Err(ParseError::new("airport", "expected three letters", s))
        }
    }
}

/// An IATA carrier designator: two characters, letters or digits but not two
/// digits ("CZ", "3U"), or a three-letter ICAO code ("EZY") as some passes carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CarrierCode(String);
string_newtype!(CarrierCode, "carrier code");

impl CarrierCode {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let ok = match t.len() {
            2 => t.bytes().all(|b| b.is_ascii_alphanumeric()) && !t.bytes().all(|b| b.is_ascii_digit()),
            3 => t.bytes().all(|b| b.is_ascii_alphabetic()),
            _ => false,
        };
        if ok {
            Ok(CarrierCode(t.to_ascii_uppercase()))
        } else {
            Err(ParseError::new("carrier", "expected a 2-character IATA or 3-letter ICAO designator", s))
        }
    }
}

/// A flight number: 1-4 digits, leading zeros dropped, and an optional
/// operational suffix letter ("342", "834A").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FlightNumber(String);
string_newtype!(FlightNumber, "flight number");

impl FlightNumber {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let (digits, suffix) = match t.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], Some(c.to_ascii_uppercase())),
            _ => (t, None),
        };
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new("flight_number", "expected 1-4 digits and an optional letter", s));
        }
        let number: u16 = digits.parse().map_err(|_| ParseError::new("flight_number", "not a number", s))?;
        if number == 0 {
            return Err(ParseError::new("flight_number", "flight 0 does not exist", s));
        }
        let mut out = number.to_string();
        out.extend(suffix);
        Ok(FlightNumber(out))
    }

    /// The numeric part, for the 4-digit zero-padded form on boarding passes.
    pub fn number(&self) -> u16 {
        self.0.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse().unwrap_or_default()
    }

    pub fn suffix(&self) -> Option<char> {
        self.0.chars().last().filter(|c| c.is_ascii_alphabetic())
    }
}

/// Carrier + number, as printed on screens and vouchers: "CZ342".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FlightDesignator {
    pub carrier: CarrierCode,
    pub number: FlightNumber,
}

impl FlightDesignator {
    pub fn new(carrier: CarrierCode, number: FlightNumber) -> Self {
        FlightDesignator { carrier, number }
    }

    /// Parses "CZ342", "CZ 342" or "CZ0342".
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        // A 2-character designator may end in a digit ("3U"), so try it first
        // and fall back to three letters.
        for split in [2, 3] {
            if t.len() > split
                && t.is_char_boundary(split)
                && let (Ok(c), Ok(n)) = (CarrierCode::parse(&t[..split]), FlightNumber::parse(&t[split..]))
            {
                return Ok(FlightDesignator::new(c, n));
            }
        }
        Err(ParseError::new("flight", "expected a carrier and a number, e.g. CZ342", s))
    }
}

impl fmt::Display for FlightDesignator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.carrier, self.number)
    }
}

/// A booking reference (record locator): 5-7 letters or digits, upper case.
/// Most carriers use 6; easyJet-style passes carry 7 significant characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pnr(String);
string_newtype!(Pnr, "PNR");

impl Pnr {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if (5..=7).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Pnr(t.to_ascii_uppercase()))
        } else {
            Err(ParseError::new("pnr", "expected 5-7 letters or digits", s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airport_codes_are_three_letters() {
        assert_eq!(AirportCode::parse(" hkg ").unwrap().as_str(), "HKG");
        assert!(AirportCode::parse("HK").is_err());
        assert!(AirportCode::parse("H1G").is_err());
        assert!(AirportCode::parse("香港机").is_err());
    }

    #[test]
    fn carrier_codes_accept_alphanumeric_iata_and_icao() {
        assert_eq!(CarrierCode::parse("3u").unwrap().as_str(), "3U");
        assert_eq!(CarrierCode::parse("EZY").unwrap().as_str(), "EZY");
        assert!(CarrierCode::parse("12").is_err());
        assert!(CarrierCode::parse("C").is_err());
    }

    #[test]
    fn flight_numbers_drop_leading_zeros_and_keep_suffix() {
        assert_eq!(FlightNumber::parse("0834").unwrap().as_str(), "834");
        assert_eq!(FlightNumber::parse("0834a").unwrap().as_str(), "834A");
        assert_eq!(FlightNumber::parse("0834A").unwrap().suffix(), Some('A'));
        assert_eq!(FlightNumber::parse("342").unwrap().number(), 342);
        assert!(FlightNumber::parse("0000").is_err());
        assert!(FlightNumber::parse("12345").is_err());
        assert!(FlightNumber::parse("").is_err());
        assert!(FlightNumber::parse("A").is_err());
    }

    #[test]
    fn designators_parse_with_or_without_space() {
        assert_eq!(FlightDesignator::parse("CZ 0342").unwrap().to_string(), "CZ342");
        assert_eq!(FlightDesignator::parse("3U8633").unwrap().carrier.as_str(), "3U");
        assert_eq!(FlightDesignator::parse("EZY1234").unwrap().carrier.as_str(), "EZY");
        assert!(FlightDesignator::parse("342").is_err());
    }

    #[test]
    fn pnr_bounds() {
        assert_eq!(Pnr::parse("abc123").unwrap().as_str(), "ABC123");
        assert!(Pnr::parse("ABCD").is_err());
        assert!(Pnr::parse("ABCDEFGH").is_err());
        assert!(Pnr::parse("ABC 12").is_err());
    }

    #[test]
    fn serde_rejects_bad_codes() {
        let bad: Result<AirportCode, _> = serde_json::from_str("\"XXXX\"");
        assert!(bad.is_err());
        let good: AirportCode = serde_json::from_str("\"kmg\"").unwrap();
        assert_eq!(good.as_str(), "KMG");
    }
}
