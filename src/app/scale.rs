//! Logarithmic sliders that stop at round values.
//!
//! A range input holds an index into a list of "nice" values (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a
//! power of ten) between a minimum and a maximum, so that each arrow-key press moves one readable step
//! and a decade always takes the same distance on the track.

use pollstream_engine::format::{significant, thousands};
use pollstream_engine::number::{parse_f64, shortest};
use pollstream_engine::{MessagePattern, ParamKey, RawParams};

use crate::math;

/// The mantissas of the values a slider stops at, evenly spread on a log scale.
const MANTISSAS: [&str; 10] = ["1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6", "8"];

/// The stops of one logarithmic slider, smallest first.
#[derive(Clone, Debug, PartialEq)]
pub struct LogScale {
    stops: Vec<f64>,
}

impl LogScale {
    /// Round values from `low` to `high` (both included, `0 < low < high`), with a stop at zero first
    /// when `zero`, rounded to whole numbers when `integer`.
    pub fn new(low: f64, high: f64, zero: bool, integer: bool) -> LogScale {
        assert!(low > 0.0 && high > low, "a log scale needs 0 < low < high");
        let mut stops = Vec::new();
        if zero {
            stops.push(0.0);
        }
        stops.push(low);
        let first = math::log10(low).floor() as i32;
        let last = math::log10(high).ceil() as i32;
        for exponent in first..=last {
            for mantissa in MANTISSAS {
                // Parsing "1.2e-3" gives the double nearest to 0.0012, where 1.2 * 10^-3 would not.
                let mut value = parse_f64(&format!("{mantissa}e{exponent}")).unwrap_or(0.0);
                if integer {
                    value = value.round();
                }
                if value > low && value < high {
                    stops.push(value);
                }
            }
        }
        stops.push(high);
        // Already ascending: mantissas ascend within a decade and rounding keeps the order; rounding
        // can only make neighbours equal.
        debug_assert!(stops.windows(2).all(|w| w[0] <= w[1]), "{stops:?}");
        stops.dedup();
        LogScale { stops }
    }

    /// How many stops the slider has.
    pub fn len(&self) -> usize {
        self.stops.len()
    }

    /// The value at stop `index` (clamped to the last stop).
    pub fn value(&self, index: usize) -> f64 {
        self.stops[index.min(self.stops.len() - 1)]
    }

