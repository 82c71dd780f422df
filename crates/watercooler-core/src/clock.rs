//! Time, injected: the service and the ranker never read the system clock directly, so tests
//! and replays are deterministic.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved: for tests and replays.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `at` as every store keeps it: in whole microseconds, PostgreSQL's `timestamptz`
/// precision. The service truncates each time it creates (publish, reply, edit, react,
/// pin, delete, erase, imports) to this, so what a call returns is what a later read gives
/// back, on every store.
pub fn stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    // A leap second's nanoseconds (>= 1e9) stay in range: truncation only lowers them.
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_precision_drops_sub_microseconds_only() {
        let at = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let kept = stored_precision(at);
        assert_eq!(
            kept,
            DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap()
        );
        assert_eq!(stored_precision(kept), kept);
    }
}
