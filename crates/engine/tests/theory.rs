//! The engine against every formula of MODEL.md's "What theory says", on fixed seeds.
//!
//! Each test computes the reference value twice — by hand from MODEL.md, and through
//! `pollstream_engine::theory` (which must agree to rounding) — then measures the engine after a warm-up
//! from its per-second series. Every tolerance is derived in a comment: a standard error from the number
//! of samples (4 standard errors: a false alarm about once in 16,000 runs, and the seeds are fixed, so a
//! passing test stays passing), the histogram's bucket error, or the known bias of the approximation.

mod common;

use common::{assert_close, latency_mean, mean_of, params, run, sum_of, window, Gen};
use pollstream_engine::theory::{self, long_poll_cycle_s, md1_mean_wait_s};
use pollstream_engine::{SimDuration, SimTime, Strategy, World};

/// Asserts that `theory::predict`'s value is the hand-computed one.
#[track_caller]
fn same(what: &str, predicted: Option<f64>, by_hand: f64) {
    let p = predicted.unwrap_or_else(|| panic!("theory gives no {what}"));
    assert!(
        (p - by_hand).abs() <= 1e-9 * by_hand.abs().max(1.0),
        "theory::predict's {what} {p} != MODEL.md's formula {by_hand}"
    );
}

// ----- polling -----------------------------------------------------------------------------------------

#[test]
fn polling_matches_theory() {
    let (n, t, lambda, d, s, h, m) = (500.0, 1.0, 0.5, 0.05, 0.002, 800.0, 200.0);
    let p = params(|r| {
        r.n_clients = 500;
        r.message_rate = lambda;
        r.seed = 11;
    });
    let want_requests = n / t;
    let want_mean = (t / 2.0 + d) * 1e6;
    let want_p99 = (0.99 * t + d) * 1e6;
    let want_empty = (-lambda * t).exp();
    let want_bandwidth = n / t * h + n * lambda * m;
    let th = theory::predict(&p, Strategy::Polling);
    same("requests/s", th.requests_per_s, want_requests);
    same("mean latency", th.latency_mean_us, want_mean);
    same("p99", th.latency_p99_us, want_p99);
    same("empty share", th.empty_share, want_empty);
    same(
        "bandwidth",
        Some(th.bandwidth_in_bytes_per_s.unwrap() + th.bandwidth_out_bytes_per_s.unwrap()),
        want_bandwidth,
    );

    let world = run(&p, Strategy::Polling, 40);
    // Warm-up: the first poll comes at a random phase in [0, T); skip 3 T.
    let w = window(world.seconds(), 3, 40);
    let secs = w.len() as f64;

    // Requests: each client polls exactly once per T, so a window of W s holds W/T polls per client, give
    // or take one at the window's edges: tolerance N/W per second.
    assert_close(
        "requests/s",
        mean_of(&w, |x| x.requests as f64),
        want_requests,
        n / secs,
    );

    // Mean latency: a Poisson message waits a uniform residual of the poll period (mean T/2, sd T/√12),
    // then the poll's service s and the trip back d. The formula T/2 + d leaves out s (the queue wait at
    // ρ = 0.125 over 8 workers is negligible), so allow s plus 4 standard errors of the mean of M messages.
    let (mean, count) = latency_mean(&w);
    let se = t * 1e6 / 12f64.sqrt() / (count as f64).sqrt();
    assert!(count > 8_000, "{count} messages");
    assert_close("mean latency µs", mean, want_mean, s * 1e6 + 4.0 * se);
    assert!(
        mean >= want_mean - 4.0 * se,
        "the service time can only add to the latency"
    );

    // p99 from the whole run's histogram (the first T's messages, a 1/40 minority with shorter waits,
    // move the 99th percentile by ~0.01 % of T). The histogram reports a bucket value within 1 %, the
    // quantile of M uniform samples has standard error T·√(0.99·0.01/M), and s is again left out.
    let hist = world.latency_histogram();
    let p99 = hist.percentile(0.99) as f64;
    let se_q = t * 1e6 * (0.99f64 * 0.01 / hist.count() as f64).sqrt();
    assert_close(
        "p99 latency µs",
        p99,
        want_p99,
        0.01 * want_p99 + s * 1e6 + 4.0 * se_q,
    );

    // Empty share: each poll sees the messages of one period T, Poisson(λT), so it is empty with
    // probability e^(−λT), independently from poll to poll: binomial standard error √(p(1−p)/K).
    let answered = sum_of(&w, |x| x.answered) as f64;
    let empty = sum_of(&w, |x| x.empty_responses) as f64;
    let se = (want_empty * (1.0 - want_empty) / answered).sqrt();
    assert_close("empty share", empty / answered, want_empty, 4.0 * se);

    // Bandwidth: headers are exact (one pair per poll, give or take the edge polls: N·h/W); the payload is
    // Poisson in the number of messages: standard error √(NλW)·m / W per second.
    let bytes = mean_of(&w, |x| (x.bytes_in + x.bytes_out) as f64);
    let tol = n * h / secs + 4.0 * (n * lambda * secs).sqrt() * m / secs;
    assert_close("bandwidth B/s", bytes, want_bandwidth, tol);

    // Utilization: N/T polls of s each over c workers; exact up to a service straddling the window's edges.
    let util = sum_of(&w, |x| x.busy_us) as f64 / sum_of(&w, |x| x.capacity_us) as f64;
    same("offered load", th.offered_load, n / t * s / 8.0);
    assert_close(
        "utilization",
        util,
        n / t * s / 8.0,
        2.0 * 8.0 * s / (8.0 * secs),
    );
}

