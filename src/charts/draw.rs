//! Chart drawing, generic over the plotters backend: the canvas in the browser, SVG in native tests.
//!
//! Plotters draws axes, grid, tick labels and series only; titles, legends and readouts are HTML. Tick
//! labels are placed by this module (anchored text, no text measurement), so a redraw never asks the DOM
//! for text sizes.

use plotters::coord::ranged1d::AsRangedCoord;
use plotters::coord::Shift;
use plotters::element::{CoordMapper, Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use pollstream_engine::number::clamp;

use crate::math;

use super::scale::{self, thin_min_max};
use super::{CdfLine, TimeChartData, Unit};

/// A colour with its alpha.
pub type Rgba = ((u8, u8, u8), f64);

/// The colours and font of a chart, from the page's CSS (light or dark scheme).
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub background: Rgba,
    pub text: Rgba,
    pub axis: Rgba,
    pub grid: Rgba,
    pub reference: Rgba,
    pub font_family: String,
}

impl Theme {
    pub fn light() -> Theme {
        Theme {
            background: ((255, 255, 255), 1.0),
            text: ((68, 68, 68), 1.0),
            axis: ((120, 120, 120), 1.0),
            grid: ((228, 228, 228), 1.0),
            reference: ((40, 40, 40), 1.0),
            font_family: "sans-serif".into(),
        }
    }

    pub fn dark() -> Theme {
        Theme {
            background: ((28, 28, 32), 1.0),
            text: ((210, 210, 210), 1.0),
            axis: ((150, 150, 150), 1.0),
            grid: ((58, 58, 64), 1.0),
            reference: ((230, 230, 230), 1.0),
            font_family: "sans-serif".into(),
        }
    }
}

/// How to draw: device pixels per CSS pixel, and the theme.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartStyle {
    pub scale: f64,
    pub theme: Theme,
}

impl Default for ChartStyle {
    fn default() -> Self {
        ChartStyle {
            scale: 1.0,
            theme: Theme::light(),
        }
    }
}

/// Where the plot ended up, in backend pixels relative to the drawing area, and what it shows: maps a
/// pointer position to a data value for the hover readout.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotGeometry {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub log_x: bool,
}

impl PlotGeometry {
    fn t(&self, x: f64) -> f64 {
        if self.log_x {
            math::log10(x)
        } else {
            x
        }
    }

    /// The data x at backend pixel `px` (clamped into the plot), if the plot has a width.
    pub fn x_at(&self, px: f64) -> Option<f64> {
        let width = self.right - self.left;
        if width.is_nan() || width <= 0.0 || !px.is_finite() {
            return None;
        }
        let f = ((px - self.left) / width).clamp(0.0, 1.0);
        let (a, b) = (self.t(self.x_range.0), self.t(self.x_range.1));
        let v = a + f * (b - a);
        let v = if self.log_x { math::pow10(v) } else { v };
        v.is_finite().then_some(v)
    }

    /// The backend pixel of data x.
    pub fn px_of(&self, x: f64) -> Option<f64> {
        let (a, b) = (self.t(self.x_range.0), self.t(self.x_range.1));
        let f = (self.t(x) - a) / (b - a);
        let px = self.left + f * (self.right - self.left);
        px.is_finite().then_some(px)
    }
}

type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn color(c: Rgba) -> RGBAColor {
    let ((r, g, b), a) = c;
    RGBColor(r, g, b).mix(if a.is_finite() {
        a.clamp(0.0, 1.0)
    } else {
        1.0
    })
}

/// A series colour from its CSS text (grey when unreadable).
pub fn series_color(css: &str) -> RGBAColor {
    color(scale::parse_css_color(css).unwrap_or(((128, 128, 128), 1.0)))
}

fn px(s: f64, css_px: f64) -> u32 {
    (s * css_px).round().clamp(1.0, 64.0) as u32
}

/// The common frame of both charts: background, plot rectangle and the tick label font.
struct Frame {
    scale: f64,
    font_px: f64,
    width: i32,
    height: i32,
}

