//! The scenario as a query string: `?clients=10000&interval=100ms&show=polling,streaming&panels=load`.
//!
//! | key | value | default |
//! |---|---|---|
//! | every parameter, by `ParamKey::name` (`clients`, `interval`, `sync-start`, …, `seed`) | the command-line spelling (`10000`, `100ms`, `1.5s`, `on`) | MODEL.md's defaults |
//! | `preset` | a preset id (`chat-fast`); parameters given beside it change it further | none |
//! | `show` (alias `strategies`) | strategies, comma-separated (`polling,streaming`) | all three |
//! | `speed` | `0.1` … `100` (snapped to the speed control's choices) or `max` | `1` |
//! | `panels` | comma-separated, from [`Panel::ALL`]: `view,controls,load,latency,table,story` | all |
//! | `paused` | a switch: bare, `1`/`on`/`true`/`yes` or `0`/`off`/`false`/`no` | playing |
//! | `embed` | a switch: the compact layout for an iframe | off |
//!
//! So a URL and a `pollstream-cli` command line say the same thing. A value that is malformed, unknown or
//! out of range never stops the page: it is ignored (parameters keep their previous value) or clamped
//! (the speed), and [`Scenario::notices`] says which and why, one line each. Keys are read
//! case-insensitively; a repeated key counts once, the last one wins. Only what differs from the
//! defaults is written back. Pure: the browser side (`page.rs`) reads and writes `location.search`.

use pollstream_engine::number::{clamp, parse_f64, shortest};
use pollstream_engine::{ParamKey, Params, RawParams, Strategy};

use super::presets::{self, PRESETS};
use super::state::{Speed, UiState};
use crate::math;

/// The query key of the strategies shown (`polling,long-polling,streaming`).
pub const SHOW: &str = "show";
/// The older name of [`SHOW`], still read.
pub const STRATEGIES: &str = "strategies";
/// The query key of the speed (`0.1` … `100`, `max`).
pub const SPEED: &str = "speed";
/// The query key of a preset to start from (`chat-fast`); other keys then change it further.
pub const PRESET: &str = "preset";
/// The query key of the panels shown (`load,latency`).
pub const PANELS: &str = "panels";
/// The switch that starts the simulation paused.
pub const PAUSED: &str = "paused";
/// The switch of the compact layout for iframes.
pub const EMBED: &str = "embed";

/// The most notice lines shown; the rest are counted in one more line.
pub const MAX_NOTICES: usize = 8;
/// Longer values are cut short in notices.
const MAX_SHOWN_CHARS: usize = 32;

/// A part of the page that the address can show or hide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// The animated view of the clients and the server.
    View,
    /// Play/pause, speed, the sliders, the strategies, the presets and every other parameter.
    Controls,
    /// The server-load charts: requests, utilization, queue, connections, memory, bandwidth.
    Load,
    /// The latency charts: p50/p99 over time and the distribution.
    Latency,
    /// The side-by-side summary table.
    Table,
    /// "What you are seeing": the explanation in words.
    Story,
}

impl Panel {
    /// Every panel, in page order.
    pub const ALL: [Panel; 6] = [
        Panel::View,
        Panel::Story,
        Panel::Controls,
        Panel::Load,
        Panel::Latency,
        Panel::Table,
    ];

