//! The drawing of the animated view, independent of the canvas: a [`Painter`] receives batched shapes,
//! so that the browser paints them on a 2D context and native tests record and check them.

use pollstream_engine::format;
use pollstream_engine::number::clamp;
use pollstream_engine::{ClientState, Flight, FlightKind, SimTime, Strategy};

use super::{AnimationFeed, WorldFeed};
use crate::math;

/// At most this many clients are drawn per world.
pub const MAX_CLIENTS: usize = 300;
/// At most this many travelling dots are drawn per frame, over all worlds.
pub const MAX_DOTS: usize = 2000;

/// Colour of each kind of flight (Okabe–Ito, readable by colour-blind readers).
pub fn kind_color(kind: FlightKind) -> &'static str {
    match kind {
        FlightKind::Request => "#0072B2",
        FlightKind::Response => "#009E73",
        FlightKind::EmptyResponse => "#999999",
        FlightKind::Rejection => "#D55E00",
        FlightKind::Push => "#E69F00",
        FlightKind::Heartbeat => "#CC79A7",
    }
}

pub const KINDS: [FlightKind; 6] = [
    FlightKind::Request,
    FlightKind::Response,
    FlightKind::EmptyResponse,
    FlightKind::Rejection,
    FlightKind::Push,
    FlightKind::Heartbeat,
];

pub fn kind_label(kind: FlightKind) -> &'static str {
    match kind {
        FlightKind::Request => "request",
        FlightKind::Response => "response with data",
        FlightKind::EmptyResponse => "empty response",
        FlightKind::Rejection => "rejection (503 / refused)",
        FlightKind::Push => "pushed message",
        FlightKind::Heartbeat => "heartbeat",
    }
}

/// Colour of a client dot by what the client is doing; `None` for the theme's muted colour.
pub fn state_color(state: ClientState) -> Option<&'static str> {
    match state {
        ClientState::Idle | ClientState::Gone => None,
        ClientState::Waiting => Some("#0072B2"),
        ClientState::Held => Some("#56B4E9"),
        ClientState::Connected => Some("#009E73"),
        ClientState::Reconnecting => Some("#D55E00"),
    }
}

pub const STATES: [ClientState; 6] = [
    ClientState::Idle,
    ClientState::Waiting,
    ClientState::Held,
    ClientState::Connected,
    ClientState::Reconnecting,
    ClientState::Gone,
];

pub fn state_label(state: ClientState) -> &'static str {
    match state {
        ClientState::Idle => "idle",
        ClientState::Waiting => "waiting for a response",
        ClientState::Held => "request held by the server",
        ClientState::Connected => "connected (stream open)",
        ClientState::Reconnecting => "reconnecting",
        ClientState::Gone => "gone",
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Align {
    Left,
    Center,
}

/// Where shapes go. Coordinates are CSS pixels.
pub trait Painter {
    fn clear(&mut self, width: f64, height: f64, background: &str);
    /// Straight segments (x1, y1, x2, y2), one stroke.
    fn segments(&mut self, segments: &[(f64, f64, f64, f64)], color: &str, width: f64, alpha: f64);
    /// Circles of one radius and colour, one fill (or one stroke when not filled).
    fn dots(&mut self, centres: &[(f64, f64)], radius: f64, color: &str, filled: bool);
    fn rect(&mut self, rect: (f64, f64, f64, f64), color: &str, filled: bool, alpha: f64);
    fn text(
        &mut self,
        text: &str,
        at: (f64, f64),
        color: &str,
        size: f64,
        align: Align,
        bold: bool,
    );
}

/// The theme of the animation, as CSS colours.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneColors {
    pub background: String,
    pub text: String,
    pub muted: String,
    pub line: String,
    pub font_scale: f64,
    /// CSS font family of the labels.
    pub font: String,
}

impl Default for SceneColors {
    fn default() -> Self {
        SceneColors {
            background: "#ffffff".into(),
            text: "#333333".into(),
            muted: "#9a9a9a".into(),
            line: "#d0d0d0".into(),
            font_scale: 1.0,
            font: "sans-serif".into(),
        }
    }
}

