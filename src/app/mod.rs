//! The browser app: a thin shell around pure parts.
//!
//! - [`state`]: what the reader chose, changed only by [`state::Action`]s through `use_reducer`;
//! - [`sim`]: the worlds in lockstep and their pacing under a time budget, run by a [`host`] kept in
//!   `use_mut_ref`: in a Web Worker ([`crate::worker`]) when there is one, else on the page's
//!   animation frames;
//! - [`snapshot`]: an immutable picture published on a [`bus`] a few times a second, which only the
//!   panels that show it subscribe to;
//! - [`story`], [`chart_data`], [`csv`]: what the panels make of a snapshot.
//!
//! Effects forward state changes to the simulation (parameters at once, without a reset; reset,
//! restart and step once per press); the simulation applies them at an instant all worlds share.
//!
//! One [`App`] is one independent simulator. It runs in one of three [`Mode`]s: the full page (the
//! scenario is the page address, kept current), `?embed` (the same in an iframe: compact, tells the
//! parent its height) or an instance mounted into a `data-pollstream` element of someone else's page
//! (the scenario is the attribute; the page address is left alone; ids are prefixed). Every mode pauses
//! while its tab is hidden or it is scrolled off screen.

#[cfg(feature = "bench")]
pub mod bench;
pub mod bus;
pub mod chart_data;
pub mod controls;
pub mod csv;
pub mod host;
pub mod page;
pub mod palette;
pub mod panels;
pub mod perf;
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
#[cfg(all(test, target_arch = "wasm32"))]
mod embed_tests;

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use crate::animation::{AnimationFeed, ServerAnimation};
use bus::{Bus, BusHandle};
use controls::{MainSliders, MoreParams, Presets, Strategies, Transport};
use host::SimHost;
use panels::{ChartGroup, Charts, Story, SummaryTable, UrlNotice};
use snapshot::Snapshot;
use state::{Action, UiState};
use url::{Panel, Panels};

/// Wall-clock time the simulation may use per animation frame when it runs on the page (no worker),
/// in milliseconds.
pub const FRAME_BUDGET_MS: f64 = 8.0;
/// The page address is rewritten at most this often while the reader drags.
pub const ADDRESS_EVERY_MS: f64 = 300.0;

/// Element ids of one instance: `prefix` + the id (`ps2-clients`). The single app of a page has no
/// prefix, so its ids are the plain ones (`#clients`, `#play`) that tests and links use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ids(pub AttrValue);

impl Ids {
    pub fn of(&self, id: &str) -> AttrValue {
        if self.0.is_empty() {
            AttrValue::from(id.to_string())
        } else {
            AttrValue::from(format!("{}{id}", self.0))
        }
    }
}

/// The ids of the instance this component is part of.
#[hook]
pub fn use_ids() -> Ids {
    use_context::<Ids>().unwrap_or_default()
}

/// Where an [`App`] lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The whole page; the scenario is the page address.
    Page,
    /// The whole page inside an iframe (`?embed`): compact, reports its height to the parent.
    Embed,
    /// One of any number of simulators in someone else's page (`data-pollstream="…"`).
    Instance,
}

#[derive(Properties, Clone, Debug, Default, PartialEq)]
pub struct AppProps {
    /// The scenario as a query string (`clients=1000&panels=load`) for an instance in a
    /// `data-pollstream` element; `None`: the page address, which then follows the scenario.
    #[prop_or_default]
    pub query: Option<AttrValue>,
    /// Prepended to every element id, so that several instances on one page have distinct ids.
    #[prop_or_default]
    pub id_prefix: AttrValue,
}

