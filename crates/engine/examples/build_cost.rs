//! How long building a world takes, and a restart, at large N (for the UI's 50 ms frame rule).
use pollstream_engine::*;
use std::time::Instant;
fn main() {
    for n in [1_000_000u64, 10_000_000] {
        for s in Strategy::ALL {
            let p = Params::try_from(RawParams {
                n_clients: n,
                n_workers: 4000,
                ..RawParams::default()
            })
            .unwrap();
            let t = Instant::now();
            let mut w = World::new(&p, s);
            let build = t.elapsed();
            w.run_until(SimTime::from_secs(2));
            let t = Instant::now();
            w.restart_server();
            w.advance(SimTime::from_secs(2) + SimDuration::from_micros(1), 1);
            let restart = t.elapsed();
            println!(
                "{n:>9} {:>13} build {:>7.1} ms  restart {:>7.1} ms",
                s.name(),
                build.as_secs_f64() * 1e3,
                restart.as_secs_f64() * 1e3
            );
        }
    }
}
