//! The panels that show a snapshot: what you are seeing, the charts and the summary table. Each one
//! subscribes to the snapshot bus itself, so that only these re-render a few times a second.

use pollstream_engine::{theory, Prediction};
use yew::prelude::*;

use super::bus::use_bus;
use super::chart_data::{cdf_lines, time_charts};
use super::controls::BusProps;
use super::csv;
use super::palette;
use super::snapshot::{Metric, TABLE_SECONDS};
use super::story::sentences;
use super::web;
use crate::charts::{CdfChart, TimeChart};

/// "What you are seeing": a few sentences computed from the latest snapshot.
#[component]
pub fn Story(props: &BusProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
    html! {
        <section id="story" class="story" aria-labelledby="story-title">
            <h2 id="story-title">{ "What you are seeing" }</h2>
            { for sentences(&snapshot).into_iter().map(|s| html! { <p>{ s }</p> }) }
        </section>
    }
}

/// The charts of the last minute, the latency CDF and the CSV download.
#[component]
pub fn Charts(props: &BusProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
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
    html! {
        <section id="charts" class="charts" aria-labelledby="charts-title">
            <div class="section-head">
                <h2 id="charts-title">{ "The last minute" }</h2>
                <button id="download-csv" type="button" onclick={on_download}>
                    { "Download CSV" }
                </button>
            </div>
            <div class="chart-grid">
                { for charts.into_iter().map(|(id, title, data)| html! {
                    <TimeChart key={id} id={id} title={title} data={data} />
                }) }
                <CdfChart id="chart-cdf" title="Message latency distribution since the start (CDF)" lines={cdf} />
            </div>
        </section>
    }
}

/// One column per world: the rates of the last seconds, connections now, latency since the start, and
/// theory beside each value where it has one.
#[component]
pub fn SummaryTable(props: &BusProps) -> Html {
    let snapshot = use_bus(props.bus.clone());
    let header = snapshot.worlds.iter().map(|w| {
        html! {
            <th scope="col" style={format!("--c:{}", palette::color(w.strategy))}>
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
            let theory = metric.theory(prediction);
            let testid = format!("{}-{}", metric.id(), world.strategy.name());
            html! {
                <td>
                    <span class="measured" data-testid={testid}
                        data-value={measured.map(|v| v.to_string())}>
                        { measured.map_or("–".to_string(), |v| metric.format(v)) }
                    </span>
                    if let Some(theory) = theory {
                        <span class="theory" data-testid={format!("theory-{}-{}", metric.id(), world.strategy.name())}
                            data-value={theory.to_string()}>
                            <span class="theory-label">{ "theory " }</span>{ metric.format(theory) }
                        </span>
                    }
                </td>
            }
        });
        html! { <tr><th scope="row">{ metric.label() }</th>{ for cells }</tr> }
    });
    html! {
        <section id="summary" class="summary" aria-labelledby="summary-title">
            <div class="section-head">
                <h2 id="summary-title">{ "Side by side" }</h2>
            </div>
            <div class="table-scroll">
                <table id="summary-table">
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
