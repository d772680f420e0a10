//! A polling world advances in slices of time, one kind of event at a time (`world/polling.rs`), not
//! event by event like the other strategies. This holds the sliced loop to the event-by-event one on
//! random scenarios with live changes, restarts and random slicing: the outputs must be identical.
//!
//! With clients traced for the animated view, the flights in the air and the traced clients' states at
//! the end of every call must be the same too, as sets: the sliced loop records flights in another order.
//!
//! The two loops order events of one instant the same way when the network delay exceeds the service
//! time (arrivals before workers finishing, as scheduled) and messages come first; the scenarios keep
//! the delay above the service time so that every difference is a bug.

mod common;

use common::{
    advance_in_random_slices_looking, assert_same_output, assert_same_view, output, Gen, Slicing,
};
use pollstream_engine::{MessagePattern, Params, RawParams, SimDuration, SimTime, Strategy, World};

fn random_params(g: &mut Gen) -> RawParams {
    let service = g.log_range(10, 20_000);
    RawParams {
        n_clients: g.log_range(1, 3_000),
        poll_interval: SimDuration::from_micros(g.log_range(10_000, 2_000_000)),
        jitter: if g.chance(0.5) { 0.0 } else { g.unit() },
        sync_start: g.chance(0.2),
        pattern: if g.chance(0.3) {
            MessagePattern::Broadcast
        } else {
            MessagePattern::PerClient
        },
        message_rate: g.log_uniform(0.01, 20.0),
        latency: SimDuration::from_micros(service + 1 + g.log_range(1, 200_000)),
        n_workers: g.log_range(1, 20),
        service: SimDuration::from_micros(service),
        queue_limit: g.pick(&[0, 1, 5, 50, 10_000]),
        downtime: SimDuration::from_micros(g.log_range(1, 3_000_000)),
        seed: g.u64(),
        ..RawParams::default()
    }
}

/// A live change to one or two parameters, keeping the network delay above the service time.
fn random_change(g: &mut Gen, base: &RawParams) -> RawParams {
    let mut p = base.clone();
    for _ in 0..g.range(1, 3) {
        match g.range(0, 7) {
            0 => p.n_workers = g.log_range(1, 20),
            1 => p.service = SimDuration::from_micros(g.log_range(10, 20_000)),
            2 => p.n_clients = g.log_range(1, 3_000),
            3 => p.poll_interval = SimDuration::from_micros(g.log_range(10_000, 2_000_000)),
            4 => p.queue_limit = g.pick(&[0, 1, 5, 50, 10_000]),
            5 => p.message_rate = g.log_uniform(0.01, 20.0),
            _ => p.latency = SimDuration::from_micros(g.log_range(1, 200_000)),
        }
    }
    let min_latency = p.service.as_micros() + 1;
    if p.latency.as_micros() < min_latency {
        p.latency = SimDuration::from_micros(min_latency);
    }
    p
}

#[test]
fn the_sliced_polling_loop_matches_the_event_by_event_loop() {
    let (mut views, mut views_with_flights) = (0u64, 0u64);
    for case in 0..60u64 {
        let mut g = Gen::new(0x5_11ce + case);
        let raw = random_params(&mut g);
        let params = Params::try_from(raw.clone()).unwrap();
        let mut sliced = World::new(&params, Strategy::Polling);
        let mut reference = World::new(&params, Strategy::Polling);
        reference.advance_polling_event_by_event();
        // The app's 24, or many: 300 (every tenth client at 3,000, every client at 300 or fewer).
        let traced = g.pick(&[0, 24, 24, 300]);
        sliced.set_traced_clients(traced);
        reference.set_traced_clients(traced);

        let end_us = 12_000_000;
        let restart_at = g.range(0, end_us);
        sliced.schedule_restart(SimTime::from_micros(restart_at));
        reference.schedule_restart(SimTime::from_micros(restart_at));
        let mut changes: Vec<u64> = (0..g.range(0, 5)).map(|_| g.range(0, end_us)).collect();
        changes.sort();
        changes.push(end_us);

        let mut current = raw.clone();
        for (i, &at) in changes.iter().enumerate() {
            let until = SimTime::from_micros(at);
            let slicing = Slicing {
                max_step_us: 400_000,
                unbudgeted: 0.5,
                max_budget: 5_000,
            };
            advance_in_random_slices_looking(
                &mut sliced,
                until,
                &mut g,
                &slicing,
                |sliced, reached| {
                    // The reference is the same however it is sliced: take it to the same instant.
                    reference.run_until(sliced.now());
                    if traced > 0 {
                        let context = || {
                            format!(
                                "case {case} ({raw:?}), {traced} traced, at {:?}",
                                sliced.now()
                            )
                        };
                        views += 1;
                        views_with_flights +=
                            u64::from(assert_same_view(sliced, &reference, reached, context));
                    }
                },
            );
            let context = format!("case {case} ({raw:?}), stop {i} at {at} us");
            assert_same_output(&output(&sliced), &output(&reference), &context);
            sliced
                .audit()
                .check()
                .unwrap_or_else(|e| panic!("{context}: {e}"));
            if at < end_us {
                current = random_change(&mut g, &current);
                let p = Params::try_from(current.clone()).unwrap();
                sliced.set_params(&p);
                reference.set_params(&p);
            }
        }
    }
    // Most views must have had their flights compared, not left out for being too many.
    assert!(
        views_with_flights * 4 > views * 3,
        "flights compared at {views_with_flights} of {views} calls"
    );
}

