//! `make soak`: one simulated hour of each strategy at a million clients, with the server restarted
//! every ten minutes and the scenario changed live (the interval 1 s → 2 s at 15 minutes, 1 M → 3 M
//! clients at 20, back to 1 M at 35 and to 1 s at 45; 3 M clients polling every second would be more
//! than the 4,000 workers can serve, and the soak is about long runs, not overload), checking that
//! memory stays flat and that nothing is lost.
//!
//! Run with `cargo run --release -p pollstream-engine --example soak [-- STRATEGY ...]`. Each strategy
//! prints the world's memory (`World::memory_bytes`) every ten simulated minutes, its peak, and the wall
//! time. It fails (exit status 1) when:
//! - the books do not balance at any ten-minute mark or at the end ([`Audit::check`]: requests sent =
//!   answered + rejected + dropped + abandoned + in flight; messages created = delivered + pending +
//!   abandoned, the pending ones found in the world);
//! - the memory at the end is more than 5 % above or below its level at ten minutes, when the world has
//!   the same clients and interval again (a leak, or a structure that keeps the 3 M clients' room).

use std::process::ExitCode;
use std::time::Instant;

use pollstream_engine::{Params, RawParams, SimDuration, SimTime, Strategy, World};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
/// The largest change of memory from the ten-minute level to the end that counts as flat.
const FLAT: f64 = 0.05;

/// What happens at a simulated second, besides the restarts every ten minutes.
fn change_at(second: u64) -> Option<(u64, SimDuration)> {
    match second {
        s if s == 15 * MINUTE => Some((1_000_000, SimDuration::from_secs(2))),
        s if s == 20 * MINUTE => Some((3_000_000, SimDuration::from_secs(2))),
        s if s == 35 * MINUTE => Some((1_000_000, SimDuration::from_secs(2))),
        s if s == 45 * MINUTE => Some((1_000_000, SimDuration::SECOND)),
        _ => None,
    }
}

fn params(n_clients: u64, poll_interval: SimDuration) -> Params {
    Params::try_from(RawParams {
        n_clients,
        poll_interval,
        message_rate: 0.1,
        n_workers: 4_000,
        ..RawParams::default()
    })
    .expect("the soak's parameters are valid")
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// Runs one strategy's hour; returns what went wrong, if anything.
fn soak(strategy: Strategy) -> Vec<String> {
    let mut problems = Vec::new();
    let started = Instant::now();
    let mut world = World::new(&params(1_000_000, SimDuration::SECOND), strategy);
    let mut peak = 0;
    let mut at_ten_minutes = 0;
    for second in 1..=HOUR {
        // A second at a time, as the runner does: the engine's fastest paths need whole slices.
        world.run_until(SimTime::from_secs(second));
        peak = peak.max(world.memory_bytes());
        if let Some((n_clients, interval)) = change_at(second) {
            world.set_params(&params(n_clients, interval));
        }
        if second % (10 * MINUTE) == 0 {
            let memory = world.memory_bytes();
            if second == 10 * MINUTE {
                at_ten_minutes = memory;
            }
            let books = world.audit().check();
            let totals = world.totals();
            println!(
                "  {:>2} min: memory {:>10}, {} clients, {:>13} requests, {:>11} pushes, {:>11} messages ({} pending), books {}, {:.0} s wall",
                second / MINUTE,
                mib(memory),
                world.params().n_clients,
                totals.requests,
                totals.pushes,
                totals.messages_created,
                totals.messages_pending(),
                if books.is_ok() { "balance" } else { "DO NOT BALANCE" },
                started.elapsed().as_secs_f64()
            );
            if let Err(e) = books {
                problems.push(format!("{strategy} at {} min: {e}", second / MINUTE));
            }
            if second < HOUR {
                world.restart_server();
            }
        }
    }
    let end = world.memory_bytes();
    let drift = end as f64 / at_ten_minutes as f64 - 1.0;
    println!(
        "{strategy}: peak {}, at 10 min {}, at the end {} ({:+.1} %), {:.0} s wall for one simulated hour",
        mib(peak),
        mib(at_ten_minutes),
        mib(end),
        drift * 100.0,
        started.elapsed().as_secs_f64()
    );
    if drift.abs() > FLAT {
        problems.push(format!(
            "{strategy}: memory at the end {} is {:+.1} % from its level at 10 minutes {} (allowed ±{:.0} %)",
            mib(end),
            drift * 100.0,
            mib(at_ten_minutes),
            FLAT * 100.0
        ));
    }
    problems
}

fn main() -> ExitCode {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let mut problems = Vec::new();
    for strategy in Strategy::ALL {
        if wanted.is_empty() || wanted.iter().any(|w| strategy.name().contains(w.as_str())) {
            println!("{strategy}: one simulated hour, 1 M clients (3 M from 20 to 35 min), restarts every 10 min");
            problems.extend(soak(strategy));
        }
    }
    if problems.is_empty() {
        println!("soak: memory flat and the books balance for every strategy");
        ExitCode::SUCCESS
    } else {
        for problem in &problems {
            println!("soak: FAIL: {problem}");
        }
        ExitCode::FAILURE
    }
}
