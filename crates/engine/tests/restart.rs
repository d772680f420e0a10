//! Server restarts: the reconnect storm of the fixed policy, the spreading of backoff with full jitter,
//! pollers that keep their schedule, and messages that survive the outage.

mod common;

use common::{params, window, Gen};
use pollstream_engine::{
    Params, ReconnectPolicy, SecondStats, SimDuration, SimTime, Strategy, World,
};

const N: u64 = 1_000;
const RESTART_S: u64 = 10;

fn streaming(policy: ReconnectPolicy, downtime_s: u64, seed: u64) -> Params {
    params(|r| {
        r.n_clients = N;
        r.message_rate = 0.2;
        r.reconnect = policy;
        r.downtime = SimDuration::from_secs(downtime_s);
        r.seed = seed;
    })
}

/// Runs to the restart instant, checks everyone is connected, presses the restart button, runs on.
fn restarted(p: &Params, strategy: Strategy, end_s: u64) -> World {
    let mut world = World::new(p, strategy);
    world.run_until(SimTime::from_secs(RESTART_S));
    if strategy == Strategy::Streaming {
        assert_eq!(
            world.gauges().open_connections,
            N,
            "everyone connected before the restart"
        );
    }
    world.restart_server();
    world.run_until(SimTime::from_secs(end_s));
    world.audit().check().unwrap();
    world
}

/// Requests per second from the restart on.
fn after_restart(world: &World) -> Vec<SecondStats> {
    window(world.seconds(), RESTART_S, u64::MAX)
}

/// Connections opened in each second from the restart on: the rise of the end-of-second count (nothing
/// closes after the restart's drop, which happens at its first instant).
fn opened_per_second(world: &World) -> Vec<u64> {
    let s = after_restart(world);
    let mut prev = 0;
    s.iter()
        .map(|x| {
            let opened = x.open_connections.saturating_sub(prev);
            prev = x.open_connections;
            opened
        })
        .collect()
}

#[test]
fn fixed_policy_brings_every_streamer_back_in_the_same_second() {
    // Downtime 2 s: the whole crowd learns of the drop at R + d, waits the same 3 s and arrives at
    // R + 3 s + 2d, when the server is up again: one wave, in one second.
    let world = restarted(
        &streaming(ReconnectPolicy::Fixed, 2, 31),
        Strategy::Streaming,
        25,
    );
    let s = after_restart(&world);
    let reconnects: u64 = s.iter().map(|x| x.requests).sum();
    assert_eq!(reconnects, N, "one attempt per client, all accepted: {s:?}");
    let peak = s.iter().map(|x| x.requests).max().unwrap();
    assert!(
        peak as f64 >= 0.95 * reconnects as f64,
        "the peak second holds only {peak} of {reconnects} reconnects"
    );
    let peak_second = s.iter().find(|x| x.requests == peak).unwrap().second;
    assert_eq!(peak_second, RESTART_S + 3, "3 s after the restart (+ 2d)");
    let opened = opened_per_second(&world);
    assert!(
        *opened.iter().max().unwrap() as f64 >= 0.95 * N as f64,
        "{opened:?}"
    );
    assert_eq!(world.gauges().open_connections, N);
    // A storm: the whole crowd queues at once in front of 8 workers.
    assert!(
        world.totals().max_queue >= N - 8 - 1,
        "max queue {}",
        world.totals().max_queue
    );

    // The default 5 s downtime: the first wave (R + 3.1 s) is refused, the second (R + 6.2 s) accepted;
    // each wave still falls in one second.
    let world = restarted(
        &streaming(ReconnectPolicy::Fixed, 5, 32),
        Strategy::Streaming,
        25,
    );
    let s = after_restart(&world);
    let waves: Vec<&SecondStats> = s.iter().filter(|x| x.requests > 0).collect();
    assert_eq!(waves.len(), 2, "two waves: {s:?}");
    for wave in &waves {
        assert_eq!(wave.requests, N, "second {}", wave.second);
    }
    assert_eq!(
        waves[0].rejected, N,
        "the first wave is refused while the server is down"
    );
    assert_eq!(waves[1].rejected, 0);
    assert_eq!(world.totals().refused_while_down, N);
}

