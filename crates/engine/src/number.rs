//! Numbers to and from text without the standard library's float conversions.
//!
//! `str::parse::<f64>` and `format!("{}")` on floats are exact, but they cost the browser build
//! about 19 kB of its gzipped download: the parser's fast algorithm (Eisel-Lemire) carries a 10 kB
//! table of powers of five, and the formatting brings Grisu and Dragon4 with their own tables.
//! [`parse_f64`], [`fixed`] and [`shortest`] give the same results (their tests compare them with
//! the standard library on hundreds of thousands of inputs) from one small exact method: the
//! decimal digits of a double are those of a big integer. Parsing takes a direct path for what
//! people type (up to 15 significant digits and a power of ten up to 10^22, where one
//! multiplication or division rounds exactly); speed matters little otherwise: these run on
//! parameters and labels, never in the simulation.
//!
//! The engine uses them for parameters and labels, the app for everything it shows; nothing in the
//! browser build may use the standard conversions (nor `f64::clamp` on bounds the compiler cannot
//! check, whose panic message formats floats: see [`clamp`]), or their code comes back.

/// Reads `text` as `text.parse::<f64>()` does: the same forms (`1`, `-1.5`, `+.5`, `1.`, `2e-3`,
/// `1E5`; `inf`, `infinity` and `nan` in any case), the same value, and `None` where it fails.
///
/// ```
/// use pollstream_engine::number::parse_f64;
/// assert_eq!(parse_f64("0.1"), Some(0.1));
/// assert_eq!(parse_f64("-2.5e3"), Some(-2500.0));
/// assert_eq!(parse_f64("1e400"), Some(f64::INFINITY));
/// assert_eq!(parse_f64("1,5"), None);
/// ```
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let value = if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        f64::INFINITY
    } else if rest.eq_ignore_ascii_case(b"nan") {
        f64::NAN
    } else {
        decimal(rest)?
    };
    Some(if negative { -value } else { value })
}

/// Significant digits kept: any two doubles (and the midpoint between them) differ within the first
/// 768, so a nonzero tail beyond this can stand for all of it without changing the rounding.
const MAX_DIGITS: usize = 800;

