//! Writing a [`RunReport`] as a table for people, as JSON, or as a CSV series; each writer takes any
//! [`Write`], so that tests can write to a `Vec<u8>`.
//!
//! The JSON and CSV schemas are documented, field by field, in the crate's `README.md`; a change here must
//! be made there too.

use crate::args::{Format, BIN};
use crate::run::{RunReport, WorldReport};
use pollstream_engine::format::{bits_per_second, bytes, compact, micros, significant, thousands};
use pollstream_engine::{csv, LatencySummary, MessagePattern, ParamKey};
use std::io::{self, Write};

/// Writes `report` to `out` in `format`.
pub fn write(out: &mut impl Write, report: &RunReport, format: Format) -> io::Result<()> {
    match format {
        Format::Table => write_table(out, report),
        Format::Json => write_json(out, report),
        Format::Csv => write_csv(out, report),
    }
}

/// Messages created but neither delivered nor abandoned, without trusting the counts to be consistent.
fn pending(world: &WorldReport) -> u64 {
    let totals = &world.totals;
    totals
        .messages_created
        .saturating_sub(totals.messages_delivered)
        .saturating_sub(totals.messages_abandoned)
}

// ---------------------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------------------

/// One line of the table: a label and one cell per world, or a section title when `cells` is empty.
struct Row {
    label: String,
    cells: Vec<String>,
}

fn percent(share: f64) -> String {
    format!("{} %", significant(share * 100.0, 3))
}

fn latency_cell(summary: &LatencySummary, value: impl Fn(&LatencySummary) -> f64) -> String {
    if summary.count == 0 {
        "–".into()
    } else {
        micros(value(summary))
    }
}

