//! Per-client message streams that any part of the engine can replay instead of storing.
//!
//! Each client's messages form an independent Poisson stream of rate λ (MODEL.md). Drawing them one at
//! a time from a shared generator means storing each message with its client until a response takes
//! it: a cache miss to store it and another to read it back, which at a million clients cost more than
//! the requests themselves. Here the messages of a client are a pure function of (seed, client, time),
//! from a counter-based generator, so:
//! - a response computes the messages its client has when it leaves, and a client keeps only the
//!   instant from which its messages are not yet taken (`from`);
//! - the server still sees every message at the instant it is created: the engine sweeps the clients
//!   once per epoch and sorts that epoch's messages by (time, client) into a [`Window`], which streaming
//!   pushes and held long-polls need and which every strategy counts as created.
//!
//! Time is cut into regimes: a new one begins whenever the rate, the pattern or the number of clients
//! changes, so that within a regime the clients are a fixed set. A regime cuts time into epochs of E
//! microseconds, aligned on whole seconds, with E chosen from the divisors of a second so that an epoch
//! holds about [`WINDOW_MESSAGES`] messages at most. In epoch e of regime r, client i has a Poisson(λE)
//! number of messages at distinct microseconds drawn uniformly in the epoch: a Poisson stream of rate λ
//! on the microsecond grid (two messages of one client never share a microsecond; at λ ≤ 100/s a draw
//! collides with fewer than one in ten thousand, and is then drawn again). A regime that begins or ends
//! inside an epoch keeps the draws that fall inside it, as a Poisson stream restricted to an interval is
//! a Poisson stream on that interval.
//!
//! Every draw is SplitMix64's output function applied to a key and a counter: only integer operations,
//! plus `libm::exp` once per regime, so the streams are the same natively and on wasm32.

/// How many messages an epoch holds at most, on average (8 bytes each while it waits to be created).
/// Long epochs keep cheap both the sweep that builds each window (a few nanoseconds per client) and a
/// response's look at its client's stream (one draw per epoch it spans).
pub(crate) const WINDOW_MESSAGES: f64 = 1_048_576.0;

/// The epoch lengths a regime can have, in microseconds: divisors of a second, so that no epoch spans
/// two seconds.
const EPOCHS_US: [u64; 13] = [
    1_000_000, 500_000, 250_000, 125_000, 62_500, 31_250, 15_625, 3_125, 625, 125, 25, 5, 1,
];

/// Draws per client and epoch kept on the stack; more (at most a few hundred, at λ = 100/s) go to the
/// heap.
const INLINE_DRAWS: usize = 32;

/// SplitMix64's increment (the golden ratio times 2^64).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// A uniform 64-bit value, the `counter`-th of the stream named by `key` (SplitMix64).
#[inline]
fn draw(key: u64, counter: u64) -> u64 {
    mix(key.wrapping_add(counter.wrapping_add(1).wrapping_mul(GAMMA)))
}

/// SplitMix64's output function.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The bits `bits` of a word of marks: bit b is set if the client whose draw counter is `counter`
/// plus (b − `bits.start`) steps of SplitMix64's increment has a message (its key, the mixed counter,
/// is at least `no_message_below`).
#[inline(always)]
fn with_messages(mut counter: u64, bits: std::ops::Range<u32>, no_message_below: u64) -> u64 {
    // Collected as "no message" bits, each shifted in from the right (the comparison's borrow, which
    // compiles to one add-with-carry per client), then inverted and put back in client order.
    let len = bits.len() as u32;
    let mut none = 0u64;
    let mut step = || {
        none = none.wrapping_add(none) + u64::from(mix(counter) < no_message_below);
        counter = counter.wrapping_add(GAMMA);
    };
    // Natively only: the browser build's size budget has no room for the loop's second copy.
    if cfg!(not(target_arch = "wasm32")) && len == 64 {
        // A whole word, nearly always: a loop of known length counts down to zero, one instruction
        // a client fewer than a loop that compares with the length (2 % of a steady second's).
        for _ in 0..64 {
            step();
        }
    } else {
        for _ in 0..len {
            step();
        }
    }
    ((!none).reverse_bits() >> (64 - len)) << bits.start
}

/// An odd multiplier that spreads the epochs over the key space before SplitMix64 mixes in the client.
const EPOCH_SPREAD: u64 = 0xd1b5_4a32_d192_ed03;

/// The key of `client`'s messages in `epoch` of regime `r`, and the uniform draw of their count.
#[inline]
fn client_key(r: &Regime, epoch: u64, client: u32) -> u64 {
    draw(r.key ^ epoch.wrapping_mul(EPOCH_SPREAD), client as u64)
}

/// A stretch of time with one rate and one set of clients.
#[derive(Clone, Debug)]
struct Regime {
    start: u64,
    /// Clients `0..n_clients` have messages in this regime.
    n_clients: u32,
    epoch_us: u64,
    key: u64,
    /// `thresholds[k]` = 2^64 · P(count ≤ k) for a Poisson(λE) count, rounded down, up to the first
    /// that reaches 2^64; empty when the rate is zero.
    thresholds: Vec<u64>,
    /// ⌈2^64 / epoch_us⌉, to divide by the epoch length with a multiplication.
    reciprocal: u64,
}

