//! The command line: a hand-written parser from arguments to a validated [`RunConfig`].
//!
//! Parsing happens in two steps. [`parse`] reads the arguments from left to right into [`RawArgs`], parsing
//! each value as it goes: parameter values go through the engine's [`RawParams::set`], so that a flag
//! accepts exactly what a URL parameter of the app accepts and fails with the same message. Then
//! `RunConfig::try_from(raw)` checks what depends on more than one flag (the restart must fall within the
//! duration) and converts the parameters into the engine's validated [`Params`].
//!
//! Every failure is an [`ArgError`], whose `Display` is exactly one line naming the flag, the value and what
//! is allowed; the binary prints it after `pollstream-cli: ` and exits with [`USAGE_ERROR`].

use pollstream_engine::{ParamError, ParamKey, Params, Range, RawParams, SimDuration, Strategy};
use std::fmt;

/// The name of the binary, used as the prefix of every error message.
pub const BIN: &str = "pollstream-cli";

/// The exit status for bad input: an unknown flag, a missing or malformed value, a value out of range.
pub const USAGE_ERROR: u8 = 2;

/// How long a run simulates when `--duration` is not given.
pub const DEFAULT_DURATION: SimDuration = SimDuration::from_secs(60);
/// The shortest `--duration` accepted.
pub const MIN_DURATION: SimDuration = SimDuration::from_secs(1);
/// The longest `--duration` accepted: one simulated day.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(24 * 3600);

/// How the results are written to standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table in human units, one column per strategy.
    Table,
    /// One JSON document with the parameters and the totals of every world.
    Json,
    /// One CSV row per strategy and simulated second.
    Csv,
}

impl Format {
    /// Every format, in the order the help lists them.
    pub const ALL: [Format; 3] = [Format::Table, Format::Json, Format::Csv];

    /// The name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    /// The format with this [`name`](Format::name), if any.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A run that has been checked completely: the only thing the runner accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// The parameters shared by every world.
    pub params: Params,
    /// The strategies to simulate, one world each, in [`Strategy::ALL`] order and without repeats.
    pub strategies: Vec<Strategy>,
    /// How much simulated time to run.
    pub duration: SimDuration,
    /// When to restart the server, if at all; always before `duration`.
    pub restart_at: Option<SimDuration>,
    /// How to write the results.
    pub format: Format,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Print the help and exit successfully.
    Help,
    /// Print the version and exit successfully.
    Version,
    /// Simulate and report.
    Run(RunConfig),
}

/// The values read from the command line, each well-formed and within its own range, but not yet checked
/// against each other.
#[derive(Clone, Debug, PartialEq)]
pub struct RawArgs {
    /// The parameters, as set by their flags (defaults elsewhere).
    pub params: RawParams,
    /// The selected strategies, in [`Strategy::ALL`] order.
    pub strategies: Vec<Strategy>,
    /// The simulated duration.
    pub duration: SimDuration,
    /// The restart instant and the text it was given as, so that an error can quote it.
    pub restart_at: Option<(SimDuration, String)>,
    /// The output format.
    pub format: Format,
}

impl Default for RawArgs {
    /// Every default: all strategies, 60 s, no restart, a table.
    fn default() -> Self {
        RawArgs {
            params: RawParams::default(),
            strategies: Strategy::ALL.to_vec(),
            duration: DEFAULT_DURATION,
            restart_at: None,
            format: Format::Table,
        }
    }
}

impl TryFrom<RawArgs> for RunConfig {
    type Error = ArgError;

    /// Checks what depends on several flags and validates the parameters as a whole.
    fn try_from(raw: RawArgs) -> Result<Self, ArgError> {
        let restart_at = match raw.restart_at {
            Some((at, _)) if at < raw.duration => Some(at),
            Some((_, text)) => {
                return Err(ArgError::OutOfRange {
                    flag: Flag::RestartAt.name(),
                    value: text,
                    allowed: restart_allowed(raw.duration),
                })
            }
            None => None,
        };
        Ok(RunConfig {
            params: Params::try_from(raw.params).map_err(ArgError::Param)?,
            strategies: raw.strategies,
            duration: raw.duration,
            restart_at,
            format: raw.format,
        })
    }
}

