//! How long the calls that touch many clients take at large N: building a world, lowering the
//! client count, a restart (for the browser's 50 ms frame rule). Run with
//! `cargo run --release -p pollstream-engine --example build_cost`.
use pollstream_engine::*;
use std::time::Instant;

fn main() {
    for n in [1_000_000u64, 10_000_000] {
        for strategy in Strategy::ALL {
            let raw = RawParams {
                n_clients: n,
                n_workers: 4000,
                ..RawParams::default()
            };
            let params = Params::try_from(raw.clone()).unwrap();
            let t = Instant::now();
            let mut world = World::new(&params, strategy);
            let build = t.elapsed();
            // One simulated second, in slices of 20,000 events as the app does; the longest slice.
            let mut longest = 0.0f64;
            let until = SimTime::from_secs(2);
            loop {
                let t = Instant::now();
                let reached = world.advance(until, 20_000).reached;
                longest = longest.max(t.elapsed().as_secs_f64());
                if reached {
                    break;
                }
            }
            world.restart_server();
            let mut restart_longest = 0.0f64;
            let until = SimTime::from_secs(3);
            loop {
                let t = Instant::now();
                let reached = world.advance(until, 20_000).reached;
                restart_longest = restart_longest.max(t.elapsed().as_secs_f64());
                if reached {
                    break;
                }
            }
            let t = Instant::now();
            world.set_params(
                &Params::try_from(RawParams {
                    n_clients: 1000,
                    ..raw
                })
                .unwrap(),
            );
            let shrink = t.elapsed();
            println!(
                "{n:>9} {:>13}: build {:>6.1} ms, longest 20k-event slice {:>6.1} ms, after a restart {:>6.1} ms, lowering N to 1,000 {:>6.1} ms",
                strategy.name(),
                build.as_secs_f64() * 1e3,
                longest * 1e3,
                restart_longest * 1e3,
                shrink.as_secs_f64() * 1e3
            );
        }
    }
}
