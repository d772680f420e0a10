//! Ready-made scenarios for the "try this" buttons.

use pollstream_engine::{ParamKey, RawParams};

/// A named scenario: MODEL.md's defaults with a few parameters changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// Stable name, for ids and tests.
    pub id: &'static str,
    /// The button text.
    pub name: &'static str,
    /// One sentence on what the scenario is and what to look for.
    pub description: &'static str,
    /// The parameters that differ from the defaults, as text that `RawParams::set` reads.
    pub settings: &'static [(ParamKey, &'static str)],
}

/// Every preset, in the order of the buttons.
pub const PRESETS: [Preset; 5] = [
    Preset {
        id: "dashboard",
        name: "Temperature dashboard",
        description:
            "1,000 dashboards poll every 5 s for a sensor reading that changes every 10 s: \
                      polling is cheap and good enough here.",
        settings: &[
            (ParamKey::Clients, "1000"),
            (ParamKey::Interval, "5s"),
            (ParamKey::Pattern, "broadcast"),
            (ParamKey::Rate, "0.1"),
        ],
    },
    Preset {
        id: "chat",
        name: "Chat, polling every 1 s",
        description:
            "10,000 chat users, each receiving a message every 20 s on average, polling every \
                      second: 95 % of the polls come back empty.",
        settings: &[
            (ParamKey::Clients, "10000"),
            (ParamKey::Interval, "1s"),
            (ParamKey::Rate, "0.05"),
            (ParamKey::Workers, "32"),
        ],
    },
    Preset {
        id: "chat-fast",
        name: "Same chat, polling every 0.1 s",
        description:
            "To make the chat feel real-time, poll ten times as often: the server now gets \
                      100,000 requests a second, six times what it can serve.",
        settings: &[
            (ParamKey::Clients, "10000"),
            (ParamKey::Interval, "100ms"),
            (ParamKey::Rate, "0.05"),
            (ParamKey::Workers, "32"),
        ],
    },
    Preset {
        id: "ticker",
        name: "Stock ticker",
        description:
            "10,000 screens follow a ticker that changes 5 times a second: every poll finds \
                      something new, and streaming pushes 50,000 small messages a second.",
        settings: &[
            (ParamKey::Clients, "10000"),
            (ParamKey::Interval, "1s"),
            (ParamKey::Pattern, "broadcast"),
            (ParamKey::Rate, "5"),
            (ParamKey::MessageBytes, "100"),
            (ParamKey::Workers, "32"),
        ],
    },
    Preset {
        id: "million",
        name: "A million users",
        description:
            "1,000,000 clients: look at the memory the open connections hold and at how fast \
                      your browser can still simulate it.",
        settings: &[
            (ParamKey::Clients, "1000000"),
            (ParamKey::Interval, "30s"),
            (ParamKey::Rate, "0.01"),
            (ParamKey::Workers, "100"),
        ],
    },
];

/// The parameters of `preset`, keeping `seed` so that loading a preset does not change the random run.
pub fn raw_params(preset: &Preset, seed: u64) -> RawParams {
    let mut raw = RawParams {
        seed,
        ..RawParams::default()
    };
    for (key, text) in preset.settings {
        // The presets are checked by the tests below; a bad one would keep the default value.
        let _ = raw.set(*key, text);
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollstream_engine::Params;

    #[test]
    fn every_preset_is_valid_and_keeps_the_seed() {
        for preset in &PRESETS {
            let mut raw = RawParams::default();
            for (key, text) in preset.settings {
                raw.set(*key, text)
                    .unwrap_or_else(|e| panic!("{}: {e}", preset.id));
            }
            let params = Params::try_from(raw_params(preset, 42)).expect(preset.id);
            assert_eq!(params.seed, 42);
        }
    }

    #[test]
    fn the_fast_chat_differs_from_the_chat_only_in_the_interval() {
        let slow = raw_params(&PRESETS[1], 1);
        let fast = raw_params(&PRESETS[2], 1);
        assert_eq!(
            RawParams {
                poll_interval: slow.poll_interval,
                ..fast.clone()
            },
            slow
        );
        assert_eq!(fast.poll_interval.as_micros(), 100_000);
    }
}