/// Why the command line could not be turned into a [`Command`].
///
/// Its `Display` is one line without the program name, for example
/// `--clients: 0 is out of range (allowed: 1 to 10,000,000)`; control characters in values are escaped so
/// that it stays one line whatever was typed.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgError {
    /// A parameter's value was malformed or out of range, as the engine reported it.
    Param(ParamError),
    /// A runner flag's value could not be read.
    Malformed {
        /// The flag, without `--`.
        flag: &'static str,
        /// The value as given.
        value: String,
        /// What form was expected.
        why: String,
        /// The allowed values.
        allowed: String,
    },
    /// A runner flag's value was well-formed but not allowed.
    OutOfRange {
        /// The flag, without `--`.
        flag: &'static str,
        /// The value as given.
        value: String,
        /// The allowed values.
        allowed: String,
    },
    /// A flag that needs a value came last, or was followed by another flag.
    MissingValue {
        /// The flag, without `--`.
        flag: &'static str,
        /// The allowed values.
        allowed: String,
    },
    /// A flag that takes no value (`--help`, `--version`) was given one with `=`.
    UnexpectedValue {
        /// The flag, without `--`.
        flag: &'static str,
        /// The value as given.
        value: String,
    },
    /// A flag that does not exist.
    UnknownFlag {
        /// The flag as typed, without `--`.
        flag: String,
        /// The value given with `=`, if any.
        value: Option<String>,
        /// The closest existing flag, if one is close.
        suggestion: Option<&'static str>,
    },
    /// An argument that is not a flag.
    Unexpected {
        /// The argument as given.
        arg: String,
    },
}

impl ArgError {
    /// The process exit status for this error: always [`USAGE_ERROR`].
    pub fn exit_code(&self) -> u8 {
        USAGE_ERROR
    }

    /// The flag the error is about, without `--`, if there is one.
    pub fn flag(&self) -> Option<&str> {
        match self {
            ArgError::Param(e) => Some(e.key.name()),
            ArgError::Malformed { flag, .. }
            | ArgError::OutOfRange { flag, .. }
            | ArgError::MissingValue { flag, .. }
            | ArgError::UnexpectedValue { flag, .. } => Some(flag),
            ArgError::UnknownFlag { flag, .. } => Some(flag),
            ArgError::Unexpected { .. } => None,
        }
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            // The engine's message starts with the parameter's name, which is the flag without `--`.
            ArgError::Param(e) => format!("--{e}"),
            ArgError::Malformed {
                flag,
                value,
                why,
                allowed,
            } => {
                format!("--{flag}: '{value}' is not valid: {why} (allowed: {allowed})")
            }
            ArgError::OutOfRange {
                flag,
                value,
                allowed,
            } => {
                format!("--{flag}: {value} is out of range (allowed: {allowed})")
            }
            ArgError::MissingValue { flag, allowed } => {
                format!("--{flag}: missing value (allowed: {allowed})")
            }
            ArgError::UnexpectedValue { flag, value } => {
                format!("--{flag}: takes no value, but was given '{value}'")
            }
            ArgError::UnknownFlag {
                flag,
                value,
                suggestion,
            } => {
                let mut text = format!("--{flag}: unknown flag");
                if let Some(value) = value {
                    text += &format!(" (given the value '{value}')");
                }
                if let Some(name) = suggestion {
                    text += &format!("; did you mean --{name}?");
                }
                text + " (see --help for every flag)"
            }
            ArgError::Unexpected { arg } => {
                format!("'{arg}': unexpected argument; every option is a --flag (see --help)")
            }
        };
        f.write_str(&one_line(&text))
    }
}

impl std::error::Error for ArgError {}

/// `text` with control characters (newlines, escapes) written as escapes, so that it is one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Every flag the runner knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// One of the simulation parameters.
    Param(ParamKey),
    /// `--strategy`.
    Strategy,
    /// `--duration`.
    Duration,
    /// `--restart-at`.
    RestartAt,
    /// `--format`.
    Format,
    /// `--help` (or `-h`).
    Help,
    /// `--version` (or `-V`).
    Version,
}

impl Flag {
    /// The runner's own flags, in the order the help lists them.
    pub const RUNNER: [Flag; 6] = [
        Flag::Strategy,
        Flag::Duration,
        Flag::RestartAt,
        Flag::Format,
        Flag::Help,
        Flag::Version,
    ];

