//! Browser glue shared by the charts and the animation: device pixels, media queries, resize observers,
//! animation frames, the theme from CSS, PNG export. Every call tolerates a missing API (returns a
//! default) so that nothing here can panic.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use pollstream_engine::number::shortest;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement, MediaQueryList};

use super::draw::{Rgba, Theme};
use super::scale::parse_css_color;

/// Device pixels per CSS pixel, 1..4.
pub fn device_pixel_ratio() -> f64 {
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0);
    if dpr.is_finite() {
        dpr.clamp(1.0, 4.0)
    } else {
        1.0
    }
}

/// Whether a media query matches now.
pub fn matches(query: &str) -> bool {
    media(query).map(|m| m.matches()).unwrap_or(false)
}

fn media(query: &str) -> Option<MediaQueryList> {
    web_sys::window()?.match_media(query).ok()?
}

/// Calls a callback when a media query's answer changes; stops when dropped.
pub struct MediaWatch {
    list: MediaQueryList,
    callback: Closure<dyn FnMut()>,
}

impl MediaWatch {
    pub fn new(query: &str, f: impl FnMut() + 'static) -> Option<MediaWatch> {
        let list = media(query)?;
        let callback = Closure::<dyn FnMut()>::new(f);
        list.add_event_listener_with_callback("change", callback.as_ref().unchecked_ref())
            .ok()?;
        Some(MediaWatch { list, callback })
    }
}

impl Drop for MediaWatch {
    fn drop(&mut self) {
        let _ = self
            .list
            .remove_event_listener_with_callback("change", self.callback.as_ref().unchecked_ref());
    }
}

/// Calls a callback when an element changes size (and on window resize, which is also when the
/// device pixel ratio changes with the zoom); stops when dropped.
pub struct ResizeWatch {
    observer: Option<web_sys::ResizeObserver>,
    callback: Closure<dyn FnMut()>,
}

impl ResizeWatch {
    pub fn new(element: &Element, f: impl FnMut() + 'static) -> ResizeWatch {
        let callback = Closure::<dyn FnMut()>::new(f);
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
        if let Some(o) = &observer {
            o.observe(element);
        }
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("resize", callback.as_ref().unchecked_ref());
        }
        ResizeWatch { observer, callback }
    }
}

impl Drop for ResizeWatch {
    fn drop(&mut self) {
        if let Some(o) = &self.observer {
            o.disconnect();
        }
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback(
                "resize",
                self.callback.as_ref().unchecked_ref(),
            );
        }
    }
}

/// Runs a callback at most once per animation frame, however often it is requested; a request made
/// after the owner is dropped does nothing.
pub struct FrameScheduler {
    inner: Rc<RefCell<FrameInner>>,
}

struct FrameInner {
    pending: Option<i32>,
    callback: Option<Closure<dyn FnMut()>>,
}

impl FrameScheduler {
    pub fn new(mut f: impl FnMut() + 'static) -> FrameScheduler {
        let inner = Rc::new(RefCell::new(FrameInner {
            pending: None,
            callback: None,
        }));
        let weak: Weak<RefCell<FrameInner>> = Rc::downgrade(&inner);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                if let Ok(mut i) = inner.try_borrow_mut() {
                    i.pending = None;
                }
            }
            f();
        });
        inner.borrow_mut().callback = Some(callback);
        FrameScheduler { inner }
    }

    /// A handle that can request frames from event handlers.
    pub fn handle(&self) -> FrameHandle {
        FrameHandle(Rc::downgrade(&self.inner))
    }
}

impl Drop for FrameScheduler {
    fn drop(&mut self) {
        if let Ok(mut i) = self.inner.try_borrow_mut() {
            if let (Some(id), Some(w)) = (i.pending.take(), web_sys::window()) {
                let _ = w.cancel_animation_frame(id);
            }
        }
    }
}

#[derive(Clone)]
pub struct FrameHandle(Weak<RefCell<FrameInner>>);

impl FrameHandle {
    pub fn request(&self) {
        let Some(inner) = self.0.upgrade() else {
            return;
        };
        let Ok(mut i) = inner.try_borrow_mut() else {
            return;
        };
        if i.pending.is_some() {
            return;
        }
        let (Some(w), Some(cb)) = (web_sys::window(), i.callback.as_ref()) else {
            return;
        };
        if let Ok(id) = w.request_animation_frame(cb.as_ref().unchecked_ref()) {
            i.pending = Some(id);
        }
    }
}

fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> (u8, u8, u8) {
    let m = |x: u8, y: u8| {
        (f64::from(x) + (f64::from(y) - f64::from(x)) * t)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// The chart colours for `element`, from CSS: the custom properties `--chart-bg`, `--chart-fg`,
/// `--chart-axis`, `--chart-grid`, `--chart-reference` when the page sets them; otherwise the element's
/// text colour, the first opaque background up the tree, and the light or dark defaults chosen by
/// `prefers-color-scheme`.
pub fn read_theme(element: &Element) -> Theme {
    let dark = matches("(prefers-color-scheme: dark)");
    let mut theme = if dark { Theme::dark() } else { Theme::light() };
    let Some(window) = web_sys::window() else {
        return theme;
    };
    let Ok(Some(style)) = window.get_computed_style(element) else {
        return theme;
    };
    let prop = |name: &str| -> Option<Rgba> {
        parse_css_color(&style.get_property_value(name).ok()?).filter(|c| c.1 > 0.0)
    };
    let text = prop("--chart-fg").or_else(|| prop("color"));
    let mut background = prop("--chart-bg");
    if background.is_none() {
        let mut node = Some(element.clone());
        while let Some(e) = node {
            if let Ok(Some(s)) = window.get_computed_style(&e) {
                if let Some(c) = s
                    .get_property_value("background-color")
                    .ok()
                    .and_then(|v| parse_css_color(&v))
                {
                    if c.1 >= 0.99 {
                        background = Some(c);
                        break;
                    }
                }
            }
            node = e.parent_element();
        }
    }
    if let Some(t) = text {
        theme.text = t;
    }
    if let Some(b) = background {
        theme.background = (b.0, 1.0);
    }
    let (bg, fg) = (theme.background.0, theme.text.0);
    theme.axis = prop("--chart-axis").unwrap_or((mix(bg, fg, 0.55), 1.0));
    theme.grid = prop("--chart-grid").unwrap_or((mix(bg, fg, 0.13), 1.0));
    theme.reference = prop("--chart-reference").unwrap_or((fg, 1.0));
    if let Ok(family) = style.get_property_value("font-family") {
        if !family.trim().is_empty() {
            theme.font_family = family;
        }
    }
    theme
}

fn css_rgb(c: Rgba) -> String {
    let ((r, g, b), a) = c;
    format!("rgba({r},{g},{b},{})", shortest(a))
}

/// Save the chart in `canvas` as a PNG, with its title and legend (which are HTML on the page) drawn
/// above it so that the picture stands on its own.
pub fn download_png(
    canvas: &HtmlCanvasElement,
    file: &str,
    title: &str,
    legend: &[(String, String)],
    theme: &Theme,
) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let url =
        compose(&document, canvas, title, legend, theme).or_else(|| canvas.to_data_url().ok());
    let Some(url) = url else { return };
    let Ok(a) = document.create_element("a") else {
        return;
    };
    let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() else {
        return;
    };
    a.set_href(&url);
    a.set_download(file);
    let _ = a.style().set_property("display", "none"); // CSSOM: allowed by a strict CSP
    if let Some(body) = document.body() {
        let _ = body.append_child(&a);
        a.click();
        a.remove();
    } else {
        a.click();
    }
}

fn compose(
    document: &web_sys::Document,
    chart: &HtmlCanvasElement,
    title: &str,
    legend: &[(String, String)],
    theme: &Theme,
) -> Option<String> {
    let scale = device_pixel_ratio();
    let (w, h) = (chart.width(), chart.height());
    if w == 0 || h == 0 {
        return None;
    }
    let font = 13.0 * scale;
    let pad = 8.0 * scale;
    // Lay the legend out in rows, estimating text widths (no measuring needed for a picture).
    let mut rows = 1.0;
    let mut x = pad;
    let mut places = Vec::new();
    for (_, label) in legend {
        let width = 18.0 * scale + label.chars().count() as f64 * font * 0.55 + 14.0 * scale;
        if x + width > f64::from(w) && x > pad {
            rows += 1.0;
            x = pad;
        }
        places.push((x, rows));
        x += width;
    }
    let line = font * 1.5;
    let header = pad + line + if legend.is_empty() { 0.0 } else { rows * line } + pad * 0.5;
    let out: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    out.set_width(w);
    out.set_height(h + header.ceil() as u32);
    let ctx: CanvasRenderingContext2d = out.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.set_fill_style_str(&css_rgb(theme.background));
    ctx.fill_rect(0.0, 0.0, f64::from(out.width()), f64::from(out.height()));
    ctx.set_fill_style_str(&css_rgb(theme.text));
    ctx.set_text_baseline("middle");
    ctx.set_font(&format!("600 {}px {}", shortest(font), theme.font_family));
    let _ = ctx.fill_text(title, pad, pad + line / 2.0);
    ctx.set_font(&format!("{}px {}", shortest(font * 0.9), theme.font_family));
    for ((color, label), (x, row)) in legend.iter().zip(places) {
        let y = pad + line + (row - 0.5) * line;
        ctx.set_fill_style_str(color);
        ctx.fill_rect(x, y - 1.5 * scale, 14.0 * scale, 3.0 * scale);
        ctx.set_fill_style_str(&css_rgb(theme.text));
        let _ = ctx.fill_text(label, x + 18.0 * scale, y);
    }
    ctx.draw_image_with_html_canvas_element(chart, 0.0, header.ceil())
        .ok()?;
    out.to_data_url().ok()
}
