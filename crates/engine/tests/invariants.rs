//! MODEL.md's invariants, checked on many random scenarios, and the typed errors of bad parameters.
//!
//! The property test draws ~200 scenarios from a seeded generator over the engine's own parameter ranges
//! (small N, short runs), runs each in random slices (random `until` steps, random event budgets), and
//! between slices restarts the server or changes parameters live. After every slice it checks the books
//! ([`Audit::check`]), that every delivered latency is at least the network delay, that utilization is in
//! [0, 1] per second and in total, and that the per-second series adds up to the totals; at the end it
//! replays the same scenario in one call per step and demands the identical output.
//!
//! A failure prints the scenario (strategy, parameters, steps) and how to rerun only it:
//! `POLLSTREAM_SCENARIO=<index> cargo test -p pollstream-engine --test invariants`.

mod common;

use common::{assert_same_output, output, Gen};
use pollstream_engine::{
    MessagePattern, ParamKey, ParamProblem, Params, Range, RawParams, ReconnectPolicy, SimDuration,
    SimTime, Strategy, World,
};
use std::fmt::Write as _;

const SCENARIOS: usize = 200;
const MASTER_SEED: u64 = 0x5eed_0f1a_7e00;

// ----- the generator -----------------------------------------------------------------------------------

fn duration_s(g: &mut Gen, lo_s: f64, hi_s: f64) -> SimDuration {
    SimDuration::from_secs_f64(g.log_uniform(lo_s, hi_s))
}

/// A value for one parameter, drawn over its whole range (log-uniform for spans of several orders of
/// magnitude, with the range's ends and zero drawn on purpose).
fn draw(g: &mut Gen, raw: &mut RawParams, key: ParamKey) {
    match key {
        ParamKey::Clients => raw.n_clients = g.log_range(1, 300),
        ParamKey::Interval => {
            raw.poll_interval = if g.chance(0.1) {
                SimDuration::from_millis(10)
            } else {
                duration_s(g, 0.01, 600.0)
            }
        }
        ParamKey::Jitter => {
            raw.jitter = match g.range(0, 2) {
                0 => 0.0,
                1 => 1.0,
                _ => g.unit(),
            }
        }
        ParamKey::SyncStart => raw.sync_start = g.chance(0.3),
        ParamKey::Pattern => {
            raw.pattern = if g.chance(0.3) {
                MessagePattern::Broadcast
            } else {
                MessagePattern::PerClient
            }
        }
        ParamKey::Rate => {
            raw.message_rate = if g.chance(0.15) {
                0.0
            } else {
                g.log_uniform(0.001, 100.0)
            }
        }
        ParamKey::Latency => {
            raw.latency = match g.range(0, 4) {
                0 => SimDuration::ZERO,
                1 => SimDuration::from_secs(2),
                _ => duration_s(g, 1e-6, 2.0),
            }
        }
        ParamKey::Workers => raw.n_workers = g.log_range(1, 100_000),
        ParamKey::Service => raw.service = duration_s(g, 10e-6, 1.0),
        ParamKey::PushService => raw.push_service = duration_s(g, 1e-6, 0.1),
        ParamKey::QueueLimit => {
            raw.queue_limit = match g.range(0, 3) {
                0 => 0,
                1 => g.range(1, 5),
                2 => g.log_range(1, 10_000_000),
                _ => 10_000_000,
            }
        }
        ParamKey::HoldTimeout => raw.hold_timeout = duration_s(g, 1.0, 120.0),
        ParamKey::Heartbeat => {
            raw.heartbeat = if g.chance(0.3) {
                SimDuration::ZERO
            } else {
                duration_s(g, 1e-3, 120.0)
            }
        }
        ParamKey::HeaderBytes => raw.header_bytes = g.range(0, 16 * 1024),
        ParamKey::FrameBytes => raw.frame_bytes = g.range(0, 64),
        ParamKey::MessageBytes => raw.message_bytes = g.range(0, 1 << 20),
        ParamKey::ConnMemory => raw.conn_memory_bytes = g.range(0, 1 << 20),
        ParamKey::Reconnect => {
            raw.reconnect = if g.chance(0.5) {
                ReconnectPolicy::Backoff
            } else {
                ReconnectPolicy::Fixed
            }
        }
        ParamKey::Downtime => {
            raw.downtime = match g.range(0, 5) {
                0 => SimDuration::ZERO,
                1 => duration_s(g, 10.0, 600.0),
                _ => duration_s(g, 1e-3, 10.0),
            }
        }
        ParamKey::Seed => raw.seed = g.u64(),
    }
}