impl Regime {
    /// The epoch that contains `t`: `t / epoch_us`, by a multiplication and at most one correction
    /// (a division takes tens of cycles, and a response needs one).
    #[inline]
    fn epoch_of(&self, t: u64) -> u64 {
        if self.epoch_us == 1 {
            // 2^64 itself does not fit in the reciprocal.
            return t;
        }
        let mut q = ((t as u128 * self.reciprocal as u128) >> 64) as u64;
        // The estimate is exact or one too large (the reciprocal is rounded up).
        if q * self.epoch_us > t {
            q -= 1;
        }
        q
    }

    /// The number of messages a uniform draw `u` gives: the inverse of the count's distribution.
    #[inline]
    fn count(&self, u: u64) -> u64 {
        let mut k = 0;
        while k < self.thresholds.len() && u >= self.thresholds[k] {
            k += 1;
        }
        k as u64
    }
}

/// The per-client message streams of a world: a pure function of the seed and the history of rate and
/// client-count changes, and so the same in every world built from the same parameters and seed.
pub(crate) struct Streams {
    key: u64,
    /// In order of start; the last is in force now.
    regimes: Vec<Regime>,
    /// The marks of recent epochs, epoch e at `e % MARKED_EPOCHS`.
    marks: [Marks; MARKED_EPOCHS],
}

impl Streams {
    pub fn new(seed_key: u64) -> Streams {
        Streams {
            key: seed_key,
            regimes: Vec::new(),
            marks: Default::default(),
        }
    }

    /// Starts a regime at `start` (not before the last one's start) with `rate_per_s` messages per
    /// client per second (0: none) for `n_clients` clients, and returns its epoch length.
    pub fn begin_regime(&mut self, start: u64, rate_per_s: f64, n_clients: u32) -> u64 {
        let per_epoch = |epoch_us: u64| rate_per_s * epoch_us as f64 / 1e6;
        let epoch_us = EPOCHS_US
            .into_iter()
            .find(|&e| per_epoch(e) * n_clients as f64 <= WINDOW_MESSAGES)
            .unwrap_or(1);
        let mean = per_epoch(epoch_us);
        let mut thresholds = Vec::new();
        if mean > 0.0 {
            // P(k) = e^(−m) m^k / k!, accumulated; the 2^64 scale makes each threshold an integer that
            // a draw compares against exactly.
            let scale = 18_446_744_073_709_551_616.0;
            let mut p = libm::exp(-mean);
            let mut cdf = p;
            let mut k = 0.0;
            loop {
                // Past the mode, once a term is below 2^−64 the rest of the tail is too: the last
                // threshold is 2^64 − 1, as no draw reaches it. (The sum in floating point may stop
                // just short of 1, so it cannot be waited for.) `as` saturates.
                let t = (cdf * scale) as u64;
                if t == u64::MAX || k > mean && p * scale < 1.0 || thresholds.len() >= 100_000 {
                    thresholds.push(u64::MAX);
                    break;
                }
                thresholds.push(t);
                k += 1.0;
                p *= mean / k;
                cdf += p;
            }
        }
        let ordinal = self.regimes.len() as u64;
        self.regimes.push(Regime {
            start,
            n_clients,
            epoch_us,
            key: draw(self.key, ordinal),
            thresholds,
            reciprocal: (u64::MAX / epoch_us).saturating_add(1),
        });
        epoch_us
    }

    pub fn heap_bytes(&self) -> usize {
        let marks: usize = self.marks.iter().map(|m| m.bits.capacity() * 8).sum();
        let regimes: usize = self
            .regimes
            .iter()
            .map(|r| std::mem::size_of::<Regime>() + r.thresholds.capacity() * 8)
            .sum();
        marks + regimes
    }

    /// The end of the epoch of the current regime that contains `t`.
    pub fn epoch_end(&self, t: u64) -> u64 {
        let e = self.regimes.last().map_or(1_000_000, |r| r.epoch_us);
        (t / e + 1) * e
    }

    /// Whether the current regime creates any message.
    pub fn active(&self) -> bool {
        self.regimes
            .last()
            .is_some_and(|r| !r.thresholds.is_empty())
    }

