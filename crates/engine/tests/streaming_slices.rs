//! A streaming world takes runs of its own kinds of events in loops of its own, pushes and heartbeats
//! as whole lives once every client is connected (`world/streaming.rs`), not only through the general
//! event loop. This holds it to the general loop alone on random scenarios
//! with live changes (heartbeats on and off, workers, service times, clients, rates, the pattern),
//! restarts under both reconnect policies and random slicing into calls with random budgets: the
//! outputs must be identical.

mod common;

use common::{
    advance_in_random_slices_looking, assert_same_output, assert_same_view, output, Gen, Slicing,
};
use pollstream_engine::{
    MessagePattern, Params, RawParams, ReconnectPolicy, SimDuration, SimTime, Strategy, World,
};

fn random_heartbeat(g: &mut Gen) -> SimDuration {
    if g.chance(0.25) {
        SimDuration::ZERO
    } else {
        SimDuration::from_micros(g.log_range(1_000, 3_000_000))
    }
}

fn random_pattern(g: &mut Gen) -> MessagePattern {
    if g.chance(0.2) {
        MessagePattern::Broadcast
    } else {
        MessagePattern::PerClient
    }
}

fn random_params(g: &mut Gen, most_clients: u64) -> RawParams {
    RawParams {
        n_clients: g.log_range(1, most_clients),
        poll_interval: SimDuration::from_micros(g.log_range(10_000, 2_000_000)),
        sync_start: g.chance(0.2),
        pattern: random_pattern(g),
        message_rate: g.log_uniform(0.01, 20.0),
        latency: SimDuration::from_micros(g.log_range(1, 200_000)),
        n_workers: g.log_range(1, 200),
        service: SimDuration::from_micros(g.log_range(10, 20_000)),
        push_service: SimDuration::from_micros(g.log_range(1, 5_000)),
        queue_limit: g.pick(&[0, 1, 5, 50, 10_000]),
        heartbeat: random_heartbeat(g),
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
fn random_change(g: &mut Gen, base: &RawParams, most_clients: u64) -> RawParams {
    let mut p = base.clone();
    for _ in 0..g.range(1, 3) {
        match g.range(0, 8) {
            0 => p.n_workers = g.log_range(1, 200),
            1 => p.push_service = SimDuration::from_micros(g.log_range(1, 5_000)),
            2 => p.n_clients = g.log_range(1, most_clients),
            3 => p.heartbeat = random_heartbeat(g),
            4 => p.message_rate = g.log_uniform(0.01, 20.0),
            5 => p.pattern = random_pattern(g),
            6 => p.service = SimDuration::from_micros(g.log_range(10, 20_000)),
            7 => p.queue_limit = g.pick(&[0, 1, 5, 50, 10_000]),
            _ => p.latency = SimDuration::from_micros(g.log_range(1, 200_000)),
        }
    }
    p
}

/// Runs one random scenario both ways and compares them at every stop and, given `views`, their
/// views (with clients traced) at the end of every step, counting in `views.0` the steps and in
/// `views.1` those whose flights could be compared.
fn compare_on_random_scenario(
    seed: u64,
    most_clients: u64,
    end_us: u64,
    mut views: Option<(&mut u64, &mut u64)>,
) {
    let mut g = Gen::new(seed);
    let raw = random_params(&mut g, most_clients);
    let params = Params::try_from(raw.clone()).unwrap();
    let mut fast = World::new(&params, Strategy::Streaming);
    let mut reference = World::new(&params, Strategy::Streaming);
    reference.advance_streaming_event_by_event();
    // Clients traced for the animated view, as the app always has (24), or many, where the views are
    // compared; drawn apart, so that the scenarios are the same either way.
    let traced = match views {
        Some(_) => Gen::new(seed ^ 0x7ace).pick(&[0, 24, 24, 300]),
        None => 0,
    };
    fast.set_traced_clients(traced);
    reference.set_traced_clients(traced);

    for _ in 0..g.range(0, 2) {
        let restart_at = SimTime::from_micros(g.range(0, end_us));
        fast.schedule_restart(restart_at);
        reference.schedule_restart(restart_at);
    }
    let mut changes: Vec<u64> = (0..g.range(0, 5)).map(|_| g.range(0, end_us)).collect();
    changes.sort();
    changes.push(end_us);

    let mut current = raw.clone();
    for (i, &at) in changes.iter().enumerate() {
        let until = SimTime::from_micros(at);
        // The views are compared at the end of each step (after every call, that took minutes in a
        // debug build).
        let slicing = Slicing {
            max_step_us: 2_000_000,
            unbudgeted: 0.3,
            max_budget: 20_000,
        };
        advance_in_random_slices_looking(&mut fast, until, &mut g, &slicing, |fast, reached| {
            let compare = reached && traced > 0;
            if let Some((views, views_with_flights)) = views.as_mut().filter(|_| compare) {
                reference.run_until(fast.now());
                let context = || {
                    format!(
                        "seed {seed:#x} ({raw:?}), {traced} traced, at {:?}",
                        fast.now()
                    )
                };
                **views += 1;
                **views_with_flights +=
                    u64::from(assert_same_view(fast, &reference, reached, context));
            }
        });
        reference.run_until(until);
        let context = format!("seed {seed:#x} ({raw:?}), stop {i} at {at} us");
        assert_same_output(&output(&fast), &output(&reference), &context);
        fast.audit()
            .check()
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        if at < end_us {
            current = random_change(&mut g, &current, most_clients);
            let p = Params::try_from(current.clone()).unwrap();
            fast.set_params(&p);
            reference.set_params(&p);
        }
    }
}

#[test]
fn the_streaming_loops_match_the_general_loop() {
    let (mut views, mut views_with_flights) = (0, 0);
    for case in 0..80u64 {
        let counts = (&mut views, &mut views_with_flights);
        compare_on_random_scenario(0x57_2ea3 + case, 3_000, 12_000_000, Some(counts));
    }
    // Most views must have had their flights compared, not left out for being too many.
    assert!(
        views_with_flights * 4 > views * 3,
        "flights compared at {views_with_flights} of {views} steps"
    );
}

/// With thousands of clients the queues span several blocks, and every second has pushes and
/// heartbeats in flight across the calls' ends. (Clients are traced and views compared on the small
/// scenarios only.)
#[test]
fn the_streaming_loops_match_the_general_loop_with_many_clients() {
    for case in 0..6u64 {
        compare_on_random_scenario(0xb10c_0000 + case, 40_000, 8_000_000, None);
    }
}

/// A budget bounds the work of one call in every phase of a streaming world: the first connects (all at
/// one instant with a synchronized start), the pushes of open connections taken as whole lives, and the
/// heartbeats of every connection at once.
#[test]
fn a_budget_bounds_each_call() {
    let params = Params::try_from(RawParams {
        n_clients: 200_000,
        sync_start: true,
        message_rate: 2.0,
        n_workers: 4_000,
        queue_limit: 1_000_000,
        heartbeat: SimDuration::from_secs(2),
        ..RawParams::default()
    })
    .unwrap();
    let mut world = World::new(&params, Strategy::Streaming);
    let budget = 5_000;
    let (mut calls, mut largest) = (0, 0);
    loop {
        let done = world.advance(SimTime::from_secs(5), budget);
        largest = largest.max(done.events);
        calls += 1;
        if done.reached {
            break;
        }
    }
    assert!(calls > 100, "the budget never bit ({calls} calls)");
    // A chunk of a task counts 64 events and may end a call a little over its budget; a run of whole
    // lives stops before the start that would take it past its budget.
    assert!(
        largest <= budget + 64,
        "one call did {largest} events for a budget of {budget}"
    );
    assert_eq!(world.totals().heartbeats, 400_000);
    world.audit().check().unwrap();
}