/// Keeps a scenario cheap enough for a debug build: at most ~1,000 requests/s, ~500 messages/s (copies
/// included) and ~500 heartbeats/s. Every value stays inside its range.
fn tame(raw: &mut RawParams) {
    let n = raw.n_clients as f64;
    let min_interval = SimDuration::from_secs_f64(n / 1000.0);
    if raw.poll_interval < min_interval {
        raw.poll_interval = min_interval.max(SimDuration::from_millis(10));
    }
    raw.message_rate = raw.message_rate.min(500.0 / n);
    if !raw.heartbeat.is_zero() {
        raw.heartbeat = raw.heartbeat.max(SimDuration::from_secs_f64(n / 500.0));
    }
}

#[derive(Clone, Debug)]
enum Action {
    RestartNow,
    ScheduleRestart(SimTime),
    SetParams(RawParams),
}

/// Advance to `until` (µs) in calls of at most `budget` events, then apply `actions`.
#[derive(Clone, Debug)]
struct Step {
    until: u64,
    budget: u64,
    actions: Vec<Action>,
}

#[derive(Clone, Debug)]
struct Scenario {
    index: usize,
    strategy: Strategy,
    params: RawParams,
    steps: Vec<Step>,
}

impl Scenario {
    fn generate(index: usize) -> Scenario {
        let mut g = Gen::new(MASTER_SEED ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let strategy = Strategy::ALL[index % 3];
        let mut raw = RawParams::default();
        for key in ParamKey::ALL {
            draw(&mut g, &mut raw, key);
        }
        tame(&mut raw);
        let loaded = g.chance(0.3);
        if loaded {
            // A loaded server: few workers, and a service time that makes the offered load 0.3 to 3,
            // so that queues form, limits bite and several workers are busy at once.
            raw.n_workers = g.range(1, 6);
            let requests_per_s = raw.n_clients as f64 / raw.poll_interval.as_secs_f64();
            let rho = g.log_uniform(0.3, 3.0);
            let s = rho * raw.n_workers as f64 / requests_per_s;
            raw.service = SimDuration::from_secs_f64(s.clamp(10e-6, 1.0));
        }
        let end = g.range(5, 40) * 1_000_000;
        let mut current = raw.clone();
        let mut steps = Vec::new();
        let mut t = 0u64;
        while t < end {
            let len = match g.range(0, 9) {
                0..=2 => g.log_range(1, 10_000),
                3..=6 => g.log_range(10_000, 1_000_000),
                _ => g.log_range(1_000_000, 10_000_000),
            };
            // Land on whole seconds now and then, where the series must add up to the totals.
            t = if g.chance(0.2) {
                (t / 1_000_000 + 1) * 1_000_000
            } else {
                t + len
            }
            .min(end);
            let budget = if g.chance(0.5) {
                u64::MAX
            } else {
                g.log_range(1, 5_000)
            };
            let mut actions = Vec::new();
            if t < end {
                if g.chance(0.04) {
                    actions.push(Action::RestartNow);
                }
                if g.chance(0.03) {
                    actions.push(Action::ScheduleRestart(SimTime::from_micros(
                        t + g.range(0, 10_000_000),
                    )));
                }
                if g.chance(0.1) {
                    for _ in 0..g.range(1, 3) {
                        let key = match g.range(0, 9) {
                            0..=2 => ParamKey::Clients,
                            3 => ParamKey::Workers,
                            5 | 6 if loaded => ParamKey::Workers,
                            4 => ParamKey::Heartbeat,
                            _ => g.pick(&ParamKey::ALL),
                        };
                        let workers = current.n_workers;
                        draw(&mut g, &mut current, key);
                        // Lowering the worker count while they are busy is the delicate case: favour it.
                        if key == ParamKey::Workers && g.chance(0.5) {
                            current.n_workers = g.range(1, workers.div_ceil(2));
                        }
                    }
                    tame(&mut current);
                    actions.push(Action::SetParams(current.clone()));
                }
            }
            steps.push(Step {
                until: t,
                budget,
                actions,
            });
        }
        Scenario {
            index,
            strategy,
            params: raw,
            steps,
        }
    }

    /// Everything needed to reproduce the scenario by hand.
    fn describe(&self) -> String {
        let mut s = format!(
            "scenario #{} (rerun alone: POLLSTREAM_SCENARIO={} cargo test -p pollstream-engine --test invariants)\n  strategy {}\n  params {:?}\n  steps:",
            self.index, self.index, self.strategy, self.params
        );
        for step in &self.steps {
            let budget = if step.budget == u64::MAX {
                "all".to_string()
            } else {
                step.budget.to_string()
            };
            let _ = write!(s, "\n    advance to {} µs (budget {budget})", step.until);
            for a in &step.actions {
                let _ = write!(s, "; then {a:?}");
            }
        }
        s
    }
}

// ----- the checks --------------------------------------------------------------------------------------

/// What the checks need to remember across slices.
struct Tracker {
    /// The smallest network delay ever in force: no message can arrive faster (a response or push leaves
    /// the server no earlier than the message exists and crosses the network once).
    min_latency_us: u64,
    /// The smallest push service time ever in force: a pushed message is also written by a worker first.
    min_push_service_us: u64,
    /// The largest queue limit ever in force, and whether the worker count was ever lowered.
    max_queue_limit: u64,
    workers_lowered: bool,
    max_workers: u64,
    seconds_checked: usize,
}

fn check(
    world: &World,
    tr: &mut Tracker,
    strategy: Strategy,
    whole_second: bool,
    ctx: &dyn Fn() -> String,
) {
    let fail = |what: String| -> ! {
        panic!("{what}\nat t = {} µs in {}", world.now().as_micros(), ctx())
    };
    let audit = world.audit();
    if let Err(e) = audit.check() {
        fail(format!("audit: {e}"));
    }
    let totals = world.totals();
    let gauges = world.gauges();
    let p = world.params();
    // Every message crosses the network once after it exists; a streamed one is also written by a worker.
    let d = match strategy {
        Strategy::Streaming => tr.min_latency_us + tr.min_push_service_us,
        _ => tr.min_latency_us,
    };

    if gauges.messages_pending != totals.messages_pending() {
        fail(format!(
            "pending gauge {} != created − delivered − abandoned {}",
            gauges.messages_pending,
            totals.messages_pending()
        ));
    }
    if totals.busy_us > totals.capacity_us || !(0.0..=1.0).contains(&totals.utilization()) {
        fail(format!(
            "total utilization {} (busy {} µs of {} µs)",
            totals.utilization(),
            totals.busy_us,
            totals.capacity_us
        ));
    }
    let ordered = [
        (
            "requests arrived ≤ sent",
            totals.requests,
            totals.requests_sent,
        ),
        ("rejected ≤ requests", totals.rejected, totals.requests),
        (
            "refused while down ≤ rejected",
            totals.refused_while_down,
            totals.rejected,
        ),
        ("empty ≤ answered", totals.empty_responses, totals.answered),
        (
            "answered ≤ requests answered",
            totals.answered,
            totals.requests_answered,
        ),
        ("heartbeats ≤ pushes", totals.heartbeats, totals.pushes),
        (
            "delivered + abandoned ≤ created",
            totals.messages_delivered + totals.messages_abandoned,
            totals.messages_created,
        ),
        (
            "distinct ≤ created",
            totals.messages_created_distinct,
            totals.messages_created,
        ),
        (
            "requests queued ≤ queue length",
            audit.requests_queued,
            gauges.queue_len,
        ),
        (
            "held ≤ open connections",
            gauges.held_requests,
            gauges.open_connections,
        ),
        (
            "open connections ≤ clients",
            gauges.open_connections,
            p.n_clients,
        ),
        (
            "queue length ≤ its maximum",
            gauges.queue_len,
            totals.max_queue,
        ),
    ];
    for (what, small, big) in ordered {
        if small > big {
            fail(format!("{what}: {small} > {big}"));
        }
    }
    if gauges.connection_memory_bytes != gauges.open_connections * p.conn_memory_bytes {
        fail(format!("connection memory {gauges:?}"));
    }
    if !tr.workers_lowered && gauges.busy_workers > p.n_workers {
        fail(format!(
            "{} busy workers of {}",
            gauges.busy_workers, p.n_workers
        ));
    }
    // Only long-polls released from a hold join the queue without a limit check.
    if strategy != Strategy::LongPolling && audit.requests_queued > tr.max_queue_limit {
        fail(format!(
            "{} requests queued, limit {}",
            audit.requests_queued, tr.max_queue_limit
        ));
    }
    match strategy {
        Strategy::Polling => {
            if totals.pushes != 0 || gauges.open_connections != 0 {
                fail(format!(
                    "a poller has pushes or connections: {totals:?} {gauges:?}"
                ));
            }
        }
        Strategy::LongPolling => {
            if totals.pushes != 0 || gauges.open_connections != gauges.held_requests {
                fail(format!(
                    "a long-poller has pushes or connections: {totals:?} {gauges:?}"
                ));
            }
        }
        Strategy::Streaming => {
            if totals.answered != 0 || gauges.held_requests != 0 {
                fail(format!(
                    "a streamer has answered polls or holds: {totals:?} {gauges:?}"
                ));
            }
        }
    }

    // Every latency ≥ d: the exact minimum of completed seconds, and every reported statistic (nearest-rank
    // percentiles are clamped to the exact minimum, so they are ≥ d exactly when every latency is).
    let h = world.latency_histogram();
    if h.count() > 0 && h.min() < d {
        fail(format!(
            "a latency of {} µs < network delay {d} µs",
            h.min()
        ));
    }
    let l = totals.latency;
    if l.count > 0 {
        let stats = [l.p50, l.p90, l.p99, l.p999, l.max];
        if stats.iter().any(|&v| v < d) || l.mean < d as f64 {
            fail(format!("total latency below network delay {d} µs: {l:?}"));
        }
        if stats.windows(2).any(|w| w[0] > w[1]) {
            fail(format!("latency percentiles out of order: {l:?}"));
        }
    }

    let seconds = world.seconds();
    for (k, s) in seconds.iter().enumerate().skip(tr.seconds_checked) {
        if s.second != k as u64 {
            fail(format!("second #{k} is numbered {}", s.second));
        }
        if s.busy_us > s.capacity_us || !(0.0..=1.0).contains(&s.utilization()) {
            fail(format!(
                "second {}: utilization {} (busy {} µs, capacity {} µs)",
                s.second,
                s.utilization(),
                s.busy_us,
                s.capacity_us
            ));
        }
        if s.capacity_us == 0 || s.capacity_us > tr.max_workers * 1_000_000 {
            fail(format!(
                "second {}: capacity {} µs",
                s.second, s.capacity_us
            ));
        }
        if s.empty_responses > s.answered || s.rejected > s.requests || s.heartbeats > s.pushes {
            fail(format!("second {}: inconsistent counts {s:?}", s.second));
        }
        let l = s.latency;
        if l.count > 0 {
            let stats = [l.p50, l.p90, l.p99, l.p999, l.max];
            if stats.iter().any(|&v| v < d) || l.mean < d as f64 {
                fail(format!(
                    "second {}: latency below network delay {d} µs: {l:?}",
                    s.second
                ));
            }
            if stats.windows(2).any(|w| w[0] > w[1]) {
                fail(format!(
                    "second {}: percentiles out of order: {l:?}",
                    s.second
                ));
            }
        }
    }
    tr.seconds_checked = seconds.len();

    if whole_second {
        // Right after reaching a whole second, the current second is empty: the series must add up.
        let sum =
            |f: fn(&pollstream_engine::SecondStats) -> u64| seconds.iter().map(f).sum::<u64>();
        let pairs = [
            ("requests", sum(|s| s.requests), totals.requests),
            ("pushes", sum(|s| s.pushes), totals.pushes),
            ("heartbeats", sum(|s| s.heartbeats), totals.heartbeats),
            ("answered", sum(|s| s.answered), totals.answered),
            ("empty", sum(|s| s.empty_responses), totals.empty_responses),
            ("rejected", sum(|s| s.rejected), totals.rejected),
            ("busy", sum(|s| s.busy_us), totals.busy_us),
            ("capacity", sum(|s| s.capacity_us), totals.capacity_us),
            ("bytes in", sum(|s| s.bytes_in), totals.bytes_in),
            ("bytes out", sum(|s| s.bytes_out), totals.bytes_out),
            (
                "created",
                sum(|s| s.messages_created),
                totals.messages_created,
            ),
            (
                "delivered",
                sum(|s| s.messages_delivered),
                totals.messages_delivered,
            ),
            ("latency count", sum(|s| s.latency.count), h.count()),
            ("histogram count", h.count(), totals.latency.count),
            (
                "elapsed",
                seconds.len() as u64 * 1_000_000,
                totals.elapsed.as_micros(),
            ),
        ];
        for (what, series, total) in pairs {
            if series != total {
                fail(format!(
                    "{what}: per-second series sums to {series}, totals say {total}"
                ));
            }
        }
        if let Some(last) = seconds.last() {
            if last.messages_pending != totals.messages_pending()
                || last.queue_len != gauges.queue_len
                || last.open_connections != gauges.open_connections
            {
                fail(format!(
                    "the last second's state differs from the gauges: {last:?} {gauges:?}"
                ));
            }
        }
    }
}

/// Runs a scenario, checking after every slice when `checked`, and returns its output.
fn execute(sc: &Scenario, checked: bool) -> common::Output {
    let ctx = || sc.describe();
    let params = Params::try_from(sc.params.clone())
        .unwrap_or_else(|e| panic!("the generator made invalid parameters ({e}): {}", ctx()));
    let mut world = World::new(&params, sc.strategy);
    let mut tr = Tracker {
        min_latency_us: params.latency.as_micros(),
        min_push_service_us: params.push_service.as_micros(),
        max_queue_limit: params.queue_limit,
        workers_lowered: false,
        max_workers: params.n_workers,
        seconds_checked: 0,
    };
    for step in &sc.steps {
        let until = SimTime::from_micros(step.until);
        let budget = if checked { step.budget } else { u64::MAX };
        let mut calls = 0u64;
        loop {
            calls += 1;
            let before = world.now();
            let adv = world.advance(until, budget);
            if world.now() < before || world.now() > until {
                panic!(
                    "clock went from {before:?} to {:?} (until {until:?}) in {}",
                    world.now(),
                    ctx()
                );
            }
            if adv.reached && world.now() != until {
                panic!(
                    "reached but now is {:?}, not {until:?} in {}",
                    world.now(),
                    ctx()
                );
            }
            // A call stops once its budget is used up; a chunk of many-client work costs several events,
            // so the last one may overshoot, but a call never stops short of its budget.
            if !adv.reached && adv.events < budget {
                panic!("stopped early ({adv:?}) with budget {budget} in {}", ctx());
            }
            // Checking costs O(clients + queue): with a tiny budget, check the first slices of a step,
            // then every 50th, and always the last.
            if checked && (adv.reached || calls <= 20 || calls % 50 == 0) {
                let whole = adv.reached && step.until % 1_000_000 == 0;
                check(&world, &mut tr, sc.strategy, whole, &ctx);
            }
            if adv.reached {
                break;
            }
        }
        for action in &step.actions {
            match action {
                Action::RestartNow => world.restart_server(),
                Action::ScheduleRestart(at) => world.schedule_restart(*at),
                Action::SetParams(raw) => {
                    let new = Params::try_from(raw.clone())
                        .unwrap_or_else(|e| panic!("generator: {e} in {}", ctx()));
                    let seed = world.params().seed;
                    tr.min_latency_us = tr.min_latency_us.min(new.latency.as_micros());
                    tr.min_push_service_us =
                        tr.min_push_service_us.min(new.push_service.as_micros());
                    tr.max_queue_limit = tr.max_queue_limit.max(new.queue_limit);
                    tr.workers_lowered |= new.n_workers < world.params().n_workers;
                    tr.max_workers = tr.max_workers.max(new.n_workers);
                    world.set_params(&new);
                    if world.params().seed != seed {
                        panic!("set_params changed the seed in {}", ctx());
                    }
                    if checked {
                        check(&world, &mut tr, sc.strategy, false, &ctx);
                    }
                }
            }
        }
    }
    output(&world)
}

#[test]
fn random_scenarios_keep_every_invariant_and_replay_identically() {
    let only: Option<usize> = std::env::var("POLLSTREAM_SCENARIO").ok().map(|v| {
        v.parse()
            .expect("POLLSTREAM_SCENARIO must be a scenario index")
    });
    let indices: Vec<usize> = match only {
        Some(i) => vec![i],
        None => (0..SCENARIOS).collect(),
    };
    // Two threads (the machine has two cores); each takes every other scenario. Every scenario runs even
    // after a failure, so that the report says how many fail, and which.
    let failures: Vec<(usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|lane| {
                let indices = &indices;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for &i in indices.iter().skip(lane).step_by(2) {
                        let result = std::panic::catch_unwind(|| {
                            let sc = Scenario::generate(i);
                            let sliced = execute(&sc, true);
                            // Identical output for identical (parameters, seed), however it is sliced.
                            let whole = execute(&sc, false);
                            assert_same_output(&sliced, &whole, &sc.describe());
                        });
                        if let Err(panic) = result {
                            let message = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            failures.push((i, message));
                        }
                    }
                    failures
                })
            })
            .collect();
        let mut all: Vec<(usize, String)> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("a scenario thread died"))
            .collect();
        all.sort_by_key(|f| f.0);
        all
    });
    if let Some((_, first)) = failures.first() {
        let which: Vec<usize> = failures.iter().map(|f| f.0).collect();
        panic!(
            "{} of {} scenarios break an invariant: {which:?}\nThe first:\n{first}",
            failures.len(),
            indices.len()
        );
    }
}