    /// Calls `each(created)` for every message of `client` created in `[from, to)`, in creation order.
    #[inline]
    pub fn for_each(&self, client: u32, from: u64, to: u64, mut each: impl FnMut(u64)) {
        self.visit(client, from, to, |r, lo, hi, epoch_start, key| {
            epoch_draws(r, key, |offset| {
                let t = epoch_start + offset;
                if lo <= t && t < hi {
                    each(t);
                }
            });
        });
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// Calls `each(created)` for every message of `client` created in `[from, mid)`, in creation
    /// order, and returns whether it has one in `[mid, to)`: a response's messages and a look at what
    /// waits when the next request arrives, from one set of draws.
    #[inline]
    pub fn for_each_and_any_after(
        &self,
        client: u32,
        from: u64,
        mid: u64,
        to: u64,
        mut each: impl FnMut(u64),
    ) -> bool {
        let mut any_after = false;
        self.visit(client, from, to, |r, lo, hi, epoch_start, key| {
            epoch_draws(r, key, |offset| {
                let t = epoch_start + offset;
                if lo <= t && t < hi {
                    if t < mid {
                        each(t);
                    } else {
                        any_after = true;
                    }
                }
            });
        });
        any_after
    }

    /// How many messages `client` has created in `[from, to)`.
    #[inline]
    pub fn count(&self, client: u32, from: u64, to: u64) -> u64 {
        // The common case, a poll's response: the current regime alone, one or two epochs, most
        // often no message, in a tight loop.
        if let Some(r) = self.regimes.last() {
            if r.start <= from && from < to && client < r.n_clients && !r.thresholds.is_empty() {
                let regime = self.regimes.len() - 1;
                let mut n = 0;
                let mut epoch = r.epoch_of(from);
                let mut epoch_start = epoch * r.epoch_us;
                while epoch_start < to {
                    let marks = &self.marks[epoch as usize % MARKED_EPOCHS];
                    let marked = marks.complete && marks.epoch == epoch && marks.regime == regime;
                    if !marked || marks.has(client) {
                        let key = client_key(r, epoch, client);
                        if key >= r.thresholds[0] {
                            n += count_in_epoch(r, key, from, to, epoch_start);
                        }
                    }
                    epoch += 1;
                    epoch_start += r.epoch_us;
                }
                return n;
            }
        }
        let mut n = 0;
        self.visit(client, from, to, |r, lo, hi, epoch_start, key| {
            n += count_in_epoch(r, key, lo, hi, epoch_start);
        });
        n
    }

    /// Calls `visit(regime, lo, hi, epoch_start, client_key)` for each epoch in which `client` has at
    /// least one message and which overlaps `[from, to)`, where `[lo, hi)` is the part of `[from, to)`
    /// in that regime.
    #[inline]
    fn visit(
        &self,
        client: u32,
        from: u64,
        to: u64,
        mut visit: impl FnMut(&Regime, u64, u64, u64, u64),
    ) {
        if from >= to {
            return;
        }
        // Nearly always the current regime alone: no search.
        let first = match self.regimes.last() {
            None => return,
            Some(last) if last.start <= from => self.regimes.len() - 1,
            Some(_) => self
                .regimes
                .partition_point(|r| r.start <= from)
                .saturating_sub(1),
        };
        for (i, r) in self.regimes.iter().enumerate().skip(first) {
            if r.start >= to {
                break;
            }
            if r.thresholds.is_empty() || client >= r.n_clients {
                continue;
            }
            let end = self.regimes.get(i + 1).map_or(u64::MAX, |next| next.start);
            let lo = from.max(r.start);
            let hi = to.min(end);
            if lo >= hi {
                continue;
            }
            // One division, then steps: a response's span covers one or two epochs.
            let mut epoch = lo / r.epoch_us;
            let mut epoch_start = epoch * r.epoch_us;
            while epoch_start < hi {
                let key = client_key(r, epoch, client);
                // Most clients have no message in an epoch: the count's first threshold tells.
                if key >= r.thresholds[0] {
                    visit(r, lo, hi, epoch_start, key);
                }
                epoch += 1;
                epoch_start += r.epoch_us;
            }
        }
    }

    /// Calls `out` with the messages of clients `clients` created in `[lo, hi)`, each as
    /// `(offset from lo) << 32 | client`, in client order. `[lo, hi)` lies in one epoch of the current
    /// regime.
    ///
    /// It also marks, in the epoch's [`Marks`], which clients have a message in the epoch.
    pub fn sweep(
        &mut self,
        lo: u64,
        hi: u64,
        clients: std::ops::Range<u32>,
        mut out: impl FnMut(u64),
    ) {
        let regime = self.regimes.len().wrapping_sub(1);
        let Some(r) = self.regimes.last() else {
            return;
        };
        if r.thresholds.is_empty() {
            return;
        }
        let epoch = lo / r.epoch_us;
        let epoch_start = epoch * r.epoch_us;
        let end = clients.end.min(r.n_clients);
        let marks = &mut self.marks[epoch as usize % MARKED_EPOCHS];
        if clients.start == 0 {
            marks.begin(regime, epoch, r.n_clients);
        }
        // Most clients have no message in an epoch, as the count's first threshold tells. Clients go
        // a word of marks at a time: first which of them have messages, from their keys alone and
        // without a branch (one per client would be mispredicted about as often as a client has a
        // message), then the keys again and the draws of those that have. A word's keys follow
        // one another by SplitMix64's increment before they are mixed.
        let no_message_below = r.thresholds[0];
        let epoch_key = r.key ^ epoch.wrapping_mul(EPOCH_SPREAD);
        let mut first = clients.start;
        while first < end {
            let word = first / 64;
            let stop = ((word + 1) * 64).min(end);
            let counter =
                epoch_key.wrapping_add(u64::from(first).wrapping_add(1).wrapping_mul(GAMMA));
            let bits = first % 64..first % 64 + (stop - first);
            let mut found = with_messages(counter, bits, no_message_below);
            marks.bits[word as usize] |= found;
            while found != 0 {
                let bit = found.trailing_zeros();
                found &= found - 1;
                let client = word * 64 + bit;
                epoch_draws(r, client_key(r, epoch, client), |offset| {
                    let t = epoch_start + offset;
                    if lo <= t && t < hi {
                        out((t - lo) << 32 | client as u64);
                    }
                });
            }
            first = stop;
        }
        if end == r.n_clients {
            marks.complete = true;
        }
    }
}

/// The recent epochs of the current regime, as a run of polls' responses sees them: every client's
/// messages in `[from, until)` found from one bit per client and epoch, with no check per response
/// beyond its range.
pub(crate) struct MarkedSpan<'a> {
    regime: &'a Regime,
    /// Instants in `[from, until)` are covered: by complete marks of the current regime, or by
    /// nothing at all when the regime has no messages.
    from: u64,
    until: u64,
    /// The marks' words, epoch e's at `e % MARKED_EPOCHS`.
    words: [&'a [u64]; MARKED_EPOCHS],
}

impl Streams {
    /// The current regime's latest complete epochs, or `None` if there is no regime.
    pub fn marked_span(&self) -> Option<MarkedSpan<'_>> {
        let index = self.regimes.len().checked_sub(1)?;
        let regime = &self.regimes[index];
        let marks = &self.marks;
        let (from, until) = if regime.thresholds.is_empty() {
            (regime.start, u64::MAX)
        } else {
            let usable = |m: &Marks| m.complete && m.regime == index;
            match marks.iter().filter(|m| usable(m)).map(|m| m.epoch).max() {
                None => (0, 0),
                Some(newest) => {
                    let mut oldest = newest;
                    while oldest > 0 {
                        let m = &marks[(oldest - 1) as usize % MARKED_EPOCHS];
                        // A slot holds one epoch: an older one than the slots hold ends the span.
                        if !(usable(m) && m.epoch == oldest - 1) {
                            break;
                        }
                        oldest -= 1;
                    }
                    let from = (oldest * regime.epoch_us).max(regime.start);
                    (from, (newest + 1) * regime.epoch_us)
                }
            }
        };
        Some(MarkedSpan {
            regime,
            from,
            until,
            words: std::array::from_fn(|slot| marks[slot].bits.as_slice()),
        })
    }
}

