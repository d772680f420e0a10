//! The parameters of a world, their ranges and their validation.
//!
//! [`RawParams`] is what a user typed: any value at all. [`Params`] is the only thing the engine accepts,
//! and the only way to get one is `Params::try_from(raw)`, which checks every value against the range in
//! `MODEL.md` once, at the boundary. The command-line runner and the browser app parse text through
//! [`RawParams::set`], so that a flag and a URL parameter accept the same spellings and fail with the same
//! message.

use crate::format::{significant, thousands};
use crate::number::{parse_f64, shortest};
use crate::time::SimDuration;
use std::fmt;
use std::ops::Deref;

/// How the clients of a world learn of new messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Strategy {
    /// A request every poll interval, whether or not anything is new.
    Polling,
    /// A request that the server holds until something is new or the hold timeout passes.
    LongPolling,
    /// One open connection on which the server pushes each message the moment it exists.
    Streaming,
}

impl Strategy {
    /// Every strategy, in the order the app and the runner show them.
    pub const ALL: [Strategy; 3] = [
        Strategy::Polling,
        Strategy::LongPolling,
        Strategy::Streaming,
    ];

    /// The name used in flags, URLs and JSON: `polling`, `long-polling`, `streaming`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Polling => "polling",
            Strategy::LongPolling => "long-polling",
            Strategy::Streaming => "streaming",
        }
    }

    /// The name for people: `Polling`, `Long polling`, `Streaming`.
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Polling => "Polling",
            Strategy::LongPolling => "Long polling",
            Strategy::Streaming => "Streaming",
        }
    }

    /// The strategy with this [`name`](Strategy::name), if any.
    pub fn from_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where messages come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessagePattern {
    /// Every client has its own Poisson stream at rate λ (a chat).
    PerClient,
    /// One Poisson stream at rate λ whose every message goes to all clients (a ticker, a sensor).
    Broadcast,
}

impl MessagePattern {
    /// The name used in flags and URLs.
    pub fn name(self) -> &'static str {
        match self {
            MessagePattern::PerClient => "per-client",
            MessagePattern::Broadcast => "broadcast",
        }
    }
}

/// What a long-polling or streaming client does after its connection was dropped or refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReconnectPolicy {
    /// Wait [`FIXED_RECONNECT_DELAY`] (browsers' EventSource default), the same for every client.
    Fixed,
    /// Attempt k waits uniform in [0, min(30 s, 1 s · 2^k)]: exponential backoff with full jitter.
    Backoff,
}

impl ReconnectPolicy {
    /// The name used in flags and URLs.
    pub fn name(self) -> &'static str {
        match self {
            ReconnectPolicy::Fixed => "fixed",
            ReconnectPolicy::Backoff => "backoff",
        }
    }
}

/// The delay of [`ReconnectPolicy::Fixed`]: 3 s, what browsers' `EventSource` waits by default.
pub const FIXED_RECONNECT_DELAY: SimDuration = SimDuration::from_secs(3);
/// The first ceiling of [`ReconnectPolicy::Backoff`]; it doubles with each failed attempt.
pub const BACKOFF_BASE: SimDuration = SimDuration::from_secs(1);
/// The largest ceiling of [`ReconnectPolicy::Backoff`].
pub const BACKOFF_CAP: SimDuration = SimDuration::from_secs(30);

/// Every parameter of a world, by the name that flags and URLs use for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKey {
    Clients,
    Interval,
    Jitter,
    SyncStart,
    Pattern,
    Rate,
    Latency,
    Workers,
    Service,
    PushService,
    QueueLimit,
    HoldTimeout,
    Heartbeat,
    HeaderBytes,
    FrameBytes,
    MessageBytes,
    ConnMemory,
    Reconnect,
    Downtime,
    Seed,
}

