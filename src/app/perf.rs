//! Cheap timing of the main thread's work: the engine, the snapshots, Yew's renders, the
//! charts and the animated view, as rolling means per animation frame.
//!
//! Each part calls [`span`] with its start and end (`performance.now()` milliseconds). Once a second of
//! frames the sums become a report on `window.__pollstream_perf` (see [`Report`]; the last 30 reports
//! are kept in its `history`), read by `tests/e2e/perf.mjs`. A span longer than [`SLOW_SPAN_MS`] is
//! also written to the page's performance timeline as a `performance.measure` named `pollstream:<span>`,
//! so that a long task can be traced to its cause (only slow spans: the timeline stays small). Nothing
//! is written to the console.
//!
//! Pure apart from [`now_ms`] and the publishing, which do nothing off wasm32 (native tests).
//!
//! Only in builds with the `perf` feature (`make perf-browser` and `make bench-browser` build with
//! `--all-features`) and in tests: elsewhere every function here returns at once, so that the shipped
//! build, which must fit its size budget, carries neither the timing nor the publishing code (~1.5 kB
//! of gzipped wasm).

use std::cell::RefCell;

/// Whether the spans are recorded and published (see the module's documentation).
const ENABLED: bool = cfg!(any(feature = "perf", test));

/// What the main thread was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// `World::advance` calls of one frame (the lockstep loop).
    Engine,
    /// Taking a snapshot for the panels.
    Capture,
    /// Filling the animation feed.
    Feed,
    /// Publishing a snapshot until Yew has re-rendered the panels (its microtask included).
    Render,
    /// Drawing one chart.
    Chart,
    /// Drawing the animated view.
    Animation,
    /// Building worlds (a reset, a new strategy, a new page).
    Worlds,
    /// The app's whole animation-frame callback (engine, capture, feed, publish).
    Frame,
    /// One `World::advance` call (part of [`Span::Engine`]).
    Advance,
    /// Applying parameter changes and restarts to the worlds (part of [`Span::Engine`]).
    Apply,
}

// Read by the publishing code, which is for wasm32 only.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Span {
    pub const ALL: [Span; 10] = [
        Span::Engine,
        Span::Capture,
        Span::Feed,
        Span::Render,
        Span::Chart,
        Span::Animation,
        Span::Worlds,
        Span::Frame,
        Span::Advance,
        Span::Apply,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Span::Engine => "engine",
            Span::Capture => "capture",
            Span::Feed => "feed",
            Span::Render => "render",
            Span::Chart => "chart",
            Span::Animation => "animation",
            Span::Worlds => "worlds",
            Span::Frame => "frame",
            Span::Advance => "advance",
            Span::Apply => "apply",
        }
    }
}

/// Spans at least this long are also put on the performance timeline.
pub const SLOW_SPAN_MS: f64 = 30.0;
/// Length of one report's window of frames, in milliseconds.
pub const WINDOW_MS: f64 = 1_000.0;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sums {
    pub total_ms: f64,
    pub calls: u64,
    pub max_ms: f64,
}

impl Sums {
    fn add(&mut self, ms: f64) {
        self.total_ms += ms;
        self.calls += 1;
        self.max_ms = self.max_ms.max(ms);
    }
}

/// One window's figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Wall-clock milliseconds the window covered.
    pub span_ms: f64,
    /// App animation frames in the window.
    pub frames: u64,
    /// Engine events processed in the window.
    pub events: u64,
    /// Per span, in [`Span::ALL`] order.
    pub sums: [Sums; 10],
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Report {
    pub fn get(&self, span: Span) -> Sums {
        self.sums[span as usize]
    }
}

#[derive(Default)]
struct Stats {
    window: Report,
    window_start: Option<f64>,
    /// The longest of each span since the page loaded.
    max_ever: [f64; 10],
}

thread_local! {
    static STATS: RefCell<Stats> = RefCell::default();
}

/// `performance.now()` in milliseconds (0 off wasm32 and where there is no `performance`).
pub fn now_ms() -> f64 {
    if !ENABLED {
        return 0.0;
    }
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// Records that `span` ran from `start_ms` to `end_ms`.
pub fn span(span: Span, start_ms: f64, end_ms: f64) {
    if !ENABLED {
        return;
    }
    let ms = (end_ms - start_ms).max(0.0);
    let _ = STATS.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.window.sums[span as usize].add(ms);
            let max = &mut s.max_ever[span as usize];
            *max = max.max(ms);
        }
    });
    if ms >= SLOW_SPAN_MS {
        web::measure(span.name(), start_ms, ms);
    }
}

/// Adds `ms` to `span` in the current window, for work timed elsewhere (the simulation's worker).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the worker is wasm32 only
pub fn add(span: Span, ms: f64) {
    if !ENABLED || ms <= 0.0 {
        return;
    }
    let _ = STATS.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.window.sums[span as usize].add(ms);
        }
    });
}

/// Adds engine events to the current window.
pub fn events(n: u64) {
    if !ENABLED {
        return;
    }
    let _ = STATS.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.window.events += n;
        }
    });
}

/// Ends one app animation frame at `now_ms`; once a window is full, publishes its report.
pub fn frame_done(now_ms: f64) {
    if !ENABLED {
        return;
    }
    let report = STATS.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        s.window.frames += 1;
        let start = *s.window_start.get_or_insert(now_ms);
        if now_ms - start < WINDOW_MS {
            return None;
        }
        let mut report = std::mem::take(&mut s.window);
        report.span_ms = now_ms - start;
        s.window_start = Some(now_ms);
        Some((report, s.max_ever))
    });
    if let Ok(Some((report, max_ever))) = report {
        web::publish(&report, &max_ever);
    }
}