/// The grid of world panels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub columns: usize,
    pub rows: usize,
    pub cell_w: f64,
    pub cell_h: f64,
    pub height: f64,
}

const HEADER: f64 = 36.0;
const FOOTER: f64 = 22.0;
/// The narrowest panel of a world: a ring of 24 clients still reads at this size.
const MIN_CELL_W: f64 = 104.0;
/// Below this width a panel's texts take their short forms ([`Room::Narrow`]): the long ones would run
/// into the next panel.
const SHORT_TEXTS_BELOW_W: f64 = 270.0;

pub fn layout(width: f64, worlds: usize) -> Layout {
    let width = if width.is_finite() {
        width.clamp(0.0, 20_000.0)
    } else {
        0.0
    };
    let worlds = worlds.max(1);
    // The worlds in one row wherever each gets `MIN_CELL_W` (a strip of small rings on a phone), so
    // that the sliders and a chart fit on the first screen with them.
    let columns = ((width / MIN_CELL_W).floor() as usize).clamp(1, worlds.min(4));
    let rows = worlds.div_ceil(columns);
    let cell_w = width / columns as f64;
    let cell_h = (cell_w * 0.45 + HEADER + FOOTER).clamp(150.0, 240.0);
    Layout {
        columns,
        rows,
        cell_w,
        cell_h,
        height: cell_h * rows as f64,
    }
}

/// One world's panel: the server at the centre, clients on a ring around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub cx: f64,
    pub cy: f64,
    pub radius: f64,
    pub server_w: f64,
    pub server_h: f64,
}

pub fn cell(layout: &Layout, index: usize) -> Cell {
    let col = index % layout.columns.max(1);
    let row = index / layout.columns.max(1);
    let (x, y, w, h) = (
        col as f64 * layout.cell_w,
        row as f64 * layout.cell_h,
        layout.cell_w,
        layout.cell_h,
    );
    let inner_h = (h - HEADER - FOOTER).max(10.0);
    let radius = ((w.min(inner_h)) / 2.0 - 10.0).max(8.0);
    let server_w = (radius * 0.36).clamp(18.0, 56.0);
    Cell {
        x,
        y,
        w,
        h,
        cx: x + w / 2.0,
        cy: y + HEADER + inner_h / 2.0,
        radius,
        server_w,
        server_h: server_w * 1.3,
    }
}

/// Client `i` of `n` drawn: evenly on the ring, alternating between two rings when there are many.
pub fn client_position(c: &Cell, i: usize, n: usize) -> (f64, f64) {
    let n = n.max(1);
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * (i as f64) / (n as f64);
    let r = if n > 120 && i % 2 == 1 {
        c.radius - 9.0
    } else {
        c.radius
    };
    let (sin, cos) = sin_cos(angle);
    (c.cx + r * cos, c.cy + r * sin)
}

/// The browser's own sine and cosine in WebAssembly: Rust's would add libm's trigonometry (about 2.5
/// KB gzipped) to a build with a size budget, for a drawing that needs no bit-exact result.
#[cfg(target_arch = "wasm32")]
fn sin_cos(angle: f64) -> (f64, f64) {
    (js_sys::Math::sin(angle), js_sys::Math::cos(angle))
}

#[cfg(not(target_arch = "wasm32"))]
fn sin_cos(angle: f64) -> (f64, f64) {
    angle.sin_cos()
}

/// How far along its way a flight is at `now`, 0..1; `None` when it is not on the network at `now`.
pub fn progress(flight: &Flight, now: SimTime) -> Option<f64> {
    let (d, a, n) = (
        flight.depart.as_micros(),
        flight.arrive.as_micros(),
        now.as_micros(),
    );
    if a <= d || n < d || n > a {
        return None;
    }
    Some((n - d) as f64 / (a - d) as f64)
}