impl MarkedSpan<'_> {
    /// The first instant covered.
    #[inline(always)]
    pub fn from(&self) -> u64 {
        self.from
    }

    /// The end of the instants covered.
    #[inline(always)]
    pub fn until(&self) -> u64 {
        self.until
    }

    /// Calls `visit(key, epoch_start)` for each epoch overlapping `[from, to)` in which `client` has a
    /// message. `[from, to)` must be covered and not empty.
    #[inline(always)]
    fn visit(&self, client: u32, from: u64, to: u64, mut visit: impl FnMut(u64, u64)) {
        let r = self.regime;
        if r.thresholds.is_empty() {
            return;
        }
        let mut epoch = r.epoch_of(from);
        let mut epoch_start = epoch * r.epoch_us;
        while epoch_start < to {
            let words = self.words[epoch as usize % MARKED_EPOCHS];
            // A client past the regime's clients has no message in it, and no bit set.
            let marked = words
                .get(client as usize / 64)
                .is_some_and(|word| word >> (client % 64) & 1 != 0);
            if marked {
                visit(client_key(r, epoch, client), epoch_start);
            }
            epoch += 1;
            epoch_start += r.epoch_us;
        }
    }

    /// How many messages `client` has created in `[from, to)`, which must be covered and not empty.
    #[inline(always)]
    pub fn count(&self, client: u32, from: u64, to: u64) -> u64 {
        let mut n = 0;
        self.visit(client, from, to, |key, epoch_start| {
            n += count_in_epoch(self.regime, key, from, to, epoch_start);
        });
        n
    }

    /// Calls `each(created)` for every message of `client` created in `[from, to)` (covered, not
    /// empty), in creation order.
    #[inline(always)]
    pub fn for_each(&self, client: u32, from: u64, to: u64, mut each: impl FnMut(u64)) {
        self.visit(client, from, to, |key, epoch_start| {
            epoch_draws(self.regime, key, |offset| {
                let t = epoch_start + offset;
                if from <= t && t < to {
                    each(t);
                }
            });
        });
    }
}

/// How many recent epochs keep their [`Marks`]: a poll's response looks back one poll interval.
const MARKED_EPOCHS: usize = 4;

/// Which clients have at least one message in one epoch of one regime, one bit each, as the sweep that
/// builds the epoch's window found: a response then knows that its client has no message in that epoch
/// (nine times in ten at λ = 0.1/s) from one bit in cache instead of a draw.
#[derive(Clone, Default)]
struct Marks {
    regime: usize,
    epoch: u64,
    /// Every client of the regime has been swept.
    complete: bool,
    bits: Vec<u64>,
}

