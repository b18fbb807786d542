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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

/// Money as a screen receives it: the amount with its currency's exponent
/// ([`Currency::minor_digits`]), so no screen keeps a table of its own and
/// JPY (0) and KWD (3) read as they should.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Amount {
    pub amount_minor: i64,
    pub currency: Currency,
    pub exponent: u8,
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        Amount { amount_minor: m.amount_minor, currency: m.currency, exponent: m.currency.minor_digits() }
    }
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Money { amount_minor, currency }
    }

    /// An amount as a person types it, in major units of `currency` ("50",
    /// "12.5", "1.500"): at most as many decimals as the currency's minor
    /// unit (none for JPY, three for KWD), never negative. The UI sends the
    /// text as typed, so no screen multiplies by 100.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Money, ParseError> {
        let bad = |reason| ParseError::new("amount", reason, text);
        let t = text.trim();
        let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
        let digits = currency.minor_digits() as usize;
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("expected an amount such as 50 or 12.50"));
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) || (t.contains('.') && fraction.is_empty()) {
            return Err(bad("expected an amount such as 50 or 12.50"));
        }
        if fraction.len() > digits {
            return Err(bad("more decimals than the currency has"));
        }
        let scale = 10i64.pow(digits as u32);
        let whole: i64 = whole.parse().map_err(|_| bad("the amount is too large"))?;
        let fraction: i64 =
            if fraction.is_empty() { 0 } else { format!("{fraction:0<digits$}").parse().unwrap_or(0) };
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(fraction))
            .ok_or_else(|| bad("the amount is too large"))?;
        Ok(Money::new(minor, currency))
    }

    /// Adds two amounts of the same currency; `None` on a currency mismatch or overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money::new(self.amount_minor.checked_add(other.amount_minor)?, self.currency))
    }
}

impl Money {
    /// The amount in major units, as accounts write it: "105.00", "1500"
    /// (JPY), "1.500" (KWD).
    pub fn major_text(&self) -> String {
        let digits = self.currency.minor_digits() as u32;
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(digits);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
    }
}

impl fmt::Display for Money {
    /// "HKD 105.00", "JPY 1500".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.major_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screen_gets_the_exponent_of_rusts_table() {
        let shown = |code: &str| Amount::from(Money::new(1500, Currency::parse(code).unwrap()));
        assert_eq!(shown("JPY").exponent, 0);
        assert_eq!(shown("KWD").exponent, 3);
        assert_eq!(shown("HKD").exponent, 2);
        assert_eq!(shown("KWD").amount_minor, 1500);
    }

    #[test]
    fn accounts_read_major_units_in_each_currencys_exponent() {
        let m = |minor: i64, code: &str| Money::new(minor, Currency::parse(code).unwrap());
        assert_eq!(m(12000, "HKD").major_text(), "120.00");
        assert_eq!(m(1500, "JPY").major_text(), "1500");
        assert_eq!(m(1500, "KWD").major_text(), "1.500");
        assert_eq!(m(-5, "HKD").major_text(), "-0.05");
        assert_eq!(m(1500, "KWD").to_string(), "KWD 1.500");
    }

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
    fn parses_typed_amounts_by_minor_unit() {
        let money =
            |t: &str, c: &str| Money::parse_major(t, Currency::parse(c).unwrap()).map(|m| m.amount_minor);
        assert_eq!(money("50", "HKD"), Ok(5000));
        assert_eq!(money(" 12.5 ", "HKD"), Ok(1250));
        assert_eq!(money("12.05", "EUR"), Ok(1205));
        assert_eq!(money("500", "JPY"), Ok(500));
        assert!(money("500.5", "JPY").is_err(), "yen have no minor unit");
        assert_eq!(money("1.5", "KWD"), Ok(1500));
        assert_eq!(money("1.250", "KWD"), Ok(1250));
        assert!(money("1.2505", "KWD").is_err());
        for bad in ["", ".", "5.", ".5", "-5", "+5", "5,00", "1e3", "five", "NaN", "99999999999999999999"] {
            assert!(money(bad, "HKD").is_err(), "{bad:?}");
        }
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