/// One simulator: the whole page, an embedded page or one instance among several.
#[component]
pub fn App(props: &AppProps) -> Html {
    let scenario = {
        let query = props.query.clone();
        use_memo((), move |_| {
            let query = query.map_or_else(page::location_search, |q| q.to_string());
            url::parse(&url::decode_query(&query))
        })
    };
    let mode = match (&props.query, scenario.embed) {
        (Some(_), _) => Mode::Instance,
        (None, true) => Mode::Embed,
        (None, false) => Mode::Page,
    };
    let panels = scenario.panels;
    let state = {
        let initial = scenario.state.clone();
        use_reducer(move || initial)
    };
    let host = use_mut_ref(|| {
        SimHost::new(
            &state.params,
            &state.strategies,
            state.running(),
            state.speed,
        )
    });
    let feed = use_mut_ref(AnimationFeed::default);
    let bus = (*use_memo((), |_| BusHandle(Rc::new(Bus::new(Snapshot::empty()))))).clone();
    let root = use_node_ref();
    let ids = Ids(props.id_prefix.clone());

    // State → simulation, after each render, for what changed since the last one (everything the
    // first time). One effect that compares for itself: one `use_effect_with` per value costs ~1 kB of
    // wasm each.
    {
        #[derive(PartialEq)]
        struct Sent {
            pace: (bool, state::Speed),
            params: pollstream_engine::Params,
            strategies: Vec<pollstream_engine::Strategy>,
            reset_seq: u64,
            restart_seq: u64,
            step_seq: u64,
        }
        let sent = use_mut_ref(|| None::<Sent>);
        let host = host.clone();
        let now = Sent {
            pace: (state.running(), state.speed),
            params: state.params.clone(),
            strategies: state.strategies.clone(),
            reset_seq: state.reset_seq,
            restart_seq: state.restart_seq,
            step_seq: state.step_seq,
        };
        use_effect(move || {
            let mut sent = sent.borrow_mut();
            if sent.as_ref() != Some(&now) {
                let before = sent.as_ref();
                let changed = |f: &dyn Fn(&Sent) -> bool| before.is_none_or(f);
                let mut host = host.borrow_mut();
                if changed(&|b| b.pace != now.pace) {
                    host.set_pace(now.pace.0, now.pace.1);
                }
                if changed(&|b| b.params != now.params) {
                    host.set_params(&now.params);
                }
                if changed(&|b| b.strategies != now.strategies) {
                    host.set_strategies(&now.strategies);
                }
                if changed(&|b| b.reset_seq != now.reset_seq) && now.reset_seq > 0 {
                    host.reset(&now.params, &now.strategies);
                }
                if changed(&|b| b.restart_seq != now.restart_seq) && now.restart_seq > 0 {
                    host.restart_server();
                }
                if changed(&|b| b.step_seq != now.step_seq) && now.step_seq > 0 {
                    host.step();
                }
                *sent = Some(now);
            }
        });
    }

    // The address follows the scenario while the reader drags, at most every ADDRESS_EVERY_MS and
    // without history entries. An instance leaves the page address alone.
    let query = url::to_query(&url::query_pairs(&state, panels, mode == Mode::Embed));
    {
        struct Writer {
            throttle: url::Throttle,
            scheduled: bool,
            latest: String,
        }
        let writer = use_mut_ref(|| Writer {
            throttle: url::Throttle::new(ADDRESS_EVERY_MS),
            scheduled: false,
            latest: String::new(),
        });
        use_effect_with((query.clone(), mode), move |(query, mode)| {
            if *mode == Mode::Instance {
                return;
            }
            let mut w = writer.borrow_mut();
            w.latest = query.clone();
            if w.scheduled {
                return; // the write already scheduled takes the latest
            }
            let wait = w.throttle.wait_ms(web::now_ms());
            if wait <= 0.0 {
                page::replace_query(query);
                w.throttle.wrote(web::now_ms());
            } else {
                w.scheduled = true;
                let writer = writer.clone();
                gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
                    let mut w = writer.borrow_mut();
                    page::replace_query(&w.latest);
                    w.throttle.wrote(web::now_ms());
                    w.scheduled = false;
                })
                .forget();
            }
        });
    }

    // The animation-frame loop, while on screen: an instance scrolled away costs nothing. The root
    // element's `data-engine` says where the simulation runs (`worker` or `page`).
    {
        let (host, feed, bus, root) = (host.clone(), feed.clone(), bus.clone(), root.clone());
        use_effect_with(state.offscreen, move |offscreen| {
            let mut shown_place = None;
            let frame_loop = (!offscreen).then(|| {
                web::FrameLoop::start(move |timestamp| {
                    let (snapshot, place) = {
                        let mut host = host.borrow_mut();
                        let snapshot = host.frame(timestamp, &mut feed.borrow_mut());
                        (snapshot, host.place())
                    };
                    if shown_place != Some(place) {
                        if let Some(element) = root.cast::<web_sys::Element>() {
                            let _ = element.set_attribute("data-engine", place.name());
                            shown_place = Some(place);
                        }
                    }
                    if let Some(snapshot) = snapshot {
                        bus.0.publish(Rc::new(snapshot));
                    }
                })
            });
            move || drop(frame_loop)
        });
    }

    // Hidden tabs and scrolling off screen pause; the embedded page tells its parent its height.
    {
        let dispatcher = state.dispatcher();
        let root = root.clone();
        use_effect_with((), move |_| {
            if web::page_hidden() {
                dispatcher.dispatch(Action::Visibility { hidden: true });
            }
            let visibility = {
                let dispatcher = dispatcher.clone();
                web::on_visibility_change(move |hidden| {
                    dispatcher.dispatch(Action::Visibility { hidden });
                })
            };
            let element = root.cast::<web_sys::Element>();
            let on_screen = element.as_ref().and_then(|element| {
                page::ScreenWatch::new(element, move |on| {
                    dispatcher.dispatch(Action::OnScreen(on));
                })
            });
            if mode == Mode::Embed {
                // A scrollbar that comes and goes as the parent resizes the frame would change the
                // width, hence the height, hence the scrollbar: the stylesheet keeps its room instead.
                if let Some(html) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                {
                    let _ = html.set_attribute("class", "pollstream-embed");
                }
            }
            let size = element.filter(|_| mode == Mode::Embed).and_then(|element| {
                let last = Cell::new(-1.0);
                page::SizeWatch::new(&element, move |height| {
                    if height != last.replace(height) {
                        page::post_height(height);
                    }
                })
            });
            move || {
                drop(visibility);
                drop(on_screen);
                drop(size);
            }
        });
    }

    let full_url = page::url_with_query(&url::to_query(&url::query_pairs(&state, panels, false)));
    let page_url = page::url_with_query(&query);
    // A class that is not a literal is set through the DOM property (`~className`), which sets the
    // same attribute: Yew turns a computed `class={..}` (and `classes!`) into `Classes`, an `IndexSet`,
    // and building one anywhere brings the set and its hashing into the wasm (~3 kB gzipped). The
    // other components with a computed class do the same.
    let class = match mode {
        Mode::Page => "page pollstream mode-page",
        Mode::Embed => "page pollstream mode-embed",
        Mode::Instance => "page pollstream mode-instance",
    };
    let notices = (*use_memo((), |_| Rc::new(scenario.notices.clone()))).clone();
    html! {
        <ContextProvider<Ids> context={ids.clone()}>
        <main ~className={class} ref={root} data-running={state.running().to_string()}
            aria-label={(mode != Mode::Page).then_some("pollstream: polling, long polling and streaming simulator")}>
            if mode == Mode::Page {
                <header class="intro">
                    <h1>{ "Polling, long polling and streaming, side by side" }</h1>
                    <p class="lede">
                        { "The same clients and messages, three ways to hear of a new message. Drag the \
                           clients and the poll interval; watch the load and the wait." }
                    </p>
                    <CopyLink url={page_url} />
                </header>
            } else {
                <Bar state={state.clone()} bus={bus.clone()} {panels}
                    full_url={(mode == Mode::Embed).then_some(AttrValue::from(full_url))} />
            }
            <UrlNotice lines={notices} />
            // The reader's order: the two sliders the page is about, what they change (the worlds and
            // the charts), then the rest of the scenario. Wide pages (static/style.css) put the
            // sliders in a column of their own beside the rest.
            if panels.contains(Panel::Controls) {
                <section id={ids.of("controls")} class="controls dock" aria-label="Controls">
                    <Transport state={state.clone()} bus={bus.clone()} />
                    <MainSliders state={state.clone()} />
                </section>
            }
            if panels.contains(Panel::View) {
                <section class="stage" aria-label="Animated view of the clients and the server">
                    <ServerAnimation feed={feed.clone()} />
                </section>
            }
            if panels.contains(Panel::Load) {
                <Charts bus={bus.clone()} group={ChartGroup::Load} csv=true />
            }
            if panels.contains(Panel::Latency) {
                <Charts bus={bus.clone()} group={ChartGroup::Latency} csv={!panels.contains(Panel::Load)} />
            }
            if panels.contains(Panel::Controls) {
                <section class="controls setup" aria-label="Scenario">
                    <Strategies state={state.clone()} />
                    <Presets state={state.clone()} />
                    <MoreParams state={state.clone()} />
                </section>
            }
            if panels.contains(Panel::Story) {
                <Story bus={bus.clone()} />
            }
            if panels.contains(Panel::Table) {
                <SummaryTable bus={bus} />
            }
            if mode == Mode::Page {
                <footer class="footer">
                    <p>{ "pollstream simulates every request, push and message on a discrete clock; the same \
                          parameters and seed always give the same numbers." }</p>
                </footer>
            }
        </main>
        </ContextProvider<Ids>>
    }
}