// ----- streaming ---------------------------------------------------------------------------------------

#[test]
fn streaming_matches_theory() {
    let (n, lambda, hb, push, d, frame, m, mem) =
        (500.0, 0.5, 2.0, 200e-6, 0.05, 6.0, 200.0, 8192.0);
    let p = params(|r| {
        r.n_clients = 500;
        r.message_rate = lambda;
        r.heartbeat = SimDuration::from_secs(2);
        r.seed = 12;
    });
    let want_pushes = n * lambda + n / hb;
    let want_mean = (push + d) * 1e6;
    let want_bandwidth = n * lambda * (frame + m) + n / hb * frame;
    let th = theory::predict(&p, Strategy::Streaming);
    same("pushes/s", th.pushes_per_s, want_pushes);
    same("mean latency", th.latency_mean_us, want_mean);
    same("open connections", th.open_connections, n);
    same("connection memory", th.connection_memory_bytes, n * mem);
    same(
        "bandwidth out",
        th.bandwidth_out_bytes_per_s,
        want_bandwidth,
    );

    let world = run(&p, Strategy::Streaming, 40);
    // Warm-up: connects at phases in [0, 1 s), then the backlog of messages created before the connect.
    let w = window(world.seconds(), 4, 40);
    let secs = w.len() as f64;

    // Heartbeats: one per connection every 2 s, timed from its opening: exact up to one per connection at
    // the window's edges (N/W per second).
    let heartbeats = mean_of(&w, |x| x.heartbeats as f64);
    assert_close("heartbeats/s", heartbeats, n / hb, n / secs);
    // Message pushes: the superposition of N Poisson streams, Poisson(NλW) over the window.
    let messages = mean_of(&w, |x| (x.pushes - x.heartbeats) as f64);
    let se = (n * lambda * secs).sqrt() / secs;
    assert_close("message pushes/s", messages, n * lambda, 4.0 * se);
    assert_close(
        "pushes/s",
        heartbeats + messages,
        want_pushes,
        n / secs + 4.0 * se,
    );

    // Latency: every pushed message waits for a worker, is written in the push service time, and crosses
    // the network once: latency = wait + push service + d exactly, so the mean is at least the formula and
    // exceeds it by the mean queue wait only. At an offered load of 1.25 % over 8 workers that wait is
    // practically zero; 1 % of the formula (500 µs) is a generous allowance that still catches a wrong d,
    // a missing or doubled service time, or messages delivered late.
    let (mean, count) = latency_mean(&w);
    assert!(count > 8_000, "{count} messages");
    assert!(
        mean >= want_mean,
        "mean latency {mean} µs below push service + d"
    );
    assert_close("mean latency µs", mean, want_mean, 0.01 * want_mean);

    // Connections and memory are exact at the end of every second once all are open; nobody reconnects.
    for x in &w {
        assert_eq!(x.open_connections, 500, "second {}", x.second);
        assert_eq!(
            x.connection_memory_bytes as f64,
            n * mem,
            "second {}",
            x.second
        );
        assert_eq!(x.requests, 0, "second {}: nobody reconnects", x.second);
        assert_eq!(
            x.bytes_in, 0,
            "second {}: nothing comes in after the connects",
            x.second
        );
    }

    // Bandwidth out: heartbeat frames exact up to the edges, payload and frames Poisson.
    let out = mean_of(&w, |x| x.bytes_out as f64);
    let tol = n / secs * frame + 4.0 * se * (frame + m);
    assert_close("bandwidth out B/s", out, want_bandwidth, tol);
}