/// Writes a table in human units: a line describing the run, then one column per strategy.
pub fn write_table(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    let config = &report.config;
    let params = &config.params;
    let worlds = &report.worlds;
    let cells = |f: &dyn Fn(&WorldReport) -> String| worlds.iter().map(f).collect::<Vec<_>>();
    let mut rows: Vec<Row> = Vec::new();
    let section = |rows: &mut Vec<Row>, title: &str| {
        rows.push(Row {
            label: title.into(),
            cells: Vec::new(),
        });
    };
    let row = |rows: &mut Vec<Row>, label: &str, cells: Vec<String>| {
        rows.push(Row {
            label: format!("  {label}"),
            cells,
        });
    };

    section(&mut rows, "Load");
    row(
        &mut rows,
        "requests/s",
        cells(&|w| compact(w.totals.requests_per_s())),
    );
    row(
        &mut rows,
        "pushes/s",
        cells(&|w| compact(w.totals.pushes_per_s())),
    );
    let empty = |w: &WorldReport| {
        let share = if w.totals.answered == 0 {
            "–".into()
        } else {
            percent(w.totals.empty_share())
        };
        format!("{} ({share})", thousands(w.totals.empty_responses))
    };
    row(&mut rows, "empty responses", cells(&empty));
    row(
        &mut rows,
        "rejected/s",
        cells(&|w| compact(w.totals.rejected_per_s())),
    );
    row(
        &mut rows,
        "utilization",
        cells(&|w| percent(w.totals.utilization())),
    );
    row(
        &mut rows,
        "max queue",
        cells(&|w| thousands(w.totals.max_queue)),
    );
    if config.restart_at.is_some() {
        row(
            &mut rows,
            "dropped by restart",
            cells(&|w| thousands(w.totals.dropped_by_restart)),
        );
        row(
            &mut rows,
            "refused while down",
            cells(&|w| thousands(w.totals.refused_while_down)),
        );
    }

    section(&mut rows, "Connections");
    row(
        &mut rows,
        "open connections (end)",
        cells(&|w| thousands(w.gauges.open_connections)),
    );
    row(
        &mut rows,
        "max open connections",
        cells(&|w| thousands(w.totals.max_open_connections)),
    );
    let memory = |w: &WorldReport| bytes(w.gauges.connection_memory_bytes as f64);
    row(&mut rows, "connection memory (end)", cells(&memory));

    section(&mut rows, "Bandwidth");
    let bandwidth = |w: &WorldReport, total: u64| {
        format!(
            "{} ({})",
            bits_per_second(w.totals.per_second(total)),
            bytes(total as f64)
        )
    };
    row(&mut rows, "in", cells(&|w| bandwidth(w, w.totals.bytes_in)));
    row(
        &mut rows,
        "out",
        cells(&|w| bandwidth(w, w.totals.bytes_out)),
    );

    section(&mut rows, "Messages");
    row(
        &mut rows,
        "created",
        cells(&|w| thousands(w.totals.messages_created)),
    );
    if params.pattern == MessagePattern::Broadcast {
        let distinct = |w: &WorldReport| thousands(w.totals.messages_created_distinct);
        row(&mut rows, "created (distinct)", cells(&distinct));
    }
    row(
        &mut rows,
        "delivered",
        cells(&|w| thousands(w.totals.messages_delivered)),
    );
    row(
        &mut rows,
        "pending (end)",
        cells(&|w| thousands(pending(w))),
    );

    section(&mut rows, "Latency");
    type Pick = fn(&LatencySummary) -> f64;
    let latencies: [(&str, Pick); 6] = [
        ("p50", |s| s.p50 as f64),
        ("p90", |s| s.p90 as f64),
        ("p99", |s| s.p99 as f64),
        ("p99.9", |s| s.p999 as f64),
        ("max", |s| s.max as f64),
        ("mean", |s| s.mean),
    ];
    for (label, pick) in latencies {
        row(&mut rows, label, cells(&|w| latency_cell(&w.latency, pick)));
    }

    let mut title = format!(
        "{BIN}: {} clients, {} simulated, seed {}",
        thousands(params.n_clients),
        config.duration,
        params.seed
    );
    if let Some(at) = config.restart_at {
        title += &format!(", server restart at t = {at}");
    }
    writeln!(out, "{title}")?;

    let headers: Vec<&str> = worlds.iter().map(|w| w.strategy.label()).collect();
    let label_width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..worlds.len())
        .map(|i| {
            let cells = rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|c| c.chars().count());
            cells.chain([headers[i].chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |label: &str, cells: &[&str]| {
        let mut text = pad(label, label_width, false);
        for (cell, &width) in cells.iter().zip(&widths) {
            text += "   ";
            text += &pad(cell, width, true);
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line("", &headers))?;
    for row in &rows {
        let cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&row.label, &cells))?;
    }
    Ok(())
}

/// `text` padded with spaces to `width` characters, on the left when `right` aligned.
fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.chars().count()));
    if right {
        fill + text
    } else {
        text.to_string() + &fill
    }
}

// ---------------------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------------------

/// `text` as a JSON string literal, quotes included, with every character JSON requires escaped.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as a JSON number, or `null` when it is not finite (JSON has no NaN or infinity).
///
/// Rust prints finite floats in plain decimal, never with an exponent, and whole values without a
/// fraction (`60`, `0.25`), all of which are valid JSON numbers.
pub fn json_number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        "null".into()
    }
}

/// A minimal streaming JSON writer: nested objects and arrays, two-space indentation, commas handled.
pub struct JsonWriter<W: Write> {
    out: W,
    depth: usize,
    /// Whether the innermost open container has no member yet.
    empty: bool,
}

impl<W: Write> JsonWriter<W> {
    /// A writer to `out` that has written nothing.
    pub fn new(out: W) -> Self {
        JsonWriter {
            out,
            depth: 0,
            empty: true,
        }
    }

    /// Writes what comes before a member: a comma if needed, a new line, indentation, and the key if any.
    fn member(&mut self, key: Option<&str>) -> io::Result<()> {
        if self.depth > 0 {
            if !self.empty {
                self.out.write_all(b",")?;
            }
            write!(self.out, "\n{}", "  ".repeat(self.depth))?;
        }
        if let Some(key) = key {
            write!(self.out, "{}: ", json_string(key))?;
        }
        self.empty = false;
        Ok(())
    }