/// An unsigned decimal number with an optional exponent (`12.5e-3`), correctly rounded.
fn decimal(s: &[u8]) -> Option<f64> {
    // The value is `digits` (no leading zeros) × 10^`exponent`.
    let mut digits: Vec<u8> = Vec::new();
    let mut exponent: i64 = 0;
    let mut any_digit = false;
    let mut point = false;
    let mut tail = false;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        match c {
            b'0'..=b'9' => {
                any_digit = true;
                if point {
                    exponent -= 1;
                }
                if digits.len() == MAX_DIGITS {
                    tail |= c != b'0';
                    exponent += 1;
                } else if !(digits.is_empty() && c == b'0') {
                    digits.push(c - b'0');
                }
            }
            b'.' if !point => point = true,
            _ => break,
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if i < s.len() {
        if s[i] | 0x20 != b'e' {
            return None;
        }
        i += 1;
        let negative = s.get(i) == Some(&b'-');
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if i == s.len() {
            return None;
        }
        let mut e: i64 = 0;
        for &c in &s[i..] {
            if !c.is_ascii_digit() {
                return None;
            }
            // Saturates far beyond any exponent that changes the result.
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
        }
        exponent += if negative { -e } else { e };
    }
    if tail {
        // Stands for the nonzero digits dropped beyond MAX_DIGITS.
        digits.push(1);
        exponent -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exponent += 1;
    }
    let n = digits.len() as i64;
    if n == 0 {
        return Some(0.0);
    }
    // At least 10^309 (over f64::MAX), or under 10^-325 (less than half the smallest subnormal).
    if n + exponent > 310 {
        return Some(f64::INFINITY);
    }
    if n + exponent < -324 {
        return Some(0.0);
    }
    if n <= 15 && (-22..=22).contains(&exponent) {
        // Both operands are exact doubles, so the one rounding of the operation is the right one.
        let w = digits.iter().fold(0u64, |w, &d| w * 10 + u64::from(d)) as f64;
        let p = (0..exponent.abs()).fold(1.0, |p, _| p * 10.0);
        return Some(if exponent < 0 { w / p } else { w * p });
    }
    let mut b = Big(vec![]);
    for &d in &digits {
        b.mul_add(10, u32::from(d));
    }
    let (q, sticky, e) = if exponent >= 0 {
        b.mul_pow10(exponent as u32);
        b.top64()
    } else {
        b.divide_by_pow10((-exponent) as u32)
    };
    Some(round(q, sticky, e))
}

/// The double nearest to (`q` + f) × 2^`e`, ties to even, where `q` is in [2^63, 2^64) and the
/// fraction f in [0, 1) is nonzero exactly when `sticky`.
fn round(q: u64, sticky: bool, e: i64) -> f64 {
    // Bits of q to round away: 11 leave the 53 of a normal double; fewer remain below 2^-1022.
    let shift = (-(e + 1074)).max(11);
    if shift > 64 {
        return 0.0; // under half the smallest subnormal
    }
    let q = u128::from(q);
    let mut m = (q >> shift) as u64;
    let rest = q & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    if rest > half || (rest == half && (sticky || m & 1 == 1)) {
        m += 1;
    }
    let mut exp = e + shift; // m × 2^exp
    if m == 1 << 53 {
        m >>= 1;
        exp += 1;
    }
    if m < 1 << 52 {
        // A subnormal (then exp is -1074): its bits are its multiple of 2^-1074.
        return f64::from_bits(m);
    }
    let biased = exp + 52 + 1023;
    if biased >= 2047 {
        return f64::INFINITY;
    }
    f64::from_bits(((biased as u64) << 52) | (m & ((1 << 52) - 1)))
}

/// `value` with `decimals` digits after the point, as `format!("{value:.decimals$}")` writes it: the
/// exact binary value rounded half to even, `-` on anything negative (`-0.0`), `NaN`, `inf`, `-inf`.
///
/// ```
/// use pollstream_engine::number::fixed;
/// assert_eq!(fixed(2.345, 1), "2.3");
/// assert_eq!(fixed(0.125, 2), "0.12");
/// assert_eq!(fixed(-0.04, 1), "-0.0");
/// ```
pub fn fixed(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return special(value);
    }
    let (m, e) = decode(value);
    let (mut digits, exp) = exact_digits(m, e);
    let keep = -(decimals as i64); // the power of ten of the last digit written
    if exp < keep {
        let drop = (keep - exp) as usize;
        pad_left(&mut digits, drop + 1);
        let tail = digits.split_off(digits.len() - drop);
        let last_odd = digits.last().is_some_and(|d| d % 2 == 1);
        if tail[0] > 5 || (tail[0] == 5 && (tail[1..].iter().any(|&d| d > 0) || last_odd)) {
            increment(&mut digits);
        }
    } else {
        digits.resize(digits.len() + (exp - keep) as usize, 0);
    }
    pad_left(&mut digits, decimals + 1);
    let point = digits.len() - decimals;
    let mut out = sign(value);
    push_digits(&mut out, strip_leading_zeros(&digits[..point]));
    if decimals > 0 {
        out.push('.');
        push_digits(&mut out, &digits[point..]);
    }
    out
}