/// The range of a numeric parameter, for validation, error messages and UI controls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// A whole count from `min` to `max`, both included.
    Count { min: u64, max: u64 },
    /// A size in bytes from `min` to `max`.
    Bytes { min: u64, max: u64 },
    /// A duration from `min` to `max` microseconds.
    Duration { min: SimDuration, max: SimDuration },
    /// A real number from `min` to `max`.
    Real { min: f64, max: f64 },
    /// One of a few names.
    Choice(&'static [&'static str]),
    /// `on` or `off`.
    Switch,
    /// Any unsigned 64-bit integer.
    AnyU64,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Range::Count { min, max } => write!(f, "{} to {}", thousands(min), thousands(max)),
            Range::Bytes { min, max } => write!(f, "{min} to {max} bytes"),
            Range::Duration { min, max } => {
                write!(f, "{} to {}", duration_text(min), duration_text(max))
            }
            Range::Real { min, max } => {
                write!(f, "{} to {}", significant(min, 6), significant(max, 6))
            }
            Range::Choice(names) => write!(f, "one of {}", names.join(", ")),
            Range::Switch => f.write_str("on or off"),
            Range::AnyU64 => write!(f, "0 to {}", u64::MAX),
        }
    }
}

/// A duration in the form that [`SimDuration::parse`] accepts, for messages that must be copyable back.
fn duration_text(d: SimDuration) -> String {
    let us = d.as_micros();
    if us == 0 {
        "0".into()
    } else if us % 60_000_000 == 0 {
        format!("{}m", us / 60_000_000)
    } else if us % 1_000_000 == 0 {
        format!("{}s", us / 1_000_000)
    } else if us % 1_000 == 0 {
        format!("{}ms", us / 1_000)
    } else {
        format!("{us}us")
    }
}

impl ParamKey {
    /// Every parameter, in MODEL.md's order.
    pub const ALL: [ParamKey; 20] = [
        ParamKey::Clients,
        ParamKey::Interval,
        ParamKey::Jitter,
        ParamKey::SyncStart,
        ParamKey::Pattern,
        ParamKey::Rate,
        ParamKey::Latency,
        ParamKey::Workers,
        ParamKey::Service,
        ParamKey::PushService,
        ParamKey::QueueLimit,
        ParamKey::HoldTimeout,
        ParamKey::Heartbeat,
        ParamKey::HeaderBytes,
        ParamKey::FrameBytes,
        ParamKey::MessageBytes,
        ParamKey::ConnMemory,
        ParamKey::Reconnect,
        ParamKey::Downtime,
        ParamKey::Seed,
    ];