fn frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
) -> DrawResult<Frame, DB> {
    area.fill(&color(style.theme.background))?;
    let (w, h) = area.dim_in_pixel();
    let scale = if style.scale.is_finite() {
        style.scale.clamp(0.5, 4.0)
    } else {
        1.0
    };
    Ok(Frame {
        scale,
        font_px: 11.0 * scale,
        width: w.min(i32::MAX as u32 / 2) as i32,
        height: h.min(i32::MAX as u32 / 2) as i32,
    })
}

/// The margins around the plot: (left, right, top, bottom) in backend pixels.
fn margins(f: &Frame, y_labels: &[String]) -> (i32, i32, i32, i32) {
    let longest = y_labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1) as f64;
    let left = (longest * 0.6 * f.font_px + 8.0 * f.scale).round() as i32;
    let left = left.min(f.width / 3).max(1);
    let right = ((14.0 * f.scale).round() as i32).min(f.width / 8);
    let top = ((8.0 * f.scale).round() as i32).min(f.height / 8);
    let bottom = ((f.font_px + 10.0 * f.scale).round() as i32).min(f.height / 3);
    (left, right, top, bottom)
}

fn text_style<'a>(theme: &'a Theme, f: &Frame, pos: Pos) -> TextStyle<'a> {
    FontDesc::new(
        FontFamily::Name(&theme.font_family),
        f.font_px,
        FontStyle::Normal,
    )
    .color(&color(theme.text))
    .pos(pos)
}

/// Draw a time chart: one line per series over `data.x_range`, the reference line, grid and tick labels.
pub fn draw_time_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &TimeChartData,
    style: &ChartStyle,
) -> DrawResult<PlotGeometry, DB> {
    let f = frame(area, style)?;
    let x_range = sane_x_range(data);
    // The y range covers what is visible, and the reference line.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for line in &data.lines {
        for &(x, y) in line.points.iter() {
            if x.is_finite() && y.is_finite() && x >= x_range.0 && x <= x_range.1 {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
    }
    if let Some((_, r)) = &data.reference {
        if r.is_finite() {
            lo = lo.min(*r);
            hi = hi.max(*r);
        }
    }
    let max_y_ticks = (f64::from(f.height) / f.scale / 45.0).floor() as usize + 1;
    let (y_range, y_ticks) = scale::y_ticks(lo, hi, data.y_unit, max_y_ticks);
    let y_labels: Vec<String> = y_ticks
        .iter()
        .map(|v| scale::tick_label(*v, data.y_unit))
        .collect();
    let (ml, mr, mt, mb) = margins(&f, &y_labels);
    let plot_w_css = (f64::from(f.width - ml - mr) / f.scale).max(1.0);
    let x_ticks = scale::x_ticks(x_range, (plot_w_css / 70.0).floor() as usize);
    let long_run = x_range.1 >= 100.0;

    let chart = plot_area(
        area,
        (ml, mr, mt, mb),
        x_range.0..x_range.1,
        y_range.0..y_range.1,
    );

    let grid = ShapeStyle {
        color: color(style.theme.grid),
        filled: false,
        stroke_width: px(f.scale, 1.0),
    };
    let ticks = Ticks {
        x: &x_ticks,
        y: &y_ticks,
        y_labels: &y_labels,
    };
    draw_grid_and_labels(
        area,
        &chart,
        (x_range, y_range),
        &ticks,
        grid,
        style,
        &f,
        |t| scale::time_label(t, long_run),
    )?;
    let geometry = geometry_of(area, &chart, x_range, y_range, false);
    draw_axes(area, &geometry, style, &f)?;

    if let Some((_, r)) = &data.reference {
        if r.is_finite() {
            let s = ShapeStyle {
                color: color(style.theme.reference),
                filled: false,
                stroke_width: px(f.scale, 1.5),
            };
            let dash = (6.0 * f.scale).max(1.0) as u32;
            let gap = (4.0 * f.scale).max(1.0) as u32;
            draw_all(
                &chart,
                DashedLineSeries::new(vec![(x_range.0, *r), (x_range.1, *r)], dash, gap, s),
            )?;
        }
    }

    let columns = plot_w_css.round() as usize;
    for line in &data.lines {
        let points = thin_min_max(&line.points, x_range, columns, false);
        let s = ShapeStyle {
            color: series_color(line.color),
            filled: false,
            stroke_width: px(f.scale, 2.0),
        };
        draw_line(&chart, points, s, line.dashed, &f)?;
    }
    Ok(geometry)
}

fn sane_x_range(data: &TimeChartData) -> (f64, f64) {
    let (a, b) = data.x_range;
    if a.is_finite() && b.is_finite() && b > a && (b - a).is_finite() {
        return (a, b);
    }
    // Fall back to the data, then to the first minute.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for line in &data.lines {
        for &(x, _) in line.points.iter().filter(|(x, _)| x.is_finite()) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    if a.is_finite() && b.is_finite() && a == b {
        return (a - 1.0, a + 1.0).clamp_range();
    }
    if lo.is_finite() && hi.is_finite() && hi > lo && (hi - lo).is_finite() {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0).clamp_range()
    } else {
        (0.0, 60.0)
    }
}