/// `value` in the fewest significant digits that read back to it (the nearest such number), as
/// `format!("{value}")` writes it: never with an exponent (`1e21` is `1000000000000000000000`).
///
/// ```
/// use pollstream_engine::number::shortest;
/// assert_eq!(shortest(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(shortest(1.0), "1");
/// assert_eq!(shortest(2.5e-5), "0.000025");
/// ```
pub fn shortest(value: f64) -> String {
    if !value.is_finite() {
        return special(value);
    }
    let mut out = sign(value);
    if value == 0.0 {
        out.push('0');
        return out;
    }
    let (m, e) = decode(value);
    // The numbers that read back to value lie between the halfway points to its neighbours, in units
    // of 2^(e-2): the one below is closer at the bottom of a binade. The ends themselves read back to
    // value only when m is even (ties go to even).
    let below = if m == 1 << 52 && e > -1074 { 1 } else { 2 };
    let (mut low, exp) = exact_digits(4 * m - below, e - 2);
    let (mut mid, _) = exact_digits(4 * m, e - 2);
    let (mut high, _) = exact_digits(4 * m + 2, e - 2);
    let inclusive = m % 2 == 0;
    let width = high.len() + 1;
    for d in [&mut low, &mut mid, &mut high] {
        pad_left(d, width);
    }
    let inside = |d: &[u8]| {
        let (l, h) = (low.as_slice().cmp(d), d.cmp(high.as_slice()));
        if inclusive {
            l.is_le() && h.is_le()
        } else {
            l.is_lt() && h.is_lt()
        }
    };
    // Drop as many trailing digits as possible, rounding down or up, whichever stays inside (and
    // is nearer, ties up).
    for drop in (0..width).rev() {
        let (kept, tail) = mid.split_at(width - drop);
        let mut down = kept.to_vec();
        down.resize(width, 0);
        let mut up = kept.to_vec();
        increment(&mut up);
        up.resize(width, 0);
        let up_nearer = tail.first().is_some_and(|&d| d >= 5);
        let choice = match (inside(&down), inside(&up)) {
            (true, true) if up_nearer => up,
            (true, _) => down,
            (false, true) => up,
            (false, false) => continue,
        };
        // choice × 10^exp, written out without an exponent.
        let digits = strip_leading_zeros(&choice);
        let end = digits.iter().rposition(|&d| d > 0).map_or(0, |i| i + 1);
        let (digits, exp) = (&digits[..end], exp + (digits.len() - end) as i64);
        let point = digits.len() as i64 + exp;
        if exp >= 0 {
            push_digits(&mut out, digits);
            out.extend(std::iter::repeat_n('0', exp as usize));
        } else if point > 0 {
            push_digits(&mut out, &digits[..point as usize]);
            out.push('.');
            push_digits(&mut out, &digits[point as usize..]);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            push_digits(&mut out, digits);
        }
        return out;
    }
    unreachable!("the value itself is inside")
}

/// `x.clamp(low, high)`, less its check that `low <= high`, whose panic message formats both with
/// `{:?}`: with bounds the compiler cannot see through, that alone keeps the standard float
/// formatting in the wasm build. Where `low > high` this returns `high` instead of panicking.
pub fn clamp(x: f64, low: f64, high: f64) -> f64 {
    let x = if x < low { low } else { x };
    if x > high {
        high
    } else {
        x
    }
}

/// `NaN`, `inf` or `-inf`, as the standard formatting writes them.
fn special(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

fn sign(value: f64) -> String {
    if value.is_sign_negative() {
        "-".into()
    } else {
        String::new()
    }
}

/// |value| = m × 2^e with m < 2^53, for a finite value.
fn decode(value: f64) -> (u64, i64) {
    let bits = value.to_bits() & !(1 << 63);
    let (exp, fraction) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
    if exp == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, exp - 1075)
    }
}

/// The decimal digits of m × 2^e, exactly (most significant first, none for zero), and the power of
/// ten of the last one: m × 5^-e × 10^e when e is negative.
fn exact_digits(m: u64, e: i64) -> (Vec<u8>, i64) {
    let mut b = Big(vec![m as u32, (m >> 32) as u32]);
    b.trim();
    let exp = if e >= 0 {
        b = b.shl(e);
        0
    } else {
        let mut n = -e;
        while n > 0 {
            let k = n.min(13); // 5^13 < 2^32
            b.mul_add(5u32.pow(k as u32), 0);
            n -= k;
        }
        e
    };
    let mut digits = Vec::new();
    while !b.0.is_empty() {
        let mut chunk = b.div_small(1_000_000_000);
        for _ in 0..9 {
            digits.push((chunk % 10) as u8);
            chunk /= 10;
        }
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    digits.reverse();
    (digits, exp)
}

fn pad_left(digits: &mut Vec<u8>, len: usize) {
    if digits.len() < len {
        digits.splice(0..0, std::iter::repeat_n(0, len - digits.len()));
    }
}

/// Adds one to the last digit, carrying (`999` becomes `1000`).
fn increment(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d < 9 {
            *d += 1;
            return;
        }
        *d = 0;
    }
    digits.insert(0, 1);
}

