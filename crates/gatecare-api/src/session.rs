//! Sessions that end when unused: the passenger a kiosk serves, the agent
//! signed in at a console. Idle time is wall time ([`Instant`]), whatever
//! the business clock says, and is passed in so the rule is tested.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why there is no live session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Nobody started one, or it was ended.
    None,
    /// It was left unused longer than allowed, and is now forgotten.
    Idle,
}

/// One session (or none), ending after `idle` without use.
#[derive(Debug)]
pub struct IdleSession<T> {
    slot: Mutex<Option<(T, Instant)>>,
    idle: Duration,
}

impl<T: Clone> IdleSession<T> {
    pub fn new(idle: Duration) -> Self {
        IdleSession { slot: Mutex::new(None), idle }
    }

    pub fn start(&self, value: T, now: Instant) {
        *self.lock() = Some((value, now));
    }

    pub fn end(&self) {
        *self.lock() = None;
    }

    /// The live session. `touch` counts this as use; a screen's own
    /// background refresh must not, or an unattended console never locks.
    pub fn get(&self, now: Instant, touch: bool) -> Result<T, Gone> {
        let mut slot = self.lock();
        match slot.as_mut() {
            Some((_, at)) if now.saturating_duration_since(*at) > self.idle => {
                *slot = None;
                Err(Gone::Idle)
            }
            Some((value, at)) => {
                if touch {
                    *at = now;
                }
                Ok(value.clone())
            }
            None => Err(Gone::None),
        }
    }

    /// Counts as use (a long run that just ended), if there is a session.
    pub fn touch(&self, now: Instant) {
        if let Some((_, at)) = self.lock().as_mut() {
            *at = now;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(T, Instant)>> {
        // A panic while holding the lock leaves a whole value behind: the
        // session stays usable.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_after_idle_time_and_only_use_extends_it() {
        let t0 = Instant::now();
        let s = IdleSession::new(Duration::from_secs(60));
        assert_eq!(s.get(t0, true), Err(Gone::None));
        s.start("pax", t0);
        // A background look at 50 s does not extend it…
        assert_eq!(s.get(t0 + Duration::from_secs(50), false), Ok("pax"));
        assert_eq!(s.get(t0 + Duration::from_secs(61), false), Err(Gone::Idle));
        assert_eq!(
            s.get(t0 + Duration::from_secs(62), true),
            Err(Gone::None),
            "an idle session is forgotten"
        );
        // …a use does.
        s.start("pax", t0);
        assert_eq!(s.get(t0 + Duration::from_secs(50), true), Ok("pax"));
        assert_eq!(s.get(t0 + Duration::from_secs(100), true), Ok("pax"));
        s.touch(t0 + Duration::from_secs(150));
        assert_eq!(s.get(t0 + Duration::from_secs(200), false), Ok("pax"));
        s.end();
        assert_eq!(s.get(t0 + Duration::from_secs(201), false), Err(Gone::None));
    }
}
