//! `make bench`: how fast the engine simulates, and how much memory a client costs.
//!
//! A plain program (`harness = false`), not a timed test. Each scenario runs in a child process (this same
//! binary, re-executed with `--child NAME`) so that its peak memory (VmHWM from /proc/self/status) is its
//! own; the parent prints a markdown table.
//!
//! Usage: `cargo bench -p pollstream-engine --bench throughput [-- --quick] [-- NAME ...]`
//!   --quick   10x fewer clients (the same rates per client, the same simulated time)
//!   NAME      run only the scenarios whose names contain NAME

use std::process::Command;
use std::time::Instant;

use pollstream_engine::{Params, RawParams, SimDuration, SimTime, Strategy, World};

struct Scenario {
    name: &'static str,
    strategy: Strategy,
    n_clients: u64,
    poll_interval: SimDuration,
}

/// The scenarios: λ = 0.1 per client, 4,000 workers, 60 simulated seconds; the other parameters
/// are MODEL.md's defaults.
const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "polling-1M",
        strategy: Strategy::Polling,
        n_clients: 1_000_000,
        poll_interval: SimDuration::from_secs(1),
    },
    Scenario {
        name: "long-polling-1M",
        strategy: Strategy::LongPolling,
        n_clients: 1_000_000,
        poll_interval: SimDuration::from_secs(1),
    },
    Scenario {
        name: "streaming-1M",
        strategy: Strategy::Streaming,
        n_clients: 1_000_000,
        poll_interval: SimDuration::from_secs(1),
    },
    Scenario {
        name: "polling-10M-T10s",
        strategy: Strategy::Polling,
        n_clients: 10_000_000,
        poll_interval: SimDuration::from_secs(10),
    },
];

const SIMULATED: SimTime = SimTime::from_secs(60);
const RATE_PER_CLIENT: f64 = 0.1;
const WORKERS: u64 = 4_000;
const QUICK_FACTOR: u64 = 10;

/// What a child reports, one `key=value` per line on stdout.
#[derive(Default)]
struct Report {
    n_clients: u64,
    setup_s: f64,
    run_s: f64,
    requests: u64,
    pushes: u64,
    events: u64,
    peak_rss_bytes: u64,
}

fn params(s: &Scenario, quick: bool) -> Params {
    let n_clients = if quick {
        s.n_clients / QUICK_FACTOR
    } else {
        s.n_clients
    };
    Params::try_from(RawParams {
        n_clients,
        poll_interval: s.poll_interval,
        message_rate: RATE_PER_CLIENT,
        n_workers: WORKERS,
        ..RawParams::default()
    })
    .expect("benchmark parameters are valid")
}

/// Peak resident set size of this process (VmHWM), in bytes; 0 where /proc is not available.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

fn child(name: &str, quick: bool) {
    let s = SCENARIOS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"));
    let params = params(s, quick);
    let start = Instant::now();
    let mut world = World::new(&params, s.strategy);
    let setup_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    world.run_until(SIMULATED);
    let run_s = start.elapsed().as_secs_f64();
    let totals = world.totals();
    let events = world.events_processed();
    let peak = peak_rss_bytes();
    println!("n_clients={}", params.n_clients);
    println!("setup_s={setup_s}");
    println!("run_s={run_s}");
    println!("requests={}", totals.requests);
    println!("pushes={}", totals.pushes);
    println!("events={events}");
    println!("peak_rss_bytes={peak}");
}

fn parse_report(stdout: &str) -> Report {
    let mut r = Report::default();
    for line in stdout.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let int = || value.parse::<u64>().unwrap_or(0);
        let real = || value.parse::<f64>().unwrap_or(0.0);
        match key {
            "n_clients" => r.n_clients = int(),
            "setup_s" => r.setup_s = real(),
            "run_s" => r.run_s = real(),
            "requests" => r.requests = int(),
            "pushes" => r.pushes = int(),
            "events" => r.events = int(),
            "peak_rss_bytes" => r.peak_rss_bytes = int(),
            _ => {}
        }
    }
    r
}

/// 1234567.8 → "1.23 M", for a table that reads at a glance.
fn si(v: f64) -> String {
    let (scaled, unit) = match v.abs() {
        x if x >= 1e9 => (v / 1e9, " G"),
        x if x >= 1e6 => (v / 1e6, " M"),
        x if x >= 1e3 => (v / 1e3, " k"),
        _ => (v, ""),
    };
    format!("{scaled:.2}{unit}")
}

fn per_s(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench` to harness-less benches; ignore it.
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let name = args.get(pos + 1).expect("--child needs a scenario name");
        child(name, quick);
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let exe = std::env::current_exe().expect("the path of this benchmark");

    println!(
        "pollstream engine throughput: λ = {RATE_PER_CLIENT}/client/s, {WORKERS} workers, {} simulated s{}\n",
        SIMULATED.as_micros() / 1_000_000,
        if quick { ", --quick (N / 10)" } else { "" }
    );
    println!(
        "| scenario | N | T | requests/wall-s | events/s | pushes/wall-s | × real time | setup s | run s | peak RSS | bytes/client |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut failed = false;
    for s in SCENARIOS {
        if !filters.is_empty() && !filters.iter().any(|f| s.name.contains(f.as_str())) {
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.arg("--child").arg(s.name);
        if quick {
            cmd.arg("--quick");
        }
        let out = cmd.output().expect("re-running the benchmark binary");
        if !out.status.success() {
            failed = true;
            eprintln!(
                "scenario {} failed ({}):\n{}",
                s.name,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            println!("| {} | | | failed | | | | | | | |", s.name);
            continue;
        }
        let r = parse_report(&String::from_utf8_lossy(&out.stdout));
        let t = s.poll_interval.as_secs_f64();
        println!(
            "| {} | {} | {t} s | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.0} MiB | {:.0} |",
            s.name,
            si(r.n_clients as f64),
            si(per_s(r.requests, r.run_s)),
            si(per_s(r.events, r.run_s)),
            si(per_s(r.pushes, r.run_s)),
            if r.run_s > 0.0 {
                SIMULATED.as_secs_f64() / r.run_s
            } else {
                0.0
            },
            r.setup_s,
            r.run_s,
            r.peak_rss_bytes as f64 / (1024.0 * 1024.0),
            r.peak_rss_bytes as f64 / r.n_clients.max(1) as f64,
        );
    }
    println!(
        "\nrequests/wall-s, events/s and pushes/wall-s are simulated counts per wall-clock second of `run_until` \
         (setup excluded); × real time is simulated seconds per wall-clock second; peak RSS is the child process's VmHWM, and bytes/client is that ÷ N."
    );
    if failed {
        std::process::exit(1);
    }
}