// ----- live changes, one at a time ---------------------------------------------------------------------

fn change(world: &mut World, edit: impl FnOnce(&mut RawParams)) {
    let mut raw = world.params().to_raw();
    edit(&mut raw);
    world.set_params(&Params::try_from(raw).unwrap());
}

#[test]
fn lowering_the_worker_count_while_all_are_busy_keeps_utilization_within_one() {
    // 8 workers busy with 0.9 s requests, then the count drops to 1 at 0.5 s. The 7 jobs on the removed
    // workers still finish (nothing says they are killed), but utilization = busy ÷ (c × time) must stay
    // in [0, 1] (MODEL.md's invariant), in the second of the change as in the run.
    let p = common::params(|r| {
        r.n_clients = 100;
        r.poll_interval = SimDuration::from_millis(100);
        r.n_workers = 8;
        r.service = SimDuration::from_millis(900);
    });
    let mut world = World::new(&p, Strategy::Polling);
    world.run_until(SimTime::from_micros(500_000));
    assert_eq!(world.gauges().busy_workers, 8);
    change(&mut world, |r| r.n_workers = 1);
    world.run_until(SimTime::from_secs(3));
    world.audit().check().unwrap();
    for s in world.seconds() {
        assert!(
            s.busy_us <= s.capacity_us,
            "second {}: utilization {} (busy {} µs of capacity {} µs)",
            s.second,
            s.utilization(),
            s.busy_us,
            s.capacity_us
        );
    }
    let t = world.totals();
    assert!(
        t.utilization() <= 1.0,
        "total utilization {}",
        t.utilization()
    );
}

