//! Pure helpers of the charts: thinning, axis ticks, human labels, colours. No DOM, no plotters: all of
//! it is tested natively.

use pollstream_engine::format;
use pollstream_engine::number::{clamp, parse_f64};

use super::Unit;
use crate::math;

/// Reduce a series to at most two points per pixel column (the minimum and the maximum of the column, in
/// their original order), so that a redraw costs the same whatever the number of points while a spike
/// one sample wide (a reconnect storm) stays visible.
///
/// Only finite points with `x` inside `x_range` are kept. With `log_x` the columns are spaced
/// logarithmically (points with `x <= 0` are dropped). Unsorted input is sorted first.
pub fn thin_min_max(
    points: &[(f64, f64)],
    x_range: (f64, f64),
    columns: usize,
    log_x: bool,
) -> Vec<(f64, f64)> {
    let columns = columns.max(1);
    let t = |x: f64| if log_x { math::log10(x) } else { x };
    let (lo, hi) = (t(x_range.0), t(x_range.1));
    if !lo.is_finite() || !hi.is_finite() || hi < lo {
        return Vec::new();
    }
    let span = hi - lo;
    let inside = |&(x, y): &(f64, f64)| {
        x.is_finite() && y.is_finite() && (!log_x || x > 0.0) && {
            let tx = t(x);
            tx >= lo && tx <= hi
        }
    };
    let mut kept: Vec<(f64, f64)> = points.iter().copied().filter(inside).collect();
    if !kept.windows(2).all(|w| w[0].0 <= w[1].0) {
        // Series come in time order; an insertion sort covers the rare exception without adding a
        // general sort's code to the size-budgeted browser build.
        for i in 1..kept.len() {
            let mut j = i;
            while j > 0 && kept[j - 1].0.total_cmp(&kept[j].0).is_gt() {
                kept.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    if kept.len() <= 2 * columns {
        return kept;
    }
    let column_of = |x: f64| -> usize {
        if span <= 0.0 {
            return 0;
        }
        let c = ((t(x) - lo) / span * columns as f64).floor();
        if c.is_finite() && c > 0.0 {
            (c as usize).min(columns - 1)
        } else {
            0
        }
    };
    let mut out = Vec::with_capacity(2 * columns);
    // (column, index of the minimum, index of the maximum)
    let mut bucket: Option<(usize, usize, usize)> = None;
    let flush = |out: &mut Vec<(f64, f64)>, (_, lo_i, hi_i): (usize, usize, usize)| {
        let (a, b) = if lo_i <= hi_i {
            (lo_i, hi_i)
        } else {
            (hi_i, lo_i)
        };
        out.push(kept[a]);
        if b != a {
            out.push(kept[b]);
        }
    };
    for (i, &(x, y)) in kept.iter().enumerate() {
        let c = column_of(x);
        bucket = match bucket {
            Some((bc, lo_i, hi_i)) if bc == c => {
                let lo_i = if y < kept[lo_i].1 { i } else { lo_i };
                let hi_i = if y > kept[hi_i].1 { i } else { hi_i };
                Some((bc, lo_i, hi_i))
            }
            Some(done) => {
                flush(&mut out, done);
                Some((c, i, i))
            }
            None => Some((c, i, i)),
        };
    }
    if let Some(done) = bucket {
        flush(&mut out, done);
    }
    out
}

/// A tidy y range with its tick values: starts at min(0, lowest), ends on a tick at or above the
/// highest value. Steps are 1-2-5 in the unit people read (binary for bytes, bits for bandwidth).
pub fn y_ticks(lowest: f64, highest: f64, unit: Unit, max_ticks: usize) -> ((f64, f64), Vec<f64>) {
    let max_ticks = max_ticks.clamp(2, 12);
    let clean = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
    let mut lo = clean(lowest, 0.0).clamp(-1e300, 0.0);
    let mut hi = clamp(clean(highest, 0.0), lo, 1e300);
    if unit == Unit::Ratio && hi <= 1.0 && lo >= 0.0 {
        hi = 1.0;
    }
    if hi - lo <= 0.0 || !(hi - lo).is_finite() {
        hi = lo + unit_one(unit);
    }
    let base = match unit {
        Unit::Bytes => {
            let mut b = 1.0;
            while (hi - lo) / b >= 1024.0 * 2.0 && b < 1e18 {
                b *= 1024.0;
            }
            b
        }
        // Ticks at round numbers of bits per second.
        Unit::BytesPerSecond => 0.125,
        Unit::Micros | Unit::Count | Unit::PerSecond => 1.0,
        Unit::Ratio => 0.01,
    };
    // Whole units at least: no "0.2 requests" or "0.4 B".
    let smallest = match unit {
        Unit::Count | Unit::PerSecond | Unit::Bytes => 1.0,
        Unit::BytesPerSecond => 0.125,
        Unit::Micros => 1.0,
        Unit::Ratio => 0.001,
    };
    let step = (nice_step((hi - lo) / base / (max_ticks - 1) as f64) * base).max(smallest);
    if !step.is_finite() || step <= 0.0 {
        return ((lo, hi), vec![lo, hi]);
    }
    lo = (lo / step).floor() * step;
    let top = (hi / step).ceil() * step;
    hi = if top > lo { top } else { lo + step };
    let mut ticks = Vec::new();
    let mut k = 0.0;
    while ticks.len() < 64 {
        let v = lo + k * step;
        if v > hi + step * 1e-9 {
            break;
        }
        ticks.push(v);
        k += 1.0;
    }
    ((lo, hi), ticks)
}

fn unit_one(unit: Unit) -> f64 {
    match unit {
        Unit::Ratio => 1.0,
        Unit::Micros => 1000.0,
        _ => 1.0,
    }
}

/// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = math::pow10(math::log10(raw).floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * magnitude >= raw * (1.0 - 1e-12) {
            return m * magnitude;
        }
    }
    10.0 * magnitude
}

