//! A long-polling world advances by a loop of its own (`world/long_polling.rs`), not by the general
//! event loop. This holds the two to each other on random scenarios with live changes, restarts and
//! random slicing into calls with random budgets: the outputs must be identical, whatever the network
//! delay, the service time and the hold timeout (the loop keeps the general loop's order of events,
//! so no scenario needs to avoid ties).

mod common;

use common::{advance_in_random_slices, assert_same_output, output, Gen, Slicing};
use pollstream_engine::{
    MessagePattern, Params, RawParams, ReconnectPolicy, SimDuration, SimTime, Strategy, World,
};

fn random_params(g: &mut Gen) -> RawParams {
    RawParams {
        n_clients: g.log_range(1, 3_000),
        poll_interval: SimDuration::from_micros(g.log_range(10_000, 2_000_000)),
        sync_start: g.chance(0.2),
        pattern: if g.chance(0.3) {
            MessagePattern::Broadcast
        } else {
            MessagePattern::PerClient
        },
        message_rate: g.log_uniform(0.01, 20.0),
        latency: SimDuration::from_micros(g.range(0, 1) * g.log_range(1, 200_000)),
        n_workers: g.log_range(1, 20),
        service: SimDuration::from_micros(g.log_range(10, 20_000)),
        queue_limit: g.pick(&[0, 1, 5, 50, 10_000]),
        hold_timeout: SimDuration::from_micros(g.log_range(1_000_000, 5_000_000)),
        reconnect: if g.chance(0.5) {
            ReconnectPolicy::Fixed
        } else {
            ReconnectPolicy::Backoff
        },
        downtime: SimDuration::from_micros(g.log_range(1, 3_000_000)),
        seed: g.u64(),
        ..RawParams::default()
    }
}

/// A live change to one or two parameters.
fn random_change(g: &mut Gen, base: &RawParams) -> RawParams {
    let mut p = base.clone();
    for _ in 0..g.range(1, 3) {
        match g.range(0, 8) {
            0 => p.n_workers = g.log_range(1, 20),
            1 => p.service = SimDuration::from_micros(g.log_range(10, 20_000)),
            2 => p.n_clients = g.log_range(1, 3_000),
            3 => p.hold_timeout = SimDuration::from_micros(g.log_range(1_000_000, 5_000_000)),
            4 => p.queue_limit = g.pick(&[0, 1, 5, 50, 10_000]),
            5 => p.message_rate = g.log_uniform(0.01, 20.0),
            6 => {
                p.pattern = match p.pattern {
                    MessagePattern::Broadcast => MessagePattern::PerClient,
                    MessagePattern::PerClient => MessagePattern::Broadcast,
                }
            }
            _ => p.latency = SimDuration::from_micros(g.log_range(1, 200_000)),
        }
    }
    p
}

/// Runs `reference` (the general loop) and `fast` (the long-polling loop) to `end_us` with a restart
/// and live changes, the fast one in random slices under random budgets, comparing their outputs and
/// checking the fast one's books at every change.
fn compare(g: &mut Gen, raw: &RawParams, end_us: u64, context: &str) {
    let params = Params::try_from(raw.clone()).unwrap();
    let mut fast = World::new(&params, Strategy::LongPolling);
    let mut reference = World::new(&params, Strategy::LongPolling);
    reference.advance_long_polling_event_by_event();

    let restart_at = g.range(0, end_us);
    fast.schedule_restart(SimTime::from_micros(restart_at));
    reference.schedule_restart(SimTime::from_micros(restart_at));
    let mut changes: Vec<u64> = (0..g.range(0, 5)).map(|_| g.range(0, end_us)).collect();
    changes.sort();
    changes.push(end_us);

    let mut current = raw.clone();
    for (i, &at) in changes.iter().enumerate() {
        let until = SimTime::from_micros(at);
        reference.run_until(until);
        let slicing = Slicing {
            max_step_us: 400_000,
            unbudgeted: 0.5,
            max_budget: 5_000,
        };
        advance_in_random_slices(&mut fast, until, g, &slicing);
        let context = format!("{context}, stop {i} at {at} us");
        assert_same_output(&output(&fast), &output(&reference), &context);
        fast.audit()
            .check()
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        if at < end_us {
            current = random_change(g, &current);
            let p = Params::try_from(current.clone()).unwrap();
            fast.set_params(&p);
            reference.set_params(&p);
        }
    }
}

#[test]
fn the_long_polling_loop_matches_the_event_by_event_loop() {
    for case in 0..60u64 {
        let mut g = Gen::new(0x0010_9011 + case);
        let raw = random_params(&mut g);
        compare(&mut g, &raw, 12_000_000, &format!("case {case} ({raw:?})"));
    }
}

/// With tens of thousands of clients the queues span several blocks and the hold links several of
/// theirs; the server is busy enough that requests wait and some are rejected.
#[test]
fn the_long_polling_loop_matches_the_event_by_event_loop_with_many_clients() {
    for case in 0..3u64 {
        let mut g = Gen::new(0x0109_b10c + case);
        let raw = RawParams {
            n_clients: g.range(30_000, 80_000),
            poll_interval: SimDuration::from_millis(500),
            message_rate: g.log_uniform(0.1, 3.0),
            latency: SimDuration::from_millis(g.range(1, 60)),
            n_workers: g.pick(&[4, 64, 4_000]),
            service: SimDuration::from_micros(g.log_range(100, 2_000)),
            queue_limit: g.pick(&[100, 10_000]),
            hold_timeout: SimDuration::from_secs(g.range(1, 4)),
            seed: g.u64(),
            ..RawParams::default()
        };
        compare(
            &mut g,
            &raw,
            6_000_000,
            &format!("large case {case} ({raw:?})"),
        );
    }
}
