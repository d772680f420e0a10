//! The animated view: for each world, the server in the middle and its clients around it, with the
//! requests, responses and pushes crossing the network as moving dots: the two diagrams of every
//! "polling vs streaming" article, brought to life.
//!
//! [`ServerAnimation`] runs its own `requestAnimationFrame` loop that reads the shared
//! [`AnimationFeed`] each frame (the app writes it), and stops when unmounted. With
//! `prefers-reduced-motion: reduce` nothing travels: the diagram is redrawn at most once a second with
//! the counts of what is in flight.

pub mod scene;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use pollstream_engine::number::shortest;
use pollstream_engine::{ClientState, Flight, SimDuration, SimTime, Strategy};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement};
use yew::prelude::*;

use crate::app::perf::{self, Span};
use crate::charts::web;
use scene::{Align, Painter, SceneColors};

/// What one world looks like at the current instant.
pub struct WorldFeed {
    pub strategy: Strategy,
    /// The instant this world has reached, which its flights are drawn at: worlds in workers of their
    /// own are a little apart.
    pub now: SimTime,
    pub color: &'static str,
    pub n_clients: u64,
    /// Clients drawn (the first `traced` of N); the flights and states are for these only.
    pub traced: u32,
    pub flights: Vec<Flight>,
    pub states: Vec<ClientState>,
    pub server_down: bool,
    pub queue_len: u64,
    pub busy_workers: u64,
    pub workers: u64,
    pub open_connections: u64,
}

/// Written by the app each frame, read by [`ServerAnimation`] each animation frame.
#[derive(Default)]
pub struct AnimationFeed {
    pub now: SimTime,
    pub latency: SimDuration,
    pub worlds: Vec<WorldFeed>,
}

#[derive(Properties)]
pub struct ServerAnimationProps {
    pub feed: Rc<RefCell<AnimationFeed>>,
}

impl PartialEq for ServerAnimationProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.feed, &other.feed)
    }
}

#[component]
pub fn ServerAnimation(props: &ServerAnimationProps) -> Html {
    let feed = use_mut_ref(|| props.feed.clone());
    if let Ok(mut f) = feed.try_borrow_mut() {
        *f = props.feed.clone();
    }
    let canvas_ref = use_node_ref();
    let box_ref = use_node_ref();
    let summary_ref = use_node_ref();
    {
        let (feed, canvas_ref, box_ref, summary_ref) = (
            feed.clone(),
            canvas_ref.clone(),
            box_ref.clone(),
            summary_ref.clone(),
        );
        use_effect_with((), move |_| {
            let runner = Runner::start(feed, canvas_ref, box_ref, summary_ref);
            move || drop(runner)
        });
    }
    // Styles: static/style.css; the colours through `data-style` (crate::csp_style: CSP-safe).
    let swatch = |color: &str, filled: bool| {
        let fill = if filled { color } else { "transparent" };
        format!("background:{fill};border-color:{color}")
    };
    html! {
        <figure class="ps-animation">
            <div ref={box_ref} class="ps-animation-stage">
                <canvas ref={canvas_ref} role="img"
                    aria-label="Clients around each server; dots are requests, responses and pushes on the network"></canvas>
            </div>
            <figcaption>
                <ul class="ps-animation-legend" aria-label="What the dots are">
                    { for scene::KINDS.iter().map(|k| html! {
                        <li class="ps-legend-item"><span class="ps-swatch" aria-hidden="true" data-style={swatch(scene::kind_color(*k), *k != pollstream_engine::FlightKind::EmptyResponse)}></span>{ scene::kind_label(*k) }</li>
                    }) }
                </ul>
                <ul class="ps-animation-legend ps-animation-states" aria-label="Client states">
                    { for scene::STATES.iter().filter(|s| **s != ClientState::Gone).map(|s| html! {
                        <li class="ps-legend-item"><span class="ps-swatch" aria-hidden="true" data-style={swatch(scene::state_color(*s).unwrap_or("#9a9a9a"), true)}></span>{ format!("client {}", scene::state_label(*s)) }</li>
                    }) }
                </ul>
                <p ref={summary_ref} class="ps-animation-summary"></p>
            </figcaption>
        </figure>
    }
}

/// What a drawing showed: (now, width bits, dpr bits, worlds, reduced motion).
type FrameKey = (SimTime, u64, u64, usize, bool);

/// The animation loop of one mounted [`ServerAnimation`]; stops when dropped.
struct Runner {
    state: Rc<RefCell<LoopState>>,
    _resize: Option<web::ResizeWatch>,
    _motion: Option<web::MediaWatch>,
    _scheme: Option<web::MediaWatch>,
}