/// Ticks of the time axis (simulated seconds): round steps in seconds and minutes.
pub fn x_ticks(x_range: (f64, f64), max_ticks: usize) -> Vec<f64> {
    let (lo, hi) = x_range;
    if !lo.is_finite() || !hi.is_finite() || hi <= lo {
        return Vec::new();
    }
    let max_ticks = max_ticks.clamp(2, 12) as f64;
    const STEPS: [f64; 16] = [
        0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
        3600.0,
    ];
    let span = hi - lo;
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= max_ticks - 1.0)
        .unwrap_or_else(|| nice_step(span / (max_ticks - 1.0)));
    let mut ticks = Vec::new();
    let mut v = (lo / step).ceil() * step;
    while v <= hi + step * 1e-9 && ticks.len() < 64 {
        ticks.push(v);
        v += step;
    }
    ticks
}

/// A time-axis label: `42 s` early in a run, `2:10` later.
pub fn time_label(seconds: f64, long_run: bool) -> String {
    if !seconds.is_finite() {
        return format::significant(seconds, 3);
    }
    if !long_run {
        return format!("{} s", format::significant(seconds, 3));
    }
    let total = seconds.round().clamp(0.0, 1e15) as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Decade ticks of a log axis from `lo` to `hi` (both powers of ten after [`log_range`]).
pub fn log_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    if lo.is_nan() || lo <= 0.0 || !hi.is_finite() || hi < lo {
        return Vec::new();
    }
    let (a, b) = (
        math::log10(lo).round() as i32,
        math::log10(hi).round() as i32,
    );
    let decades = (b - a).max(0) as usize + 1;
    let every = decades.div_ceil(max_ticks.max(2)).max(1);
    (a..=b)
        .filter(|k| (k - a) as usize % every == 0)
        .map(|k| 10f64.powi(k))
        .collect()
}

/// Minor ticks of a log axis: 2..9 × each decade.
pub fn log_minor_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if lo.is_nan() || lo <= 0.0 || !hi.is_finite() || hi < lo {
        return Vec::new();
    }
    let (a, b) = (
        math::log10(lo).round() as i32,
        math::log10(hi).round() as i32,
    );
    let mut out = Vec::new();
    for k in a..b {
        for m in 2..10 {
            out.push(f64::from(m) * 10f64.powi(k));
        }
    }
    out
}

