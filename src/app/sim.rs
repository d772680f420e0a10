//! The simulation side of the app: one [`World`] per strategy, advanced in lockstep under a time budget.
//!
//! Pure Rust with an injected clock, so the frame logic is tested natively; the browser shell calls
//! [`Driver::tick`] from `requestAnimationFrame` with `performance.now()`.
//!
//! Lockstep: the worlds advance towards one common `target` instant. A new target is set only once every
//! world has reached the old one, and parameter changes and server restarts are applied only then, so
//! that every world sees them at the same simulated instant.

use std::collections::VecDeque;

use pollstream_engine::{Params, SimDuration, SimTime, Strategy, World};

use super::palette;
use super::perf::{self, Span};
use super::snapshot::{Snapshot, SpeedReport, CHART_SECONDS};
use super::state::Speed;
use crate::animation::{AnimationFeed, WorldFeed};

/// Clients of each world that the animated view follows (fewer when N is smaller).
pub const TRACED_CLIENTS: u32 = 24;
/// The smallest event budget of one call to `World::advance`. A call gets the share of the frame's
/// remaining time of each world still behind, within the [`CallLimits`], converted to events at the
/// estimated cost.
const MIN_CHUNK: u64 = 16;

/// How long one `World::advance` call may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallLimits {
    /// The longest a call is meant to take: the clock is read between calls, so this bounds how far a
    /// wrong cost estimate can overrun the frame's budget.
    pub max_ms: f64,
    /// The largest event budget of a call.
    pub max_events: u64,
}

impl CallLimits {
    /// On the page, whose frames must also draw: short calls.
    pub const PAGE: CallLimits = CallLimits {
        max_ms: 2.0,
        max_events: 200_000,
    };
}
/// The assumed cost of one event before any was measured, and after a change that makes the engine
/// work on many clients at one instant (new worlds, more clients, a restart): then an event is a chunk of thousands of clients,
/// and the memory they first touch may be committed by the operating system as they go.
const HEAVY_MS_PER_EVENT: f64 = 0.05;
/// Calls shorter than this are not timed: `performance.now()` may be coarse (100 µs).
const MIN_TIMED_MS: f64 = 0.3;
/// With "as fast as it goes", the common target moves one simulated second at a time.
const MAX_PACE_SLICE: SimDuration = SimDuration::SECOND;
/// The most wall-clock time the worlds make up for at 1× (after a stall, a hidden tab, or frames that
/// ended before the worlds reached their target): beyond it, time is given up and the speed shown drops.
const MAX_OWED_MS: f64 = 100.0;
/// What the worlds of one `Sim` (a worker's, or the page's) may hold before time stops: a WebAssembly
/// instance has 4 GiB, and running out of it kills the page (or the worker). Ten million clients in
/// each of three worlds take about 2 GiB; the rest is for messages that pile up (ten million pollers
/// that poll every ten minutes while a hundred messages a second arrive for each would fill any
/// memory). A change or a reset lets time run again.
const MEMORY_LIMIT_BYTES: usize = 3 << 30;
/// Clients one applied change may remove from each world; a larger drop is applied in steps. A
/// leaving client's waiting messages are counted from its message stream, about 20 ns a client
/// natively at 10 M clients (`cargo run --release -p pollstream-engine --example build_cost`) and
/// twice that in WebAssembly: three worlds of 150,000 stay within a frame.
const MAX_REMOVED_PER_CHANGE: u64 = 150_000;
/// Snapshots are published at most this often while running.
pub const PUBLISH_EVERY_MS: f64 = 200.0;

/// How the common target moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// Only a requested step (and finishing the current target) moves the worlds.
    Paused,
    /// This many simulated seconds per wall-clock second.
    Times(f64),
    /// As far as the frame budget allows.
    Max,
}

impl Pace {
    /// The pace of the play state and speed control.
    pub fn of(playing: bool, speed: Speed) -> Pace {
        match (playing, speed) {
            (false, _) => Pace::Paused,
            (true, Speed::Times(x)) => Pace::Times(x),
            (true, Speed::Max) => Pace::Max,
        }
    }
}

/// What one frame did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameReport {
    /// Events processed by all worlds together.
    pub events: u64,
    /// A requested step reached its end in this frame.
    pub step_done: bool,
}