/// Where a flight's dot is: from the client to the server for requests, the other way for the rest.
pub fn flight_position(
    c: &Cell,
    flight: &Flight,
    drawn: usize,
    now: SimTime,
) -> Option<(f64, f64)> {
    let i = flight.client as usize;
    if i >= drawn {
        return None;
    }
    let p = progress(flight, now)?;
    let (x, y) = client_position(c, i, drawn);
    let (from, to) = if flight.kind == FlightKind::Request {
        ((x, y), (c.cx, c.cy))
    } else {
        ((c.cx, c.cy), (x, y))
    };
    Some((from.0 + (to.0 - from.0) * p, from.1 + (to.1 - from.1) * p))
}

/// Flights on the network at `now`, by kind (same order as [`KINDS`]).
pub fn in_flight(world: &WorldFeed, now: SimTime) -> [u64; 6] {
    let mut counts = [0u64; 6];
    for f in &world.flights {
        if progress(f, now).is_some() {
            if let Some(k) = KINDS.iter().position(|k| *k == f.kind) {
                counts[k] += 1;
            }
        }
    }
    counts
}

/// "34 requests in flight · 12 pushes · 3 empty responses" among the drawn clients.
pub fn counts_text(counts: &[u64; 6]) -> String {
    let names = [
        ("request", "requests"),
        ("response", "responses"),
        ("empty response", "empty responses"),
        ("rejection", "rejections"),
        ("push", "pushes"),
        ("heartbeat", "heartbeats"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .zip(names)
        .filter(|(n, _)| **n > 0)
        .map(|(n, (one, many))| {
            format!(
                "{} {}",
                format::thousands(*n),
                if *n == 1 { one } else { many }
            )
        })
        .collect();
    if parts.is_empty() {
        "nothing in flight".into()
    } else {
        format!("{} in flight", parts.join(" · "))
    }
}

/// The title line of a world's panel.
pub fn world_title(world: &WorldFeed) -> String {
    let shown = (world.traced as u64)
        .min(world.n_clients)
        .min(MAX_CLIENTS as u64);
    let clients = format::thousands(world.n_clients);
    if shown < world.n_clients {
        format!(
            "{} · {clients} clients ({shown} shown)",
            world.strategy.label()
        )
    } else {
        format!("{} · {clients} clients", world.strategy.label())
    }
}

/// How much room a world's panel has for its texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Room {
    /// The full texts.
    Wide,
    /// Below `SHORT_TEXTS_BELOW_W`: the strategy alone as the title, the open connections (or, with
    /// none, the busy workers) as the server's line, no counts line.
    Narrow,
}

/// The server line of a world's panel: workers, queue, connections, or down.
pub fn server_text(world: &WorldFeed, room: Room) -> String {
    let short = room == Room::Narrow;
    if world.server_down {
        return "server down".to_string() + if short { "" } else { ": refusing requests" };
    }
    let open = (world.open_connections > 0 || world.strategy != Strategy::Polling)
        .then(|| format!("{} open", format::compact(world.open_connections as f64)));
    let busy = format!(
        "{}/{}",
        format::thousands(world.busy_workers),
        format::thousands(world.workers)
    );
    match (short, open) {
        // A narrow panel's one figure: what holds the server, connections or workers.
        (true, Some(open)) => open,
        (true, None) => format!("{busy} busy"),
        (false, open) => {
            let text = format!(
                "{busy} workers busy · queue {}",
                format::compact(world.queue_len as f64)
            );
            match open {
                Some(open) => format!("{text} · {open}"),
                None => text,
            }
        }
    }
}

/// What was drawn, for tests and for the frame budget.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SceneStats {
    pub clients: usize,
    pub dots: usize,
    pub height: f64,
}

