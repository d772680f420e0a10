//! The worker's side: takes [`Command`]s, advances the worlds with a [`Driver`] in ticks of its own,
//! and posts a [`Frame`] after each.
//!
//! A tick advances the worlds for up to [`TICK_BUDGET_MS`] of wall-clock time ([`BEHIND_TICK_BUDGET_MS`]
//! while they fall behind real time), then gives way so that the page's commands are taken in between. Ticks come every [`TICK_MS`] (about the page's frame
//! rate, so that the animated view gets a fresh picture each frame); a tick that used its whole budget
//! is followed by the next as soon as the browser allows (a zero-delay timer, which browsers stretch
//! to 4 ms when timers nest: 6 % of a behind tick of 60 ms), so that a world too big for real time
//! gets nearly the whole core. While paused with nothing left to do, no tick is scheduled until the
//! next command: ten paused simulators on a page cost nothing.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use pollstream_engine::SimTime;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::wire::{decode, encode};
use super::{Command, Frame};
use crate::animation::AnimationFeed;
use crate::app::sim::{CallLimits, Driver, Sim};
use crate::app::state::Speed;
use crate::app::web::now_ms;

/// How often the worker ticks when it keeps up, in milliseconds: about one page frame.
pub const TICK_MS: f64 = 16.0;
/// Wall-clock time one tick may spend advancing the worlds while they keep up: a fresh picture for
/// the animated view each page frame.
pub const TICK_BUDGET_MS: f64 = 15.0;
/// The same while the worlds fall behind real time: longer ticks make longer `advance` calls, which
/// let the engine take whole request lives at once (a polling world of ten million clients needs
/// calls of millions of events for that: `examples/traced_polling.rs`). The animated view then gets
/// about 16 pictures a second, and a command waits at most this long.
pub const BEHIND_TICK_BUDGET_MS: f64 = 60.0;
/// The worker's `World::advance` calls: as long as a tick. Nothing waits on them but the next command.
pub const WORKER_CALLS: CallLimits = CallLimits {
    max_ms: BEHIND_TICK_BUDGET_MS,
    max_events: 20_000_000,
};

struct Worker {
    scope: DedicatedWorkerGlobalScope,
    driver: Option<Driver>,
    /// A tick is scheduled (by a timer or by a message to itself).
    scheduled: bool,
    feed: AnimationFeed,
}

type Shared = Rc<RefCell<Worker>>;

/// Runs the worker in `scope`: from here on, commands in, frames out.
pub fn start(scope: DedicatedWorkerGlobalScope) {
    let worker: Shared = Rc::new(RefCell::new(Worker {
        scope: scope.clone(),
        driver: None,
        scheduled: false,
        feed: AnimationFeed::default(),
    }));
    let on_command = {
        let worker = worker.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let bytes = Uint8Array::new(&event.data()).to_vec();
            if let Some(command) = decode::<Command>(&bytes) {
                apply(&worker, command);
            }
        })
    };
    scope.set_onmessage(Some(on_command.as_ref().unchecked_ref()));
    // It lives as long as the worker does.
    on_command.forget();
}

fn apply(worker: &Shared, command: Command) {
    let mut w = worker.borrow_mut();
    match (command, &mut w.driver) {
        (Command::Reset { params, strategies }, Some(driver)) => {
            driver.sim.reset(&params, &strategies);
            driver.touch();
        }
        (Command::Reset { params, strategies }, driver @ None) => {
            let mut sim = Sim::new(&params, &strategies);
            sim.set_call_limits(WORKER_CALLS);
            // Held at t = 0 until the page has heard from the workers of all its worlds, so that they
            // start together (`app::host`).
            sim.set_horizon(SimTime::ZERO);
            *driver = Some(Driver::new(sim, false, Speed::Times(1.0)));
        }
        // Nothing to command before the first reset, which the page always sends first.
        (_, None) => return,
        (Command::Pace { playing, speed }, Some(driver)) => driver.set_pace(playing, speed),
        (Command::Params(params), Some(driver)) => driver.sim.set_params(&params),
        (Command::Strategies(strategies), Some(driver)) => driver.sim.set_strategies(&strategies),
        (Command::Restart, Some(driver)) => driver.sim.restart_server(),
        (Command::Step, Some(driver)) => driver.sim.step(),
        (Command::StepTo(t), Some(driver)) => driver.sim.step_to(t),
        (Command::Horizon(t), Some(driver)) => driver.sim.set_horizon(t),
    }
    if !w.scheduled {
        w.scheduled = true;
        schedule_tick(worker, 0);
    }
}

/// Runs a tick after `delay_ms` (0: as soon as the browser allows, after any commands waiting).
fn schedule_tick(worker: &Shared, delay_ms: u32) {
    let worker = worker.clone();
    gloo_timers::callback::Timeout::new(delay_ms, move || tick(&worker)).forget();
}

/// One tick: advance, post the frame, schedule the next one unless there is nothing to do.
fn tick(worker: &Shared) {
    let mut w = worker.borrow_mut();
    let w = &mut *w;
    w.scheduled = false;
    let Some(driver) = w.driver.as_mut() else {
        return;
    };
    let start = now_ms();
    let budget = if driver.sim.in_lockstep() {
        TICK_BUDGET_MS
    } else {
        BEHIND_TICK_BUDGET_MS
    };
    let snapshot = driver.tick(start, budget, &mut now_ms);
    let engine_ms = now_ms() - start;
    driver.sim.fill_feed(&mut w.feed);
    let frame = Frame {
        feed: std::mem::take(&mut w.feed),
        snapshot,
        engine_ms,
        events: driver.last_events(),
    };
    post(&w.scope, &frame);
    // The feed's buffers are used again next tick.
    w.feed = frame.feed;
    if driver.idle() {
        return;
    }
    w.scheduled = true;
    let left_ms = TICK_MS - (now_ms() - start);
    schedule_tick(worker, left_ms.max(0.0) as u32);
}

/// Posts `frame` to the page, handing over its buffer instead of copying it.
fn post(scope: &DedicatedWorkerGlobalScope, frame: &Frame) {
    let bytes = Uint8Array::from(encode(frame).as_slice());
    let transfer = Array::of1(&bytes.buffer());
    let _ = scope.post_message_with_transfer(&bytes, &transfer);
}