/// The worlds, side by side.
pub struct Sim {
    params: Params,
    worlds: Vec<World>,
    /// The instant every world is advancing to.
    target: SimTime,
    pending_params: Option<Params>,
    pending_restart: bool,
    /// Where a step requested while paused ends.
    step_to: Option<SimTime>,
    /// The next world to advance, round-robin.
    cursor: usize,
    /// Estimated wall-clock milliseconds per event of each world: rises at once to any slower call's
    /// cost, falls slowly, so that a run of expensive events cannot overrun the frame's budget for long.
    /// One per world: at ten million clients a polling event costs tens of nanoseconds and a
    /// long-polling one hundreds (`build_cost` example), so an estimate lowered by one world's calls
    /// must not size another's.
    ms_per_event: Vec<f64>,
    /// Something the panels show changed outside the normal passing of time.
    changed: bool,
    /// Above this many bytes held by the worlds, time stops until a change or a reset (see
    /// [`MEMORY_LIMIT_BYTES`]).
    memory_limit_bytes: usize,
    memory_full: bool,
    /// How long one `advance` call may be.
    call_limits: CallLimits,
    /// Wall-clock time the target has yet to move for, in milliseconds (at most [`MAX_OWED_MS`]). Every
    /// frame adds its gap; the frame that finds the worlds at the target moves it by all of it. A frame
    /// that ends before they get there leaves its gap owed instead of dropping it, so that a moment of
    /// heavy work (a second's sweep of the clients) is made up by the next frames instead of costing
    /// the speed shown.
    owed_ms: f64,
    /// The common target never moves past this instant (see [`set_horizon`](Sim::set_horizon)).
    horizon: SimTime,
}

fn new_world(params: &Params, strategy: Strategy) -> World {
    let mut world = World::new(params, strategy);
    // Spread evenly over the clients; the engine keeps following as many when N changes.
    world.set_traced_clients(TRACED_CLIENTS);
    // The panels show the last minute at most: a long run at full speed keeps no more.
    world.set_series_limit(Some(CHART_SECONDS));
    world
}

impl Sim {
    /// A world per strategy in `strategies`, all at t = 0.
    pub fn new(params: &Params, strategies: &[Strategy]) -> Sim {
        let start = perf::now_ms();
        let worlds: Vec<World> = strategies.iter().map(|s| new_world(params, *s)).collect();
        perf::span(Span::Worlds, start, perf::now_ms());
        let ms_per_event = vec![HEAVY_MS_PER_EVENT; worlds.len()];
        Sim {
            params: params.clone(),
            worlds,
            target: SimTime::ZERO,
            pending_params: None,
            pending_restart: false,
            step_to: None,
            cursor: 0,
            ms_per_event,
            changed: true,
            memory_limit_bytes: MEMORY_LIMIT_BYTES,
            memory_full: false,
            call_limits: CallLimits::PAGE,
            owed_ms: 0.0,
            horizon: SimTime::NEVER,
        }
    }

    /// Holds the worlds at or before `horizon`: where each world runs in a worker of its own, the page
    /// keeps them within a little of one another this way, instead of the lockstep of one `Sim`.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the workers are wasm32 only
    pub fn set_horizon(&mut self, horizon: SimTime) {
        self.horizon = horizon;
    }

    /// Lets `advance` calls be as long as `limits` say (a worker, whose thread draws nothing, may take
    /// longer calls than [`CallLimits::PAGE`]). Kept across [`reset`](Sim::reset).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the worker is wasm32 only
    pub fn set_call_limits(&mut self, limits: CallLimits) {
        self.call_limits = limits;
    }

    /// Whether something is left to do even while paused: a change or restart to apply, a step to
    /// finish, a world behind the others.
    pub fn has_work(&self) -> bool {
        self.pending_params.is_some()
            || self.pending_restart
            || self.step_to.is_some()
            || !self.in_lockstep()
    }

    /// Whether time has stopped because the worlds hold more memory than the page may use.
    pub fn memory_full(&self) -> bool {
        self.memory_full
    }

    fn check_memory(&mut self) {
        let held: usize = self.worlds.iter().map(World::memory_bytes).sum();
        self.memory_full = held > self.memory_limit_bytes;
    }

    /// Starts again from t = 0 (drops pending changes and steps).
    pub fn reset(&mut self, params: &Params, strategies: &[Strategy]) {
        let call_limits = self.call_limits;
        *self = Sim::new(params, strategies);
        self.call_limits = call_limits;
    }

    /// The next events may each concern many clients at once (more clients, a restart).
    fn expect_heavy_events(&mut self) {
        for estimate in &mut self.ms_per_event {
            *estimate = estimate.max(HEAVY_MS_PER_EVENT);
        }
    }

    /// Switches worlds off at once; switching one on starts every world again from t = 0, so that all
    /// of them share one history.
    pub fn set_strategies(&mut self, strategies: &[Strategy]) {
        if self.strategies() == strategies {
            return;
        }
        if strategies
            .iter()
            .all(|s| self.worlds.iter().any(|w| w.strategy() == *s))
        {
            // Each world keeps its cost estimate.
            (self.worlds, self.ms_per_event) = std::mem::take(&mut self.worlds)
                .into_iter()
                .zip(std::mem::take(&mut self.ms_per_event))
                .filter(|(world, _)| strategies.contains(&world.strategy()))
                .unzip();
            self.cursor = 0;
            self.changed = true;
        } else {
            let params = self
                .pending_params
                .take()
                .unwrap_or_else(|| self.params.clone());
            self.reset(&params, strategies);
        }
    }

