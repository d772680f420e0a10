//! An immutable picture of the worlds, taken a few times a second, that the panels render from.

use std::rc::Rc;

use pollstream_engine::format::{bits_per_second, bytes, compact, micros, significant, thousands};
use pollstream_engine::{Gauges, Params, Prediction, SecondStats, SimTime, Strategy, Totals};

use super::sim::Sim;
use super::state::Speed;

/// Completed seconds kept for the charts and the CSV: the last minute.
pub const CHART_SECONDS: usize = 60;
/// Completed seconds the summary table averages its rates over.
pub const TABLE_SECONDS: usize = 10;

/// One world at the instant of the snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldSnapshot {
    pub strategy: Strategy,
    /// The last [`CHART_SECONDS`] completed seconds, oldest first.
    pub seconds: Rc<[SecondStats]>,
    pub totals: Totals,
    /// (latency µs, share of messages at or below it) over the whole run.
    pub cdf: Rc<[(f64, f64)]>,
    pub gauges: Gauges,
}

/// How fast the simulation runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeedReport {
    pub playing: bool,
    pub requested: Speed,
    /// Simulated seconds per wall-clock second over the last second, while playing.
    pub achieved: Option<f64>,
    /// Time has stopped: the worlds hold as much memory as the page may use.
    pub memory_full: bool,
}

impl SpeedReport {
    /// `1× real time`, `0.4× real time (can't keep up with 10×)`, `paused`.
    pub fn text(&self) -> String {
        if self.memory_full {
            return "stopped: too many waiting messages for this page's memory; change a setting or reset"
                .into();
        }
        if !self.playing {
            return "paused".into();
        }
        let Some(achieved) = self.achieved else {
            return match self.requested {
                Speed::Times(x) => format!("{}× real time", significant(x, 2)),
                Speed::Max => "as fast as it goes".into(),
            };
        };
        let achieved_text = format!("{}× real time", significant(achieved, 2));
        match self.requested {
            Speed::Max => format!("as fast as it goes: {achieved_text}"),
            Speed::Times(x) if achieved < 0.9 * x => {
                format!(
                    "{achieved_text} (can't keep up with {})",
                    Speed::Times(x).label()
                )
            }
            Speed::Times(x) => format!("{}× real time", significant(x, 2)),
        }
    }
}

/// Everything the panels show, shared by `Rc` and never changed after it is taken.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Increases with every snapshot: two snapshots are equal when their numbers are.
    pub seq: u64,
    pub now: SimTime,
    pub params: Params,
    pub worlds: Vec<WorldSnapshot>,
    pub speed: SpeedReport,
}

impl PartialEq for Snapshot {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}

impl Snapshot {
    /// Before the first frame: nothing to show.
    pub fn empty() -> Snapshot {
        Snapshot {
            seq: 0,
            now: SimTime::ZERO,
            params: Params::default(),
            worlds: Vec::new(),
            speed: SpeedReport {
                playing: false,
                requested: Speed::Times(1.0),
                achieved: None,
                memory_full: false,
            },
        }
    }

    /// The state of `sim` now.
    pub fn capture(sim: &Sim, seq: u64, speed: SpeedReport) -> Snapshot {
        let worlds = sim
            .worlds()
            .iter()
            .map(|world| {
                let seconds = world.seconds();
                let recent = &seconds[seconds.len().saturating_sub(CHART_SECONDS)..];
                let cdf: Vec<(f64, f64)> = world
                    .latency_histogram()
                    .cdf()
                    .into_iter()
                    .map(|(us, share)| (us as f64, share))
                    .collect();
                WorldSnapshot {
                    strategy: world.strategy(),
                    seconds: recent.into(),
                    totals: world.totals(),
                    cdf: cdf.into(),
                    gauges: world.gauges(),
                }
            })
            .collect();
        Snapshot {
            seq,
            now: sim.now(),
            params: sim.params().clone(),
            worlds,
            speed,
        }
    }

    /// Requests a second the server can answer: workers ÷ request service time.
    pub fn capacity_per_s(&self) -> f64 {
        capacity_per_s(&self.params)
    }
}