trait ClampRange {
    fn clamp_range(self) -> (f64, f64);
}

impl ClampRange for (f64, f64) {
    /// Near ±f64::MAX, ±1 changes nothing: widen relatively instead.
    fn clamp_range(self) -> (f64, f64) {
        if self.1 > self.0 {
            self
        } else {
            let m = self.0.clamp(-1e300, 1e300);
            let d = m.abs().max(1.0) * 1e-6;
            (m - d, m + d)
        }
    }
}

/// The plot: `area` less the margins `(left, right, top, bottom)`, in the coordinates `x` × `y`.
///
/// What plotters' `ChartBuilder` with those margins and label area sizes builds (its plotting area,
/// to the pixel, as long as the margins fit in the area, which `margins` sees to), without the rest
/// of a `ChartContext`: its layout code (a general grid split that sorts its breakpoints, a title)
/// and its series annotations cost ~6 kB of gzipped wasm and are never used here.
fn plot_area<DB: DrawingBackend, X: AsRangedCoord, Y: AsRangedCoord>(
    area: &DrawingArea<DB, Shift>,
    (left, right, top, bottom): (i32, i32, i32, i32),
    x: X,
    y: Y,
) -> DrawingArea<DB, Cartesian2d<X::CoordDescType, Y::CoordDescType>> {
    let plot = area.margin(top, bottom, left, right);
    let (xs, ys) = plot.get_pixel_range();
    // As ChartBuilder does: the last pixel column and row are inside, and y grows upwards.
    let pixels = (xs.start..xs.end - 1, ys.end - 1..ys.start);
    plot.apply_coord_spec(Cartesian2d::new(x, y, pixels))
}

/// Draws every element of a series (what `ChartContext::draw_series` does, less the annotation).
fn draw_all<DB, CT, B, E, S>(chart: &DrawingArea<DB, CT>, series: S) -> DrawResult<(), DB>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
    B: CoordMapper,
    S: IntoIterator<Item = E>,
    for<'b> &'b E: PointCollection<'b, CT::From, B>,
    E: Drawable<DB, B>,
{
    for element in series {
        chart.draw(&element)?;
    }
    Ok(())
}

fn geometry_of<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, Shift>,
    chart: &DrawingArea<DB, CT>,
    x_range: (f64, f64),
    y_range: (f64, f64),
    log_x: bool,
) -> PlotGeometry {
    let (xs, ys) = chart.get_pixel_range();
    let (bx, by) = area.get_base_pixel();
    PlotGeometry {
        left: f64::from(xs.start - bx),
        right: f64::from(xs.end - bx),
        top: f64::from(ys.start - by),
        bottom: f64::from(ys.end - by),
        x_range,
        y_range,
        log_x,
    }
}

