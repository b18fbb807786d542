use chrono::{DateTime, Utc};

/// The one place the app and the CLI read the time from. Logic never calls
/// `Utc::now()`: it takes the instant this returns as an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    /// A fixed instant: demos, end-to-end tests, replaying an incident.
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// Parses the `GATECARE_NOW` / `now =` setting (RFC 3339).
    pub fn parse_fixed(s: &str) -> Result<Clock, chrono::ParseError> {
        Ok(Clock::Fixed(DateTime::parse_from_rfc3339(s.trim())?.with_timezone(&Utc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_stays_put_and_normalises_to_utc() {
        let c = Clock::parse_fixed("2026-11-22T13:45:00+08:00").unwrap();
        assert_eq!(c.now().to_rfc3339(), "2026-11-22T05:45:00+00:00");
        assert_eq!(c.now(), c.now());
        assert!(Clock::parse_fixed("yesterday").is_err());
    }
}
