//! Tests in a real browser (`cargo test --target wasm32-unknown-unknown`, run by
//! wasm-bindgen-test-runner under ChromeDriver): the reducer as Yew drives it, and rendered components.

use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement};
use yew::Reducible;

use super::bus::{Bus, BusHandle};
use super::controls::BusProps;
use super::panels::Story;
use super::sim::{Driver, Sim};
use super::snapshot::Snapshot;
use super::state::{Action, Speed, UiState};
use super::App;
use pollstream_engine::{ParamKey, Params, Strategy};

wasm_bindgen_test_configure!(run_in_browser);

fn mount_point() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

/// Fires a bubbling `kind` event at `target`, as the browser does (Yew listens at the root).
fn fire(target: &Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
    target.dispatch_event(&event).unwrap();
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

#[wasm_bindgen_test]
fn the_reducer_runs_the_same_in_the_browser() {
    let state = Rc::new(UiState::default());
    let state = state.reduce(Action::SetParam(ParamKey::Clients, "12500".into()));
    let state = state.reduce(Action::SetParam(ParamKey::Seed, "x".into()));
    let state = state.reduce(Action::Step);
    assert_eq!(state.params.n_clients, 12_500);
    assert!(state.error(ParamKey::Seed).unwrap().contains("'x'"));
    assert!(!state.playing);
    assert_eq!(state.step_seq, 1);
}

#[wasm_bindgen_test]
fn a_frame_stays_within_its_budget() {
    let mut driver = Driver::new(
        Sim::new(&Params::default(), &Strategy::ALL),
        true,
        Speed::Max,
    );
    let now = super::web::now_ms;
    let start = now();
    driver.tick(start, 8.0, &mut super::web::now_ms);
    let took = now() - start;
    assert!(took < 50.0, "a frame took {took} ms");
}

#[wasm_bindgen_test]
async fn the_story_follows_the_published_snapshots() {
    let root = mount_point();
    let bus = BusHandle(Rc::new(Bus::new(Snapshot::empty())));
    yew::Renderer::<Story>::with_root_and_props(root.clone(), BusProps { bus: bus.clone() })
        .render();
    wait(50).await;
    assert!(text(&root, "#story").contains("Nothing measured yet"));

    let mut driver = Driver::new(
        Sim::new(&Params::default(), &Strategy::ALL),
        true,
        Speed::Max,
    );
    driver.sim.step();
    let mut snapshot = None;
    let mut t = 0.0;
    while snapshot
        .as_ref()
        .is_none_or(|s: &Snapshot| s.worlds[0].seconds.is_empty())
    {
        t += 16.0;
        snapshot = driver.tick(t, 8.0, &mut super::web::now_ms).or(snapshot);
    }
    bus.0.publish(Rc::new(snapshot.unwrap()));
    wait(50).await;
    let story = text(&root, "#story");
    assert!(story.contains("The 1,000 polling clients send"), "{story}");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_app_runs_and_a_slider_changes_the_running_worlds() {
    let root = mount_point();
    yew::Renderer::<App>::with_root(root.clone()).render();
    wait(100).await;
    assert_eq!(text(&root, "#clients-value"), "1,000 clients");
    assert_eq!(text(&root, "#interval-value"), "1 s");
    assert_eq!(text(&root, "#play").trim(), "Pause");

    // Let a couple of simulated seconds pass: the table fills in.
    wait(2_500).await;
    let cell = root
        .query_selector("[data-testid=\"requests-per-s-polling\"]")
        .unwrap()
        .unwrap();
    let value: f64 = cell
        .get_attribute("data-value")
        .expect("a value")
        .parse()
        .unwrap();
    assert!(
        value > 500.0,
        "polling sends about N/T = 1,000 requests/s, got {value}"
    );

    // Drag the clients slider: the readout and the running worlds follow, without a reset.
    let slider: HtmlInputElement = root
        .query_selector("#clients")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    slider.set_value(&(slider.value().parse::<u32>().unwrap() + 10).to_string());
    fire(&slider, "input");
    wait(100).await;
    assert_eq!(text(&root, "#clients-value"), "10,000 clients");
    let clock = text(&root, "#sim-clock");
    assert!(!clock.contains("t = 0"), "no reset: {clock}");

    // An invalid seed names the value and the range.
    let seed: HtmlInputElement = root
        .query_selector("#seed")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    seed.set_value("abc");
    fire(&seed, "change");
    wait(50).await;
    let error = text(&root, "#seed-error");
    assert!(
        error.contains("'abc'") && error.contains("0 to 18446744073709551615"),
        "{error}"
    );

    // Pause.
    let play: web_sys::HtmlElement = root
        .query_selector("#play")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    play.click();
    wait(50).await;
    assert_eq!(text(&root, "#play").trim(), "Play");
    root.remove();
}
