//! A run is a pure function of (parameters, seed): the same output every time, however it is sliced into
//! calls, and — thanks to common random numbers — the same message stream and the same client phases in
//! the worlds of every strategy.

mod common;

use common::{assert_same_output, output, params, Gen, Output};
use pollstream_engine::{
    MessagePattern, Params, ReconnectPolicy, SimDuration, SimTime, Strategy, World,
};

const END_S: u64 = 20;

/// A busy little world: jitter, a restart with backoff, a queue that sometimes fills, heartbeats.
fn busy(strategy: Strategy, pattern: MessagePattern) -> Params {
    params(|r| {
        r.n_clients = 300;
        r.poll_interval = SimDuration::from_millis(500);
        r.jitter = 0.5;
        r.pattern = pattern;
        r.message_rate = if pattern == MessagePattern::Broadcast {
            3.0
        } else {
            0.5
        };
        r.n_workers = 2;
        r.service = SimDuration::from_micros(1_500);
        r.queue_limit = 20;
        r.hold_timeout = SimDuration::from_secs(3);
        r.heartbeat = SimDuration::from_secs(2);
        r.reconnect = if strategy == Strategy::LongPolling {
            ReconnectPolicy::Backoff
        } else {
            ReconnectPolicy::Fixed
        };
        r.downtime = SimDuration::from_secs(2);
        r.seed = 20_240_611;
    })
}

/// The live changes applied during a run: at 6 s, 150 more clients and a faster message rate; at 13 s,
/// down to 120 clients and one more worker. A restart is scheduled at 9.5 s.
fn changes(base: &Params) -> [(u64, Params); 2] {
    let mut a = base.to_raw();
    a.n_clients = 450;
    a.message_rate *= 2.0;
    let mut b = a.clone();
    b.n_clients = 120;
    b.n_workers = 3;
    [
        (6_000_000, Params::try_from(a).unwrap()),
        (13_000_000, Params::try_from(b).unwrap()),
    ]
}

const RESTART_US: u64 = 9_500_000;

/// How a run is cut into calls between two instants.
#[derive(Clone, Copy, Debug)]
enum Slicing {
    /// One `run_until`.
    Whole,
    /// `advance(until, budget)` until it reaches.
    Budget(u64),
    /// Many `until` steps of this many µs.
    Steps(u64),
    /// Random steps (1 µs to 300 ms) with random budgets, from this seed.
    Random(u64),
}

fn advance_to(world: &mut World, until: u64, slicing: Slicing, g: &mut Gen) {
    let until = SimTime::from_micros(until);
    match slicing {
        Slicing::Whole => world.run_until(until),
        Slicing::Budget(b) => {
            let mut calls = 0u64;
            while !world.advance(until, b).reached {
                calls += 1;
            }
            assert!(calls > 0 || b == u64::MAX, "the budget never bit");
        }
        Slicing::Steps(step) => {
            let mut t = world.now().as_micros();
            while t < until.as_micros() {
                t = (t + step).min(until.as_micros());
                world.run_until(SimTime::from_micros(t));
            }
        }
        Slicing::Random(_) => {
            while world.now() < until {
                let t = (world.now().as_micros() + g.log_range(1, 300_000)).min(until.as_micros());
                let budget = if g.chance(0.3) {
                    u64::MAX
                } else {
                    g.log_range(1, 2_000)
                };
                while !world.advance(SimTime::from_micros(t), budget).reached {}
            }
        }
    }
    assert_eq!(world.now(), until);
}

