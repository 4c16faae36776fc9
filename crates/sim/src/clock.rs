//! A node's own clock: true time seen through an offset and a rate, which actions can change.
//!
//! The engine keeps true time; a node reads its clock through [`crate::Context::local_now`] and
//! sets its timers on it. Integer arithmetic only, so a run is the same on every platform.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::time::{Span, Time};

/// The slowest and fastest a clock may run, in thousandths of true time.
pub const DRIFT_RANGE: (u32, u32) = (500, 2000);

/// The longest a process may be paused at once.
pub const MAX_PAUSE: Span = Span::secs(60);

/// The furthest a clock may be moved at once, either way, in milliseconds.
pub const MAX_JUMP: i64 = 3_600_000;

/// A clock that read `reads` at true time `since` and has run at `rate` thousandths of true
/// time from then on. A clock never reads below zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    since: Time,
    reads: u64,
    rate: u32,
}

impl Default for Clock {
    /// A clock on time: it reads true time.
    fn default() -> Self {
        Clock {
            since: Time::ZERO,
            reads: 0,
            rate: 1000,
        }
    }
}

impl Clock {
    /// What the clock reads at true time `now` (not before its last change).
    pub fn at(&self, now: Time) -> Time {
        let passed = u128::from(now.since(self.since).0) * u128::from(self.rate) / 1000;
        Time(self.reads.saturating_add(passed as u64))
    }

    /// The first true moment, not before `now`, at which the clock reads `local` or more.
    pub fn true_time_of(&self, local: Time, now: Time) -> Time {
        let ahead = u128::from(local.0.saturating_sub(self.reads));
        let span = (ahead * 1000).div_ceil(u128::from(self.rate));
        (self.since + Span(span.min(u128::from(u64::MAX)) as u64)).max(now)
    }

    /// How fast the clock runs, in thousandths of true time.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// How far ahead of true time the clock reads at `now` (behind when negative), in ms.
    pub fn offset(&self, now: Time) -> i64 {
        self.at(now).0 as i64 - now.0 as i64
    }

    /// The clock from `now` on at `rate` thousandths of true time, reading what it reads now.
    pub fn drifting(&self, now: Time, rate: u32) -> Clock {
        Clock {
            since: now,
            reads: self.at(now).0,
            rate,
        }
    }

    /// The clock moved by `ms` at `now`.
    pub fn jumped(&self, now: Time, ms: i64) -> Clock {
        let reads = self.at(now).0;
        Clock {
            since: now,
            reads: if ms < 0 {
                reads.saturating_sub(ms.unsigned_abs())
            } else {
                reads.saturating_add(ms as u64)
            },
            rate: self.rate,
        }
    }
}

/// Whether a pause, a drift or a clock jump is within its range, with the range when not.
pub fn check_process_action<C>(action: &Action<C>) -> Result<(), String> {
    let (slowest, fastest) = DRIFT_RANGE;
    match *action {
        Action::Pause(_, span) if span == Span(0) || span > MAX_PAUSE => Err(format!(
            "a pause lasts from 0.001 s to {}, not {span}",
            MAX_PAUSE
        )),
        Action::Drift(_, rate) if !(slowest..=fastest).contains(&rate) => Err(format!(
            "a clock runs at {slowest} to {fastest} thousandths of true time, not {rate}"
        )),
        Action::JumpClock(_, ms) if ms.unsigned_abs() > MAX_JUMP.unsigned_abs() => Err(format!(
            "a clock moves at most {} either way at once, not {}",
            Span(MAX_JUMP as u64),
            Span(ms.unsigned_abs())
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_on_time_reads_true_time_and_sets_timers_on_it() {
        let clock = Clock::default();
        assert_eq!(clock.at(Time(1234)), Time(1234));
        assert_eq!(clock.true_time_of(Time(1500), Time(1000)), Time(1500));
        assert_eq!(clock.offset(Time(99)), 0);
    }

    #[test]
    fn a_fast_clock_reads_ahead_and_its_timers_fire_early() {
        let fast = Clock::default().drifting(Time(1000), 2000);
        assert_eq!(fast.at(Time(1000)), Time(1000));
        assert_eq!(fast.at(Time(1500)), Time(2000));
        assert_eq!(fast.offset(Time(1500)), 500);
        // A 1 s timer on it, set at true 1.5 s, fires after half a second of true time.
        assert_eq!(fast.true_time_of(Time(3000), Time(1500)), Time(2000));
        let slow = Clock::default().drifting(Time(0), 500);
        assert_eq!(slow.at(Time(999)), Time(499));
        assert_eq!(slow.true_time_of(Time(500), Time(0)), Time(1000));
    }

    #[test]
    fn a_jump_moves_the_reading_and_never_below_zero() {
        let ahead = Clock::default().jumped(Time(100), 5000);
        assert_eq!(ahead.at(Time(200)), Time(5200));
        // A timer due at local 5.3 s is now due at true 0.3 s.
        assert_eq!(ahead.true_time_of(Time(5300), Time(200)), Time(300));
        // One already past on the new reading is due at once.
        assert_eq!(ahead.true_time_of(Time(1000), Time(200)), Time(200));
        let back = Clock::default().jumped(Time(100), -500);
        assert_eq!(back.at(Time(100)), Time(0));
        assert_eq!(back.at(Time(150)), Time(50));
    }
}
