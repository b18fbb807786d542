use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// An ISO 4217 currency with the number of minor-unit digits it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Currencies whose minor unit is not 1/100. Everything else defaults to 2,
/// which holds for every currency the care rules and demo stations use.
const EXPONENTS: &[(&str, u8)] = &[
    ("JPY", 0),
    ("KRW", 0),
    ("VND", 0),
    ("CLP", 0),
    ("ISK", 0),
    ("BHD", 3),
    ("KWD", 3),
    ("OMR", 3),
    ("JOD", 3),
    ("TND", 3),
];

impl Currency {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase()) {
            let b = t.as_bytes();
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(ParseError::new("currency", "expected an ISO 4217 code such as EUR", s))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    pub fn minor_digits(&self) -> u8 {
        EXPONENTS.iter().find(|(c, _)| *c == self.as_str()).map_or(2, |(_, e)| *e)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// An amount in integer minor units of a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Money { amount_minor, currency }
    }

    /// Adds two amounts of the same currency; `None` on a currency mismatch or overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money::new(self.amount_minor.checked_add(other.amount_minor)?, self.currency))
    }
}

impl fmt::Display for Money {
    /// "HKD 105.00", "JPY 1500".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits() as u32;
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        if digits == 0 {
            return write!(f, "{} {sign}{abs}", self.currency);
        }
        let scale = 10u64.pow(digits);
        write!(f, "{} {sign}{}.{:0width$}", self.currency, abs / scale, abs % scale, width = digits as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_minor_unit() {
        let hkd = Currency::parse("HKD").unwrap();
        assert_eq!(Money::new(10500, hkd).to_string(), "HKD 105.00");
        assert_eq!(Money::new(-5, hkd).to_string(), "HKD -0.05");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::new(1500, jpy).to_string(), "JPY 1500");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::new(1500, kwd).to_string(), "KWD 1.500");
    }

    #[test]
    fn refuses_bad_currency_and_mixed_sums() {
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
        let eur = Currency::parse("EUR").unwrap();
        let gbp = Currency::parse("GBP").unwrap();
        assert_eq!(Money::new(1, eur).checked_add(Money::new(1, gbp)), None);
        assert_eq!(Money::new(1, eur).checked_add(Money::new(2, eur)), Some(Money::new(3, eur)));
        assert_eq!(Money::new(i64::MAX, eur).checked_add(Money::new(1, eur)), None);
    }
}
