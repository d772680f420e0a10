//! The data of each chart, built from a snapshot.

use std::rc::Rc;

use pollstream_engine::{SecondStats, Strategy};
use yew::AttrValue;

use super::palette;
use super::snapshot::{Snapshot, WorldSnapshot, CHART_SECONDS};
use crate::charts::{CdfLine, Line, TimeChartData, Unit};

/// A named series of each second: `("requests/s", |s| s.requests as f64)`.
type Series = (&'static str, fn(&SecondStats) -> f64);

/// A second, dashed series, and which strategies have it: only streaming pushes, and a line for
/// pushes that polling and long polling never make would only crowd the legend.
type Second = (Series, fn(Strategy) -> bool);

/// A chart of the last minute: one line per world (two, the second dashed, with `second`).
fn time_chart(
    snapshot: &Snapshot,
    unit: Unit,
    first: Series,
    second: Option<Second>,
    reference: Option<(AttrValue, f64)>,
) -> Rc<TimeChartData> {
    let series = |world: &WorldSnapshot, what: &str, value: fn(&SecondStats) -> f64, dashed| Line {
        label: format!("{} {what}", world.strategy.label()).into(),
        color: palette::color(world.strategy),
        // A second is plotted at its end: second k covers [k, k + 1).
        points: world
            .seconds
            .iter()
            .map(|s| ((s.second + 1) as f64, value(s)))
            .collect(),
        dashed,
    };
    let mut lines = Vec::new();
    for world in &snapshot.worlds {
        lines.push(series(world, first.0, first.1, false));
        if let Some(((what, value), has)) = second {
            if has(world.strategy) {
                lines.push(series(world, what, value, true));
            }
        }
    }
    let end = snapshot.now.as_secs_f64().floor().max(CHART_SECONDS as f64);
    Rc::new(TimeChartData {
        lines,
        y_unit: unit,
        x_range: (end - CHART_SECONDS as f64, end),
        reference,
    })
}

/// Every time chart: (id, title, data).
pub fn time_charts(snapshot: &Snapshot) -> Vec<(&'static str, &'static str, Rc<TimeChartData>)> {
    let capacity = Some(("server capacity".into(), snapshot.capacity_per_s()));
    vec![
        (
            "chart-rates",
            "Requests/s, and pushes/s (dashed)",
            time_chart(
                snapshot,
                Unit::PerSecond,
                ("requests/s", |s| s.requests as f64),
                Some((("pushes/s", |s| s.pushes as f64), |s| {
                    s == Strategy::Streaming
                })),
                capacity,
            ),
        ),
        (
            "chart-utilization",
            "Server utilization",
            time_chart(
                snapshot,
                Unit::Ratio,
                ("utilization", SecondStats::utilization),
                None,
                None,
            ),
        ),
        (
            "chart-queue",
            "Queue length at the end of each second",
            time_chart(
                snapshot,
                Unit::Count,
                ("queue", |s| s.queue_len as f64),
                None,
                None,
            ),
        ),
        (
            "chart-connections",
            "Open connections (streams and held long-polls)",
            time_chart(
                snapshot,
                Unit::Count,
                ("connections", |s| s.open_connections as f64),
                None,
                None,
            ),
        ),
        (
            "chart-memory",
            "Server memory held by open connections",
            time_chart(
                snapshot,
                Unit::Bytes,
                ("memory", |s| s.connection_memory_bytes as f64),
                None,
                None,
            ),
        ),
        (
            "chart-bandwidth",
            "Bandwidth in (solid) and out (dashed)",
            time_chart(
                snapshot,
                Unit::BytesPerSecond,
                ("in", |s| s.bytes_in as f64),
                Some((("out", |s| s.bytes_out as f64), |_| true)),
                None,
            ),
        ),
        (
            "chart-latency",
            "Message latency: p50, and p99 (dashed)",
            time_chart(
                snapshot,
                Unit::Micros,
                ("p50", |s| s.latency.p50 as f64),
                Some((("p99", |s| s.latency.p99 as f64), |_| true)),
                None,
            ),
        ),
    ]
}

/// The latency CDF of every world that delivered a message.
pub fn cdf_lines(snapshot: &Snapshot) -> Rc<Vec<CdfLine>> {
    Rc::new(
        snapshot
            .worlds
            .iter()
            .filter(|w| w.totals.latency.count > 0)
            .map(|w| CdfLine {
                label: w.strategy.label().into(),
                color: palette::color(w.strategy),
                points: w.cdf.clone(),
                p50_us: w.totals.latency.p50 as f64,
                p99_us: w.totals.latency.p99 as f64,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::snapshot::tests::{busy_second, world};
    use pollstream_engine::SimTime;

    #[test]
    fn one_line_per_world_and_series_over_the_last_minute() {
        let mut snapshot = Snapshot::empty();
        snapshot.now = SimTime::from_secs(90);
        snapshot.worlds = vec![
            world(Strategy::Polling, 60, busy_second()),
            world(Strategy::Streaming, 60, busy_second()),
        ];
        let charts = time_charts(&snapshot);
        let (id, _, rates) = &charts[0];
        assert_eq!(*id, "chart-rates");
        // Polling's requests; streaming's requests and pushes (polling never pushes).
        assert_eq!(rates.lines.len(), 3);
        assert!(rates.lines[2].label.contains("Streaming pushes"));
        assert_eq!(rates.x_range, (30.0, 90.0));
        assert_eq!(rates.reference.as_ref().map(|r| r.1), Some(4_000.0));
        assert_eq!(rates.lines[0].color, "#D55E00");
        assert!(!rates.lines[1].dashed && rates.lines[2].dashed);
        assert_eq!(rates.lines[0].points[0], (1.0, 1_000.0));
        assert_eq!(cdf_lines(&snapshot).len(), 2);
        let mut ids: Vec<_> = charts.iter().map(|c| c.0).collect();
        ids.dedup();
        assert_eq!(ids.len(), 7);
    }
}