    /// New parameters for the running worlds, applied at the next instant they all share.
    pub fn set_params(&mut self, params: &Params) {
        self.pending_params = (*params != self.params).then(|| params.clone());
    }

    /// Restarts every world's server at the next instant they all share.
    pub fn restart_server(&mut self) {
        self.pending_restart = true;
    }

    /// Asks to advance to the end of the current simulated second (a further second if a step is under
    /// way), even while paused.
    pub fn step(&mut self) {
        let from = self.step_to.unwrap_or(self.target).max(self.now());
        self.step_to = Some(Sim::end_of_second(from));
    }

    /// Asks to advance to `to`, even while paused; worlds already there or beyond stay where they are.
    /// Where each world runs in a worker of its own, the page sends every worker the same instant, so
    /// that a step ends them all together ([`crate::app::host`]).
    pub fn step_to(&mut self, to: SimTime) {
        self.step_to = Some(self.step_to.map_or(to, |pending| pending.max(to)));
    }

    /// The end of the simulated second that `t` lies in: where a step from `t` ends.
    pub fn end_of_second(t: SimTime) -> SimTime {
        SimTime::from_secs(t.as_micros() / 1_000_000 + 1)
    }

    /// The strategies with a world, in order.
    pub fn strategies(&self) -> Vec<Strategy> {
        self.worlds.iter().map(World::strategy).collect()
    }

    pub fn worlds(&self) -> &[World] {
        &self.worlds
    }

    /// The parameters in force (not those still pending).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The common simulated time: the earliest of the worlds' clocks.
    pub fn now(&self) -> SimTime {
        self.worlds
            .iter()
            .map(World::now)
            .min()
            .unwrap_or(SimTime::ZERO)
    }

    /// Whether every world has reached the common target.
    pub fn in_lockstep(&self) -> bool {
        self.worlds.iter().all(|w| w.now() >= self.target)
    }