/// One client's reconnect attempts after the drop, by MODEL.md's law, independently of the engine:
/// the client learns of the drop at R + d; attempt k waits uniform in [0, min(30 s, 1 s·2^k)] (whole
/// µs, both ends), arrives d later, and is refused if the server is still down (learned d later).
/// Returns the arrival instants (µs after R) and the index of the accepted one (the last).
fn attempts(g: &mut Gen, d: u64, downtime: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut t = d;
    for k in 0u32.. {
        let ceiling = (1_000_000u64 << k.min(20)).min(30_000_000);
        let arrive = t + g.range(0, ceiling) + d;
        out.push(arrive);
        if arrive >= downtime {
            return out;
        }
        t = arrive + d;
    }
    unreachable!()
}

#[test]
fn backoff_with_full_jitter_spreads_the_reconnects() {
    let (d, downtime) = (50_000u64, 5_000_000u64);
    let world = restarted(
        &streaming(ReconnectPolicy::Backoff, 5, 33),
        Strategy::Streaming,
        50,
    );
    assert_eq!(
        world.gauges().open_connections,
        N,
        "everyone is back after 40 s"
    );
    let s = after_restart(&world);

    // The bound. Attempts 0 and 1 cannot succeed: they arrive by R + 2d + 1 s and R + 4d + 3 s, while the
    // server is down until R + 5 s. Attempt k ≥ 2 lands anywhere with a density of at most 1/ceiling_k
    // (uniform over its ceiling, whatever happened before), so the chance that a client's successful
    // reconnect falls in a given one-second window is at most Σ 1/ceiling_k over k ≥ 2: 1/4 + 1/8 + 1/16
    // + 1/30 + 1/30 + … where the terms from k = 5 on also need the attempt to happen at all; attempt 6
    // needs attempts 2..5 all refused, which needs the first five delays to sum below 5 s − 11d. So the
    // expected share of the peak second is at most ≈ 1/2, while the fixed policy puts ≥ 95 % in one
    // second. Sampling: the share of N independent clients has standard error ≤ √(0.25/N) ≈ 1.6 %.
    let opened = opened_per_second(&world);
    let peak = *opened.iter().max().unwrap() as f64 / N as f64;
    assert!(
        peak <= 0.5 + 4.0 * (0.25 / N as f64).sqrt(),
        "peak second holds {peak} of the reconnects: {opened:?}"
    );

    // The whole shape, against the law simulated independently above (200,000 simulated clients): the
    // requests (every attempt, refused ones included) of each second after the restart. Per second, the
    // engine's count is a sum over N independent clients, so its standard deviation is √(N·Var(X_j)) with
    // X_j a client's attempts in second j, estimated with the simulation; 4 of those, plus the simulation's
    // own error and one for rounding.
    const M: usize = 200_000;
    let seconds = s.len();
    let mut sum = vec![0f64; seconds];
    let mut sum2 = vec![0f64; seconds];
    let mut g = Gen::new(3);
    for _ in 0..M {
        let mut per = vec![0u32; seconds];
        for at in attempts(&mut g, d, downtime) {
            // The restart happens at R = 10 s exactly, so second j after it is [R + j, R + j + 1).
            if let Some(c) = per.get_mut((at / 1_000_000) as usize) {
                *c += 1;
            }
        }
        for (j, &c) in per.iter().enumerate() {
            sum[j] += c as f64;
            sum2[j] += (c * c) as f64;
        }
    }
    for (j, x) in s.iter().enumerate() {
        let mean = sum[j] / M as f64;
        let var = sum2[j] / M as f64 - mean * mean;
        let want = N as f64 * mean;
        let tol = 4.0 * (N as f64 * var).sqrt() + 4.0 * N as f64 * (var / M as f64).sqrt() + 1.0;
        assert!(
            (x.requests as f64 - want).abs() <= tol,
            "second {} after the restart: {} attempts, the uniform [0, 2^k s] law expects {want:.1} ± {tol:.1}",
            j,
            x.requests
        );
    }
    // The attempts refused while the server was down are all the attempts but the N accepted ones.
    let attempts_total: u64 = s.iter().map(|x| x.requests).sum();
    assert_eq!(world.totals().refused_while_down, attempts_total - N);
}

