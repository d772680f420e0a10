//! Where one app's simulation runs: each world in a Web Worker of its own when the browser gives them
//! (see [`crate::worker`]), else all on this thread, as before the workers existed.
//!
//! [`SimHost`] takes the same calls either way (the app's effects forward state changes to it) and
//! gives, once per animation frame, what the animated view draws and a snapshot for the panels when
//! there is a new one. With workers, the page's frames cost only the drawing: the worlds advance in
//! the workers' own ticks, and a page busy for up to a quarter of a second finds them where real time
//! has taken them (longer, and they wait for it: see `remote`).

use pollstream_engine::{Params, Strategy};

use super::sim::{Driver, Sim};
use super::snapshot::Snapshot;
use super::state::Speed;
use super::FRAME_BUDGET_MS;
use crate::animation::AnimationFeed;
use crate::worker::Command;

/// The simulation of one app, wherever it runs.
pub struct SimHost {
    inner: Inner,
    /// What the app last asked for, to start a local driver from if the worker fails to start.
    wanted: Wanted,
}

struct Wanted {
    params: Params,
    strategies: Vec<Strategy>,
    playing: bool,
    speed: Speed,
}

enum Inner {
    Local(Box<Driver>),
    // The component tests run the simulation on the page: they check the app, not the worker.
    #[cfg(target_arch = "wasm32")]
    #[cfg_attr(test, allow(dead_code))]
    Remote(remote::Remote),
}

/// Where the simulation runs, as the app's root element says in `data-engine`.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // no worker off wasm32
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Worker,
    Page,
}

impl Place {
    pub fn name(self) -> &'static str {
        match self {
            Place::Worker => "worker",
            Place::Page => "page",
        }
    }
}

impl SimHost {
    /// Worlds of `strategies` at t = 0, in a worker if one starts, else on this thread.
    pub fn new(params: &Params, strategies: &[Strategy], playing: bool, speed: Speed) -> SimHost {
        let wanted = Wanted {
            params: params.clone(),
            strategies: strategies.to_vec(),
            playing,
            speed,
        };
        #[cfg(all(target_arch = "wasm32", not(test)))]
        if let Some(remote) = remote::Remote::start(&wanted) {
            return SimHost {
                inner: Inner::Remote(remote),
                wanted,
            };
        }
        SimHost {
            inner: Inner::Local(Box::new(local_driver(&wanted))),
            wanted,
        }
    }

    /// Where the simulation runs now.
    pub fn place(&self) -> Place {
        match self.inner {
            Inner::Local(_) => Place::Page,
            #[cfg(target_arch = "wasm32")]
            Inner::Remote(_) => Place::Worker,
        }
    }

    /// Play or pause, and the speed.
    pub fn set_pace(&mut self, playing: bool, speed: Speed) {
        (self.wanted.playing, self.wanted.speed) = (playing, speed);
        self.command(Command::Pace { playing, speed });
    }

    /// New parameters, applied without a reset.
    pub fn set_params(&mut self, params: &Params) {
        self.wanted.params = params.clone();
        self.command(Command::Params(params.clone()));
    }

    /// Switch worlds on or off.
    pub fn set_strategies(&mut self, strategies: &[Strategy]) {
        self.wanted.strategies = strategies.to_vec();
        self.command(Command::Strategies(strategies.to_vec()));
    }

    /// Start again from t = 0.
    pub fn reset(&mut self, params: &Params, strategies: &[Strategy]) {
        self.wanted.params = params.clone();
        self.wanted.strategies = strategies.to_vec();
        self.command(Command::Reset {
            params: params.clone(),
            strategies: strategies.to_vec(),
        });
    }

    /// Restart every world's server.
    pub fn restart_server(&mut self) {
        self.command(Command::Restart);
    }

    /// Advance to the end of the current simulated second, even while paused.
    pub fn step(&mut self) {
        self.command(Command::Step);
    }

    fn command(&mut self, command: Command) {
        match &mut self.inner {
            Inner::Local(driver) => apply_locally(driver, command),
            #[cfg(target_arch = "wasm32")]
            Inner::Remote(remote) => remote.send(&command, &self.wanted),
        }
    }

    /// One animation frame at `timestamp_ms`: brings `feed` up to date for the animated view and
    /// returns a snapshot for the panels when there is a new one.
    pub fn frame(&mut self, timestamp_ms: f64, feed: &mut AnimationFeed) -> Option<Snapshot> {
        #[cfg(target_arch = "wasm32")]
        if let Inner::Remote(remote) = &mut self.inner {
            if !remote.failed() {
                return remote.frame(self.wanted.playing, self.wanted.speed, feed);
            }
            // The worker could not start (a policy, a browser without module workers) or stopped: run
            // here, from t = 0 with what the app asked for last.
            self.inner = Inner::Local(Box::new(local_driver(&self.wanted)));
        }
        match &mut self.inner {
            Inner::Local(driver) => {
                let snapshot = driver.tick(timestamp_ms, FRAME_BUDGET_MS, &mut super::web::now_ms);
                driver.sim.fill_feed(feed);
                snapshot
            }
            #[cfg(target_arch = "wasm32")]
            Inner::Remote(_) => None,
        }
    }
}