    /// Whether something changed outside the passing of time since the last call (and forgets it).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    fn apply_pending(&mut self) {
        if let Some(mut params) = self.pending_params.take() {
            let floor = self.params.n_clients.saturating_sub(MAX_REMOVED_PER_CHANGE);
            if params.n_clients < floor {
                // Removing clients costs a few nanoseconds each: a drop from 10 million is spread
                // over a few shared instants (frames) instead of freezing one.
                self.pending_params = Some(params.clone());
                let mut raw = params.to_raw();
                raw.n_clients = floor;
                if let Ok(step) = Params::try_from(raw) {
                    params = step;
                }
            }
            if params.n_clients > self.params.n_clients {
                self.expect_heavy_events();
            }
            for world in &mut self.worlds {
                world.set_params(&params);
            }
            self.params = params;
            self.changed = true;
        }
        if std::mem::take(&mut self.pending_restart) {
            self.expect_heavy_events();
            for world in &mut self.worlds {
                world.restart_server();
            }
            self.changed = true;
        }
    }

    /// Advances the worlds for one animation frame: `wall_dt_ms` since the last frame, stopping once
    /// `budget_ms` of `clock` has passed (a single `advance` call is bounded by an event budget).
    pub fn frame(
        &mut self,
        pace: Pace,
        wall_dt_ms: f64,
        budget_ms: f64,
        clock: &mut dyn FnMut() -> f64,
    ) -> FrameReport {
        let start = clock();
        let mut report = FrameReport::default();
        let mut moved_for_this_frame = false;
        if pace != Pace::Paused {
            self.step_to = None;
        }
        self.owed_ms = match pace {
            Pace::Times(_) => (self.owed_ms + wall_dt_ms.max(0.0)).min(MAX_OWED_MS),
            Pace::Max | Pace::Paused => 0.0,
        };
        if self.worlds.is_empty() {
            return report;
        }
        loop {
            if self.in_lockstep() {
                // Every world is at `target`: the one moment to change them all.
                let apply_start = clock();
                if self.pending_params.is_some() || self.pending_restart {
                    // A change may be what drains the messages: let time run and look again.
                    self.memory_full = false;
                }
                self.apply_pending();
                perf::span(Span::Apply, apply_start, clock());
                if !self.memory_full {
                    self.check_memory();
                }
                if self.memory_full {
                    break;
                }
                let now = self.target;
                let next = match pace {
                    Pace::Times(speed) if !moved_for_this_frame => {
                        moved_for_this_frame = true;
                        let dt = std::mem::take(&mut self.owed_ms);
                        Some(now + SimDuration::from_secs_f64(speed * dt / 1e3))
                    }
                    Pace::Times(_) => None,
                    Pace::Max => Some(now + MAX_PACE_SLICE),
                    Pace::Paused => match self.step_to {
                        Some(to) if to > now => Some(to),
                        Some(_) => {
                            self.step_to = None;
                            report.step_done = true;
                            None
                        }
                        None => None,
                    },
                };
                match next.map(|next| next.min(self.horizon)) {
                    Some(next) if next > now => self.target = next,
                    _ => break,
                }
            }
            let n = self.worlds.len();
            let Some(index) = (0..n)
                .map(|k| (self.cursor + k) % n)
                .find(|&i| self.worlds[i].now() < self.target)
            else {
                continue;
            };
            self.cursor = (index + 1) % n;
            // This world's share of what is left of the frame, in events.
            let behind = self
                .worlds
                .iter()
                .filter(|w| w.now() < self.target)
                .count()
                .max(1);
            let remaining_ms = (budget_ms - (clock() - start)).max(0.0);
            let call_ms = (remaining_ms / behind as f64).min(self.call_limits.max_ms);
            let estimate = self.ms_per_event[index];
            let chunk = ((call_ms / estimate) as u64).clamp(MIN_CHUNK, self.call_limits.max_events);
            let before = clock();
            let advance = self.worlds[index].advance(self.target, chunk);
            let after = clock();
            perf::span(Span::Advance, before, after);
            let took = after - before;
            report.events += advance.events;
            if advance.events > 0 && (took >= MIN_TIMED_MS || advance.events >= chunk) {
                let cost = (took / advance.events as f64).max(1e-7);
                self.ms_per_event[index] = if cost > estimate {
                    cost
                } else {
                    0.8 * estimate + 0.2 * cost
                };
            }
            if clock() - start >= budget_ms {
                break;
            }
        }
        report
    }

    /// Writes what the animated view draws for the current instant.
    pub fn fill_feed(&self, feed: &mut AnimationFeed) {
        let start = perf::now_ms();
        self.fill_feed_now(feed);
        perf::span(Span::Feed, start, perf::now_ms());
    }

    fn fill_feed_now(&self, feed: &mut AnimationFeed) {
        feed.now = self.now();
        feed.latency = self.params.latency;
        feed.worlds.clear();
        for world in &self.worlds {
            let gauges = world.gauges();
            feed.worlds.push(WorldFeed {
                strategy: world.strategy(),
                now: world.now(),
                color: palette::color(world.strategy()),
                n_clients: world.params().n_clients,
                traced: world.traced_clients(),
                flights: world.flights(),
                states: world.traced_client_states(),
                server_down: gauges.server_down,
                queue_len: gauges.queue_len,
                busy_workers: gauges.busy_workers,
                workers: world.params().n_workers,
                open_connections: gauges.open_connections,
            });
        }
    }
}

/// Simulated speed actually achieved over the last second of wall-clock time.
#[derive(Debug, Default)]
pub struct SpeedMeter {
    /// (wall ms, simulated µs), oldest first.
    samples: VecDeque<(f64, u64)>,
}

impl SpeedMeter {
    const WINDOW_MS: f64 = 1_000.0;
    const MIN_SPAN_MS: f64 = 250.0;

    pub fn record(&mut self, wall_ms: f64, sim: SimTime) {
        self.samples.push_back((wall_ms, sim.as_micros()));
        while self.samples.len() > 2 && wall_ms - self.samples[1].0 >= Self::WINDOW_MS {
            self.samples.pop_front();
        }
    }

    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// Simulated seconds per wall-clock second, once a quarter of a second has been measured.
    pub fn speed(&self) -> Option<f64> {
        let (first, last) = (self.samples.front()?, self.samples.back()?);
        let span_ms = last.0 - first.0;
        (span_ms >= Self::MIN_SPAN_MS)
            .then(|| last.1.saturating_sub(first.1) as f64 / 1e3 / span_ms)
    }
}

/// The simulation plus its pacing: what the animation-frame loop drives.
pub struct Driver {
    pub sim: Sim,
    playing: bool,
    speed: Speed,
    last_frame_ms: Option<f64>,
    last_publish_ms: f64,
    last_published_now: Option<SimTime>,
    meter: SpeedMeter,
    seq: u64,
    dirty: bool,
    /// Events processed in the last [`tick`](Driver::tick).
    last_events: u64,
}

impl Driver {
    pub fn new(sim: Sim, playing: bool, speed: Speed) -> Driver {
        Driver {
            sim,
            playing,
            speed,
            last_frame_ms: None,
            last_publish_ms: f64::NEG_INFINITY,
            last_published_now: None,
            meter: SpeedMeter::default(),
            seq: 0,
            dirty: true,
            last_events: 0,
        }
    }