    /// The name in `panels=`.
    pub fn name(self) -> &'static str {
        match self {
            Panel::View => "view",
            Panel::Controls => "controls",
            Panel::Load => "load",
            Panel::Latency => "latency",
            Panel::Table => "table",
            Panel::Story => "story",
        }
    }

    pub fn from_name(name: &str) -> Option<Panel> {
        Panel::ALL.into_iter().find(|p| p.name() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of panels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panels(u8);

impl Panels {
    pub const NONE: Panels = Panels(0);

    pub fn all() -> Panels {
        Panel::ALL.into_iter().fold(Panels::NONE, Panels::with)
    }

    pub fn with(self, panel: Panel) -> Panels {
        Panels(self.0 | panel.bit())
    }

    pub fn contains(self, panel: Panel) -> bool {
        self.0 & panel.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `view,load`, in [`Panel::ALL`] order.
    pub fn names(self) -> String {
        let names: Vec<&str> = Panel::ALL
            .into_iter()
            .filter(|p| self.contains(*p))
            .map(Panel::name)
            .collect();
        names.join(",")
    }
}

impl Default for Panels {
    fn default() -> Self {
        Panels::all()
    }
}

/// What an address asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub state: UiState,
    pub panels: Panels,
    pub embed: bool,
    /// One line per problem: what was ignored or changed, and why.
    pub notices: Vec<String>,
}

/// Keys that other sites add to links; never ours, so ignored without a notice.
fn is_foreign(key: &str) -> bool {
    ["utm_", "mc_"].iter().any(|p| key.starts_with(p))
        || ["fbclid", "gclid", "msclkid", "ref"].contains(&key)
}

/// `value` for a notice: cut short, control characters made visible.
fn shown(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(MAX_SHOWN_CHARS)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if value.chars().count() > MAX_SHOWN_CHARS {
        out.push('…');
    }
    out
}

/// Reads a switch: bare (`paused`), `1`/`on`/`true`/`yes`, `0`/`off`/`false`/`no`.
fn switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "on" | "true" | "yes" => Some(true),
        "0" | "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Reads a speed: `max`, or a number (a trailing `x` or `×` allowed) clamped to 0.1 … 100 and snapped
/// to the nearest choice of the speed control. The note says what was changed.
pub fn parse_speed(text: &str) -> Result<(Speed, Option<String>), String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("max") {
        return Ok((Speed::Max, None));
    }
    let number = text.trim_end_matches(['x', 'X', '×']).trim();
    let value = parse_f64(number)
        .ok_or_else(|| "not a number (allowed: 0.1 to 100, or max)".to_string())?;
    if value.is_nan() {
        return Err("not a number (allowed: 0.1 to 100, or max)".into());
    }
    let choices: Vec<f64> = Speed::CHOICES
        .iter()
        .filter_map(|s| match s {
            Speed::Times(x) => Some(*x),
            Speed::Max => None,
        })
        .collect();
    let (min, max) = (choices[0], choices[choices.len() - 1]);
    let clamped = clamp(value, min, max);
    let nearest = choices
        .iter()
        .copied()
        .min_by(|a, b| {
            let d = |x: f64| (math::ln(x) - math::ln(clamped)).abs();
            d(*a).total_cmp(&d(*b))
        })
        .unwrap_or(1.0);
    let note = if clamped != value {
        Some(format!(
            "clamped to {}× (allowed: {} to {}, or max)",
            shortest(nearest),
            shortest(min),
            shortest(max)
        ))
    } else if nearest != value {
        Some(format!(
            "set to {}×, the nearest speed the control offers",
            shortest(nearest)
        ))
    } else {
        None
    };
    Ok((Speed::Times(nearest), note))
}

/// The scenario `pairs` (decoded query pairs, in order) ask for.
pub fn parse(pairs: &[(String, String)]) -> Scenario {
    let mut state = UiState::default();
    let mut panels = Panels::all();
    let mut embed = false;
    let mut notices = Vec::new();

    // The last value of each key; repeated keys are noted once.
    let mut keys: Vec<(String, String, usize)> = Vec::new();
    for (key, value) in pairs {
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            continue;
        }
        match keys.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => {
                entry.1 = value.clone();
                entry.2 += 1;
            }
            None => keys.push((key, value.clone(), 1)),
        }
    }
    for (key, value, count) in &keys {
        if *count > 1 {
            notices.push(format!(
                "{} given {count} times: the last one, {}, is used",
                shown(key),
                shown(value)
            ));
        }
    }
    let get = |name: &str| {
        keys.iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, v, _)| v.as_str())
    };

    // A preset first, so that the parameters beside it change it.
    let mut raw = RawParams::default();
    if let Some(id) = get(PRESET) {
        match PRESETS.iter().find(|p| p.id == id.trim()) {
            Some(preset) => {
                raw = presets::raw_params(preset, raw.seed);
                state.preset = Some(preset.id);
            }
            None => {
                let ids: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
                notices.push(format!(
                    "preset={} ignored: not one of {}",
                    shown(id),
                    ids.join(", ")
                ));
            }
        }
    }
    let mut changed_by_hand = false;
    for (key, value, _) in &keys {
        let Some(param) = ParamKey::from_name(key) else {
            continue;
        };
        let before = raw.clone();
        match raw.set(param, value) {
            Ok(()) => changed_by_hand |= raw != before,
            Err(error) => {
                let message = error.to_string();
                let prefix = format!("{}: ", param.name());
                let why = message.strip_prefix(&prefix).unwrap_or(&message);
                // The engine's message quotes the whole value: keep the notice short.
                let why = if value.chars().count() > MAX_SHOWN_CHARS || why.chars().count() > 100 {
                    format!("not valid (allowed: {})", param.range())
                } else {
                    why.to_string()
                };
                notices.push(format!("{key}={} ignored: {why}", shown(value)));
            }
        }
    }
    match Params::try_from(raw.clone()) {
        Ok(params) => {
            state.raw = raw;
            state.params = params;
        }
        // Every value passed `set`, so this cannot happen; keep the defaults if it does.
        Err(error) => notices.push(format!("parameters ignored: {error}")),
    }
    if changed_by_hand {
        // The scenario is the preset plus changes: the button is no longer "on".
        let base = state
            .preset
            .and_then(|id| PRESETS.iter().find(|p| p.id == id));
        if base.is_some_and(|p| presets::raw_params(p, state.raw.seed) != state.raw) {
            state.preset = None;
        }
    }

    for key in [SHOW, STRATEGIES] {
        let Some(list) = get(key) else { continue };
        if key == STRATEGIES && get(SHOW).is_some() {
            continue;
        }
        let mut wanted = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match Strategy::from_name(&name.to_ascii_lowercase()) {
                Some(strategy) => wanted.push(strategy),
                None => notices.push(format!(
                    "{key}={} ignored: not one of polling, long-polling, streaming",
                    shown(name)
                )),
            }
        }
        if wanted.is_empty() {
            notices.push(format!("{key}= names no strategy: all three are shown"));
        } else {
            state.strategies = Strategy::ALL
                .into_iter()
                .filter(|s| wanted.contains(s))
                .collect();
        }
    }

    if let Some(text) = get(SPEED) {
        match parse_speed(text) {
            Ok((speed, note)) => {
                state.speed = speed;
                if let Some(note) = note {
                    notices.push(format!("speed={} {note}", shown(text)));
                }
            }
            Err(why) => notices.push(format!("speed={} ignored: {why}", shown(text))),
        }
    }

    if let Some(list) = get(PANELS) {
        let mut chosen = Panels::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match Panel::from_name(&name.to_ascii_lowercase()) {
                Some(panel) => chosen = chosen.with(panel),
                None => {
                    let names: Vec<&str> = Panel::ALL.iter().map(|p| p.name()).collect();
                    notices.push(format!(
                        "panels={} ignored: not one of {}",
                        shown(name),
                        names.join(", ")
                    ));
                }
            }
        }
        if chosen.is_empty() {
            notices.push("panels= names no panel: all are shown".into());
        } else {
            panels = chosen;
        }
    }

    for (name, target) in [(PAUSED, 0), (EMBED, 1)] {
        let Some(text) = get(name) else { continue };
        match switch(text) {
            Some(on) if target == 0 => state.playing = !on,
            Some(on) => embed = on,
            None => notices.push(format!(
                "{name}={} ignored: expected on or off (or the bare key)",
                shown(text)
            )),
        }
    }

    let known = |key: &str| {
        ParamKey::from_name(key).is_some()
            || [SHOW, STRATEGIES, SPEED, PRESET, PANELS, PAUSED, EMBED].contains(&key)
            || is_foreign(key)
    };
    for (key, _, _) in &keys {
        if !known(key) {
            notices.push(format!("{} ignored: not a pollstream setting", shown(key)));
        }
    }

    if notices.len() > MAX_NOTICES {
        let more = notices.len() - (MAX_NOTICES - 1);
        notices.truncate(MAX_NOTICES - 1);
        notices.push(format!("and {more} more problems"));
    }
    // The worlds are built from this state: nothing to reset, restart or step yet.
    state.reset_seq = 0;
    state.restart_seq = 0;
    state.step_seq = 0;
    Scenario {
        state,
        panels,
        embed,
        notices,
    }
}

