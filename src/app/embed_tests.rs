//! Browser tests of sharing and embedding: independent instances side by side, and the notice about a
//! link's bad values (`cargo test --target wasm32-unknown-unknown`, headless Chromium).

use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::{App, AppProps};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn mount_point() -> Element {
    let div = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .text_content()
        .unwrap_or_default()
}

async fn wait(ms: u64) {
    yew::platform::time::sleep(Duration::from_millis(ms)).await;
}

fn instance(query: &str, prefix: &str) -> Element {
    let root = mount_point();
    yew::Renderer::<App>::with_root_and_props(
        root.clone(),
        AppProps {
            query: Some(query.to_string().into()),
            id_prefix: prefix.to_string().into(),
        },
    )
    .render();
    root
}

#[wasm_bindgen_test]
async fn two_instances_run_independently_with_distinct_ids() {
    let a = instance("clients=20&panels=controls,table", "ps1-");
    let b = instance(
        "clients=30000&interval=100ms&panels=controls&paused",
        "ps2-",
    );
    wait(150).await;

    assert_eq!(text(&a, "#ps1-clients-value"), "20 clients");
    assert_eq!(text(&b, "#ps2-clients-value"), "30,000 clients");
    assert_eq!(text(&b, "#ps2-interval-value"), "100 ms");
    assert_eq!(text(&a, "#ps1-play").trim(), "Pause");
    assert_eq!(
        text(&b, "#ps2-play").trim(),
        "Play",
        "paused from its query"
    );
    assert!(a.query_selector("#ps1-summary-table").unwrap().is_some());
    assert!(
        b.query_selector(".summary").unwrap().is_none(),
        "only the panels asked for"
    );
    assert!(a.query_selector(".stage").unwrap().is_none());
    // No id twice in the page, and none unprefixed.
    let all = document().query_selector_all("[id]").unwrap();
    let mut seen = std::collections::HashSet::new();
    for i in 0..all.length() {
        let element: Element = all.item(i).unwrap().dyn_into().unwrap();
        if a.contains(Some(&element)) || b.contains(Some(&element)) {
            let id = element.id();
            assert!(id.starts_with("ps1-") || id.starts_with("ps2-"), "{id}");
            assert!(seen.insert(id.clone()), "duplicate id {id}");
        }
    }

    // Pausing one leaves the other running.
    let play: HtmlElement = a
        .query_selector("#ps1-play")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    play.click();
    wait(50).await;
    assert_eq!(text(&a, "#ps1-play").trim(), "Play");
    assert_eq!(text(&b, "#ps2-play").trim(), "Play");
    let slider: HtmlInputElement = b
        .query_selector("#ps2-clients")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    slider.set_value(&(slider.value().parse::<u32>().unwrap() - 10).to_string());
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    slider
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    wait(400).await;
    assert_eq!(text(&b, "#ps2-clients-value"), "3,000 clients");
    assert_eq!(text(&a, "#ps1-clients-value"), "20 clients");
    // Other tests' apps may rewrite the address meanwhile (the runner interleaves async tests), but
    // never with an instance's scenario.
    let search = super::page::location_search();
    assert!(
        !search.contains("panels=") && !search.contains("clients=3000&"),
        "instances leave the page address alone: {search}"
    );
    a.remove();
    b.remove();
}

#[wasm_bindgen_test]
async fn a_bad_link_shows_a_notice_and_the_page_keeps_working() {
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let before = window.location().href().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("?clients=0&interval=100ms&show=polling,pigeon&colour=red"),
        )
        .unwrap();
    let root = mount_point();
    yew::Renderer::<App>::with_root(root.clone()).render();
    wait(150).await;

    let notice = root
        .query_selector("[role=status].notice")
        .unwrap()
        .expect("a notice");
    let lines = notice.text_content().unwrap();
    assert!(
        lines.contains("clients=0 ignored: 0 is out of range (allowed: 1 to 10,000,000)"),
        "{lines}"
    );
    assert!(lines.contains("show=pigeon ignored"), "{lines}");
    assert!(lines.contains("colour ignored"), "{lines}");
    // The good values are applied, the bad ones left at their defaults.
    assert_eq!(text(&root, "#clients-value"), "1,000 clients");
    assert_eq!(text(&root, "#interval-value"), "100 ms");
    assert!(root
        .query_selector("#strategy-streaming")
        .unwrap()
        .is_some());
    // The address now says what runs (unless another test's app wrote it since: they interleave).
    let search = super::page::location_search();
    assert!(
        !search.contains("clients=0") && !search.contains("pigeon"),
        "{search}"
    );

    // Dismissed, it goes.
    let close: HtmlElement = notice
        .query_selector(".notice-close")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    close.click();
    wait(50).await;
    assert!(root.query_selector("#url-notice").unwrap().is_none());

    // Still running.
    wait(1_500).await;
    let clock = text(&root, "#sim-clock");
    assert!(!clock.contains("t = 0 "), "{clock}");
    root.remove();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .unwrap();
}
