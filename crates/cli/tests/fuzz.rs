//! Random scenarios through the runner's whole parameter space: every flag, its extremes on purpose
//! (1 client and 10 million, zero rate, a queue limit of 0, 1 worker, full jitter, sync start, both
//! reconnect policies, broadcast), a restart from `--restart-at` and more restarts during the run, some
//! during the downtime of the one before, and live changes of the client count, the interval and the
//! rate. Each scenario is parsed from its command line as a user would type it, run with random
//! slicing, and checked against MODEL.md's invariants at every step; a tenth of them are run again in
//! one call and must give the same output. Malformed and out-of-range values must come back as an
//! error that names the flag, the value and the allowed range, never as a panic.
//!
//! `make test` runs [`DEFAULT_CASES`] scenarios in a release build (`make test-fuzz`), and a few in
//! the debug build of `cargo test`, where ten million clients take seconds each; `make soak` runs
//! 1,200 (`POLLSTREAM_FUZZ_CASES=1200 cargo test --release -p pollstream-cli --test fuzz`). A failure
//! prints the command line and `POLLSTREAM_FUZZ_CASE=<index>` reruns that scenario alone.

use pollstream_cli::args::{parse, ArgError, Command, RunConfig};
use pollstream_engine::{ParamKey, Params, Range, SimDuration, SimTime, Strategy, World};

const DEFAULT_CASES: usize = if cfg!(debug_assertions) { 30 } else { 300 };
/// Above this many clients a world's books are audited only at the end: an audit visits every client.
const AUDIT_EVERY_STEP_UP_TO: u64 = 1_000_000;
const MASTER_SEED: u64 = 0xf022_c11e_2026_1204;
/// About the events one scenario may cost, so that the suite stays within a minute in a debug build:
/// a scenario's duration is cut to fit (10 million clients get a fraction of a second).
const EVENT_BUDGET: f64 = 150_000.0;

/// SplitMix64: enough randomness for drawing scenarios, with no dependency.
struct Gen(u64);

impl Gen {
    fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.u64() % (hi - lo + 1)
    }
    /// Log-uniform in `[lo, hi]`, both at least 1.
    fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let (a, b) = ((lo.max(1) as f64).ln(), (hi.max(1) as f64).ln());
        ((a + (b - a) * self.unit()).exp().round() as u64).clamp(lo, hi)
    }
}

/// A duration as the flags take it, in whole microseconds.
fn us(d: u64) -> String {
    format!("{d}us")
}

/// A value for `key` as a user would type it: an end of its range, a special value, or anything in
/// between (log-uniform where the range spans orders of magnitude).
fn draw_value(g: &mut Gen, key: ParamKey) -> String {
    match key {
        ParamKey::Clients => match g.range(0, 9) {
            0 => "1".into(),
            1 => "10,000,000".into(),
            _ => g.log_range(1, 20_000).to_string(),
        },
        ParamKey::Workers => match g.range(0, 4) {
            0 => "1".into(),
            _ => g.log_range(1, 100_000).to_string(),
        },
        ParamKey::QueueLimit => match g.range(0, 4) {
            0 => "0".into(),
            _ => g.log_range(1, 10_000_000).to_string(),
        },
        ParamKey::Rate => match g.range(0, 4) {
            0 => "0".into(),
            1 => "100".into(),
            _ => format!("{:.4}", g.unit() * g.unit() * 5.0),
        },
        ParamKey::Jitter => match g.range(0, 2) {
            0 => "0".into(),
            1 => "1".into(),
            _ => format!("{:.3}", g.unit()),
        },
        ParamKey::Seed => g.u64().to_string(),
        _ => match key.range() {
            Range::Count { min, max } | Range::Bytes { min, max } => match g.range(0, 3) {
                0 => min.to_string(),
                1 => max.to_string(),
                _ => g.log_range(min, max).to_string(),
            },
            Range::Duration { min, max } => {
                let (min, max) = (min.as_micros(), max.as_micros());
                match g.range(0, 3) {
                    0 => us(min),
                    1 => us(max),
                    _ => us(g.log_range(min.max(1), max)),
                }
            }
            Range::Real { min, max } => format!("{:.4}", min + (max - min) * g.unit()),
            Range::Choice(names) => names[g.range(0, names.len() as u64 - 1) as usize].into(),
            Range::Switch => if g.chance(0.5) { "on" } else { "off" }.into(),
            Range::AnyU64 => g.u64().to_string(),
        },
    }
}

