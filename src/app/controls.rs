//! The controls: play state and speed, the four sliders, strategies, presets and every other parameter.
//! Each one only dispatches an [`Action`]; none touches the simulation.

use pollstream_engine::format::bytes;
use pollstream_engine::number::{parse_f64, shortest};
use pollstream_engine::{ParamKey, Range, Strategy};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::bus::{use_bus, BusHandle};
use super::presets::PRESETS;
use super::scale::{slider_readout, slider_scale, slider_text, slider_value, SLIDER_PARAMS};
use super::snapshot::Snapshot;
use super::state::{Action, Speed, UiState};
use super::{use_ids, Ids};

/// What every control needs: the state to show and where to send actions.
#[derive(Properties, PartialEq)]
pub struct StateProps {
    pub state: UseReducerHandle<UiState>,
}

#[derive(Properties, PartialEq)]
pub struct TransportProps {
    pub state: UseReducerHandle<UiState>,
    pub bus: BusHandle<Snapshot>,
}

/// Play/pause, step, speed, reset, restart server and the seed.
#[component]
pub fn Transport(props: &TransportProps) -> Html {
    let state = &props.state;
    let on = |action: Action| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(action.clone()))
    };
    let on_speed = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(speed) = Speed::from_key(&select.value()) {
                state.dispatch(Action::SetSpeed(speed));
            }
        })
    };
    let on_seed = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            state.dispatch(Action::SetParam(ParamKey::Seed, input.value()));
        })
    };
    let seed_error = state.error(ParamKey::Seed);
    let ids = use_ids();
    html! {
        <div class="transport" role="group" aria-label="Simulation">
            <button id={ids.of("play")} type="button" class="primary" aria-pressed={state.playing.to_string()}
                onclick={on(if state.playing { Action::Pause } else { Action::Play })}>
                { if state.playing { "Pause" } else { "Play" } }
            </button>
            <button id={ids.of("step")} type="button" onclick={on(Action::Step)}
                title="Pause and advance to the end of the current simulated second">
                { "Step 1 s" }
            </button>
            <label class="inline" for={ids.of("speed")}>{ "Speed" }
                <select id={ids.of("speed")} onchange={on_speed}>
                    { for Speed::CHOICES.iter().map(|s| html! {
                        <option value={s.key()} selected={*s == state.speed}>{ s.label() }</option>
                    }) }
                </select>
            </label>
            <SpeedReadout bus={props.bus.clone()} />
            <button id={ids.of("reset")} type="button" onclick={on(Action::Reset)}
                title="Start every world again from t = 0">{ "Reset" }</button>
            <button id={ids.of("restart-server")} type="button" class="danger" onclick={on(Action::Restart)}
                title="Drop every connection and refuse requests for the downtime">
                { "Restart server" }
            </button>
            <label class="inline" for={ids.of("seed")}>{ "Seed" }
                <input id={ids.of("seed")} type="text" inputmode="numeric" size="8" value={state.raw.seed.to_string()}
                    aria-invalid={seed_error.is_some().to_string()} aria-describedby={ids.of("seed-error")}
                    onchange={on_seed} />
            </label>
            <p id={ids.of("seed-error")} class="error" role="alert">{ seed_error.unwrap_or_default().to_string() }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct BusProps {
    pub bus: BusHandle<Snapshot>,
}

/// The simulated clock and the speed actually achieved.
#[component]
pub fn SpeedReadout(props: &BusProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
    let ids = use_ids();
    let achieved = snapshot.speed.achieved.map(shortest).unwrap_or_default();
    html! {
        <p class="readout" aria-live="off">
            <span id={ids.of("sim-clock")}>{ snapshot.now.to_string() }</span>
            { " · " }
            <output id={ids.of("speed-readout")} class="speed-readout" data-value={achieved}>{ snapshot.speed.text() }</output>
        </p>
    }
}

#[derive(Properties, PartialEq)]
pub struct SliderProps {
    pub state: UseReducerHandle<UiState>,
    pub key_: ParamKey,
}

/// A logarithmic slider for one parameter with its value in human units.
#[component]
pub fn ParamSlider(props: &SliderProps) -> Html {
    let key = props.key_;
    let memo = use_memo(key, |key| slider_scale(*key));
    let ids = use_ids();
    let Some(scale) = memo.as_ref() else {
        return Html::default(); // not a slider parameter
    };
    let state = &props.state;
    let index = scale.index_of(slider_value(&state.raw, key));
    let readout = slider_readout(&state.raw, key);
    let oninput = {
        let state = state.clone();
        let memo = memo.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let (Some(scale), Ok(index)) = (memo.as_ref(), input.value().parse::<usize>()) {
                state.dispatch(Action::SetParam(key, slider_text(key, scale.value(index))));
            }
        })
    };
    let id = ids.of(key.name());
    html! {
        <div class="slider">
            <label for={id.clone()}>{ key.label() }</label>
            <output id={ids.of(&format!("{}-value", key.name()))} for={id.clone()}>{ readout.clone() }</output>
            <input id={id} type="range" min="0" max={(scale.len() - 1).to_string()} step="1"
                value={index.to_string()} aria-valuetext={readout} title={key.help()} {oninput} />
        </div>
    }
}

/// The sliders that are always in view.
#[component]
pub fn MainSliders(props: &StateProps) -> Html {
    html! {
        <div class="sliders">
            { for SLIDER_PARAMS.iter().map(|key| html! {
                <ParamSlider key={key.name()} state={props.state.clone()} key_={*key} />
            }) }
        </div>
    }
}