impl Marks {
    fn begin(&mut self, regime: usize, epoch: u64, n_clients: u32) {
        self.regime = regime;
        self.epoch = epoch;
        self.complete = false;
        self.bits.clear();
        let words = (n_clients as usize).div_ceil(64);
        self.bits.resize(words, 0);
        // After the clients went from 3 M to 1 M, the room for 3 M goes (`make soak`).
        self.bits.shrink_to(words);
    }

    #[inline]
    fn has(&self, client: u32) -> bool {
        self.bits[client as usize / 64] & (1 << (client % 64)) != 0
    }
}

/// Clients swept per step of a window's build: a few microseconds of work.
pub(crate) const SWEEP_CHUNK: u32 = 1024;

/// Messages per bucket of a window, on average: a bucket is sorted in one go when the clock reaches
/// it, a fraction of a millisecond.
const BUCKET_MESSAGES: f64 = 65_536.0;

/// The per-client messages of one epoch (or the part of it in a regime), in the order the server
/// creates them: by (time, client). The window is built at the instant it begins, a chunk of clients
/// per step; its messages go to buckets by time, and each bucket is sorted when the clock reaches it.
#[derive(Default)]
pub(crate) struct Window {
    /// `offset << 32 | client`, offsets from `base`. Buckets cover equal spans of time in order;
    /// `buckets[current]` is sorted and `buckets[current][next..]` are not yet created, nor is any
    /// later bucket.
    buckets: Vec<Vec<u64>>,
    current: usize,
    next: usize,
    base: u64,
    /// Every message before this instant has been created.
    created_until: u64,
    building: Option<Build>,
    /// Emptied buckets, kept to be filled again.
    spare: Vec<Vec<u64>>,
    scratch: Vec<u64>,
    /// Goes up whenever a build is abandoned for a new regime, so that its pending steps know.
    pub generation: u32,
}

/// A window under construction.
struct Build {
    lo: u64,
    hi: u64,
    bucket_us: u64,
    next_client: u32,
    end_client: u32,
    buckets: Vec<Vec<u64>>,
}

/// What a step of a window's build did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BuildStep {
    /// No window is being built.
    Idle,
    /// More clients remain to be swept.
    Pending,
    /// The window is in place; it ends at `hi`, where the next one begins.
    Done { hi: u64 },
}

