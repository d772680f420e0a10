//! Simulated time: whole microseconds since the start of a run.
//!
//! Every parameter is converted to whole microseconds once, when a scenario is validated, so that the
//! engine only ever adds and compares integers and a run is the same on every machine.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A span of simulated time in whole microseconds.
///
/// ```
/// use pollstream_engine::SimDuration;
/// assert_eq!(SimDuration::from_millis(250).as_micros(), 250_000);
/// assert_eq!(SimDuration::parse("1.5s"), Ok(SimDuration::from_millis(1500)));
/// assert_eq!(SimDuration::from_secs(90).to_string(), "1.5 min");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

/// An instant of simulated time: microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// One simulated second.
    pub const SECOND: SimDuration = SimDuration(1_000_000);

    /// A duration of `us` microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }
    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms.saturating_mul(1_000))
    }
    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(1_000_000))
    }
    /// The nearest whole number of microseconds to `s` seconds (negative and NaN give zero).
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return SimDuration(0);
        }
        // `as` saturates, so an absurdly large value becomes u64::MAX instead of wrapping.
        SimDuration((s * 1e6).round() as u64)
    }
    /// The whole number of microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// The duration in seconds, as a float (for display and theory only, never for simulation).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    /// Whether this is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses a duration with a unit: `250us` (or `µs`), `100ms`, `1s`, `1.5s`, `2m` (or `min`), `1h`.
    /// A bare `0` is accepted as zero; any other number needs a unit.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "0" {
            return Ok(SimDuration::ZERO);
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("'{text}' needs a unit (us, ms, s, m or h)"))?;
        let (number, unit) = text.split_at(split);
        let value = crate::number::parse_f64(number)
            .ok_or_else(|| format!("'{text}' is not a number followed by a unit"))?;
        let micros_per_unit = match unit.trim() {
            "us" | "µs" => 1.0,
            "ms" => 1e3,
            "s" => 1e6,
            "m" | "min" => 60e6,
            "h" => 3600e6,
            other => {
                return Err(format!(
                    "'{other}' is not a time unit (use us, ms, s, m or h)"
                ))
            }
        };
        let micros = value * micros_per_unit;
        if !micros.is_finite() || micros > 1e15 {
            return Err(format!("'{text}' is too long"));
        }
        Ok(SimDuration(micros.round() as u64))
    }
}

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any instant a run reaches; used for "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// The instant `us` microseconds after the start.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }
    /// The instant `s` whole seconds after the start.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s.saturating_mul(1_000_000))
    }
    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Seconds since the start, as a float (for display only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    /// The time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl fmt::Display for SimDuration {
    /// Human units with up to three significant digits: `250 µs`, `2 ms`, `1.5 s`, `10 min`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0 as f64;
        let (value, unit) = if self.0 < 1_000 {
            (us, "µs")
        } else if self.0 < 1_000_000 {
            (us / 1e3, "ms")
        } else if self.0 < 60_000_000 {
            (us / 1e6, "s")
        } else if self.0 < 3_600_000_000 {
            (us / 60e6, "min")
        } else {
            (us / 3600e6, "h")
        };
        write!(f, "{} {unit}", crate::format::significant(value, 3))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t = {}", SimDuration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(SimDuration::parse("250us").unwrap().as_micros(), 250);
        assert_eq!(SimDuration::parse("250µs").unwrap().as_micros(), 250);
        assert_eq!(SimDuration::parse("100ms").unwrap().as_micros(), 100_000);
        assert_eq!(SimDuration::parse("1s").unwrap().as_micros(), 1_000_000);
        assert_eq!(SimDuration::parse("0.1s").unwrap().as_micros(), 100_000);
        assert_eq!(SimDuration::parse("2m").unwrap().as_micros(), 120_000_000);
        assert_eq!(SimDuration::parse("2min").unwrap().as_micros(), 120_000_000);
        assert_eq!(SimDuration::parse("1h").unwrap().as_micros(), 3_600_000_000);
        assert_eq!(SimDuration::parse("0").unwrap(), SimDuration::ZERO);
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "",
            "5",
            "ms",
            "1x",
            "-1s",
            "1..2s",
            "1e3s",
            "99999999999999h",
        ] {
            assert!(SimDuration::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn displays_in_human_units() {
        assert_eq!(SimDuration::from_micros(250).to_string(), "250 µs");
        assert_eq!(SimDuration::from_millis(100).to_string(), "100 ms");
        assert_eq!(SimDuration::from_millis(1500).to_string(), "1.5 s");
        assert_eq!(SimDuration::from_secs(600).to_string(), "10 min");
    }

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        assert_eq!(SimTime::NEVER + SimDuration::SECOND, SimTime::NEVER);
        assert_eq!(SimTime::ZERO - SimTime::from_secs(1), SimDuration::ZERO);
    }
}