fn local_driver(wanted: &Wanted) -> Driver {
    Driver::new(
        Sim::new(&wanted.params, &wanted.strategies),
        wanted.playing,
        wanted.speed,
    )
}

fn apply_locally(driver: &mut Driver, command: Command) {
    match command {
        Command::Reset { params, strategies } => {
            driver.sim.reset(&params, &strategies);
            driver.touch();
        }
        Command::Pace { playing, speed } => driver.set_pace(playing, speed),
        Command::Params(params) => driver.sim.set_params(&params),
        Command::Strategies(strategies) => driver.sim.set_strategies(&strategies),
        Command::Restart => driver.sim.restart_server(),
        Command::Step => driver.sim.step(),
        Command::StepTo(t) => driver.sim.step_to(t),
        Command::Horizon(t) => driver.sim.set_horizon(t),
    }
}

#[cfg(target_arch = "wasm32")]
#[cfg_attr(test, allow(dead_code))]
mod remote {
    //! One worker per world. A worker's core is what bounds how many clients keep 1× real time: with
    //! one worker for all three worlds that was about 2.2 million clients in Chromium, with a worker
    //! per world about 6 million (README, "In Chromium"), and each world alone runs to 8.5 million
    //! or more.
    //!
    //! Worlds in different workers no longer advance in lockstep; the page keeps them together
    //! instead. New workers are held at t = 0 until each has reported, so that the worlds start
    //! together; from then on each runs on wall-clock time, and the page holds every worker at a
    //! horizon ahead of the world furthest behind ([`Command::Horizon`]: a quarter of a wall-clock
    //! second of simulated time, so that a page busy for that long stalls nothing; ten simulated
    //! seconds as fast as it goes; none while paused, when the worlds move only by steps, all to
    //! the same instant: [`Command::StepTo`]). A world
    //! that cannot keep up therefore holds the others back, and the speed shown is the slowest's.
    //! The page sends each command to every worker at once, and a change lands in each world at the
    //! first instant its worker reaches after it: the worlds are usually within a tick or two of
    //! one another (16–32 ms of simulated time at 1×), at most a horizon's lead apart. The animated
    //! view draws each world at its own instant, and the panels get a snapshot of all worlds once
    //! each worker has sent a new one (about every
    //! [`PUBLISH_EVERY_MS`](crate::app::sim::PUBLISH_EVERY_MS) while its time moves), or, while
    //! paused, as soon as any has (only the worlds that move send one then).

    use std::cell::RefCell;
    use std::rc::Rc;

    use js_sys::{Object, Reflect, Uint8Array};
    use pollstream_engine::{SimDuration, SimTime, Strategy};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

    use super::Wanted;
    use crate::animation::AnimationFeed;
    use crate::app::perf::{self, Span};
    use crate::app::sim::Sim;
    use crate::app::snapshot::Snapshot;
    use crate::app::state::Speed;
    use crate::worker::wire::{decode, encode};
    use crate::worker::{Command, Frame};

    /// What a worker has said and the page has not used yet.
    #[derive(Default)]
    struct Inbox {
        /// The worker failed: it could not start, or it stopped (a panic ends a worker's wasm).
        failed: bool,
        /// The last message, as sent, and the last that carried a snapshot. The page decodes them
        /// again when it shows the worlds together, which spares it copying what it keeps of each.
        feed: Option<Vec<u8>>,
        snapshot: Option<Vec<u8>>,
        engine_ms: f64,
        events: u64,
    }

    /// The worker of one world, and the last of what it sent.
    struct Shard {
        strategy: Strategy,
        worker: Worker,
        inbox: Rc<RefCell<Inbox>>,
        /// Its last message, and its last with a snapshot, as sent ([`Inbox`]).
        feed: Vec<u8>,
        snapshot: Option<Vec<u8>>,
        /// A snapshot came since the page last showed one.
        fresh: bool,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_error: Closure<dyn FnMut(MessageEvent)>,
    }

    pub struct Remote {
        /// One per world switched on, in the order of the worlds; none when a worker could not start.
        shards: Vec<Shard>,
        /// The horizon last sent to the workers.
        horizon: SimTime,
        /// A world was switched off: the animated view is to lose it even if no worker sends anything.
        dropped: bool,
        seq: u64,
        /// The instant of the world furthest behind, as the workers last said.
        now: SimTime,
        /// Where the step under way ends, while paused.
        step_to: Option<SimTime>,
    }