/// Where a chart's grid lines and tick labels go.
struct Ticks<'a> {
    x: &'a [f64],
    y: &'a [f64],
    y_labels: &'a [String],
}

/// The grid lines at every tick, the y labels left of the plot and the x labels (`x_label`) below it,
/// for any coordinate system over (f64, f64) (the time charts' and the CDF's logarithmic one).
#[allow(clippy::too_many_arguments)]
fn draw_grid_and_labels<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, Shift>,
    chart: &DrawingArea<DB, CT>,
    (x_range, y_range): ((f64, f64), (f64, f64)),
    ticks: &Ticks,
    grid: ShapeStyle,
    style: &ChartStyle,
    f: &Frame,
    x_label: impl Fn(f64) -> String,
) -> DrawResult<(), DB> {
    for &t in ticks.y {
        chart.draw(&PathElement::new(
            vec![(x_range.0, t), (x_range.1, t)],
            grid,
        ))?;
    }
    for &t in ticks.x {
        chart.draw(&PathElement::new(
            vec![(t, y_range.0), (t, y_range.1)],
            grid,
        ))?;
    }
    let (base_x, base_y) = area.get_base_pixel();
    let right = text_style(&style.theme, f, Pos::new(HPos::Right, VPos::Center));
    for (t, label) in ticks.y.iter().zip(ticks.y_labels) {
        let (x, y) = chart.map_coordinate(&(x_range.0, *t));
        let at = (x - base_x - (5.0 * f.scale) as i32, y - base_y);
        area.draw(&Text::new(label.as_str(), at, right.clone()))?;
    }
    let below = text_style(&style.theme, f, Pos::new(HPos::Center, VPos::Top));
    for &t in ticks.x {
        let (x, y) = chart.map_coordinate(&(t, y_range.0));
        let at = (x - base_x, y - base_y + (4.0 * f.scale) as i32);
        area.draw(&Text::new(x_label(t), at, below.clone()))?;
    }
    Ok(())
}

/// One series: a line (dashed if asked), or a dot when it has a single point.
fn draw_line<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &DrawingArea<DB, CT>,
    points: Vec<(f64, f64)>,
    s: ShapeStyle,
    dashed: bool,
    f: &Frame,
) -> DrawResult<(), DB> {
    match points.len() {
        0 => {}
        1 => {
            let dot = ShapeStyle { filled: true, ..s };
            chart.draw(&Circle::new(points[0], px(f.scale, 3.0), dot))?;
        }
        _ if dashed => {
            let dash = (7.0 * f.scale).max(1.0) as u32;
            let gap = (4.0 * f.scale).max(1.0) as u32;
            draw_all(chart, DashedLineSeries::new(points, dash, gap, s))?;
        }
        _ => {
            draw_all(chart, LineSeries::new(points, s))?;
        }
    }
    Ok(())
}

fn draw_axes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &PlotGeometry,
    style: &ChartStyle,
    f: &Frame,
) -> DrawResult<(), DB> {
    let s = ShapeStyle {
        color: color(style.theme.axis),
        filled: false,
        stroke_width: px(f.scale, 1.0),
    };
    let (l, r, t, b) = (g.left as i32, g.right as i32, g.top as i32, g.bottom as i32);
    area.draw(&PathElement::new(vec![(l, t), (l, b), (r, b)], s))?;
    Ok(())
}