/// The run with its restart and live changes, cut as `slicing` says. With `restart_by_button` the restart
/// is `restart_server()` called on reaching its instant rather than scheduled from the start.
fn sliced_run(
    base: &Params,
    strategy: Strategy,
    slicing: Slicing,
    restart_by_button: bool,
) -> Output {
    let mut g = Gen::new(match slicing {
        Slicing::Random(seed) => seed,
        _ => 0,
    });
    let mut world = World::new(base, strategy);
    let mut stops: Vec<(u64, Option<Params>)> = changes(base)
        .into_iter()
        .map(|(t, p)| (t, Some(p)))
        .collect();
    if restart_by_button {
        stops.push((RESTART_US, None));
    } else {
        world.schedule_restart(SimTime::from_micros(RESTART_US));
    }
    stops.sort_by_key(|s| s.0);
    for (at, change) in stops {
        advance_to(&mut world, at, slicing, &mut g);
        match change {
            Some(p) => world.set_params(&p),
            None => world.restart_server(),
        }
    }
    advance_to(&mut world, END_S * 1_000_000, slicing, &mut g);
    assert_eq!(world.totals().restarts, 1);
    output(&world)
}

#[test]
fn same_parameters_and_seed_give_identical_output() {
    for strategy in Strategy::ALL {
        for pattern in [MessagePattern::PerClient, MessagePattern::Broadcast] {
            let p = busy(strategy, pattern);
            let first = sliced_run(&p, strategy, Slicing::Whole, false);
            let second = sliced_run(&p, strategy, Slicing::Whole, false);
            assert_same_output(
                &first,
                &second,
                &format!("{strategy} {pattern:?} run twice"),
            );

            // The comparison is not vacuous: another seed gives another run.
            let mut raw = p.to_raw();
            raw.seed += 1;
            let other = sliced_run(
                &Params::try_from(raw).unwrap(),
                strategy,
                Slicing::Whole,
                false,
            );
            assert_ne!(
                first.totals, other.totals,
                "{strategy} {pattern:?}: the seed changes nothing"
            );
        }
    }
}

#[test]
fn slicing_a_run_into_calls_changes_nothing() {
    let slicings = [
        Slicing::Budget(1),
        Slicing::Budget(7),
        Slicing::Budget(1_000),
        Slicing::Steps(1),
        Slicing::Steps(997),
        Slicing::Steps(250_000),
        Slicing::Random(1),
        Slicing::Random(2),
    ];
    for strategy in Strategy::ALL {
        for pattern in [MessagePattern::PerClient, MessagePattern::Broadcast] {
            let p = busy(strategy, pattern);
            let whole = sliced_run(&p, strategy, Slicing::Whole, false);
            for (i, &slicing) in slicings.iter().enumerate() {
                // Steps of 1 µs over 20 s would be 20 million calls: cut only the first phase that finely.
                if let Slicing::Steps(1) = slicing {
                    let mut a = World::new(&p, strategy);
                    let mut b = World::new(&p, strategy);
                    a.run_until(SimTime::from_micros(300_000));
                    for t in 1..=300_000 {
                        b.run_until(SimTime::from_micros(t));
                    }
                    assert_same_output(
                        &output(&a),
                        &output(&b),
                        &format!("{strategy} {pattern:?} 1 µs steps"),
                    );
                    continue;
                }
                // The restart button pressed on reaching the instant is the same as a scheduled restart.
                let button = i % 2 == 0;
                let got = sliced_run(&p, strategy, slicing, button);
                assert_same_output(
                    &whole,
                    &got,
                    &format!("{strategy} {pattern:?}: one call vs {slicing:?} (restart button: {button})"),
                );
            }
        }
    }
}

/// Runs the three strategies side by side with the same live changes (client count up and down, the rate
/// changed, a restart), as the app does.
fn side_by_side(base: &Params) -> Vec<Output> {
    Strategy::ALL
        .iter()
        .map(|&s| sliced_run(base, s, Slicing::Whole, false))
        .collect()
}