    /// The kebab-case name: the command-line flag without `--`, and the URL key.
    pub fn name(self) -> &'static str {
        match self {
            ParamKey::Clients => "clients",
            ParamKey::Interval => "interval",
            ParamKey::Jitter => "jitter",
            ParamKey::SyncStart => "sync-start",
            ParamKey::Pattern => "pattern",
            ParamKey::Rate => "rate",
            ParamKey::Latency => "latency",
            ParamKey::Workers => "workers",
            ParamKey::Service => "service",
            ParamKey::PushService => "push-service",
            ParamKey::QueueLimit => "queue-limit",
            ParamKey::HoldTimeout => "hold-timeout",
            ParamKey::Heartbeat => "heartbeat",
            ParamKey::HeaderBytes => "header-bytes",
            ParamKey::FrameBytes => "frame-bytes",
            ParamKey::MessageBytes => "message-bytes",
            ParamKey::ConnMemory => "conn-memory",
            ParamKey::Reconnect => "reconnect",
            ParamKey::Downtime => "downtime",
            ParamKey::Seed => "seed",
        }
    }

    /// The parameter with this [`name`](ParamKey::name), if any.
    pub fn from_name(name: &str) -> Option<ParamKey> {
        ParamKey::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A short label for people, as MODEL.md names the parameter.
    pub fn label(self) -> &'static str {
        match self {
            ParamKey::Clients => "Clients",
            ParamKey::Interval => "Poll interval",
            ParamKey::Jitter => "Poll jitter",
            ParamKey::SyncStart => "Synchronized start",
            ParamKey::Pattern => "Message pattern",
            ParamKey::Rate => "Message rate",
            ParamKey::Latency => "Network latency",
            ParamKey::Workers => "Workers",
            ParamKey::Service => "Request service time",
            ParamKey::PushService => "Push service time",
            ParamKey::QueueLimit => "Queue limit",
            ParamKey::HoldTimeout => "Long-poll hold timeout",
            ParamKey::Heartbeat => "Heartbeat interval",
            ParamKey::HeaderBytes => "Request + response headers",
            ParamKey::FrameBytes => "Frame overhead",
            ParamKey::MessageBytes => "Message size",
            ParamKey::ConnMemory => "Memory per connection",
            ParamKey::Reconnect => "Reconnect policy",
            ParamKey::Downtime => "Restart downtime",
            ParamKey::Seed => "Seed",
        }
    }

    /// One sentence on what the parameter means.
    pub fn help(self) -> &'static str {
        match self {
            ParamKey::Clients => "clients in each world",
            ParamKey::Interval => "polling period T",
            ParamKey::Jitter => "each poll period is T*(1+u), u uniform in +-jitter/2",
            ParamKey::SyncStart => "all clients start at t = 0 instead of a random phase in [0, T)",
            ParamKey::Pattern => {
                "per-client: a Poisson stream per client; broadcast: one stream to all"
            }
            ParamKey::Rate => "messages per second: per client (per-client) or in all (broadcast)",
            ParamKey::Latency => "one-way network delay d between client and server",
            ParamKey::Workers => "requests the server processes at once",
            ParamKey::Service => {
                "worker time for one HTTP request (poll, long-poll answer, connect)"
            }
            ParamKey::PushService => {
                "worker time to write one message or heartbeat to a connection"
            }
            ParamKey::QueueLimit => {
                "requests waiting for a worker; one more is rejected with a 503"
            }
            ParamKey::HoldTimeout => "a held long-poll request is answered empty after this",
            ParamKey::Heartbeat => "keep-alive frame on each streaming connection; 0 = none",
            ParamKey::HeaderBytes => "HTTP overhead of one request/response pair",
            ParamKey::FrameBytes => "bytes added to each pushed message or heartbeat",
            ParamKey::MessageBytes => "payload bytes of one message",
            ParamKey::ConnMemory => "server memory held by an open connection or held request",
            ParamKey::Reconnect => {
                "fixed: 3 s for everyone; backoff: uniform in [0, min(30 s, 2^k s)]"
            }
            ParamKey::Downtime => "how long a restarted server refuses requests",
            ParamKey::Seed => "the one source of randomness",
        }
    }

    /// The allowed values.
    pub fn range(self) -> Range {
        const MIB: u64 = 1024 * 1024;
        match self {
            ParamKey::Clients => Range::Count {
                min: 1,
                max: 10_000_000,
            },
            ParamKey::Interval => Range::Duration {
                min: SimDuration::from_millis(10),
                max: SimDuration::from_secs(600),
            },
            ParamKey::Jitter => Range::Real { min: 0.0, max: 1.0 },
            ParamKey::SyncStart => Range::Switch,
            ParamKey::Pattern => Range::Choice(&["per-client", "broadcast"]),
            ParamKey::Rate => Range::Real {
                min: 0.0,
                max: 100.0,
            },
            ParamKey::Latency => Range::Duration {
                min: SimDuration::ZERO,
                max: SimDuration::from_secs(2),
            },
            ParamKey::Workers => Range::Count {
                min: 1,
                max: 100_000,
            },
            ParamKey::Service => Range::Duration {
                min: SimDuration::from_micros(10),
                max: SimDuration::from_secs(1),
            },
            ParamKey::PushService => Range::Duration {
                min: SimDuration::from_micros(1),
                max: SimDuration::from_millis(100),
            },
            ParamKey::QueueLimit => Range::Count {
                min: 0,
                max: 10_000_000,
            },
            ParamKey::HoldTimeout => Range::Duration {
                min: SimDuration::from_secs(1),
                max: SimDuration::from_secs(120),
            },
            ParamKey::Heartbeat => Range::Duration {
                min: SimDuration::ZERO,
                max: SimDuration::from_secs(120),
            },
            ParamKey::HeaderBytes => Range::Bytes {
                min: 0,
                max: 16 * 1024,
            },
            ParamKey::FrameBytes => Range::Bytes { min: 0, max: 64 },
            ParamKey::MessageBytes => Range::Bytes { min: 0, max: MIB },
            ParamKey::ConnMemory => Range::Bytes { min: 0, max: MIB },
            ParamKey::Reconnect => Range::Choice(&["fixed", "backoff"]),
            ParamKey::Downtime => Range::Duration {
                min: SimDuration::ZERO,
                max: SimDuration::from_secs(600),
            },
            ParamKey::Seed => Range::AnyU64,
        }
    }
}