/// Draw the latency CDF: x logarithmic (latency), y 0..1, one line per world, dots at p50 and p99 with
/// ticks on the x axis below them.
pub fn draw_cdf_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[CdfLine],
    style: &ChartStyle,
) -> DrawResult<PlotGeometry, DB> {
    let f = frame(area, style)?;
    let x_range = scale::log_range(
        lines
            .iter()
            .flat_map(|l| {
                l.points
                    .iter()
                    .filter(|p| p.1.is_finite() && p.1 > 0.0)
                    .map(|p| p.0)
            })
            .chain(lines.iter().flat_map(|l| [l.p50_us, l.p99_us])),
    );
    let y_ticks = [0.0, 0.25, 0.5, 0.75, 1.0];
    let y_labels: Vec<String> = y_ticks.iter().map(|v| scale::percent(*v)).collect();
    let (ml, mr, mt, mb) = margins(&f, &y_labels);
    let plot_w_css = (f64::from(f.width - ml - mr) / f.scale).max(1.0);
    let x_ticks = scale::log_ticks(x_range.0, x_range.1, (plot_w_css / 60.0).floor() as usize);

    let chart = plot_area(
        area,
        (ml, mr, mt, mb),
        (x_range.0..x_range.1).log_scale(),
        0.0..1.0,
    );

    let grid = ShapeStyle {
        color: color(style.theme.grid),
        filled: false,
        stroke_width: px(f.scale, 1.0),
    };
    let minor = ShapeStyle {
        color: color(style.theme.grid).mix(0.45),
        ..grid
    };
    if plot_w_css >= 240.0 {
        for t in scale::log_minor_ticks(x_range.0, x_range.1) {
            chart.draw(&PathElement::new(vec![(t, 0.0), (t, 1.0)], minor))?;
        }
    }
    let ticks = Ticks {
        x: &x_ticks,
        y: &y_ticks,
        y_labels: &y_labels,
    };
    draw_grid_and_labels(
        area,
        &chart,
        (x_range, (0.0, 1.0)),
        &ticks,
        grid,
        style,
        &f,
        |t| scale::tick_label(t, Unit::Micros),
    )?;
    let geometry = geometry_of(area, &chart, x_range, (0.0, 1.0), true);
    draw_axes(area, &geometry, style, &f)?;
    let (base_x, base_y) = area.get_base_pixel();

    let columns = plot_w_css.round() as usize;
    for line in lines {
        let c = series_color(line.color);
        let s = ShapeStyle {
            color: c,
            filled: false,
            stroke_width: px(f.scale, 2.0),
        };
        let mut points = thin_min_max(&line.points, x_range, columns, true);
        for p in &mut points {
            p.1 = p.1.clamp(0.0, 1.0);
        }
        draw_line(&chart, points, s, false, &f)?;
        // The percentile markers: a dot on the curve's level, a tick on the x axis.
        let dot = ShapeStyle {
            color: c,
            filled: true,
            stroke_width: px(f.scale, 1.0),
        };
        let tick = ShapeStyle {
            color: c,
            filled: false,
            stroke_width: px(f.scale, 2.0),
        };
        for (p, q) in [(line.p50_us, 0.5), (line.p99_us, 0.99)] {
            if !(p.is_finite() && p > 0.0) {
                continue;
            }
            let p = clamp(p, x_range.0, x_range.1);
            chart.draw(&Circle::new((p, q), px(f.scale, 4.0), dot))?;
            let (x, y) = chart.map_coordinate(&(p, 0.0));
            let (x, y) = (x - base_x, y - base_y);
            let len = (7.0 * f.scale).round() as i32;
            area.draw(&PathElement::new(vec![(x, y), (x, y - len)], tick))?;
        }
    }
    Ok(geometry)
}

#[cfg(test)]
mod tests {
    use super::super::Line;
    use super::*;
    use std::rc::Rc;

    const W: u32 = 600;
    const H: u32 = 300;

    fn svg_time(data: &TimeChartData) -> (String, PlotGeometry) {
        let mut out = String::new();
        let g = {
            let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
            let g = draw_time_chart(&root, data, &ChartStyle::default()).expect("draws");
            root.present().expect("presents");
            g
        };
        (out, g)
    }

    fn svg_cdf(lines: &[CdfLine]) -> (String, PlotGeometry) {
        let mut out = String::new();
        let g = {
            let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
            let g = draw_cdf_chart(&root, lines, &ChartStyle::default()).expect("draws");
            root.present().expect("presents");
            g
        };
        (out, g)
    }