    /// Events the worlds processed in the last [`tick`](Driver::tick).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the worker is wasm32 only
    pub fn last_events(&self) -> u64 {
        self.last_events
    }

    /// Whether ticks would do nothing until something is asked: paused, no change, step or snapshot
    /// left.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the worker is wasm32 only
    pub fn idle(&self) -> bool {
        !self.playing && !self.dirty && !self.sim.has_work()
    }

    /// Follows the play button and the speed control.
    pub fn set_pace(&mut self, playing: bool, speed: Speed) {
        if (playing, speed) != (self.playing, self.speed) {
            self.playing = playing;
            self.speed = speed;
            self.meter.clear();
            self.dirty = true;
        }
    }

    /// Marks the panels out of date (after a reset, say).
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// One animation frame at wall-clock `now_ms`: advances the worlds within `budget_ms` and returns a
    /// snapshot when the panels should show a new one (at most every [`PUBLISH_EVERY_MS`] while time
    /// passes, at once after a step or a change).
    pub fn tick(
        &mut self,
        now_ms: f64,
        budget_ms: f64,
        clock: &mut dyn FnMut() -> f64,
    ) -> Option<Snapshot> {
        let dt = self.last_frame_ms.map_or(0.0, |last| now_ms - last);
        self.last_frame_ms = Some(now_ms);
        let engine_start = clock();
        let report = self
            .sim
            .frame(Pace::of(self.playing, self.speed), dt, budget_ms, clock);
        perf::span(Span::Engine, engine_start, clock());
        perf::events(report.events);
        self.last_events = report.events;
        if self.playing {
            self.meter.record(now_ms, self.sim.now());
        }
        let changed = self.sim.take_changed() || self.dirty || report.step_done;
        let time_passed = self.last_published_now != Some(self.sim.now());
        // Paused, the worlds still finish the stretch they were advancing over (up to a second as fast
        // as it goes); where they come to rest is published at once, or the panels would show an
        // earlier instant until something else changed.
        let came_to_rest = !self.playing && !self.sim.has_work();
        if changed
            || (time_passed && (came_to_rest || now_ms - self.last_publish_ms >= PUBLISH_EVERY_MS))
        {
            self.dirty = false;
            self.last_publish_ms = now_ms;
            self.last_published_now = Some(self.sim.now());
            self.seq += 1;
            let start = clock();
            let snapshot = Snapshot::capture(&self.sim, self.seq, self.speed_report());
            perf::span(Span::Capture, start, clock());
            Some(snapshot)
        } else {
            None
        }
    }