/// A count or rate for people: `0.5`, `988`, `4,000`, `12,500`, `3.2 M`.
pub fn count_text(value: f64) -> String {
    if value.abs() >= 1e6 {
        compact(value)
    } else if value.abs() >= 100.0 {
        thousands(value.round() as u64)
    } else {
        significant(value, 3)
    }
}

/// Requests a second a server with `params` can answer.
pub fn capacity_per_s(params: &Params) -> f64 {
    params.n_workers as f64 / params.service.as_secs_f64().max(1e-9)
}

/// Offered load from which the queueing formulas no longer describe the server (see
/// [`Metric::theory_cell`]).
pub const NEAR_SATURATION: f64 = 0.9;

/// `0.93` → `93 %`.
fn percent(share: f64) -> String {
    format!("{} %", significant(share * 100.0, 2))
}

/// The rows of the summary table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    RequestsPerS,
    PushesPerS,
    EmptyShare,
    RejectedPerS,
    Utilization,
    QueueLength,
    OpenConnections,
    ConnectionMemory,
    BandwidthIn,
    BandwidthOut,
    LatencyMean,
    LatencyP50,
    LatencyP99,
}

impl Metric {
    pub const ALL: [Metric; 13] = [
        Metric::RequestsPerS,
        Metric::PushesPerS,
        Metric::EmptyShare,
        Metric::RejectedPerS,
        Metric::Utilization,
        Metric::QueueLength,
        Metric::OpenConnections,
        Metric::ConnectionMemory,
        Metric::BandwidthIn,
        Metric::BandwidthOut,
        Metric::LatencyMean,
        Metric::LatencyP50,
        Metric::LatencyP99,
    ];