/// The query pairs that reproduce the scenario: the preset if one is loaded, every parameter that
/// differs from the preset's (or the defaults), the strategies unless all are on, the speed unless 1×,
/// the panels unless all, `paused` when paused by hand, `embed`. Switches have an empty value.
pub fn query_pairs(state: &UiState, panels: Panels, embed: bool) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    let preset = state
        .preset
        .and_then(|id| PRESETS.iter().find(|p| p.id == id));
    let base = match preset {
        Some(preset) => {
            pairs.push((PRESET, preset.id.to_string()));
            presets::raw_params(preset, RawParams::default().seed)
        }
        None => RawParams::default(),
    };
    pairs.extend(
        ParamKey::ALL
            .into_iter()
            .filter(|key| state.raw.get(*key) != base.get(*key))
            .map(|key| (key.name(), state.raw.get(key))),
    );
    if state.strategies != Strategy::ALL {
        let names: Vec<&str> = state.strategies.iter().map(|s| s.name()).collect();
        pairs.push((SHOW, names.join(",")));
    }
    if state.speed != Speed::Times(1.0) {
        pairs.push((SPEED, state.speed.key()));
    }
    if panels != Panels::all() {
        pairs.push((PANELS, panels.names()));
    }
    if !state.playing {
        pairs.push((PAUSED, String::new()));
    }
    if embed {
        pairs.push((EMBED, String::new()));
    }
    pairs
}