fn strip_leading_zeros(digits: &[u8]) -> &[u8] {
    let first = digits
        .iter()
        .position(|&d| d > 0)
        .unwrap_or(digits.len() - 1);
    &digits[first..]
}

fn push_digits(out: &mut String, digits: &[u8]) {
    out.extend(digits.iter().map(|&d| char::from(b'0' + d)));
}

/// A nonnegative big integer, 32-bit limbs, least significant first, no leading zero limbs.
#[derive(Clone, PartialEq)]
struct Big(Vec<u32>);

impl Big {
    /// self = self × m + a.
    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let t = u64::from(*limb) * u64::from(m) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// self = self / d, returning the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rest = 0u64;
        for limb in self.0.iter_mut().rev() {
            let t = rest << 32 | u64::from(*limb);
            *limb = (t / u64::from(d)) as u32;
            rest = t % u64::from(d);
        }
        self.trim();
        rest as u32
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n > 0 {
            let k = n.min(9);
            self.mul_add(10u32.pow(k), 0);
            n -= k;
        }
    }

    fn bits(&self) -> i64 {
        self.0.last().map_or(0, |top| {
            self.0.len() as i64 * 32 - i64::from(top.leading_zeros())
        })
    }

    fn bit(&self, i: i64) -> bool {
        if i < 0 {
            return false;
        }
        let limb = self.0.get((i / 32) as usize).copied().unwrap_or(0);
        limb >> (i % 32) & 1 == 1
    }

    /// (q, sticky, e): self = (q + f) × 2^e with q in [2^63, 2^64), f nonzero exactly when sticky.
    fn top64(&self) -> (u64, bool, i64) {
        let bits = self.bits();
        let low = bits - 64;
        let q = (0..64).fold(0u64, |q, i| q << 1 | u64::from(self.bit(bits - 1 - i)));
        let sticky = (0..low.max(0)).any(|i| self.bit(i));
        (q, sticky, low)
    }

    fn shl(&self, n: i64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        let mut out = vec![0; limbs];
        let mut carry = 0u32;
        for &limb in &self.0 {
            out.push(if bits == 0 {
                limb
            } else {
                limb << bits | carry
            });
            carry = if bits == 0 { 0 } else { limb >> (32 - bits) };
        }
        if carry > 0 {
            out.push(carry);
        }
        Big(out)
    }

    fn shr1(&mut self) {
        let mut carry = 0;
        for limb in self.0.iter_mut().rev() {
            let next = *limb & 1;
            *limb = *limb >> 1 | carry << 31;
            carry = next;
        }
        if self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn at_least(&self, other: &Big) -> bool {
        if self.0.len() != other.0.len() {
            return self.0.len() > other.0.len();
        }
        self.0.iter().rev().cmp(other.0.iter().rev()).is_ge()
    }

    /// self -= other, where other ≤ self.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let t = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            *limb = t as u32;
            borrow = i64::from(t < 0);
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// self ÷ 10^n as (q, sticky, e), like [`Big::top64`].
    fn divide_by_pow10(&self, n: u32) -> (u64, bool, i64) {
        let mut divisor = Big(vec![1]);
        divisor.mul_pow10(n);
        // Scaled by 2^k so that the quotient has 64 or 65 bits.
        let k = 64 - (self.bits() - divisor.bits());
        let (mut rest, divisor) = if k >= 0 {
            (self.shl(k), divisor)
        } else {
            (self.clone(), divisor.shl(-k))
        };
        let mut step = divisor.shl(64);
        let mut q = 0u128;
        for _ in 0..65 {
            q <<= 1;
            if rest.at_least(&step) {
                rest.sub(&step);
                q |= 1;
            }
            step.shr1();
        }
        let mut sticky = !rest.0.is_empty();
        let mut e = -k;
        if q >> 64 != 0 {
            sticky |= q & 1 == 1;
            q >>= 1;
            e += 1;
        }
        (q as u64, sticky, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether parse_f64 and the standard library agree on `text`, bit for bit.
    fn agrees(text: &str) -> bool {
        let ours = parse_f64(text).map(f64::to_bits);
        let std = text.parse::<f64>().ok().map(f64::to_bits);
        ours == std
    }

    fn check(text: &str) {
        assert!(
            agrees(text),
            "{text:?}: {:?} != {:?}",
            parse_f64(text),
            text.parse::<f64>()
        );
    }

    /// A small deterministic generator (xorshift), so that failures repeat.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn the_same_grammar() {
        for text in [
            "",
            "+",
            "-",
            ".",
            "1",
            "-1",
            "+1",
            "1.",
            ".5",
            "+.5",
            "-.5",
            "1.e5",
            ".e1",
            "e5",
            "1e",
            "1e+",
            "1e-",
            "1E5",
            "1e+05",
            "1e-5",
            "--1",
            "1.5.2",
            "1_0",
            "0x10",
            " 1",
            "1 ",
            "1,5",
            "00001.0000",
            "0",
            "-0",
            "0.0",
            "-0.0",
            "0e0",
            "0e999999999999999",
            "inf",
            "-inf",
            "+inf",
            "INF",
            "inF",
            "infinity",
            "-Infinity",
            "infin",
            "nan",
            "NaN",
            "-nan",
            "+nan",
            "nan(1)",
            "1e400",
            "-1e400",
            "1e-400",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "1ee5",
            "1e5.5",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "9007199254740993",
            "9007199254740992.5",
            "0.1",
            "0.3",
            "123456789012345678901234567890",
            "0.000000000000000000000000000001",
            "1e23",
            "8.98846567431158e307",
        ] {
            check(text);
        }
    }

    #[test]
    fn random_text() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"0123456789..eE+-0011infatyNIFTY";
        for _ in 0..50_000 {
            let len = g.below(12) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[g.below(alphabet.len() as u64) as usize] as char)
                .collect();
            check(&text);
        }
    }

    #[test]
    fn random_numbers() {
        let mut g = Gen(0x2545_f491_4f6c_dd1d);
        for _ in 0..25_000 {
            let digits = 1 + g.below(40);
            let mut text: String = (0..digits)
                .map(|_| char::from(b'0' + g.below(10) as u8))
                .collect();
            if g.below(2) == 0 {
                text.insert(g.below(digits + 1) as usize, '.');
            }
            let exponent = g.below(700) as i64 - 350;
            check(&format!("{text}e{exponent}"));
            check(&text);
        }
    }

    #[test]
    fn every_kind_of_double_printed() {
        let mut g = Gen(0xdead_beef_cafe_f00d);
        for i in 0..25_000u64 {
            // Whole bit patterns, and small exponents where people's numbers are.
            let x = if i % 2 == 0 {
                f64::from_bits(g.next())
            } else {
                (g.next() >> 11) as f64 / (1u64 << g.below(60)) as f64
            };
            if x.is_nan() {
                continue;
            }
            for text in [
                format!("{x}"),
                format!("{x:e}"),
                format!("{x:.17e}"),
                format!("{x:.25e}"),
                format!("{x:.3}"),
            ] {
                check(&text);
            }
        }
    }

    /// The exact decimal digits of m × 2^e, and the power of ten of the last one.
    fn exact_decimal(m: u64, e: i64) -> (String, i64) {
        let mut b = Big(vec![m as u32, (m >> 32) as u32]);
        while b.0.last() == Some(&0) {
            b.0.pop();
        }
        let scale = if e >= 0 {
            b = b.shl(e);
            0
        } else {
            // m × 2^e = m × 5^-e / 10^-e.
            for _ in 0..-e {
                b.mul_add(5, 0);
            }
            e
        };
        let mut digits = Vec::new();
        while !b.0.is_empty() {
            let mut rem = 0u64;
            for limb in b.0.iter_mut().rev() {
                let t = rem << 32 | u64::from(*limb);
                *limb = (t / 10) as u32;
                rem = t % 10;
            }
            while b.0.last() == Some(&0) {
                b.0.pop();
            }
            digits.push(char::from(b'0' + rem as u8));
        }
        (digits.iter().rev().collect(), scale)
    }

    #[test]
    fn halfway_between_doubles_and_either_side() {
        let mut g = Gen(0x0123_4567_89ab_cdef);
        for i in 0..3_000 {
            let bits = match i % 3 {
                0 => g.next() & !(1 << 63),
                1 => g.below(1 << 53), // subnormals and the smallest normals
                _ => (1023 + 60 - g.below(120)) << 52 | g.below(1 << 52), // near 1
            };
            let x = f64::from_bits(bits);
            if !x.is_finite() || x == f64::MAX {
                continue;
            }
            // The midpoint between x and the next double: (2m + 1) × 2^(e - 1).
            let (m, e) = if bits >> 52 == 0 {
                (bits, -1074)
            } else {
                (
                    (bits & ((1 << 52) - 1)) | 1 << 52,
                    (bits >> 52) as i64 - 1075,
                )
            };
            let (digits, scale) = exact_decimal(2 * m + 1, e - 1);
            let mid = format!("{digits}e{scale}");
            check(&mid);
            check(&format!("{digits}0000000001e{}", scale - 10));
            // Just below: the last digit of a midpoint is 5.
            let below = format!("{}4999999999e{}", &digits[..digits.len() - 1], scale - 10);
            check(&below);
            // A long tail beyond MAX_DIGITS decides the rounding of a midpoint too.
            check(&format!("{digits}{}1e{}", "0".repeat(900), scale - 901));
        }
    }
    /// Doubles of every kind: whole bit patterns, small exponents, short decimals, exact binary
    /// fractions (ties when rounded), the extremes.
    fn doubles(seed: u64, n: usize) -> Vec<f64> {
        let mut g = Gen(seed);
        let mut out = vec![
            0.0,
            -0.0,
            1.0,
            0.1,
            0.5,
            2.5,
            0.125,
            1e21,
            1e22,
            1e23,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::EPSILON,
            9007199254740993.0,
        ];
        for i in 0..n {
            out.push(match i % 4 {
                0 => f64::from_bits(g.next()),
                1 => (g.next() >> 11) as f64 / (1u64 << g.below(60)) as f64,
                2 => g.below(1_000_000) as f64 / 10f64.powi(g.below(8) as i32),
                _ => g.below(1 << 12) as f64 / (1u64 << g.below(14)) as f64,
            });
            if g.below(2) == 0 {
                let last = out.len() - 1;
                out[last] = -out[last];
            }
        }
        out.retain(|x| !x.is_nan());
        out.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        out
    }

    #[test]
    fn shortest_writes_what_display_writes() {
        for x in doubles(0x5151_7a7a_0f0f_3c3c, 25_000) {
            assert_eq!(shortest(x), format!("{x}"), "{:?}", x.to_bits());
        }
    }

    #[test]
    fn fixed_writes_what_precision_writes() {
        for x in doubles(0x7777_1234_4321_abcd, 5_000) {
            for decimals in [0, 1, 2, 3, 6, 9, 17, 25] {
                assert_eq!(
                    fixed(x, decimals),
                    format!("{x:.decimals$}"),
                    "{:?} to {decimals}",
                    x.to_bits()
                );
            }
        }
    }
}