/// With tens of thousands of clients the send queue spans several blocks, and the fast loop for simple
/// polls (`run_steady_polls`) stops at the end of each block and at each change: the outputs are still
/// the event-by-event loop's, through live changes of the rate, the interval, the client count and the
/// service time.
#[test]
fn the_sliced_loop_matches_the_event_by_event_loop_across_queue_blocks() {
    let base = RawParams {
        n_clients: 30_000,
        poll_interval: SimDuration::from_millis(300),
        message_rate: 0.4,
        latency: SimDuration::from_millis(20),
        n_workers: 64,
        service: SimDuration::from_micros(500),
        seed: 41,
        ..RawParams::default()
    };
    let changes = [
        RawParams {
            message_rate: 2.0,
            ..base.clone()
        },
        RawParams {
            poll_interval: SimDuration::from_millis(170),
            message_rate: 2.0,
            ..base.clone()
        },
        RawParams {
            n_clients: 41_000,
            poll_interval: SimDuration::from_millis(170),
            service: SimDuration::from_micros(300),
            ..base.clone()
        },
    ];
    let params = Params::try_from(base.clone()).unwrap();
    let mut sliced = World::new(&params, Strategy::Polling);
    let mut reference = World::new(&params, Strategy::Polling);
    reference.advance_polling_event_by_event();
    // The app's traced clients, whose polls leave the fast loop for the general code.
    sliced.set_traced_clients(24);
    reference.set_traced_clients(24);
    for (i, change) in changes.iter().enumerate() {
        let until = SimTime::from_micros(1_500_000 * (i as u64 + 1));
        reference.run_until(until);
        sliced.run_until(until);
        let context = format!("before change {i}");
        assert_same_output(&output(&sliced), &output(&reference), &context);
        assert!(assert_same_view(&sliced, &reference, true, || context.clone()));
        let p = Params::try_from(change.clone()).unwrap();
        sliced.set_params(&p);
        reference.set_params(&p);
    }
    let until = SimTime::from_secs(6);
    reference.run_until(until);
    sliced.run_until(until);
    assert_same_output(&output(&sliced), &output(&reference), "at the end");
    assert!(assert_same_view(&sliced, &reference, true, || "at the end".into()));
    sliced.audit().check().unwrap();
}

/// A budget bounds the work of one call even when every client sends at the same instant (a synchronized
/// start), so that a browser frame never waits on a burst: the sliced loop stops part-way through an
/// instant, as the event-by-event loop does. What cannot stop part-way is bounded by the server: at most
/// one finish per worker per instant, and as many responses arriving a network delay later.
#[test]
fn a_budget_bounds_each_call_through_bursts_of_requests() {
    for (n_workers, service_us) in [(8, 2_000), (100_000, 10)] {
        let params = Params::try_from(RawParams {
            n_clients: 200_000,
            sync_start: true,
            n_workers,
            service: SimDuration::from_micros(service_us),
            queue_limit: 1_000_000,
            ..RawParams::default()
        })
        .unwrap();
        let mut world = World::new(&params, Strategy::Polling);
        let budget = 5_000;
        let (mut calls, mut largest) = (0, 0);
        loop {
            let done = world.advance(SimTime::from_secs(3), budget);
            largest = largest.max(done.events);
            calls += 1;
            if done.reached {
                break;
            }
        }
        assert!(calls > 100, "the budget never bit ({calls} calls)");
        // Sending and arriving stop at half the budget; finishing, with its messages and responses,
        // takes at most the other half, plus one finish per worker and its response; a chunk of
        // clients joining counts 64 events and may end a call a little over its budget, as in the
        // event-by-event loop.
        let bound = budget + 2 * n_workers + 64;
        assert!(
            largest <= bound,
            "{n_workers} workers: one call did {largest} events for a budget of {budget}"
        );
        world.audit().check().unwrap();
    }
}