// ----- long polling ------------------------------------------------------------------------------------

#[test]
fn long_polling_matches_the_cycle_formula() {
    let (n, lambda, tau, d, s) = (500.0, 0.5, 2.0, 0.05, 0.002);
    let p = params(|r| {
        r.n_clients = 500;
        r.message_rate = lambda;
        r.hold_timeout = SimDuration::from_secs(2);
        r.seed = 13;
    });
    // MODEL.md: E[cycle] = s + 2d + e^(−2λd)·(1 − e^(−λτ))/λ.
    let pending_free = (-2.0 * lambda * d).exp();
    let hold = pending_free * (1.0 - (-lambda * tau).exp()) / lambda;
    let cycle = s + 2.0 * d + hold;
    let want_requests = n / cycle;
    let want_mean = (hold * (s + d) + s * (s / 2.0 + d) + 2.0 * d * (2.0 * d + s)) / cycle * 1e6;
    assert!((long_poll_cycle_s(&p) - cycle).abs() < 1e-12);
    let th = theory::predict(&p, Strategy::LongPolling);
    same("requests/s", th.requests_per_s, want_requests);
    same("mean latency", th.latency_mean_us, want_mean);
    // The shortcut N·λ + N/τ (500/s here) is far from the cycle formula (~383/s): the test can tell.
    assert!((n * lambda + n / tau - want_requests).abs() > 50.0);

    let world = run(&p, Strategy::LongPolling, 60);
    // Warm-up: first requests at phases in [0, 1 s), then several cycles (~1.3 s each) to forget them.
    let w = window(world.seconds(), 10, 60);
    let secs = w.len() as f64;

    // Requests: each client is a renewal process of cycles C = s + 2d + H, with H = 0 with probability
    // 1 − e^(−2λd) and min(Exp(λ), τ) otherwise. By the renewal CLT, the count over W has variance
    // N·W·Var(C)/E[C]³. E[min(X,τ)²] = (2/λ²)(1 − e^(−λτ)(1 + λτ)).
    let e_min2 = 2.0 / (lambda * lambda) * (1.0 - (-lambda * tau).exp() * (1.0 + lambda * tau));
    let var_c = pending_free * e_min2 - hold * hold;
    let se = (n * secs * var_c / cycle.powi(3)).sqrt() / secs;
    // The formula leaves out queue waits (offered load ~10 % over 8 workers: microseconds against a 1.3 s
    // cycle), so 4 standard errors is the whole allowance.
    let requests = mean_of(&w, |x| x.requests as f64);
    assert_close("requests/s", requests, want_requests, 4.0 * se);
    // Every long-poll is answered: requests answered per second = requests per second.
    let answered = mean_of(&w, |x| x.answered as f64);
    assert_close("answered/s", answered, want_requests, 4.0 * se + n / secs);

    // Mean latency: by renewal-reward with Poisson arrivals the formula is exact but for queue waits; each
    // latency lies in [d, 3d + s] (a message created just as a response leaves waits the round trip, the
    // next service and the trip back), so its standard deviation is at most (2d + s)/2 (Popoviciu), and
    // the mean of M messages has standard error at most that over √M.
    let (mean, count) = latency_mean(&w);
    let se = (2.0 * d + s) / 2.0 * 1e6 / (count as f64).sqrt();
    assert!(count > 10_000, "{count} messages");
    assert_close("mean latency µs", mean, want_mean, 4.0 * se);
}