#[test]
fn pollers_keep_their_schedule_through_a_restart() {
    // T = 1 s, no jitter: every second holds exactly one poll per client, refused or not. The server is
    // down for [10 s, 13 s): those polls are refused and cost no bytes; before and after, none is.
    let p = params(|r| {
        r.n_clients = 500;
        r.message_rate = 0.5;
        r.downtime = SimDuration::from_secs(3);
        r.seed = 34;
    });
    let mut world = World::new(&p, Strategy::Polling);
    world.run_until(SimTime::from_secs(RESTART_S));
    let at_restart = world.audit();
    world.restart_server();
    world.run_until(SimTime::from_secs(20));
    world.audit().check().unwrap();
    let totals = world.totals();
    assert_eq!(
        totals.dropped_by_restart,
        at_restart.requests_queued + at_restart.requests_in_service,
        "the restart drops what was queued or in service"
    );
    for x in window(world.seconds(), 1, 20) {
        assert_eq!(x.requests, 500, "second {}", x.second);
        let down = (10..13).contains(&x.second);
        assert_eq!(
            x.rejected,
            if down { 500 } else { 0 },
            "second {}",
            x.second
        );
        if down {
            assert_eq!(
                (x.bytes_in, x.bytes_out, x.answered),
                (0, 0, 0),
                "second {}",
                x.second
            );
        }
    }
    // Messages created during the outage wait for the first poll after it: nothing is lost. At the end of
    // the outage about N·λ·3 s = 750 wait (plus those of the last period before it); a second later, the
    // polls of [13 s, 14 s) have carried them all.
    let s13 = &world.seconds()[13];
    assert!(
        s13.latency.max >= 3_000_000,
        "a message waited out the outage: {:?}",
        s13.latency
    );
    assert!(
        world.seconds()[12].messages_pending > 700,
        "{:?}",
        world.seconds()[12]
    );
    assert!(
        world.seconds()[14].messages_pending < 500,
        "{:?}",
        world.seconds()[14]
    );
}

#[test]
fn streamed_messages_survive_the_outage() {
    // Messages created while the streamers are away wait in their backlogs and are pushed, in order, when
    // each connection opens again: nothing is lost, and the oldest waited out the whole outage.
    let world = restarted(
        &streaming(ReconnectPolicy::Fixed, 2, 35),
        Strategy::Streaming,
        25,
    );
    let s = world.seconds();
    // Pending grows during the 3.1 s away (N·λ·3 s ≈ 600), then falls back to what is in flight.
    assert!(s[12].messages_pending > 400, "{:?}", s[12]);
    assert!(s[15].messages_pending < 100, "{:?}", s[15]);
    assert!(s[13].latency.max >= 3_000_000, "{:?}", s[13].latency);
    let t = world.totals();
    assert_eq!(
        t.messages_created,
        t.messages_delivered + t.messages_pending()
    );
    assert_eq!(t.messages_abandoned, 0);
}

#[test]
fn long_pollers_are_dropped_and_come_back_in_one_wave() {
    // No messages: every long-poll is held for 30 s, so at the restart the server holds N requests. All
    // are dropped, and with the fixed 3 s policy all come back at R + 3 s + 2d.
    let p = params(|r| {
        r.n_clients = N;
        r.message_rate = 0.0;
        r.downtime = SimDuration::from_secs(1);
        r.seed = 36;
    });
    let mut world = World::new(&p, Strategy::LongPolling);
    world.run_until(SimTime::from_secs(RESTART_S));
    assert_eq!(world.gauges().held_requests, N);
    world.restart_server();
    world.run_until(SimTime::from_secs(20));
    world.audit().check().unwrap();
    assert_eq!(world.totals().dropped_by_restart, N);
    let s = after_restart(&world);
    assert_eq!(s[3].requests, N, "{s:?}");
    assert_eq!(s.iter().map(|x| x.requests).sum::<u64>(), N);
    assert_eq!(world.gauges().held_requests, N);
}
