//! Inline styles that a strict Content-Security-Policy allows.
//!
//! Under `style-src 'self'` (docs/embedding.md) a browser refuses every `style="…"` attribute, and Yew
//! sets attributes with `setAttribute`, so `html! { <div style={…}> }` would do nothing there. Fixed
//! styles are classes in static/style.css; the few that change with the data (a readout that follows the
//! pointer, a legend swatch's colour) are written as `data-style="…"` instead, and one `MutationObserver`
//! copies each into the element's style through the CSSOM (`element.style.cssText`), which the policy
//! allows. The observer's callback runs as a microtask right after Yew's DOM changes, before the next
//! paint, so nothing is drawn unstyled.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, MutationObserver, MutationObserverInit, MutationRecord};

/// The attribute whose value becomes the element's style.
pub const ATTR: &str = "data-style";

fn apply(element: &Element) {
    if let (Some(el), Some(css)) = (
        element.dyn_ref::<HtmlElement>(),
        element.get_attribute(ATTR),
    ) {
        if el.style().css_text() != css {
            el.style().set_css_text(&css);
        }
    }
}

fn apply_tree(element: &Element) {
    apply(element);
    if let Ok(list) = element.query_selector_all("[data-style]") {
        for i in 0..list.length() {
            if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                apply(&e);
            }
        }
    }
}

/// Starts the observer on the whole document, for the life of the page. Call once, before mounting.
pub fn install() {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(|records: js_sys::Array| {
        for record in records.iter() {
            let record: MutationRecord = record.unchecked_into();
            if record.type_() == "attributes" {
                if let Some(e) = record.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                    apply(&e);
                }
            } else {
                let added = record.added_nodes();
                for i in 0..added.length() {
                    if let Some(e) = added.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                        apply_tree(&e);
                    }
                }
            }
        }
    });
    let Ok(observer) = MutationObserver::new(callback.as_ref().unchecked_ref()) else {
        return;
    };
    let options = MutationObserverInit::new();
    options.set_subtree(true);
    options.set_child_list(true);
    options.set_attribute_filter(&js_sys::Array::of1(&ATTR.into()));
    if observer.observe_with_options(&root, &options).is_ok() {
        // Whatever is already there (nothing, when called before mounting).
        apply_tree(&root);
        callback.forget();
    }
}