// ----- load --------------------------------------------------------------------------------------------

#[test]
fn overload_rejects_the_excess() {
    // 2,000 polls/s against 2 workers × 500/s: ρ = 2, and the excess 1,000/s must be rejected.
    let (n, t, c, s, limit) = (2000.0, 1.0, 2.0, 0.002, 50.0);
    let p = params(|r| {
        r.n_clients = 2_000;
        r.n_workers = 2;
        r.queue_limit = 50;
        r.seed = 14;
    });
    let want = n / t - c / s;
    let th = theory::predict(&p, Strategy::Polling);
    same("offered load", th.offered_load, n / t * s / c);
    same("rejected/s", th.rejected_per_s, want);
    same("utilization", th.utilization, 1.0);

    let world = run(&p, Strategy::Polling, 20);
    let w = window(world.seconds(), 2, 20);
    let secs = w.len() as f64;
    // Over a window, rejected = arrived − served − growth of (queued + in service), and served =
    // busy time / s. With arrivals at twice the capacity the workers never idle (checked: utilization
    // ≥ 99.9 %), and the backlog changes by at most limit + c: tolerance (limit + c)/W plus the idle time's
    // worth of requests.
    let util = sum_of(&w, |x| x.busy_us) as f64 / sum_of(&w, |x| x.capacity_us) as f64;
    assert!(util >= 0.999, "utilization {util} in overload");
    let requests = mean_of(&w, |x| x.requests as f64);
    assert_close("requests/s", requests, n / t, n / secs);
    let rejected = mean_of(&w, |x| x.rejected as f64);
    let tol = (limit + c) / secs + (1.0 - util) * c / s + n / secs;
    assert_close("rejected/s", rejected, want, tol);
    // And the queue sits at its limit at the end of every second.
    for x in &w {
        assert!(
            x.queue_len >= 45,
            "second {}: queue {}",
            x.second,
            x.queue_len
        );
    }
}

/// Samples the queue length at `samples` random instants (a Poisson sampling clock, whose instants are
/// independent of the arrivals, so the sample mean is the time average) between `from` and `to` seconds,
/// and returns the batch means of `batches` equal batches, and the utilization over the same time.
fn sample_queue(
    world: &mut World,
    from: u64,
    to: u64,
    samples: usize,
    batches: usize,
    seed: u64,
) -> (Vec<f64>, f64) {
    world.run_until(SimTime::from_secs(from));
    let busy0 = world.totals().busy_us;
    let mut g = Gen::new(seed);
    let span = (to - from) * 1_000_000;
    let mean_gap = span as f64 / samples as f64;
    let per_batch = span / batches as u64;
    let mut sums = vec![0u64; batches];
    let mut counts = vec![0u64; batches];
    let mut t = from * 1_000_000;
    loop {
        t += (-(1.0 - g.unit()).ln() * mean_gap).round().max(1.0) as u64;
        if t >= to * 1_000_000 {
            break;
        }
        world.run_until(SimTime::from_micros(t));
        let b = (((t - from * 1_000_000) / per_batch) as usize).min(batches - 1);
        sums[b] += world.gauges().queue_len;
        counts[b] += 1;
    }
    world.run_until(SimTime::from_secs(to));
    let util =
        (world.totals().busy_us - busy0) as f64 / (span as f64 * world.params().n_workers as f64);
    (
        sums.iter()
            .zip(&counts)
            .map(|(&s, &c)| s as f64 / c as f64)
            .collect(),
        util,
    )
}