    /// The first half of the cells' `data-testid` (`requests-per-s` in `requests-per-s-polling`).
    pub fn id(self) -> &'static str {
        match self {
            Metric::RequestsPerS => "requests-per-s",
            Metric::PushesPerS => "pushes-per-s",
            Metric::EmptyShare => "empty-share",
            Metric::RejectedPerS => "rejected-per-s",
            Metric::Utilization => "utilization",
            Metric::QueueLength => "queue-length",
            Metric::OpenConnections => "open-connections",
            Metric::ConnectionMemory => "connection-memory",
            Metric::BandwidthIn => "bandwidth-in",
            Metric::BandwidthOut => "bandwidth-out",
            Metric::LatencyMean => "latency-mean",
            Metric::LatencyP50 => "latency-p50",
            Metric::LatencyP99 => "latency-p99",
        }
    }

    /// The row heading.
    pub fn label(self) -> &'static str {
        match self {
            Metric::RequestsPerS => "Requests / s",
            Metric::PushesPerS => "Pushes / s",
            Metric::EmptyShare => "Empty responses",
            Metric::RejectedPerS => "Rejected / s",
            Metric::Utilization => "Server utilization",
            Metric::QueueLength => "Queue length",
            Metric::OpenConnections => "Open connections",
            Metric::ConnectionMemory => "Connection memory",
            Metric::BandwidthIn => "Bandwidth in",
            Metric::BandwidthOut => "Bandwidth out",
            Metric::LatencyMean => "Message latency, mean",
            Metric::LatencyP50 => "Message latency, p50",
            Metric::LatencyP99 => "Message latency, p99",
        }
    }

    /// The value in human units: `12.5 k`, `95 %`, `7.6 GiB`, `1.2 Mbit/s`, `550 ms`.
    pub fn format(self, value: f64) -> String {
        match self {
            Metric::EmptyShare | Metric::Utilization => {
                format!("{}\u{a0}%", significant(value * 100.0, 3))
            }
            Metric::ConnectionMemory => bytes(value),
            Metric::BandwidthIn | Metric::BandwidthOut => bits_per_second(value),
            Metric::LatencyMean | Metric::LatencyP50 | Metric::LatencyP99 => micros(value),
            _ => count_text(value),
        }
    }

    /// What a world measured: rates are the mean of the last [`TABLE_SECONDS`] completed seconds,
    /// connections and the queue their state at the end of the last one, latencies are over every
    /// message delivered since the start. `None` before anything was measured.
    pub fn measured(self, world: &WorldSnapshot) -> Option<f64> {
        let recent = &world.seconds[world.seconds.len().saturating_sub(TABLE_SECONDS)..];
        let last = recent.last()?;
        let n = recent.len() as f64;
        let per_s = |f: fn(&SecondStats) -> u64| recent.iter().map(f).sum::<u64>() as f64 / n;
        let latency = &world.totals.latency;
        Some(match self {
            Metric::RequestsPerS => per_s(|s| s.requests),
            Metric::PushesPerS => per_s(|s| s.pushes),
            Metric::EmptyShare => {
                let answered: u64 = recent.iter().map(|s| s.answered).sum();
                if answered == 0 {
                    return None;
                }
                recent.iter().map(|s| s.empty_responses).sum::<u64>() as f64 / answered as f64
            }
            Metric::RejectedPerS => per_s(|s| s.rejected),
            Metric::Utilization => {
                let capacity: u64 = recent.iter().map(|s| s.capacity_us).sum();
                if capacity == 0 {
                    return None;
                }
                recent.iter().map(|s| s.busy_us).sum::<u64>() as f64 / capacity as f64
            }
            Metric::QueueLength => last.queue_len as f64,
            Metric::OpenConnections => last.open_connections as f64,
            Metric::ConnectionMemory => last.connection_memory_bytes as f64,
            Metric::BandwidthIn => per_s(|s| s.bytes_in),
            Metric::BandwidthOut => per_s(|s| s.bytes_out),
            Metric::LatencyMean | Metric::LatencyP50 | Metric::LatencyP99 if latency.count == 0 => {
                return None
            }
            Metric::LatencyMean => latency.mean,
            Metric::LatencyP50 => latency.p50 as f64,
            Metric::LatencyP99 => latency.p99 as f64,
        })
    }

    /// What theory says of this metric: a value, or why its formula does not apply here.
    ///
    /// MODEL.md's formulas assume utilization well below 1. Near or past saturation only those that
    /// are about saturation itself (utilization, rejections) and what does not depend on the server's
    /// answers (the requests clients send, the connections they hold) still stand.
    pub fn theory_cell(self, prediction: &Prediction) -> Option<Result<f64, String>> {
        let value = self.theory(prediction)?;
        let holds_in_overload = matches!(
            self,
            Metric::RequestsPerS
                | Metric::RejectedPerS
                | Metric::Utilization
                | Metric::OpenConnections
                | Metric::ConnectionMemory
                | Metric::BandwidthIn
        );
        match prediction.offered_load {
            Some(rho) if rho >= NEAR_SATURATION && !holds_in_overload => Some(Err(format!(
                "Not applicable: the formula assumes utilization well below 1, and the offered \
                 load here is {} of what the workers can serve",
                percent(rho)
            ))),
            _ => Some(Ok(value)),
        }
    }

    /// What theory predicts for this metric (MODEL.md's "What theory says"), where it has a prediction.
    pub fn theory(self, prediction: &Prediction) -> Option<f64> {
        let p = prediction;
        match self {
            Metric::RequestsPerS => p.requests_per_s,
            Metric::PushesPerS => p.pushes_per_s,
            Metric::EmptyShare => p.empty_share,
            Metric::RejectedPerS => p.rejected_per_s,
            Metric::Utilization => p.utilization,
            Metric::OpenConnections => p.open_connections,
            Metric::ConnectionMemory => p.connection_memory_bytes,
            Metric::BandwidthIn => p.bandwidth_in_bytes_per_s,
            Metric::BandwidthOut => p.bandwidth_out_bytes_per_s,
            Metric::LatencyMean => p.latency_mean_us,
            Metric::LatencyP99 => p.latency_p99_us,
            Metric::QueueLength | Metric::LatencyP50 => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pollstream_engine::LatencySummary;

    /// A world that measured `seconds` identical seconds.
    pub fn world(strategy: Strategy, seconds: u64, second: SecondStats) -> WorldSnapshot {
        let seconds: Vec<SecondStats> = (0..seconds)
            .map(|k| SecondStats {
                second: k,
                ..second
            })
            .collect();
        WorldSnapshot {
            strategy,
            seconds: seconds.into(),
            totals: Totals {
                latency: LatencySummary {
                    count: 10,
                    p50: 500_000,
                    p99: 990_000,
                    mean: 550_000.0,
                    ..Default::default()
                },
                ..Default::default()
            },
            cdf: Rc::new([(50_000.0, 0.5), (1_000_000.0, 1.0)]),
            gauges: Gauges::default(),
        }
    }

    pub fn busy_second() -> SecondStats {
        SecondStats {
            requests: 1_000,
            answered: 1_000,
            empty_responses: 900,
            busy_us: 2_000_000,
            capacity_us: 8_000_000,
            open_connections: 1_000,
            connection_memory_bytes: 8_192_000,
            bytes_in: 400_000,
            bytes_out: 420_000,
            ..Default::default()
        }
    }

    #[test]
    fn table_metrics_average_the_last_seconds() {
        let w = world(Strategy::Polling, 30, busy_second());
        assert_eq!(Metric::RequestsPerS.measured(&w), Some(1_000.0));
        assert_eq!(Metric::EmptyShare.measured(&w), Some(0.9));
        assert_eq!(Metric::Utilization.measured(&w), Some(0.25));
        assert_eq!(Metric::LatencyP99.measured(&w), Some(990_000.0));
        assert_eq!(Metric::RequestsPerS.format(12_500.0), "12,500");
        assert_eq!(Metric::RequestsPerS.format(3_250_000.0), "3.25 M");
        assert_eq!(Metric::QueueLength.format(0.5), "0.5");
        assert_eq!(Metric::EmptyShare.format(0.9), "90\u{a0}%");
        assert_eq!(Metric::ConnectionMemory.format(8_192_000.0), "7.81 MiB");
        assert_eq!(Metric::BandwidthOut.format(125_000.0), "1 Mbit/s");
        assert_eq!(Metric::LatencyP50.format(500_000.0), "500 ms");
        let empty = world(Strategy::Polling, 0, busy_second());
        assert_eq!(Metric::RequestsPerS.measured(&empty), None);
    }

    #[test]
    fn theory_that_assumes_a_lightly_loaded_server_is_marked_not_applicable_near_saturation() {
        let params = |workers: &str| {
            let mut raw = pollstream_engine::RawParams::default();
            raw.set(pollstream_engine::ParamKey::Workers, workers)
                .unwrap();
            Params::try_from(raw).unwrap()
        };
        // 1,000 polls a second of 2 ms each: 2 workers of work.
        let light = pollstream_engine::theory::predict(&params("8"), Strategy::Polling);
        let overloaded = pollstream_engine::theory::predict(&params("2"), Strategy::Polling);
        assert!(matches!(
            Metric::LatencyMean.theory_cell(&light),
            Some(Ok(_))
        ));
        let Some(Err(why)) = Metric::LatencyMean.theory_cell(&overloaded) else {
            panic!("the latency formula does not hold at ρ = 1");
        };
        assert!(why.contains("100 %"), "{why}");
        assert!(matches!(Metric::Utilization.theory_cell(&overloaded), Some(Ok(u)) if u == 1.0));
        assert!(
            matches!(Metric::RequestsPerS.theory_cell(&overloaded), Some(Ok(r)) if r == 1000.0)
        );
        assert_eq!(
            Metric::LatencyP50.theory_cell(&overloaded),
            None,
            "no formula at all"
        );
    }

    #[test]
    fn metric_ids_are_unique_kebab_case() {
        let mut ids: Vec<_> = Metric::ALL.iter().map(|m| m.id()).collect();
        assert!(ids.iter().all(|id| id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Metric::ALL.len());
    }

    #[test]
    fn speed_readout() {
        let report = |playing, requested, achieved| SpeedReport {
            memory_full: false,
            playing,
            requested,
            achieved,
        };
        assert_eq!(report(false, Speed::Times(1.0), None).text(), "paused");
        assert_eq!(
            report(true, Speed::Times(1.0), Some(0.98)).text(),
            "1× real time"
        );
        assert_eq!(
            report(true, Speed::Times(10.0), Some(0.4)).text(),
            "0.4× real time (can't keep up with 10×)"
        );
        assert_eq!(
            report(true, Speed::Max, Some(37.2)).text(),
            "as fast as it goes: 37× real time"
        );
        let full = SpeedReport {
            memory_full: true,
            ..report(true, Speed::Times(1.0), Some(1.0))
        };
        assert!(full
            .text()
            .starts_with("stopped: too many waiting messages"));
        assert_eq!(capacity_per_s(&Params::default()), 4_000.0);
    }
}