/// Whole decades around the latencies in `values`, 1 µs at least, at least one decade wide.
pub fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (1e3, 1e6);
    }
    let lo = math::pow10(math::log10(lo.max(1.0)).floor().min(15.0));
    let mut hi = math::pow10(math::log10(hi.max(1.0)).ceil().min(16.0));
    if hi <= lo {
        hi = lo * 10.0;
    }
    (lo, hi)
}

/// An axis tick label in the unit's human form.
pub fn tick_label(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Count | Unit::PerSecond => format::compact(value),
        Unit::Bytes => format::bytes(value),
        Unit::BytesPerSecond => format::bits_per_second(value),
        Unit::Micros => format::micros(value),
        Unit::Ratio => format!("{} %", format::significant(value * 100.0, 3)),
    }
}

/// A value in the readout, with its unit spelled out.
pub fn value_label(value: f64, unit: Unit) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    match unit {
        Unit::PerSecond => format!("{}/s", format::compact(value)),
        _ => tick_label(value, unit),
    }
}

/// A share 0..1 as a percentage: `43 %`, `99.9 %`.
pub fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "–".into();
    }
    format!(
        "{} %",
        format::significant((share * 100.0).clamp(0.0, 100.0), 3)
    )
}

/// Parse a CSS colour: `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)`, `rgba(r, g, b, a)`,
/// `rgb(r g b / a)`. Returns the colour and its alpha.
pub fn parse_css_color(text: &str) -> Option<((u8, u8, u8), f64)> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix('#') {
        if !hex.is_ascii() {
            return None;
        }
        let digit = |i: usize, n: usize| u8::from_str_radix(hex.get(i..i + n)?, 16).ok();
        return match hex.len() {
            3 => Some((
                (digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17),
                1.0,
            )),
            6 => Some(((digit(0, 2)?, digit(2, 2)?, digit(4, 2)?), 1.0)),
            8 => Some((
                (digit(0, 2)?, digit(2, 2)?, digit(4, 2)?),
                f64::from(digit(6, 2)?) / 255.0,
            )),
            _ => None,
        };
    }
    let inner = text
        .strip_prefix("rgba(")
        .or_else(|| text.strip_prefix("rgb("))?
        .strip_suffix(')')?;
    let parts: Vec<&str> = inner
        .split([',', ' ', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() < 3 {
        return None;
    }
    let channel = |s: &str| -> Option<u8> {
        let v = if let Some(p) = s.strip_suffix('%') {
            parse_f64(p)? * 2.55
        } else {
            parse_f64(s)?
        };
        v.is_finite().then(|| v.round().clamp(0.0, 255.0) as u8)
    };
    let alpha = match parts.get(3) {
        Some(s) => {
            let a = if let Some(p) = s.strip_suffix('%') {
                parse_f64(p)? / 100.0
            } else {
                parse_f64(s)?
            };
            if a.is_finite() {
                a.clamp(0.0, 1.0)
            } else {
                1.0
            }
        }
        None => 1.0,
    };
    Some((
        (channel(parts[0])?, channel(parts[1])?, channel(parts[2])?),
        alpha,
    ))
}

/// The point of `points` whose x is nearest to `x` (finite points only).
pub fn nearest(points: &[(f64, f64)], x: f64) -> Option<(f64, f64)> {
    if !x.is_finite() {
        return None;
    }
    points
        .iter()
        .copied()
        .filter(|(px, py)| px.is_finite() && py.is_finite())
        .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
}

/// The cumulative share of a CDF at latency `x`: the share of the last point at or below `x`.
pub fn cdf_at(points: &[(f64, f64)], x: f64) -> Option<f64> {
    if !x.is_finite() || points.is_empty() {
        return None;
    }
    let share = points
        .iter()
        .filter(|(px, py)| px.is_finite() && py.is_finite() && *px <= x)
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    Some(share.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_spikes_and_bounds_the_count() {
        let mut points: Vec<(f64, f64)> = (0..100_000).map(|i| (i as f64 / 1000.0, 1.0)).collect();
        points[54_321].1 = 1e6;
        points[12_345].1 = -5.0;
        let thin = thin_min_max(&points, (0.0, 100.0), 300, false);
        assert!(thin.len() <= 600, "{} points", thin.len());
        assert!(thin.contains(&(54.321, 1e6)), "the spike survives");
        assert!(thin.contains(&(12.345, -5.0)), "the dip survives");
        assert!(
            thin.windows(2).all(|w| w[0].0 <= w[1].0),
            "still in x order"
        );
    }

    #[test]
    fn thinning_drops_junk_and_survives_degenerate_ranges() {
        let points = [
            (f64::NAN, 1.0),
            (1.0, f64::INFINITY),
            (2.0, 3.0),
            (-1.0, 0.0),
            (9.0, 1.0),
        ];
        assert_eq!(
            thin_min_max(&points, (0.0, 5.0), 10, false),
            vec![(2.0, 3.0)]
        );
        assert!(thin_min_max(&points, (5.0, 0.0), 10, false).is_empty());
        assert!(thin_min_max(&points, (f64::NAN, 1.0), 10, false).is_empty());
        assert_eq!(
            thin_min_max(&points, (2.0, 2.0), 0, false),
            vec![(2.0, 3.0)]
        );
        let many: Vec<_> = (0..1000).map(|i| (2.0, i as f64)).collect();
        assert_eq!(
            thin_min_max(&many, (2.0, 2.0), 10, false),
            vec![(2.0, 0.0), (2.0, 999.0)]
        );
        let unsorted = [(3.0, 1.0), (1.0, 2.0), (2.0, 3.0)];
        assert_eq!(
            thin_min_max(&unsorted, (0.0, 5.0), 10, false),
            vec![(1.0, 2.0), (2.0, 3.0), (3.0, 1.0)]
        );
        let log = [(0.0, 0.1), (10.0, 0.5), (1000.0, 1.0)];
        assert_eq!(
            thin_min_max(&log, (1.0, 1e4), 10, true),
            vec![(10.0, 0.5), (1000.0, 1.0)]
        );
    }

    #[test]
    fn y_ticks_are_round_in_the_unit_people_read() {
        let ((lo, hi), ticks) = y_ticks(0.0, 3700.0, Unit::PerSecond, 5);
        assert_eq!((lo, hi), (0.0, 4000.0));
        assert_eq!(ticks, vec![0.0, 1000.0, 2000.0, 3000.0, 4000.0]);
        let (_, ticks) = y_ticks(0.0, 3.0 * 1024.0 * 1024.0, Unit::Bytes, 5);
        let labels: Vec<_> = ticks.iter().map(|t| tick_label(*t, Unit::Bytes)).collect();
        assert_eq!(labels, ["0 B", "1 MiB", "2 MiB", "3 MiB"]);
        let (_, ticks) = y_ticks(0.0, 120_000.0, Unit::BytesPerSecond, 5);
        let labels: Vec<_> = ticks
            .iter()
            .map(|t| tick_label(*t, Unit::BytesPerSecond))
            .collect();
        assert_eq!(labels, ["0 bit/s", "500 kbit/s", "1 Mbit/s"]);
        let ((_, hi), ticks) = y_ticks(0.0, 0.4, Unit::Ratio, 5);
        assert_eq!(hi, 1.0);
        assert_eq!(tick_label(ticks[1], Unit::Ratio), "50 %");
        let (_, ticks) = y_ticks(0.0, 0.4, Unit::Ratio, 6);
        assert_eq!(tick_label(ticks[1], Unit::Ratio), "20 %");
        assert_eq!(tick_label(250_000.0, Unit::Micros), "250 ms");
        assert_eq!(tick_label(25_000.0, Unit::PerSecond), "25 k");
    }

    #[test]
    fn whole_units_when_small() {
        let (range, ticks) = y_ticks(0.0, 0.0, Unit::Count, 5);
        assert_eq!((range, ticks), ((0.0, 1.0), vec![0.0, 1.0]));
        let (_, ticks) = y_ticks(0.0, 3.0, Unit::Bytes, 6);
        assert_eq!(ticks, vec![0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn y_ticks_never_fail() {
        for (lo, hi) in [
            (0.0, 0.0),
            (f64::NAN, f64::NAN),
            (f64::NEG_INFINITY, f64::INFINITY),
            (-1e308, 1e308),
            (5.0, 5.0),
            (1e-300, 2e-300),
        ] {
            for unit in [
                Unit::Count,
                Unit::Bytes,
                Unit::BytesPerSecond,
                Unit::Ratio,
                Unit::Micros,
            ] {
                let ((a, b), ticks) = y_ticks(lo, hi, unit, 5);
                assert!(
                    a.is_finite() && b.is_finite() && b > a,
                    "{lo} {hi} {unit:?}: {a} {b}"
                );
                assert!(!ticks.is_empty() && ticks.len() <= 64);
            }
        }
    }

    #[test]
    fn time_axis() {
        assert_eq!(
            x_ticks((120.0, 180.0), 6),
            vec![120.0, 135.0, 150.0, 165.0, 180.0]
        );
        assert_eq!(
            x_ticks((0.0, 60.0), 7),
            vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
        );
        assert!(x_ticks((1.0, 1.0), 6).is_empty());
        assert!(x_ticks((0.0, f64::INFINITY), 6).is_empty());
        assert!(x_ticks((0.0, 1e300), 6).len() <= 64);
        assert_eq!(time_label(130.0, true), "2:10");
        assert_eq!(time_label(42.0, false), "42 s");
        assert_eq!(time_label(3725.0, true), "1:02:05");
    }

    #[test]
    fn log_axis() {
        assert_eq!(log_range([52_000.0, 990_000.0].into_iter()), (1e4, 1e6));
        assert_eq!(log_range([1000.0].into_iter()), (1e3, 1e4));
        assert_eq!(log_range([f64::NAN, -1.0].into_iter()), (1e3, 1e6));
        assert_eq!(log_ticks(1e4, 1e6, 6), vec![1e4, 1e5, 1e6]);
        assert_eq!(log_ticks(1.0, 1e9, 4).len(), 4);
        assert_eq!(log_minor_ticks(1e4, 1e5).len(), 8);
    }

    #[test]
    fn css_colors() {
        assert_eq!(parse_css_color("#D55E00"), Some(((0xD5, 0x5E, 0x00), 1.0)));
        assert_eq!(parse_css_color("#fff"), Some(((255, 255, 255), 1.0)));
        assert_eq!(
            parse_css_color("rgb(12, 34, 56)"),
            Some(((12, 34, 56), 1.0))
        );
        assert_eq!(parse_css_color("rgba(0, 0, 0, 0)"), Some(((0, 0, 0), 0.0)));
        assert_eq!(parse_css_color("rgb(1 2 3 / 50%)"), Some(((1, 2, 3), 0.5)));
        assert_eq!(parse_css_color("teal"), None);
        assert_eq!(parse_css_color("#éé"), None);
        assert_eq!(parse_css_color(""), None);
    }

    #[test]
    fn lookups() {
        let points = [(1.0, 10.0), (2.0, 20.0), (3.0, f64::NAN)];
        assert_eq!(nearest(&points, 2.4), Some((2.0, 20.0)));
        assert_eq!(nearest(&points, f64::NAN), None);
        assert_eq!(nearest(&[], 1.0), None);
        let cdf = [(10.0, 0.2), (100.0, 0.9), (1000.0, 1.0)];
        assert_eq!(cdf_at(&cdf, 5.0), Some(0.0));
        assert_eq!(cdf_at(&cdf, 150.0), Some(0.9));
        assert_eq!(percent(0.999), "99.9 %");
    }
}