/// A value for `key` that must be refused: out of range or not of its form.
fn bad_value(g: &mut Gen, key: ParamKey) -> String {
    match (g.range(0, 2), key.range()) {
        (0, _) => "abc".into(),
        (1, Range::Count { max, .. } | Range::Bytes { max, .. }) => (max as u128 + 1).to_string(),
        (1, Range::Duration { max, .. }) => us(max.as_micros() + 1),
        (1, Range::Real { max, .. }) => format!("{}", max + 1.0),
        (_, Range::Switch) => "maybe".into(),
        (_, Range::Choice(_)) => "sometimes".into(),
        _ => "-1".into(),
    }
}

/// Simulated events a second of `params` may cost, roughly: every client's requests, messages and
/// heartbeats, a broadcast's fan-out, and the sweep that builds each window of messages.
fn events_per_second(params: &Params) -> f64 {
    let n = params.n_clients as f64;
    let heartbeats = if params.heartbeat.is_zero() {
        0.0
    } else {
        2.0 / params.heartbeat.as_secs_f64()
    };
    let per_client = 4.0 / params.poll_interval.as_secs_f64()
        + 4.0 * params.message_rate
        + heartbeats
        + 4.0 / params.hold_timeout.as_secs_f64()
        + 1.0;
    n * per_client + params.message_rate * n
}

/// One scenario's command line, and what the test does beside it while it runs.
struct Scenario {
    args: Vec<String>,
    /// Simulated microseconds between checks, and what to do at each.
    steps: Vec<(u64, Step)>,
    /// Event budget of each `advance` call (random slicing).
    budgets: Vec<u64>,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Nothing,
    Restart,
    /// Multiply the client count (capped to its range).
    Clients(f64),
    /// A new poll interval, in microseconds.
    Interval(u64),
    /// A new message rate.
    Rate(f64),
}

fn draw_scenario(g: &mut Gen) -> Scenario {
    let mut args = Vec::new();
    for key in ParamKey::ALL {
        if g.chance(0.5) {
            args.push(format!("--{}", key.name()));
            args.push(draw_value(g, key));
        }
    }
    let strategies: Vec<&str> = Strategy::ALL
        .iter()
        .filter(|_| g.chance(0.6))
        .map(|s| s.name())
        .collect();
    if !strategies.is_empty() {
        args.push("--strategy".into());
        args.push(strategies.join(","));
    }
    // The runner takes 1 s to 24 h; the test cuts what it cannot afford (see `affordable`).
    let duration_us = g.log_range(1_000_000, 120_000_000);
    args.push("--duration".into());
    args.push(us(duration_us));
    if g.chance(0.4) {
        args.push("--restart-at".into());
        args.push(us(g.range(0, duration_us - 1)));
    }
    let mut steps = Vec::new();
    for _ in 0..g.range(1, 12) {
        let step = match g.range(0, 5) {
            0 => Step::Restart,
            1 => Step::Clients(if g.chance(0.5) { 0.5 } else { 2.0 }),
            2 => Step::Interval(g.log_range(10_000, 10_000_000)),
            3 => Step::Rate(g.unit() * 2.0),
            _ => Step::Nothing,
        };
        steps.push((g.log_range(1, 5_000_000), step));
        if matches!(step, Step::Restart) && g.chance(0.5) {
            // Again before the first restart's downtime ends (5 s unless the flags say otherwise).
            steps.push((g.range(1, 1_000_000), Step::Restart));
        }
    }
    let budgets = (0..4).map(|_| g.log_range(1, 100_000)).collect();
    Scenario {
        args,
        steps,
        budgets,
    }
}

/// The smallest network delay a delivered message can have had, for the latency invariant.
fn min_latency_us(config: &RunConfig, strategy: Strategy) -> u64 {
    let p = &config.params;
    match strategy {
        Strategy::Streaming => p.latency.as_micros() + p.push_service.as_micros(),
        _ => p.latency.as_micros(),
    }
}

