use pollstream_engine::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut raw = RawParams::default();
    let mut i = 1;
    let mut secs = 60;
    while i + 1 < args.len() {
        if args[i] == "duration" {
            secs = args[i + 1].parse().unwrap();
        } else {
            raw.set(ParamKey::from_name(&args[i]).unwrap(), &args[i + 1])
                .unwrap();
        }
        i += 2;
    }
    let p = Params::try_from(raw).unwrap();
    let only = std::env::var("ONLY").ok();
    for s in Strategy::ALL {
        if only.as_deref().is_some_and(|o| o != s.name()) {
            continue;
        }
        let t0 = std::time::Instant::now();
        let mut w = World::new(&p, s);
        w.run_until(SimTime::from_secs(secs));
        let el = t0.elapsed().as_secs_f64();
        let t = w.totals();
        let th = theory::predict(&p, s);
        println!("{:>13} req/s {:>10.1} (th {:?}) push/s {:>10.1} (th {:?}) empty {:.3} (th {:?}) util {:.3} rej/s {:.1} lat mean {:.0} (th {:?}) p50 {} p99 {} (th {:?}) open {} pending {} | {:.2}s {:.1}M ev/s {:.1}M req/s mem {}B/client audit {:?}",
            s.name(), t.requests_per_s(), th.requests_per_s, t.pushes_per_s(), th.pushes_per_s, t.empty_share(), th.empty_share, t.utilization(), t.rejected_per_s(),
            t.latency.mean, th.latency_mean_us, t.latency.p50, t.latency.p99, th.latency_p99_us, w.gauges().open_connections, t.messages_pending(), el,
            w.events_processed() as f64 / el / 1e6, t.requests as f64 / el / 1e6, w.memory_bytes() / p.n_clients as usize, w.audit().check().err());
    }
}