    /// The tags named `tag` whose attribute `attr` is `value`.
    fn tags<'a>(svg: &'a str, tag: &str, attr: &str, value: &str) -> Vec<&'a str> {
        let open = format!("<{tag} ");
        let want = format!("{attr}=\"{value}\"");
        svg.split(open.as_str())
            .skip(1)
            .map(|t| t.split("/>").next().unwrap_or(""))
            .filter(|t| t.contains(&want))
            .collect()
    }

    fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
        let key = format!("{name}=\"");
        let start = tag
            .match_indices(&key)
            .find(|(i, _)| *i == 0 || tag[..*i].ends_with(' '))
            .map(|(i, _)| i + key.len())
            .unwrap_or(tag.len());
        let rest = &tag[start..];
        &rest[..rest.find('"').unwrap_or(0)]
    }

    /// The text labels of the SVG.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text ")
            .skip(1)
            .filter_map(|t| {
                Some(
                    t.split_once('>')?
                        .1
                        .split("</text>")
                        .next()?
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    }

    fn has_label(svg: &str, f: impl Fn(&str) -> bool) -> bool {
        texts(svg).iter().any(|t| f(t))
    }

    fn points_of(polyline: &str) -> Vec<(f64, f64)> {
        attr(polyline, "points")
            .split_whitespace()
            .filter_map(|p| {
                let (x, y) = p.split_once(',')?;
                Some((x.parse().ok()?, y.parse().ok()?))
            })
            .collect()
    }

    fn line(label: &'static str, color: &'static str, points: Vec<(f64, f64)>) -> Line {
        Line {
            label: label.into(),
            color,
            points: points.into(),
            dashed: false,
        }
    }

    fn minute(unit: Unit, lines: Vec<Line>) -> TimeChartData {
        TimeChartData {
            lines,
            y_unit: unit,
            x_range: (120.0, 180.0),
            reference: None,
        }
    }

    #[test]
    fn one_polyline_per_line_in_its_colour_with_a_reference() {
        let mut data = minute(
            Unit::PerSecond,
            vec![
                line(
                    "polling",
                    "#D55E00",
                    (120..=180).map(|s| (f64::from(s), 1000.0)).collect(),
                ),
                line(
                    "streaming",
                    "#0072B2",
                    (120..=180).map(|s| (f64::from(s), 20.0)).collect(),
                ),
            ],
        );
        data.reference = Some(("capacity".into(), 4000.0));
        let (svg, g) = svg_time(&data);
        let orange = tags(&svg, "polyline", "stroke", "#D55E00");
        let blue = tags(&svg, "polyline", "stroke", "#0072B2");
        assert_eq!((orange.len(), blue.len()), (1, 1), "{svg}");
        // 1000/s sits a quarter of the way up a 0..4000 axis: the reference line is the top of the plot.
        let y_of = |v: f64| g.bottom - (v / 4000.0) * (g.bottom - g.top);
        let pts = points_of(orange[0]);
        assert_eq!(pts.len(), 61);
        assert!(
            pts.iter().all(|p| (p.1 - y_of(1000.0)).abs() <= 1.0),
            "{pts:?}"
        );
        assert!((pts[0].0 - g.left).abs() <= 1.0 && (pts[60].0 - g.right).abs() <= 1.0);
        // The reference: dashes in the reference colour, at the 4000 level, spanning the plot.
        let dashes = tags(&svg, "polyline", "stroke", "#282828");
        assert!(
            dashes.len() > 10,
            "dashed reference line: {} dashes",
            dashes.len()
        );
        assert!(dashes
            .iter()
            .flat_map(|d| points_of(d))
            .all(|p| (p.1 - y_of(4000.0)).abs() <= 1.0));
        // Human tick labels: 0, 1,000 … 4,000 requests/s, and m:ss on the time axis.
        let labels = texts(&svg);
        for label in ["0", "1,000", "4,000", "2:00", "2:30", "3:00"] {
            assert!(labels.iter().any(|t| t == label), "{label} in {labels:?}");
        }
    }

    #[test]
    fn dashed_lines_are_dashed() {
        let mut l = line("theory", "#009E73", vec![(120.0, 5.0), (180.0, 5.0)]);
        l.dashed = true;
        let (svg, _) = svg_time(&minute(Unit::Count, vec![l]));
        assert!(tags(&svg, "polyline", "stroke", "#009E73").len() > 5);
    }

    #[test]
    fn thinned_to_the_width_and_spikes_survive() {
        let mut points: Vec<(f64, f64)> = (0..60_000)
            .map(|i| (120.0 + f64::from(i) / 1000.0, 10.0))
            .collect();
        points[30_000].1 = 5000.0; // one sample: a reconnect storm
        let (svg, g) = svg_time(&minute(
            Unit::PerSecond,
            vec![line("streaming", "#CC79A7", points)],
        ));
        let lines = tags(&svg, "polyline", "stroke", "#CC79A7");
        assert_eq!(lines.len(), 1);
        let pts = points_of(lines[0]);
        assert!(
            pts.len() <= 2 * W as usize,
            "{} points for {W} px",
            pts.len()
        );
        assert!(pts.len() >= 100);
        let top = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        assert!(
            (top - g.top).abs() <= (g.bottom - g.top) * 0.2,
            "the spike reaches near the top: {top} vs {}",
            g.top
        );
    }

    #[test]
    fn units_on_the_axis() {
        let bytes = line(
            "memory",
            "#D55E00",
            vec![(120.0, 0.0), (180.0, 3.0 * 1024.0 * 1024.0)],
        );
        let (svg, _) = svg_time(&minute(Unit::Bytes, vec![bytes.clone()]));
        assert!(has_label(&svg, |t| t == "3 MiB"), "{:?}", texts(&svg));
        let (svg, _) = svg_time(&minute(Unit::BytesPerSecond, vec![bytes.clone()]));
        assert!(
            has_label(&svg, |t| t.ends_with(" Mbit/s")),
            "{:?}",
            texts(&svg)
        );
        let (svg, _) = svg_time(&minute(Unit::Micros, vec![bytes.clone()]));
        assert!(has_label(&svg, |t| t.ends_with(" s")), "{:?}", texts(&svg));
        let ratio = line("empty", "#D55E00", vec![(120.0, 0.2), (180.0, 0.9)]);
        let (svg, _) = svg_time(&minute(Unit::Ratio, vec![ratio]));
        assert!(
            has_label(&svg, |t| t == "100 %") && has_label(&svg, |t| t == "0 %"),
            "{:?}",
            texts(&svg)
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        let odd: Vec<Vec<(f64, f64)>> = vec![
            vec![],
            vec![(150.0, 3.0)],
            vec![
                (f64::NAN, f64::NAN),
                (f64::INFINITY, 1.0),
                (150.0, f64::NEG_INFINITY),
            ],
            vec![(150.0, 1e300), (151.0, -1e300)],
            vec![(150.0, f64::MAX), (160.0, f64::MIN_POSITIVE)],
            vec![(170.0, 1.0), (130.0, 2.0), (150.0, 3.0)],
        ];
        let ranges = [
            (120.0, 180.0),
            (0.0, 0.0),
            (5.0, -5.0),
            (f64::NAN, 1.0),
            (-f64::MAX, f64::MAX),
            (1e300, 1e300),
        ];
        for points in &odd {
            for &x_range in &ranges {
                for unit in [
                    Unit::Count,
                    Unit::PerSecond,
                    Unit::Bytes,
                    Unit::BytesPerSecond,
                    Unit::Micros,
                    Unit::Ratio,
                ] {
                    let data = TimeChartData {
                        lines: vec![line("x", "not a colour", points.clone())],
                        y_unit: unit,
                        x_range,
                        reference: Some(("r".into(), f64::NAN)),
                    };
                    for (w, h) in [(W, H), (1, 1), (0, 0), (20, 300)] {
                        let mut out = String::new();
                        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
                        let _ = draw_time_chart(
                            &root,
                            &data,
                            &ChartStyle {
                                scale: f64::NAN,
                                theme: Theme::dark(),
                            },
                        );
                        let _ = draw_cdf_chart(
                            &root,
                            &[cdf("x", "#000", points.clone(), f64::NAN, -1.0)],
                            &ChartStyle::default(),
                        );
                    }
                }
            }
        }
        let (svg, _) = svg_cdf(&[]);
        assert!(svg.contains("<svg"));
    }

    fn cdf(
        label: &'static str,
        color: &'static str,
        points: Vec<(f64, f64)>,
        p50: f64,
        p99: f64,
    ) -> CdfLine {
        CdfLine {
            label: label.into(),
            color,
            points: Rc::from(points),
            p50_us: p50,
            p99_us: p99,
        }
    }

    #[test]
    fn cdf_on_a_log_axis_with_percentile_markers() {
        let polling: Vec<(f64, f64)> = (1..=100)
            .map(|i| (50_000.0 + f64::from(i) * 10_000.0, f64::from(i) / 100.0))
            .collect();
        let streaming: Vec<(f64, f64)> = (1..=100)
            .map(|i| (50_000.0 + f64::from(i) * 20.0, f64::from(i) / 100.0))
            .collect();
        let lines = [
            cdf("polling", "#D55E00", polling, 550_000.0, 1_040_000.0),
            cdf("streaming", "#0072B2", streaming, 51_000.0, 52_000.0),
        ];
        let (svg, g) = svg_cdf(&lines);
        assert!(g.log_x);
        assert_eq!(g.x_range, (1e4, 1e7));
        // One curve per world (many points), plus two 2-point ticks on the x axis under p50 and p99.
        for colour in ["#D55E00", "#0072B2"] {
            let paths = tags(&svg, "polyline", "stroke", colour);
            let curves: Vec<_> = paths.iter().filter(|p| points_of(p).len() > 2).collect();
            let ticks: Vec<_> = paths.iter().filter(|p| points_of(p).len() == 2).collect();
            assert_eq!((curves.len(), ticks.len()), (1, 2), "{colour}: {paths:?}");
            for tick in ticks {
                let pts = points_of(tick);
                assert_eq!(pts[0].0, pts[1].0, "vertical");
                assert!((pts[0].1 - g.bottom).abs() <= 1.0, "standing on the x axis");
            }
        }
        // Dots at p50 and p99, on the log scale: three decades over the plot width.
        let dots = tags(&svg, "circle", "fill", "#D55E00");
        assert_eq!(dots.len(), 2, "{svg}");
        let decade = (g.right - g.left) / 3.0;
        let expect_x = |us: f64| g.left + (us.log10() - 4.0) * decade;
        let expect_y = |q: f64| g.bottom - q * (g.bottom - g.top);
        for (dot, (us, q)) in dots.iter().zip([(550_000.0, 0.5), (1_040_000.0, 0.99)]) {
            let (cx, cy): (f64, f64) = (
                attr(dot, "cx").parse().unwrap(),
                attr(dot, "cy").parse().unwrap(),
            );
            assert!(
                (cx - expect_x(us)).abs() <= 1.5,
                "p at {us} µs drawn at {cx}, expected {}",
                expect_x(us)
            );
            assert!((cy - expect_y(q)).abs() <= 1.5);
        }
        assert_eq!(tags(&svg, "circle", "fill", "#0072B2").len(), 2);
        // Decade labels in human units.
        for label in ["10 ms", "100 ms", "1 s", "10 s", "50 %", "100 %"] {
            assert!(
                has_label(&svg, |t| t == label),
                "{label} in {:?}",
                texts(&svg)
            );
        }
        // The geometry maps the pointer back to latency.
        let at = g.x_at(expect_x(1e5)).unwrap();
        assert!((at / 1e5 - 1.0).abs() < 0.02, "{at}");
    }
}
