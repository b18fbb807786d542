//! Attempts per key (a remote address, a device) in a fixed window.
//!
//! Enrolment: codes have about 59 bits, too many to guess, but an unlimited
//! guesser still costs central a database look-up per try; past `max`
//! failures from one address in a window the answer is 429 without one.
//! Only failures count: a station enrolling its fleet from behind one
//! address is not slowed.
//!
//! Claims: a kiosk serves one passenger at a time, so a stolen kiosk token
//! that claims a flight's every hotel to keep the agents from issuing them
//! is cut off after `max` claims in a window. Keys are forgotten once their
//! window is over.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct PerKey<K> {
    max: u32,
    window: Duration,
    seen: Mutex<HashMap<K, (Instant, u32)>>,
}

/// Failed enrolments per remote address.
pub type PerAddress = PerKey<std::net::IpAddr>;

impl<K: Hash + Eq + Copy> PerKey<K> {
    pub fn new(max: u32, window: Duration) -> PerKey<K> {
        PerKey { max, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether `key` has counted `max` attempts in its current window.
    pub fn blocked(&self, key: K, now: Instant) -> bool {
        let Ok(seen) = self.seen.lock() else { return false };
        seen.get(&key).is_some_and(|(start, n)| now.duration_since(*start) < self.window && *n >= self.max)
    }

    /// Counts an attempt of `key`.
    pub fn count(&self, key: K, now: Instant) {
        let Ok(mut seen) = self.seen.lock() else { return };
        // Bounded memory: a flood of addresses forgets the finished windows.
        if seen.len() >= 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = seen.entry(key).or_insert((now, 0));
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
        let (a, b) = (std::net::IpAddr::from([10, 0, 0, 1]), std::net::IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(!limit.blocked(a, t0));
            limit.count(a, t0);
        }
        assert!(limit.blocked(a, t0));
        assert!(!limit.blocked(b, t0));
        assert!(!limit.blocked(a, t0 + Duration::from_secs(60)), "a new window");
    }
}