#[test]
fn every_strategy_sees_the_same_per_client_message_stream() {
    let base = busy(Strategy::Polling, MessagePattern::PerClient);
    let runs = side_by_side(&base);
    let created = |o: &Output| {
        o.seconds
            .iter()
            .map(|s| s.messages_created)
            .collect::<Vec<_>>()
    };
    assert!(created(&runs[0]).iter().sum::<u64>() > 1_000);
    for (strategy, run) in Strategy::ALL.iter().zip(&runs).skip(1) {
        assert_eq!(
            created(&runs[0]),
            created(run),
            "messages created per second differ between polling and {strategy}"
        );
        assert_eq!(run.totals.messages_created, runs[0].totals.messages_created);
        assert_eq!(
            run.totals.messages_created_distinct,
            runs[0].totals.messages_created_distinct
        );
    }
}

#[test]
fn every_strategy_sees_the_same_broadcast_stream() {
    let base = busy(Strategy::Polling, MessagePattern::Broadcast);
    let runs = side_by_side(&base);
    let created = |o: &Output| {
        o.seconds
            .iter()
            .map(|s| s.messages_created)
            .collect::<Vec<_>>()
    };
    let distinct = runs[0].totals.messages_created_distinct;
    // 3 messages/s, doubled at 6 s, over 20 s: about 100 distinct messages.
    assert!(distinct > 50, "{distinct}");
    assert!(
        runs[0].totals.messages_created > 100 * distinct,
        "N copies of each"
    );
    for (strategy, run) in Strategy::ALL.iter().zip(&runs).skip(1) {
        assert_eq!(
            run.totals.messages_created_distinct, distinct,
            "distinct broadcast messages differ between polling and {strategy}"
        );
        assert_eq!(
            created(&runs[0]),
            created(run),
            "copies per second differ for {strategy}"
        );
    }
}

#[test]
fn every_strategy_starts_its_clients_at_the_same_phases() {
    // T = 10 s and no messages: in the first T every client sends exactly one request (a poll, a
    // long-poll that is then held for 30 s, or a connect), at its phase, arriving d later. The phases are
    // drawn from their own stream, so the first requests per second are the same in every world.
    let p = params(|r| {
        r.n_clients = 500;
        r.poll_interval = SimDuration::from_secs(10);
        r.message_rate = 0.0;
        r.seed = 77;
    });
    let first = |s: Strategy| -> Vec<u64> {
        let mut w = World::new(&p, s);
        w.run_until(SimTime::from_secs(10));
        w.seconds().iter().map(|s| s.requests).collect()
    };
    let polling = first(Strategy::Polling);
    let arrived: u64 = polling.iter().sum();
    assert!(
        (490..=500).contains(&arrived),
        "{arrived} first requests arrived in the first T"
    );
    for s in [Strategy::LongPolling, Strategy::Streaming] {
        assert_eq!(
            polling,
            first(s),
            "first requests per second differ between polling and {s}"
        );
    }

    // Synchronized start: everyone at t = 0, arriving at d.
    let mut raw = p.to_raw();
    raw.sync_start = true;
    let sync = Params::try_from(raw).unwrap();
    for s in Strategy::ALL {
        let mut w = World::new(&sync, s);
        w.run_until(SimTime::from_secs(2));
        assert_eq!(w.seconds()[0].requests, 500, "{s}: synchronized start");
        assert_eq!(w.seconds()[1].requests, 0, "{s}: synchronized start");
    }
}

#[test]
fn series_limit_keeps_the_last_seconds_and_changes_no_total() {
    let p = busy(Strategy::Streaming, MessagePattern::PerClient);
    let mut full = World::new(&p, Strategy::Streaming);
    let mut limited = World::new(&p, Strategy::Streaming);
    limited.set_series_limit(Some(5));
    full.run_until(SimTime::from_secs(END_S));
    limited.run_until(SimTime::from_secs(END_S));
    assert_eq!(full.totals(), limited.totals());
    let tail = limited.seconds();
    assert!(tail.len() >= 5 && tail.len() <= 10, "{}", tail.len());
    assert_eq!(tail, &full.seconds()[full.seconds().len() - tail.len()..]);
}
