//! The bytes that cross between the page and the simulation's worker: a small hand-written codec.
//!
//! Every value is written as 64-bit little-endian words in declaration order: a number, a flag or an
//! enum's tag is one word, a struct is its fields, a slice is its length and then its items. One word
//! for everything wastes bytes that nobody waits for, and keeps the code small: every field is a call
//! to the one reader or writer of a word (the size budget counts every kilobyte of wasm).
//! Both sides are this same code in the same WebAssembly module, so no versioning is needed.
//!
//! Reading never panics: a [`Reader`] that runs out of bytes or meets an unknown tag yields zeros from
//! then on and remembers it, and [`decode`] then returns `None`. A serde format would do the same work
//! for ~10 kB more of gzipped wasm, which the size budget does not have.

use std::rc::Rc;

use pollstream_engine::{
    ClientState, Flight, FlightKind, Gauges, LatencySummary, MessagePattern, Params, RawParams,
    ReconnectPolicy, SecondStats, SimDuration, SimTime, Strategy, Totals,
};

/// Appends values to a byte buffer.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    #[inline(never)]
    fn word(&mut self, word: u64) {
        self.bytes.extend_from_slice(&word.to_le_bytes());
    }
}

/// Takes values from the front of a byte buffer.
pub struct Reader<'a> {
    bytes: &'a [u8],
    /// Set once a read ran past the end or met a value that cannot be: every later read yields zero.
    failed: bool,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            failed: false,
        }
    }

    /// The next word, or zero past the end.
    #[inline(never)]
    fn word(&mut self) -> u64 {
        match self.bytes.split_first_chunk::<8>() {
            Some((head, rest)) if !self.failed => {
                self.bytes = rest;
                u64::from_le_bytes(*head)
            }
            _ => {
                self.failed = true;
                0
            }
        }
    }

    /// The next word if it is below `bound`, else zero and failed.
    fn word_below(&mut self, bound: u64) -> u64 {
        match self.word() {
            w if w < bound => w,
            _ => {
                self.failed = true;
                0
            }
        }
    }

    /// Marks the input as not what was written (an unknown tag, say).
    pub fn fail(&mut self) {
        self.failed = true;
    }
}

/// A value that crosses to or from the worker.
pub trait Wire: Sized {
    fn put(&self, w: &mut Writer);
    fn get(r: &mut Reader) -> Self;
}

/// `value` as bytes.
pub fn encode<T: Wire>(value: &T) -> Vec<u8> {
    let mut w = Writer::default();
    value.put(&mut w);
    w.bytes
}

/// The value that `bytes` holds, if they hold exactly one.
pub fn decode<T: Wire>(bytes: &[u8]) -> Option<T> {
    let mut r = Reader::new(bytes);
    let value = T::get(&mut r);
    (!r.failed && r.bytes.is_empty()).then_some(value)
}

impl Wire for u64 {
    fn put(&self, w: &mut Writer) {
        w.word(*self);
    }
    fn get(r: &mut Reader) -> Self {
        r.word()
    }
}

impl Wire for u32 {
    fn put(&self, w: &mut Writer) {
        w.word(*self as u64);
    }
    fn get(r: &mut Reader) -> Self {
        r.word_below(1 << 32) as u32
    }
}

impl Wire for u8 {
    fn put(&self, w: &mut Writer) {
        w.word(*self as u64);
    }
    fn get(r: &mut Reader) -> Self {
        r.word_below(1 << 8) as u8
    }
}

impl Wire for f64 {
    fn put(&self, w: &mut Writer) {
        w.word(self.to_bits());
    }
    fn get(r: &mut Reader) -> Self {
        f64::from_bits(r.word())
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer) {
        w.word(*self as u64);
    }
    fn get(r: &mut Reader) -> Self {
        r.word_below(2) == 1
    }
}

impl Wire for SimTime {
    fn put(&self, w: &mut Writer) {
        self.as_micros().put(w);
    }
    fn get(r: &mut Reader) -> Self {
        SimTime::from_micros(u64::get(r))
    }
}

impl Wire for SimDuration {
    fn put(&self, w: &mut Writer) {
        self.as_micros().put(w);
    }
    fn get(r: &mut Reader) -> Self {
        SimDuration::from_micros(u64::get(r))
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
        self.1.put(w);
    }
    fn get(r: &mut Reader) -> Self {
        let a = A::get(r);
        (a, B::get(r))
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) {
        (self.len() as u32).put(w);
        for item in self {
            item.put(w);
        }
    }
    fn get(r: &mut Reader) -> Self {
        let len = u32::get(r) as usize;
        // Every item takes at least a word: a length beyond what is left cannot be, and must not
        // reserve memory for it.
        if len > r.bytes.len() / 8 {
            r.fail();
            return Vec::new();
        }
        let mut items = Vec::with_capacity(len);
        while items.len() < len && !r.failed {
            items.push(T::get(r));
        }
        items
    }
}

impl<T: Wire> Wire for Rc<[T]> {
    fn put(&self, w: &mut Writer) {
        (self.len() as u32).put(w);
        for item in self.iter() {
            item.put(w);
        }
    }
    fn get(r: &mut Reader) -> Self {
        Vec::<T>::get(r).into()
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer) {
        self.is_some().put(w);
        if let Some(value) = self {
            value.put(w);
        }
    }
    fn get(r: &mut Reader) -> Self {
        bool::get(r).then(|| T::get(r))
    }
}

/// `Wire` for a struct of public fields: each field in the order named.
macro_rules! wire_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl Wire for $ty {
            fn put(&self, w: &mut Writer) {
                $(self.$field.put(w);)*
            }
            fn get(r: &mut Reader) -> Self {
                $ty { $($field: <_ as Wire>::get(r)),* }
            }
        }
    };
}