    /// The requested and the achieved speed.
    pub fn speed_report(&self) -> SpeedReport {
        SpeedReport {
            playing: self.playing,
            requested: self.speed,
            achieved: if self.playing {
                self.meter.speed()
            } else {
                None
            },
            memory_full: self.sim.memory_full(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollstream_engine::{ParamKey, RawParams};

    fn fake_clock() -> impl FnMut() -> f64 {
        let mut t = 0.0;
        move || {
            t += 0.01;
            t
        }
    }

    fn params(set: &[(ParamKey, &str)]) -> Params {
        let mut raw = RawParams::default();
        for (key, text) in set {
            raw.set(*key, text).unwrap();
        }
        Params::try_from(raw).unwrap()
    }

    #[test]
    fn worlds_advance_together_at_the_requested_speed() {
        let mut sim = Sim::new(&Params::default(), &Strategy::ALL);
        let mut clock = fake_clock();
        for _ in 0..10 {
            sim.frame(Pace::Times(2.0), 50.0, 8.0, &mut clock);
        }
        assert_eq!(sim.now(), SimTime::from_secs(1), "10 frames of 50 ms at 2×");
        assert!(sim.worlds().iter().all(|w| w.now() == sim.now()));
    }

    #[test]
    fn a_horizon_holds_a_world_back_and_leaves_its_numbers_as_they_would_be() {
        // Two long-polling worlds, as two workers would run them: one held at 1.5 s while the other
        // runs on, then let go.
        let mut clock = fake_clock();
        let mut held = Sim::new(&Params::default(), &[Strategy::LongPolling]);
        let mut free = Sim::new(&Params::default(), &[Strategy::LongPolling]);
        held.set_horizon(SimTime::from_micros(1_500_000));
        for _ in 0..40 {
            held.frame(Pace::Times(1.0), 50.0, 8.0, &mut clock);
            free.frame(Pace::Times(1.0), 50.0, 8.0, &mut clock);
        }
        assert_eq!(
            held.now(),
            SimTime::from_micros(1_500_000),
            "held at the horizon"
        );
        assert_eq!(
            free.now(),
            SimTime::from_secs(2),
            "40 frames of 50 ms at 1×"
        );
        // Let go, it goes on from there at the pace asked for: the time it was held is not made up.
        held.set_horizon(SimTime::NEVER);
        for _ in 0..10 {
            held.frame(Pace::Times(1.0), 50.0, 8.0, &mut clock);
        }
        assert_eq!(held.now(), SimTime::from_secs(2));
        assert_eq!(held.worlds()[0].seconds(), free.worlds()[0].seconds());
        assert_eq!(held.worlds()[0].totals(), free.worlds()[0].totals());
        assert_eq!(
            held.worlds()[0].events_processed(),
            free.worlds()[0].events_processed()
        );
    }

    #[test]
    fn a_long_gap_is_not_made_up_at_once() {
        let mut sim = Sim::new(&Params::default(), &[Strategy::Polling]);
        sim.frame(Pace::Times(1.0), 60_000.0, 8.0, &mut fake_clock());
        assert_eq!(sim.now(), SimTime::from_micros(100_000));
    }

    #[test]
    fn frames_that_end_before_the_target_leave_their_time_owed() {
        let mut sim = Sim::new(
            &params(&[(ParamKey::Clients, "10000"), (ParamKey::Interval, "100ms")]),
            &[Strategy::Polling],
        );
        // A clock that passes the 8 ms budget at every read: one call of a few events a frame, far
        // short of the 25 ms of a frame's gap (2,500 requests).
        let mut t = 0.0;
        let mut starved = || {
            t += 10.0;
            t
        };
        for _ in 0..4 {
            sim.frame(Pace::Times(1.0), 25.0, 8.0, &mut starved);
        }
        assert!(sim.now() < SimTime::from_micros(25_000), "{}", sim.now());
        let mut clock = fake_clock();
        while !sim.in_lockstep() || sim.now() < SimTime::from_micros(100_000) {
            let before = sim.now();
            sim.frame(Pace::Times(1.0), 0.0, 1_000.0, &mut clock);
            if sim.now() == before {
                break;
            }
        }
        assert_eq!(
            sim.now(),
            SimTime::from_micros(100_000),
            "the four frames' 100 ms, none dropped"
        );
        // More than MAX_OWED_MS behind: the rest is given up.
        for _ in 0..10 {
            sim.frame(Pace::Times(1.0), 25.0, 8.0, &mut starved);
        }
        let mut clock = fake_clock();
        for _ in 0..1_000 {
            sim.frame(Pace::Times(1.0), 0.0, 1_000.0, &mut clock);
        }
        assert!(sim.in_lockstep());
        assert!(
            sim.now() <= SimTime::from_micros(100_000 + 25_000 + 100_000),
            "{}",
            sim.now()
        );
    }

    #[test]
    fn pausing_stops_time_and_a_step_ends_at_the_next_whole_second() {
        let mut sim = Sim::new(&Params::default(), &Strategy::ALL);
        let mut clock = fake_clock();
        sim.frame(Pace::Times(1.0), 30.0, 8.0, &mut clock);
        let report = sim.frame(Pace::Paused, 30.0, 8.0, &mut clock);
        assert_eq!(sim.now(), SimTime::from_micros(30_000));
        assert!(!report.step_done);
        sim.step();
        let report = sim.frame(Pace::Paused, 30.0, 8.0, &mut clock);
        // The stub engine reaches any target at once; a real one may need several frames.
        let report = if report.step_done {
            report
        } else {
            sim.frame(Pace::Paused, 0.0, 8.0, &mut clock)
        };
        assert!(report.step_done);
        assert_eq!(sim.now(), SimTime::from_secs(1));
        sim.step();
        sim.step();
        for _ in 0..3 {
            sim.frame(Pace::Paused, 0.0, 8.0, &mut clock);
        }
        assert_eq!(sim.now(), SimTime::from_secs(3), "two steps: two seconds");
    }

    #[test]
    fn a_step_to_an_instant_moves_only_worlds_behind_it() {
        // As in a worker whose world is a tick ahead of another's across a second's end: the page
        // sends both the end of the slower one's second.
        let mut sim = Sim::new(&Params::default(), &[Strategy::Polling]);
        let mut clock = fake_clock();
        for wall_ms in [100.0; 10].into_iter().chain([10.0]) {
            sim.frame(Pace::Times(1.0), wall_ms, 8.0, &mut clock);
        }
        sim.frame(Pace::Paused, 0.0, 8.0, &mut clock);
        let ahead = sim.now();
        assert_eq!(ahead, SimTime::from_micros(1_010_000));
        sim.step_to(SimTime::from_secs(1));
        let report = sim.frame(Pace::Paused, 0.0, 8.0, &mut clock);
        assert!(
            report.step_done,
            "a step to an instant passed already is done at once"
        );
        assert_eq!(
            sim.now(),
            ahead,
            "a world beyond the step's end stays where it is"
        );
        sim.step_to(Sim::end_of_second(SimTime::from_secs(1)));
        for _ in 0..3 {
            sim.frame(Pace::Paused, 0.0, 8.0, &mut clock);
        }
        assert_eq!(sim.now(), SimTime::from_secs(2));
        assert_eq!(
            Sim::end_of_second(SimTime::from_micros(1_999_999)),
            SimTime::from_secs(2)
        );
    }

    #[test]
    fn the_fastest_pace_stops_when_the_budget_is_spent() {
        let mut sim = Sim::new(&Params::default(), &Strategy::ALL);
        let mut t = 0.0;
        let mut calls = 0;
        let mut clock = || {
            t += 0.05;
            calls += 1;
            t
        };
        let report = sim.frame(Pace::Max, 16.0, 8.0, &mut clock);
        assert!(
            calls < 1_000,
            "stopped once 8 ms had passed ({calls} clock reads)"
        );
        assert!(report.events > 0);
        assert!(
            sim.now() > SimTime::ZERO,
            "every world moved: {}",
            sim.now()
        );
    }

    #[test]
    fn parameter_changes_and_restarts_wait_for_a_common_instant() {
        let mut sim = Sim::new(&Params::default(), &Strategy::ALL);
        sim.take_changed();
        let faster = params(&[(ParamKey::Interval, "100ms")]);
        sim.set_params(&faster);
        assert_eq!(sim.params(), &Params::default(), "pending");
        sim.frame(Pace::Paused, 0.0, 8.0, &mut fake_clock());
        assert_eq!(sim.params(), &faster);
        assert!(sim.worlds().iter().all(|w| w.params() == &faster));
        assert!(sim.take_changed());
        sim.set_params(&faster);
        sim.frame(Pace::Paused, 0.0, 8.0, &mut fake_clock());
        assert!(
            !sim.take_changed(),
            "the same parameters again are no change"
        );
        sim.restart_server();
        sim.frame(Pace::Paused, 0.0, 8.0, &mut fake_clock());
        assert!(sim.take_changed());
    }

    #[test]
    fn time_stops_when_the_worlds_hold_too_much_memory_until_something_changes() {
        let mut sim = Sim::new(&Params::default(), &[Strategy::Polling]);
        sim.memory_limit_bytes = 1;
        sim.frame(Pace::Times(1.0), 50.0, 8.0, &mut fake_clock());
        assert!(sim.memory_full());
        assert_eq!(sim.now(), SimTime::ZERO, "no time passed");
        sim.memory_limit_bytes = usize::MAX;
        sim.frame(Pace::Times(1.0), 50.0, 8.0, &mut fake_clock());
        assert_eq!(sim.now(), SimTime::ZERO, "still stopped: nothing changed");
        sim.set_params(&params(&[(ParamKey::Interval, "100ms")]));
        sim.frame(Pace::Times(1.0), 50.0, 8.0, &mut fake_clock());
        assert!(!sim.memory_full());
        assert!(sim.now() > SimTime::ZERO, "a change lets time run again");
    }

    #[test]
    fn a_large_drop_in_clients_is_applied_in_steps() {
        let many = params(&[(ParamKey::Clients, "400000")]);
        let mut sim = Sim::new(&many, &[Strategy::Polling]);
        let few = params(&[(ParamKey::Clients, "1000")]);
        sim.set_params(&few);
        let mut seen = Vec::new();
        for _ in 0..5 {
            sim.frame(Pace::Paused, 0.0, 8.0, &mut fake_clock());
            seen.push(sim.params().n_clients);
        }
        assert_eq!(seen, [250_000, 100_000, 1_000, 1_000, 1_000]);
        assert!(sim.worlds().iter().all(|w| w.params() == &few));
    }

    #[test]
    fn each_world_keeps_its_own_cost_estimate_when_another_is_switched_off() {
        let mut sim = Sim::new(&Params::default(), &Strategy::ALL);
        sim.ms_per_event = vec![0.001, 0.002, 0.003];
        sim.set_strategies(&[Strategy::Polling, Strategy::Streaming]);
        assert_eq!(sim.strategies(), [Strategy::Polling, Strategy::Streaming]);
        assert_eq!(sim.ms_per_event, [0.001, 0.003]);
        sim.set_params(&params(&[(ParamKey::Clients, "5000")]));
        sim.frame(Pace::Paused, 0.0, 8.0, &mut fake_clock());
        assert!(
            sim.ms_per_event.iter().all(|&e| e >= HEAVY_MS_PER_EVENT),
            "more clients: every world expects heavy events again ({:?})",
            sim.ms_per_event
        );
    }

    #[test]
    fn switching_a_strategy_on_starts_again_and_off_does_not() {
        let mut sim = Sim::new(&Params::default(), &Strategy::ALL);
        sim.frame(Pace::Times(1.0), 50.0, 8.0, &mut fake_clock());
        sim.set_strategies(&[Strategy::Polling, Strategy::Streaming]);
        assert_eq!(sim.strategies(), [Strategy::Polling, Strategy::Streaming]);
        assert_eq!(sim.now(), SimTime::from_micros(50_000));
        sim.set_strategies(&Strategy::ALL);
        assert_eq!(sim.strategies(), Strategy::ALL);
        assert_eq!(sim.now(), SimTime::ZERO);
    }

    #[test]
    fn the_feed_follows_a_few_clients_of_each_world() {
        let sim = Sim::new(&params(&[(ParamKey::Clients, "5")]), &Strategy::ALL);
        let mut feed = AnimationFeed::default();
        sim.fill_feed(&mut feed);
        assert_eq!(feed.worlds.len(), 3);
        assert_eq!(feed.worlds[0].traced, 5);
        assert_eq!(feed.worlds[0].states.len(), 5);
        assert_eq!(feed.worlds[2].color, "#009E73");
        assert_eq!(feed.latency, SimDuration::from_millis(50));
    }

    #[test]
    fn a_paused_driver_is_idle_once_a_step_and_its_snapshot_are_done() {
        let mut driver = Driver::new(
            Sim::new(&Params::default(), &Strategy::ALL),
            false,
            Speed::Times(1.0),
        );
        let mut clock = fake_clock();
        assert!(!driver.idle(), "the first snapshot is still to come");
        assert!(driver.tick(0.0, 8.0, &mut clock).is_some());
        assert!(driver.idle());
        driver.sim.step();
        assert!(!driver.idle(), "a step to take");
        let mut frames = 0;
        while !driver.idle() {
            driver.tick(16.0 * frames as f64, 8.0, &mut clock);
            frames += 1;
            assert!(frames < 1_000, "the step ends");
        }
        assert_eq!(driver.sim.now(), SimTime::from_secs(1));
        assert!(driver.last_events() > 0 || frames > 1);
        driver.set_pace(true, Speed::Times(1.0));
        assert!(!driver.idle(), "playing");
    }

    #[test]
    fn a_paused_driver_publishes_where_the_worlds_came_to_rest() {
        let mut driver = Driver::new(
            Sim::new(&Params::default(), &Strategy::ALL),
            true,
            Speed::Max,
        );
        let mut clock = fake_clock();
        // Budgets too small to finish a stretch of a second in one tick.
        driver.tick(0.0, 0.02, &mut clock);
        driver.tick(16.0, 0.02, &mut clock);
        driver.set_pace(false, Speed::Max);
        let mut last = None;
        let mut frames = 0;
        while !driver.idle() {
            last = driver.tick(32.0 + frames as f64, 0.02, &mut clock).or(last);
            frames += 1;
            assert!(frames < 10_000, "the worlds come to rest");
        }
        let now = driver.sim.now();
        assert!(now > SimTime::ZERO);
        assert_eq!(
            last.map(|s| s.now),
            Some(now),
            "the last snapshot is where they rest"
        );
    }

    #[test]
    fn the_meter_measures_simulated_seconds_per_wall_second() {
        let mut meter = SpeedMeter::default();
        meter.record(0.0, SimTime::ZERO);
        assert_eq!(meter.speed(), None);
        for i in 1..=100 {
            meter.record(i as f64 * 20.0, SimTime::from_micros(i * 8_000));
        }
        let speed = meter.speed().unwrap();
        assert!((speed - 0.4).abs() < 1e-9, "{speed}");
    }

    #[test]
    fn the_driver_publishes_on_change_and_then_at_most_five_times_a_second() {
        let mut driver = Driver::new(
            Sim::new(&Params::default(), &Strategy::ALL),
            true,
            Speed::Times(1.0),
        );
        let mut clock = fake_clock();
        let mut published = 0;
        for frame in 0..60 {
            if driver.tick(frame as f64 * 16.0, 8.0, &mut clock).is_some() {
                published += 1;
            }
        }
        // About a second of frames: the first, then every 200 ms.
        assert!((5..=6).contains(&published), "{published}");
        driver.set_pace(false, Speed::Times(1.0));
        assert!(
            driver.tick(1000.0, 8.0, &mut clock).is_some(),
            "pausing publishes once"
        );
        assert!(
            driver.tick(2000.0, 8.0, &mut clock).is_none(),
            "then nothing while paused"
        );
        driver.sim.step();
        let mut stepped = None;
        for i in 0..3 {
            stepped = stepped.or(driver.tick(2000.0 + i as f64, 8.0, &mut clock));
        }
        assert_eq!(
            stepped.expect("a snapshot after the step").now,
            SimTime::from_secs(1)
        );
    }
}
