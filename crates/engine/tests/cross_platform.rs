//! Native and WebAssembly runs of the engine must agree bit for bit.
//!
//! Each scenario below is run to the end and its whole output (every field of every [`SecondStats`], the
//! [`Totals`], the latency histogram's summary and CDF, the final gauges) is folded into a 64-bit FNV-1a
//! digest, which is compared with `golden/digests.txt`. The same file runs natively (`cargo test`) and on
//! wasm32 under Node (`make test-wasm-engine`); both must match the same golden file, which is what proves
//! that they agree.
//!
//! When the engine's behaviour changes on purpose, regenerate the golden file from the native run with
//! `make golden` (`POLLSTREAM_WRITE_GOLDEN=1 cargo test -p pollstream-engine --test cross_platform`) and
//! review the diff; then `make test-wasm-engine` checks that wasm32 agrees.

use pollstream_engine::{
    Gauges, LatencyHistogram, LatencySummary, MessagePattern, Params, RawParams, ReconnectPolicy,
    SecondStats, SimDuration, SimTime, Strategy, Totals, World,
};

const GOLDEN: &str = include_str!("golden/digests.txt");
const GOLDEN_PATH: &str = "tests/golden/digests.txt";
const WRITE_GOLDEN_VAR: &str = "POLLSTREAM_WRITE_GOLDEN";

/// A fixed run: parameters, strategy, optional restart instant, length.
struct Scenario {
    name: &'static str,
    strategy: Strategy,
    params: fn() -> RawParams,
    restart_at: Option<SimTime>,
    run_for: SimTime,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "polling-per-client",
        strategy: Strategy::Polling,
        params: || RawParams {
            n_clients: 1_000,
            message_rate: 0.5,
            ..RawParams::default()
        },
        restart_at: None,
        run_for: SimTime::from_secs(30),
    },
    Scenario {
        // Full jitter, synchronized start and an overloaded single worker: the start-up wave, a full queue
        // and 503s.
        name: "polling-jitter-overload",
        strategy: Strategy::Polling,
        params: || RawParams {
            n_clients: 2_000,
            poll_interval: SimDuration::from_millis(500),
            jitter: 1.0,
            sync_start: true,
            n_workers: 1,
            service: SimDuration::from_micros(300),
            queue_limit: 200,
            seed: 7,
            ..RawParams::default()
        },
        restart_at: None,
        run_for: SimTime::from_secs(20),
    },
    Scenario {
        name: "long-polling-per-client",
        strategy: Strategy::LongPolling,
        params: || RawParams {
            n_clients: 500,
            message_rate: 0.2,
            hold_timeout: SimDuration::from_secs(5),
            seed: 42,
            ..RawParams::default()
        },
        restart_at: None,
        run_for: SimTime::from_secs(40),
    },
    Scenario {
        name: "long-polling-restart-backoff",
        strategy: Strategy::LongPolling,
        params: || RawParams {
            n_clients: 800,
            reconnect: ReconnectPolicy::Backoff,
            downtime: SimDuration::from_secs(4),
            seed: 3,
            ..RawParams::default()
        },
        restart_at: Some(SimTime::from_secs(15)),
        run_for: SimTime::from_secs(60),
    },
    Scenario {
        name: "streaming-broadcast",
        strategy: Strategy::Streaming,
        params: || RawParams {
            n_clients: 2_000,
            pattern: MessagePattern::Broadcast,
            message_rate: 2.0,
            heartbeat: SimDuration::from_secs(5),
            seed: 11,
            ..RawParams::default()
        },
        restart_at: None,
        run_for: SimTime::from_secs(30),
    },
    Scenario {
        // The fixed 3 s reconnect delay brings every client back in one wave: a reconnect storm.
        name: "streaming-restart-fixed",
        strategy: Strategy::Streaming,
        params: || RawParams {
            n_clients: 1_500,
            message_rate: 0.3,
            n_workers: 4,
            queue_limit: 500,
            seed: 5,
            ..RawParams::default()
        },
        restart_at: Some(SimTime::from_secs(10)),
        run_for: SimTime::from_secs(45),
    },
    Scenario {
        name: "polling-restart",
        strategy: Strategy::Polling,
        params: || RawParams {
            n_clients: 600,
            poll_interval: SimDuration::from_millis(250),
            jitter: 0.3,
            pattern: MessagePattern::Broadcast,
            message_rate: 1.5,
            seed: 99,
            ..RawParams::default()
        },
        restart_at: Some(SimTime::from_secs(8)),
        run_for: SimTime::from_secs(25),
    },
];

/// 64-bit FNV-1a over little-endian integers and the bit patterns of floats.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn bool(&mut self, v: bool) {
        self.bytes(&[v as u8]);
    }
}