#[test]
fn turning_heartbeats_off_and_on_again_keeps_one_per_interval() {
    // Heartbeats every 10 s; switched off at 2 s and on again (10 s) at 3 s, before the first timer of the
    // old setting was due. Afterwards each connection must beat once per 10 s: over [13 s, 103 s), 9 per
    // connection, give or take one at the edges.
    let p = common::params(|r| {
        r.n_clients = 10;
        r.message_rate = 0.0;
        r.heartbeat = SimDuration::from_secs(10);
    });
    let mut world = World::new(&p, Strategy::Streaming);
    world.run_until(SimTime::from_secs(2));
    change(&mut world, |r| r.heartbeat = SimDuration::ZERO);
    world.run_until(SimTime::from_secs(3));
    change(&mut world, |r| r.heartbeat = SimDuration::from_secs(10));
    world.run_until(SimTime::from_secs(103));
    let beats: u64 = common::window(world.seconds(), 13, 103)
        .iter()
        .map(|s| s.heartbeats)
        .sum();
    assert!(
        (80..=100).contains(&beats),
        "{beats} heartbeats from 10 connections in 90 s at one per 10 s (expected 90 ± 10)"
    );
}

#[test]
fn clients_that_leave_and_come_back_keep_the_books() {
    // Every strategy and pattern: down to 1 client while requests are held, queued, on the network and
    // connections open with backlogs, then up to 300 again, then a restart with the count changing during
    // the downtime. The audit must balance at every step, and only the clients that left abandon messages.
    for strategy in Strategy::ALL {
        for pattern in [MessagePattern::PerClient, MessagePattern::Broadcast] {
            let p = common::params(|r| {
                r.n_clients = 300;
                r.poll_interval = SimDuration::from_millis(700);
                r.pattern = pattern;
                r.message_rate = if pattern == MessagePattern::Broadcast {
                    4.0
                } else {
                    1.0
                };
                r.n_workers = 1;
                r.service = SimDuration::from_millis(3);
                r.queue_limit = 30;
                r.hold_timeout = SimDuration::from_secs(2);
                r.heartbeat = SimDuration::from_secs(1);
                r.downtime = SimDuration::from_secs(2);
            });
            let mut world = World::new(&p, strategy);
            let ctx = format!("{strategy} {pattern:?}");
            let steps: [(u64, Option<u64>, bool); 6] = [
                (1_500_000, Some(1), false),
                (2_000_000, Some(300), false),
                (4_000_000, None, true),
                (4_500_000, Some(40), false),
                (5_000_000, Some(250), false),
                (12_000_000, None, false),
            ];
            for (at, clients, restart) in steps {
                world.run_until(SimTime::from_micros(at));
                world
                    .audit()
                    .check()
                    .unwrap_or_else(|e| panic!("{ctx} at {at} µs: {e}"));
                if let Some(n) = clients {
                    change(&mut world, |r| r.n_clients = n);
                    world
                        .audit()
                        .check()
                        .unwrap_or_else(|e| panic!("{ctx} after N = {n}: {e}"));
                    assert_eq!(
                        world.gauges().open_connections.min(n),
                        world.gauges().open_connections
                    );
                }
                if restart {
                    world.restart_server();
                }
            }
            let t = world.totals();
            assert!(
                t.messages_abandoned > 0,
                "{ctx}: 299 clients left with messages waiting"
            );
            assert!(t.messages_delivered > 0, "{ctx}");
            assert!(world.gauges().open_connections <= 250, "{ctx}");
        }
    }
}