/// A parameter value that is malformed or out of range.
///
/// ```
/// use pollstream_engine::{ParamKey, RawParams};
/// let mut raw = RawParams::default();
/// let err = raw.set(ParamKey::Clients, "0").unwrap_err();
/// assert_eq!(err.to_string(), "clients: 0 is out of range (allowed: 1 to 10,000,000)");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    /// The parameter.
    pub key: ParamKey,
    /// The offending value, as given (or as stored, when it did not come from text).
    pub value: String,
    /// What is wrong with it.
    pub problem: ParamProblem,
}

/// What is wrong with a parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamProblem {
    /// It is well-formed but outside the range.
    OutOfRange,
    /// It could not be read; the text says what form was expected.
    Malformed(String),
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key.name();
        let range = self.key.range();
        match &self.problem {
            ParamProblem::OutOfRange => {
                write!(
                    f,
                    "{key}: {} is out of range (allowed: {range})",
                    self.value
                )
            }
            ParamProblem::Malformed(why) => {
                write!(
                    f,
                    "{key}: '{}' is not valid: {why} (allowed: {range})",
                    self.value
                )
            }
        }
    }
}

impl std::error::Error for ParamError {}

/// Parameters as given, unchecked. Convert with `Params::try_from` before building a world.
///
/// Field names follow MODEL.md; counts are `n_*`, durations are [`SimDuration`], sizes are bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct RawParams {
    /// Clients in each world (N).
    pub n_clients: u64,
    /// Polling period (T).
    pub poll_interval: SimDuration,
    /// Each period is T·(1 + u), u uniform in ±jitter/2.
    pub jitter: f64,
    /// All clients start at t = 0 instead of at a uniform random phase in [0, T).
    pub sync_start: bool,
    /// Per-client or broadcast messages.
    pub pattern: MessagePattern,
    /// λ: messages per client per second (per-client) or per second in all (broadcast).
    pub message_rate: f64,
    /// One-way network delay (d).
    pub latency: SimDuration,
    /// Requests the server processes at once (c).
    pub n_workers: u64,
    /// Worker time to handle one HTTP request (s).
    pub service: SimDuration,
    /// Worker time to write one message or heartbeat to an open connection.
    pub push_service: SimDuration,
    /// Requests that may wait for a worker; one more is rejected with a 503.
    pub queue_limit: u64,
    /// After this a held long-poll request is answered empty (τ).
    pub hold_timeout: SimDuration,
    /// Keep-alive frame interval on each open streaming connection; zero means none.
    pub heartbeat: SimDuration,
    /// Bytes of HTTP overhead per request/response pair.
    pub header_bytes: u64,
    /// Bytes added to each pushed message or heartbeat.
    pub frame_bytes: u64,
    /// Payload bytes of one message.
    pub message_bytes: u64,
    /// Server memory held by one open connection or held request.
    pub conn_memory_bytes: u64,
    /// What dropped long-polling and streaming clients do.
    pub reconnect: ReconnectPolicy,
    /// How long a restarted server refuses requests.
    pub downtime: SimDuration,
    /// The one source of randomness.
    pub seed: u64,
}

