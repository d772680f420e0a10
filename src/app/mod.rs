//! The browser app: a thin shell around pure parts.
//!
//! - [`state`]: what the reader chose, changed only by [`state::Action`]s through `use_reducer`;
//! - [`sim`]: the worlds in lockstep and their pacing, kept in `use_mut_ref` and driven by an
//!   animation-frame loop under a per-frame time budget;
//! - [`snapshot`]: an immutable picture published on a [`bus`] a few times a second, which only the
//!   panels that show it subscribe to;
//! - [`story`], [`chart_data`], [`csv`]: what the panels make of a snapshot.
//!
//! Effects forward state changes to the simulation (parameters at once, without a reset; reset,
//! restart and step once per press); the simulation applies them at an instant all worlds share.

pub mod bus;
pub mod chart_data;
pub mod controls;
pub mod csv;
pub mod palette;
pub mod panels;
pub mod presets;
pub mod scale;
pub mod sim;
pub mod snapshot;
pub mod state;
pub mod story;
pub mod url;
pub mod web;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

use std::rc::Rc;

use yew::prelude::*;

use crate::animation::{AnimationFeed, ServerAnimation};
use bus::{Bus, BusHandle};
use controls::{MainSliders, MoreParams, Presets, Strategies, Transport};
use panels::{Charts, Story, SummaryTable};
use sim::{Driver, Sim};
use snapshot::Snapshot;
use state::Action;

/// Wall-clock time the simulation may use per animation frame, in milliseconds.
pub const FRAME_BUDGET_MS: f64 = 8.0;

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(|| url::initial_state(&web::query_pairs()));
    let driver = use_mut_ref(|| {
        Driver::new(
            Sim::new(&state.params, &state.strategies),
            state.playing,
            state.speed,
        )
    });
    let feed = use_mut_ref(AnimationFeed::default);
    let bus = (*use_memo((), |_| BusHandle(Rc::new(Bus::new(Snapshot::empty()))))).clone();

    // State → simulation. Each effect runs after the render in which its value changed.
    {
        let driver = driver.clone();
        use_effect_with((state.playing, state.speed), move |(playing, speed)| {
            driver.borrow_mut().set_pace(*playing, *speed);
        });
    }
    {
        let driver = driver.clone();
        use_effect_with(state.params.clone(), move |params| {
            driver.borrow_mut().sim.set_params(params);
        });
    }
    {
        let driver = driver.clone();
        use_effect_with(state.strategies.clone(), move |strategies| {
            driver.borrow_mut().sim.set_strategies(strategies);
        });
    }
    {
        let driver = driver.clone();
        let (params, strategies) = (state.params.clone(), state.strategies.clone());
        use_effect_with(state.reset_seq, move |seq| {
            if *seq > 0 {
                let mut driver = driver.borrow_mut();
                driver.sim.reset(&params, &strategies);
                driver.touch();
            }
        });
    }
    {
        let driver = driver.clone();
        use_effect_with(state.restart_seq, move |seq| {
            if *seq > 0 {
                driver.borrow_mut().sim.restart_server();
            }
        });
    }
    {
        let driver = driver.clone();
        use_effect_with(state.step_seq, move |seq| {
            if *seq > 0 {
                driver.borrow_mut().sim.step();
            }
        });
    }

    // The address follows the scenario, so that it can be shared (after the reader stops dragging).
    {
        let pending = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
        let pairs = url::query_pairs(&state);
        use_effect_with(pairs, move |pairs| {
            let pairs = pairs.clone();
            *pending.borrow_mut() = Some(gloo_timers::callback::Timeout::new(500, move || {
                web::replace_query(&pairs)
            }));
        });
    }

    // The animation-frame loop and the page-visibility listener, for the life of the page.
    {
        let (driver, feed, bus) = (driver.clone(), feed.clone(), bus.clone());
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let frame_loop = web::FrameLoop::start(move |timestamp| {
                let snapshot = {
                    let mut driver = driver.borrow_mut();
                    let snapshot = driver.tick(timestamp, FRAME_BUDGET_MS, &mut web::now_ms);
                    driver.sim.fill_feed(&mut feed.borrow_mut());
                    snapshot
                };
                if let Some(snapshot) = snapshot {
                    bus.0.publish(Rc::new(snapshot));
                }
            });
            if web::page_hidden() {
                dispatcher.dispatch(Action::Visibility { hidden: true });
            }
            let visibility = web::on_visibility_change(move |hidden| {
                dispatcher.dispatch(Action::Visibility { hidden });
            });
            move || {
                drop(visibility);
                drop(frame_loop);
            }
        });
    }

    html! {
        <main class="page">
            <header class="intro">
                <h1>{ "Polling, long polling and streaming, side by side" }</h1>
                <p class="lede">
                    { "Each world below is one server with the same clients and the same messages; only \
                       the way the clients learn of new messages differs. Drag the number of clients and \
                       the poll interval, or pick a scenario, and watch the requests, the memory and the \
                       wait for a message change." }
                </p>
            </header>
            <section class="stage" aria-label="Animated view of the clients and the server">
                <ServerAnimation feed={feed.clone()} />
            </section>
            <Story bus={bus.clone()} />
            <section id="controls" class="controls dock" aria-label="Controls">
                <Transport state={state.clone()} bus={bus.clone()} />
                <MainSliders state={state.clone()} />
            </section>
            <section class="controls setup" aria-label="Scenario">
                <Strategies state={state.clone()} />
                <Presets state={state.clone()} />
                <MoreParams state={state.clone()} />
            </section>
            <Charts bus={bus.clone()} />
            <SummaryTable bus={bus} />
            <footer class="footer">
                <p>{ "pollstream simulates every request, push and message on a discrete clock; the same \
                      parameters and seed always give the same numbers." }</p>
            </footer>
        </main>
    }
}
