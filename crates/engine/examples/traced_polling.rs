//! How fast a polling world runs the way the browser's worker drives it: 24 clients traced for the
//! animated view, advanced in calls of a fixed event budget. Compares tracing on and off at 1 M and
//! 10 M clients (T = 1 s, λ = 0.1, 4,000 workers, the other parameters at their defaults).
//!
//! Run with `cargo run --release -p pollstream-engine --example traced_polling [-- BUDGET ...]`
//! (budgets in events per call; 2,000,000 if none is given).
use pollstream_engine::*;
use std::time::Instant;

/// The animated view's traced clients (`World::set_traced_clients` in the app).
const TRACED: u32 = 24;

fn main() {
    let budgets: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace([',', '_'], "").parse().ok())
        .collect();
    let budgets = if budgets.is_empty() {
        vec![2_000_000]
    } else {
        budgets
    };
    println!("| N | budget/call | traced | requests/wall-s | × real time | calls | mean call ms | longest call ms |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in [1_000_000u64, 10_000_000] {
        // Enough simulated time for a few seconds of wall time on the slow path.
        let seconds = if n >= 10_000_000 { 4 } else { 12 };
        for &budget in &budgets {
            for traced in [0, TRACED] {
                measure(n, seconds, budget, traced);
            }
        }
    }
}

fn measure(n: u64, seconds: u64, budget: u64, traced: u32) {
    let params = Params::try_from(RawParams {
        n_clients: n,
        poll_interval: SimDuration::from_secs(1),
        message_rate: 0.1,
        n_workers: 4_000,
        ..RawParams::default()
    })
    .unwrap();
    let mut world = World::new(&params, Strategy::Polling);
    world.set_traced_clients(traced);
    // The first second (every client's first poll at its phase) is not the steady state.
    world.run_until(SimTime::from_secs(1));
    let requests_before = world.totals().requests_sent;
    let until = SimTime::from_secs(1 + seconds);
    let (mut calls, mut longest, mut flights_seen) = (0u64, 0.0f64, 0usize);
    let start = Instant::now();
    loop {
        let call = Instant::now();
        let reached = world.advance(until, budget).reached;
        longest = longest.max(call.elapsed().as_secs_f64());
        calls += 1;
        // What the worker hands to the page after each call.
        flights_seen += world.flights().len();
        std::hint::black_box(world.traced_client_states());
        if reached {
            break;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let requests = world.totals().requests_sent - requests_before;
    std::hint::black_box(flights_seen);
    println!(
        "| {n} | {budget} | {traced} | {:.2} M | {:.2} | {calls} | {:.1} | {:.1} |",
        requests as f64 / wall / 1e6,
        seconds as f64 / wall,
        wall * 1e3 / calls as f64,
        longest * 1e3
    );
}