    impl Remote {
        /// Starts a worker for each of `wanted`'s worlds; `None` where no worker can be started at once
        /// (a policy may still refuse one later, or it may stop: see [`failed`](Remote::failed)).
        pub fn start(wanted: &Wanted) -> Option<Remote> {
            Some(Remote {
                shards: start_shards(wanted)?,
                horizon: SimTime::ZERO,
                dropped: false,
                seq: 0,
                now: SimTime::ZERO,
                step_to: None,
            })
        }

        pub fn failed(&self) -> bool {
            // The app always has a world switched on, so no worker means one could not start.
            self.shards.is_empty() || self.shards.iter().any(|s| s.inbox.borrow().failed)
        }

        /// `command`, for every world; `wanted` is what the app asks for with it.
        pub fn send(&mut self, command: &Command, wanted: &Wanted) {
            match command {
                // Switching a world off ends its worker; the panels show the others at once.
                Command::Strategies(on)
                    if on
                        .iter()
                        .all(|s| self.shards.iter().any(|x| x.strategy == *s)) =>
                {
                    self.shards.retain_mut(|s| {
                        s.fresh = s.snapshot.is_some();
                        on.contains(&s.strategy)
                    });
                    self.dropped = true;
                }
                // Starting again, or switching a world on (which starts every world again): new
                // workers, which also hands the old ones' memory back at once.
                Command::Reset { .. } | Command::Strategies(_) => {
                    self.shards = start_shards(wanted).unwrap_or_default();
                    self.horizon = SimTime::ZERO;
                    (self.now, self.step_to) = (SimTime::ZERO, None);
                }
                // One end for every world's step: that of the second of the world furthest behind (a
                // further second if a step is under way). Each world stepping to the end of its own
                // second would leave two worlds a tick apart across a second's end a second apart.
                Command::Step => {
                    let from = self.step_to.map_or(self.now, |to| to.max(self.now));
                    let to = Sim::end_of_second(from);
                    self.step_to = Some(to);
                    self.shards
                        .iter()
                        .for_each(|s| s.send(&Command::StepTo(to)));
                }
                _ => self.shards.iter().for_each(|s| s.send(command)),
            }
        }

        /// One animation frame: `feed` for the animated view, a snapshot of all worlds when each
        /// worker has sent a new one, and the workers' horizon moved on (`playing` and `speed`: the
        /// app's pace).
        pub fn frame(
            &mut self,
            playing: bool,
            speed: Speed,
            feed: &mut AnimationFeed,
        ) -> Option<Snapshot> {
            if playing {
                // Playing ends a step (as in `Sim::frame`).
                self.step_to = None;
            }
            let (mut all_fresh, mut any_fresh) = (true, false);
            let mut moved = std::mem::take(&mut self.dropped);
            for shard in &mut self.shards {
                let mut inbox = shard.inbox.borrow_mut();
                if let Some(latest) = inbox.feed.take() {
                    (shard.feed, moved) = (latest, true);
                }
                if let Some(snapshot) = inbox.snapshot.take() {
                    (shard.snapshot, shard.fresh) = (Some(snapshot), true);
                }
                // The workers' engine time, counted in the page's timing report (`perf` builds).
                perf::add(Span::Engine, std::mem::take(&mut inbox.engine_ms));
                perf::events(std::mem::take(&mut inbox.events));
                all_fresh &= shard.fresh;
                any_fresh |= shard.fresh;
            }
            // Until every new worker has reported, the animated view keeps the last picture, and
            // the workers stay at t = 0, so that the worlds start together.
            if moved && self.shards.iter().all(|s| !s.feed.is_empty()) {
                feed.worlds.clear();
                feed.now = SimTime::NEVER;
                for frame in self.shards.iter().filter_map(|s| decode::<Frame>(&s.feed)) {
                    feed.now = feed.now.min(frame.feed.now);
                    feed.latency = frame.feed.latency;
                    feed.worlds.extend(frame.feed.worlds);
                }
                if feed.now != SimTime::NEVER {
                    self.now = feed.now;
                }
                // Paused, the worlds only move by steps, all to the same instant.
                let horizon = match speed {
                    _ if !playing => SimTime::NEVER,
                    Speed::Times(x) => feed.now + SimDuration::from_secs_f64(x / 4.0),
                    Speed::Max => feed.now + SimDuration::from_secs(10),
                };
                if horizon != self.horizon {
                    self.horizon = horizon;
                    self.shards
                        .iter()
                        .for_each(|s| s.send(&Command::Horizon(horizon)));
                }
            }
            // Playing, every world publishes a few times a second, and the panels change once all
            // have. Paused, only a world that moved does (one still finishing its stretch, or
            // stepping): its news cannot wait for the others'.
            if !(all_fresh || (!playing && any_fresh)) {
                return None;
            }
            self.seq += 1;
            let mut merged: Option<Snapshot> = None;
            for shard in &mut self.shards {
                shard.fresh = false;
                let Some(mut snapshot) = shard
                    .snapshot
                    .as_deref()
                    .and_then(decode::<Frame>)
                    .and_then(|frame| frame.snapshot)
                else {
                    continue;
                };
                let Some(all) = merged.as_mut() else {
                    merged = Some(snapshot);
                    continue;
                };
                all.now = all.now.min(snapshot.now);
                all.worlds.append(&mut snapshot.worlds);
                all.speed.memory_full |= snapshot.speed.memory_full;
                // The slowest world's speed, and none until each has measured one (`None` is least).
                if snapshot.speed.achieved < all.speed.achieved {
                    all.speed.achieved = snapshot.speed.achieved;
                }
            }
            merged.map(|all| Snapshot {
                seq: self.seq,
                ..all
            })
        }
    }