// The destructurings below name every field on purpose: a field added to these structs fails to compile
// here, so that it is added to the digest (and the golden file regenerated) rather than silently skipped.

fn fold_summary(h: &mut Fnv, s: &LatencySummary) {
    let LatencySummary {
        count,
        p50,
        p90,
        p99,
        p999,
        max,
        mean,
    } = *s;
    for v in [count, p50, p90, p99, p999, max] {
        h.u64(v);
    }
    h.f64(mean);
}

fn fold_second(h: &mut Fnv, s: &SecondStats) {
    let SecondStats {
        second,
        requests,
        pushes,
        heartbeats,
        answered,
        empty_responses,
        rejected,
        busy_us,
        capacity_us,
        queue_len,
        open_connections,
        connection_memory_bytes,
        bytes_in,
        bytes_out,
        messages_created,
        messages_delivered,
        messages_pending,
        latency,
    } = *s;
    for v in [
        second,
        requests,
        pushes,
        heartbeats,
        answered,
        empty_responses,
        rejected,
        busy_us,
        capacity_us,
        queue_len,
        open_connections,
        connection_memory_bytes,
        bytes_in,
        bytes_out,
        messages_created,
        messages_delivered,
        messages_pending,
    ] {
        h.u64(v);
    }
    fold_summary(h, &latency);
}

fn fold_totals(h: &mut Fnv, t: &Totals) {
    let Totals {
        elapsed,
        requests_sent,
        requests,
        requests_answered,
        answered,
        empty_responses,
        rejected,
        refused_while_down,
        dropped_by_restart,
        pushes,
        heartbeats,
        busy_us,
        capacity_us,
        max_queue,
        max_open_connections,
        bytes_in,
        bytes_out,
        messages_created,
        messages_created_distinct,
        messages_delivered,
        messages_abandoned,
        restarts,
        latency,
    } = t;
    h.u64(elapsed.as_micros());
    for v in [
        requests_sent,
        requests,
        requests_answered,
        answered,
        empty_responses,
        rejected,
        refused_while_down,
        dropped_by_restart,
        pushes,
        heartbeats,
        busy_us,
        capacity_us,
        max_queue,
        max_open_connections,
        bytes_in,
        bytes_out,
        messages_created,
        messages_created_distinct,
        messages_delivered,
        messages_abandoned,
        restarts,
    ] {
        h.u64(*v);
    }
    fold_summary(h, latency);
}

fn fold_histogram(h: &mut Fnv, hist: &LatencyHistogram) {
    fold_summary(h, &hist.summary());
    h.u64(hist.min());
    let cdf = hist.cdf();
    h.u64(cdf.len() as u64);
    for (micros, share) in cdf {
        h.u64(micros);
        h.f64(share);
    }
}

fn fold_gauges(h: &mut Fnv, g: &Gauges) {
    let Gauges {
        queue_len,
        busy_workers,
        open_connections,
        held_requests,
        connection_memory_bytes,
        messages_pending,
        server_down,
    } = *g;
    for v in [
        queue_len,
        busy_workers,
        open_connections,
        held_requests,
        connection_memory_bytes,
        messages_pending,
    ] {
        h.u64(v);
    }
    h.bool(server_down);
}

fn world_of(scenario: &Scenario) -> World {
    let params = Params::try_from((scenario.params)())
        .unwrap_or_else(|e| panic!("scenario {}: invalid parameters: {e}", scenario.name));
    let mut world = World::new(&params, scenario.strategy);
    if let Some(at) = scenario.restart_at {
        world.schedule_restart(at);
    }
    world
}

fn digest_of(world: &World) -> u64 {
    let mut h = Fnv::new();
    h.u64(world.now().as_micros());
    h.u64(world.seconds().len() as u64);
    for s in world.seconds() {
        fold_second(&mut h, s);
    }
    fold_totals(&mut h, &world.totals());
    fold_histogram(&mut h, world.latency_histogram());
    fold_gauges(&mut h, &world.gauges());
    h.0
}

/// Runs a scenario in one go and digests its output.
fn run(scenario: &Scenario) -> u64 {
    let mut world = world_of(scenario);
    world.run_until(scenario.run_for);
    // A digest of a run where nothing happened would prove nothing: each scenario must exercise the engine.
    let totals = world.totals();
    let name = scenario.name;
    assert!(
        totals.requests > 0,
        "scenario {name}: no request reached the server"
    );
    assert!(
        totals.messages_delivered > 0,
        "scenario {name}: no message was delivered"
    );
    let restarts = u64::from(scenario.restart_at.is_some());
    assert_eq!(totals.restarts, restarts, "scenario {name}: restarts");
    digest_of(&world)
}