#[test]
fn queue_wait_matches_pollaczek_khinchine() {
    // Method. The engine reports no queue wait, but it reports the queue length at any instant, and for a
    // polling server only requests queue. Little's law, L_q = Λ·W_q, holds for any stationary queue; so the
    // time-average queue length (sampled at random instants) divided by the arrival rate Λ = N/T (no
    // request is rejected: the limit is far away) is the mean wait. This is sounder than subtracting the
    // known parts from the mean message latency: there the residual of the poll period (sd ≈ 0.3 T) swamps
    // a wait of a few hundred µs, while the queue length sees the wait directly.
    //
    // Why M/D/1: with full jitter each client polls at periods uniform in [T/2, 3T/2], so after a few T the
    // clients' phases are independent, and the superposition of N such streams is close to Poisson on the
    // time scale of a busy period when N ≫ 1/(1 − ρ)² (25 at ρ = 0.8; here N = 2,000). Service is the
    // constant s; c = 1. Pollaczek–Khinchine: W_q = ρ·s / (2(1 − ρ)).
    //
    // Tolerance: 4 standard errors of the mean from 20 batch means (which carry the queue's own
    // autocorrelation), plus 8 % for the approximation's bias — the superposed stream is slightly more
    // regular than Poisson (each client's period has a coefficient of variation of only 0.29), which can
    // only shorten the waits — and the allowance must stay well below the value it tests.
    let n = 2_000u64;
    for (rho, seed) in [(0.5, 21), (0.8, 22)] {
        let s_us = (rho * 1e6 / n as f64).round() as u64; // ρ = (N/T)·s with T = 1 s
        let p = params(|r| {
            r.n_clients = n;
            r.jitter = 1.0;
            r.message_rate = 0.0;
            r.n_workers = 1;
            r.service = SimDuration::from_micros(s_us);
            r.queue_limit = 10_000_000;
            r.seed = seed;
        });
        let s = s_us as f64 / 1e6;
        let arrival_rate = n as f64; // per second, T = 1 s
        let want_wait = rho * s / (2.0 * (1.0 - rho));
        assert!((md1_mean_wait_s(rho, s) - want_wait).abs() < 1e-15);
        let th = theory::predict(&p, Strategy::Polling);
        same("offered load", th.offered_load, rho);

        let mut world = World::new(&p, Strategy::Polling);
        // Warm-up: 5 T for the start-up wave to die out.
        let (batch_means, util) = sample_queue(&mut world, 5, 65, 60_000, 20, seed);
        assert_close(&format!("utilization at ρ = {rho}"), util, rho, 0.01 * rho);
        assert_eq!(world.totals().rejected, 0);
        let k = batch_means.len() as f64;
        let lq = batch_means.iter().sum::<f64>() / k;
        let sd = (batch_means.iter().map(|b| (b - lq).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
        let wait = lq / arrival_rate;
        let se = sd / k.sqrt() / arrival_rate;
        let tol = 4.0 * se + 0.08 * want_wait;
        assert!(
            tol < 0.25 * want_wait,
            "ρ = {rho}: the measurement is too noisy (tolerance {tol} s)"
        );
        println!(
            "ρ = {rho}: L_q = {lq:.4}, mean wait {:.1} µs (P-K {:.1} µs, se {:.1} µs)",
            wait * 1e6,
            want_wait * 1e6,
            se * 1e6
        );
        assert_close(
            &format!("mean queue wait (s) at ρ = {rho}"),
            wait,
            want_wait,
            tol,
        );
    }
}

#[test]
fn fixed_phases_repeat_every_period() {
    // MODEL.md: with fixed phases (no jitter) the arrival pattern repeats every T (N·D/D/1), so once the
    // first period is over, every second of a T = 1 s world sees exactly the same requests, the same busy
    // time and the same end-of-second queue.
    let p = params(|r| {
        r.n_clients = 2_000;
        r.message_rate = 0.0;
        r.n_workers = 1;
        r.service = SimDuration::from_micros(400);
        r.seed = 23;
    });
    let world = run(&p, Strategy::Polling, 12);
    let w = window(world.seconds(), 2, 12);
    for x in &w[1..] {
        assert_eq!(
            (x.requests, x.busy_us, x.queue_len),
            (w[0].requests, w[0].busy_us, w[0].queue_len),
            "second {}",
            x.second
        );
    }
}
