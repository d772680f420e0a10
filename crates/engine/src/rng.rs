//! The seeded random streams of a world, all derived from its one seed.
//!
//! Each concern has its own stream, so that drawing a reconnect delay in one world does not shift the
//! message stream that every world must share. Only integer operations and `libm::log` are used, so the
//! numbers are identical natively and on wasm32.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

/// One independent stream.
#[derive(Clone, Debug)]
pub(crate) struct Stream(Xoshiro256PlusPlus);

/// Constants that separate the streams of one seed (arbitrary odd 64-bit values).
pub(crate) const MESSAGES: u64 = 0x6d65_7373_6167_6573;
pub(crate) const PHASES: u64 = 0x7068_6173_6573_0001;
pub(crate) const JITTER: u64 = 0x6a69_7474_6572_0003;
pub(crate) const RECONNECT: u64 = 0x7265_636f_6e6e_6563;
/// The per-client message streams (`streams.rs`), which are counter-based rather than a `Stream`.
pub(crate) const PER_CLIENT_MESSAGES: u64 = 0x7065_7263_6c69_656f;

/// A 64-bit key for `purpose` from `seed` (SplitMix64 of the combination: nearby seeds give unrelated
/// keys).
pub(crate) fn key(seed: u64, purpose: u64) -> u64 {
    let mut z = seed ^ purpose.rotate_left(17);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Stream {
    pub fn new(seed: u64, purpose: u64) -> Stream {
        Stream(Xoshiro256PlusPlus::seed_from_u64(key(seed, purpose)))
    }

    /// A uniform integer in [0, n) (0 when n is 0), by multiply-shift: no division, no platform types.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.0.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// A uniform integer in [0, n], both ends included.
    #[inline]
    pub fn up_to(&mut self, n: u64) -> u64 {
        if n == u64::MAX {
            self.0.next_u64()
        } else {
            self.below(n + 1)
        }
    }

    /// A uniform float in [0, 1) with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponential gap of mean `1 / rate_per_us` microseconds, rounded to a whole microsecond.
    #[inline]
    pub fn exponential_us(&mut self, rate_per_us: f64) -> u64 {
        let u = self.unit();
        let gap = -libm::log(1.0 - u) / rate_per_us;
        // `as` saturates: a tiny rate gives "practically never" instead of a wrapped value.
        (gap + 0.5) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_one_seed_differ_and_repeat() {
        let mut a = Stream::new(1, MESSAGES);
        let mut b = Stream::new(1, PHASES);
        let mut a2 = Stream::new(1, MESSAGES);
        let xs: Vec<u64> = (0..4).map(|_| a.below(1 << 40)).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.below(1 << 40)).collect();
        let xs2: Vec<u64> = (0..4).map(|_| a2.below(1 << 40)).collect();
        assert_ne!(xs, ys);
        assert_eq!(xs, xs2);
    }

    #[test]
    fn exponential_mean_matches_the_rate() {
        let mut s = Stream::new(3, MESSAGES);
        let n = 200_000;
        let total: u64 = (0..n).map(|_| s.exponential_us(1.0 / 1000.0)).sum();
        let mean = total as f64 / n as f64;
        // Standard error of the mean is 1000/sqrt(n) ≈ 2.2; allow 5 of them.
        assert!((mean - 1000.0).abs() < 11.0, "mean {mean}");
    }

    #[test]
    fn below_stays_in_range() {
        let mut s = Stream::new(5, JITTER);
        assert!((0..10_000).all(|_| s.below(7) < 7));
        assert_eq!(s.below(0), 0);
        assert!((0..1000).all(|_| s.up_to(3) <= 3));
    }
}