/// `Wire` for a field-less enum: its variant's index as one byte.
macro_rules! wire_enum {
    ($ty:ident { $($variant:ident),* $(,)? }) => {
        impl Wire for $ty {
            fn put(&self, w: &mut Writer) {
                const ALL: &[$ty] = &[$($ty::$variant),*];
                let tag = ALL.iter().position(|v| v == self).unwrap_or(0);
                (tag as u8).put(w);
            }
            fn get(r: &mut Reader) -> Self {
                const ALL: &[$ty] = &[$($ty::$variant),*];
                match ALL.get(u8::get(r) as usize) {
                    Some(v) => *v,
                    None => {
                        r.fail();
                        ALL[0]
                    }
                }
            }
        }
    };
}
pub(crate) use wire_struct;

wire_enum!(Strategy {
    Polling,
    LongPolling,
    Streaming
});
wire_enum!(MessagePattern {
    PerClient,
    Broadcast
});
wire_enum!(ReconnectPolicy { Fixed, Backoff });
wire_enum!(FlightKind {
    Request,
    Response,
    EmptyResponse,
    Rejection,
    Push,
    Heartbeat,
});
wire_enum!(ClientState {
    Idle,
    Waiting,
    Held,
    Connected,
    Reconnecting,
    Gone,
});

wire_struct!(RawParams {
    n_clients,
    poll_interval,
    jitter,
    sync_start,
    pattern,
    message_rate,
    latency,
    n_workers,
    service,
    push_service,
    queue_limit,
    hold_timeout,
    heartbeat,
    header_bytes,
    frame_bytes,
    message_bytes,
    conn_memory_bytes,
    reconnect,
    downtime,
    seed,
});

impl Wire for Params {
    fn put(&self, w: &mut Writer) {
        self.to_raw().put(w);
    }
    /// Checked again on arrival, as any parameters are: values that fail make the message fail.
    fn get(r: &mut Reader) -> Self {
        Params::try_from(<RawParams as Wire>::get(r)).unwrap_or_else(|_| {
            r.fail();
            Params::default()
        })
    }
}

wire_struct!(LatencySummary {
    count,
    p50,
    p90,
    p99,
    p999,
    max,
    mean,
});
wire_struct!(SecondStats {
    second,
    requests,
    pushes,
    heartbeats,
    answered,
    empty_responses,
    rejected,
    busy_us,
    capacity_us,
    queue_len,
    open_connections,
    connection_memory_bytes,
    bytes_in,
    bytes_out,
    messages_created,
    messages_delivered,
    messages_pending,
    latency,
});
wire_struct!(Totals {
    elapsed,
    requests_sent,
    requests,
    requests_answered,
    answered,
    empty_responses,
    rejected,
    refused_while_down,
    dropped_by_restart,
    pushes,
    heartbeats,
    busy_us,
    capacity_us,
    max_queue,
    max_open_connections,
    bytes_in,
    bytes_out,
    messages_created,
    messages_created_distinct,
    messages_delivered,
    messages_abandoned,
    restarts,
    latency,
});
wire_struct!(Gauges {
    queue_len,
    busy_workers,
    open_connections,
    held_requests,
    connection_memory_bytes,
    messages_pending,
    server_down,
});
wire_struct!(Flight {
    client,
    kind,
    depart,
    arrive,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_as_they_were_written() {
        let raw = RawParams {
            n_clients: 10_000_000,
            jitter: 0.3,
            pattern: MessagePattern::Broadcast,
            reconnect: ReconnectPolicy::Backoff,
            ..RawParams::default()
        };
        let params = Params::try_from(raw).unwrap();
        assert_eq!(decode::<Params>(&encode(&params)), Some(params));
        let flights = vec![Flight {
            client: 7,
            kind: FlightKind::Heartbeat,
            depart: SimTime::from_micros(5),
            arrive: SimTime::from_micros(9),
        }];
        assert_eq!(decode(&encode(&flights)), Some(flights));
        let stats = SecondStats {
            second: 3,
            latency: LatencySummary {
                mean: 1.5,
                p999: 4,
                ..LatencySummary::default()
            },
            ..SecondStats::default()
        };
        assert_eq!(decode::<SecondStats>(&encode(&stats)), Some(stats));
        let cdf: Rc<[(f64, f64)]> = vec![(1.0, 0.25), (2e6, 1.0)].into();
        assert_eq!(decode::<Rc<[(f64, f64)]>>(&encode(&cdf)), Some(cdf));
    }

    #[test]
    fn truncated_or_altered_bytes_are_refused_without_a_panic() {
        let bytes = encode(&Params::default());
        for len in 0..bytes.len() {
            assert_eq!(decode::<Params>(&bytes[..len]), None, "{len} bytes");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode::<Params>(&longer), None, "a byte too many");
        assert_eq!(
            decode::<Strategy>(&encode(&3u8)),
            None,
            "no fourth strategy"
        );
        assert_eq!(decode::<bool>(&encode(&2u64)), None);
        assert_eq!(decode::<u8>(&encode(&256u64)), None);
        // A length far beyond the words that follow reserves nothing.
        assert_eq!(decode::<Vec<u64>>(&encode(&u64::from(u32::MAX))), None);
        let zero_clients = RawParams {
            n_clients: 0,
            ..RawParams::default()
        };
        let mut w = Writer::default();
        zero_clients.put(&mut w);
        assert_eq!(decode::<Params>(&w.bytes), None, "parameters are checked");
    }
}
