//! Virtual time. Nothing here reads a clock: time moves only when the engine pops an event.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Div, Mul, Sub};

/// A moment of virtual time, in milliseconds since the run started.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Time(pub u64);

/// A length of virtual time, in milliseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Span(pub u64);

impl Time {
    /// The start of every run.
    pub const ZERO: Time = Time(0);

    /// Milliseconds since the start.
    pub fn millis(self) -> u64 {
        self.0
    }

    /// The span from `earlier` to `self`, or zero when `earlier` is later.
    pub fn since(self, earlier: Time) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl Span {
    /// A span of `ms` milliseconds.
    pub const fn millis(ms: u64) -> Span {
        Span(ms)
    }

    /// A span of `s` whole seconds.
    pub const fn secs(s: u64) -> Span {
        Span(s * 1000)
    }

    /// The length in milliseconds.
    pub fn as_millis(self) -> u64 {
        self.0
    }
}

impl Add<Span> for Time {
    type Output = Time;
    fn add(self, span: Span) -> Time {
        Time(self.0.saturating_add(span.0))
    }
}

impl Sub<Span> for Time {
    type Output = Time;
    fn sub(self, span: Span) -> Time {
        Time(self.0.saturating_sub(span.0))
    }
}

impl Add for Span {
    type Output = Span;
    fn add(self, other: Span) -> Span {
        Span(self.0.saturating_add(other.0))
    }
}

impl Div<u64> for Span {
    type Output = Span;
    /// A part of the span, rounded down: a half, a quarter.
    fn div(self, by: u64) -> Span {
        Span(self.0 / by.max(1))
    }
}

impl Mul<u64> for Span {
    type Output = Span;
    /// The span so many times over, saturating.
    fn mul(self, times: u64) -> Span {
        Span(self.0.saturating_mul(times))
    }
}

/// Writes milliseconds as seconds with up to three decimals: `1.5 s`, `0.02 s`, `12 s`.
fn write_seconds(f: &mut fmt::Formatter<'_>, ms: u64) -> fmt::Result {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        write!(f, "{whole} s")
    } else {
        let digits = format!("{frac:03}");
        write!(f, "{whole}.{} s", digits.trim_end_matches('0'))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_seconds(f, self.0)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_seconds(f, self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_seconds() {
        assert_eq!(Span::millis(1500).to_string(), "1.5 s");
        assert_eq!(Span::millis(20).to_string(), "0.02 s");
        assert_eq!(Time(12_000).to_string(), "12 s");
        assert_eq!(Time(1234).to_string(), "1.234 s");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Time(5) - Span(10), Time::ZERO);
        assert_eq!(Time(5).since(Time(10)), Span(0));
        assert_eq!(Time(u64::MAX) + Span(1), Time(u64::MAX));
    }
}
