//! What the reader has chosen: parameters, strategies, play state and speed, changed only through
//! [`Action`]s. Pure: no simulation and no browser in here, so the rules are tested natively.
//!
//! One-off commands (reset, restart, step) are counters: the shell watches them and forwards each new
//! value to the simulation once.

use std::rc::Rc;

use pollstream_engine::number::shortest;
use pollstream_engine::{ParamKey, Params, RawParams, Strategy};
use yew::Reducible;

use super::presets::{self, PRESETS};

/// How fast simulated time runs when playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// This many simulated seconds per wall-clock second.
    Times(f64),
    /// As many events as the frame budget allows.
    Max,
}

impl Speed {
    /// The choices of the speed control, slowest first.
    pub const CHOICES: [Speed; 11] = [
        Speed::Times(0.1),
        Speed::Times(0.25),
        Speed::Times(0.5),
        Speed::Times(1.0),
        Speed::Times(2.0),
        Speed::Times(5.0),
        Speed::Times(10.0),
        Speed::Times(20.0),
        Speed::Times(50.0),
        Speed::Times(100.0),
        Speed::Max,
    ];

    /// The text of the control: `0.1×`, `10×`, `as fast as it goes`.
    pub fn label(self) -> String {
        match self {
            Speed::Times(x) => format!("{}×", shortest(x)),
            Speed::Max => "as fast as it goes".into(),
        }
    }

    /// The value of the `<option>`: `0.1`, `10`, `max`.
    pub fn key(self) -> String {
        match self {
            Speed::Times(x) => shortest(x),
            Speed::Max => "max".into(),
        }
    }

    /// The speed whose [`key`](Speed::key) is `text`.
    pub fn from_key(text: &str) -> Option<Speed> {
        Speed::CHOICES.into_iter().find(|s| s.key() == text)
    }
}

/// Everything the controls show.
#[derive(Clone, Debug, PartialEq)]
pub struct UiState {
    /// The accepted value of every parameter (a rejected text never gets in here).
    pub raw: RawParams,
    /// The same values, validated: what the worlds run with.
    pub params: Params,
    /// The last rejected text of each parameter, as a message naming the value and the range.
    pub errors: Vec<(ParamKey, String)>,
    /// The strategies switched on, in `Strategy::ALL` order; never empty.
    pub strategies: Vec<Strategy>,
    /// Playing, as the reader chose (the play button); see [`UiState::running`].
    pub playing: bool,
    /// The tab is hidden: time stands still until it is shown again.
    pub hidden: bool,
    /// The simulator is scrolled out of view: time stands still until it is back on screen.
    pub offscreen: bool,
    pub speed: Speed,
    /// Bumped to rebuild every world from t = 0.
    pub reset_seq: u64,
    /// Bumped to restart the server of every world.
    pub restart_seq: u64,
    /// Bumped to advance one simulated second while paused.
    pub step_seq: u64,
    /// The preset last loaded, until a parameter is changed by hand.
    pub preset: Option<&'static str>,
}

impl Default for UiState {
    fn default() -> Self {
        UiState {
            raw: RawParams::default(),
            params: Params::default(),
            errors: Vec::new(),
            strategies: Strategy::ALL.to_vec(),
            playing: true,
            hidden: false,
            offscreen: false,
            speed: Speed::Times(1.0),
            reset_seq: 0,
            restart_seq: 0,
            step_seq: 0,
            preset: None,
        }
    }
}

/// Everything the reader can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A parameter typed or dragged, as text that `RawParams::set` reads (`"12500"`, `"100ms"`).
    SetParam(ParamKey, String),
    ToggleStrategy(Strategy),
    Play,
    Pause,
    /// Pause and advance one simulated second.
    Step,
    SetSpeed(Speed),
    /// Start every world again from t = 0 with the current parameters.
    Reset,
    /// Restart the server of every world (connections dropped, downtime, reconnects).
    Restart,
    /// Load `PRESETS[i]` (keeping the seed), start again and play.
    LoadPreset(usize),
    /// The tab was hidden or shown again.
    Visibility {
        hidden: bool,
    },
    /// The simulator scrolled into or out of view.
    OnScreen(bool),
}

