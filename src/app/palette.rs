//! One colour per strategy, used by every panel, chart and the animated view.
//!
//! Okabe–Ito colours, distinguishable with the common forms of colour blindness and readable on both the
//! light and the dark background.

use pollstream_engine::Strategy;

/// The colour of a strategy's world everywhere in the app.
pub fn color(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Polling => "#D55E00",
        Strategy::LongPolling => "#0072B2",
        Strategy::Streaming => "#009E73",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_has_its_own_colour() {
        let colors: Vec<_> = Strategy::ALL.iter().map(|s| color(*s)).collect();
        assert_eq!(colors, ["#D55E00", "#0072B2", "#009E73"]);
    }
}