impl Default for RawParams {
    /// MODEL.md's defaults.
    fn default() -> Self {
        RawParams {
            n_clients: 1_000,
            poll_interval: SimDuration::from_secs(1),
            jitter: 0.0,
            sync_start: false,
            pattern: MessagePattern::PerClient,
            message_rate: 0.1,
            latency: SimDuration::from_millis(50),
            n_workers: 8,
            service: SimDuration::from_millis(2),
            push_service: SimDuration::from_micros(200),
            queue_limit: 10_000,
            hold_timeout: SimDuration::from_secs(30),
            heartbeat: SimDuration::from_secs(30),
            header_bytes: 800,
            frame_bytes: 6,
            message_bytes: 200,
            conn_memory_bytes: 8 * 1024,
            reconnect: ReconnectPolicy::Fixed,
            downtime: SimDuration::from_secs(5),
            seed: 1,
        }
    }
}

impl RawParams {
    /// Parses `text` as the value of `key` and stores it, or says exactly what is wrong.
    ///
    /// Durations take units (`250us`, `100ms`, `1s`, `2m`); switches take `on`/`off`, `true`/`false`,
    /// `1`/`0` or `yes`/`no`; sizes take whole bytes.
    ///
    /// ```
    /// use pollstream_engine::{ParamKey, RawParams, SimDuration};
    /// let mut raw = RawParams::default();
    /// raw.set(ParamKey::Interval, "100ms").unwrap();
    /// assert_eq!(raw.poll_interval, SimDuration::from_millis(100));
    /// assert!(raw.set(ParamKey::Interval, "5ms").is_err());
    /// ```
    pub fn set(&mut self, key: ParamKey, text: &str) -> Result<(), ParamError> {
        let text = text.trim();
        let malformed = |why: &str| ParamError {
            key,
            value: text.to_string(),
            problem: ParamProblem::Malformed(why.to_string()),
        };
        let out_of_range = || ParamError {
            key,
            value: text.to_string(),
            problem: ParamProblem::OutOfRange,
        };
        match key.range() {
            Range::Count { min, max } | Range::Bytes { min, max } => {
                let value =
                    parse_count(text).ok_or_else(|| malformed("expected a whole number"))?;
                if !(min..=max).contains(&value) {
                    return Err(out_of_range());
                }
                *self.count_mut(key) = value;
            }
            Range::Duration { min, max } => {
                let value = SimDuration::parse(text).map_err(|why| malformed(&why))?;
                if !(min..=max).contains(&value) {
                    return Err(out_of_range());
                }
                *self.duration_mut(key) = value;
            }
            Range::Real { min, max } => {
                let value = parse_f64(text).ok_or_else(|| malformed("expected a number"))?;
                if !value.is_finite() || !(min..=max).contains(&value) {
                    return Err(out_of_range());
                }
                match key {
                    ParamKey::Jitter => self.jitter = value,
                    _ => self.message_rate = value,
                }
            }
            Range::Switch => {
                self.sync_start = match text {
                    "on" | "true" | "1" | "yes" | "" => true,
                    "off" | "false" | "0" | "no" => false,
                    _ => return Err(malformed("expected on or off")),
                };
            }
            Range::Choice(_) => match (key, text) {
                (ParamKey::Pattern, "per-client") => self.pattern = MessagePattern::PerClient,
                (ParamKey::Pattern, "broadcast") => self.pattern = MessagePattern::Broadcast,
                (ParamKey::Reconnect, "fixed") => self.reconnect = ReconnectPolicy::Fixed,
                (ParamKey::Reconnect, "backoff") => self.reconnect = ReconnectPolicy::Backoff,
                _ => return Err(malformed("not one of the choices")),
            },
            Range::AnyU64 => {
                self.seed = text
                    .parse()
                    .map_err(|_| malformed("expected a whole number"))?;
            }
        }
        Ok(())
    }