#[derive(Properties, PartialEq)]
struct BarProps {
    state: UseReducerHandle<UiState>,
    bus: BusHandle<Snapshot>,
    panels: Panels,
    /// The link out to the full simulator (embed mode).
    full_url: Option<AttrValue>,
}

/// The compact head of an embedded simulator: play/pause and the clock when the controls are not
/// shown, why time stands still, and the way out to the full simulator.
#[component]
fn Bar(props: &BarProps) -> Html {
    let state = &props.state;
    let toggle = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(if state.playing {
                Action::Pause
            } else {
                Action::Play
            })
        })
    };
    html! {
        <div class="bar">
            <span class="bar-title">{ "pollstream" }</span>
            if !props.panels.contains(Panel::Controls) {
                <button type="button" class="primary bar-play" aria-pressed={state.playing.to_string()}
                    onclick={toggle}>
                    { if state.playing { "Pause" } else { "Play" } }
                </button>
                <controls::SpeedReadout bus={props.bus.clone()} />
            }
            <span class="paused-note" role="status">
                { state.paused_because().map(|why| format!("Paused: {why}")).unwrap_or_default() }
            </span>
            if let Some(url) = &props.full_url {
                <a class="full-link" href={url.clone()} target="_blank" rel="noopener">
                    { "Open the full simulator ↗" }
                </a>
                <CopyLink url={url.clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CopyLinkProps {
    url: AttrValue,
}

/// "Copy link": the clipboard where there is one; otherwise a text field with the link, selected, to
/// copy by hand.
#[component]
fn CopyLink(props: &CopyLinkProps) -> Html {
    let ids = use_ids();
    // None: not pressed yet; Some(true): copied; Some(false): shown in the field to copy by hand.
    let outcome = use_state_eq(|| None::<bool>);
    let field = use_node_ref();
    let onclick = {
        let (outcome, url) = (outcome.clone(), props.url.clone());
        Callback::from(move |_: MouseEvent| {
            let outcome = outcome.clone();
            page::copy_text(&url, move |ok| outcome.set(Some(ok)));
        })
    };
    {
        let field = field.clone();
        use_effect_with(*outcome, move |outcome| {
            if *outcome == Some(false) {
                if let Some(input) = field.cast::<web_sys::HtmlInputElement>() {
                    let _ = input.focus();
                    input.select();
                }
            }
        });
    }
    let message = match *outcome {
        Some(true) => "Link copied",
        Some(false) => "Press Ctrl+C (⌘C) to copy:",
        None => "",
    };
    {
        // "Link copied" was about the link before the scenario changed.
        let outcome = outcome.clone();
        use_effect_with(props.url.clone(), move |_| {
            if *outcome == Some(true) {
                outcome.set(None);
            }
        });
    }
    html! {
        <div class="share">
            <button id={ids.of("copy-link")} type="button" {onclick}
                title="Copy a link to this scenario: every parameter, the worlds, the speed and the seed">
                { "Copy link" }
            </button>
            <span class="share-status" role="status">{ message }</span>
            if *outcome == Some(false) {
                <input id={ids.of("share-url")} ref={field} type="text" readonly=true
                    value={props.url.clone()} aria-label="Link to this scenario" />
            }
        </div>
    }
}
