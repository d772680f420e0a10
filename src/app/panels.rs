//! The panels that show a snapshot: what you are seeing, the charts and the summary table. Each one
//! subscribes to the snapshot bus itself, so that only these re-render a few times a second.

use std::rc::Rc;

use pollstream_engine::number::shortest;
use pollstream_engine::{theory, Prediction};
use yew::prelude::*;

use super::bus::use_bus;
use super::chart_data::{cdf_lines, time_charts};
use super::controls::BusProps;
use super::csv;
use super::snapshot::{Metric, TABLE_SECONDS};
use super::story::sentences;
use super::web;
use super::{use_ids, Ids};
use crate::charts::{Chart, ChartData};

/// "What you are seeing": a few sentences computed from the latest snapshot.
#[component]
pub fn Story(props: &BusProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
    let ids = use_ids();
    html! {
        <section id={ids.of("story")} class="story" aria-labelledby={ids.of("story-title")}>
            <h2 id={ids.of("story-title")}>{ "What you are seeing" }</h2>
            { for sentences(&snapshot).into_iter().map(|s| html! { <p>{ s }</p> }) }
        </section>
    }
}

/// The two groups of charts, each a panel of its own (`panels=load,latency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartGroup {
    /// What the server does: requests, utilization, queue, connections, memory, bandwidth.
    Load,
    /// How long messages wait: p50 and p99 over time, and the distribution since the start.
    Latency,
}

impl ChartGroup {
    /// Whether the time chart `id` (from `time_charts`) belongs here.
    pub fn has(self, id: &str) -> bool {
        (id == "chart-latency") == (self == ChartGroup::Latency)
    }

    fn section_id(self) -> &'static str {
        match self {
            ChartGroup::Load => "charts",
            ChartGroup::Latency => "latency-charts",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ChartGroup::Load => "The last minute",
            ChartGroup::Latency => "How long a message waits",
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub bus: super::bus::BusHandle<super::snapshot::Snapshot>,
    pub group: ChartGroup,
    /// Offer the CSV download here (in one group only).
    #[prop_or_default]
    pub csv: bool,
}

/// One group of charts of the last minute (with the latency CDF in the latency group), and the CSV
/// download.
#[component]
pub fn Charts(props: &ChartsProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
    let ids = use_ids();
    let group = props.group;
    let charts = time_charts(&snapshot);
    let cdf = cdf_lines(&snapshot);
    let on_download = {
        let bus = props.bus.clone();
        Callback::from(move |_: MouseEvent| {
            let snapshot = bus.0.latest();
            let _ = web::download(
                &csv::file_name(&snapshot),
                "text/csv",
                &csv::to_csv(&snapshot),
            );
        })
    };
    let section = group.section_id();
    let title_id = ids.of(&format!("{section}-title"));
    html! {
        <section id={ids.of(section)} class="charts" aria-labelledby={title_id.clone()}>
            <div class="section-head">
                <h2 id={title_id}>{ group.title() }</h2>
                if props.csv {
                    <button id={ids.of("download-csv")} type="button" onclick={on_download}>
                        { "Download CSV" }
                    </button>
                }
            </div>
            <div class="chart-grid">
                { for charts.into_iter().filter(|(id, _, _)| group.has(id)).map(|(id, title, data)| html! {
                    <Chart key={id} id={ids.of(id)} title={title} data={ChartData::Time(data)} />
                }) }
                if group == ChartGroup::Latency {
                    <Chart id={ids.of("chart-cdf")}
                        title="Message latency distribution since the start (CDF)" data={ChartData::Cdf(cdf)} />
                }
            </div>
        </section>
    }
}

/// One column per world: the rates of the last seconds, connections now, latency since the start, and
/// theory beside each value where it has one.
#[component]
pub fn SummaryTable(props: &BusProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
    let ids = use_ids();
    let header = snapshot.worlds.iter().map(|w| {
        // A computed class, as the DOM property: see the note on the class of `App`.
        // The whole seconds the world has completed, for the end-to-end test: worlds in workers of
        // their own run a little apart, and a step while paused ends them all at one instant.
        let seconds = w.seconds.last().map_or(0, |s| s.second + 1);
        html! {
            <th scope="col" ~className={format!("s-{}", w.strategy.name())} data-seconds={seconds.to_string()}>
                <span class="swatch" aria-hidden="true"></span>{ w.strategy.label() }
            </th>
        }
    });
    let predictions: Vec<Prediction> = snapshot
        .worlds
        .iter()
        .map(|w| theory::predict(&snapshot.params, w.strategy))
        .collect();
    let rows = Metric::ALL.iter().map(|&metric| {
        let cells = snapshot.worlds.iter().zip(&predictions).map(|(world, prediction)| {
            let measured = metric.measured(world);
            let theory = metric.theory_cell(prediction);
            let testid = format!("{}-{}", metric.id(), world.strategy.name());
            html! {
                <td>
                    <span class="measured" data-testid={testid}
                        data-value={measured.map(shortest)}>
                        { measured.map_or("–".to_string(), |v| metric.format(v)) }
                    </span>
                    if let Some(Ok(theory)) = theory {
                        <span class="theory" data-testid={format!("theory-{}-{}", metric.id(), world.strategy.name())}
                            data-value={shortest(theory)}>
                            <span class="theory-label">{ "theory " }</span>{ metric.format(theory) }
                        </span>
                    } else if let Some(Err(why)) = theory {
                        <span class="theory not-applicable" title={why.clone()} aria-label={why}
                            data-testid={format!("theory-{}-{}", metric.id(), world.strategy.name())}>
                            <span class="theory-label">{ "theory " }</span>{ "n/a" }
                        </span>
                    }
                </td>
            }
        });
        html! { <tr><th scope="row">{ metric.label() }</th>{ for cells }</tr> }
    });
    html! {
        <section id={ids.of("summary")} class="summary" aria-labelledby={ids.of("summary-title")}>
            <div class="section-head">
                <h2 id={ids.of("summary-title")}>{ "Side by side" }</h2>
            </div>
            <div class="table-scroll">
                <table id={ids.of("summary-table")}>
                    <caption>
                        { format!("Rates: mean of the last {TABLE_SECONDS} simulated seconds. Connections and \
                            queue: now. Latency: every message since the start. Below each value, in grey: what \
                            queueing theory predicts for these parameters. {}", snapshot.now) }
                    </caption>
                    <thead><tr><th scope="col">{ "Metric" }</th>{ for header }</tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct UrlNoticeProps {
    /// One line per problem with the address (see `url::parse`).
    pub lines: Rc<Vec<String>>,
}

/// What the address asked for that was ignored or changed, one line each; dismissable.
#[component]
pub fn UrlNotice(props: &UrlNoticeProps) -> Html {
    let ids: Ids = use_ids();
    let open = use_state_eq(|| true);
    let dismiss = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    if !*open || props.lines.is_empty() {
        // The live region stays, empty, so that nothing is announced twice.
        return html! { <div class="notice" role="status" hidden=true></div> };
    }
    html! {
        <div id={ids.of("url-notice")} class="notice" role="status">
            <div class="notice-text">
                <strong>{ "Some of the link was not used:" }</strong>
                <ul>{ for props.lines.iter().map(|line| html! { <li>{ line.clone() }</li> }) }</ul>
            </div>
            <button type="button" class="notice-close" onclick={dismiss}
                aria-label="Dismiss this notice" title="Dismiss">{ "×" }</button>
        </div>
    }
}