/// Draw every world of `feed` in a `width` CSS pixels wide area. With `moving` false (reduced motion)
/// nothing travels: the clients, the server and the counts only.
pub fn draw_scene(
    p: &mut impl Painter,
    feed: &AnimationFeed,
    width: f64,
    colors: &SceneColors,
    moving: bool,
) -> SceneStats {
    let lay = layout(width, feed.worlds.len());
    let mut stats = SceneStats {
        height: lay.height,
        ..SceneStats::default()
    };
    p.clear(width.max(0.0), lay.height, &colors.background);
    if feed.worlds.is_empty() {
        let at = (width / 2.0, lay.height / 2.0);
        p.text(
            "No strategy selected",
            at,
            &colors.muted,
            13.0 * colors.font_scale,
            Align::Center,
            false,
        );
        return stats;
    }
    let budget = MAX_DOTS / feed.worlds.len();
    for (index, world) in feed.worlds.iter().enumerate() {
        let c = cell(&lay, index);
        let drawn = (world.traced as usize)
            .min(MAX_CLIENTS)
            .min(world.n_clients.min(MAX_CLIENTS as u64) as usize);
        stats.clients += drawn;
        stats.dots += draw_world(p, world, &c, drawn, world.now, colors, moving, budget);
    }
    stats
}