    /// The flag's name without `--`.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Param(key) => key.name(),
            Flag::Strategy => "strategy",
            Flag::Duration => "duration",
            Flag::RestartAt => "restart-at",
            Flag::Format => "format",
            Flag::Help => "help",
            Flag::Version => "version",
        }
    }

    /// The flag called `name` (without `--`), if any.
    pub fn from_name(name: &str) -> Option<Flag> {
        Flag::all().find(|flag| flag.name() == name)
    }

    /// Every flag: the runner's, then one per parameter.
    pub fn all() -> impl Iterator<Item = Flag> {
        Flag::RUNNER
            .into_iter()
            .chain(ParamKey::ALL.into_iter().map(Flag::Param))
    }

    /// Whether the flag is followed by a value.
    pub fn takes_value(self) -> bool {
        !matches!(self, Flag::Help | Flag::Version)
    }

    /// What the value looks like, for the help: `<N>`, `<DURATION>`, `<per-client|broadcast>`.
    pub fn placeholder(self) -> String {
        match self {
            Flag::Param(key) => match key.range() {
                Range::Count { .. } | Range::AnyU64 => "<N>".into(),
                Range::Bytes { .. } => "<BYTES>".into(),
                Range::Duration { .. } => "<DURATION>".into(),
                Range::Real { .. } => "<NUMBER>".into(),
                Range::Choice(names) => format!("<{}>", names.join("|")),
                Range::Switch => "[on|off]".into(),
            },
            Flag::Strategy => "<polling|long-polling|streaming|all>".into(),
            Flag::Duration | Flag::RestartAt => "<DURATION>".into(),
            Flag::Format => "<table|json|csv>".into(),
            Flag::Help | Flag::Version => String::new(),
        }
    }

    /// The allowed values, as error messages and the help state them.
    pub fn allowed(self) -> String {
        match self {
            Flag::Param(key) => key.range().to_string(),
            Flag::Strategy => {
                "polling, long-polling, streaming or all, or a comma-separated list".into()
            }
            Flag::Duration => {
                format!(
                    "{} to {}",
                    duration_text(MIN_DURATION),
                    duration_text(MAX_DURATION)
                )
            }
            Flag::RestartAt => "0 to less than --duration".into(),
            Flag::Format => "table, json or csv".into(),
            Flag::Help | Flag::Version => "no value".into(),
        }
    }

    /// One sentence on what the flag does.
    pub fn help(self) -> &'static str {
        match self {
            Flag::Param(key) => key.help(),
            Flag::Strategy => "the strategies to simulate, one world each, with the same messages",
            Flag::Duration => "simulated time to run",
            Flag::RestartAt => "restart the server at this instant of simulated time",
            Flag::Format => {
                "table: human units; json: totals; csv: one row per strategy and second"
            }
            Flag::Help => "print this help and exit",
            Flag::Version => "print the version and exit",
        }
    }

    /// The default value as text, if the flag has one.
    pub fn default_text(self) -> Option<String> {
        match self {
            Flag::Param(key) => Some(RawParams::default().get(key)),
            Flag::Strategy => Some("all".into()),
            // Seconds read better than `1m` for the default run.
            Flag::Duration => Some(format!("{}s", DEFAULT_DURATION.as_micros() / 1_000_000)),
            Flag::RestartAt => Some("none".into()),
            Flag::Format => Some(Format::Table.name().into()),
            Flag::Help | Flag::Version => None,
        }
    }
}

/// What `--restart-at` allows for a run of `duration`.
fn restart_allowed(duration: SimDuration) -> String {
    format!("0 to less than the duration, {}", duration_text(duration))
}

/// A duration in the largest whole unit that [`SimDuration::parse`] reads back: `24h`, `90s`, `250us`.
pub fn duration_text(d: SimDuration) -> String {
    let us = d.as_micros();
    let units = [
        (3_600_000_000, "h"),
        (60_000_000, "m"),
        (1_000_000, "s"),
        (1_000, "ms"),
    ];
    if us == 0 {
        return "0".into();
    }
    for (size, unit) in units {
        if us % size == 0 {
            return format!("{}{unit}", us / size);
        }
    }
    format!("{us}us")
}

/// Whether `text` is one of the words that a switch accepts.
fn is_switch_word(text: &str) -> bool {
    matches!(
        text,
        "on" | "off" | "true" | "false" | "yes" | "no" | "1" | "0"
    )
}

