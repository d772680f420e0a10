//! Numbers in human units, shared by the command-line runner and the browser app so that both say the
//! same thing the same way.

/// `value` with at most `digits` significant digits and no trailing zeros: `1.5`, `12.5`, `100`, `0.004`.
///
/// ```
/// use pollstream_engine::format::significant;
/// assert_eq!(significant(1.234_56, 3), "1.23");
/// assert_eq!(significant(1500.0, 3), "1500");
/// assert_eq!(significant(0.0, 3), "0");
/// ```
pub fn significant(value: f64, digits: u32) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "–".into()
        } else {
            "∞".into()
        };
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = decimal_exponent(value.abs());
    let decimals = (digits as i32 - 1 - magnitude).clamp(0, 9) as usize;
    let text = crate::number::fixed(value, decimals);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The decimal exponent of `abs` > 0 (1234 → 3, 0.05 → -2), within ±22: found by comparing with
/// powers of ten, which are exact as `f64` up to 10^22, rather than with `log10`, which would bring
/// libm's into the browser build.
fn decimal_exponent(abs: f64) -> i32 {
    if abs >= 1.0 {
        let (mut exponent, mut power) = (0, 1.0);
        while exponent < 22 && abs >= power * 10.0 {
            power *= 10.0;
            exponent += 1;
        }
        exponent
    } else {
        // 1 / 10^k rounds to the same `f64` as the literal `1e-k`.
        let (mut exponent, mut power) = (-1, 10.0);
        while exponent > -22 && abs < 1.0 / power {
            power *= 10.0;
            exponent -= 1;
        }
        exponent
    }
}

/// A whole number with thousands separators: `12,500`.
///
/// ```
/// assert_eq!(pollstream_engine::format::thousands(12_500), "12,500");
/// ```
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in compact units: `950`, `7,500`, `12.5 k`, `3.2 M`, `1.1 G`.
///
/// ```
/// use pollstream_engine::format::compact;
/// assert_eq!(compact(7_500.0), "7,500");
/// assert_eq!(compact(12_500.0), "12.5 k");
/// ```
pub fn compact(value: f64) -> String {
    let abs = value.abs();
    let (scaled, suffix) = if abs >= 1e9 {
        (value / 1e9, " G")
    } else if abs >= 1e6 {
        (value / 1e6, " M")
    } else if abs >= 9_999.5 {
        (value / 1e3, " k")
    } else if abs >= 999.5 {
        // Four digits, whole (three significant digits need no decimals here): grouped like every
        // other count on the page, so that an axis reads 2,500 · 5,000 · 7,500 · 10 k.
        let sign = if value < 0.0 { "-" } else { "" };
        return format!("{sign}{}", thousands(abs.round() as u64));
    } else {
        (value, "")
    };
    format!("{}{suffix}", significant(scaled, 3))
}

/// A number of bytes in binary units: `800 B`, `8 KiB`, `7.6 GiB`.
///
/// ```
/// assert_eq!(pollstream_engine::format::bytes(8192.0), "8 KiB");
/// ```
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut scaled = value;
    let mut unit = 0;
    while scaled.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        scaled /= 1024.0;
        unit += 1;
    }
    format!("{} {}", significant(scaled, 3), UNITS[unit])
}

/// A rate of bytes per second in decimal bits, as network people say it: `1.2 Mbit/s`.
pub fn bits_per_second(bytes_per_second: f64) -> String {
    let bits = bytes_per_second * 8.0;
    let (scaled, unit) = if bits >= 1e9 {
        (bits / 1e9, "Gbit/s")
    } else if bits >= 1e6 {
        (bits / 1e6, "Mbit/s")
    } else if bits >= 1e3 {
        (bits / 1e3, "kbit/s")
    } else {
        (bits, "bit/s")
    };
    format!("{} {unit}", significant(scaled, 3))
}

/// A latency or other span given in microseconds, in human units: `52 ms`, `1.2 s`.
pub fn micros(value: f64) -> String {
    if !value.is_finite() {
        return significant(value, 3);
    }
    crate::SimDuration::from_micros(value.max(0.0).round() as u64).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(significant(12.5, 3), "12.5");
        assert_eq!(significant(0.004_21, 2), "0.0042");
        assert_eq!(significant(-3.0, 3), "-3");
        assert_eq!(significant(f64::NAN, 3), "–");
        assert_eq!(significant(0.001, 3), "0.001");
        assert_eq!(significant(999.96, 3), "1000");
    }

    #[test]
    fn decimal_exponents_are_exact_at_powers_of_ten() {
        for k in -22..=22 {
            let power: f64 = format!("1e{k}").parse().unwrap();
            assert_eq!(decimal_exponent(power), k, "10^{k}");
            if k > -22 {
                assert_eq!(
                    decimal_exponent(power * 0.999_999),
                    k - 1,
                    "just under 10^{k}"
                );
            }
            assert_eq!(decimal_exponent(power * 1.000_001), k, "just over 10^{k}");
        }
        assert_eq!(decimal_exponent(1e300), 22);
        assert_eq!(decimal_exponent(f64::MIN_POSITIVE), -22);
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(999.6), "1,000");
        assert_eq!(compact(2_500.0), "2,500");
        assert_eq!(compact(-7_432.4), "-7,432");
        assert_eq!(compact(9_999.6), "10 k");
        assert_eq!(compact(12_500.0), "12.5 k");
        assert_eq!(compact(3_200_000.0), "3.2 M");
    }

    #[test]
    fn thousands_and_bytes() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_000_000), "10,000,000");
        assert_eq!(bytes(800.0), "800 B");
        assert_eq!(bytes(8.0 * 1024.0 * 1024.0 * 1024.0), "8 GiB");
        assert_eq!(bits_per_second(125_000.0), "1 Mbit/s");
    }
}
