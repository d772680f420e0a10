//! Charts of the simulation: time series over the last minute and latency CDFs.
//!
//! Drawing ([`draw`]) is generic over the plotters `DrawingBackend`, so native tests render to SVG and
//! assert on it. The components here add what the page needs around it: an HTML title, legend and hover
//! readout, a canvas sized for the device pixel ratio that follows its container's width, redraws only
//! when the data (by pointer), the size or the colour scheme changed and at most once per animation
//! frame, and a PNG download.
//!
//! Colours come from CSS: set `--chart-bg`, `--chart-fg`, `--chart-axis`, `--chart-grid`,
//! `--chart-reference` on the page (or on `.ps-chart`) to override the defaults, which follow the
//! element's `color`, the first opaque background above it and `prefers-color-scheme`.

mod canvas;
pub mod draw;
pub mod scale;
pub(crate) mod web;

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::IntoDrawingArea;
use pollstream_engine::format;
use pollstream_engine::number::{clamp, fixed, shortest};
use web_sys::{Element, HtmlCanvasElement};
use yew::prelude::*;

use crate::app::perf::{self, Span};
use crate::math;
use canvas::CanvasBackend;

pub use draw::{draw_cdf_chart, draw_time_chart, ChartStyle, PlotGeometry, Theme};

/// The unit of a chart's y axis, for human tick labels and readouts.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Unit {
    Count,
    PerSecond,
    Bytes,
    BytesPerSecond,
    Micros,
    Ratio,
}

/// One series of a time chart (one world, usually).
#[derive(Clone, PartialEq)]
pub struct Line {
    pub label: AttrValue,
    /// A CSS colour such as `"#D55E00"`.
    pub color: &'static str,
    /// (simulated seconds, value).
    pub points: Rc<[(f64, f64)]>,
    pub dashed: bool,
}

#[derive(Clone, PartialEq)]
pub struct TimeChartData {
    pub lines: Vec<Line>,
    pub y_unit: Unit,
    /// Simulated seconds shown on the x axis.
    pub x_range: (f64, f64),
    /// A horizontal reference line, e.g. `("capacity", 4000.0)`.
    pub reference: Option<(AttrValue, f64)>,
}

/// One world's latency distribution.
#[derive(Clone, PartialEq)]
pub struct CdfLine {
    pub label: AttrValue,
    pub color: &'static str,
    /// (latency µs, cumulative share 0..1).
    pub points: Rc<[(f64, f64)]>,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// What a [`Chart`] shows.
#[derive(Clone, PartialEq)]
pub enum ChartData {
    /// Series over the last minute.
    Time(Rc<TimeChartData>),
    /// The latency distributions (CDF), one line per world.
    Cdf(Rc<Vec<CdfLine>>),
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub data: ChartData,
}

/// A chart of either kind: one component rather than one per kind, because each component type costs
/// its own copy of Yew's lifecycle code in the wasm (~0.5 kB gzipped), and both kinds share the rest.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let surface = use_surface(props.data.clone());
    let hover = use_state_eq(|| None::<f64>);
    let (legend, png_legend, readout, has_data, step) = match &props.data {
        ChartData::Time(data) => {
            let has_data = data
                .lines
                .iter()
                .any(|l| l.points.iter().any(|p| p.0.is_finite() && p.1.is_finite()));
            let mut legend: Vec<Html> = data
                .lines
                .iter()
                .map(|l| legend_item(l.color, l.dashed, html! { { l.label.clone() } }))
                .collect();
            if let Some((label, value)) = &data.reference {
                let text = format!("{label} {}", scale::value_label(*value, data.y_unit));
                legend.push(legend_item("currentColor", true, html! { { text } }));
            }
            let mut png_legend: Vec<(String, String)> = data
                .lines
                .iter()
                .map(|l| (l.color.to_string(), l.label.to_string()))
                .collect();
            if let Some((label, value)) = &data.reference {
                png_legend.push((
                    "#888888".into(),
                    format!("{label} {}", scale::value_label(*value, data.y_unit)),
                ));
            }
            let readout = (*hover).and_then(|css_x| time_readout(&surface, data, css_x));
            (legend, png_legend, readout, has_data, Step::Linear(1.0))
        }
        ChartData::Cdf(lines) => {
            let has_data = lines.iter().any(|l| {
                l.points
                    .iter()
                    .any(|p| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite())
            });
            let legend: Vec<Html> = lines
                .iter()
                .map(|l| {
                    let text = format!("{} — {}", l.label, percentiles(l));
                    legend_item(l.color, false, html! { { text } })
                })
                .collect();
            let png_legend = lines
                .iter()
                .map(|l| {
                    (
                        l.color.to_string(),
                        format!("{} — {}", l.label, percentiles(l)),
                    )
                })
                .collect();
            let readout = (*hover).and_then(|css_x| cdf_readout(&surface, lines, css_x));
            (legend, png_legend, readout, has_data, Step::Log(0.05))
        }
    };
    chart_frame(ChartFrame {
        id: props.id.clone(),
        title: props.title.clone(),
        legend,
        png_legend,
        surface,
        hover,
        readout,
        empty: !has_data,
        step,
    })
}