/// One switch per strategy; the last one on cannot be switched off.
#[component]
pub fn Strategies(props: &StateProps) -> Html {
    let state = &props.state;
    let ids = use_ids();
    html! {
        <fieldset class="strategies">
            <legend>{ "Worlds side by side" }</legend>
            { for Strategy::ALL.iter().map(|&strategy| {
                let enabled = state.enabled(strategy);
                let onchange = {
                    let state = state.clone();
                    Callback::from(move |_: Event| state.dispatch(Action::ToggleStrategy(strategy)))
                };
                let id = ids.of(&format!("strategy-{}", strategy.name()));
                // A computed class, as the DOM property: see the note on the class of `App`.
                html! {
                    <label ~className={format!("strategy s-{}", strategy.name())} for={id.clone()}>
                        <input id={id} type="checkbox" checked={enabled}
                            disabled={enabled && state.strategies.len() == 1} {onchange} />
                        <span class="swatch" aria-hidden="true"></span>
                        { strategy.label() }
                    </label>
                }
            }) }
        </fieldset>
    }
}

/// The scenario buttons.
#[component]
pub fn Presets(props: &StateProps) -> Html {
    let state = &props.state;
    let current = PRESETS.iter().find(|p| Some(p.id) == state.preset);
    let ids = use_ids();
    html! {
        <div class="presets" role="group" aria-labelledby={ids.of("presets-title")}>
            <h3 id={ids.of("presets-title")}>{ "Try a scenario" }</h3>
            <div class="preset-buttons">
                { for PRESETS.iter().enumerate().map(|(index, preset)| {
                    let onclick = {
                        let state = state.clone();
                        Callback::from(move |_: MouseEvent| state.dispatch(Action::LoadPreset(index)))
                    };
                    html! {
                        <button id={ids.of(&format!("preset-{}", preset.id))} type="button" title={preset.description}
                            aria-pressed={(Some(preset.id) == state.preset).to_string()} {onclick}>
                            { preset.name }
                        </button>
                    }
                }) }
            </div>
            if let Some(preset) = current {
                <p class="preset-description">{ preset.description }</p>
            }
        </div>
    }
}

/// A hint for a stored value that is easier to read in other units (`8192` → `8 KiB`).
fn hint(key: ParamKey, text: &str) -> Option<String> {
    match key.range() {
        Range::Bytes { .. } => {
            let value = parse_f64(text)?;
            (value >= 1024.0).then(|| bytes(value))
        }
        _ => None,
    }
}

/// One field of the "more parameters" panel, chosen by the kind of range.
fn param_field(ids: &Ids, state: &UseReducerHandle<UiState>, key: ParamKey) -> Html {
    let id = ids.of(&format!("param-{}", key.name()));
    let error_id = format!("{id}-error");
    let value = state.raw.get(key);
    let error = state.error(key);
    let dispatch_text = {
        let state = state.clone();
        move |text: String| state.dispatch(Action::SetParam(key, text))
    };
    let field = match key.range() {
        Range::Switch => {
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                dispatch_text(if input.checked() { "on" } else { "off" }.into());
            });
            html! { <input id={id.clone()} type="checkbox" checked={value == "on"} {onchange} /> }
        }
        Range::Choice(names) => {
            let onchange = Callback::from(move |e: Event| {
                let select: HtmlSelectElement = e.target_unchecked_into();
                dispatch_text(select.value());
            });
            html! {
                <select id={id.clone()} {onchange}>
                    { for names.iter().map(|name| html! {
                        <option value={*name} selected={*name == value}>{ *name }</option>
                    }) }
                </select>
            }
        }
        _ => {
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                dispatch_text(input.value());
            });
            html! {
                <input id={id.clone()} type="text" value={value.clone()} size="10"
                    aria-invalid={error.is_some().to_string()} aria-describedby={error_id.clone()}
                    {onchange} />
            }
        }
    };
    html! {
        <div class="param">
            <label for={id}>{ key.label() }</label>
            { field }
            if let Some(hint) = hint(key, &value) {
                <span class="hint">{ hint }</span>
            }
            <small class="help">{ format!("{} ({})", key.help(), key.range()) }</small>
            <p id={error_id} class="error" role="alert">{ error.unwrap_or_default().to_string() }</p>
        </div>
    }
}

/// Every parameter without a slider, generated from `ParamKey::ALL`.
#[component]
pub fn MoreParams(props: &StateProps) -> Html {
    let keys = ParamKey::ALL
        .into_iter()
        .filter(|key| !SLIDER_PARAMS.contains(key) && *key != ParamKey::Seed);
    // Opened at the start when a value from the address was rejected, so that its message is seen.
    let initially_open = {
        let has_error = keys.clone().any(|key| props.state.error(key).is_some());
        *use_state(move || has_error)
    };
    let ids = use_ids();
    let fields = keys.map(|key| param_field(&ids, &props.state, key));
    html! {
        <details class="more" id={ids.of("more-parameters")} open={initially_open}>
            <summary>{ "More parameters" }</summary>
            <p class="note">{ "Durations take a unit (250us, 2ms, 1.5s, 2m). Press Enter or leave the \
                field to apply; a running simulation takes the new value at once." }</p>
            <div class="param-grid">{ for fields }</div>
        </details>
    }
}