// ----- bad parameters ----------------------------------------------------------------------------------

/// Stores `value` (µs for durations) in the field of `key`, bypassing `set`'s checks.
fn store(raw: &mut RawParams, key: ParamKey, value: u64) {
    let d = SimDuration::from_micros(value);
    match key {
        ParamKey::Clients => raw.n_clients = value,
        ParamKey::Workers => raw.n_workers = value,
        ParamKey::QueueLimit => raw.queue_limit = value,
        ParamKey::HeaderBytes => raw.header_bytes = value,
        ParamKey::FrameBytes => raw.frame_bytes = value,
        ParamKey::MessageBytes => raw.message_bytes = value,
        ParamKey::ConnMemory => raw.conn_memory_bytes = value,
        ParamKey::Interval => raw.poll_interval = d,
        ParamKey::Latency => raw.latency = d,
        ParamKey::Service => raw.service = d,
        ParamKey::PushService => raw.push_service = d,
        ParamKey::HoldTimeout => raw.hold_timeout = d,
        ParamKey::Heartbeat => raw.heartbeat = d,
        ParamKey::Downtime => raw.downtime = d,
        _ => unreachable!("{key:?} is not a count or a duration"),
    }
}

#[track_caller]
fn expect_out_of_range(
    result: Result<Params, pollstream_engine::ParamError>,
    key: ParamKey,
    what: &str,
) {
    match result {
        Ok(_) => panic!("{key:?} = {what} was accepted"),
        Err(e) => {
            assert_eq!(
                e.key, key,
                "{what}: the error names the wrong parameter: {e}"
            );
            assert_eq!(e.problem, ParamProblem::OutOfRange, "{what}: {e}");
            assert!(
                e.to_string().starts_with(&format!("{}: ", key.name())),
                "{e}"
            );
        }
    }
}