/// "p50 52 ms · p99 1 s"
pub fn percentiles(line: &CdfLine) -> String {
    let p = |v: f64| {
        if v.is_finite() && v >= 0.0 {
            format::micros(v)
        } else {
            "–".into()
        }
    };
    format!("p50 {} · p99 {}", p(line.p50_us), p(line.p99_us))
}

// ---- the shared machinery of both charts ----

impl ChartData {
    fn same(&self, other: &ChartData) -> bool {
        match (self, other) {
            // By value too: a new snapshot usually carries the same last minute (a second completes
            // only once a simulated second), and a chart redraws only when what it shows changed.
            (ChartData::Time(a), ChartData::Time(b)) => Rc::ptr_eq(a, b) || a == b,
            (ChartData::Cdf(a), ChartData::Cdf(b)) => Rc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

#[derive(Clone, PartialEq)]
struct DrawKey {
    width: u32,
    height: u32,
    dpr: f64,
    theme: Theme,
}

struct Surface {
    canvas: NodeRef,
    plot: NodeRef,
    payload: Option<ChartData>,
    drawn: Option<(ChartData, DrawKey)>,
    /// The canvas element drawn on: a new element (should Yew ever replace it) is blank.
    drawn_canvas: Option<HtmlCanvasElement>,
    geometry: Option<PlotGeometry>,
    dpr: f64,
    theme: Theme,
    frames: Option<web::FrameHandle>,
}

impl Surface {
    fn stale(&self) -> bool {
        if self.canvas.cast::<HtmlCanvasElement>() != self.drawn_canvas {
            return true;
        }
        match (&self.payload, &self.drawn) {
            (Some(p), Some((d, _))) => !p.same(d),
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// The canvas, its size, its redraws. Returns the shared state the handlers read.
#[hook]
fn use_surface(payload: ChartData) -> Rc<RefCell<Surface>> {
    let surface = use_mut_ref(|| Surface {
        canvas: NodeRef::default(),
        plot: NodeRef::default(),
        payload: None,
        drawn: None,
        drawn_canvas: None,
        geometry: None,
        dpr: 1.0,
        theme: Theme::light(),
        frames: None,
    });
    if let Ok(mut s) = surface.try_borrow_mut() {
        s.payload = Some(payload);
    }
    {
        let surface = surface.clone();
        use_effect_with((), move |_| {
            let weak = Rc::downgrade(&surface);
            let scheduler = web::FrameScheduler::new(move || {
                if let Some(s) = weak.upgrade() {
                    paint(&s);
                }
            });
            let handle = scheduler.handle();
            let plot = surface
                .try_borrow()
                .ok()
                .and_then(|s| s.plot.cast::<Element>());
            let resize = plot.map(|p| {
                let h = handle.clone();
                web::ResizeWatch::new(&p, move || h.request())
            });
            let h = handle.clone();
            let scheme = web::MediaWatch::new("(prefers-color-scheme: dark)", move || h.request());
            if let Ok(mut s) = surface.try_borrow_mut() {
                s.frames = Some(handle.clone());
            }
            handle.request();
            move || {
                drop(resize);
                drop(scheme);
                drop(scheduler);
            }
        });
    }
    {
        let surface = surface.clone();
        use_effect(move || {
            if let Ok(s) = surface.try_borrow() {
                if s.stale() {
                    if let Some(f) = &s.frames {
                        f.request();
                    }
                }
            }
        });
    }
    surface
}

/// Draw now, if the data, the size or the colours changed since the last drawing.
fn paint(surface: &Rc<RefCell<Surface>>) {
    let start = perf::now_ms();
    if paint_now(surface) {
        perf::span(Span::Chart, start, perf::now_ms());
        perf::mark_once("pollstream:first-chart");
    }
}

/// Draws if needed; whether it drew.
fn paint_now(surface: &Rc<RefCell<Surface>>) -> bool {
    let Ok(mut s) = surface.try_borrow_mut() else {
        return false;
    };
    let (Some(canvas), Some(plot), Some(payload)) = (
        s.canvas.cast::<HtmlCanvasElement>(),
        s.plot.cast::<Element>(),
        s.payload.clone(),
    ) else {
        return false;
    };
    let css_w = f64::from(plot.client_width());
    if css_w.is_nan() || css_w < 1.0 {
        return false;
    }
    // Wide and low: two charts and the worlds share a laptop's first screen (static/style.css).
    let css_h = (css_w * 0.4).clamp(170.0, 300.0).round();
    let dpr = web::device_pixel_ratio();
    let (w, h) = ((css_w * dpr).round() as u32, (css_h * dpr).round() as u32);
    let theme = web::read_theme(&plot);
    let key = DrawKey {
        width: w,
        height: h,
        dpr,
        theme: theme.clone(),
    };
    if let Some((p, k)) = &s.drawn {
        if p.same(&payload) && *k == key && s.drawn_canvas.as_ref() == Some(&canvas) {
            return false;
        }
    }
    s.drawn_canvas = Some(canvas.clone());
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    // Through the CSSOM, not a style attribute, which a strict CSP refuses (crate::csp_style).
    canvas.style().set_css_text(&format!(
        "display:block;width:{}px;height:{}px;max-width:100%;touch-action:pan-y",
        shortest(css_w),
        shortest(css_h)
    ));
    let Some(backend) = CanvasBackend::with_canvas_object(canvas) else {
        return false;
    };
    let root = backend.into_drawing_area();
    let style = ChartStyle { scale: dpr, theme };
    let result = match &payload {
        ChartData::Time(data) => draw_time_chart(&root, data, &style),
        ChartData::Cdf(lines) => draw_cdf_chart(&root, lines, &style),
    };
    let _ = root.present();
    match result {
        Ok(g) => s.geometry = Some(g),
        Err(e) => web_sys::console::warn_1(&format!("chart drawing failed: {e}").into()),
    }
    s.drawn = Some((payload, key));
    s.dpr = dpr;
    s.theme = style.theme;
    true
}

/// The hover readout: a heading and one row per series.
#[derive(Clone, PartialEq)]
struct Readout {
    guide_css_x: f64,
    heading: String,
    rows: Vec<(&'static str, String)>,
}

fn geometry_and_dpr(surface: &Rc<RefCell<Surface>>) -> Option<(PlotGeometry, f64)> {
    let s = surface.try_borrow().ok()?;
    Some((s.geometry.clone()?, s.dpr))
}

fn time_readout(
    surface: &Rc<RefCell<Surface>>,
    data: &TimeChartData,
    css_x: f64,
) -> Option<Readout> {
    let (g, dpr) = geometry_and_dpr(surface)?;
    let x = g.x_at(css_x * dpr)?;
    let in_range = |p: &(f64, f64)| p.0 >= g.x_range.0 && p.0 <= g.x_range.1;
    // Snap to the nearest sample of any series: "at that second".
    let snapped = data
        .lines
        .iter()
        .filter_map(|l| {
            let visible: Vec<(f64, f64)> = l.points.iter().copied().filter(in_range).collect();
            scale::nearest(&visible, x)
        })
        .map(|p| p.0)
        .min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()))?;
    let tolerance = ((g.x_range.1 - g.x_range.0) / 40.0).max(0.51);
    let rows = data
        .lines
        .iter()
        .map(|l| {
            let value = scale::nearest(&l.points, snapped)
                .filter(|p| (p.0 - snapped).abs() <= tolerance)
                .map(|p| scale::value_label(p.1, data.y_unit))
                .unwrap_or_else(|| "–".into());
            (l.color, format!("{}: {value}", l.label))
        })
        .collect();
    Some(Readout {
        guide_css_x: g.px_of(snapped)? / dpr,
        heading: format!("at {}", scale::time_label(snapped, g.x_range.1 >= 100.0)),
        rows,
    })
}

fn cdf_readout(surface: &Rc<RefCell<Surface>>, lines: &[CdfLine], css_x: f64) -> Option<Readout> {
    let (g, dpr) = geometry_and_dpr(surface)?;
    let x = g.x_at(css_x * dpr)?;
    let rows = lines
        .iter()
        .map(|l| {
            let share = scale::cdf_at(&l.points, x)
                .map(scale::percent)
                .unwrap_or_else(|| "–".into());
            (l.color, format!("{}: {share}", l.label))
        })
        .collect();
    Some(Readout {
        guide_css_x: g.px_of(x)? / dpr,
        heading: format!("messages delivered within {}", format::micros(x)),
        rows,
    })
}

#[derive(Clone, Copy)]
enum Step {
    /// Arrow keys move the readout by this many x units.
    Linear(f64),
    /// … or by this many decades.
    Log(f64),
}

struct ChartFrame {
    id: AttrValue,
    title: AttrValue,
    legend: Vec<Html>,
    png_legend: Vec<(String, String)>,
    surface: Rc<RefCell<Surface>>,
    hover: UseStateHandle<Option<f64>>,
    readout: Option<Readout>,
    empty: bool,
    step: Step,
}

fn legend_item(color: &str, dashed: bool, label: Html) -> Html {
    let line = if dashed { "dashed" } else { "solid" };
    // Styles: static/style.css; the colour through `data-style` (crate::csp_style: CSP-safe).
    let swatch = format!("border-top:3px {line} {color}");
    html! {
        <li class="ps-legend-item">
            <span class="ps-legend-line" data-style={swatch} aria-hidden="true"></span>{ label }
        </li>
    }
}

/// The figure around a canvas: title, PNG button, legend, the plot with its guide and readout.
fn chart_frame(f: ChartFrame) -> Html {
    let ChartFrame {
        id,
        title,
        legend,
        png_legend,
        surface,
        hover,
        readout,
        empty,
        step,
    } = f;
    let (canvas_ref, plot_ref) = match surface.try_borrow() {
        Ok(s) => (s.canvas.clone(), s.plot.clone()),
        Err(_) => (NodeRef::default(), NodeRef::default()),
    };
    let relative_x = {
        let canvas_ref = canvas_ref.clone();
        move |client_x: i32| -> Option<f64> {
            let canvas = canvas_ref.cast::<Element>()?;
            let rect = canvas.get_bounding_client_rect();
            let x = f64::from(client_x) - rect.left();
            (x.is_finite() && x >= 0.0 && x <= rect.width()).then_some(x)
        }
    };
    let onpointermove = {
        let hover = hover.clone();
        let relative_x = relative_x.clone();
        Callback::from(move |e: PointerEvent| hover.set(relative_x(e.client_x())))
    };
    let onpointerdown = {
        let hover = hover.clone();
        Callback::from(move |e: PointerEvent| hover.set(relative_x(e.client_x())))
    };
    let onpointerleave = {
        let hover = hover.clone();
        Callback::from(move |_: PointerEvent| hover.set(None))
    };
    let onkeydown = {
        let hover = hover.clone();
        let surface = surface.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Escape" {
                hover.set(None);
                return;
            }
            let dir = match key.as_str() {
                "ArrowLeft" => -1.0,
                "ArrowRight" => 1.0,
                _ => return,
            };
            e.prevent_default();
            let Some((g, dpr)) = geometry_and_dpr(&surface) else {
                return;
            };
            let current = (*hover)
                .and_then(|x| g.x_at(x * dpr))
                .unwrap_or(g.x_range.1);
            let next = match step {
                Step::Linear(d) => clamp(current + dir * d, g.x_range.0, g.x_range.1),
                Step::Log(d) => clamp(current * math::pow10(dir * d), g.x_range.0, g.x_range.1),
            };
            if let Some(px) = g.px_of(next) {
                hover.set(Some(px / dpr));
            }
        })
    };
    let onblur = {
        let hover = hover.clone();
        Callback::from(move |_: FocusEvent| hover.set(None))
    };
    let download = {
        let surface = surface.clone();
        let id = id.clone();
        let title = title.clone();
        Callback::from(move |_: MouseEvent| {
            let Ok(s) = surface.try_borrow() else { return };
            if let Some(canvas) = s.canvas.cast::<HtmlCanvasElement>() {
                web::download_png(&canvas, &format!("{id}.png"), &title, &png_legend, &s.theme);
            }
        })
    };

    // The plot's children keep one structure whatever is shown (hidden, not removed): Yew matches
    // unkeyed children by position, and a changing count would make it replace the canvas.
    let (guide, boxed, heading, rows) = match readout {
        Some(r) => {
            let guide = format!("left:{}px", fixed(r.guide_css_x, 1));
            // Keep the readout clear of the pointer: to its right on the left half, to its left otherwise.
            let width = surface
                .try_borrow()
                .ok()
                .and_then(|s| s.plot.cast::<Element>())
                .map(|p| f64::from(p.client_width()))
                .unwrap_or(0.0);
            let side = if r.guide_css_x < width / 2.0 {
                format!("left:{}px", fixed(r.guide_css_x + 10.0, 1))
            } else {
                format!(
                    "right:{}px",
                    fixed((width - r.guide_css_x + 10.0).max(0.0), 1)
                )
            };
            (guide, side, r.heading, r.rows)
        }
        None => (
            "display:none".to_string(),
            "display:none".to_string(),
            String::new(),
            Vec::new(),
        ),
    };
    let rows: Html = rows
        .into_iter()
        .map(|(color, text)| {
            let dot = format!("background:{color}");
            html! { <div><span class="ps-dot" data-style={dot} aria-hidden="true"></span>{ text }</div> }
        })
        .collect();
    let empty_class = if empty {
        "ps-chart-empty"
    } else {
        "ps-chart-empty ps-hidden"
    };
    let title_id = format!("{id}-title");
    html! {
        <figure id={id.clone()} class="ps-chart" aria-labelledby={title_id.clone()}>
            <figcaption>
                <span id={title_id} class="ps-chart-title">{ title.clone() }</span>
                <button type="button" class="ps-chart-png" onclick={download}
                    title={format!("Download “{title}” as a PNG image")}
                    aria-label={format!("Download {title} as PNG")}>{ "PNG ↓" }</button>
            </figcaption>
            <ul class="ps-chart-legend">
                { for legend }
            </ul>
            <div class="ps-chart-plot" ref={plot_ref} tabindex="0"
                aria-label={format!("{title}: use the left and right arrow keys to read values")}
                {onpointermove} {onpointerdown} {onpointerleave} onpointercancel={
                    let hover = hover.clone();
                    Callback::from(move |_: PointerEvent| hover.set(None))
                }
                {onkeydown} {onblur}>
                <canvas ref={canvas_ref} role="img" aria-label={title.clone()}></canvas>
                // A computed class, as the DOM property: see the note on the class of `App`.
                <div ~className={empty_class}>{ "No data yet" }</div>
                <div class="ps-chart-guide" data-style={guide} aria-hidden="true"></div>
                <div class="ps-chart-readout" data-style={boxed} role="status">
                    <div class="ps-chart-readout-head">{ heading }</div>
                    <div>{ rows }</div>
                </div>
            </div>
        </figure>
    }
}
