//! The simulation off the main thread: each world runs in a Web Worker of its own, the page only draws
//! (and keeps the worlds together: [`crate::app::host`]).
//!
//! The page and its workers run the same WebAssembly module. The page compiles it once and posts it to
//! each worker started from `pollstream-worker.js`; there `main` finds itself in a worker's scope and runs
//! [`run::start`] instead of the app. From then on the two talk in [`Command`]s (the page's state
//! changes: parameters, worlds, play/pause and speed, reset, restart, step) and [`Frame`]s (what the
//! page draws: the animated view each tick, and a panels' [`Snapshot`] a few times a second), as bytes
//! ([`wire`]) in transferred buffers. The page sends its first commands right after the module;
//! `pollstream-worker.js` keeps whatever arrives before the module has started and hands it on after.
//!
//! The worker paces itself with the same [`Driver`](crate::app::sim::Driver) the page used to run on
//! its animation frames: time keeps moving while the page is busy, and the page's frames cost only
//! the drawing. Where no worker can be had (an old browser, a policy that forbids it, the component
//! tests) the page runs the driver itself ([`crate::app::host`]).

pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod run;

use pollstream_engine::{Params, SimDuration, SimTime, Strategy};

use crate::animation::{AnimationFeed, WorldFeed};
use crate::app::palette;
use crate::app::snapshot::{Snapshot, SpeedReport, WorldSnapshot};
use crate::app::state::Speed;
use wire::{wire_struct, Reader, Wire, Writer};

/// What the page asks of the worker: the same calls the app makes on a local driver.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Start again from t = 0 with these worlds (the first command builds them).
    Reset {
        params: Params,
        strategies: Vec<Strategy>,
    },
    /// Play or pause, and the speed.
    Pace { playing: bool, speed: Speed },
    /// New parameters, applied without a reset at the next instant all worlds share.
    Params(Params),
    /// Switch worlds on or off.
    Strategies(Vec<Strategy>),
    /// Restart every world's server.
    Restart,
    /// Advance to the end of the current simulated second, even while paused.
    Step,
    /// Advance to this instant, even while paused (worlds there already stay): a step, with the
    /// instant the page chose for every world.
    StepTo(SimTime),
    /// Go no further than this instant until told otherwise: the page's hold on a worker that runs one
    /// world of several, so that the worlds stay side by side (see `app::host`).
    Horizon(SimTime),
}

/// What the worker tells the page after each tick: what the animated view draws, and a snapshot
/// when the panels should change.
#[derive(Default)]
pub struct Frame {
    pub feed: AnimationFeed,
    pub snapshot: Option<Snapshot>,
    /// Wall-clock milliseconds the worker spent advancing the worlds in this tick, and the events, for
    /// the page's timing report (`perf` builds).
    pub engine_ms: f64,
    pub events: u64,
}

impl Wire for Speed {
    fn put(&self, w: &mut Writer) {
        match self {
            Speed::Times(x) => x.put(w),
            // Not a speed a reader can pick: stands for "as fast as it goes".
            Speed::Max => (-1.0f64).put(w),
        }
    }
    fn get(r: &mut Reader) -> Self {
        let x = f64::get(r);
        if x == -1.0 {
            Speed::Max
        } else if x > 0.0 && x.is_finite() {
            Speed::Times(x)
        } else {
            r.fail();
            Speed::Max
        }
    }
}

impl Wire for Command {
    fn put(&self, w: &mut Writer) {
        match self {
            Command::Reset { params, strategies } => {
                0u8.put(w);
                params.put(w);
                strategies.put(w);
            }
            Command::Pace { playing, speed } => {
                1u8.put(w);
                playing.put(w);
                speed.put(w);
            }
            Command::Params(params) => {
                2u8.put(w);
                params.put(w);
            }
            Command::Strategies(strategies) => {
                3u8.put(w);
                strategies.put(w);
            }
            Command::Restart => 4u8.put(w),
            Command::Step => 5u8.put(w),
            Command::Horizon(t) => {
                6u8.put(w);
                t.put(w);
            }
            Command::StepTo(t) => {
                7u8.put(w);
                t.put(w);
            }
        }
    }
    fn get(r: &mut Reader) -> Self {
        match u8::get(r) {
            0 => Command::Reset {
                params: Wire::get(r),
                strategies: Wire::get(r),
            },
            1 => Command::Pace {
                playing: Wire::get(r),
                speed: Wire::get(r),
            },
            2 => Command::Params(Wire::get(r)),
            3 => Command::Strategies(Wire::get(r)),
            4 => Command::Restart,
            5 => Command::Step,
            6 => Command::Horizon(Wire::get(r)),
            7 => Command::StepTo(Wire::get(r)),
            _ => {
                r.fail();
                Command::Step
            }
        }
    }
}

