//! How long the calls that touch many clients take at large N: building a world, lowering the
//! client count, a restart (for the browser's 50 ms frame rule). Run with
//! `cargo run --release -p pollstream-engine --example build_cost` (`-- --backoff`: a restart of 10 M
//! clients that reconnect with backoff).
use pollstream_engine::*;
use std::time::Instant;

/// The longest `advance` call of 20,000 events while `world` runs to `until`, in milliseconds.
fn longest_call_ms(world: &mut World, until: SimTime) -> f64 {
    let mut longest = 0.0f64;
    loop {
        let t = Instant::now();
        let reached = world.advance(until, 20_000).reached;
        longest = longest.max(t.elapsed().as_secs_f64() * 1e3);
        if reached {
            return longest;
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--backoff") {
        // A restart of 10 M connections whose clients come back with backoff: their reconnects are
        // scheduled out of order, one heap entry each (issue #11: no call over 20 ms natively).
        for strategy in [Strategy::LongPolling, Strategy::Streaming] {
            let raw = RawParams {
                n_clients: 10_000_000,
                n_workers: 4000,
                reconnect: ReconnectPolicy::Backoff,
                ..RawParams::default()
            };
            let mut world = World::new(&Params::try_from(raw).unwrap(), strategy);
            longest_call_ms(&mut world, SimTime::from_secs(2));
            world.restart_server();
            let longest = longest_call_ms(&mut world, SimTime::from_secs(12));
            println!(
                "10,000,000 {:>13}, backoff: longest 20k-event call from the restart to all reconnected {longest:>6.1} ms",
                strategy.name()
            );
        }
        return;
    }
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