    /// A worker for each of `wanted`'s worlds, or `None` if one cannot start.
    fn start_shards(wanted: &Wanted) -> Option<Vec<Shard>> {
        let mut shards = Vec::new();
        for strategy in &wanted.strategies {
            shards.push(Shard::start(*strategy, wanted)?);
        }
        Some(shards)
    }

    impl Shard {
        /// Starts a worker on this page's module for the world of `strategy`, as `wanted` says.
        fn start(strategy: Strategy, wanted: &Wanted) -> Option<Shard> {
            let url = worker_url();
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            let worker = Worker::new_with_options(&url, &options).ok()?;
            let inbox = Rc::new(RefCell::new(Inbox::default()));
            let on_message = {
                let inbox = inbox.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    let bytes = Uint8Array::new(&event.data()).to_vec();
                    let mut inbox = inbox.borrow_mut();
                    if let Some(frame) = decode::<Frame>(&bytes) {
                        inbox.engine_ms += frame.engine_ms;
                        inbox.events += frame.events;
                        // A newer snapshot replaces one the page has not shown yet.
                        if frame.snapshot.is_some() {
                            inbox.snapshot = Some(bytes.clone());
                        }
                        inbox.feed = Some(bytes);
                    }
                })
            };
            let on_error = {
                let inbox = inbox.clone();
                // The browser also reports the error on the console; the page carries on. (The
                // argument is an error event; one closure type for both handlers is less code.)
                Closure::<dyn FnMut(MessageEvent)>::new(move |_| inbox.borrow_mut().failed = true)
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            // The page's compiled module: the worker neither fetches nor compiles it again.
            let _ = worker.post_message(&init_message());
            let shard = Shard {
                strategy,
                worker,
                inbox,
                feed: Vec::new(),
                snapshot: None,
                fresh: false,
                _on_message: on_message,
                _on_error: on_error,
            };
            shard.send(&Command::Reset {
                params: wanted.params.clone(),
                strategies: vec![strategy],
            });
            shard.send(&Command::Pace {
                playing: wanted.playing,
                speed: wanted.speed,
            });
            Some(shard)
        }

        /// Posts `command`; one sent before the worker's module has started waits for it there
        /// (`pollstream-worker.js`).
        fn send(&self, command: &Command) {
            let _ = self
                .worker
                .post_message(&Uint8Array::from(encode(command).as_slice()));
        }
    }

    impl Drop for Shard {
        fn drop(&mut self) {
            // No message may reach its handler once it is dropped.
            self.worker.set_onmessage(None);
            self.worker.terminate();
        }
    }

    #[wasm_bindgen(inline_js = "export function worker_url() { \
        return new URL('../../pollstream-worker.js', import.meta.url).href; }")]
    extern "C" {
        /// The worker's script, `pollstream-worker.js` beside the JS glue, wherever the page loaded
        /// the app from. This is wasm-bindgen's `snippets/<crate>/inline0.js`, two folders below the
        /// glue. (`wasm_bindgen::link_to!` would say it without the path, but wasm-bindgen makes it a
        /// `blob:` URL unless Trunk asked it to split linked modules, which Trunk 0.21 cannot, and
        /// `worker-src 'self'` refuses `blob:` workers.)
        fn worker_url() -> String;
    }

    /// `{module}`: what `pollstream-worker.js` starts the worker's copy of the app with.
    fn init_message() -> JsValue {
        let message = Object::new();
        let _ = Reflect::set(&message, &"module".into(), &wasm_bindgen::module());
        message.into()
    }
}
