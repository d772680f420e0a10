//! pollstream in the browser: the app shell ([`app`]), its charts ([`charts`]) and the animated view of
//! the clients and the server ([`animation`]). The simulation itself is the `pollstream-engine` crate.
//!
//! Where it mounts: into every element with a `data-pollstream` attribute, one independent simulator
//! each, whose scenario is the attribute (`<div data-pollstream="clients=1000&panels=load"></div>`);
//! on a page without any, the full app into `<body>`, whose scenario is the page address.

mod animation;
mod app;
mod charts;
mod csp_style;
mod math;
// Only the browser build starts a worker; natively the protocol is tested, not used.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod worker;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The attribute that marks a mount point, and the one set on it once mounted (so that loading the
/// script twice mounts nothing twice).
const MOUNT: &str = "data-pollstream";
const MOUNTED: &str = "data-pollstream-mounted";

fn main() {
    // The same module runs the simulation's worker (src/worker), where there is no window.
    if web_sys::window().is_none() {
        #[cfg(target_arch = "wasm32")]
        if let Ok(scope) = wasm_bindgen::JsCast::dyn_into(js_sys::global()) {
            worker::run::start(scope);
        }
        return;
    }
    #[cfg(feature = "bench")]
    if app::bench::requested() {
        app::perf::install_panic_hook();
        app::bench::start();
        return;
    }
    // Before anything renders: `data-style` attributes become styles that a strict CSP allows.
    csp_style::install();
    let document = web_sys::window().and_then(|w| w.document());
    let mut mounted = 0;
    while let Some(element) = document.as_ref().and_then(|d| {
        d.query_selector(&format!("[{MOUNT}]:not([{MOUNTED}])"))
            .ok()
            .flatten()
    }) {
        mounted += 1;
        let _ = element.set_attribute(MOUNTED, "");
        let props = app::AppProps {
            query: Some(element.get_attribute(MOUNT).unwrap_or_default().into()),
            // The element's own id names its instance's ids (`sim-chat-clients`); else its number.
            id_prefix: match element.id() {
                id if id.is_empty() => format!("ps{mounted}-"),
                id => format!("{id}-"),
            }
            .into(),
        };
        yew::Renderer::<app::App>::with_root_and_props(element, props).render();
    }
    if mounted == 0 {
        yew::Renderer::<app::App>::new().render();
    }
}
