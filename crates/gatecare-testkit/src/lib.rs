//! What the tests and `xtask` share, so each exists once: the throwaway
//! PostgreSQL cluster ([`pg::Cluster`]) and how big the slow suites run
//! ([`TestSize`]). Test support only; no product code depends on it.

pub mod pg;

/// How big the slow suites (property tests, crash drills, seeded faults)
/// run: `GATECARE_TEST_SIZE=full` for the long run, anything else for CI
/// (`cargo xtask test` sets `ci`, `cargo xtask test --full` sets `full`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestSize {
    Ci,
    Full,
}

impl TestSize {
    pub fn from_env() -> TestSize {
        match std::env::var("GATECARE_TEST_SIZE").as_deref() {
            Ok("full") => TestSize::Full,
            _ => TestSize::Ci,
        }
    }

    /// `ci` or `full`, by this size.
    pub fn pick<T>(self, ci: T, full: T) -> T {
        match self {
            TestSize::Ci => ci,
            TestSize::Full => full,
        }
    }
}

/// `ci` or `full`, by the environment's size.
pub fn sized<T>(ci: T, full: T) -> T {
    TestSize::from_env().pick(ci, full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_size() {
        assert_eq!(TestSize::Ci.pick(3, 20), 3);
        assert_eq!(TestSize::Full.pick(3, 20), 20);
    }
}