/// Percent-encodes a key or value, keeping what reads well in an address bar (`,` `.` `-` `_` `~`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~,".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `clients=10000&show=polling,streaming&paused` (no leading `?`).
pub fn to_query(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .map(|(key, value)| {
            if value.is_empty() {
                encode(key)
            } else {
                format!("{}={}", encode(key), encode(value))
            }
        })
        .collect();
    parts.join("&")
}

/// Decodes `%XX` escapes and `+` (a space); a broken escape is kept as it is, bytes that are not UTF-8
/// become U+FFFD.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded `key=value` pairs of a query string (a leading `?` allowed; `key` alone has an empty
/// value; a `#fragment` ends it).
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    let query = query.split('#').next().unwrap_or_default();
    query
        .trim_start_matches('?')
        .split(['&', ';'])
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// Limits how often the address is rewritten while the reader drags: at most once per `interval_ms`,
/// and always the latest scenario once the interval is over (browsers also cap `replaceState`).
#[derive(Clone, Debug, PartialEq)]
pub struct Throttle {
    interval_ms: f64,
    last_ms: Option<f64>,
}

impl Throttle {
    pub fn new(interval_ms: f64) -> Throttle {
        Throttle {
            interval_ms,
            last_ms: None,
        }
    }

    /// How long to wait at `now_ms` before the next write (0: write now).
    pub fn wait_ms(&self, now_ms: f64) -> f64 {
        self.last_ms
            .map_or(0.0, |last| (last + self.interval_ms - now_ms).max(0.0))
    }