/// Parses the arguments (without the program name) into a [`Command`].
///
/// Flags are read from left to right: `--help` and `--version` win as soon as they are seen, and the first
/// bad argument is the one reported. A value follows its flag as `--flag value` or `--flag=value`; a value
/// that starts with `--` is taken for the next flag, so `--clients --seed 3` reports a missing value.
/// `--sync-start` alone means on, and it takes the next argument as its value only when that is a switch
/// word (`on`, `off`, `true`, `false`, `yes`, `no`, `1`, `0`). A flag given twice keeps its last value.
///
/// ```
/// use pollstream_cli::args::{parse, Command};
/// let Ok(Command::Run(config)) = parse(["--clients", "5000", "--duration=10s"].map(String::from)) else {
///     panic!("valid arguments")
/// };
/// assert_eq!(config.params.n_clients, 5_000);
/// let err = parse(["--clients", "0"].map(String::from)).unwrap_err();
/// assert_eq!(err.to_string(), "--clients: 0 is out of range (allowed: 1 to 10,000,000)");
/// ```
pub fn parse<I>(args: I) -> Result<Command, ArgError>
where
    I: IntoIterator<Item = String>,
{
    let mut raw = RawArgs::default();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let body = match arg.as_str() {
            "-h" => return Ok(Command::Help),
            "-V" => return Ok(Command::Version),
            _ => match arg.strip_prefix("--") {
                Some(body) if !body.is_empty() => body,
                _ => return Err(ArgError::Unexpected { arg }),
            },
        };
        let (name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (body, None),
        };
        let Some(flag) = Flag::from_name(name) else {
            return Err(ArgError::UnknownFlag {
                flag: name.to_string(),
                value: inline,
                suggestion: suggest(name),
            });
        };
        if !flag.takes_value() {
            if let Some(value) = inline {
                return Err(ArgError::UnexpectedValue {
                    flag: flag.name(),
                    value,
                });
            }
            return Ok(if flag == Flag::Help {
                Command::Help
            } else {
                Command::Version
            });
        }
        let value = match inline {
            Some(value) => value,
            None if flag == Flag::Param(ParamKey::SyncStart) => {
                match args.next_if(|next| is_switch_word(next)) {
                    Some(value) => value,
                    None => "on".into(),
                }
            }
            None => match args.next_if(|next| !next.starts_with("--")) {
                Some(value) => value,
                None => {
                    return Err(ArgError::MissingValue {
                        flag: flag.name(),
                        allowed: flag.allowed(),
                    })
                }
            },
        };
        apply(&mut raw, flag, &value)?;
    }
    RunConfig::try_from(raw).map(Command::Run)
}

/// Reads `value` as the value of `flag` into `raw`.
fn apply(raw: &mut RawArgs, flag: Flag, value: &str) -> Result<(), ArgError> {
    let value = value.trim();
    match flag {
        Flag::Param(key) => raw.params.set(key, value).map_err(ArgError::Param),
        Flag::Strategy => {
            raw.strategies = parse_strategies(value).ok_or_else(|| ArgError::Malformed {
                flag: flag.name(),
                value: value.to_string(),
                why: "not a strategy".into(),
                allowed: flag.allowed(),
            })?;
            Ok(())
        }
        Flag::Duration => {
            let duration = parse_duration(flag, value)?;
            if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
                return Err(ArgError::OutOfRange {
                    flag: flag.name(),
                    value: value.to_string(),
                    allowed: flag.allowed(),
                });
            }
            raw.duration = duration;
            Ok(())
        }
        Flag::RestartAt => {
            raw.restart_at = Some((parse_duration(flag, value)?, value.to_string()));
            Ok(())
        }
        Flag::Format => {
            raw.format = Format::from_name(value).ok_or_else(|| ArgError::Malformed {
                flag: flag.name(),
                value: value.to_string(),
                why: "not a format".into(),
                allowed: flag.allowed(),
            })?;
            Ok(())
        }
        // These take no value and never reach here; accepting them keeps the match total.
        Flag::Help | Flag::Version => Ok(()),
    }
}

/// Reads a duration with the engine's parser, reporting a failure against `flag`.
fn parse_duration(flag: Flag, value: &str) -> Result<SimDuration, ArgError> {
    SimDuration::parse(value).map_err(|why| ArgError::Malformed {
        flag: flag.name(),
        value: value.to_string(),
        why,
        allowed: flag.allowed(),
    })
}

/// Reads `all`, one strategy name, or a comma-separated list of them; `None` if any name is unknown.
fn parse_strategies(text: &str) -> Option<Vec<Strategy>> {
    let mut chosen = Vec::new();
    for name in text.split(',').map(str::trim) {
        if name == "all" {
            chosen.extend(Strategy::ALL);
        } else {
            chosen.push(Strategy::from_name(name)?);
        }
    }
    // Reports and JSON keys always come in the same order, whatever order the flag listed them in.
    chosen.sort();
    chosen.dedup();
    Some(chosen)
}