impl UiState {
    /// The message for `key`'s last rejected text, if it was rejected.
    pub fn error(&self, key: ParamKey) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, e)| e.as_str())
    }

    /// Whether simulated time passes: playing, in a visible tab, on screen.
    pub fn running(&self) -> bool {
        self.playing && !self.hidden && !self.offscreen
    }

    /// Why time stands still although the reader pressed play, if it does.
    pub fn paused_because(&self) -> Option<&'static str> {
        if !self.playing {
            None
        } else if self.hidden {
            Some("the tab is hidden")
        } else if self.offscreen {
            Some("off screen")
        } else {
            None
        }
    }

    /// Whether `strategy` has a world.
    pub fn enabled(&self, strategy: Strategy) -> bool {
        self.strategies.contains(&strategy)
    }

    fn set_error(&mut self, key: ParamKey, message: Option<String>) {
        self.errors.retain(|(k, _)| *k != key);
        if let Some(message) = message {
            self.errors.push((key, message));
        }
    }

    /// Applies one action: the pure rule behind every control.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::SetParam(key, text) => {
                let mut raw = self.raw.clone();
                match raw
                    .set(key, &text)
                    .and_then(|()| Params::try_from(raw.clone()))
                {
                    Ok(params) => {
                        self.set_error(key, None);
                        // Dragging a slider onto the value it already has changes nothing.
                        if params != self.params {
                            self.preset = None;
                            // The seed defines the whole run: a new one starts it again.
                            if key == ParamKey::Seed {
                                self.reset_seq += 1;
                            }
                        }
                        self.raw = raw;
                        self.params = params;
                    }
                    Err(error) => self.set_error(key, Some(error.to_string())),
                }
            }
            Action::ToggleStrategy(strategy) => {
                if self.enabled(strategy) {
                    // At least one world always runs.
                    if self.strategies.len() > 1 {
                        self.strategies.retain(|s| *s != strategy);
                    }
                } else {
                    // Back in `Strategy::ALL` order (without a sort, whose code is large in wasm).
                    let on = std::mem::take(&mut self.strategies);
                    self.strategies = Strategy::ALL
                        .into_iter()
                        .filter(|s| *s == strategy || on.contains(s))
                        .collect();
                }
            }
            Action::Play => self.playing = true,
            Action::Pause => self.playing = false,
            Action::Step => {
                self.playing = false;
                self.step_seq += 1;
            }
            Action::SetSpeed(speed) => self.speed = speed,
            Action::Reset => self.reset_seq += 1,
            Action::Restart => self.restart_seq += 1,
            Action::LoadPreset(index) => {
                if let Some(preset) = PRESETS.get(index) {
                    let raw = presets::raw_params(preset, self.raw.seed);
                    if let Ok(params) = Params::try_from(raw.clone()) {
                        self.raw = raw;
                        self.params = params;
                        self.errors.clear();
                        self.preset = Some(preset.id);
                        self.reset_seq += 1;
                        self.playing = true;
                    }
                }
            }
            Action::Visibility { hidden } => self.hidden = hidden,
            Action::OnScreen(on) => self.offscreen = !on,
        }
    }
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollstream_engine::SimDuration;

    fn after(actions: impl IntoIterator<Item = Action>) -> UiState {
        let mut state = UiState::default();
        for action in actions {
            state.apply(action);
        }
        state
    }

    #[test]
    fn a_valid_parameter_is_applied_without_a_reset() {
        let state = after([Action::SetParam(ParamKey::Interval, "100ms".into())]);
        assert_eq!(state.params.poll_interval, SimDuration::from_millis(100));
        assert_eq!(state.raw.poll_interval, SimDuration::from_millis(100));
        assert_eq!(state.reset_seq, 0);
        assert!(state.errors.is_empty());
    }

    #[test]
    fn an_invalid_parameter_names_value_and_range_and_changes_nothing() {
        let state = after([Action::SetParam(ParamKey::Seed, "-3".into())]);
        assert_eq!(state.params, Params::default());
        let message = state.error(ParamKey::Seed).expect("an error");
        assert!(
            message.contains("'-3'") && message.contains("0 to 18446744073709551615"),
            "{message}"
        );
        let state = after([
            Action::SetParam(ParamKey::Clients, "0".into()),
            Action::SetParam(ParamKey::Clients, "20000000".into()),
        ]);
        assert_eq!(
            state.error(ParamKey::Clients),
            Some("clients: 20000000 is out of range (allowed: 1 to 10,000,000)")
        );
        assert_eq!(state.errors.len(), 1, "one message per parameter");
        let state = after([
            Action::SetParam(ParamKey::Clients, "0".into()),
            Action::SetParam(ParamKey::Clients, "5".into()),
        ]);
        assert_eq!(
            state.error(ParamKey::Clients),
            None,
            "a good value clears the message"
        );
        assert_eq!(state.params.n_clients, 5);
    }

    #[test]
    fn a_new_seed_starts_the_run_again() {
        let state = after([Action::SetParam(ParamKey::Seed, "7".into())]);
        assert_eq!((state.params.seed, state.reset_seq), (7, 1));
        let state = after([Action::SetParam(ParamKey::Seed, "1".into())]);
        assert_eq!(state.reset_seq, 0, "the same seed again is no change");
    }

    #[test]
    fn the_last_strategy_cannot_be_switched_off() {
        let state = after([
            Action::ToggleStrategy(Strategy::Polling),
            Action::ToggleStrategy(Strategy::Streaming),
            Action::ToggleStrategy(Strategy::LongPolling),
        ]);
        assert_eq!(state.strategies, [Strategy::LongPolling]);
        let state = after([
            Action::ToggleStrategy(Strategy::Polling),
            Action::ToggleStrategy(Strategy::Polling),
        ]);
        assert_eq!(state.strategies, Strategy::ALL, "back in order");
    }

    #[test]
    fn play_pause_step_and_hidden_tabs() {
        let state = after([Action::Step]);
        assert!(!state.playing);
        assert_eq!(state.step_seq, 1);
        let state = after([Action::Visibility { hidden: true }]);
        assert!(state.playing && !state.running());
        assert_eq!(state.paused_because(), Some("the tab is hidden"));
        let state = after([
            Action::Visibility { hidden: true },
            Action::Visibility { hidden: false },
        ]);
        assert!(state.running(), "comes back playing");
        let state = after([
            Action::Pause,
            Action::Visibility { hidden: true },
            Action::Visibility { hidden: false },
        ]);
        assert!(!state.running(), "a pause by hand stays");
        assert_eq!(state.paused_because(), None);
        let state = after([Action::OnScreen(false)]);
        assert!(!state.running());
        assert_eq!(state.paused_because(), Some("off screen"));
        let state = after([
            Action::OnScreen(false),
            Action::Pause,
            Action::Play,
            Action::OnScreen(true),
        ]);
        assert!(state.running(), "back on screen: runs again");
        let state = after([
            Action::OnScreen(false),
            Action::Visibility { hidden: true },
            Action::OnScreen(true),
        ]);
        assert!(!state.running(), "on screen but the tab is still hidden");
        let state = after([Action::Pause, Action::Play, Action::SetSpeed(Speed::Max)]);
        assert!(state.playing);
        assert_eq!(state.speed, Speed::Max);
    }

    #[test]
    fn presets_replace_the_parameters_keep_the_seed_and_start_again() {
        let state = after([
            Action::SetParam(ParamKey::Seed, "9".into()),
            Action::SetParam(ParamKey::Rate, "banana".into()),
            Action::Pause,
            Action::LoadPreset(2),
        ]);
        assert_eq!(state.preset, Some("chat-fast"));
        assert_eq!(state.params.poll_interval, SimDuration::from_millis(100));
        assert_eq!(state.params.seed, 9);
        assert!(state.errors.is_empty() && state.playing);
        assert_eq!(state.reset_seq, 2);
        let state = after([Action::LoadPreset(99)]);
        assert_eq!(state, UiState::default(), "no such preset: nothing happens");
    }

    #[test]
    fn reduce_keeps_the_same_rc_when_nothing_changes() {
        let state = Rc::new(UiState::default());
        let same = state.clone().reduce(Action::Play);
        assert!(Rc::ptr_eq(&state, &same));
        let changed = state.clone().reduce(Action::Restart);
        assert_eq!(changed.restart_seq, 1);
    }

    #[test]
    fn speed_keys_round_trip() {
        for speed in Speed::CHOICES {
            assert_eq!(Speed::from_key(&speed.key()), Some(speed));
        }
        assert_eq!(Speed::Times(0.1).label(), "0.1×");
        assert_eq!(Speed::from_key("7"), None);
    }
}
