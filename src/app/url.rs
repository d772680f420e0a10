//! The page address as a shareable scenario: `?clients=10000&interval=100ms&strategies=polling,streaming`.
//!
//! Parameters use their command-line names and spellings (`ParamKey::name`, `RawParams::get`), so a URL
//! and a `pollstream-cli` command line say the same thing. Only values that differ from the defaults
//! are written. Pure: the browser side reads and writes `location.search` (see `web.rs`).

use pollstream_engine::{ParamKey, RawParams, Strategy};

use super::presets::PRESETS;
use super::state::{Action, Speed, UiState};

/// The query key of the strategies switched on (`polling,long-polling,streaming`).
pub const STRATEGIES: &str = "strategies";
/// The query key of the speed (`0.1` … `100`, `max`).
pub const SPEED: &str = "speed";
/// The query key of a preset to start from (`chat-fast`); other keys then change it further.
pub const PRESET: &str = "preset";

/// The state a page opened with `pairs` (decoded query pairs) starts in. Bad values show their usual
/// error message beside their control; unknown keys are ignored.
pub fn initial_state(pairs: &[(String, String)]) -> UiState {
    let mut state = UiState::default();
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if let Some(index) = get(PRESET).and_then(|id| PRESETS.iter().position(|p| p.id == id)) {
        state.apply(Action::LoadPreset(index));
    }
    for (key, value) in pairs {
        if let Some(key) = ParamKey::from_name(key) {
            state.apply(Action::SetParam(key, value.clone()));
        }
    }
    if let Some(list) = get(STRATEGIES) {
        let wanted: Vec<Strategy> = list
            .split(',')
            .filter_map(|n| Strategy::from_name(n.trim()))
            .collect();
        if !wanted.is_empty() {
            state.strategies = Strategy::ALL
                .into_iter()
                .filter(|s| wanted.contains(s))
                .collect();
        }
    }
    if let Some(speed) = get(SPEED).and_then(Speed::from_key) {
        state.speed = speed;
    }
    // The worlds are built from this state: nothing to reset, restart or step yet.
    state.reset_seq = 0;
    state.restart_seq = 0;
    state.step_seq = 0;
    state.playing = true;
    state
}

/// The query pairs that reproduce `state`'s scenario: every parameter that differs from its default,
/// the strategies unless all are on, the speed unless 1×.
pub fn query_pairs(state: &UiState) -> Vec<(&'static str, String)> {
    let defaults = RawParams::default();
    let mut pairs: Vec<(&'static str, String)> = ParamKey::ALL
        .into_iter()
        .filter(|key| state.raw.get(*key) != defaults.get(*key))
        .map(|key| (key.name(), state.raw.get(key)))
        .collect();
    if state.strategies != Strategy::ALL {
        let names: Vec<&str> = state.strategies.iter().map(|s| s.name()).collect();
        pairs.push((STRATEGIES, names.join(",")));
    }
    if state.speed != Speed::Times(1.0) {
        pairs.push((SPEED, state.speed.key()));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollstream_engine::SimDuration;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_default_state_has_an_empty_query() {
        assert!(query_pairs(&UiState::default()).is_empty());
        assert_eq!(initial_state(&[]), UiState::default());
    }

    #[test]
    fn a_query_round_trips() {
        let state = initial_state(&pairs(&[
            ("clients", "10000"),
            ("interval", "100ms"),
            ("strategies", "streaming,polling"),
            ("speed", "10"),
            ("utm_source", "blog"),
        ]));
        assert_eq!(state.params.n_clients, 10_000);
        assert_eq!(state.params.poll_interval, SimDuration::from_millis(100));
        assert_eq!(state.strategies, [Strategy::Polling, Strategy::Streaming]);
        assert_eq!(state.speed, Speed::Times(10.0));
        let written = query_pairs(&state);
        assert_eq!(
            written,
            [
                ("clients", "10000".to_string()),
                ("interval", "100ms".to_string()),
                ("strategies", "polling,streaming".to_string()),
                ("speed", "10".to_string()),
            ]
        );
        let owned: Vec<(String, String)> = written
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(initial_state(&owned).params, state.params);
    }

    #[test]
    fn presets_and_bad_values() {
        let state = initial_state(&pairs(&[
            ("preset", "chat-fast"),
            ("seed", "7"),
            ("jitter", "2"),
        ]));
        assert_eq!(state.params.poll_interval, SimDuration::from_millis(100));
        assert_eq!(state.params.seed, 7);
        assert_eq!(state.reset_seq, 0, "nothing to reset at the start");
        assert!(state
            .error(ParamKey::Jitter)
            .unwrap()
            .contains("out of range"));
        let state = initial_state(&pairs(&[("strategies", "carrier-pigeon")]));
        assert_eq!(state.strategies, Strategy::ALL, "none recognised: all on");
    }
}