    /// The value of `key` as text that [`set`](RawParams::set) reads back to the same value.
    pub fn get(&self, key: ParamKey) -> String {
        match key.range() {
            Range::Count { .. } | Range::Bytes { .. } => self.count(key).to_string(),
            Range::Duration { .. } => duration_text(self.duration(key)),
            Range::Real { .. } => match key {
                ParamKey::Jitter => shortest(self.jitter),
                _ => shortest(self.message_rate),
            },
            Range::Switch => if self.sync_start { "on" } else { "off" }.to_string(),
            Range::Choice(_) => match key {
                ParamKey::Pattern => self.pattern.name().to_string(),
                _ => self.reconnect.name().to_string(),
            },
            Range::AnyU64 => self.seed.to_string(),
        }
    }

    fn count(&self, key: ParamKey) -> u64 {
        match key {
            ParamKey::Clients => self.n_clients,
            ParamKey::Workers => self.n_workers,
            ParamKey::QueueLimit => self.queue_limit,
            ParamKey::HeaderBytes => self.header_bytes,
            ParamKey::FrameBytes => self.frame_bytes,
            ParamKey::MessageBytes => self.message_bytes,
            ParamKey::ConnMemory => self.conn_memory_bytes,
            _ => 0,
        }
    }

    fn count_mut(&mut self, key: ParamKey) -> &mut u64 {
        match key {
            ParamKey::Clients => &mut self.n_clients,
            ParamKey::Workers => &mut self.n_workers,
            ParamKey::QueueLimit => &mut self.queue_limit,
            ParamKey::HeaderBytes => &mut self.header_bytes,
            ParamKey::FrameBytes => &mut self.frame_bytes,
            ParamKey::MessageBytes => &mut self.message_bytes,
            ParamKey::ConnMemory => &mut self.conn_memory_bytes,
            _ => unreachable!("{key:?} is not a count"),
        }
    }

    /// The value of a duration parameter.
    pub fn duration(&self, key: ParamKey) -> SimDuration {
        match key {
            ParamKey::Interval => self.poll_interval,
            ParamKey::Latency => self.latency,
            ParamKey::Service => self.service,
            ParamKey::PushService => self.push_service,
            ParamKey::HoldTimeout => self.hold_timeout,
            ParamKey::Heartbeat => self.heartbeat,
            ParamKey::Downtime => self.downtime,
            _ => SimDuration::ZERO,
        }
    }

    fn duration_mut(&mut self, key: ParamKey) -> &mut SimDuration {
        match key {
            ParamKey::Interval => &mut self.poll_interval,
            ParamKey::Latency => &mut self.latency,
            ParamKey::Service => &mut self.service,
            ParamKey::PushService => &mut self.push_service,
            ParamKey::HoldTimeout => &mut self.hold_timeout,
            ParamKey::Heartbeat => &mut self.heartbeat,
            ParamKey::Downtime => &mut self.downtime,
            _ => unreachable!("{key:?} is not a duration"),
        }
    }

    /// Checks one parameter's stored value against its range.
    fn check(&self, key: ParamKey) -> Result<(), ParamError> {
        let in_range = match key.range() {
            Range::Count { min, max } | Range::Bytes { min, max } => {
                (min..=max).contains(&self.count(key))
            }
            Range::Duration { min, max } => (min..=max).contains(&self.duration(key)),
            Range::Real { min, max } => {
                let value = match key {
                    ParamKey::Jitter => self.jitter,
                    _ => self.message_rate,
                };
                value.is_finite() && (min..=max).contains(&value)
            }
            Range::Switch | Range::Choice(_) | Range::AnyU64 => true,
        };
        if in_range {
            Ok(())
        } else {
            Err(ParamError {
                key,
                value: self.get(key),
                problem: ParamProblem::OutOfRange,
            })
        }
    }
}