impl Window {
    /// When the next message is created, if the window holds one.
    #[inline]
    pub fn peek_time(&self) -> Option<u64> {
        let bucket = self.buckets.get(self.current)?;
        bucket.get(self.next).map(|&e| self.base + (e >> 32))
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// The client of the message `ahead` places after the next one, if the current bucket holds it.
    #[inline]
    pub fn client_ahead(&self, ahead: usize) -> Option<u32> {
        let bucket = self.buckets.get(self.current)?;
        bucket.get(self.next + ahead).map(|&e| e as u32)
    }

    /// The client of the next message if it is created at `t`, taking it.
    #[inline]
    pub fn pop_at(&mut self, t: u64) -> Option<u32> {
        let &e = self.buckets.get(self.current)?.get(self.next)?;
        if self.base + (e >> 32) != t {
            return None;
        }
        self.next += 1;
        self.created_until = t + 1;
        self.settle();
        Some(e as u32)
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// The messages of the current bucket created before `end`, in creation order, without taking
    /// them: entries `offset << 32 | client`, with offsets from [`base`](Self::base).
    #[inline]
    pub fn peek_before(&self, end: u64) -> &[u64] {
        let Some(bucket) = self.buckets.get(self.current) else {
            return &[];
        };
        let rest = &bucket[self.next..];
        if end <= self.base {
            return &rest[..0];
        }
        let limit = (end - self.base).min(1 << 31) << 32;
        &rest[..rest.partition_point(|&e| e < limit)]
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// The instant that the offsets of the entries [`peek_before`](Self::peek_before) returns count
    /// from.
    #[inline]
    pub fn base(&self) -> u64 {
        self.base
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// Takes the first `n` messages of those [`peek_before`](Self::peek_before) returned.
    #[inline]
    pub fn take_first(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let last = self.buckets[self.current][self.next + n - 1];
        self.next += n;
        self.created_until = self.base + (last >> 32) + 1;
        self.settle();
    }

    /// Takes every message created before `end` and returns how many there were.
    #[inline]
    pub fn take_before(&mut self, end: u64) -> u64 {
        if end <= self.base {
            return 0;
        }
        let limit = (end - self.base).min(1 << 31) << 32;
        let mut taken = 0;
        while let Some(bucket) = self.buckets.get(self.current) {
            let rest = &bucket[self.next..];
            let n = rest.partition_point(|&e| e < limit);
            if n == 0 {
                break;
            }
            self.created_until = self.base + (rest[n - 1] >> 32) + 1;
            self.next += n;
            taken += n as u64;
            if n < rest.len() {
                break;
            }
            self.settle();
        }
        taken
    }

    /// Moves past an exhausted bucket to the next one that holds messages, sorting it.
    fn settle(&mut self) {
        while self
            .buckets
            .get(self.current)
            .is_some_and(|b| self.next == b.len())
        {
            if self.current + 1 == self.buckets.len() {
                return;
            }
            self.current += 1;
            self.next = 0;
            sort_window(&mut self.buckets[self.current], &mut self.scratch);
        }
    }

    /// The instant from which messages are not yet created, at `now`: `now`, or just after it once
    /// the messages of this instant have been.
    pub fn horizon(&self, now: u64) -> u64 {
        now.max(self.created_until)
    }

    /// Drops what is left of this window and any build under way: a new regime begins.
    pub fn abandon(&mut self) {
        self.recycle_buckets();
        if let Some(build) = self.building.take() {
            self.spare.extend(build.buckets);
        }
        self.generation = self.generation.wrapping_add(1);
    }

    fn recycle_buckets(&mut self) {
        for mut bucket in self.buckets.drain(..) {
            bucket.clear();
            self.spare.push(bucket);
        }
        self.current = 0;
        self.next = 0;
    }

    /// Starts building the window `[lo, hi)` for clients `0..n_clients`, with about `expected`
    /// messages, to follow the current one.
    pub fn start_build(&mut self, lo: u64, hi: u64, n_clients: u32, expected: f64) {
        if let Some(build) = self.building.take() {
            self.spare.extend(build.buckets);
        }
        let n_buckets = ((expected / BUCKET_MESSAGES) as u64).clamp(1, hi - lo);
        let bucket_us = (hi - lo).div_ceil(n_buckets);
        let n_buckets = (hi - lo).div_ceil(bucket_us);
        let buckets = (0..n_buckets)
            .map(|_| self.spare.pop().unwrap_or_default())
            .collect();
        // Spares beyond what a window of this size uses were made for more clients or a higher rate:
        // they go, so that memory follows the scenario down again (`make soak`).
        self.spare.truncate(n_buckets as usize);
        self.building = Some(Build {
            lo,
            hi,
            bucket_us,
            next_client: 0,
            end_client: n_clients,
            buckets,
        });
    }

    /// Builds the pending window a chunk of clients further. Once every client is swept, it replaces
    /// the current window, which has been used up by then.
    pub fn build_step(&mut self, streams: &mut Streams) -> BuildStep {
        let Some(build) = self.building.as_mut() else {
            return BuildStep::Idle;
        };
        if build.next_client < build.end_client {
            let stop = build
                .next_client
                .saturating_add(SWEEP_CHUNK)
                .min(build.end_client);
            let bucket_us = build.bucket_us;
            let buckets = &mut build.buckets;
            streams.sweep(build.lo, build.hi, build.next_client..stop, |entry| {
                let offset = entry >> 32;
                buckets[(offset / bucket_us) as usize].push(entry);
            });
            build.next_client = stop;
            return BuildStep::Pending;
        }
        let Some(build) = self.building.take() else {
            return BuildStep::Idle;
        };
        self.recycle_buckets();
        self.buckets = build.buckets;
        self.base = build.lo;
        if let Some(first) = self.buckets.first_mut() {
            sort_window(first, &mut self.scratch);
        }
        self.settle();
        BuildStep::Done { hi: build.hi }
    }

    pub fn heap_bytes(&self) -> usize {
        let capacity = |buckets: &[Vec<u64>]| buckets.iter().map(Vec::capacity).sum::<usize>();
        let build = self.building.as_ref().map_or(0, |b| capacity(&b.buckets));
        (capacity(&self.buckets) + capacity(&self.spare) + self.scratch.capacity() + build) * 8
    }
}

/// How many of the messages of one client in one epoch (its key `key`, starting at `epoch_start`) fall
/// in `[lo, hi)`. Out of line: most epochs of a client hold no message, and the caller tells so alone.
#[inline(never)]
fn count_in_epoch(r: &Regime, key: u64, lo: u64, hi: u64, epoch_start: u64) -> u64 {
    if lo <= epoch_start && epoch_start + r.epoch_us <= hi {
        // The whole epoch: its count is all that is needed.
        return r.count(key).min(r.epoch_us);
    }
    let mut n = 0;
    epoch_draws(r, key, |offset| {
        let t = epoch_start + offset;
        n += u64::from(lo <= t && t < hi);
    });
    n
}

/// Calls `each(offset)` for the messages of one client in one epoch, by increasing offset from the
/// epoch's start: a Poisson count (from the key itself), then that many distinct uniform offsets.
#[inline(always)]
fn epoch_draws(r: &Regime, client_key: u64, mut each: impl FnMut(u64)) {
    let count = r.count(client_key).min(r.epoch_us);
    if count == 0 {
        return;
    }
    let offset =
        |counter: u64| ((draw(client_key, counter) as u128 * r.epoch_us as u128) >> 64) as u64;
    if count == 1 {
        // Nearly always, at the rates where sweeps and responses cost the most: one draw, which
        // cannot collide, and no array to sort it into.
        each(offset(1));
        return;
    }
    let mut inline = [0u64; INLINE_DRAWS];
    let mut heap = Vec::new();
    let offsets: &mut [u64] = if count as usize <= INLINE_DRAWS {
        &mut inline[..count as usize]
    } else {
        heap.resize(count as usize, 0);
        &mut heap
    };
    // Insertion in order; a draw that falls on an offset already taken is drawn again.
    let mut counter = 1;
    let mut filled = 0;
    while filled < offsets.len() {
        let offset = offset(counter);
        counter += 1;
        let at = offsets[..filled].partition_point(|&o| o < offset);
        if at < filled && offsets[at] == offset {
            continue;
        }
        offsets.copy_within(at..filled, at + 1);
        offsets[at] = offset;
        filled += 1;
    }
    for &offset in offsets.iter() {
        each(offset);
    }
}

/// Sorts window entries (`offset << 32 | client`, offsets below 2^20) by offset, keeping the client
/// order of equal offsets: two stable counting passes of 10 bits each.
pub(crate) fn sort_window(entries: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    for shift in [32, 42] {
        let digit = |e: u64| ((e >> shift) & 1023) as usize;
        let mut starts = [0usize; 1025];
        for &e in entries.iter() {
            starts[digit(e) + 1] += 1;
        }
        for d in 0..1024 {
            starts[d + 1] += starts[d];
        }
        scratch.clear();
        scratch.resize(entries.len(), 0);
        for &e in entries.iter() {
            let d = digit(e);
            scratch[starts[d]] = e;
            starts[d] += 1;
        }
        std::mem::swap(entries, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(rate: f64, n: u32) -> Streams {
        let mut s = Streams::new(7);
        s.begin_regime(0, rate, n);
        s
    }

    #[test]
    fn a_client_has_about_lambda_t_messages_at_distinct_instants() {
        let s = streams(2.0, 1000);
        let mut total = 0;
        for client in 0..1000 {
            let mut last = None;
            s.for_each(client, 0, 10_000_000, |t| {
                assert!(last.is_none_or(|l| l < t), "in order and distinct");
                last = Some(t);
                total += 1;
            });
        }
        // 20,000 expected; the standard deviation is about 141.
        assert!((19_300..=20_700).contains(&total), "{total}");
    }

    #[test]
    fn gaps_are_exponential() {
        // The share of gaps longer than the mean is e^−1 for an exponential distribution.
        let s = streams(10.0, 100);
        let (mut gaps, mut long) = (0, 0);
        for client in 0..100 {
            let mut last = None;
            s.for_each(client, 0, 100_000_000, |t| {
                if let Some(l) = last {
                    gaps += 1;
                    if t - l > 100_000 {
                        long += 1;
                    }
                }
                last = Some(t);
            });
        }
        let share = long as f64 / gaps as f64;
        assert!((share - (-1.0f64).exp()).abs() < 0.01, "{share} of {gaps}");
    }

    #[test]
    fn a_sweep_sees_what_each_client_replays() {
        let mut s = streams(0.5, 3000);
        s.begin_regime(1_700_000, 3.0, 3000);
        for lo in [1_700_000, 2_000_000] {
            let hi = s.epoch_end(lo);
            let mut swept = Vec::new();
            s.sweep(lo, hi, 0..3000, |e| swept.push(e));
            let mut scratch = Vec::new();
            sort_window(&mut swept, &mut scratch);
            assert!(
                swept.windows(2).all(|w| w[0] <= w[1]),
                "sorted by (time, client)"
            );
            let mut replayed = Vec::new();
            for client in 0..3000 {
                s.for_each(client, lo, hi, |t| {
                    replayed.push((t - lo) << 32 | client as u64)
                });
            }
            replayed.sort_unstable();
            assert_eq!(swept, replayed);
            assert!(!swept.is_empty());
        }
    }

    #[test]
    fn a_marked_span_finds_what_the_streams_replay() {
        let mut s = streams(0.3, 12_000);
        let epoch_us = s.epoch_end(0);
        let mut swept = 0;
        for epoch in 0..6 {
            let lo = epoch * epoch_us;
            s.sweep(lo, lo + epoch_us, 0..12_000, |_| swept += 1);
        }
        assert!(swept > 0);
        let span = s.marked_span().unwrap();
        // Only the last four epochs keep their marks.
        assert_eq!((span.from(), span.until()), (2 * epoch_us, 6 * epoch_us));
        let mut g = 0x5eed_u64;
        let mut next = |below: u64| {
            g = draw(g, 1);
            g % below
        };
        let mut found = 0;
        for _ in 0..20_000 {
            let client = next(12_500) as u32;
            let from = span.from() + next(4 * epoch_us);
            let to = (from + 1 + next(epoch_us * 3 / 2)).min(span.until());
            let mut replayed = Vec::new();
            s.for_each(client, from, to, |t| replayed.push(t));
            let mut seen = Vec::new();
            span.for_each(client, from, to, |t| seen.push(t));
            assert_eq!(seen, replayed, "client {client} in [{from}, {to})");
            assert_eq!(span.count(client, from, to), replayed.len() as u64);
            found += seen.len();
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn a_marked_span_needs_a_complete_sweep() {
        let mut s = streams(0.3, 12_000);
        let epoch_us = s.epoch_end(0);
        s.sweep(0, epoch_us, 0..12_000, |_| {});
        s.sweep(epoch_us, 2 * epoch_us, 0..6_000, |_| {});
        let span = s.marked_span().unwrap();
        assert_eq!((span.from(), span.until()), (0, epoch_us));
        // A new regime's span begins with its first complete epoch.
        s.begin_regime(epoch_us / 2, 0.3, 13_000);
        let span = s.marked_span().unwrap();
        assert_eq!((span.from(), span.until()), (0, 0));
        s.begin_regime(epoch_us, 0.0, 13_000);
        let span = s.marked_span().unwrap();
        assert_eq!((span.from(), span.until()), (epoch_us, u64::MAX));
        assert_eq!(span.count(5, epoch_us, 9 * epoch_us), 0);
    }

    #[test]
    fn a_window_of_many_buckets_creates_every_message_once_in_order() {
        // 400,000 messages in the epoch: seven buckets, sorted as the clock reaches each.
        let n_clients = 200_000;
        let mut s = streams(2.0, n_clients);
        let (lo, hi) = (0, s.epoch_end(0));
        let mut window = Window::default();
        window.start_build(lo, hi, n_clients, 2.0 * n_clients as f64);
        let mut steps = 0;
        let done = loop {
            steps += 1;
            match window.build_step(&mut s) {
                BuildStep::Pending => continue,
                done => break done,
            }
        };
        assert_eq!(done, BuildStep::Done { hi });
        assert!(steps > (n_clients / SWEEP_CHUNK) as usize, "{steps} steps");
        assert!(
            window.buckets.len() >= 6,
            "{} buckets",
            window.buckets.len()
        );

        let mut expected = Vec::new();
        s.sweep(lo, hi, 0..n_clients, |e| expected.push(e));
        let mut scratch = Vec::new();
        sort_window(&mut expected, &mut scratch);

        // Half of it one instant at a time, as an event loop takes it; the rest by counts.
        let mut created = Vec::new();
        while created.len() < expected.len() / 2 {
            let t = window.peek_time().unwrap();
            while let Some(client) = window.pop_at(t) {
                created.push((t - lo) << 32 | client as u64);
            }
        }
        assert_eq!(created[..], expected[..created.len()]);
        let mut rest = 0;
        for end in (0..=10).map(|k| lo + (hi - lo) * k / 10) {
            rest += window.take_before(end);
        }
        assert_eq!(created.len() as u64 + rest, expected.len() as u64);
        assert_eq!(window.peek_time(), None);
        assert_eq!(window.horizon(0), lo + (expected.last().unwrap() >> 32) + 1);
    }

    #[test]
    fn a_new_regime_replaces_the_rest_of_the_old_one() {
        let mut s = streams(5.0, 10);
        let before: Vec<u64> = {
            let mut v = Vec::new();
            s.for_each(3, 0, 2_000_000, |t| v.push(t));
            v
        };
        s.begin_regime(1_000_000, 0.0, 10);
        let mut after = Vec::new();
        s.for_each(3, 0, 2_000_000, |t| after.push(t));
        let kept: Vec<u64> = before.into_iter().filter(|&t| t < 1_000_000).collect();
        assert_eq!(
            after, kept,
            "rate 0 from 1 s on: only the first second's messages stay"
        );
        assert_eq!(s.count(3, 1_000_000, u64::MAX), 0);
    }

    #[test]
    fn an_epoch_is_found_without_dividing() {
        let mut s = Streams::new(1);
        for (i, &e) in EPOCHS_US.iter().enumerate() {
            s.begin_regime(0, 1.0, 1 << i);
            let r = s.regimes.last().unwrap().clone();
            let r = Regime {
                epoch_us: e,
                reciprocal: (u64::MAX / e).saturating_add(1),
                ..r
            };
            let mut t = 1u64;
            for k in 0..2000u64 {
                for probe in [k, k * e, k * e + 1, (k + 1) * e - 1, t, u64::MAX - k] {
                    assert_eq!(r.epoch_of(probe), probe / e, "{probe} / {e}");
                }
                t = t
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
            }
        }
    }

    #[test]
    fn a_count_has_as_many_thresholds_as_its_distribution_needs() {
        // At λE = 0.1 the floating-point sum of the probabilities stops just short of 1: the table
        // must end anyway, a few dozen entries long, not run to its guard of 100,000.
        for (rate, most) in [(0.1, 16), (1.0, 24), (100.0, 260), (0.0001, 8)] {
            let mut s = Streams::new(1);
            s.begin_regime(0, rate, 1);
            let thresholds = &s.regimes.last().unwrap().thresholds;
            assert!(
                thresholds.len() <= most && thresholds.last() == Some(&u64::MAX),
                "λE = {rate}: {} thresholds",
                thresholds.len()
            );
            assert!(thresholds.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn epochs_shrink_as_the_message_rate_grows() {
        let mut s = Streams::new(1);
        assert_eq!(s.begin_regime(0, 0.1, 1_000_000), 1_000_000);
        assert_eq!(s.begin_regime(0, 0.1, 10_000_000), 1_000_000);
        assert_eq!(s.begin_regime(0, 1.0, 10_000_000), 62_500);
        assert_eq!(s.begin_regime(0, 100.0, 10_000_000), 625);
    }
}