/// The existing flag closest to the unknown `name`, when it is a plausible typo.
fn suggest(name: &str) -> Option<&'static str> {
    // A flag that starts with what was typed (`--hold` for `--hold-timeout`) beats one a typo away.
    let score = |candidate: &str| {
        if name.len() >= 3 && candidate.starts_with(name) {
            Some(0)
        } else {
            Some(edit_distance(name, candidate) + 1).filter(|&score| score <= 3)
        }
    };
    Flag::all()
        .filter_map(|flag| Some((score(flag.name())?, flag.name())))
        .min_by_key(|&(score, _)| score)
        .map(|(_, candidate)| candidate)
}

/// The Levenshtein distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The text of `--help`, generated from the flags so that it always lists every parameter with its range
/// and default.
pub fn help_text() -> String {
    let mut out = format!(
        "{BIN} {version}\n\
         Simulates polling, long polling and streaming side by side, with the same clients and the same\n\
         messages, and reports what each costs (load, connections, bandwidth) and what it delivers (latency).\n\
         \n\
         Usage: {BIN} [FLAGS]\n\
         Example: {BIN} --clients 10,000 --interval 500ms --rate 0.5 --restart-at 30s --format json\n\
         \n\
         A value follows its flag as `--flag value` or `--flag=value`. Durations need a unit: 250us, 100ms,\n\
         1.5s, 2m, 1h (a bare 0 is zero). Counts may use separators: 10_000 or 10,000.\n\
         Exit status: 0 on success, 1 if the output could not be written, 2 on bad arguments.\n",
        version = env!("CARGO_PKG_VERSION"),
    );
    let sections: [(&str, Vec<Flag>); 2] = [
        ("Run", Flag::RUNNER.to_vec()),
        (
            "Parameters (see MODEL.md)",
            ParamKey::ALL.map(Flag::Param).to_vec(),
        ),
    ];
    for (title, flags) in sections {
        out += &format!("\n{title}:\n");
        for flag in flags {
            let short = match flag {
                Flag::Help => "-h, ",
                Flag::Version => "-V, ",
                _ => "",
            };
            let placeholder = flag.placeholder();
            let space = if placeholder.is_empty() { "" } else { " " };
            out += &format!("  {short}--{}{space}{placeholder}\n", flag.name());
            out += &format!("        {}\n", flag.help());
            if let Some(default) = flag.default_text() {
                out += &format!("        allowed: {}; default: {default}\n", flag.allowed());
            }
        }
    }
    out
}

