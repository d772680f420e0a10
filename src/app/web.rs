//! The few browser services the shell needs: animation frames, the clock, page visibility, downloads.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::perf::{self, Span};

#[wasm_bindgen]
extern "C" {
    /// The global `performance`, a page's or a worker's.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds from `performance.now()`, on the page or in a worker.
pub fn now_ms() -> f64 {
    performance_now()
}

type FrameCallback = Closure<dyn FnMut(f64)>;

struct FrameLoopInner {
    closure: RefCell<Option<FrameCallback>>,
    handle: Cell<Option<i32>>,
}

impl FrameLoopInner {
    fn request(&self) {
        let closure = self.closure.borrow();
        let (Some(window), Some(closure)) = (web_sys::window(), closure.as_ref()) else {
            return;
        };
        self.handle.set(
            window
                .request_animation_frame(closure.as_ref().unchecked_ref())
                .ok(),
        );
    }
}

/// Calls a function on every animation frame until dropped.
pub struct FrameLoop {
    inner: Rc<FrameLoopInner>,
}

impl FrameLoop {
    /// Starts calling `tick(timestamp_ms)` once per animation frame.
    pub fn start(mut tick: impl FnMut(f64) + 'static) -> FrameLoop {
        let inner = Rc::new(FrameLoopInner {
            closure: RefCell::new(None),
            handle: Cell::new(None),
        });
        let weak = Rc::downgrade(&inner);
        let closure = Closure::<dyn FnMut(f64)>::new(move |timestamp: f64| {
            let start = now_ms();
            tick(timestamp);
            perf::span(Span::Frame, start, now_ms());
            perf::frame_done(timestamp);
            if let Some(inner) = weak.upgrade() {
                inner.request();
            }
        });
        *inner.closure.borrow_mut() = Some(closure);
        inner.request();
        FrameLoop { inner }
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        if let (Some(window), Some(handle)) = (web_sys::window(), self.inner.handle.take()) {
            let _ = window.cancel_animation_frame(handle);
        }
        self.inner.closure.borrow_mut().take();
    }
}

/// An event listener removed when dropped.
pub struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    pub fn new(
        target: &web_sys::EventTarget,
        event: &'static str,
        handler: impl FnMut(web_sys::Event) + 'static,
    ) -> Listener {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            event,
            closure,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Whether the page is hidden (another tab in front, a minimised window).
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Calls `on_change(hidden)` whenever the page is hidden or shown; stops when dropped.
pub fn on_visibility_change(mut on_change: impl FnMut(bool) + 'static) -> Option<Listener> {
    let document = web_sys::window()?.document()?;
    Some(Listener::new(&document, "visibilitychange", move |_| {
        on_change(page_hidden())
    }))
}

/// Offers `text` as a file download named `file_name`.
pub fn download(file_name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // Give the browser time to start the download before the URL goes.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// The decoded `key=value` pairs of the page address's query string (for the `?bench` page; the app
/// reads its scenario through `url.rs`).
#[cfg(feature = "bench")]
pub fn query_pairs() -> Vec<(String, String)> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let decode = |text: &str| {
        js_sys::decode_uri_component(&text.replace('+', " "))
            .map(String::from)
            .unwrap_or_else(|_| text.to_string())
    };
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}