    /// Records a write at `now_ms`.
    pub fn wrote(&mut self, now_ms: f64) {
        self.last_ms = Some(now_ms);
    }
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

    fn scenario(query: &str) -> Scenario {
        parse(&decode_query(query))
    }

    #[test]
    fn the_default_state_has_an_empty_query() {
        assert!(query_pairs(&UiState::default(), Panels::all(), false).is_empty());
        assert_eq!(parse(&[]).state, UiState::default());
        let empty = scenario("");
        assert_eq!(
            (empty.panels, empty.embed, empty.notices.len()),
            (Panels::all(), false, 0)
        );
    }

    #[test]
    fn a_query_round_trips() {
        let state = parse(&pairs(&[
            ("clients", "10000"),
            ("interval", "100ms"),
            ("strategies", "streaming,polling"),
            ("speed", "10"),
            ("utm_source", "blog"),
        ]))
        .state;
        assert_eq!(state.params.n_clients, 10_000);
        assert_eq!(state.params.poll_interval, SimDuration::from_millis(100));
        assert_eq!(state.strategies, [Strategy::Polling, Strategy::Streaming]);
        assert_eq!(state.speed, Speed::Times(10.0));
        let written = query_pairs(&state, Panels::all(), false);
        assert_eq!(
            written,
            [
                ("clients", "10000".to_string()),
                ("interval", "100ms".to_string()),
                ("show", "polling,streaming".to_string()),
                ("speed", "10".to_string()),
            ]
        );
        assert_eq!(
            to_query(&written),
            "clients=10000&interval=100ms&show=polling,streaming&speed=10"
        );
        let again = scenario(&to_query(&written));
        assert_eq!(again.state, state);
        assert!(again.notices.is_empty());
    }

    #[test]
    fn every_key_of_the_issue_round_trips() {
        let query = "preset=chat&jitter=0.5&sync-start&show=long-polling&speed=max&seed=42\
                     &panels=load,latency&paused&embed";
        let s = scenario(query);
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert!(s.state.params.sync_start && !s.state.playing && s.embed);
        assert_eq!(s.state.params.seed, 42);
        assert_eq!(s.state.params.n_clients, 10_000, "from the preset");
        assert_eq!(s.state.preset, None, "changed by hand");
        assert_eq!(s.state.speed, Speed::Max);
        assert_eq!(
            s.panels,
            Panels::NONE.with(Panel::Load).with(Panel::Latency)
        );
        let written = to_query(&query_pairs(&s.state, s.panels, s.embed));
        assert_eq!(
            written,
            "clients=10000&jitter=0.5&sync-start=on&rate=0.05&workers=32&seed=42&show=long-polling\
             &speed=max&panels=load,latency&paused&embed"
        );
        assert_eq!(scenario(&written).state, s.state);

        let s = scenario("?preset=chat-fast&seed=7");
        assert_eq!(s.state.preset, Some("chat-fast"));
        assert_eq!(
            to_query(&query_pairs(&s.state, s.panels, false)),
            "preset=chat-fast&seed=7"
        );
    }

