//! Helpers shared by the engine's native test suites: building parameters, running worlds in slices,
//! capturing a world's whole output for comparison, and small statistics over the per-second series.
//!
//! Each test binary uses only some of these, hence the `dead_code` allowance.
#![allow(dead_code)]

use pollstream_engine::{
    Flight, FlightKind, Gauges, LatencyHistogram, Params, RawParams, SecondStats, SimTime,
    Strategy, Totals, World,
};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

/// Validated parameters: MODEL.md's defaults with `edit` applied.
pub fn params(edit: impl FnOnce(&mut RawParams)) -> Params {
    let mut raw = RawParams::default();
    edit(&mut raw);
    Params::try_from(raw.clone()).unwrap_or_else(|e| panic!("invalid test parameters {raw:?}: {e}"))
}

/// A world of `strategy` run from t = 0 to `secs` seconds in one call.
pub fn run(params: &Params, strategy: Strategy, secs: u64) -> World {
    let mut world = World::new(params, strategy);
    world.run_until(SimTime::from_secs(secs));
    world
}

/// Everything a world reports, for comparing two runs field by field.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub now: SimTime,
    pub seconds: Vec<SecondStats>,
    pub totals: Totals,
    pub gauges: Gauges,
    pub histogram: LatencyHistogram,
}

pub fn output(world: &World) -> Output {
    Output {
        now: world.now(),
        seconds: world.seconds().to_vec(),
        totals: world.totals(),
        gauges: world.gauges(),
        histogram: world.latency_histogram().clone(),
    }
}

/// Asserts two outputs are identical, pointing at the first second that differs rather than dumping both.
pub fn assert_same_output(a: &Output, b: &Output, context: &str) {
    assert_eq!(a.now, b.now, "{context}: clocks differ");
    assert_eq!(
        a.seconds.len(),
        b.seconds.len(),
        "{context}: numbers of seconds differ"
    );
    for (x, y) in a.seconds.iter().zip(&b.seconds) {
        assert_eq!(x, y, "{context}: second {} differs", x.second);
    }
    assert_eq!(a.totals, b.totals, "{context}: totals differ");
    assert_eq!(a.gauges, b.gauges, "{context}: gauges differ");
    assert!(
        a.histogram == b.histogram,
        "{context}: latency histograms differ"
    );
}

/// A tiny seeded generator for the property tests (no proptest: the suite must stay dependency-free).
pub struct Gen(Xoshiro256PlusPlus);

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(Xoshiro256PlusPlus::seed_from_u64(seed))
    }
    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [lo, hi], both included.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi);
        let span = hi - lo + 1;
        lo + ((self.0.next_u64() as u128 * span as u128) >> 64) as u64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Log-uniform in [lo, hi] (both > 0): every order of magnitude equally likely.
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp()
    }
    /// Log-uniform integer in [lo, hi], lo ≥ 1.
    pub fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        (self.log_uniform(lo as f64, hi as f64 + 1.0).floor() as u64).clamp(lo, hi)
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

/// The seconds `[from, to)` of a series (by their `second` field).
pub fn window(seconds: &[SecondStats], from: u64, to: u64) -> Vec<SecondStats> {
    seconds
        .iter()
        .filter(|s| s.second >= from && s.second < to)
        .copied()
        .collect()
}

/// The mean of `f` over a set of seconds.
pub fn mean_of(seconds: &[SecondStats], f: impl Fn(&SecondStats) -> f64) -> f64 {
    assert!(!seconds.is_empty(), "empty window");
    seconds.iter().map(f).sum::<f64>() / seconds.len() as f64
}

/// The sum of `f` over a set of seconds.
pub fn sum_of(seconds: &[SecondStats], f: impl Fn(&SecondStats) -> u64) -> u64 {
    seconds.iter().map(f).sum()
}

/// The exact mean latency (µs) of the messages delivered in a set of seconds, and how many there were:
/// each second reports the exact mean of its own messages, so the count-weighted mean is exact.
pub fn latency_mean(seconds: &[SecondStats]) -> (f64, u64) {
    let count: u64 = seconds.iter().map(|s| s.latency.count).sum();
    let sum: f64 = seconds
        .iter()
        .map(|s| s.latency.mean * s.latency.count as f64)
        .sum();
    (if count == 0 { 0.0 } else { sum / count as f64 }, count)
}

/// Asserts |got − want| ≤ tol, with a message that says what, by how much, and the allowance.
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: measured {got:.6}, theory {want:.6}, |diff| {:.6} > tolerance {tol:.6}",
        (got - want).abs()
    );
}