#[allow(clippy::too_many_arguments)]
fn draw_world(
    p: &mut impl Painter,
    world: &WorldFeed,
    c: &Cell,
    drawn: usize,
    now: SimTime,
    colors: &SceneColors,
    moving: bool,
    budget: usize,
) -> usize {
    let fs = colors.font_scale;
    let room = if c.w < SHORT_TEXTS_BELOW_W {
        Room::Narrow
    } else {
        Room::Wide
    };
    p.text(
        &if room == Room::Narrow {
            world.strategy.label().to_string()
        } else {
            world_title(world)
        },
        (c.x + 8.0, c.y + 14.0),
        &colors.text,
        13.0 * fs,
        Align::Left,
        true,
    );
    let server_color = if world.server_down {
        "#D55E00"
    } else {
        colors.text.as_str()
    };
    p.text(
        &server_text(world, room),
        (c.x + 8.0, c.y + 30.0),
        server_color,
        11.0 * fs,
        Align::Left,
        false,
    );

    let state = |i: usize| world.states.get(i).copied().unwrap_or(ClientState::Idle);
    // Open connections and held requests: a line from the client to the server.
    let lines: Vec<(f64, f64, f64, f64)> = (0..drawn)
        .filter(|i| matches!(state(*i), ClientState::Connected | ClientState::Held))
        .map(|i| {
            let (x, y) = client_position(c, i, drawn);
            (x, y, c.cx, c.cy)
        })
        .collect();
    if !lines.is_empty() {
        p.segments(&lines, &colors.line, 1.0, 0.7);
    }

    // Flights, batched by kind.
    let mut dots = 0;
    if moving {
        let mut by_kind: [Vec<(f64, f64)>; 6] = Default::default();
        for f in &world.flights {
            if dots >= budget {
                break;
            }
            if let Some(pos) = flight_position(c, f, drawn, now) {
                if let Some(k) = KINDS.iter().position(|k| *k == f.kind) {
                    by_kind[k].push(pos);
                    dots += 1;
                }
            }
        }
        let r = if drawn > 150 { 2.0 } else { 3.0 };
        for (k, points) in KINDS.iter().zip(&by_kind) {
            if !points.is_empty() {
                p.dots(points, r, kind_color(*k), *k != FlightKind::EmptyResponse);
            }
        }
    }

    // Clients, batched by state.
    let spacing = std::f64::consts::TAU * c.radius / drawn.max(1) as f64;
    let r = (spacing * if drawn > 120 { 0.7 } else { 0.35 }).clamp(1.5, 5.0);
    for s in STATES {
        let points: Vec<(f64, f64)> = (0..drawn)
            .filter(|i| state(*i) == s)
            .map(|i| client_position(c, i, drawn))
            .collect();
        if !points.is_empty() {
            let color = state_color(s).unwrap_or(colors.muted.as_str());
            p.dots(&points, r, color, s != ClientState::Gone);
        }
    }

    // The server: busy workers fill the box from the bottom; red when down.
    let (sw, sh) = (c.server_w, c.server_h);
    let (sx, sy) = (c.cx - sw / 2.0, c.cy - sh / 2.0);
    p.rect((sx, sy, sw, sh), &colors.background, true, 1.0);
    if world.server_down {
        p.rect((sx, sy, sw, sh), "#D55E00", true, 0.35);
        p.segments(
            &[(sx, sy, sx + sw, sy + sh), (sx + sw, sy, sx, sy + sh)],
            "#D55E00",
            2.0,
            1.0,
        );
    } else {
        let busy = if world.workers > 0 {
            (world.busy_workers as f64 / world.workers as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        if busy > 0.0 {
            p.rect(
                (sx, sy + sh * (1.0 - busy), sw, sh * busy),
                world.color,
                true,
                0.55,
            );
        }
        // The queue: a bar beside the box, logarithmic (1 → a notch, 10,000 → the box height).
        if world.queue_len > 0 {
            let q = (math::log10(world.queue_len as f64) + 1.0) / 5.0;
            let qh = clamp(sh * q, 2.0, sh * 1.5);
            p.rect((sx + sw + 3.0, sy + sh - qh, 5.0, qh), "#D55E00", true, 0.8);
        }
    }
    p.rect((sx, sy, sw, sh), server_color, false, 1.0);

    if room == Room::Wide {
        p.text(
            &counts_text(&in_flight(world, now)),
            (c.cx, c.y + c.h - 8.0),
            &colors.muted,
            11.0 * fs,
            Align::Center,
            false,
        );
    }
    dots
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollstream_engine::SimDuration;

    #[derive(Default)]
    struct Recorder {
        dots: Vec<(String, Vec<(f64, f64)>)>,
        texts: Vec<String>,
        rects: usize,
        segments: usize,
    }

    impl Painter for Recorder {
        fn clear(&mut self, _: f64, _: f64, _: &str) {}
        fn segments(&mut self, s: &[(f64, f64, f64, f64)], _: &str, _: f64, _: f64) {
            assert!(s
                .iter()
                .all(|s| s.0.is_finite() && s.1.is_finite() && s.2.is_finite() && s.3.is_finite()));
            self.segments += s.len();
        }
        fn dots(&mut self, c: &[(f64, f64)], r: f64, color: &str, _: bool) {
            assert!(r.is_finite() && r > 0.0);
            assert!(c.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
            self.dots.push((color.into(), c.to_vec()));
        }
        fn rect(&mut self, r: (f64, f64, f64, f64), _: &str, _: bool, _: f64) {
            assert!(r.0.is_finite() && r.1.is_finite() && r.2.is_finite() && r.3.is_finite());
            self.rects += 1;
        }
        fn text(&mut self, t: &str, _: (f64, f64), _: &str, _: f64, _: Align, _: bool) {
            self.texts.push(t.into());
        }
    }

    impl Recorder {
        fn count(&self, color: &str) -> usize {
            self.dots
                .iter()
                .filter(|d| d.0 == color)
                .map(|d| d.1.len())
                .sum()
        }
    }

    fn at(us: u64) -> SimTime {
        SimTime::from_micros(us)
    }

    fn flight(client: u32, kind: FlightKind, depart: u64, arrive: u64) -> Flight {
        Flight {
            client,
            kind,
            depart: at(depart),
            arrive: at(arrive),
        }
    }

    /// A polling world at 50 µs, the instant the tests draw at.
    fn world(traced: u32, flights: Vec<Flight>) -> WorldFeed {
        WorldFeed {
            strategy: Strategy::Polling,
            now: at(50),
            color: "#D55E00",
            n_clients: 1000,
            traced,
            flights,
            states: vec![ClientState::Idle; traced as usize],
            server_down: false,
            queue_len: 34,
            busy_workers: 6,
            workers: 8,
            open_connections: 0,
        }
    }

    #[test]
    fn dots_travel_by_interpolation() {
        let lay = layout(600.0, 1);
        let c = cell(&lay, 0);
        let req = flight(0, FlightKind::Request, 1_000, 51_000);
        let client = client_position(&c, 0, 10);
        let mid = flight_position(&c, &req, 10, at(26_000)).unwrap();
        assert!(
            (mid.0 - (client.0 + c.cx) / 2.0).abs() < 1e-9
                && (mid.1 - (client.1 + c.cy) / 2.0).abs() < 1e-9
        );
        assert_eq!(
            flight_position(&c, &req, 10, at(1_000)),
            Some(client),
            "departs from the client"
        );
        let resp = flight(0, FlightKind::Response, 1_000, 51_000);
        assert_eq!(
            flight_position(&c, &resp, 10, at(1_000)),
            Some((c.cx, c.cy)),
            "a response leaves the server"
        );
        assert_eq!(flight_position(&c, &resp, 10, at(51_000)), Some(client));
        assert_eq!(
            flight_position(&c, &resp, 10, at(999)),
            None,
            "not yet departed"
        );
        assert_eq!(flight_position(&c, &resp, 10, at(51_001)), None, "arrived");
        assert_eq!(
            flight_position(&c, &flight(0, FlightKind::Push, 5, 5), 10, at(5)),
            None,
            "zero latency"
        );
        assert_eq!(
            flight_position(&c, &flight(0, FlightKind::Push, 9, 5), 10, at(7)),
            None,
            "arrives before it departs"
        );
        assert_eq!(
            flight_position(&c, &flight(10, FlightKind::Push, 0, 9), 10, at(5)),
            None,
            "client not drawn"
        );
    }

    #[test]
    fn colours_by_kind_and_counts() {
        let flights = vec![
            flight(0, FlightKind::Request, 0, 100),
            flight(1, FlightKind::Request, 0, 100),
            flight(2, FlightKind::Push, 0, 100),
            flight(3, FlightKind::EmptyResponse, 0, 100),
            flight(4, FlightKind::Heartbeat, 200, 300),
        ];
        let feed = AnimationFeed {
            now: at(50),
            latency: SimDuration::from_micros(100),
            worlds: vec![world(10, flights)],
        };
        let mut rec = Recorder::default();
        let stats = draw_scene(&mut rec, &feed, 600.0, &SceneColors::default(), true);
        assert_eq!(stats.dots, 4);
        assert_eq!(
            rec.count(kind_color(FlightKind::Request)),
            2,
            "{:?}",
            rec.dots
        );
        assert_eq!(rec.count(kind_color(FlightKind::Push)), 1);
        assert_eq!(
            rec.count(kind_color(FlightKind::Heartbeat)),
            0,
            "not departed yet"
        );
        assert!(
            rec.texts
                .iter()
                .any(|t| t == "2 requests · 1 empty response · 1 push in flight"),
            "{:?}",
            rec.texts
        );
        assert!(
            rec.texts
                .iter()
                .any(|t| t.contains("6/8 workers busy · queue 34")),
            "{:?}",
            rec.texts
        );
        assert!(
            rec.texts
                .iter()
                .any(|t| t.contains("1,000 clients (10 shown)")),
            "{:?}",
            rec.texts
        );
    }

    #[test]
    fn reduced_motion_draws_counts_and_no_travelling_dots() {
        let flights = (0..100)
            .map(|i| flight(i % 10, FlightKind::Push, 0, 100))
            .collect();
        let feed = AnimationFeed {
            now: at(50),
            latency: SimDuration::ZERO,
            worlds: vec![world(10, flights)],
        };
        let mut rec = Recorder::default();
        let stats = draw_scene(&mut rec, &feed, 600.0, &SceneColors::default(), false);
        assert_eq!(stats.dots, 0);
        assert_eq!(rec.count(kind_color(FlightKind::Push)), 0);
        assert_eq!(stats.clients, 10);
        assert!(
            rec.texts.iter().any(|t| t == "100 pushes in flight"),
            "{:?}",
            rec.texts
        );
    }

    #[test]
    fn work_is_capped() {
        let flights: Vec<Flight> = (0..50_000)
            .map(|i| flight(i % 5000, FlightKind::Request, 0, 100))
            .collect();
        let mut w = world(5000, flights);
        w.n_clients = 10_000_000;
        let feed = AnimationFeed {
            now: at(50),
            latency: SimDuration::ZERO,
            worlds: vec![w],
        };
        let mut rec = Recorder::default();
        let stats = draw_scene(&mut rec, &feed, 900.0, &SceneColors::default(), true);
        assert_eq!(stats.clients, MAX_CLIENTS);
        assert!(stats.dots <= MAX_DOTS && stats.dots > 0, "{}", stats.dots);
        let drawn: usize = rec.dots.iter().map(|d| d.1.len()).sum();
        assert!(drawn <= MAX_DOTS + MAX_CLIENTS);
    }

    #[test]
    fn odd_feeds_do_not_panic() {
        let mut down = world(
            3,
            vec![flight(u32::MAX, FlightKind::Rejection, 0, u64::MAX)],
        );
        down.server_down = true;
        down.states.clear();
        down.workers = 0;
        down.queue_len = u64::MAX;
        let mut many = world(0, vec![]);
        many.traced = u32::MAX;
        many.n_clients = u64::MAX;
        many.now = at(u64::MAX);
        for width in [0.0, -5.0, f64::NAN, f64::INFINITY, 1.0, 320.0, 1e9] {
            for worlds in [
                vec![],
                vec![down.clone_feed()],
                vec![
                    down.clone_feed(),
                    many.clone_feed(),
                    world(1, vec![]),
                    world(2, vec![]),
                ],
            ] {
                let feed = AnimationFeed {
                    now: at(u64::MAX),
                    latency: SimDuration::ZERO,
                    worlds,
                };
                let mut rec = Recorder::default();
                let stats = draw_scene(&mut rec, &feed, width, &SceneColors::default(), true);
                assert!(stats.height.is_finite() && stats.height > 0.0);
            }
        }
        let mut rec = Recorder::default();
        draw_scene(
            &mut rec,
            &AnimationFeed::default(),
            500.0,
            &SceneColors::default(),
            true,
        );
        assert!(rec.texts.iter().any(|t| t == "No strategy selected"));
        let mut down_rec = Recorder::default();
        let feed = AnimationFeed {
            now: at(0),
            latency: SimDuration::ZERO,
            worlds: vec![down.clone_feed()],
        };
        draw_scene(&mut down_rec, &feed, 500.0, &SceneColors::default(), true);
        assert!(down_rec.texts.iter().any(|t| t.contains("server down")));
    }

    #[test]
    fn a_narrow_panel_names_what_holds_its_server() {
        let mut world = world(0, Vec::new());
        assert_eq!(server_text(&world, Room::Narrow), "6/8 busy");
        assert_eq!(
            server_text(&world, Room::Wide),
            "6/8 workers busy · queue 34"
        );
        world.strategy = Strategy::Streaming;
        world.open_connections = 1_000;
        assert_eq!(server_text(&world, Room::Narrow), "1,000 open");
        assert!(server_text(&world, Room::Wide).ends_with("queue 34 · 1,000 open"));
        world.server_down = true;
        assert_eq!(server_text(&world, Room::Narrow), "server down");
    }

    #[test]
    fn clients_on_a_ring_inside_their_cell() {
        let lay = layout(1000.0, 3);
        assert_eq!((lay.columns, lay.rows), (3, 1));
        // A phone: the three worlds in a strip, down to about 104 px each; then in a column.
        let phone = layout(330.0, 3);
        assert_eq!((phone.columns, phone.rows), (3, 1));
        let narrow = layout(200.0, 3);
        assert_eq!((narrow.columns, narrow.rows), (1, 3));
        for (lay, i) in [(lay, 0), (lay, 1), (lay, 2), (phone, 2), (narrow, 2)] {
            let c = cell(&lay, i);
            for k in 0..300 {
                let (x, y) = client_position(&c, k, 300);
                assert!(
                    x >= c.x && x <= c.x + c.w && y >= c.y && y <= c.y + c.h,
                    "client {k} of world {i}"
                );
            }
        }
    }

    impl WorldFeed {
        fn clone_feed(&self) -> WorldFeed {
            WorldFeed {
                strategy: self.strategy,
                now: self.now,
                color: self.color,
                n_clients: self.n_clients,
                traced: self.traced,
                flights: self.flights.clone(),
                states: self.states.clone(),
                server_down: self.server_down,
                queue_len: self.queue_len,
                busy_workers: self.busy_workers,
                workers: self.workers,
                open_connections: self.open_connections,
            }
        }
    }
}
