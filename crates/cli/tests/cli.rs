//! Runs the built `pollstream-cli` binary as a user would and checks its exit status and output.

use std::process::{Command, Output};

/// The 20 parameter flags of MODEL.md, written out here so that the test does not trust the code under test.
const PARAMETER_FLAGS: [&str; 20] = [
    "--clients",
    "--interval",
    "--jitter",
    "--sync-start",
    "--pattern",
    "--rate",
    "--latency",
    "--workers",
    "--service",
    "--push-service",
    "--queue-limit",
    "--hold-timeout",
    "--heartbeat",
    "--header-bytes",
    "--frame-bytes",
    "--message-bytes",
    "--conn-memory",
    "--reconnect",
    "--downtime",
    "--seed",
];

/// A small, fast scenario for tests that run the simulation.
const SMALL: [&str; 4] = ["--clients", "50", "--duration", "3s"];

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pollstream-cli"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Checks that `args` fail with status 2 and exactly one stderr line, and returns that line.
fn usage_error(args: &[&str]) -> String {
    let output = cli(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(
        output.stdout.is_empty(),
        "{args:?} wrote to stdout: {}",
        stdout(&output)
    );
    let err = stderr(&output);
    assert_eq!(
        err.lines().count(),
        1,
        "{args:?}: one line expected, got {err:?}"
    );
    assert!(err.ends_with('\n'), "{err:?}");
    assert!(err.starts_with("pollstream-cli: "), "{err:?}");
    err.trim_end().to_string()
}

/// Whether every `{` and `[` outside string literals is closed in order.
fn brackets_balance(json: &str) -> bool {
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => stack.push(c),
            '}' if stack.pop() != Some('{') => return false,
            ']' if stack.pop() != Some('[') => return false,
            _ => {}
        }
    }
    stack.is_empty() && !in_string
}

