//! Running the worlds of a [`RunConfig`] and keeping what the reports need.

use crate::args::RunConfig;
use crate::progress::Progress;
use pollstream_engine::{
    Gauges, LatencySummary, SecondStats, SimDuration, SimTime, Strategy, Totals, World,
};
use std::fmt;
use std::io::Write;

/// At most the simulated time a world advances between two looks at the clock, so that the progress
/// bar moves several times a second: a simulated second of a million clients takes 25 to 100
/// milliseconds (polling to long polling, `make bench`).
pub const SLICE: SimDuration = SimDuration::from_secs(1);

/// At most the events a world processes between two looks at the clock, for the heaviest scenarios
/// (a second of ten million clients polling every 10 ms is a billion events). Large, because the
/// engine's fastest paths take a polling world's requests a slice of time at a time and need a
/// budget for every event of the slice: a budget of 200,000 events made a million clients three
/// times slower.
pub const EVENTS_PER_SLICE: u64 = 20_000_000;

/// What one world produced, kept after the world itself is dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldReport {
    /// The world's strategy.
    pub strategy: Strategy,
    /// Everything counted over the run.
    pub totals: Totals,
    /// The state of the server at the end of the run.
    pub gauges: Gauges,
    /// The latency of every message delivered during the run.
    pub latency: LatencySummary,
    /// One record per whole simulated second of the run; a partial last second is left out.
    pub seconds: Vec<SecondStats>,
}

impl WorldReport {
    /// Takes what the reports need from a world that has run for `duration`.
    pub fn from_world(world: &World, duration: SimDuration) -> WorldReport {
        let whole_seconds = duration.as_micros() / SimDuration::SECOND.as_micros();
        let totals = world.totals();
        WorldReport {
            strategy: world.strategy(),
            gauges: world.gauges(),
            // The totals' summary covers every delivered message; the histogram alone leaves out the
            // second in progress, which matters when the duration is not a whole number of seconds.
            latency: totals.latency,
            totals,
            seconds: world
                .seconds()
                .iter()
                .filter(|second| second.second < whole_seconds)
                .copied()
                .collect(),
        }
    }
}

/// The results of a whole run: its configuration and one report per world, in the configured order.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// What was run.
    pub config: RunConfig,
    /// One report per selected strategy.
    pub worlds: Vec<WorldReport>,
}

/// Why a run could not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The engine stopped short of the end without processing any event: a bug in the engine, reported
    /// instead of looping for ever.
    Stalled {
        /// The world that stalled.
        strategy: Strategy,
        /// Where its clock stood.
        at: SimTime,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Stalled { strategy, at } => {
                write!(
                    f,
                    "the {strategy} world made no progress at {at}; this is a bug in the engine"
                )
            }
        }
    }
}

impl std::error::Error for RunError {}

/// Runs one world per configured strategy, one after the other, and reports on each.
///
/// Each world is advanced in slices of at most [`SLICE`] and [`EVENTS_PER_SLICE`] events so that
/// `progress` can be updated between them; the slicing does not change the results, since a run is a
/// pure function of its parameters. Only one world is alive at a time, so memory is that of the
/// largest world.
pub fn run<W: Write>(
    config: &RunConfig,
    progress: &mut Progress<W>,
) -> Result<RunReport, RunError> {
    let end = SimTime::ZERO + config.duration;
    let mut worlds = Vec::with_capacity(config.strategies.len());
    for (index, &strategy) in config.strategies.iter().enumerate() {
        let mut world = World::new(&config.params, strategy);
        if let Some(at) = config.restart_at {
            world.schedule_restart(SimTime::ZERO + at);
        }
        let done_before = config.duration.as_micros().saturating_mul(index as u64);
        loop {
            let until = (world.now() + SLICE).min(end);
            let step = world.advance(until, EVENTS_PER_SLICE);
            progress.update(
                done_before.saturating_add(world.now().as_micros()),
                strategy.name(),
            );
            if world.now() >= end {
                break;
            }
            if !step.reached && step.events == 0 {
                progress.finish();
                return Err(RunError::Stalled {
                    strategy,
                    at: world.now(),
                });
            }
        }
        worlds.push(WorldReport::from_world(&world, config.duration));
    }
    progress.finish();
    Ok(RunReport {
        config: config.clone(),
        worlds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Command};

    fn config(list: &[&str]) -> RunConfig {
        match parse(list.iter().map(|s| s.to_string())) {
            Ok(Command::Run(config)) => config,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn runs_one_world_per_strategy_in_order() {
        let config = config(&[
            "--clients",
            "20",
            "--duration",
            "3s",
            "--strategy",
            "streaming,polling",
        ]);
        let mut progress = Progress::new(Vec::new(), false, 1);
        let report = run(&config, &mut progress).unwrap();
        let strategies: Vec<Strategy> = report.worlds.iter().map(|w| w.strategy).collect();
        assert_eq!(strategies, vec![Strategy::Polling, Strategy::Streaming]);
        assert_eq!(report.config, config);
        for world in &report.worlds {
            assert!(world.seconds.len() <= 3, "no partial or extra seconds");
        }
        assert!(
            progress.into_inner().is_empty(),
            "a disabled progress bar writes nothing"
        );
    }
}
