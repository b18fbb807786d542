//! Failed attempts per remote address in a fixed window. Enrolment codes
//! have about 59 bits, too many to guess, but an unlimited guesser still
//! costs central a database look-up per try; past `max` failures in a window
//! the answer is 429 without one. Only failures count: a station enrolling
//! its fleet from behind one address is not slowed. Addresses are forgotten
//! once their window is over.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct PerAddress {
    max: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl PerAddress {
    pub fn new(max: u32, window: Duration) -> PerAddress {
        PerAddress { max, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether `ip` has failed `max` times in its current window.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(seen) = self.seen.lock() else { return false };
        seen.get(&ip).is_some_and(|(start, n)| now.duration_since(*start) < self.window && *n >= self.max)
    }

    /// Counts a failed attempt from `ip`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let Ok(mut seen) = self.seen.lock() else { return };
        // Bounded memory: a flood of addresses forgets the finished windows.
        if seen.len() >= 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_failures_per_window_and_others_are_unaffected() {
        let limit = PerAddress::new(3, Duration::from_secs(60));
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(!limit.blocked(a, t0));
            limit.failed(a, t0);
        }
        assert!(limit.blocked(a, t0));
        assert!(!limit.blocked(b, t0));
        assert!(!limit.blocked(a, t0 + Duration::from_secs(60)), "a new window");
    }
}