#[test]
fn help_lists_every_parameter_flag() {
    let output = cli(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    // A flag line starts with the flag, after an optional short form such as `-h, `.
    let flag_lines: Vec<&str> = help
        .lines()
        .map(|line| line.trim_start())
        .map(|line| match line.split_once(", ") {
            Some((short, long)) if short.len() == 2 && short.starts_with('-') => long,
            _ => line,
        })
        .filter(|line| line.starts_with("--"))
        .collect();
    for flag in PARAMETER_FLAGS.iter().chain(&[
        "--strategy",
        "--duration",
        "--restart-at",
        "--format",
        "--help",
        "--version",
    ]) {
        let listed = flag_lines
            .iter()
            .any(|line| line.split_whitespace().next() == Some(flag));
        assert!(listed, "{flag} is not listed:\n{help}");
    }
    assert!(
        help.contains("allowed: 1 to 10,000,000; default: 1000"),
        "{help}"
    );
    assert!(help.contains("allowed: 1s to 24h; default: 60s"), "{help}");
    assert!(output.stderr.is_empty());
}

#[test]
fn version_prints_the_crate_version() {
    let output = cli(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        format!("pollstream-cli {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn out_of_range_value_fails_with_one_line() {
    let err = usage_error(&["--clients", "0"]);
    assert!(err.contains("--clients"), "{err}");
    assert!(err.contains(" 0 "), "{err}");
    assert!(err.contains("10,000,000"), "{err}");
    assert_eq!(
        err,
        "pollstream-cli: --clients: 0 is out of range (allowed: 1 to 10,000,000)"
    );
}

#[test]
fn malformed_duration_fails_with_one_line() {
    let err = usage_error(&["--interval", "5"]);
    assert!(
        err.starts_with("pollstream-cli: --interval: '5' is not valid"),
        "{err}"
    );
    assert!(err.contains("10ms to 10m"), "{err}");
    let err = usage_error(&["--interval=5"]);
    assert!(
        err.starts_with("pollstream-cli: --interval: '5' is not valid"),
        "{err}"
    );
}

#[test]
fn other_bad_input_fails_with_one_line() {
    let err = usage_error(&["--clients"]);
    assert_eq!(
        err,
        "pollstream-cli: --clients: missing value (allowed: 1 to 10,000,000)"
    );
    let err = usage_error(&["--frobnicate=3"]);
    assert!(
        err.contains("--frobnicate") && err.contains("unknown flag") && err.contains("'3'"),
        "{err}"
    );
    let err = usage_error(&["--duration", "2d"]);
    assert!(
        err.contains("--duration") && err.contains("'2d'") && err.contains("1s to 24h"),
        "{err}"
    );
    let err = usage_error(&["--duration", "48h"]);
    assert_eq!(
        err,
        "pollstream-cli: --duration: 48h is out of range (allowed: 1s to 24h)"
    );
    let err = usage_error(&["--duration", "10s", "--restart-at", "10s"]);
    assert!(err.contains("--restart-at: 10s is out of range"), "{err}");
    let err = usage_error(&["--format", "yaml"]);
    assert!(
        err.contains("--format: 'yaml'") && err.contains("table, json or csv"),
        "{err}"
    );
    let err = usage_error(&["--clients", "12\nx"]);
    assert!(err.contains("--clients"), "{err}");
    usage_error(&["stray"]);
}

#[test]
fn json_has_every_key_and_balances() {
    let mut args = SMALL.to_vec();
    args.extend(["--format", "json", "--seed", "9", "--restart-at", "1500ms"]);
    let output = cli(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        output.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );
    let json = stdout(&output);
    assert!(
        json.trim_start().starts_with('{') && json.trim_end().ends_with('}'),
        "{json}"
    );
    assert!(brackets_balance(&json), "{json}");
    for top in [
        "\"params\": {",
        "\"duration_s\": 3,",
        "\"seed\": 9,",
        "\"restart_at_s\": 1.5,",
        "\"worlds\": {",
    ] {
        assert!(json.contains(top), "{top} missing:\n{json}");
    }
    for flag in PARAMETER_FLAGS {
        let key = format!("\"{}\": \"", &flag[2..]);
        assert!(json.contains(&key), "{key} missing from params");
    }
    assert!(json.contains("\"clients\": \"50\""), "{json}");
    for strategy in ["polling", "long-polling", "streaming"] {
        assert!(
            json.contains(&format!("\"{strategy}\": {{")),
            "{strategy} missing"
        );
    }
    let per_world = [
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
    for key in per_world {
        let count = json.matches(&format!("\"{key}\": ")).count();
        assert_eq!(count, 3, "{key} should appear once per world");
    }
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
}

#[test]
fn csv_has_the_header_and_a_row_per_strategy_and_second() {
    let header = "strategy,second,requests,pushes,heartbeats,answered,empty_responses,rejected,\
                  utilization,queue_len,open_connections,connection_memory_bytes,bytes_in,bytes_out,\
                  messages_created,messages_delivered,messages_pending,latency_p50_us,latency_p99_us,\
                  latency_max_us,latency_mean_us";
    let cases: [(&[&str], usize, &[&str]); 2] = [
        (&[], 3, &["polling", "long-polling", "streaming"]),
        (
            &["--strategy", "streaming,polling"],
            2,
            &["polling", "streaming"],
        ),
    ];
    for (extra, strategies, names) in cases {
        let mut args = SMALL.to_vec();
        args.extend(["--format", "csv"]);
        args.extend(extra);
        let output = cli(&args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let csv = stdout(&output);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], header);
        assert_eq!(
            lines.len() - 1,
            strategies * 3,
            "{args:?}: strategies × seconds rows:\n{csv}"
        );
        let columns = header.split(',').count();
        for (i, line) in lines[1..].iter().enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), columns, "{line}");
            assert_eq!(cells[0], names[i / 3], "{line}");
            assert_eq!(cells[1], (i % 3).to_string(), "{line}");
        }
    }
}

#[test]
fn table_is_the_default_and_has_a_column_per_strategy() {
    let output = cli(&SMALL);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = stdout(&output);
    let header = table.lines().nth(1).expect("a header line");
    for label in ["Polling", "Long polling", "Streaming"] {
        assert!(header.contains(label), "{header}");
    }
    for row in [
        "requests/s",
        "utilization",
        "connection memory",
        "p99.9",
        "mean",
    ] {
        assert!(table.contains(row), "{row} missing:\n{table}");
    }
}

#[test]
fn identical_arguments_give_identical_output() {
    let mut args = SMALL.to_vec();
    args.extend(["--format", "json", "--rate", "2", "--jitter", "1"]);
    let first = cli(&args);
    let second = cli(&args);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(stdout(&first), stdout(&second));
}