struct LoopState {
    feed: Rc<RefCell<Rc<RefCell<AnimationFeed>>>>,
    canvas: NodeRef,
    stage: NodeRef,
    summary: NodeRef,
    stopped: bool,
    frame: Option<i32>,
    callback: Option<Closure<dyn FnMut(f64)>>,
    width: Option<f64>,
    reduced: Rc<Cell<bool>>,
    colors: Option<SceneColors>,
    /// (now, width, dpr, worlds, reduced) of the last drawing, and when it was drawn (ms).
    last: Option<(FrameKey, f64)>,
    colors_read_at: f64,
    summary_at: f64,
}

impl Runner {
    fn start(
        feed: Rc<RefCell<Rc<RefCell<AnimationFeed>>>>,
        canvas: NodeRef,
        stage: NodeRef,
        summary: NodeRef,
    ) -> Runner {
        let reduced = Rc::new(Cell::new(web::matches("(prefers-reduced-motion: reduce)")));
        let state = Rc::new(RefCell::new(LoopState {
            feed,
            canvas,
            stage: stage.clone(),
            summary,
            stopped: false,
            frame: None,
            callback: None,
            width: None,
            reduced: reduced.clone(),
            colors: None,
            last: None,
            colors_read_at: f64::NEG_INFINITY,
            summary_at: f64::NEG_INFINITY,
        }));
        let weak = Rc::downgrade(&state);
        let callback = Closure::<dyn FnMut(f64)>::new(move |ms: f64| {
            if let Some(state) = weak.upgrade() {
                frame(&state, ms);
            }
        });
        let resize = stage.cast::<Element>().map(|e| {
            let weak = Rc::downgrade(&state);
            web::ResizeWatch::new(&e, move || {
                if let Some(s) = weak.upgrade() {
                    if let Ok(mut s) = s.try_borrow_mut() {
                        s.width = None;
                    }
                }
            })
        });
        let motion = web::MediaWatch::new("(prefers-reduced-motion: reduce)", move || {
            reduced.set(web::matches("(prefers-reduced-motion: reduce)"));
        });
        let scheme = {
            let weak = Rc::downgrade(&state);
            web::MediaWatch::new("(prefers-color-scheme: dark)", move || {
                if let Some(s) = weak.upgrade() {
                    if let Ok(mut s) = s.try_borrow_mut() {
                        s.colors = None;
                        s.last = None;
                    }
                }
            })
        };
        if let Ok(mut s) = state.try_borrow_mut() {
            s.callback = Some(callback);
            s.request();
        }
        Runner {
            state,
            _resize: resize,
            _motion: motion,
            _scheme: scheme,
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Ok(mut s) = self.state.try_borrow_mut() {
            s.stopped = true;
            if let (Some(id), Some(w)) = (s.frame.take(), web_sys::window()) {
                let _ = w.cancel_animation_frame(id);
            }
            // Dropped outside any frame: the closure is not running.
            s.callback = None;
        }
    }
}

impl LoopState {
    fn request(&mut self) {
        if self.stopped {
            return;
        }
        if let (Some(w), Some(cb)) = (web_sys::window(), self.callback.as_ref()) {
            self.frame = w.request_animation_frame(cb.as_ref().unchecked_ref()).ok();
        }
    }
}

fn frame(state: &Rc<RefCell<LoopState>>, ms: f64) {
    let Ok(mut s) = state.try_borrow_mut() else {
        return;
    };
    s.frame = None;
    if s.stopped {
        return;
    }
    let start = perf::now_ms();
    if draw_frame(&mut s, ms) {
        perf::span(Span::Animation, start, perf::now_ms());
    }
    s.request();
}

/// Draws if anything changed (and at least once a second); whether it drew.
fn draw_frame(s: &mut LoopState, ms: f64) -> bool {
    let (Some(canvas), Some(stage)) = (
        s.canvas.cast::<HtmlCanvasElement>(),
        s.stage.cast::<Element>(),
    ) else {
        return false;
    };
    let width = match s.width {
        Some(w) => w,
        None => {
            let w = f64::from(stage.client_width());
            s.width = Some(w);
            s.last = None;
            w
        }
    };
    if width.is_nan() || width < 1.0 {
        return false;
    }
    if s.colors.is_none() || ms - s.colors_read_at > 2000.0 {
        let fresh = scene_colors(&stage);
        if s.colors.as_ref() != Some(&fresh) {
            s.last = None;
        }
        s.colors = Some(fresh);
        s.colors_read_at = ms;
    }
    let reduced = s.reduced.get();
    let outer = s.feed.try_borrow().ok().map(|f| f.clone());
    let Some(outer) = outer else { return false };
    let Ok(feed) = outer.try_borrow() else {
        return false;
    };
    let dpr = web::device_pixel_ratio();
    let key = (
        feed.now,
        width.to_bits(),
        dpr.to_bits(),
        feed.worlds.len(),
        reduced,
    );
    if let Some((last_key, at)) = &s.last {
        // Redraw when something moved; otherwise once a second (client states, theme). Reduced motion:
        // at most once a second, whatever happens.
        let due = ms - at >= 1000.0;
        let redraw = if reduced {
            due || !last_key.4
        } else {
            due || *last_key != key
        };
        if !redraw {
            return false;
        }
    }
    let colors = s.colors.clone().unwrap_or_default();
    let height = scene::layout(width, feed.worlds.len()).height;
    let (w, h) = ((width * dpr).round() as u32, (height * dpr).round() as u32);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    // Through the CSSOM, not a style attribute, which a strict CSP refuses (crate::csp_style).
    canvas.style().set_css_text(&format!(
        "display:block;width:{}px;height:{}px;max-width:100%",
        shortest(width),
        shortest(height)
    ));
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
    let Some(ctx) = ctx else { return false };
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    let mut painter = CanvasPainter {
        ctx: &ctx,
        font: &colors.font,
    };
    scene::draw_scene(&mut painter, &feed, width, &colors, !reduced);
    s.last = Some((key, ms));

    if ms - s.summary_at >= 500.0 {
        s.summary_at = ms;
        if let Some(p) = s.summary.cast::<Element>() {
            let text: Vec<String> = feed
                .worlds
                .iter()
                .map(|w| {
                    format!(
                        "{}: {}.",
                        w.strategy.label(),
                        scene::counts_text(&scene::in_flight(w, w.now))
                    )
                })
                .collect();
            let text = text.join(" ");
            if p.text_content().as_deref() != Some(text.as_str()) {
                p.set_text_content(Some(&text));
            }
        }
    }
    true
}

fn scene_colors(stage: &Element) -> SceneColors {
    let t = web::read_theme(stage);
    let css = |c: ((u8, u8, u8), f64)| format!("rgb({},{},{})", c.0 .0, c.0 .1, c.0 .2);
    SceneColors {
        background: css(t.background),
        text: css(t.text),
        muted: css(t.axis),
        line: css(t.grid),
        font_scale: 1.0,
        font: t.font_family,
    }
}

struct CanvasPainter<'a> {
    ctx: &'a CanvasRenderingContext2d,
    font: &'a str,
}