    #[test]
    fn bad_values_are_ignored_with_one_notice_each() {
        let s = scenario("clients=0&interval=5ms&seed=-3&show=polling,carrier-pigeon&preset=nope");
        assert_eq!(s.state.params, Params::default(), "every bad value ignored");
        assert_eq!(s.state.strategies, [Strategy::Polling]);
        assert_eq!(s.state.errors, [], "the notice says it, not the controls");
        assert_eq!(
            s.notices[..4],
            [
                "preset=nope ignored: not one of dashboard, chat, chat-fast, ticker, million",
                "clients=0 ignored: 0 is out of range (allowed: 1 to 10,000,000)",
                "interval=5ms ignored: 5ms is out of range (allowed: 10ms to 10m)",
                "seed=-3 ignored: '-3' is not valid: expected a whole number \
                 (allowed: 0 to 18446744073709551615)",
            ]
        );
        assert_eq!(
            s.notices[4],
            "show=carrier-pigeon ignored: not one of polling, long-polling, streaming"
        );
        assert_eq!(s.notices.len(), 5);

        let s = scenario("speed=fast&panels=load,charts&paused=maybe&colour=red&utm_source=x");
        assert!(s.state.playing);
        assert_eq!(s.panels, Panels::NONE.with(Panel::Load));
        assert_eq!(
            s.notices,
            [
                "speed=fast ignored: not a number (allowed: 0.1 to 100, or max)",
                "panels=charts ignored: not one of view, story, controls, load, latency, table",
                "paused=maybe ignored: expected on or off (or the bare key)",
                "colour ignored: not a pollstream setting",
            ]
        );

        let many: Vec<String> = (0..20).map(|i| format!("bad{i}=1")).collect();
        let s = scenario(&many.join("&"));
        assert_eq!(s.notices.len(), MAX_NOTICES);
        assert_eq!(s.notices.last().unwrap(), "and 13 more problems");
        let long = format!("clients={}", "9".repeat(100));
        let s = scenario(&long);
        assert_eq!(
            s.notices,
            [format!(
                "clients={}… ignored: not valid (allowed: 1 to 10,000,000)",
                "9".repeat(32)
            )]
        );
    }

    #[test]
    fn the_speed_is_clamped_and_snapped() {
        assert_eq!(parse_speed("max"), Ok((Speed::Max, None)));
        assert_eq!(parse_speed("10x"), Ok((Speed::Times(10.0), None)));
        let (speed, note) = parse_speed("1000").unwrap();
        assert_eq!(speed, Speed::Times(100.0));
        assert!(note.unwrap().starts_with("clamped to 100×"));
        assert_eq!(parse_speed("0").unwrap().0, Speed::Times(0.1));
        assert_eq!(parse_speed("-inf").unwrap().0, Speed::Times(0.1));
        assert_eq!(parse_speed("3").unwrap().0, Speed::Times(2.0));
        assert_eq!(parse_speed("4").unwrap().0, Speed::Times(5.0));
        assert!(parse_speed("NaN").is_err());
    }

    #[test]
    fn repeated_keys_take_the_last_value_and_say_so() {
        let s = scenario("clients=10&Clients=20&show=polling&strategies=streaming");
        assert_eq!(s.state.params.n_clients, 20);
        assert_eq!(
            s.state.strategies,
            [Strategy::Polling],
            "show wins over its alias"
        );
        assert_eq!(
            s.notices,
            ["clients given 2 times: the last one, 20, is used"]
        );
        let s = scenario("strategies=&show=");
        assert_eq!(s.state.strategies, Strategy::ALL);
    }

    #[test]
    fn decoding_percent_escapes_and_plus() {
        assert_eq!(decode("a%2Cb+c%"), "a,b c%");
        assert_eq!(decode("%e2%9c%93%zz%4"), "✓%zz%4");
        assert_eq!(decode("%FF"), "\u{FFFD}");
        assert_eq!(
            decode_query("?a=1&&b&c=x=y;d=%20#frag&e=2"),
            pairs(&[("a", "1"), ("b", ""), ("c", "x=y"), ("d", " ")])
        );
        assert_eq!(encode("1.5s"), "1.5s");
        assert_eq!(encode("a b&c=✓"), "a%20b%26c%3D%E2%9C%93");
        assert_eq!(decode(&encode("a b&c=✓,")), "a b&c=✓,");
    }

    #[test]
    fn the_throttle_writes_at_most_once_per_interval() {
        let mut throttle = Throttle::new(300.0);
        assert_eq!(throttle.wait_ms(1000.0), 0.0);
        throttle.wrote(1000.0);
        assert_eq!(throttle.wait_ms(1100.0), 200.0);
        assert_eq!(throttle.wait_ms(1400.0), 0.0);
    }