fn scenario(name: &str) -> &'static Scenario {
    SCENARIOS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario named {name}"))
}

/// The digests recorded in the golden file, by scenario name.
fn golden() -> Vec<(&'static str, u64)> {
    GOLDEN
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next().unwrap();
            let digest = parts
                .next()
                .and_then(|d| u64::from_str_radix(d.trim_start_matches("0x"), 16).ok())
                .unwrap_or_else(|| panic!("{GOLDEN_PATH}: malformed line '{line}'"));
            (name, digest)
        })
        .collect()
}

fn golden_line(name: &str, digest: u64) -> String {
    format!("{name} {digest:016x}")
}

fn writing_golden() -> bool {
    // On wasm32 there is no environment: the golden file is only ever written by the native run.
    !cfg!(target_arch = "wasm32") && std::env::var_os(WRITE_GOLDEN_VAR).is_some()
}

fn check(name: &str) {
    let got = run(scenario(name));
    if writing_golden() {
        return; // `golden_file_covers_every_scenario` rewrites the file.
    }
    let platform = if cfg!(target_arch = "wasm32") {
        "wasm32"
    } else {
        "native"
    };
    match golden().iter().find(|(n, _)| *n == name) {
        Some(&(_, want)) => assert!(
            got == want,
            "scenario {name}: the {platform} digest differs from {GOLDEN_PATH}\n  golden: {}\n  new:    {}\n\
             If the engine's behaviour changed on purpose, run `make golden` (native) and review the diff; \
             if only wasm32 differs, native and wasm32 disagree: that is a bug.",
            golden_line(name, want),
            golden_line(name, got),
        ),
        None => panic!(
            "scenario {name} has no digest in {GOLDEN_PATH}; add this line (or run `make golden`):\n{}",
            golden_line(name, got)
        ),
    }
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            fn $test() {
                check($name);
            }
        )*
    };
}

scenario_tests! {
    polling_per_client => "polling-per-client",
    polling_jitter_overload => "polling-jitter-overload",
    long_polling_per_client => "long-polling-per-client",
    long_polling_restart_backoff => "long-polling-restart-backoff",
    streaming_broadcast => "streaming-broadcast",
    streaming_restart_fixed => "streaming-restart-fixed",
    polling_restart => "polling-restart",
}

/// The golden file names exactly the scenarios above; with `POLLSTREAM_WRITE_GOLDEN=1` (native only) it is
/// rewritten from this run.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn golden_file_covers_every_scenario() {
    if writing_golden() {
        write_golden();
        return;
    }
    let golden = golden();
    let stale: Vec<_> = golden
        .iter()
        .filter(|(n, _)| !SCENARIOS.iter().any(|s| s.name == *n))
        .map(|(n, _)| *n)
        .collect();
    let missing: Vec<_> = SCENARIOS
        .iter()
        .filter(|s| !golden.iter().any(|(n, _)| *n == s.name))
        .map(|s| s.name)
        .collect();
    assert!(
        stale.is_empty() && missing.is_empty(),
        "{GOLDEN_PATH} is out of step with the scenarios: stale {stale:?}, missing {missing:?}; \
         run `make golden`"
    );
}

#[cfg(not(target_arch = "wasm32"))]
fn write_golden() {
    let mut text = String::from(
        "# Digests of tests/cross_platform.rs's scenarios (64-bit FNV-1a of the whole output), written by\n\
         # `make golden` from a native run. Native and wasm32 runs must both match every line.\n",
    );
    for s in SCENARIOS {
        text.push_str(&golden_line(s.name, run(s)));
        text.push('\n');
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN_PATH);
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    eprintln!("wrote {}:\n{text}", path.display());
}

#[cfg(target_arch = "wasm32")]
fn write_golden() {}

/// MODEL.md: a run is a pure function of (parameters, seed), however it is sliced into frames. Running in
/// odd-sized slices with a small event budget (as the browser does, frame by frame) gives the same output.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn slicing_a_run_into_frames_changes_nothing() {
    for name in [
        "polling-jitter-overload",
        "long-polling-restart-backoff",
        "streaming-restart-fixed",
    ] {
        let s = scenario(name);
        let whole = run(s);
        let mut world = world_of(s);
        let step = SimDuration::from_micros(16_667 * 7 + 13); // about 7 frames at 60 Hz, not a round number
        let mut until = SimTime::ZERO;
        while world.now() < s.run_for {
            until = (until + step).min(s.run_for);
            while !world.advance(until, 997).reached {}
        }
        assert_eq!(
            digest_of(&world),
            whole,
            "scenario {name}: sliced run differs from the whole run"
        );
    }
}