    /// Opens an object (or an array when `array`), as the member `key` of the enclosing object if given.
    pub fn open(&mut self, key: Option<&str>, array: bool) -> io::Result<()> {
        self.member(key)?;
        self.out.write_all(if array { b"[" } else { b"{" })?;
        self.depth += 1;
        self.empty = true;
        Ok(())
    }

    /// Closes the innermost object (or array, when `array`).
    pub fn close(&mut self, array: bool) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if !self.empty {
            write!(self.out, "\n{}", "  ".repeat(self.depth))?;
        }
        self.out.write_all(if array { b"]" } else { b"}" })?;
        self.empty = false;
        if self.depth == 0 {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes a member whose value is already JSON text (a number, `null`, a string literal).
    pub fn raw(&mut self, key: Option<&str>, json: &str) -> io::Result<()> {
        self.member(key)?;
        self.out.write_all(json.as_bytes())
    }

    /// Writes a whole-number member.
    pub fn uint(&mut self, key: &str, value: u64) -> io::Result<()> {
        self.raw(Some(key), &value.to_string())
    }

    /// Writes a real-number member (`null` if not finite).
    pub fn real(&mut self, key: &str, value: f64) -> io::Result<()> {
        self.raw(Some(key), &json_number(value))
    }

    /// Writes a string member (or a string element of an array when `key` is `None`).
    pub fn string(&mut self, key: Option<&str>, value: &str) -> io::Result<()> {
        self.raw(key, &json_string(value))
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes the parameters and the totals of every world as one JSON document.
pub fn write_json(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    let config = &report.config;
    let mut json = JsonWriter::new(out);
    json.open(None, false)?;
    json.string(Some("version"), env!("CARGO_PKG_VERSION"))?;
    json.open(Some("params"), false)?;
    for key in ParamKey::ALL {
        json.string(Some(key.name()), &config.params.get(key))?;
    }
    json.close(false)?;
    json.open(Some("strategies"), true)?;
    for world in &report.worlds {
        json.string(None, world.strategy.name())?;
    }
    json.close(true)?;
    json.real("duration_s", config.duration.as_secs_f64())?;
    match config.restart_at {
        Some(at) => json.real("restart_at_s", at.as_secs_f64())?,
        None => json.raw(Some("restart_at_s"), "null")?,
    }
    json.uint("seed", config.params.seed)?;
    json.open(Some("worlds"), false)?;
    for world in &report.worlds {
        json_world(&mut json, world)?;
    }
    json.close(false)?;
    json.close(false)
}

/// Writes the member of `worlds` for one world.
fn json_world<W: Write>(json: &mut JsonWriter<W>, world: &WorldReport) -> io::Result<()> {
    let t = &world.totals;
    let g = &world.gauges;
    json.open(Some(world.strategy.name()), false)?;
    json.real("elapsed_s", t.elapsed.as_secs_f64())?;
    json.uint("requests_sent", t.requests_sent)?;
    json.uint("requests", t.requests)?;
    json.real("requests_per_s", t.requests_per_s())?;
    json.uint("requests_answered", t.requests_answered)?;
    json.uint("answered", t.answered)?;
    json.uint("empty_responses", t.empty_responses)?;
    json.real("empty_share", t.empty_share())?;
    json.uint("rejected", t.rejected)?;
    json.real("rejected_per_s", t.rejected_per_s())?;
    json.uint("refused_while_down", t.refused_while_down)?;
    json.uint("dropped_by_restart", t.dropped_by_restart)?;
    json.uint("restarts", t.restarts)?;
    json.uint("pushes", t.pushes)?;
    json.real("pushes_per_s", t.pushes_per_s())?;
    json.uint("heartbeats", t.heartbeats)?;
    json.uint("busy_us", t.busy_us)?;
    json.uint("capacity_us", t.capacity_us)?;
    json.real("utilization", t.utilization())?;
    json.uint("max_queue", t.max_queue)?;
    json.uint("queue_len", g.queue_len)?;
    json.uint("open_connections", g.open_connections)?;
    json.uint("held_requests", g.held_requests)?;
    json.uint("max_open_connections", t.max_open_connections)?;
    json.uint("connection_memory_bytes", g.connection_memory_bytes)?;
    json.uint("bytes_in", t.bytes_in)?;
    json.uint("bytes_out", t.bytes_out)?;
    json.real("bytes_in_per_s", t.per_second(t.bytes_in))?;
    json.real("bytes_out_per_s", t.per_second(t.bytes_out))?;
    json.uint("messages_created", t.messages_created)?;
    json.uint("messages_created_distinct", t.messages_created_distinct)?;
    json.uint("messages_delivered", t.messages_delivered)?;
    json.uint("messages_pending", pending(world))?;
    json.uint("messages_abandoned", t.messages_abandoned)?;
    let l = &world.latency;
    json.open(Some("latency_us"), false)?;
    json.uint("count", l.count)?;
    json.uint("p50", l.p50)?;
    json.uint("p90", l.p90)?;
    json.uint("p99", l.p99)?;
    json.uint("p999", l.p999)?;
    json.uint("max", l.max)?;
    json.real("mean", l.mean)?;
    json.close(false)?;
    json.close(false)
}

// ---------------------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------------------

/// Writes one row per world and whole simulated second after the header: the engine's CSV
/// ([`pollstream_engine::csv`]), which the app's download writes too.
pub fn write_csv(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    let mut text = String::from(csv::HEADER);
    text.push('\n');
    for world in &report.worlds {
        for second in &world.seconds {
            csv::push_row(&mut text, world.strategy, second);
        }
    }
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Command, RunConfig};
    use pollstream_engine::{Gauges, SecondStats, SimDuration, Strategy, Totals};

    fn config(list: &[&str]) -> RunConfig {
        match parse(list.iter().map(|s| s.to_string())) {
            Ok(Command::Run(config)) => config,
            other => panic!("{other:?}"),
        }
    }

    /// A report with made-up but consistent numbers, so that the writers are tested without the engine.
    fn sample_report(list: &[&str]) -> RunReport {
        let config = config(list);
        let worlds = config
            .strategies
            .iter()
            .enumerate()
            .map(|(i, &strategy)| {
                let i = i as u64;
                let totals = Totals {
                    elapsed: config.duration,
                    requests: 1_000 * (i + 1),
                    answered: 900,
                    empty_responses: 450,
                    bytes_in: 4_000_000,
                    bytes_out: 8_000_000,
                    busy_us: 3_000_000,
                    capacity_us: 12_000_000,
                    messages_created: 100,
                    messages_created_distinct: 100,
                    messages_delivered: 97,
                    max_open_connections: 1_000,
                    ..Totals::default()
                };
                let gauges = Gauges {
                    open_connections: 1_000,
                    connection_memory_bytes: 8_192_000,
                    ..Gauges::default()
                };
                let latency = LatencySummary {
                    count: 97,
                    p50: 550_000,
                    p90: 950_000,
                    p99: 1_040_000,
                    p999: 1_049_000,
                    max: 1_050_000,
                    mean: 551_234.5,
                };
                let seconds = (0..config.duration.as_micros() / 1_000_000)
                    .map(|second| SecondStats {
                        second,
                        requests: 1_000,
                        busy_us: 1,
                        capacity_us: 3,
                        latency,
                        ..SecondStats::default()
                    })
                    .collect();
                WorldReport {
                    strategy,
                    totals,
                    gauges,
                    latency,
                    seconds,
                }
            })
            .collect();
        RunReport { config, worlds }
    }

    fn text(write: fn(&mut Vec<u8>, &RunReport) -> io::Result<()>, report: &RunReport) -> String {
        let mut out = Vec::new();
        write(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("plain"), r#""plain""#);
        assert_eq!(json_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(json_string("line\nnext\ttab\r"), r#""line\nnext\ttab\r""#);
        assert_eq!(json_string("\u{1}\u{1f}µ"), "\"\\u0001\\u001fµ\"");
    }

    #[test]
    fn json_numbers_are_finite_or_null() {
        assert_eq!(json_number(60.0), "60");
        assert_eq!(json_number(0.25), "0.25");
        assert_eq!(json_number(1e-7), "0.0000001");
        assert_eq!(json_number(f64::NAN), "null");
        assert_eq!(json_number(f64::INFINITY), "null");
    }

    #[test]
    fn json_writer_nests_and_separates() {
        let mut json = JsonWriter::new(Vec::new());
        json.open(None, false).unwrap();
        json.uint("a", 1).unwrap();
        json.open(Some("b"), true).unwrap();
        json.string(None, "x").unwrap();
        json.string(None, "y").unwrap();
        json.close(true).unwrap();
        json.open(Some("c"), false).unwrap();
        json.close(false).unwrap();
        json.real("d", f64::NAN).unwrap();
        json.close(false).unwrap();
        let text = String::from_utf8(json.into_inner()).unwrap();
        let expected = "{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    \"y\"\n  ],\n  \"c\": {},\n  \"d\": null\n}\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn json_report_has_every_field() {
        let report = sample_report(&["--duration", "5s", "--restart-at", "2.5s", "--seed", "7"]);
        let json = text(write_json, &report);
        for key in ParamKey::ALL {
            assert!(
                json.contains(&format!("\"{}\": ", key.name())),
                "param {key:?}"
            );
        }
        assert!(json.contains("\"clients\": \"1000\""), "{json}");
        assert!(json.contains("\"duration_s\": 5,"), "{json}");
        assert!(json.contains("\"restart_at_s\": 2.5,"), "{json}");
        assert!(json.contains("\"seed\": 7,"), "{json}");
        assert!(
            json.contains("\"strategies\": [\n    \"polling\",\n    \"long-polling\","),
            "{json}"
        );
        for strategy in Strategy::ALL {
            assert!(
                json.contains(&format!("\"{}\": {{", strategy.name())),
                "{strategy}"
            );
        }
        let fields = [
            "requests",
            "pushes",
            "empty_responses",
            "rejected",
            "utilization",
            "max_queue",
            "open_connections",
            "max_open_connections",
            "connection_memory_bytes",
            "bytes_in",
            "bytes_out",
            "messages_created",
            "messages_created_distinct",
            "messages_delivered",
            "messages_pending",
            "requests_per_s",
            "pushes_per_s",
            "heartbeats",
            "answered",
            "dropped_by_restart",
            "latency_us",
            "p50",
            "p90",
            "p99",
            "p999",
            "max",
            "mean",
        ];
        for field in fields {
            let count = json.matches(&format!("\"{field}\": ")).count();
            assert_eq!(count, 3, "{field} once per world");
        }
        assert!(json.contains("\"messages_pending\": 3,"), "{json}");
        assert!(json.contains("\"utilization\": 0.25,"), "{json}");
        assert!(
            json.contains("\"requests_per_s\": 200,"),
            "1000 requests over 5 s: {json}"
        );
        assert!(json.contains("\"mean\": 551234.5\n"), "{json}");
        assert_eq!(json.matches('{').count(), json.matches('}').count());
        assert!(json.ends_with("}\n"));
    }

    #[test]
    fn json_without_restart_says_null() {
        let report = sample_report(&["--strategy", "polling", "--duration", "2s"]);
        let json = text(write_json, &report);
        assert!(json.contains("\"restart_at_s\": null,"), "{json}");
        assert!(!json.contains("long-polling"), "{json}");
    }

    #[test]
    fn csv_has_the_header_and_one_row_per_world_and_second() {
        let report = sample_report(&["--duration", "4s", "--strategy", "polling,streaming"]);
        let csv = text(write_csv, &report);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], csv::HEADER);
        assert_eq!(lines.len(), 1 + 2 * 4);
        assert_eq!(
            lines[1],
            "polling,0,1000,0,0,0,0,0,0.3333333333333333,0,0,0,0,0,0,0,0,550000,1040000,1050000,551234.5"
        );
        assert!(lines[8].starts_with("streaming,3,"), "{}", lines[8]);
        for line in &lines {
            assert_eq!(line.split(',').count(), 21, "{line}");
        }
    }

    #[test]
    fn table_shows_every_row_in_human_units() {
        let report = sample_report(&["--duration", "5s", "--restart-at", "2s"]);
        let table = text(write_table, &report);
        let first = table.lines().next().unwrap();
        assert_eq!(
            first,
            "pollstream-cli: 1,000 clients, 5 s simulated, seed 1, server restart at t = 2 s"
        );
        let header = table.lines().nth(1).unwrap();
        assert!(
            header.contains("Polling")
                && header.contains("Long polling")
                && header.contains("Streaming")
        );
        let rows = [
            "requests/s",
            "pushes/s",
            "empty responses",
            "rejected/s",
            "utilization",
            "max queue",
            "dropped by restart",
            "open connections",
            "connection memory",
            "in",
            "out",
            "created",
            "delivered",
            "pending",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "max",
            "mean",
        ];
        for label in rows {
            assert!(
                table.lines().any(|l| l.trim_start().starts_with(label)),
                "{label} missing:\n{table}"
            );
        }
        let line = |label: &str| {
            table
                .lines()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap()
                .to_string()
        };
        let cells = |label: &str| -> Vec<String> {
            let line = line(label);
            let cells = line.split("   ").map(str::trim).filter(|c| !c.is_empty());
            cells.map(String::from).collect()
        };
        assert_eq!(cells("requests/s"), ["requests/s", "200", "400", "600"]);
        assert!(
            line("empty responses").contains("450 (50 %)"),
            "{}",
            line("empty responses")
        );
        assert!(line("utilization").contains("25 %"));
        assert!(
            line("connection memory").contains("7.81 MiB"),
            "{}",
            line("connection memory")
        );
        assert!(
            line("in ").contains("6.4 Mbit/s (3.81 MiB)"),
            "{}",
            line("in ")
        );
        assert!(line("p50").contains("550 ms"), "{}", line("p50"));
        assert!(line("mean").contains("551 ms"), "{}", line("mean"));
        assert!(
            !table.contains("(distinct)"),
            "per-client messages have no distinct row"
        );
    }

    #[test]
    fn table_marks_missing_latency_and_shares() {
        let mut report = sample_report(&["--strategy", "streaming", "--duration", "1s"]);
        report.worlds[0].latency = LatencySummary::default();
        report.worlds[0].totals.answered = 0;
        report.worlds[0].totals.empty_responses = 0;
        let table = text(write_table, &report);
        let p99 = table
            .lines()
            .find(|l| l.trim_start().starts_with("p99 "))
            .unwrap();
        assert!(p99.ends_with('–'), "{p99}");
        assert!(table.contains("0 (–)"), "{table}");
        assert_eq!(report.config.duration, SimDuration::from_secs(1));
    }

    #[test]
    fn write_dispatches_on_the_format() {
        let report = sample_report(&["--duration", "1s"]);
        let mut out = Vec::new();
        write(&mut out, &report, Format::Csv).unwrap();
        assert!(out.starts_with(b"strategy,second,"));
        out.clear();
        write(&mut out, &report, Format::Json).unwrap();
        assert!(out.starts_with(b"{\n"));
        out.clear();
        write(&mut out, &report, Format::Table).unwrap();
        assert!(out.starts_with(b"pollstream-cli: "));
    }
}