/// Marks a moment on the performance timeline (`performance.mark`), once per name and page.
pub fn mark_once(name: &'static str) {
    if !ENABLED {
        return;
    }
    thread_local! {
        static DONE: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }
    let first = DONE
        .try_with(|d| {
            let mut d = d.borrow_mut();
            let first = !d.contains(&name);
            if first {
                d.push(name);
            }
            first
        })
        .unwrap_or(false);
    if first {
        web::mark(name);
    }
}

/// Records [`Span::Render`] from `start_ms` until the microtasks queued so far (Yew's render) have run.
pub fn render_from(start_ms: f64) {
    if !ENABLED {
        return;
    }
    web::after_microtasks(move || span(Span::Render, start_ms, now_ms()));
}

#[cfg(target_arch = "wasm32")]
mod web {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use super::{Report, Span};

    /// Reports kept in `window.__pollstream_perf.history`.
    const HISTORY: u32 = 30;

    fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
        let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
    }

    fn performance() -> Option<web_sys::Performance> {
        web_sys::window()?.performance()
    }

    pub fn measure(name: &str, start_ms: f64, duration_ms: f64) {
        let Some(performance) = performance() else {
            return;
        };
        let options = Object::new();
        set(&options, "start", start_ms);
        set(&options, "duration", duration_ms);
        let Ok(measure) = Reflect::get(&performance, &JsValue::from_str("measure")) else {
            return;
        };
        if let Some(measure) = measure.dyn_ref::<js_sys::Function>() {
            let _ = measure.call2(
                &performance,
                &JsValue::from_str(&format!("pollstream:{name}")),
                &options,
            );
        }
    }

    pub fn mark(name: &str) {
        if let Some(performance) = performance() {
            let _ = performance.mark(name);
        }
    }

    pub fn after_microtasks(f: impl FnOnce() + 'static) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Ok(queue) = Reflect::get(&window, &JsValue::from_str("queueMicrotask")) else {
            return;
        };
        if let Some(queue) = queue.dyn_ref::<js_sys::Function>() {
            let callback = Closure::once_into_js(f);
            let _ = queue.call1(&window, &callback);
        }
    }

    pub fn publish(report: &Report, max_ever: &[f64; 10]) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let root = match Reflect::get(&window, &JsValue::from_str("__pollstream_perf")) {
            Ok(v) if v.is_object() => v.unchecked_into::<Object>(),
            _ => {
                let root = Object::new();
                set(&root, "history", Array::new());
                set(&window, "__pollstream_perf", root.clone());
                root
            }
        };
        let frames = report.frames.max(1) as f64;
        let now = Object::new();
        set(&now, "span_ms", report.span_ms);
        set(&now, "frames", report.frames as f64);
        set(
            &now,
            "fps",
            report.frames as f64 * 1e3 / report.span_ms.max(1.0),
        );
        set(&now, "events", report.events as f64);
        set(&now, "events_per_frame", report.events as f64 / frames);
        let max = Object::new();
        for span in Span::ALL {
            let sums = report.get(span);
            let o = Object::new();
            set(&o, "per_frame_ms", sums.total_ms / frames);
            set(
                &o,
                "per_call_ms",
                sums.total_ms / (sums.calls.max(1) as f64),
            );
            set(&o, "calls", sums.calls as f64);
            set(&o, "max_ms", sums.max_ms);
            set(&now, span.name(), o);
            set(&max, span.name(), max_ever[span as usize]);
        }
        set(&root, "latest", now.clone());
        set(&root, "max_ever", max);
        let history = Reflect::get(&root, &JsValue::from_str("history"))
            .ok()
            .and_then(|h| h.dyn_into::<Array>().ok())
            .unwrap_or_default();
        history.push(&now);
        while history.length() > HISTORY {
            history.shift();
        }
        set(&root, "history", history);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod web {
    use super::Report;

    pub fn measure(_name: &str, _start_ms: f64, _duration_ms: f64) {}
    pub fn mark(_name: &str) {}
    pub fn after_microtasks(_f: impl FnOnce() + 'static) {}
    pub fn publish(_report: &Report, _max_ever: &[f64; 10]) {}
}

/// Reports a panic's message on the console (`console.error`), where a wasm panic would otherwise
/// show only as `unreachable`.
///
/// For the `?bench` page only: the app proper leaves this to Yew, whose renderer replaces any hook
/// not set through `yew::set_custom_panic_hook` with `console_error_panic_hook` (which says
/// "panicked at", as tests/e2e/e2e.mjs looks for).
#[cfg(feature = "bench")]
pub fn install_panic_hook() {
    #[cfg(target_arch = "wasm32")]
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("pollstream panicked: {info}").into());
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_add_up_per_window() {
        span(Span::Engine, 0.0, 4.0);
        span(Span::Engine, 10.0, 12.0);
        events(500);
        let report = STATS.with(|s| s.borrow().window.clone());
        assert_eq!(report.get(Span::Engine).calls, 2);
        assert_eq!(report.get(Span::Engine).max_ms, 4.0);
        assert_eq!(report.events, 500);
        frame_done(0.0);
        frame_done(500.0);
        frame_done(1000.0);
        let after = STATS.with(|s| s.borrow().window.clone());
        assert_eq!(
            after.frames, 0,
            "a full window was published and a new one begun"
        );
        assert_eq!(
            STATS.with(|s| s.borrow().max_ever[Span::Engine as usize]),
            4.0
        );
    }
}