wire_struct!(SpeedReport {
    playing,
    requested,
    achieved,
    memory_full,
});
wire_struct!(WorldSnapshot {
    strategy,
    seconds,
    totals,
    cdf,
    gauges,
});
wire_struct!(Snapshot {
    seq,
    now,
    params,
    worlds,
    speed,
});

impl Wire for WorldFeed {
    fn put(&self, w: &mut Writer) {
        self.strategy.put(w);
        self.now.put(w);
        self.n_clients.put(w);
        self.traced.put(w);
        self.flights.put(w);
        self.states.put(w);
        self.server_down.put(w);
        self.queue_len.put(w);
        self.busy_workers.put(w);
        self.workers.put(w);
        self.open_connections.put(w);
    }
    fn get(r: &mut Reader) -> Self {
        let strategy = Strategy::get(r);
        WorldFeed {
            strategy,
            now: Wire::get(r),
            color: palette::color(strategy),
            n_clients: Wire::get(r),
            traced: Wire::get(r),
            flights: Wire::get(r),
            states: Wire::get(r),
            server_down: Wire::get(r),
            queue_len: Wire::get(r),
            busy_workers: Wire::get(r),
            workers: Wire::get(r),
            open_connections: Wire::get(r),
        }
    }
}

impl Wire for AnimationFeed {
    fn put(&self, w: &mut Writer) {
        self.now.put(w);
        self.latency.put(w);
        self.worlds.put(w);
    }
    fn get(r: &mut Reader) -> Self {
        AnimationFeed {
            now: SimTime::get(r),
            latency: SimDuration::get(r),
            worlds: Wire::get(r),
        }
    }
}

wire_struct!(Frame {
    feed,
    snapshot,
    engine_ms,
    events,
});

#[cfg(test)]
mod tests {
    use super::wire::{decode, encode};
    use super::*;
    use crate::app::sim::{Driver, Sim};

    #[test]
    fn every_command_comes_back_as_it_was_sent() {
        let params = Params::default();
        let commands = [
            Command::Reset {
                params: params.clone(),
                strategies: Strategy::ALL.to_vec(),
            },
            Command::Pace {
                playing: true,
                speed: Speed::Times(0.25),
            },
            Command::Pace {
                playing: false,
                speed: Speed::Max,
            },
            Command::Params(params),
            Command::Strategies(vec![Strategy::Streaming]),
            Command::Restart,
            Command::Step,
            Command::Horizon(SimTime::from_secs(7)),
            Command::StepTo(SimTime::from_secs(3)),
        ];
        for command in commands {
            assert_eq!(decode::<Command>(&encode(&command)), Some(command));
        }
        assert_eq!(decode::<Command>(&encode(&8u8)), None);
    }

    #[test]
    fn a_frame_carries_the_worlds_snapshot_and_feed_whole() {
        let mut driver = Driver::new(
            Sim::new(&Params::default(), &Strategy::ALL),
            true,
            Speed::Max,
        );
        let mut t = 0.0;
        let mut clock = || {
            t += 0.01;
            t
        };
        let mut snapshot = None;
        for frame in 0..40 {
            snapshot = driver
                .tick(frame as f64 * 16.0, 8.0, &mut clock)
                .or(snapshot);
        }
        let mut feed = AnimationFeed::default();
        driver.sim.fill_feed(&mut feed);
        let snapshot = snapshot.expect("a snapshot");
        assert!(snapshot.worlds.iter().all(|w| !w.seconds.is_empty()));
        let frame = Frame {
            feed,
            snapshot: Some(snapshot.clone()),
            engine_ms: 1.5,
            events: 9,
        };
        let back = decode::<Frame>(&encode(&frame)).expect("a frame comes back");
        let back_snapshot = back.snapshot.expect("with its snapshot");
        assert_eq!(back_snapshot.seq, snapshot.seq);
        assert_eq!(back_snapshot.now, snapshot.now);
        assert_eq!(back_snapshot.params, snapshot.params);
        assert_eq!(back_snapshot.speed, snapshot.speed);
        assert_eq!(back_snapshot.worlds, snapshot.worlds);
        assert_eq!(back.feed.worlds.len(), 3);
        assert_eq!(
            back.feed.worlds[2].color,
            palette::color(Strategy::Streaming)
        );
        assert_eq!((back.engine_ms, back.events), (1.5, 9));
    }
}