fn check(world: &World, min_latency_us: u64, context: &dyn Fn() -> String) {
    let fail = |what: String| -> ! {
        panic!(
            "{what}\nat t = {} µs, {:?} world\n{}",
            world.now().as_micros(),
            world.strategy(),
            context()
        )
    };
    if let Err(e) = world.audit().check() {
        fail(format!("audit: {e}"));
    }
    let totals = world.totals();
    if world.gauges().messages_pending != totals.messages_pending() {
        fail("the pending gauge disagrees with created − delivered − abandoned".into());
    }
    if !(0.0..=1.0).contains(&totals.utilization()) || totals.busy_us > totals.capacity_us {
        fail(format!(
            "utilization {} outside [0, 1]",
            totals.utilization()
        ));
    }
    for second in world.seconds() {
        if second.busy_us > second.capacity_us {
            fail(format!("second {}: busy beyond capacity", second.second));
        }
        if second.latency.count > 0 && (second.latency.max as f64) < second.latency.mean - 1e-6 {
            fail(format!(
                "second {}: latency max below its mean",
                second.second
            ));
        }
    }
    if totals.latency.count > 0 {
        // The histogram's buckets are exact below 1 ms and within 1 % above; p50 ≥ the floor is what
        // MODEL.md's "every latency ≥ d" allows checking without the raw values.
        let floor = min_latency_us as f64 * 0.99;
        if (totals.latency.p50 as f64) < floor || totals.latency.mean < floor {
            fail(format!(
                "latency below the network delay: p50 {} µs, mean {} µs, d {} µs",
                totals.latency.p50, totals.latency.mean, min_latency_us
            ));
        }
    }
}

/// Runs `config`'s worlds with `scenario`'s steps and slicing, checking after every step; returns each
/// world's totals.
fn run_checked(
    config: &RunConfig,
    scenario: &Scenario,
    sliced: bool,
    context: &dyn Fn() -> String,
) -> Vec<pollstream_engine::Totals> {
    let end = config.duration.as_micros();
    let mut all = Vec::new();
    for &strategy in &config.strategies {
        let mut world = World::new(&config.params, strategy);
        if let Some(at) = config.restart_at {
            world.schedule_restart(SimTime::ZERO + at);
        }
        let mut params = config.params.clone();
        let floor = min_latency_us(config, strategy);
        let mut calls = 0usize;
        for &(gap, step) in &scenario.steps {
            let until = (world.now().as_micros() + gap).min(end);
            let until = SimTime::from_micros(until);
            if sliced {
                while world.now() < until {
                    let budget = scenario.budgets[calls % scenario.budgets.len()];
                    calls += 1;
                    let advance = world.advance(until, budget);
                    if !advance.reached && advance.events == 0 {
                        panic!(
                            "no progress at {} µs with a budget of {budget}\n{}",
                            world.now().as_micros(),
                            context()
                        );
                    }
                }
            } else {
                world.run_until(until);
            }
            if params.n_clients <= AUDIT_EVERY_STEP_UP_TO {
                check(&world, floor, context);
            }
            if world.now().as_micros() >= end {
                break;
            }
            let mut raw = params.to_raw();
            match step {
                Step::Nothing => continue,
                Step::Restart => {
                    world.restart_server();
                    continue;
                }
                Step::Clients(factor) => {
                    raw.n_clients = ((raw.n_clients as f64 * factor) as u64).clamp(1, 10_000_000)
                }
                Step::Interval(us) => raw.poll_interval = SimDuration::from_micros(us),
                Step::Rate(rate) => raw.message_rate = rate,
            }
            // A change can make the run far heavier (twice the clients, a shorter interval): the
            // scenario's cost is what was drawn, so a change that would blow it up is skipped.
            if let Ok(next) = Params::try_from(raw) {
                let left_s = (end - world.now().as_micros()) as f64 / 1e6;
                if events_per_second(&next) * left_s <= 4.0 * EVENT_BUDGET {
                    world.set_params(&next);
                    params = next;
                }
            }
        }
        world.run_until(SimTime::from_micros(end));
        check(&world, floor, context);
        all.push(world.totals());
    }
    all
}