/// The text of `--version`.
pub fn version_text() -> String {
    format!("{BIN} {}\n", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollstream_engine::{MessagePattern, ReconnectPolicy};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(list: &[&str]) -> RunConfig {
        match parse(args(list)) {
            Ok(Command::Run(config)) => config,
            other => panic!("{list:?} gave {other:?}"),
        }
    }

    fn error(list: &[&str]) -> ArgError {
        match parse(args(list)) {
            Err(err) => err,
            Ok(other) => panic!("{list:?} should fail but gave {other:?}"),
        }
    }

    /// A value of `key` that differs from its default, taken from the edge of its range.
    fn sample(key: ParamKey) -> String {
        match key.range() {
            Range::Count { max, .. } | Range::Bytes { max, .. } => max.to_string(),
            Range::Duration { max, .. } => format!("{}us", max.as_micros()),
            Range::Real { max, .. } => max.to_string(),
            Range::Choice(names) => names[names.len() - 1].to_string(),
            Range::Switch => "on".into(),
            Range::AnyU64 => u64::MAX.to_string(),
        }
    }

    #[test]
    fn no_arguments_give_the_defaults() {
        let config = run(&[]);
        assert_eq!(config.params, Params::default());
        assert_eq!(config.strategies, Strategy::ALL.to_vec());
        assert_eq!(config.duration, SimDuration::from_secs(60));
        assert_eq!(config.restart_at, None);
        assert_eq!(config.format, Format::Table);
    }

    #[test]
    fn every_parameter_flag_is_accepted_in_both_forms() {
        let defaults = RawParams::default();
        for key in ParamKey::ALL {
            let value = sample(key);
            let flag = format!("--{}", key.name());
            for form in [args(&[&flag, &value]), vec![format!("{flag}={value}")]] {
                let Ok(Command::Run(config)) = parse(form.clone()) else {
                    panic!("{form:?} was not accepted")
                };
                let mut expected = RawParams::default();
                expected.set(key, &value).unwrap();
                assert_eq!(config.params.get(key), expected.get(key), "{form:?}");
                assert_ne!(
                    config.params.get(key),
                    defaults.get(key),
                    "{form:?} changed nothing"
                );
                for other in ParamKey::ALL.into_iter().filter(|&k| k != key) {
                    assert_eq!(
                        config.params.get(other),
                        defaults.get(other),
                        "{form:?} set {other:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn all_parameters_at_once() {
        let config = run(&[
            "--clients=20,000",
            "--interval",
            "250ms",
            "--jitter",
            "0.5",
            "--sync-start",
            "--pattern",
            "broadcast",
            "--rate=2.5",
            "--latency",
            "0",
            "--workers",
            "4",
            "--service",
            "250us",
            "--push-service",
            "10us",
            "--queue-limit",
            "0",
            "--hold-timeout",
            "2m",
            "--heartbeat",
            "0",
            "--header-bytes",
            "100",
            "--frame-bytes",
            "2",
            "--message-bytes",
            "1_000",
            "--conn-memory",
            "4096",
            "--reconnect",
            "backoff",
            "--downtime",
            "1.5s",
            "--seed",
            "42",
        ]);
        let p = &config.params;
        assert_eq!(p.n_clients, 20_000);
        assert_eq!(p.poll_interval, SimDuration::from_millis(250));
        assert_eq!(p.jitter, 0.5);
        assert!(p.sync_start);
        assert_eq!(p.pattern, MessagePattern::Broadcast);
        assert_eq!(p.message_rate, 2.5);
        assert_eq!(p.latency, SimDuration::ZERO);
        assert_eq!(p.n_workers, 4);
        assert_eq!(p.service, SimDuration::from_micros(250));
        assert_eq!(p.push_service, SimDuration::from_micros(10));
        assert_eq!(p.queue_limit, 0);
        assert_eq!(p.hold_timeout, SimDuration::from_secs(120));
        assert_eq!(p.heartbeat, SimDuration::ZERO);
        assert_eq!(p.header_bytes, 100);
        assert_eq!(p.frame_bytes, 2);
        assert_eq!(p.message_bytes, 1_000);
        assert_eq!(p.conn_memory_bytes, 4096);
        assert_eq!(p.reconnect, ReconnectPolicy::Backoff);
        assert_eq!(p.downtime, SimDuration::from_millis(1500));
        assert_eq!(p.seed, 42);
    }

    #[test]
    fn runner_flags_are_accepted_in_both_forms() {
        let config = run(&[
            "--strategy",
            "streaming",
            "--duration=2m",
            "--restart-at",
            "30s",
        ]);
        assert_eq!(config.strategies, vec![Strategy::Streaming]);
        assert_eq!(config.duration, SimDuration::from_secs(120));
        assert_eq!(config.restart_at, Some(SimDuration::from_secs(30)));
        for format in Format::ALL {
            assert_eq!(run(&["--format", format.name()]).format, format);
            assert_eq!(
                run(&[&format!("--format={}", format.name())]).format,
                format
            );
        }
        let both = run(&["--strategy=streaming,polling,polling"]).strategies;
        assert_eq!(both, vec![Strategy::Polling, Strategy::Streaming]);
        assert_eq!(
            run(&["--strategy", "all"]).strategies,
            Strategy::ALL.to_vec()
        );
        assert_eq!(
            run(&["--strategy", "long-polling"]).strategies,
            vec![Strategy::LongPolling]
        );
        assert_eq!(run(&["--duration", "24h"]).duration, MAX_DURATION);
        assert_eq!(run(&["--duration", "1s"]).duration, MIN_DURATION);
    }

    #[test]
    fn sync_start_alone_means_on_and_takes_only_switch_words() {
        assert!(run(&["--sync-start"]).params.sync_start);
        assert!(run(&["--sync-start", "--clients", "5"]).params.sync_start);
        assert!(!run(&["--sync-start", "off"]).params.sync_start);
        assert!(!run(&["--sync-start=off"]).params.sync_start);
        assert!(run(&["--sync-start=on"]).params.sync_start);
        // A word that is not a switch value is not swallowed: it is reported as a stray argument.
        assert_eq!(
            error(&["--sync-start", "maybe"]),
            ArgError::Unexpected {
                arg: "maybe".into()
            }
        );
        let err = error(&["--sync-start=maybe"]).to_string();
        assert_eq!(
            err,
            "--sync-start: 'maybe' is not valid: expected on or off (allowed: on or off)"
        );
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(args(&["--help"])), Ok(Command::Help));
        assert_eq!(parse(args(&["-h"])), Ok(Command::Help));
        assert_eq!(
            parse(args(&["--clients", "5", "--help", "--bogus"])),
            Ok(Command::Help)
        );
        assert_eq!(parse(args(&["--version"])), Ok(Command::Version));
        assert_eq!(parse(args(&["-V"])), Ok(Command::Version));
        let err = error(&["--help=yes"]);
        assert_eq!(
            err.to_string(),
            "--help: takes no value, but was given 'yes'"
        );
    }

    #[test]
    fn out_of_range_names_flag_value_and_range() {
        let err = error(&["--clients", "0"]);
        assert_eq!(
            err.to_string(),
            "--clients: 0 is out of range (allowed: 1 to 10,000,000)"
        );
        assert_eq!(err.exit_code(), 2);
        assert_eq!(err.flag(), Some("clients"));
        let err = error(&["--interval=5ms"]).to_string();
        assert_eq!(
            err,
            "--interval: 5ms is out of range (allowed: 10ms to 10m)"
        );
        let err = error(&["--jitter", "1.5"]).to_string();
        assert_eq!(err, "--jitter: 1.5 is out of range (allowed: 0 to 1)");
        let err = error(&["--message-bytes", "2000000"]).to_string();
        assert_eq!(
            err,
            "--message-bytes: 2000000 is out of range (allowed: 0 to 1048576 bytes)"
        );
    }

    #[test]
    fn every_parameter_reports_out_of_range_values() {
        for key in ParamKey::ALL {
            let too_big = match key.range() {
                Range::Count { max, .. } | Range::Bytes { max, .. } => (max + 1).to_string(),
                Range::Duration { max, .. } => format!("{}us", max.as_micros() + 1),
                Range::Real { max, .. } => (max + 1.0).to_string(),
                // Choices, switches and seeds have no numeric edge; their errors are malformed values.
                Range::Choice(_) | Range::Switch | Range::AnyU64 => continue,
            };
            let err = error(&[&format!("--{}", key.name()), &too_big]);
            let text = err.to_string();
            assert_eq!(err.exit_code(), 2);
            assert!(
                text.starts_with(&format!("--{}: {too_big} ", key.name())),
                "{text}"
            );
            assert!(
                text.contains(&format!("(allowed: {})", key.range())),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_values_name_flag_value_and_range() {
        let err = error(&["--interval", "5"]).to_string();
        assert!(err.starts_with("--interval: '5' is not valid: "), "{err}");
        assert!(err.contains("unit"), "{err}");
        assert!(err.ends_with("(allowed: 10ms to 10m)"), "{err}");
        let err = error(&["--workers", "many"]).to_string();
        assert!(err.starts_with("--workers: 'many' is not valid"), "{err}");
        assert!(err.ends_with("(allowed: 1 to 100,000)"), "{err}");
        let err = error(&["--pattern", "unicast"]).to_string();
        assert!(
            err.contains("'unicast'") && err.contains("per-client, broadcast"),
            "{err}"
        );
        let err = error(&["--seed", "-1"]).to_string();
        assert!(err.starts_with("--seed: '-1' is not valid"), "{err}");
        let err = error(&["--rate", "NaN"]).to_string();
        assert_eq!(err, "--rate: NaN is out of range (allowed: 0 to 100)");
    }

    #[test]
    fn runner_flag_errors_name_flag_value_and_range() {
        let err = error(&["--duration", "0.5s"]).to_string();
        assert_eq!(err, "--duration: 0.5s is out of range (allowed: 1s to 24h)");
        let err = error(&["--duration=25h"]).to_string();
        assert_eq!(err, "--duration: 25h is out of range (allowed: 1s to 24h)");
        let err = error(&["--duration", "60"]).to_string();
        assert!(err.starts_with("--duration: '60' is not valid: "), "{err}");
        assert!(err.ends_with("(allowed: 1s to 24h)"), "{err}");
        let err = error(&["--restart-at", "90s", "--duration", "1m"]).to_string();
        assert_eq!(
            err,
            "--restart-at: 90s is out of range (allowed: 0 to less than the duration, 1m)"
        );
        let err = error(&["--restart-at", "60s"]).to_string();
        assert!(
            err.starts_with("--restart-at: 60s is out of range"),
            "the end itself is too late"
        );
        let err = error(&["--restart-at", "soon"]).to_string();
        assert!(
            err.starts_with("--restart-at: 'soon' is not valid: "),
            "{err}"
        );
        let err = error(&["--format", "xml"]).to_string();
        assert_eq!(
            err,
            "--format: 'xml' is not valid: not a format (allowed: table, json or csv)"
        );
        let err = error(&["--strategy", "polling,push"]).to_string();
        assert!(
            err.starts_with("--strategy: 'polling,push' is not valid"),
            "{err}"
        );
        assert!(err.contains("long-polling"), "{err}");
    }

    #[test]
    fn missing_values_name_the_flag_and_range() {
        let err = error(&["--clients"]);
        assert_eq!(
            err.to_string(),
            "--clients: missing value (allowed: 1 to 10,000,000)"
        );
        let err = error(&["--interval", "--clients", "5"]).to_string();
        assert_eq!(err, "--interval: missing value (allowed: 10ms to 10m)");
        let err = error(&["--format"]).to_string();
        assert_eq!(err, "--format: missing value (allowed: table, json or csv)");
        let err = error(&["--clients="]).to_string();
        assert!(err.starts_with("--clients: '' is not valid"), "{err}");
    }

    #[test]
    fn unknown_flags_and_stray_arguments() {
        let err = error(&["--client", "5"]);
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "--client: unknown flag; did you mean --clients? (see --help for every flag)"
        );
        let err = error(&["--colour=red"]).to_string();
        assert_eq!(
            err,
            "--colour: unknown flag (given the value 'red') (see --help for every flag)"
        );
        let err = error(&["--hold"]).to_string();
        assert!(err.contains("did you mean --hold-timeout?"), "{err}");
        let err = error(&["clients=5"]).to_string();
        assert_eq!(
            err,
            "'clients=5': unexpected argument; every option is a --flag (see --help)"
        );
        assert_eq!(error(&["--"]), ArgError::Unexpected { arg: "--".into() });
        assert_eq!(error(&["-x"]), ArgError::Unexpected { arg: "-x".into() });
    }

    #[test]
    fn errors_are_always_one_line() {
        for list in [
            &["--clients", "1\n2"][..],
            &["--bad\nflag"],
            &["--format=\r\u{1b}[2J"],
            &["x\ny"],
        ] {
            let text = error(list).to_string();
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }

    #[test]
    fn odd_input_never_panics_and_errors_stay_one_line() {
        let tokens = [
            "",
            "-",
            "--",
            "---",
            "=",
            "--=",
            "--=x",
            "--clients",
            "--clients=",
            "--sync-start",
            "on",
            "--duration",
            "--restart-at",
            "--strategy",
            "--format",
            "1e400",
            "-1",
            "NaN",
            "inf",
            "18446744073709551616",
            "99999999999999999999h",
            "1.s",
            ".s",
            "0",
            "1µs",
            "µ",
            "\u{0}",
            "--rate=1e308",
            "--interval=0.0000001us",
            "--strategy=,",
            "--strategy=all,",
            "--help=",
            "--seed=18446744073709551615",
            "--restart-at=0",
            "--duration=24h",
            "--x=y=z",
        ];
        for a in tokens {
            for b in tokens {
                for c in ["", "5", "--help", "1s"] {
                    let list = [a, b, c];
                    if let Err(err) = parse(args(&list)) {
                        let text = err.to_string();
                        assert!(
                            !text.is_empty() && !text.contains('\n'),
                            "{list:?}: {text:?}"
                        );
                        assert_eq!(err.exit_code(), 2);
                    }
                }
            }
        }
    }

    #[test]
    fn later_values_override_earlier_ones() {
        assert_eq!(
            run(&["--clients", "5", "--clients", "7"]).params.n_clients,
            7
        );
    }

    #[test]
    fn help_lists_every_flag_with_range_and_default() {
        let help = help_text();
        for flag in Flag::all() {
            assert!(
                help.contains(&format!("--{}", flag.name())),
                "--{} missing",
                flag.name()
            );
            assert!(
                help.contains(flag.help()),
                "help of --{} missing",
                flag.name()
            );
        }
        for key in ParamKey::ALL {
            let line = format!(
                "allowed: {}; default: {}",
                key.range(),
                RawParams::default().get(key)
            );
            assert!(help.contains(&line), "{line} missing");
        }
        assert!(help.contains("allowed: 1s to 24h; default: 60s"));
    }

    #[test]
    fn duration_text_reads_back() {
        for us in [
            0,
            1,
            250,
            1_000,
            1_500_000,
            60_000_000,
            90_000_000,
            86_400_000_000,
        ] {
            let d = SimDuration::from_micros(us);
            assert_eq!(SimDuration::parse(&duration_text(d)), Ok(d), "{us}");
        }
        assert_eq!(duration_text(MAX_DURATION), "24h");
    }
}