    /// The stop nearest to `value` on the log scale (zero, or anything not positive, is the first stop).
    pub fn index_of(&self, value: f64) -> usize {
        if value.is_nan() || value <= 0.0 {
            return 0;
        }
        let target = math::ln(value);
        let mut best = 0;
        let mut best_distance = f64::INFINITY;
        for (index, &stop) in self.stops.iter().enumerate() {
            if stop <= 0.0 {
                continue;
            }
            let distance = (math::ln(stop) - target).abs();
            if distance < best_distance {
                best = index;
                best_distance = distance;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_counts_from_one_to_ten_million() {
        let scale = LogScale::new(1.0, 1e7, false, true);
        assert_eq!(scale.value(0), 1.0);
        assert_eq!(scale.value(scale.len() - 1), 1e7);
        assert_eq!(scale.value(usize::MAX), 1e7, "clamped");
        for value in [1.0, 2.0, 10.0, 12.0, 15.0, 1_000.0, 12_000.0, 1_000_000.0] {
            assert_eq!(
                scale.value(scale.index_of(value)),
                value,
                "{value} is a stop"
            );
        }
        // Whole numbers only, strictly increasing.
        for pair in scale.stops.windows(2) {
            assert!(pair[0] < pair[1]);
            assert_eq!(pair[1].fract(), 0.0);
        }
        // Each decade takes (about) the same number of steps.
        let decade = |from: f64| scale.index_of(from * 10.0) - scale.index_of(from);
        assert_eq!(decade(100.0), decade(100_000.0));
    }

    #[test]
    fn poll_intervals_from_ten_milliseconds_to_ten_minutes_in_microseconds() {
        let scale = LogScale::new(10_000.0, 600e6, false, true);
        assert_eq!(scale.value(0), 10_000.0);
        assert_eq!(scale.value(scale.len() - 1), 600e6);
        for value in [100_000.0, 1e6, 5e6, 60e6] {
            assert_eq!(scale.value(scale.index_of(value)), value);
        }
    }

    #[test]
    fn a_zero_stop_and_small_fractions() {
        let scale = LogScale::new(0.001, 100.0, true, false);
        assert_eq!(scale.value(0), 0.0);
        assert_eq!(scale.index_of(0.0), 0);
        assert_eq!(scale.value(1), 0.001);
        assert_eq!(scale.value(scale.index_of(0.0012)), 0.0012);
        assert_eq!(scale.value(scale.index_of(0.1)), 0.1);
        // Values between stops go to the nearest stop on the log scale.
        assert_eq!(scale.value(scale.index_of(0.11)), 0.12);
        assert_eq!(scale.value(scale.index_of(1e9)), 100.0);
        assert_eq!(scale.index_of(f64::NAN), 0);
    }
}

/// The parameters that have a slider, always in view.
pub const SLIDER_PARAMS: [ParamKey; 4] = [
    ParamKey::Clients,
    ParamKey::Interval,
    ParamKey::Rate,
    ParamKey::Latency,
];

/// The stops of the slider for `key` (in the units of [`slider_value`]), if it has one.
pub fn slider_scale(key: ParamKey) -> Option<LogScale> {
    Some(match key {
        ParamKey::Clients => LogScale::new(1.0, 1e7, false, true),
        ParamKey::Interval => LogScale::new(10e3, 600e6, false, true),
        ParamKey::Rate => LogScale::new(0.001, 100.0, true, false),
        ParamKey::Latency => LogScale::new(1e3, 2e6, true, true),
        _ => return None,
    })
}

/// The value of a slider parameter: a count, microseconds, or messages per second.
pub fn slider_value(raw: &RawParams, key: ParamKey) -> f64 {
    match key {
        ParamKey::Clients => raw.n_clients as f64,
        ParamKey::Rate => raw.message_rate,
        _ => raw.duration(key).as_micros() as f64,
    }
}

/// A slider value as text that `RawParams::set` reads.
pub fn slider_text(key: ParamKey, value: f64) -> String {
    match key {
        ParamKey::Clients => format!("{}", value.round() as u64),
        ParamKey::Rate => shortest(value),
        _ => format!("{}us", value.round() as u64),
    }
}

/// The readout beside a slider, in human units: `12,500 clients`, `100 ms`, `0.1/s each` (per client).
pub fn slider_readout(raw: &RawParams, key: ParamKey) -> String {
    match key {
        ParamKey::Clients if raw.n_clients == 1 => "1 client".into(),
        ParamKey::Clients => format!("{} clients", thousands(raw.n_clients)),
        ParamKey::Rate => {
            let rate = significant(raw.message_rate, 3);
            match raw.pattern {
                MessagePattern::PerClient => format!("{rate}/s each"),
                MessagePattern::Broadcast => format!("{rate}/s to all"),
            }
        }
        _ => raw.duration(key).to_string(),
    }
}

#[cfg(test)]
mod slider_tests {
    use super::*;
    use pollstream_engine::Params;

    #[test]
    fn every_stop_of_every_slider_is_a_valid_value() {
        for key in SLIDER_PARAMS {
            let scale = slider_scale(key).expect("a slider");
            for index in 0..scale.len() {
                let mut raw = RawParams::default();
                let text = slider_text(key, scale.value(index));
                raw.set(key, &text).unwrap_or_else(|e| panic!("{e}"));
                assert!(Params::try_from(raw.clone()).is_ok());
                assert_eq!(
                    scale.index_of(slider_value(&raw, key)),
                    index,
                    "{key:?} {text}"
                );
            }
        }
        assert!(slider_scale(ParamKey::Seed).is_none());
    }

    #[test]
    fn readouts_in_human_units() {
        let mut raw = RawParams::default();
        raw.set(ParamKey::Clients, "12500").unwrap();
        raw.set(ParamKey::Interval, "100ms").unwrap();
        assert_eq!(slider_readout(&raw, ParamKey::Clients), "12,500 clients");
        assert_eq!(slider_readout(&raw, ParamKey::Interval), "100 ms");
        assert_eq!(slider_readout(&raw, ParamKey::Rate), "0.1/s each");
        assert_eq!(slider_readout(&raw, ParamKey::Latency), "50 ms");
        raw.set(ParamKey::Clients, "1").unwrap();
        assert_eq!(slider_readout(&raw, ParamKey::Clients), "1 client");
    }
}