/// The scenario's command line with its duration cut to fit [`EVENT_BUDGET`].
fn affordable(config: &mut RunConfig) {
    let per_s = events_per_second(&config.params).max(1.0);
    let cap_us = ((EVENT_BUDGET / per_s) * 1e6) as u64;
    let cap_us = cap_us.max(1_000);
    if config.duration.as_micros() > cap_us {
        config.duration = SimDuration::from_micros(cap_us);
        if let Some(at) = config.restart_at {
            config.restart_at = Some(SimDuration::from_micros(at.as_micros() % cap_us));
        }
    }
}

#[test]
fn random_scenarios_through_every_flag_keep_the_invariants() {
    let cases: usize = std::env::var("POLLSTREAM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let only: Option<usize> = std::env::var("POLLSTREAM_FUZZ_CASE")
        .ok()
        .and_then(|v| v.parse().ok());
    let (mut ran, mut refused, mut worlds) = (0, 0, 0);
    let mut extremes = [0usize; 4]; // 10 M clients, zero rate, queue limit 0, one worker
    for index in 0..cases {
        let mut g = Gen(MASTER_SEED ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
        let mut scenario = draw_scenario(&mut g);
        let spoil = g.chance(0.1);
        if spoil {
            // One value made bad: the runner must refuse it with a message, not panic.
            let key = ParamKey::ALL[g.range(0, ParamKey::ALL.len() as u64 - 1) as usize];
            // With `=`: a bad word after a bare `--sync-start` is a stray argument, not its value.
            let value = bad_value(&mut g, key);
            scenario.args.push(format!("--{}={value}", key.name()));
        }
        if only.is_some_and(|only| only != index) {
            continue;
        }
        let command_line = format!("pollstream-cli {}", scenario.args.join(" "));
        let context = || {
            format!("scenario {index}: {command_line}\nrerun: POLLSTREAM_FUZZ_CASE={index} cargo test -p pollstream-cli --test fuzz")
        };
        let parsed = parse(scenario.args.iter().cloned());
        let mut config = match parsed {
            Ok(Command::Run(config)) => config,
            Ok(other) => panic!("{other:?} from {}", context()),
            Err(error) => {
                let message = error.to_string();
                assert!(
                    spoil || matches!(error, ArgError::OutOfRange { .. }),
                    "a valid command line was refused: {message}\n{}",
                    context()
                );
                // The message names the flag and says what is allowed.
                let named = error.flag().is_some_and(|flag| message.contains(flag));
                assert!(
                    named && (message.contains("allowed") || message.contains("expected")),
                    "an unhelpful message: {message}\n{}",
                    context()
                );
                refused += 1;
                continue;
            }
        };
        affordable(&mut config);
        let p = &config.params;
        extremes[0] += usize::from(p.n_clients == 10_000_000);
        extremes[1] += usize::from(p.message_rate == 0.0);
        extremes[2] += usize::from(p.queue_limit == 0);
        extremes[3] += usize::from(p.n_workers == 1);
        if p.n_clients > 1_000_000 {
            // Adding millions of clients is thousands of tasks of 64 events each: slices of a few
            // events would make that minutes in a debug build, and test nothing the small ones don't.
            for budget in &mut scenario.budgets {
                *budget = (*budget).max(100_000);
            }
        }
        let sliced = run_checked(&config, &scenario, true, &context);
        if index % 10 == 0 {
            let whole = run_checked(&config, &scenario, false, &context);
            assert_eq!(sliced, whole, "slicing changed the totals\n{}", context());
        }
        ran += 1;
        worlds += config.strategies.len();
    }
    eprintln!(
        "fuzz: {ran} scenarios run ({worlds} worlds), {refused} refused with a message; \
         10 M clients {}, zero rate {}, queue limit 0 {}, one worker {}",
        extremes[0], extremes[1], extremes[2], extremes[3]
    );
    if only.is_none() {
        assert!(ran >= cases / 2, "most scenarios must run, not be refused");
        assert!(
            extremes.iter().all(|&n| n > 0),
            "every extreme drawn at least once: {extremes:?}"
        );
    }
}