/// How a test slices a run into `World::advance` calls: steps of random simulated length up to
/// `max_step_us`, each in one call without a budget (a share `unbudgeted` of them) or in calls of a
/// random budget up to `max_budget` events.
pub struct Slicing {
    pub max_step_us: u64,
    pub unbudgeted: f64,
    pub max_budget: u64,
}

/// Advances `world` to `until` in random slices drawn from `g`.
pub fn advance_in_random_slices(world: &mut World, until: SimTime, g: &mut Gen, slicing: &Slicing) {
    advance_in_random_slices_looking(world, until, g, slicing, |_, _| {});
}

/// [`advance_in_random_slices`], calling `look(world, reached)` after every `advance` call, where
/// `reached` says whether the call ended its step.
pub fn advance_in_random_slices_looking(
    world: &mut World,
    until: SimTime,
    g: &mut Gen,
    slicing: &Slicing,
    mut look: impl FnMut(&World, bool),
) {
    while world.now() < until {
        let step = g.log_range(1, slicing.max_step_us);
        let t = SimTime::from_micros((world.now().as_micros() + step).min(until.as_micros()));
        let budget = if g.chance(slicing.unbudgeted) {
            u64::MAX
        } else {
            g.log_range(1, slicing.max_budget)
        };
        loop {
            let reached = world.advance(t, budget).reached;
            look(world, reached);
            if reached {
                break;
            }
        }
    }
}

/// The engine's buffer of flights (`MAX_FLIGHTS` in `world.rs`). With this many in the air at once,
/// each loop keeps some of them, not necessarily the same: a loop that dropped one still shows at
/// least `MAX_FLIGHTS - 1` (all in the air, as it drops the one that lands first), so a reference
/// that shows fewer dropped none.
const MAX_FLIGHTS: usize = 4096;

/// The flights in the air now, in a canonical order; with `left_before_now`, only those that left
/// before this instant.
fn flights_in_the_air(world: &World, left_before_now: bool) -> Vec<(u32, u64, u64, u8)> {
    let mut flights: Vec<_> = world
        .flights()
        .iter()
        .filter(|f| !left_before_now || f.depart < world.now())
        .map(|f: &Flight| {
            let kind = match f.kind {
                FlightKind::Request => 0,
                FlightKind::Response => 1,
                FlightKind::EmptyResponse => 2,
                FlightKind::Rejection => 3,
                FlightKind::Push => 4,
                FlightKind::Heartbeat => 5,
            };
            (f.client, f.depart.as_micros(), f.arrive.as_micros(), kind)
        })
        .collect();
    flights.sort();
    flights
}

/// Asserts that the animated view would draw the same for a world advanced by a fast loop (`sliced`)
/// and by the general loop (`reference`): the flights in the air and, if `reached`,
/// the traced clients' states. Returns whether the flights could be compared (fewer than
/// `MAX_FLIGHTS - 1` in the air).
///
/// A call that stops for its budget may stop part-way through its last instant (as the event-by-event
/// loop does), while `run_until` leaves all of that instant for later: there, only the flights that
/// left before it are compared, and not the states (clients joining or leaving come in tasks).
pub fn assert_same_view(
    sliced: &World,
    reference: &World,
    reached: bool,
    context: impl Fn() -> String,
) -> bool {
    assert_eq!(
        sliced.now(),
        reference.now(),
        "{}: clocks differ",
        context()
    );
    if reached {
        let (got, expected) = (
            sliced.traced_client_states(),
            reference.traced_client_states(),
        );
        assert_eq!(
            got.len(),
            expected.len(),
            "{}: traced counts differ",
            context()
        );
        if let Some(slot) = (0..got.len()).find(|&i| got[i] != expected[i]) {
            panic!(
                "{}: traced client {slot} is {:?}, event by event {:?}",
                context(),
                got[slot],
                expected[slot]
            );
        }
    }
    if reference.flights().len() >= MAX_FLIGHTS - 1 {
        return false;
    }
    let expected = flights_in_the_air(reference, !reached);
    let got = flights_in_the_air(sliced, !reached);
    if got != expected {
        let missing: Vec<_> = expected
            .iter()
            .filter(|f| !got.contains(f))
            .take(5)
            .collect();
        let extra: Vec<_> = got
            .iter()
            .filter(|f| !expected.contains(f))
            .take(5)
            .collect();
        panic!(
            "{}: flights in the air differ ({} sliced, {} event by event); missing {missing:?}, extra {extra:?}",
            context(),
            got.len(),
            expected.len()
        );
    }
    true
}