    /// A small deterministic generator for the fuzz tests (no dependency needed).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    #[test]
    fn fuzz_no_query_panics_and_every_result_is_valid() {
        let mut keys: Vec<&str> = ParamKey::ALL.iter().map(|k| k.name()).collect();
        keys.extend([
            SHOW, STRATEGIES, SPEED, PRESET, PANELS, PAUSED, EMBED, "", "x", "CLIENTS", "é", "%",
        ]);
        let atoms = [
            "0",
            "1",
            "-1",
            "1e308",
            "-1e308",
            "NaN",
            "inf",
            "-inf",
            "1e-320",
            "0.1",
            "100",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999999",
            "100ms",
            "1s",
            "10m",
            "2h",
            "0us",
            "1.5s",
            "1e3ms",
            "ms",
            "s",
            "-5ms",
            "on",
            "off",
            "max",
            "polling",
            "long-polling",
            "streaming",
            ",",
            ",,",
            "view",
            "load",
            "latency",
            "chat-fast",
            "%",
            "%2",
            "%zz",
            "%E2%9C",
            "%F0%9F%92%A9",
            "+",
            "=",
            "&",
            "é",
            "💩",
            "\u{0}",
            "\u{202E}",
            " ",
            "x",
            "×",
            "1x",
            "0.0000001",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..20_000 {
            let mut query = String::new();
            let n = rng.next() % 12;
            for _ in 0..n {
                query.push_str(rng.pick(&keys));
                if rng.next() % 4 != 0 {
                    query.push('=');
                }
                for _ in 0..rng.next() % 4 {
                    query.push_str(rng.pick(&atoms));
                }
                query.push(if rng.next() % 8 == 0 { ';' } else { '&' });
            }
            if round % 50 == 0 {
                // Arbitrary bytes and a huge value now and then.
                let bytes: Vec<u8> = (0..rng.next() % 64).map(|_| rng.next() as u8).collect();
                query.push_str(&String::from_utf8_lossy(&bytes));
                query.push_str("&clients=");
                query.push_str(&"9".repeat(5_000));
            }
            let s = scenario(&query);
            assert!(Params::try_from(s.state.raw.clone()).is_ok(), "{query}");
            assert_eq!(
                Params::try_from(s.state.raw.clone()).unwrap(),
                s.state.params
            );
            assert!(!s.state.strategies.is_empty());
            assert!(!s.panels.is_empty());
            assert!(s.notices.len() <= MAX_NOTICES, "{query}");
            assert!(
                s.notices.iter().all(|l| l.chars().count() < 200),
                "{:?}",
                s.notices
            );
            // What is written reads back to the same scenario, without a notice.
            let written = to_query(&query_pairs(&s.state, s.panels, s.embed));
            let again = scenario(&written);
            assert_eq!(again.state.raw, s.state.raw, "{query} → {written}");
            assert_eq!(
                (
                    again.state.strategies.clone(),
                    again.state.speed,
                    again.panels,
                    again.embed
                ),
                (s.state.strategies.clone(), s.state.speed, s.panels, s.embed)
            );
            assert!(again.notices.is_empty(), "{written}: {:?}", again.notices);
        }
    }

    #[test]
    fn fuzz_random_strings() {
        let mut rng = Rng(12345);
        for _ in 0..5_000 {
            let len = rng.next() % 200;
            let text: String = (0..len)
                .map(|_| match rng.next() % 6 {
                    0 => char::from_u32((rng.next() % 0x11_0000) as u32).unwrap_or('?'),
                    1 => ['=', '&', '%', '+', '?', '#', ','][(rng.next() % 7) as usize],
                    _ => (b'a' + (rng.next() % 26) as u8) as char,
                })
                .collect();
            let s = scenario(&text);
            assert!(s.notices.len() <= MAX_NOTICES);
            let _ = decode(&text);
        }
    }
}