#[test]
fn bad_parameters_are_typed_errors_that_name_the_parameter() {
    assert!(Params::try_from(RawParams::default()).is_ok());
    for key in ParamKey::ALL {
        match key.range() {
            Range::Count { min, max } | Range::Bytes { min, max } => {
                for ok in [min, max] {
                    let mut raw = RawParams::default();
                    store(&mut raw, key, ok);
                    assert!(Params::try_from(raw).is_ok(), "{key:?} = {ok} is in range");
                }
                let mut bad = vec![max + 1, u64::MAX];
                if min > 0 {
                    bad.push(min - 1);
                }
                for v in bad {
                    let mut raw = RawParams::default();
                    store(&mut raw, key, v);
                    expect_out_of_range(Params::try_from(raw), key, &v.to_string());
                    let mut raw = RawParams::default();
                    let e = raw.set(key, &v.to_string()).unwrap_err();
                    assert_eq!((e.key, e.problem), (key, ParamProblem::OutOfRange));
                    assert_eq!(raw, RawParams::default(), "a failed set changes nothing");
                }
                let e = RawParams::default().set(key, "lots").unwrap_err();
                assert_eq!(e.key, key);
                assert!(matches!(e.problem, ParamProblem::Malformed(_)), "{e}");
            }
            Range::Duration { min, max } => {
                for ok in [min, max] {
                    let mut raw = RawParams::default();
                    store(&mut raw, key, ok.as_micros());
                    assert!(
                        Params::try_from(raw).is_ok(),
                        "{key:?} = {ok:?} is in range"
                    );
                }
                let mut bad = vec![max.as_micros() + 1, u64::MAX];
                if min.as_micros() > 0 {
                    bad.push(min.as_micros() - 1);
                }
                for v in bad {
                    let mut raw = RawParams::default();
                    store(&mut raw, key, v);
                    expect_out_of_range(Params::try_from(raw), key, &format!("{v} µs"));
                }
                let mut raw = RawParams::default();
                let e = raw
                    .set(key, &format!("{}us", max.as_micros() + 1))
                    .unwrap_err();
                assert_eq!((e.key, e.problem), (key, ParamProblem::OutOfRange));
                for text in ["5", "fast", "-1s", "3 parsecs"] {
                    let e = RawParams::default().set(key, text).unwrap_err();
                    assert_eq!(e.key, key, "{text}: {e}");
                }
            }
            Range::Real { min, max } => {
                for bad in [
                    min - 0.001,
                    max + 0.001,
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ] {
                    let mut raw = RawParams::default();
                    match key {
                        ParamKey::Jitter => raw.jitter = bad,
                        _ => raw.message_rate = bad,
                    }
                    expect_out_of_range(Params::try_from(raw), key, &bad.to_string());
                    let e = RawParams::default().set(key, &bad.to_string()).unwrap_err();
                    assert_eq!((e.key, e.problem), (key, ParamProblem::OutOfRange), "{bad}");
                }
                let e = RawParams::default().set(key, "half").unwrap_err();
                assert_eq!(e.key, key);
                assert!(matches!(e.problem, ParamProblem::Malformed(_)), "{e}");
            }
            Range::Choice(names) => {
                for name in names {
                    assert!(
                        RawParams::default().set(key, name).is_ok(),
                        "{key:?} {name}"
                    );
                }
                let e = RawParams::default().set(key, "sometimes").unwrap_err();
                assert_eq!(e.key, key);
                assert!(matches!(e.problem, ParamProblem::Malformed(_)), "{e}");
            }
            Range::Switch => {
                let e = RawParams::default().set(key, "maybe").unwrap_err();
                assert_eq!(e.key, key);
                assert!(matches!(e.problem, ParamProblem::Malformed(_)), "{e}");
            }
            Range::AnyU64 => {
                for text in ["-1", "18446744073709551616", "seven"] {
                    let e = RawParams::default().set(key, text).unwrap_err();
                    assert_eq!(e.key, key, "{text}");
                }
            }
        }
    }
    // The first bad field is the one reported, in MODEL.md's order, whatever else is wrong.
    let raw = RawParams {
        n_clients: 0,
        n_workers: 0,
        ..RawParams::default()
    };
    assert_eq!(Params::try_from(raw).unwrap_err().key, ParamKey::Clients);
}