impl Painter for CanvasPainter<'_> {
    fn clear(&mut self, width: f64, height: f64, background: &str) {
        self.ctx.set_global_alpha(1.0);
        self.ctx.set_fill_style_str(background);
        self.ctx.fill_rect(0.0, 0.0, width, height);
    }

    fn segments(&mut self, segments: &[(f64, f64, f64, f64)], color: &str, width: f64, alpha: f64) {
        self.ctx.set_global_alpha(alpha);
        self.ctx.set_stroke_style_str(color);
        self.ctx.set_line_width(width);
        self.ctx.begin_path();
        for &(x1, y1, x2, y2) in segments {
            self.ctx.move_to(x1, y1);
            self.ctx.line_to(x2, y2);
        }
        self.ctx.stroke();
        self.ctx.set_global_alpha(1.0);
    }

    fn dots(&mut self, centres: &[(f64, f64)], radius: f64, color: &str, filled: bool) {
        self.ctx.begin_path();
        for &(x, y) in centres {
            self.ctx.move_to(x + radius, y);
            let _ = self.ctx.arc(x, y, radius, 0.0, std::f64::consts::TAU);
        }
        if filled {
            self.ctx.set_fill_style_str(color);
            self.ctx.fill();
        } else {
            self.ctx.set_stroke_style_str(color);
            self.ctx.set_line_width(1.25);
            self.ctx.stroke();
        }
    }

    fn rect(&mut self, (x, y, w, h): (f64, f64, f64, f64), color: &str, filled: bool, alpha: f64) {
        self.ctx.set_global_alpha(alpha);
        if filled {
            self.ctx.set_fill_style_str(color);
            self.ctx.fill_rect(x, y, w, h);
        } else {
            self.ctx.set_stroke_style_str(color);
            self.ctx.set_line_width(1.5);
            self.ctx.stroke_rect(x, y, w, h);
        }
        self.ctx.set_global_alpha(1.0);
    }

    fn text(
        &mut self,
        text: &str,
        (x, y): (f64, f64),
        color: &str,
        size: f64,
        align: Align,
        bold: bool,
    ) {
        let weight = if bold { "600 " } else { "" };
        self.ctx
            .set_font(&format!("{weight}{}px {}", shortest(size), self.font));
        self.ctx.set_fill_style_str(color);
        self.ctx.set_text_align(match align {
            Align::Left => "left",
            Align::Center => "center",
        });
        self.ctx.set_text_baseline("alphabetic");
        let _ = self.ctx.fill_text(text, x, y);
    }
}
