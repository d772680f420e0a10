//! `?bench`: the engine's throughput in this browser, instead of the app.
//!
//! The same scenarios as `make bench` (crates/engine/benches/throughput.rs): λ = 0.1 per client, 4,000
//! workers, T = 1 s, MODEL.md's defaults otherwise, for each strategy. The page runs each world flat out
//! in slices of about [`SLICE_MS`] (a timer between slices keeps the page answering) and times only the
//! `World::advance` calls. Results go into the DOM: a markdown table in `#bench-results`, one JSON object
//! per scenario in its `data-json`, and `data-done="true"` at the end (read by `tests/e2e/perf.mjs`).
//!
//! Query: `?bench` (100,000 clients), `?bench=100000,1000000`, `&secs=60` (simulated seconds per run),
//! `&strategies=polling,streaming`.

use std::cell::RefCell;
use std::rc::Rc;

use pollstream_engine::{Params, RawParams, SimDuration, SimTime, Strategy, World};

use super::web::{self, now_ms};

/// Wall-clock milliseconds of one slice of advancing.
const SLICE_MS: f64 = 100.0;
const RATE_PER_CLIENT: f64 = 0.1;
const WORKERS: u64 = 4_000;

/// Whether the page was opened with `?bench`.
pub fn requested() -> bool {
    web::query_pairs().iter().any(|(k, _)| k == "bench")
}

struct Row {
    strategy: Strategy,
    n: u64,
    secs: u64,
    setup_ms: f64,
    run_ms: f64,
    events: u64,
    requests: u64,
    pushes: u64,
}

impl Row {
    fn per_s(&self, count: u64) -> f64 {
        count as f64 / (self.run_ms / 1e3).max(1e-9)
    }

    fn json(&self) -> String {
        format!(
            r#"{{"strategy":"{}","n":{},"secs":{},"setup_ms":{:.3},"run_ms":{:.3},"events":{},"requests":{},"pushes":{},"events_per_s":{:.0},"requests_per_s":{:.0},"pushes_per_s":{:.0},"x_real_time":{:.3}}}"#,
            self.strategy.name(),
            self.n,
            self.secs,
            self.setup_ms,
            self.run_ms,
            self.events,
            self.requests,
            self.pushes,
            self.per_s(self.events),
            self.per_s(self.requests),
            self.per_s(self.pushes),
            self.secs as f64 / (self.run_ms / 1e3).max(1e-9),
        )
    }

    fn markdown(&self) -> String {
        format!(
            "| {} | {} | {} s | {:.2} M | {:.2} M | {:.2} M | {:.1} | {:.1} | {:.2} |",
            self.strategy.name(),
            self.n,
            self.secs,
            self.per_s(self.requests) / 1e6,
            self.per_s(self.events) / 1e6,
            self.per_s(self.pushes) / 1e6,
            self.secs as f64 / (self.run_ms / 1e3).max(1e-9),
            self.setup_ms,
            self.run_ms / 1e3,
        )
    }
}

struct Bench {
    plan: Vec<(Strategy, u64)>,
    secs: u64,
    current: Option<(World, Row)>,
    rows: Vec<Row>,
    out: web_sys::Element,
}

fn params(n: u64) -> Option<Params> {
    Params::try_from(RawParams {
        n_clients: n,
        poll_interval: SimDuration::SECOND,
        message_rate: RATE_PER_CLIENT,
        n_workers: WORKERS,
        ..RawParams::default()
    })
    .ok()
}

/// Replaces the page with the benchmark and starts it.
pub fn start() {
    let pairs = web::query_pairs();
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let sizes: Vec<u64> = get("bench")
        .unwrap_or_default()
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|n| (1..=10_000_000).contains(n))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000]
    } else {
        sizes
    };
    let secs = get("secs")
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=3_600).contains(s))
        .unwrap_or(60);
    let strategies: Vec<Strategy> = get("strategies")
        .or_else(|| get("show"))
        .map(|list| list.split(',').filter_map(Strategy::from_name).collect())
        .filter(|v: &Vec<Strategy>| !v.is_empty())
        .unwrap_or_else(|| Strategy::ALL.to_vec());
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    let Ok(out) = document.create_element("pre") else {
        return;
    };
    out.set_id("bench-results");
    body.set_inner_html("<h1>pollstream engine throughput in this browser</h1>");
    let _ = body.append_child(&out);
    let header = format!(
        "λ = {RATE_PER_CLIENT}/client/s, {WORKERS} workers, T = 1 s, {secs} simulated s\n\n\
         | strategy | N | simulated | requests/wall-s | events/wall-s | pushes/wall-s | × real time | setup ms | run s |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    out.set_text_content(Some(&header));
    let plan = sizes
        .iter()
        .flat_map(|&n| strategies.iter().map(move |&s| (s, n)))
        .collect();
    let bench = Rc::new(RefCell::new(Bench {
        plan,
        secs,
        current: None,
        rows: Vec::new(),
        out,
    }));
    schedule(bench);
}

fn schedule(bench: Rc<RefCell<Bench>>) {
    gloo_timers::callback::Timeout::new(0, move || {
        let more = step(&mut bench.borrow_mut());
        if more {
            schedule(bench);
        }
    })
    .forget();
}

/// One slice of work; whether there is more.
fn step(bench: &mut Bench) -> bool {
    let until = SimTime::from_secs(bench.secs);
    if bench.current.is_none() {
        if bench.plan.is_empty() {
            finish(bench);
            return false;
        }
        let (strategy, n) = bench.plan.remove(0);
        let Some(params) = params(n) else {
            return true;
        };
        let start = now_ms();
        let world = World::new(&params, strategy);
        let row = Row {
            strategy,
            n,
            secs: bench.secs,
            setup_ms: now_ms() - start,
            run_ms: 0.0,
            events: 0,
            requests: 0,
            pushes: 0,
        };
        bench.current = Some((world, row));
        return true;
    }
    let Some((world, row)) = bench.current.as_mut() else {
        return true;
    };
    let slice_start = now_ms();
    let mut chunk: u64 = 100_000;
    let mut reached = false;
    while now_ms() - slice_start < SLICE_MS {
        let start = now_ms();
        let advance = world.advance(until, chunk);
        let took = now_ms() - start;
        row.run_ms += took;
        if advance.reached {
            reached = true;
            break;
        }
        // About 20 ms a call.
        if took > 0.0 {
            chunk = ((advance.events as f64 * 20.0 / took) as u64).clamp(10_000, 10_000_000);
        }
    }
    if reached {
        if let Some((world, mut row)) = bench.current.take() {
            let totals = world.totals();
            row.events = world.events_processed();
            row.requests = totals.requests;
            row.pushes = totals.pushes;
            let mut text = bench.out.text_content().unwrap_or_default();
            text.push_str(&row.markdown());
            text.push('\n');
            bench.out.set_text_content(Some(&text));
            bench.rows.push(row);
        }
    }
    true
}

fn finish(bench: &mut Bench) {
    let json: Vec<String> = bench.rows.iter().map(Row::json).collect();
    let _ = bench
        .out
        .set_attribute("data-json", &format!("[{}]", json.join(",")));
    let _ = bench.out.set_attribute("data-done", "true");
}
