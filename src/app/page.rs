//! The browser services behind sharing and embedding: the page address, the clipboard, the parent
//! frame of an `?embed` page, and whether an instance is on screen. The rules (what goes in the
//! address, how often) are in [`super::url`]; this is only the glue.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// The page address's query string, without the `?`.
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
        .trim_start_matches('?')
        .to_string()
}

/// The address of this page with `query` (the fragment dropped).
pub fn url_with_query(query: &str) -> String {
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    let location = window.location();
    let base = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

/// Replaces the page address's query string without a new history entry or a reload; does nothing when
/// it already reads so.
pub fn replace_query(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if location_search() == query {
        return;
    }
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = if query.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{query}{hash}")
    };
    if let Ok(history) = window.history() {
        // Browsers refuse calls made too often (a SecurityError): the next one catches up.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Copies `text` with `navigator.clipboard`, then calls `done(true)`; `done(false)` where there is no
/// clipboard (an insecure page, an old browser) or the browser refuses.
pub fn copy_text(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(window) = web_sys::window() else {
        return done(false);
    };
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        return done(false);
    }
    let promise = navigator.clipboard().write_text(text);
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(done)));
    let (ok, failed) = (done.clone(), done);
    let on_ok = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        if let Some(done) = ok.take() {
            done(true)
        }
    });
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        if let Some(done) = failed.take() {
            done(false)
        }
    });
    let _ = promise.then2(&on_ok, &on_error);
    // One press, two small closures: kept for the life of the page.
    on_ok.forget();
    on_error.forget();
}

/// Tells the parent page how tall this page's content is: `{type: 'pollstream:height', height}`.
pub fn post_height(height: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"pollstream:height".into());
    let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
    // The height is no secret: any embedding page may hear it.
    let _ = parent.post_message(&message, "*");
}

/// Calls `on_resize(height in CSS px)` now and whenever `element` changes size; stops when dropped.
pub struct SizeWatch {
    observer: web_sys::ResizeObserver,
    _closure: Closure<dyn FnMut(JsValue)>,
}

impl SizeWatch {
    pub fn new(element: &Element, mut on_resize: impl FnMut(f64) + 'static) -> Option<SizeWatch> {
        let target = element.clone();
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            on_resize(target.get_bounding_client_rect().height().ceil())
        });
        let observer = web_sys::ResizeObserver::new(closure.as_ref().unchecked_ref()).ok()?;
        // The observer calls back once at once with the current size.
        observer.observe(element);
        Some(SizeWatch {
            observer,
            _closure: closure,
        })
    }
}

impl Drop for SizeWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Calls `on_change(on_screen)` whenever `element` scrolls into or out of the viewport (any pixel of it
/// counts); stops when dropped.
pub struct ScreenWatch {
    observer: web_sys::IntersectionObserver,
    _closure: Closure<dyn FnMut(js_sys::Array)>,
}

impl ScreenWatch {
    pub fn new(
        element: &Element,
        mut on_change: impl FnMut(bool) + 'static,
    ) -> Option<ScreenWatch> {
        let closure = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            // Several entries: the last is the newest.
            if let Some(entry) = entries
                .iter()
                .last()
                .and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
            {
                on_change(entry.is_intersecting());
            }
        });
        let options = web_sys::IntersectionObserverInit::new();
        options.set_threshold_f64(0.0);
        let observer = web_sys::IntersectionObserver::new_with_options(
            closure.as_ref().unchecked_ref(),
            &options,
        )
        .ok()?;
        observer.observe(element);
        Some(ScreenWatch {
            observer,
            _closure: closure,
        })
    }
}

impl Drop for ScreenWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