/// Reads a whole number, allowing `_` and `,` as thousands separators (`10_000`, `10,000`).
fn parse_count(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(|c| *c != '_' && *c != ',').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parameters that have been checked against MODEL.md's ranges: the only kind a world accepts.
///
/// Read fields through `Deref` (`params.n_clients`); to change one, edit a copy of the raw values and
/// convert again:
///
/// ```
/// use pollstream_engine::{Params, RawParams};
/// let params = Params::default();
/// let mut raw = params.to_raw();
/// raw.n_clients = 5_000;
/// let params = Params::try_from(raw).unwrap();
/// assert_eq!(params.n_clients, 5_000);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params(RawParams);

impl Params {
    /// The unchecked values, to edit and convert again.
    pub fn to_raw(&self) -> RawParams {
        self.0.clone()
    }
}

impl TryFrom<RawParams> for Params {
    type Error = ParamError;
    fn try_from(raw: RawParams) -> Result<Self, ParamError> {
        for key in ParamKey::ALL {
            raw.check(key)?;
        }
        Ok(Params(raw))
    }
}

impl Deref for Params {
    type Target = RawParams;
    fn deref(&self) -> &RawParams {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Params::try_from(RawParams::default()).is_ok());
    }

    #[test]
    fn every_value_round_trips_through_text() {
        let raw = RawParams::default();
        for key in ParamKey::ALL {
            let mut copy = RawParams {
                seed: 99,
                ..RawParams::default()
            };
            copy.set(key, &raw.get(key))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(copy.get(key), raw.get(key), "{key:?}");
        }
    }

    #[test]
    fn out_of_range_values_name_the_parameter_and_the_range() {
        let mut raw = RawParams::default();
        let err = raw.set(ParamKey::Interval, "5ms").unwrap_err();
        assert_eq!(
            err.to_string(),
            "interval: 5ms is out of range (allowed: 10ms to 10m)"
        );
        let err = raw.set(ParamKey::Jitter, "1.5").unwrap_err();
        assert_eq!(
            err.to_string(),
            "jitter: 1.5 is out of range (allowed: 0 to 1)"
        );
        let err = raw.set(ParamKey::Workers, "many").unwrap_err();
        assert!(
            err.to_string().starts_with("workers: 'many' is not valid"),
            "{err}"
        );
        let err = raw.set(ParamKey::Rate, "NaN").unwrap_err();
        assert_eq!(err.problem, ParamProblem::OutOfRange);
        assert_eq!(raw, RawParams::default(), "a failed set changes nothing");
    }

    #[test]
    fn try_from_rejects_each_field_out_of_range() {
        type Spoil = Box<dyn Fn(&mut RawParams)>;
        let cases: Vec<(ParamKey, Spoil)> = vec![
            (ParamKey::Clients, Box::new(|r| r.n_clients = 0)),
            (ParamKey::Clients, Box::new(|r| r.n_clients = 10_000_001)),
            (
                ParamKey::Interval,
                Box::new(|r| r.poll_interval = SimDuration::from_secs(601)),
            ),
            (ParamKey::Jitter, Box::new(|r| r.jitter = f64::INFINITY)),
            (ParamKey::Rate, Box::new(|r| r.message_rate = -0.1)),
            (ParamKey::Workers, Box::new(|r| r.n_workers = 0)),
            (
                ParamKey::Service,
                Box::new(|r| r.service = SimDuration::from_micros(9)),
            ),
            (
                ParamKey::HoldTimeout,
                Box::new(|r| r.hold_timeout = SimDuration::ZERO),
            ),
            (
                ParamKey::MessageBytes,
                Box::new(|r| r.message_bytes = 2 << 20),
            ),
        ];
        for (key, spoil) in cases {
            let mut raw = RawParams::default();
            spoil(&mut raw);
            let err = Params::try_from(raw).unwrap_err();
            assert_eq!(err.key, key);
        }
    }
}
