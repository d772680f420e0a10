//! A world: one server, N clients and one strategy, advanced on a discrete clock.
//!
//! # How the engine works
//!
//! Events live in a few queues, one per kind (client sends, arrivals at the server, jobs in service,
//! arrivals at clients, heartbeats), each ordered by (time, sequence number). The next event is the
//! smallest head; a scheduled restart comes first at its instant. Each queue is a FIFO with a heap
//! beside it for the rare entry scheduled out of order (see `queue.rs`), so the common case costs O(1).
//! Held long-polls are linked in deadline order instead (see `holds.rs`), as most are answered early.
//!
//! No event touches every client: work that concerns many clients at one instant (clients joining, a
//! restart's drops and notices, a broadcast message's fan-out) is a `Task` done 1,024 clients per
//! event under its instant's key, so a browser frame never waits on one event of a 10-million-client
//! world. Joining clients need no queue entry either: a `JoinGroup` draws their phases one at a time
//! in increasing order and gives the k-th smallest phase the k-th index, which also makes a sweep of
//! the sends walk the client table in memory order.
//!
//! The server is c workers over one FIFO queue. Jobs in service sit in two queues, one for requests and
//! one for pushes and heartbeats: within each, service time is the same for every job, so finish order
//! is start order and both stay FIFOs.
//!
//! A polling world does not go through that loop: it advances in slices of time, one kind of event at a
//! time, each poll's start and finish following from when the workers are next free the moment it
//! arrives (see `world/polling.rs`). The output is the same (`tests/polling_slices.rs`). A long-polling
//! world goes through a loop of its own too, event by event in this loop's order, that compares fewer
//! sources and prefetches the records of the clients its queues name next (`world/long_polling.rs`,
//! `tests/long_polling_loop.rs`). A streaming world goes through this loop, but takes runs of its own
//! kinds of events (connects, messages, heartbeats, pushes) in loops of its own (see
//! `world/streaming.rs`, `tests/streaming_slices.rs`).
//!
//! Per-client messages are not stored: each client's stream is a pure function of the seed, the client
//! and time (`streams.rs`), so a response computes the messages its client has when it leaves, and a
//! client keeps only the instant from which its messages are not yet taken. The server still creates
//! each message at its instant, from a time-ordered window of them built once per epoch: streaming
//! pushes it, a held long-poll is released, and every strategy counts it. Broadcast messages, one stream
//! for all clients, are a log with a cursor per client (`messages.rs`).
//!
//! # Same-instant order
//!
//! At one instant: a restart and any other many-client task first; then the messages created at that
//! instant, in client order; then every other event in the order it was scheduled (its sequence
//! number); a polling world takes them by kind instead (`docs/model.md`). Parameter changes and
//! restarts requested through the API apply at [`World::now`], before any event at that instant.

use crate::blocks::{BlockDeque, BlockVec};
use crate::holds::HoldTimers;
use crate::messages::BroadcastLog;
use crate::metrics::{LatencyHistogram, LatencySummary, SecondStats, Totals};
use crate::params::{MessagePattern, Params, ReconnectPolicy, Strategy};
use crate::params::{BACKOFF_BASE, BACKOFF_CAP, FIXED_RECONNECT_DELAY};
use crate::queue::{pack, unpack, TimeQueue, NO_EVENT};
use crate::rng::{self, Stream};
use crate::streams::{BuildStep, Streams, Window};
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

// Streaming's loops of their own are left out of the browser build, where the general loop runs a
// streaming world with the same output: they are 3.6 kB of gzipped wasm, and the page has a size
// budget (README, "Size"). Natively (the runner, `make bench`) they run. Long polling's loop runs in
// both, without its early answers in the browser (`world/answer_early.rs`).
#[cfg(not(target_arch = "wasm32"))]
mod answer_early;
mod long_polling;
mod polling;
#[cfg(not(target_arch = "wasm32"))]
mod streaming;

const SECOND_US: u64 = 1_000_000;
/// How many flights of traced clients are remembered for the animated view.
const MAX_FLIGHTS: usize = 4096;

/// How far a call to [`World::advance`] got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advance {
    /// Whether the world reached the requested instant (false: the event budget ran out first).
    pub reached: bool,
    /// The budget this call used: events processed, a chunk of many-client work counting as several.
    pub events: u64,
}

/// The state of the server at the current instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gauges {
    /// Work waiting for a worker: requests, pushes and heartbeats.
    pub queue_len: u64,
    /// Workers busy now.
    pub busy_workers: u64,
    /// Streaming connections open plus long-poll requests held.
    pub open_connections: u64,
    /// Long-poll requests held (included in `open_connections`).
    pub held_requests: u64,
    /// `open_connections` × memory per connection.
    pub connection_memory_bytes: u64,
    /// Messages created and not yet delivered.
    pub messages_pending: u64,
    /// Whether the server is down after a restart.
    pub server_down: bool,
}

/// Something crossing the network, for the animated view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flight {
    /// Which traced client sent or receives it, `0..World::traced_clients()`.
    pub client: u32,
    /// What it is.
    pub kind: FlightKind,
    /// When it left.
    pub depart: SimTime,
    /// When it arrives.
    pub arrive: SimTime,
}

/// What a [`Flight`] carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlightKind {
    /// A poll, long-poll or connect on its way to the server.
    Request,
    /// A response that carries at least one message.
    Response,
    /// A response that carries nothing.
    EmptyResponse,
    /// A 503 or a refused connection.
    Rejection,
    /// A pushed message on an open connection.
    Push,
    /// A keep-alive frame.
    Heartbeat,
}

/// What one client is doing, as the server sees it, for the animated view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientState {
    /// Between requests (every poller, as its schedule does not depend on answers).
    Idle,
    /// A long-poll or connect is on its way, queued or in service, or its answer is on its way back.
    Waiting,
    /// The server holds this client's long-poll request.
    Held,
    /// This client's streaming connection is open.
    Connected,
    /// Waiting out a reconnect delay or a retry after a 503.
    Reconnecting,
    /// Not one of the current N clients.
    Gone,
}

/// Counts that every world keeps, for the running second and for the run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counters {
    requests_sent: u64,
    requests: u64,
    requests_answered: u64,
    answered: u64,
    empty: u64,
    rejected: u64,
    refused: u64,
    dropped: u64,
    requests_abandoned: u64,
    pushes: u64,
    heartbeats: u64,
    bytes_in: u64,
    bytes_out: u64,
    created: u64,
    created_distinct: u64,
    delivered: u64,
    abandoned: u64,
    busy_us: u64,
    capacity_us: u64,
}

impl Counters {
    fn add(&mut self, o: &Counters) {
        self.requests_sent += o.requests_sent;
        self.requests += o.requests;
        self.requests_answered += o.requests_answered;
        self.answered += o.answered;
        self.empty += o.empty;
        self.rejected += o.rejected;
        self.refused += o.refused;
        self.dropped += o.dropped;
        self.requests_abandoned += o.requests_abandoned;
        self.pushes += o.pushes;
        self.heartbeats += o.heartbeats;
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        self.created += o.created;
        self.created_distinct += o.created_distinct;
        self.delivered += o.delivered;
        self.abandoned += o.abandoned;
        self.busy_us += o.busy_us;
        self.capacity_us += o.capacity_us;
    }
}

/// A client as the events that concern it name it: its index and which incarnation of that index
/// (the count goes up each time the client leaves, so events of a client that left are recognised).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ClientRef {
    id: u32,
    gen: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Waiting,
    Held,
    Connected,
    Reconnecting,
    /// A restart dropped this client's request or connection; it learns of it after the network delay.
    Dropped,
    Gone,
}

/// Everything the engine keeps per client: 24 bytes.
#[derive(Clone, Copy, Debug)]
struct Client {
    /// The instant from which this client's per-client messages are not yet taken: every message it
    /// has from then on waits at the server (for a streamer, its backlog). See `streams.rs`. While a
    /// connection is open it is [`PUSHED_ALL`] instead, so that a push needs no write to the record.
    from: u64,
    /// Broadcast: the first message of the log not yet handed to a response or push.
    cursor: u32,
    gen: u32,
    /// Changes whenever a connection opens or closes, when heartbeats are turned on and when the client
    /// leaves or joins again, so that its heartbeat timers can tell they are stale. (Holds need none:
    /// their timeouts are links in `holds.rs`, removed with the hold.)
    token: u32,
    phase: Phase,
    /// Failed connection attempts since the last success, for backoff.
    attempts: u8,
}

/// A connected client's `from`: every message created so far has been handed to a push (a client's
/// messages are pushed as they are created, so it has none waiting between its last push and now).
/// The instant itself is set when the connection closes; a dropped push lowers it to its message.
const PUSHED_ALL: u64 = u64::MAX;

/// Work for a worker.
#[derive(Clone, Copy, Debug)]
enum Work {
    /// A poll, long-poll or connect, as the world's strategy says.
    Request,
    /// One per-client message (its creation instant) to write to an open connection.
    PushMessage(u64),
    /// One broadcast message (its log index) to write to an open connection.
    PushBroadcast(u32),
    Heartbeat,
}

#[derive(Clone, Copy, Debug)]
struct Job {
    client: ClientRef,
    work: Work,
}

/// A poll waiting for a worker in a polling world, with the instant it will start (see `world/polling.rs`).
#[derive(Clone, Copy, Debug)]
struct QueuedPoll {
    start: u64,
    client: ClientRef,
}

/// Something arriving at a client.
#[derive(Clone, Copy, Debug)]
enum Delivery {
    /// A poll or long-poll response with its messages: the client's per-client messages created in
    /// `[from, to)` and broadcast messages `cast_from..cast_to`.
    Response {
        client: ClientRef,
        from: u64,
        to: u64,
        cast_from: u32,
        cast_to: u32,
    },
    /// One pushed message, created at `created`.
    Push { client: ClientRef, created: u64 },
    /// A 503.
    Rejected { client: ClientRef },
    /// A refused connection: the server was down.
    Refused { client: ClientRef },
}

/// A heartbeat timer of one connection: client `id`'s connection while its token is `token` (the token
/// changes whenever a connection opens or closes and when the client leaves, so it alone tells a stale
/// timer; 8 bytes instead of 12 keep a streaming client within its memory budget).
#[derive(Clone, Copy, Debug)]
struct Timer {
    id: u32,
    token: u32,
}

/// Work that concerns many clients at one instant, done a chunk of clients at a time so that no
/// single event takes long: a browser frame must never wait on one event for 10 million clients.
/// Each chunk counts as one event towards [`World::advance`]'s budget; a task keeps its key until it
/// is done, so nothing else at or after its instant runs in between.
#[derive(Clone, Copy, Debug)]
enum Task {
    /// Clients `next..end` have just been added: give them fresh records.
    AddClients { next: u32, end: u32 },
    /// The first requests of a group of joining clients go into the send queue, under the keys the
    /// group gives them (see `set_client_count`).
    ScheduleFirstSends(JoinGroup),
    /// The server restarts now: it goes down and drops the jobs in service.
    Restart,
    /// The restart drops the queued jobs (the queue's own order makes the chunks).
    DropQueued,
    /// The restart closes the connections and holds of clients `next..end`.
    DropClients { next: u32, end: u32 },
    /// Clients `next..end` whose request or connection the restart dropped learn of it.
    DropNotices { next: u32, end: u32 },
    /// Broadcast message `index` reaches clients `next..end`: holds are released, pushes queued.
    Fanout { index: u32, next: u32, end: u32 },
    /// The next window of per-client messages is built, a chunk of clients per step (stale once its
    /// generation is not the window's: the regime changed).
    BuildWindow { generation: u32 },
}

/// Clients per chunk of a [`Task`]: a few microseconds of work.
const TASK_CHUNK: u32 = 1024;
/// Clients per chunk of [`Task::ScheduleFirstSends`]: a phase costs an exponential and a logarithm,
/// some tens of nanoseconds in the browser, so fewer of them make a few microseconds of work.
const FIRST_SENDS_CHUNK: u32 = 64;
/// Clients per chunk of [`Task::DropNotices`]: each schedules its reconnect (a draw, a delay, a push
/// into the send queue, some 100 ns), so that a chunk of [`TASK_CHUNK`] was 15 times the work its
/// cost says, and after a restart of 10 M clients with backoff a call of 20,000 events took 35 ms.
const NOTICES_CHUNK: u32 = 128;
/// What a chunk costs against [`World::advance`]'s budget, in ordinary events: about the time that
/// many events take, so that a budget bounds the time of a call whatever the events are.
const TASK_CHUNK_COST: u64 = 64;

/// Clients who joined at one instant, sending their first requests at their phases.
///
/// Their phases are the order statistics of uniform draws in [start, start + span), generated one at
/// a time in increasing order (the survival form S_k = S_(k−1) · V^(1/m), m the clients left): the
/// client with the k-th smallest phase gets index `first + k`, so no sort is needed. While other
/// clients' sends are scheduled, the group is a source of events of its own (no queue entry per
/// client); otherwise a task puts its first requests into the send queue, in order.
#[derive(Clone, Copy, Debug)]
struct JoinGroup {
    first: u32,
    next: u32,
    /// The end the phases are drawn for.
    drawn_end: u32,
    /// The end still valid: clients at or past it left before their first request.
    end: u32,
    start: u64,
    span: u64,
    /// 1 − the last phase drawn, as a share of the span.
    survival: f64,
    seq_base: u64,
    /// When and in what order client `next` sends its first request.
    next_key: (u64, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Task,
    Join,
    Message,
    Send,
    Arrival,
    FinishRequest,
    FinishPush,
    Delivery,
    HoldTimeout,
    Heartbeat,
    /// The finish of a long-poll request answered when it started.
    #[cfg(not(target_arch = "wasm32"))]
    AnsweredFinish,
    /// The response of a long-poll request answered when it started, reaching its client.
    #[cfg(not(target_arch = "wasm32"))]
    AnsweredDelivery,
}

/// The consistency of a world's books, for tests: what the counters say against what the queues hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    pub requests_sent: u64,
    pub requests_answered: u64,
    pub rejected: u64,
    pub dropped_by_restart: u64,
    pub requests_abandoned: u64,
    pub requests_on_network: u64,
    pub requests_queued: u64,
    pub requests_in_service: u64,
    pub requests_held: u64,
    pub messages_created: u64,
    pub messages_delivered: u64,
    pub messages_abandoned: u64,
    /// Undelivered messages found by walking every list, queue and flight.
    pub messages_found: u64,
}

impl Audit {
    /// Checks MODEL.md's conservation laws, saying which one fails.
    pub fn check(&self) -> Result<(), String> {
        let accounted = self.requests_answered
            + self.rejected
            + self.dropped_by_restart
            + self.requests_abandoned
            + self.requests_on_network
            + self.requests_queued
            + self.requests_in_service
            + self.requests_held;
        if self.requests_sent != accounted {
            return Err(format!(
                "requests sent {} != answered + rejected + dropped + abandoned + in flight {accounted}: {self:?}",
                self.requests_sent
            ));
        }
        let pending = self.messages_created - self.messages_delivered - self.messages_abandoned;
        if pending != self.messages_found {
            return Err(format!(
                "messages pending by the counters {pending} != found in the world {}: {self:?}",
                self.messages_found
            ));
        }
        Ok(())
    }
}

/// One server, N clients and one strategy.
///
/// ```
/// use pollstream_engine::{Params, SimTime, Strategy, World};
/// let mut world = World::new(&Params::default(), Strategy::Streaming);
/// // Advance in small slices under an event budget, as the browser does each frame.
/// while !world.advance(SimTime::from_secs(10), 1_000).reached {}
/// assert_eq!(world.now(), SimTime::from_secs(10));
/// assert_eq!(world.gauges().open_connections, 1_000);
/// ```
pub struct World {
    params: Params,
    strategy: Strategy,
    now: u64,
    next_seq: u64,
    events: u64,

    /// Broadcast messages: one Poisson stream.
    message_rng: Stream,
    /// Per-client messages, and the window of them the server creates next.
    streams: Streams,
    window: Window,
    phase_rng: Stream,
    jitter_rng: Stream,
    reconnect_rng: Stream,

    clients: BlockVec<Client>,
    n_active: u32,
    /// Clients `0..records` have a record for their current incarnation (all N, once the task that
    /// adds clients is done; the table may hold stale records past it).
    records: u32,
    /// The generation and token a record made anew starts from: past those of every record the table
    /// let go of when clients left, so that no event or timer of a client that left matches a client
    /// that takes its index later.
    released: (u32, u32),

    tasks: TimeQueue<Task>,
    joins: Vec<JoinGroup>,
    /// When the next message, per-client or broadcast, is created.
    next_message: (u64, u64),
    /// When the next broadcast message is created.
    next_broadcast: (u64, u64),
    sends: TimeQueue<ClientRef>,
    arrivals: TimeQueue<ClientRef>,
    in_service_requests: TimeQueue<Job>,
    in_service_pushes: TimeQueue<Job>,
    waiting: BlockDeque<Job>,
    waiting_requests: u64,
    /// A polling world's server instead (see `advance_polling`): when each worker is next free, and the
    /// polls that wait, in order, each with its start instant.
    free_workers: TimeQueue<()>,
    queued_polls: BlockDeque<QueuedPoll>,
    /// Events per simulated microsecond in the last slice of a polling world, to size the next one.
    slice_rate: f64,
    /// A polling world advanced event by event, by the general loop: the reference that tests hold the
    /// sliced polling loop to.
    polling_by_events: bool,
    /// A long-polling world advanced by the general loop, the reference for `world/long_polling.rs`.
    long_polling_by_events: bool,
    /// A streaming world advanced by the general loop without the loops of its own (see
    /// `world/streaming.rs`).
    streaming_by_events: bool,
    deliveries: TimeQueue<Delivery>,
    holds: HoldTimers,
    heartbeats: TimeQueue<Timer>,
    /// Long-poll requests answered when they started (`world/long_polling.rs`): the finishes of their
    /// jobs, and their responses on the way back, which still take their places among the events.
    #[cfg(not(target_arch = "wasm32"))]
    answered_finishes: TimeQueue<ClientRef>,
    #[cfg(not(target_arch = "wasm32"))]
    answered_deliveries: TimeQueue<ClientRef>,
    /// A long-poll request whose response reaches its client before this instant may be answered when
    /// it starts (0: none may); see `world/long_polling.rs`.
    #[cfg(not(target_arch = "wasm32"))]
    answer_early_before: u64,

    log: BroadcastLog,
    /// A streamer's backlog while it is queued for pushes, kept to reuse its buffer.
    backlog: Vec<u64>,

    down_until: u64,
    /// The last instant clients left, if any did: until then a send, and after it a poller's response
    /// that left later, needs no look at its client to know it is still there (a look that misses the
    /// cache, at a million clients).
    clients_left_at: Option<u64>,
    open_connections: u64,
    /// Clients `0..connected_prefix` all have an open connection. The first connects open in client
    /// order, so while they come in this says, with `open_connections`, which clients a message finds
    /// connected without a look at their records (`world/streaming.rs`).
    connected_prefix: u32,
    held: u64,
    max_queue: u64,
    max_open: u64,
    restarts_done: u64,

    last_integrated: u64,
    next_boundary: u64,
    second: Counters,
    closed: Counters,
    second_latency: LatencyHistogram,
    latency: LatencyHistogram,
    seconds: Vec<SecondStats>,
    series_limit: Option<usize>,

    /// Clients whose flights are recorded: every `trace_stride`-th, `traced` of them.
    traced: u32,
    trace_stride: u32,
    trace_wanted: u32,
    flights: VecDeque<Flight>,
}

impl World {
    /// A world at t = 0 with `params.n_clients` clients, each about to make its first request at its
    /// phase.
    pub fn new(params: &Params, strategy: Strategy) -> World {
        let seed = params.seed;
        let mut world = World {
            params: params.clone(),
            strategy,
            now: 0,
            next_seq: 1,
            events: 0,
            message_rng: Stream::new(seed, rng::MESSAGES),
            streams: Streams::new(rng::key(seed, rng::PER_CLIENT_MESSAGES)),
            window: Window::default(),
            phase_rng: Stream::new(seed, rng::PHASES),
            jitter_rng: Stream::new(seed, rng::JITTER),
            reconnect_rng: Stream::new(seed, rng::RECONNECT),
            clients: BlockVec::default(),
            n_active: 0,
            records: 0,
            released: (0, 0),
            tasks: TimeQueue::default(),
            joins: Vec::new(),
            next_message: NO_EVENT,
            next_broadcast: NO_EVENT,
            sends: TimeQueue::default(),
            arrivals: TimeQueue::default(),
            in_service_requests: TimeQueue::default(),
            in_service_pushes: TimeQueue::default(),
            waiting: BlockDeque::default(),
            waiting_requests: 0,
            free_workers: TimeQueue::default(),
            queued_polls: BlockDeque::default(),
            slice_rate: 1.0,
            polling_by_events: false,
            long_polling_by_events: false,
            streaming_by_events: false,
            deliveries: TimeQueue::default(),
            holds: HoldTimers::default(),
            heartbeats: TimeQueue::default(),
            #[cfg(not(target_arch = "wasm32"))]
            answered_finishes: TimeQueue::default(),
            #[cfg(not(target_arch = "wasm32"))]
            answered_deliveries: TimeQueue::default(),
            #[cfg(not(target_arch = "wasm32"))]
            answer_early_before: 0,
            log: BroadcastLog::default(),
            backlog: Vec::new(),
            down_until: 0,
            clients_left_at: None,
            open_connections: 0,
            connected_prefix: 0,
            held: 0,
            max_queue: 0,
            max_open: 0,
            restarts_done: 0,
            last_integrated: 0,
            next_boundary: SECOND_US,
            second: Counters::default(),
            closed: Counters::default(),
            second_latency: LatencyHistogram::default(),
            latency: LatencyHistogram::default(),
            seconds: Vec::new(),
            series_limit: None,
            traced: 0,
            trace_stride: 1,
            trace_wanted: 0,
            flights: VecDeque::new(),
        };
        world.reset_free_workers(world.params.n_workers, world.now);
        world.set_client_count(params.n_clients as u32);
        world.begin_message_regime();
        world
    }

    /// The strategy every client of this world uses.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The parameters in force now.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The current instant: every event before it has been processed, none at or after it.
    pub fn now(&self) -> SimTime {
        SimTime::from_micros(self.now)
    }

    /// Processes events until `until` or until `max_events` events have been processed, whichever
    /// comes first. The result is the same however a run is sliced into calls.
    ///
    /// The budget is in ordinary events; a chunk of work that concerns many clients at one instant
    /// (clients joining, a restart's sweep, a broadcast fan-out) counts as the events it costs in time,
    /// so that a budget bounds how long a call takes.
    pub fn advance(&mut self, until: SimTime, max_events: u64) -> Advance {
        let until = until.as_micros();
        if self.advances_in_slices() {
            return self.advance_polling(until, max_events);
        }
        if self.strategy == Strategy::LongPolling && !self.long_polling_by_events {
            return self.advance_long_polling(until, max_events);
        }
        #[cfg(not(target_arch = "wasm32"))]
        if self.strategy == Strategy::Streaming && !self.streaming_by_events {
            return self.advance_streaming(until, max_events);
        }
        let mut events = 0;
        let mut dispatched = 0;
        let reached = loop {
            let (key, source) = self.next_event();
            if key.0 >= until {
                if until > self.now {
                    self.advance_clock(until);
                }
                break true;
            }
            if events >= max_events {
                break false;
            }
            self.advance_clock(key.0);
            self.dispatch(source);
            dispatched += 1;
            events += if source == Source::Task {
                TASK_CHUNK_COST
            } else {
                1
            };
        };
        self.events += dispatched;
        Advance { reached, events }
    }

    /// Processes every event before `until`.
    pub fn run_until(&mut self, until: SimTime) {
        self.advance(until, u64::MAX);
    }

    /// Applies new parameters from this instant on, without a reset. See `docs/model.md` for what each
    /// change means (new clients join at random phases, removed clients close their connections, a new
    /// interval applies from each client's next request, ...). The seed is fixed when the world is built:
    /// a different seed here is ignored.
    pub fn set_params(&mut self, params: &Params) {
        let old = std::mem::replace(&mut self.params, params.clone());
        let mut raw = self.params.to_raw();
        raw.seed = old.seed;
        // Every value came from a valid `Params`, so this conversion cannot fail; keep the old on error.
        self.params = Params::try_from(raw).unwrap_or(old.clone());

        if self.params.n_clients != old.n_clients {
            self.set_client_count(self.params.n_clients as u32);
            self.set_traced_clients(self.trace_wanted);
        }
        if self.params.n_clients != old.n_clients
            || self.params.message_rate != old.message_rate
            || self.params.pattern != old.pattern
        {
            // Poisson streams are memoryless: drawing afresh at the new rate from now on is exact.
            self.begin_message_regime();
        }
        if self.advances_in_slices() {
            if self.params.n_workers != old.n_workers || self.params.service != old.service {
                self.reschedule_queued_polls();
            }
        } else if self.params.n_workers > old.n_workers {
            self.start_waiting_jobs();
        }
        if old.heartbeat.is_zero() && !self.params.heartbeat.is_zero() {
            let at = self.now + self.params.heartbeat.as_micros();
            for id in 0..self.active_records() as u32 {
                // A fresh token makes any timer left from before heartbeats were turned off stale.
                let c = &mut self.clients[id as usize];
                c.token = c.token.wrapping_add(1);
                let client = *c;
                if client.phase == Phase::Connected {
                    let timer = Timer {
                        id,
                        token: client.token,
                    };
                    let seq = self.seq();
                    self.heartbeats.push(at, seq, timer);
                }
            }
        }
    }

    /// Whether this world advances in slices (`world/polling.rs`) rather than event by event.
    fn advances_in_slices(&self) -> bool {
        self.strategy == Strategy::Polling && !self.polling_by_events
    }

    /// Makes a new polling world advance event by event, through the loop the other strategies use,
    /// instead of in slices: slower, and the same output, which the tests check. At one instant it
    /// runs tasks first, as the sliced loop does.
    #[doc(hidden)]
    pub fn advance_polling_event_by_event(&mut self) {
        self.polling_by_events = true;
    }

    /// Makes a new long-polling world advance through the general loop instead of its own
    /// (`world/long_polling.rs`): slower, and the same output, which the tests check.
    #[doc(hidden)]
    pub fn advance_long_polling_event_by_event(&mut self) {
        self.long_polling_by_events = true;
    }

    /// Makes a new streaming world advance event by event through the general loop only, without the
    /// loops of its own (`world/streaming.rs`): slower, and the same output, which the tests
    /// check.
    #[doc(hidden)]
    pub fn advance_streaming_event_by_event(&mut self) {
        self.streaming_by_events = true;
    }

    /// Restarts the server now, before anything else at this instant.
    pub fn restart_server(&mut self) {
        self.schedule_restart(self.now());
    }

    /// Schedules a server restart at `at` (now, if `at` has passed).
    pub fn schedule_restart(&mut self, at: SimTime) {
        let at = at.as_micros().max(self.now);
        // Sequence 0: a restart comes before anything else at its instant.
        self.tasks.push(at, 0, Task::Restart);
    }

    /// One record per completed simulated second (only the last ones if a limit is set).
    pub fn seconds(&self) -> &[SecondStats] {
        &self.seconds
    }

    /// Keeps only the last `limit` seconds of [`seconds`](World::seconds), for long interactive runs.
    pub fn set_series_limit(&mut self, limit: Option<usize>) {
        self.series_limit = limit;
        self.trim_series();
    }

    /// Everything counted since the start.
    pub fn totals(&self) -> Totals {
        let mut c = self.closed;
        c.add(&self.second);
        let latency = self.latency_summary();
        Totals {
            elapsed: SimDuration::from_micros(self.now),
            requests_sent: c.requests_sent,
            requests: c.requests,
            requests_answered: c.requests_answered,
            answered: c.answered,
            empty_responses: c.empty,
            rejected: c.rejected,
            refused_while_down: c.refused,
            dropped_by_restart: c.dropped,
            pushes: c.pushes,
            heartbeats: c.heartbeats,
            busy_us: c.busy_us,
            capacity_us: c.capacity_us,
            max_queue: self.max_queue,
            max_open_connections: self.max_open,
            bytes_in: c.bytes_in,
            bytes_out: c.bytes_out,
            messages_created: c.created,
            messages_created_distinct: c.created_distinct,
            messages_delivered: c.delivered,
            messages_abandoned: c.abandoned,
            restarts: self.restarts_done,
            latency,
        }
    }

    fn latency_summary(&self) -> LatencySummary {
        if self.second_latency.count() == 0 {
            self.latency.summary()
        } else {
            let mut all = self.latency.clone();
            all.merge(&self.second_latency);
            all.summary()
        }
    }

    /// The latency of every message delivered in completed seconds.
    pub fn latency_histogram(&self) -> &LatencyHistogram {
        &self.latency
    }

    /// The server's state now.
    pub fn gauges(&self) -> Gauges {
        let open = self.open_connections + self.held;
        Gauges {
            queue_len: self.queue_len(),
            busy_workers: self.busy_workers(),
            open_connections: open,
            held_requests: self.held,
            connection_memory_bytes: open * self.params.conn_memory_bytes,
            messages_pending: self.messages_pending(),
            server_down: self.now < self.down_until,
        }
    }

    /// Events processed since the start.
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Bytes of memory the world holds: clients, queues, waiting messages and series.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<World>()
            + self.clients.heap_bytes()
            + self.sends.heap_bytes()
            + self.arrivals.heap_bytes()
            + self.in_service_requests.heap_bytes()
            + self.in_service_pushes.heap_bytes()
            + self.waiting.heap_bytes()
            + self.free_workers.heap_bytes()
            + self.queued_polls.heap_bytes()
            + self.deliveries.heap_bytes()
            + self.holds.heap_bytes()
            + self.heartbeats.heap_bytes()
            + self.answered_heap_bytes()
            + self.window.heap_bytes()
            + self.streams.heap_bytes()
            + self.log.heap_bytes()
            + self.seconds.capacity() * std::mem::size_of::<SecondStats>()
    }

    /// Heap bytes of the queues of long-poll requests answered early (which the browser build has not).
    fn answered_heap_bytes(&self) -> usize {
        #[cfg(not(target_arch = "wasm32"))]
        let bytes = self.answered_finishes.heap_bytes() + self.answered_deliveries.heap_bytes();
        #[cfg(target_arch = "wasm32")]
        let bytes = 0;
        bytes
    }

    /// Records the flights of `n` clients spread evenly over the world (0 turns tracing off), for an
    /// animated view that draws a few hundred clients while the numbers use all N.
    pub fn set_traced_clients(&mut self, n: u32) {
        self.trace_wanted = n;
        self.traced = n.min(self.n_active);
        self.trace_stride = (self.n_active / self.traced.max(1)).max(1);
        self.flights.clear();
    }

    /// How many clients are traced; [`Flight::client`] and
    /// [`traced_client_states`](World::traced_client_states) number them `0..traced_clients()`.
    pub fn traced_clients(&self) -> u32 {
        self.traced
    }

    /// What is crossing the network now for the traced clients. `Flight::client` is the traced client's
    /// number, `0..traced_clients()`.
    pub fn flights(&self) -> Vec<Flight> {
        let now = self.now();
        self.flights
            .iter()
            .filter(|f| f.depart <= now && now < f.arrive)
            .copied()
            .collect()
    }

    /// What each traced client is doing now, by traced number.
    pub fn traced_client_states(&self) -> Vec<ClientState> {
        (0..self.traced)
            .map(|slot| self.client_state(slot * self.trace_stride))
            .collect()
    }

    /// What client `client` is doing now.
    pub fn client_state(&self, client: u32) -> ClientState {
        if client as usize >= self.active_records() {
            return ClientState::Gone;
        }
        match self.clients[client as usize].phase {
            Phase::Idle => ClientState::Idle,
            Phase::Waiting => ClientState::Waiting,
            Phase::Held => ClientState::Held,
            Phase::Connected => ClientState::Connected,
            Phase::Reconnecting | Phase::Dropped => ClientState::Reconnecting,
            Phase::Gone => ClientState::Gone,
        }
    }

    /// Checks the books: see [`Audit::check`].
    pub fn audit(&self) -> Audit {
        let c = {
            let mut c = self.closed;
            c.add(&self.second);
            c
        };
        let mut found = 0u64;
        let horizon = self.window.horizon(self.now);
        for (id, client) in self.clients.iter_to(self.active_records()).enumerate() {
            found += self.streams.count(id as u32, client.from, horizon);
            found += (self.log.end() - client.cursor) as u64;
        }
        // A push carries a message unless a restart has put it back in its client's backlog already
        // (it drops a client's pushes from the one in service on, over several steps: in between, the
        // pushes still queued are at or after the client's `from` or cursor, and counted there).
        let in_jobs = |job: &Job| {
            let live = self.live(job.client);
            match job.work {
                Work::PushMessage(created) => {
                    !live || created < self.clients[job.client.id as usize].from
                }
                Work::PushBroadcast(index) => {
                    !live || index < self.clients[job.client.id as usize].cursor
                }
                Work::Request | Work::Heartbeat => false,
            }
        };
        found += self.waiting.iter().filter(|j| in_jobs(j)).count() as u64;
        found += self
            .in_service_pushes
            .iter()
            .filter(|e| in_jobs(&e.payload))
            .count() as u64;
        for entry in self.deliveries.iter() {
            found += match entry.payload {
                Delivery::Response {
                    client,
                    from,
                    to,
                    cast_from,
                    cast_to,
                } => self.streams.count(client.id, from, to) + (cast_to - cast_from) as u64,
                Delivery::Push { .. } => 1,
                _ => 0,
            };
        }
        Audit {
            requests_sent: c.requests_sent,
            requests_answered: c.requests_answered,
            rejected: c.rejected,
            dropped_by_restart: c.dropped,
            requests_abandoned: c.requests_abandoned,
            requests_on_network: self.arrivals.len() as u64,
            requests_queued: self.waiting_requests + self.queued_polls.len() as u64,
            requests_in_service: self.in_service_requests.len() as u64,
            // Counted in the hold lists, not taken from the counter, so that the two are checked.
            requests_held: self.holds.len() as u64,
            messages_created: c.created,
            messages_delivered: c.delivered,
            messages_abandoned: c.abandoned,
            messages_found: found,
        }
    }

    // ----- the clock ---------------------------------------------------------------------------------

    fn seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Work waiting for a worker now.
    fn queue_len(&self) -> u64 {
        (self.waiting.len() + self.queued_polls.len()) as u64
    }

    fn busy_workers(&self) -> u64 {
        let busy = self.in_service_requests.len() + self.in_service_pushes.len();
        #[cfg(not(target_arch = "wasm32"))]
        let busy = busy + self.answered_finishes.len();
        busy as u64
    }

    fn messages_pending(&self) -> u64 {
        let mut c = self.closed;
        c.add(&self.second);
        c.created - c.delivered - c.abandoned
    }

    /// Adds busy and available worker time up to `t`.
    #[inline]
    fn integrate(&mut self, t: u64) {
        let dt = t - self.last_integrated;
        if dt > 0 {
            self.second.busy_us += self.busy_workers() * dt;
            // A worker removed while busy counts as capacity until its job is done.
            self.second.capacity_us += self.params.n_workers.max(self.busy_workers()) * dt;
            self.last_integrated = t;
        }
    }

    /// Moves the clock to `t`, closing every second that ends on the way.
    #[inline]
    fn advance_clock(&mut self, t: u64) {
        while t >= self.next_boundary {
            self.integrate(self.next_boundary);
            self.close_second();
        }
        self.integrate(t);
        self.now = t;
    }

    fn close_second(&mut self) {
        let open = self.open_connections + self.held;
        let s = &self.second;
        let stats = SecondStats {
            second: self.next_boundary / SECOND_US - 1,
            requests: s.requests,
            pushes: s.pushes,
            heartbeats: s.heartbeats,
            answered: s.answered,
            empty_responses: s.empty,
            rejected: s.rejected,
            busy_us: s.busy_us,
            capacity_us: s.capacity_us,
            queue_len: self.queue_len(),
            open_connections: open,
            connection_memory_bytes: open * self.params.conn_memory_bytes,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            messages_created: s.created,
            messages_delivered: s.delivered,
            messages_pending: self.messages_pending(),
            latency: self.second_latency.summary(),
        };
        self.seconds.push(stats);
        self.trim_series();
        let second = std::mem::take(&mut self.second);
        self.closed.add(&second);
        self.latency.merge(&self.second_latency);
        self.second_latency.clear();
        self.next_boundary += SECOND_US;
        for queue in [&mut self.sends, &mut self.arrivals] {
            queue.shrink();
        }
        self.deliveries.shrink();
        self.heartbeats.shrink();
    }

    fn trim_series(&mut self) {
        if let Some(limit) = self.series_limit {
            // Drop in batches so that trimming stays O(1) per second on average.
            if self.seconds.len() > 2 * limit.max(1) {
                let excess = self.seconds.len() - limit;
                self.seconds.drain(..excess);
            }
        }
    }

    fn next_event(&self) -> ((u64, u64), Source) {
        // Keys packed into one number each, so that each comparison is one.
        let mut task = self.tasks.peek_key();
        if self.polling_by_events && task != NO_EVENT {
            // As in the sliced polling loop, tasks come first at their instant.
            task.1 = 0;
        }
        let mut best = (pack(task), Source::Task);
        for group in &self.joins {
            if pack(group.next_key) < best.0 {
                best = (pack(group.next_key), Source::Join);
            }
        }
        // Only long-polls are held: other worlds skip the look at the hold lists.
        let hold = if self.held > 0 {
            self.holds.peek().map_or(NO_EVENT, |(key, _)| key)
        } else {
            NO_EVENT
        };
        // One comparison after another, not a loop over an array of candidates (see
        // `next_long_polling_event`).
        let mut consider = |key: u128, source: Source| {
            if key < best.0 {
                best = (key, source);
            }
        };
        consider(pack(self.next_message), Source::Message);
        consider(self.sends.peek_packed(), Source::Send);
        consider(self.arrivals.peek_packed(), Source::Arrival);
        consider(
            self.in_service_requests.peek_packed(),
            Source::FinishRequest,
        );
        consider(self.in_service_pushes.peek_packed(), Source::FinishPush);
        consider(self.deliveries.peek_packed(), Source::Delivery);
        consider(pack(hold), Source::HoldTimeout);
        consider(self.heartbeats.peek_packed(), Source::Heartbeat);
        (unpack(best.0), best.1)
    }

    fn dispatch(&mut self, source: Source) {
        match source {
            Source::Task => {
                if let Some(e) = self.tasks.pop() {
                    self.run_task(e.time, e.seq, e.payload);
                }
            }
            Source::Join => self.on_join(),
            Source::Message => self.on_message(),
            Source::Send => {
                if let Some(e) = self.sends.pop() {
                    self.prefetch_next_send();
                    self.on_send(e.payload);
                }
            }
            Source::Arrival => {
                if let Some(e) = self.arrivals.pop() {
                    self.on_arrival(e.payload);
                }
            }
            Source::FinishRequest => {
                if let Some(e) = self.in_service_requests.pop() {
                    self.on_finish(e.payload);
                }
            }
            Source::FinishPush => {
                if let Some(e) = self.in_service_pushes.pop() {
                    self.on_finish(e.payload);
                }
            }
            Source::Delivery => {
                if let Some(e) = self.deliveries.pop() {
                    self.on_delivery(e.payload);
                }
            }
            Source::HoldTimeout => {
                if let Some((_, id)) = self.holds.peek() {
                    self.release_hold(self.client_ref(id));
                }
            }
            Source::Heartbeat => {
                if let Some(e) = self.heartbeats.pop() {
                    self.on_heartbeat(e.payload);
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            Source::AnsweredFinish => self.on_answered_finish(),
            #[cfg(not(target_arch = "wasm32"))]
            Source::AnsweredDelivery => self.on_answered_delivery(),
        }
    }

    // ----- clients ----------------------------------------------------------------------------------

    /// Asks for the record of the client whose send comes next. Sends in random order (a restart's
    /// reconnects with backoff, at millions of clients) find their client's record out of the cache,
    /// and waiting for it was the largest cost of such a wave after the queue's own; asked for one
    /// send ahead, it has come in by the time its send does. Natively only: the browser build has no
    /// prefetch and keeps its code small.
    #[inline(always)]
    fn prefetch_next_send(&self) {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(record) = self
            .sends
            .peek_entry()
            .and_then(|next| self.clients.get(next.payload.id as usize))
        {
            prefetch(record);
        }
    }

    /// The client `client` names, if it is still that client (it has not left since).
    #[inline]
    fn live(&self, client: ClientRef) -> bool {
        client.id < self.records && self.clients[client.id as usize].gen == client.gen
    }

    /// How many of the current clients have a record yet (all of them once the add task is done).
    fn active_records(&self) -> usize {
        self.records as usize
    }

    fn client_ref(&self, id: u32) -> ClientRef {
        ClientRef {
            id,
            gen: self.clients[id as usize].gen,
        }
    }

    /// Grows or shrinks the set of clients to `n`, at the current instant. The records are made or
    /// cleared by a task, a chunk at a time; the joining clients' first requests come from a
    /// [`JoinGroup`].
    fn set_client_count(&mut self, n: u32) {
        // A change in the middle of an earlier one finishes the earlier one first.
        self.finish_tasks_now();
        let old = self.n_active;
        if n < old {
            self.n_active = n;
            for group in &mut self.joins {
                group.end = group.end.min(n);
            }
            self.joins.retain(|g| g.next < g.end);
            // Removal is done at once (some tens of nanoseconds a client, mostly counting its waiting
            // messages) so that the counts of open connections and pending messages are right the
            // moment the change is made.
            self.clients_left_at = Some(self.now);
            for id in n..old.min(self.records) {
                self.remove_client(id);
            }
            self.records = self.records.min(n);
            // The table lets go of the records past n, so that a drop from 3 M clients to 1 M gives
            // back the memory of 2 M (`make soak`); their generations and tokens live on in `released`.
            for client in self.clients.iter_to(usize::MAX).skip(n as usize) {
                self.released.0 = self.released.0.max(client.gen);
                self.released.1 = self.released.1.max(client.token);
            }
            self.clients.truncate(n as usize);
            self.holds.forget_from(n);
            return;
        }
        if n == old {
            return;
        }
        self.n_active = n;
        let seq = self.seq();
        self.tasks
            .push(self.now, seq, Task::AddClients { next: old, end: n });
        // With no send scheduled (the first clients, or the first since all left), the first requests
        // can go straight into the send queue, in order: one source fewer for every event of the
        // first period, and the sliced polling loop's fast paths from the start. Otherwise they
        // would go behind later sends, out of order, and they come from the group itself.
        let into_send_queue = self.sends.is_empty() && self.joins.is_empty();
        // Its task's key comes before the group's keys, as the group's events came after the task
        // that adds the clients.
        let schedule_seq = if into_send_queue { self.seq() } else { 0 };
        // Every joining client's first request is scheduled now, in client order.
        let seq_base = self.next_seq;
        self.next_seq += (n - old) as u64;
        let span = if self.params.sync_start {
            0
        } else {
            self.params.poll_interval.as_micros()
        };
        let mut group = JoinGroup {
            first: old,
            next: old,
            drawn_end: n,
            end: n,
            start: self.now,
            span,
            survival: 1.0,
            seq_base,
            next_key: NO_EVENT,
        };
        self.draw_next_phase(&mut group);
        if into_send_queue {
            let task = Task::ScheduleFirstSends(group);
            self.tasks.push(self.now, schedule_seq, task);
        } else {
            self.joins.push(group);
        }
    }

    /// Draws the phase of `group.next` and sets the group's key.
    fn draw_next_phase(&mut self, group: &mut JoinGroup) {
        let remaining = group.drawn_end - group.next;
        let offset = if group.span == 0 {
            0
        } else {
            let v = self.phase_rng.unit();
            // V^(1/m) as e^(ln V / m): libm's `pow` took 32 ns here and `exp` of `log` takes 12
            // (a million clients join in the first second), and the browser build, which has `exp`
            // and `log` for the streams, then needs no `pow` of its own.
            group.survival *= libm::exp(libm::log(v) / remaining as f64);
            (((1.0 - group.survival) * group.span as f64) as u64).min(group.span - 1)
        };
        let seq = group.seq_base + (group.next - group.first) as u64;
        group.next_key = (group.start + offset, seq);
    }

    /// The next joining client sends its first request.
    fn on_join(&mut self) {
        let Some(index) = (0..self.joins.len()).min_by_key(|&i| self.joins[i].next_key) else {
            return;
        };
        let mut group = self.joins[index];
        let id = group.next;
        group.next += 1;
        if group.next < group.end {
            self.draw_next_phase(&mut group);
            self.joins[index] = group;
        } else {
            self.joins.swap_remove(index);
        }
        let client = self.client_ref(id);
        self.on_send(client);
    }

    /// Runs every task due now to its end (before a change that must not interleave with them).
    fn finish_tasks_now(&mut self) {
        while self.tasks.peek_key().0 <= self.now {
            if let Some(e) = self.tasks.pop() {
                self.run_task(e.time, e.seq, e.payload);
            }
        }
    }

    /// Runs one chunk of `task`, scheduled at (time, seq), and puts the rest back under the same key.
    fn run_task(&mut self, time: u64, seq: u64, task: Task) {
        let chunk_end = |next: u32, end: u32| next.saturating_add(TASK_CHUNK).min(end);
        let rest = match task {
            Task::AddClients { next, end } => {
                let stop = chunk_end(next, end);
                let cursor = self.log.end();
                for id in next..stop {
                    self.add_client(id, cursor);
                }
                self.records = stop;
                (stop < end).then_some(Task::AddClients { next: stop, end })
            }
            Task::ScheduleFirstSends(mut group) => {
                // No change of the client count comes before this is done (`finish_tasks_now`),
                // so every client of the group is still there.
                let stop = group.next.saturating_add(FIRST_SENDS_CHUNK).min(group.end);
                while group.next < stop {
                    let (at, seq) = group.next_key;
                    let client = self.client_ref(group.next);
                    self.sends.push(at, seq, client);
                    group.next += 1;
                    if group.next < group.end {
                        self.draw_next_phase(&mut group);
                    }
                }
                (group.next < group.end).then_some(Task::ScheduleFirstSends(group))
            }
            Task::Restart => {
                self.begin_restart();
                Some(Task::DropQueued)
            }
            Task::DropQueued => {
                for _ in 0..TASK_CHUNK {
                    let Some(job) = self.waiting.pop_front() else {
                        break;
                    };
                    self.drop_job(job);
                }
                if self.waiting.is_empty() {
                    self.waiting_requests = 0;
                    Some(Task::DropClients {
                        next: 0,
                        end: self.records,
                    })
                } else {
                    Some(Task::DropQueued)
                }
            }
            Task::DropClients { next, end } => {
                let stop = chunk_end(next, end.min(self.records));
                for id in next..stop {
                    self.drop_client_connection(id);
                }
                if stop < end.min(self.records) {
                    Some(Task::DropClients { next: stop, end })
                } else {
                    // Clients learn of the drop after the network delay, in client order, and each
                    // schedules its reconnect: room for them all now, not by doubling mid-wave (a
                    // restart of 10 M clients with backoff made one call of 331 ms; `build_cost`).
                    if self.strategy != Strategy::Polling {
                        self.sends.reserve_out_of_order(self.records as usize);
                    }
                    let at = self.now + self.params.latency.as_micros();
                    let seq = self.seq();
                    let notices = Task::DropNotices {
                        next: 0,
                        end: self.records,
                    };
                    self.tasks.push(at, seq, notices);
                    None
                }
            }
            Task::DropNotices { next, end } => {
                let stop = next
                    .saturating_add(NOTICES_CHUNK)
                    .min(end.min(self.records));
                for id in next..stop {
                    if self
                        .clients
                        .get(id as usize)
                        .is_some_and(|c| c.phase == Phase::Dropped)
                    {
                        let client = self.client_ref(id);
                        self.reconnect_later(client);
                    }
                }
                (stop < end.min(self.records)).then_some(Task::DropNotices { next: stop, end })
            }
            Task::BuildWindow { generation } => {
                if generation != self.window.generation {
                    None
                } else {
                    match self.window.build_step(&mut self.streams) {
                        BuildStep::Pending => Some(task),
                        BuildStep::Idle => None,
                        BuildStep::Done { hi } => {
                            self.next_message = self.message_key();
                            // The window after it is built at the instant it begins.
                            self.start_window_build(hi);
                            None
                        }
                    }
                }
            }
            Task::Fanout { index, next, end } => {
                let stop = chunk_end(next, end.min(self.records));
                for id in next..stop {
                    self.fan_out_to(id, index);
                }
                (stop < end.min(self.records)).then_some(Task::Fanout {
                    index,
                    next: stop,
                    end,
                })
            }
        };
        if let Some(rest) = rest {
            self.tasks.push(time, seq, rest);
        }
    }

    /// Client `id` joins now, with a fresh record (a returning index keeps counting its incarnations).
    fn add_client(&mut self, id: u32, cursor: u32) {
        let fresh = Client {
            from: self.now,
            cursor,
            gen: 0,
            token: 0,
            phase: Phase::Idle,
            attempts: 0,
        };
        match self.clients.get_mut(id as usize) {
            Some(slot) => {
                *slot = Client {
                    gen: slot.gen,
                    token: slot.token.wrapping_add(1),
                    ..fresh
                }
            }
            None => self.clients.push(Client {
                gen: self.released.0,
                token: self.released.1,
                ..fresh
            }),
        }
    }

    /// Client `id` leaves now: its connection closes, its held request and waiting messages are dropped.
    /// Events already scheduled for it find it gone and do nothing (see `docs/model.md`).
    fn remove_client(&mut self, id: u32) {
        let end = self.log.end();
        let horizon = self.window.horizon(self.now);
        let client = &mut self.clients[id as usize];
        let waiting = self.streams.count(id, client.from, horizon);
        match client.phase {
            Phase::Held => {
                self.held -= 1;
                self.holds.remove(id);
                self.second.requests_abandoned += 1;
            }
            Phase::Connected => {
                self.open_connections -= 1;
                self.connected_prefix = self.connected_prefix.min(id);
            }
            _ => {}
        }
        let abandoned = waiting + (end - client.cursor) as u64;
        client.from = horizon;
        client.cursor = end;
        client.phase = Phase::Gone;
        client.gen = client.gen.wrapping_add(1);
        client.token = client.token.wrapping_add(1);
        self.second.abandoned += abandoned;
    }

    #[inline]
    fn trace(&mut self, client: u32, kind: FlightKind, depart: u64, arrive: u64) {
        if self.traced == 0 || client % self.trace_stride != 0 {
            return;
        }
        let slot = client / self.trace_stride;
        if slot < self.traced {
            while self
                .flights
                .front()
                .is_some_and(|f| f.arrive.as_micros() < self.now)
            {
                self.flights.pop_front();
            }
            if self.flights.len() >= MAX_FLIGHTS {
                self.make_room_for_a_flight();
            }
            self.flights.push_back(Flight {
                client: slot,
                kind,
                depart: SimTime::from_micros(depart),
                arrive: SimTime::from_micros(arrive),
            });
        }
    }

    /// Frees a place in the full buffer of flights. The sliced polling loop records flights out of
    /// time order (a request's whole life at once), so flights that have landed can sit behind the
    /// front: those go first. Failing that, the flight that lands first goes: every flight kept then
    /// lands later and left no later than the end of this call, so a flight still in the air when the
    /// call ends is dropped only if `MAX_FLIGHTS` others are in the air with it, however the flights
    /// were ordered.
    #[cold]
    fn make_room_for_a_flight(&mut self) {
        let now = self.now;
        self.flights.retain(|f| f.arrive.as_micros() >= now);
        if self.flights.len() >= MAX_FLIGHTS {
            let first_to_land = (0..self.flights.len()).min_by_key(|&i| self.flights[i].arrive);
            if let Some(i) = first_to_land {
                self.flights.remove(i);
            }
        }
    }

    fn poll_period(&mut self) -> u64 {
        let interval = self.params.poll_interval.as_micros();
        let jitter = self.params.jitter;
        if jitter == 0.0 {
            return interval;
        }
        let u = self.jitter_rng.unit() - 0.5;
        ((interval as f64 * (1.0 + jitter * u)).round() as u64).max(1)
    }

    fn reconnect_delay(&mut self, attempt: u8) -> u64 {
        match self.params.reconnect {
            ReconnectPolicy::Fixed => FIXED_RECONNECT_DELAY.as_micros(),
            ReconnectPolicy::Backoff => {
                let ceiling =
                    (BACKOFF_BASE.as_micros() << attempt.min(20)).min(BACKOFF_CAP.as_micros());
                self.reconnect_rng.up_to(ceiling)
            }
        }
    }

    /// The client learned that its connection or request failed: it waits the reconnect delay.
    fn reconnect_later(&mut self, client: ClientRef) {
        let attempt = self.clients[client.id as usize].attempts;
        let delay = self.reconnect_delay(attempt);
        let c = &mut self.clients[client.id as usize];
        c.attempts = attempt.saturating_add(1);
        c.phase = Phase::Reconnecting;
        let seq = self.seq();
        self.sends.push(self.now + delay, seq, client);
    }

    /// The client sends a request now; it reaches the server after the network delay.
    fn send_request(&mut self, client: ClientRef) {
        self.second.requests_sent += 1;
        let arrive = self.now + self.params.latency.as_micros();
        let seq = self.seq();
        self.arrivals.push(arrive, seq, client);
        if self.strategy != Strategy::Polling {
            self.clients[client.id as usize].phase = Phase::Waiting;
        }
        self.trace(client.id, FlightKind::Request, self.now, arrive);
    }

    // ----- events -----------------------------------------------------------------------------------

    fn on_send(&mut self, client: ClientRef) {
        if !self.live(client) {
            return;
        }
        self.send_request(client);
        if self.strategy == Strategy::Polling {
            // Pollers keep their schedule whatever happens to their requests.
            let next = self.now + self.poll_period();
            let seq = self.seq();
            self.sends.push(next, seq, client);
        }
    }

    fn on_arrival(&mut self, client: ClientRef) {
        self.second.requests += 1;
        let header_in = self.params.header_bytes / 2;
        let reply_at = self.now + self.params.latency.as_micros();
        if self.now < self.down_until {
            // A refused TCP connection: no bytes, no worker time.
            self.second.rejected += 1;
            self.second.refused += 1;
            self.trace(client.id, FlightKind::Rejection, self.now, reply_at);
            if self.strategy != Strategy::Polling {
                let seq = self.seq();
                self.deliveries
                    .push(reply_at, seq, Delivery::Refused { client });
            }
            return;
        }
        self.second.bytes_in += header_in;
        let worker_free = self.busy_workers() < self.params.n_workers;
        if !worker_free && self.waiting_requests >= self.params.queue_limit {
            // A 503 costs the whole header pair and no worker time.
            self.second.rejected += 1;
            self.second.bytes_out += self.params.header_bytes - header_in;
            self.trace(client.id, FlightKind::Rejection, self.now, reply_at);
            if self.strategy != Strategy::Polling {
                let seq = self.seq();
                self.deliveries
                    .push(reply_at, seq, Delivery::Rejected { client });
            }
            return;
        }
        if self.strategy == Strategy::LongPolling
            && self.live(client)
            && !self.has_pending(client.id)
        {
            let tau = self.params.hold_timeout.as_micros();
            self.clients[client.id as usize].phase = Phase::Held;
            self.held += 1;
            self.max_open = self.max_open.max(self.open_connections + self.held);
            let seq = self.seq();
            self.holds.insert(client.id, self.now + tau, seq, tau);
            return;
        }
        self.admit(Job {
            client,
            work: Work::Request,
        });
    }

    /// Whether client `id` has a message waiting now (those created at this instant included: they come
    /// first).
    fn has_pending(&self, id: u32) -> bool {
        let c = &self.clients[id as usize];
        c.cursor != self.log.end() || self.streams.count(id, c.from, self.now + 1) > 0
    }

    /// Gives `job` to a free worker now, or queues it. Limits are checked by the caller.
    fn admit(&mut self, job: Job) {
        if self.busy_workers() < self.params.n_workers {
            self.start(job);
        } else {
            if matches!(job.work, Work::Request) {
                self.waiting_requests += 1;
            }
            self.waiting.push_back(job);
            self.max_queue = self.max_queue.max(self.waiting.len() as u64);
        }
    }

    fn start(&mut self, job: Job) {
        let seq = self.seq();
        match job.work {
            Work::Request => {
                let finish = self.now + self.params.service.as_micros();
                #[cfg(not(target_arch = "wasm32"))]
                if self.answer_early(job.client, finish, seq) {
                    return;
                }
                self.in_service_requests.push(finish, seq, job);
            }
            _ => {
                let finish = self.now + self.params.push_service.as_micros();
                self.in_service_pushes.push(finish, seq, job);
            }
        }
    }

    fn start_waiting_jobs(&mut self) {
        while self.busy_workers() < self.params.n_workers {
            let Some(job) = self.waiting.pop_front() else {
                break;
            };
            if matches!(job.work, Work::Request) {
                self.waiting_requests -= 1;
            }
            self.start(job);
        }
    }

    fn on_finish(&mut self, job: Job) {
        // The freed worker takes the next queued job before this job's consequences are queued.
        self.start_waiting_jobs();
        let reply_at = self.now + self.params.latency.as_micros();
        let client = job.client;
        match job.work {
            Work::Request => self.finish_request(client),
            Work::PushMessage(created) => self.finish_push(client, created, reply_at),
            Work::PushBroadcast(index) => {
                let created = self.log.created(index);
                self.finish_push(client, created, reply_at);
            }
            Work::Heartbeat => {
                self.second.pushes += 1;
                self.second.heartbeats += 1;
                self.second.bytes_out += self.params.frame_bytes;
                self.trace(client.id, FlightKind::Heartbeat, self.now, reply_at);
            }
        }
    }

    /// A worker finishes a request of `client` now: a streaming connect opens the connection; a poll or
    /// long-poll is answered with every message the client has.
    fn finish_request(&mut self, client: ClientRef) {
        if let Some((at, delivery)) = self.respond(client) {
            let seq = self.seq();
            self.deliveries.push(at, seq, delivery);
        }
    }

    /// [`finish_request`](World::finish_request), returning the response that goes back to the client,
    /// if it needs an event, and when it arrives. Always inlined: a response returned through memory and
    /// read back at once stalls the processor on every poll.
    #[inline(always)]
    fn respond(&mut self, client: ClientRef) -> Option<(u64, Delivery)> {
        self.second.requests_answered += 1;
        self.second.bytes_out += self.params.header_bytes - self.params.header_bytes / 2;
        if self.strategy == Strategy::Streaming {
            if self.live(client) {
                self.open_connection(client);
            }
            return None;
        }
        self.second.answered += 1;
        // The response carries every message the client has, those created at this instant included
        // (messages come first at an instant).
        let to = self.now + 1;
        let (from, cast_from, cast_to) = if self.live(client) {
            let end = self.log.end();
            let c = &mut self.clients[client.id as usize];
            let from = std::mem::replace(&mut c.from, to);
            let cast_from = std::mem::replace(&mut c.cursor, end);
            (from, cast_from, end)
        } else {
            (to, 0, 0)
        };
        let carried = self.streams.count(client.id, from, to) + (cast_to - cast_from) as u64;
        let reply_at = self.now + self.params.latency.as_micros();
        if carried == 0 {
            self.second.empty += 1;
            self.trace(client.id, FlightKind::EmptyResponse, self.now, reply_at);
            if self.strategy == Strategy::Polling {
                // A poller does nothing with an empty response: it needs no event.
                return None;
            }
        } else {
            self.second.bytes_out += carried * self.params.message_bytes;
            self.trace(client.id, FlightKind::Response, self.now, reply_at);
        }
        let delivery = Delivery::Response {
            client,
            from,
            to,
            cast_from,
            cast_to,
        };
        Some((reply_at, delivery))
    }

    fn finish_push(&mut self, client: ClientRef, created: u64, reply_at: u64) {
        self.second.pushes += 1;
        self.second.bytes_out += self.params.frame_bytes + self.params.message_bytes;
        self.trace(client.id, FlightKind::Push, self.now, reply_at);
        let seq = self.seq();
        self.deliveries
            .push(reply_at, seq, Delivery::Push { client, created });
    }

    /// A streaming connect was served: the connection is open and its backlog is queued, in order.
    fn open_connection(&mut self, client: ClientRef) {
        let end = self.log.end();
        let c = &mut self.clients[client.id as usize];
        c.phase = Phase::Connected;
        c.attempts = 0;
        c.token = c.token.wrapping_add(1);
        let timer = Timer {
            id: client.id,
            token: c.token,
        };
        let from = std::mem::replace(&mut c.from, PUSHED_ALL);
        let cast_from = std::mem::replace(&mut c.cursor, end);
        self.open_connections += 1;
        if client.id == self.connected_prefix {
            self.connected_prefix += 1;
        }
        self.max_open = self.max_open.max(self.open_connections + self.held);
        if !self.params.heartbeat.is_zero() {
            let seq = self.seq();
            self.heartbeats
                .push(self.now + self.params.heartbeat.as_micros(), seq, timer);
        }
        // The backlog, those created at this instant included (messages come first at an instant).
        let mut backlog = std::mem::take(&mut self.backlog);
        backlog.clear();
        self.streams
            .for_each(client.id, from, self.now + 1, |t| backlog.push(t));
        for &created in &backlog {
            self.admit(Job {
                client,
                work: Work::PushMessage(created),
            });
        }
        self.backlog = backlog;
        for index in cast_from..end {
            self.admit(Job {
                client,
                work: Work::PushBroadcast(index),
            });
        }
    }

    fn on_delivery(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Response {
                client,
                from,
                to,
                cast_from,
                cast_to,
            } => {
                // A poller's response exists only if its client was there when it left (at `to` − 1):
                // if no client has left since (nor at that instant), it is still there.
                let polling_and_no_one_left = self.strategy == Strategy::Polling
                    && self.clients_left_at.is_none_or(|left| left + 1 < to);
                if !polling_and_no_one_left && !self.live(client) {
                    let carried = self.streams.count(client.id, from, to);
                    self.second.abandoned += carried + (cast_to - cast_from) as u64;
                    return;
                }
                let now = self.now;
                let histogram = &mut self.second_latency;
                let mut carried = 0;
                self.streams.for_each(client.id, from, to, |created| {
                    histogram.record(now - created);
                    carried += 1;
                });
                for index in cast_from..cast_to {
                    histogram.record(now - self.log.created(index));
                }
                self.second.delivered += carried + (cast_to - cast_from) as u64;
                if self.strategy == Strategy::LongPolling {
                    // The client asks again the instant the answer arrives.
                    self.clients[client.id as usize].attempts = 0;
                    self.send_request(client);
                }
            }
            Delivery::Push { client, created } => {
                if self.live(client) {
                    self.second_latency.record(self.now - created);
                    self.second.delivered += 1;
                } else {
                    self.second.abandoned += 1;
                }
            }
            Delivery::Rejected { client } => {
                if !self.live(client) {
                    return;
                }
                match self.strategy {
                    Strategy::Polling => {}
                    Strategy::LongPolling => {
                        // After a 503 a long-poller waits one poll interval.
                        self.clients[client.id as usize].phase = Phase::Reconnecting;
                        let seq = self.seq();
                        let at = self.now + self.params.poll_interval.as_micros();
                        self.sends.push(at, seq, client);
                    }
                    Strategy::Streaming => self.reconnect_later(client),
                }
            }
            Delivery::Refused { client } => {
                if self.live(client) && self.strategy != Strategy::Polling {
                    self.reconnect_later(client);
                }
            }
        }
    }

    /// A held long-poll joins the queue, without a new limit check.
    ///
    /// Its client has no per-client message from its `from` until now: none was pending when the
    /// request arrived, and one created while it was held would have released it earlier (messages of
    /// this instant come after a fan-out, and a message of this instant releasing it is at `now`). So
    /// `from` moves up to now, which changes no count and spares the response and its delivery a look
    /// at every epoch of the hold (ten seconds of draws, at λ = 0.1/s).
    fn release_hold(&mut self, client: ClientRef) {
        let c = &mut self.clients[client.id as usize];
        c.phase = Phase::Waiting;
        c.from = c.from.max(self.now);
        self.holds.remove(client.id);
        self.held -= 1;
        self.admit(Job {
            client,
            work: Work::Request,
        });
    }

    /// Whether heartbeat `timer` is due: heartbeats are on, and its connection is still the open one
    /// it was set for (a timer of a connection that has closed since is stale).
    #[inline]
    fn heartbeat_due(&self, timer: Timer) -> bool {
        self.params.heartbeat.as_micros() != 0 && timer.id < self.records && {
            let c = &self.clients[timer.id as usize];
            c.phase == Phase::Connected && c.token == timer.token
        }
    }

    fn on_heartbeat(&mut self, timer: Timer) {
        if !self.heartbeat_due(timer) {
            return;
        }
        let interval = self.params.heartbeat.as_micros();
        self.admit(Job {
            client: self.client_ref(timer.id),
            work: Work::Heartbeat,
        });
        let seq = self.seq();
        self.heartbeats.push(self.now + interval, seq, timer);
    }

    /// A new regime of per-client messages begins (at the start, and when the rate, the pattern or the
    /// number of clients changes): the rest of the current window is dropped and the window from now
    /// on is built at once. Broadcast messages draw their next gap afresh.
    fn begin_message_regime(&mut self) {
        let start = self.window.horizon(self.now);
        let rate = match self.params.pattern {
            MessagePattern::PerClient => self.params.message_rate,
            MessagePattern::Broadcast => 0.0,
        };
        self.streams.begin_regime(start, rate, self.n_active);
        self.window.abandon();
        match self.params.pattern {
            MessagePattern::Broadcast => self.schedule_next_broadcast(),
            MessagePattern::PerClient => self.next_broadcast = NO_EVENT,
        }
        if self.streams.active() && self.n_active > 0 {
            self.start_window_build(start);
        }
        self.next_message = self.message_key();
    }

    /// The window of per-client messages from `lo` to the end of its epoch is built by a task at `lo`,
    /// before anything else at that instant.
    fn start_window_build(&mut self, lo: u64) {
        let hi = self.streams.epoch_end(lo);
        let expected = self.params.message_rate * self.n_active as f64 * (hi - lo) as f64 / 1e6;
        self.window.start_build(lo, hi, self.n_active, expected);
        let generation = self.window.generation;
        self.tasks.push(lo, 0, Task::BuildWindow { generation });
    }

    /// When the next message is created: messages come first at their instant (sequence 0).
    fn message_key(&self) -> (u64, u64) {
        match self.params.pattern {
            MessagePattern::PerClient => self.window.peek_time().map_or(NO_EVENT, |t| (t, 0)),
            MessagePattern::Broadcast => self.next_broadcast,
        }
    }

    fn schedule_next_broadcast(&mut self) {
        let rate_per_s = self.params.message_rate;
        self.next_broadcast = if rate_per_s > 0.0 {
            let gap = self.message_rng.exponential_us(rate_per_s / 1e6);
            (self.now.saturating_add(gap), 0)
        } else {
            NO_EVENT
        };
    }

    fn on_message(&mut self) {
        match self.params.pattern {
            MessagePattern::PerClient => {
                // Every message of this instant, in client order.
                while let Some(id) = self.window.pop_at(self.now) {
                    self.create_message(id);
                }
            }
            MessagePattern::Broadcast => {
                let index = self.log.push(self.now);
                self.second.created += self.n_active as u64;
                self.second.created_distinct += 1;
                if self.strategy != Strategy::Polling {
                    // Under this message's own key, so the fan-out finishes before anything after it.
                    let fanout = Task::Fanout {
                        index,
                        next: 0,
                        end: self.n_active,
                    };
                    self.tasks.push(self.now, 0, fanout);
                }
                if self.log.wants_trim(self.n_active) {
                    self.trim_log();
                }
                self.schedule_next_broadcast();
            }
        }
        self.next_message = self.message_key();
    }

    /// A per-client message for client `id` is created now: an open connection gets a push, a held
    /// long-poll is released; otherwise it waits, which needs no record (see `streams.rs`).
    fn create_message(&mut self, id: u32) {
        self.second.created += 1;
        self.second.created_distinct += 1;
        if id >= self.records {
            // A client joining at this instant whose record is not made yet: it is idle.
            return;
        }
        match self.clients[id as usize].phase {
            Phase::Connected => {
                let client = self.client_ref(id);
                self.admit(Job {
                    client,
                    work: Work::PushMessage(self.now),
                });
            }
            Phase::Held => self.release_hold(self.client_ref(id)),
            _ => {}
        }
    }

    /// Forgets broadcast messages that no client, queued push or flight still needs.
    fn trim_log(&mut self) {
        let mut min = self.log.end();
        for c in self.clients.iter_to(self.active_records()) {
            min = min.min(c.cursor);
        }
        let job_index = |job: &Job| match job.work {
            Work::PushBroadcast(index) => Some(index),
            _ => None,
        };
        for index in self.waiting.iter().filter_map(job_index) {
            min = min.min(index);
        }
        for index in self
            .in_service_pushes
            .iter()
            .filter_map(|e| job_index(&e.payload))
        {
            min = min.min(index);
        }
        for entry in self.deliveries.iter() {
            if let Delivery::Response {
                cast_from, cast_to, ..
            } = entry.payload
            {
                if cast_to > cast_from {
                    min = min.min(cast_from);
                }
            }
        }
        self.log.trim(min);
    }

    /// The first step of a restart: the server goes down and drops the jobs in service (busy time up
    /// to now counts: the integral stops here).
    fn begin_restart(&mut self) {
        self.restarts_done += 1;
        self.down_until = self.now + self.params.downtime.as_micros();
        let in_service: Vec<Job> = self
            .in_service_requests
            .drain_sorted()
            .into_iter()
            .chain(self.in_service_pushes.drain_sorted())
            .map(|e| e.payload)
            .collect();
        for job in in_service {
            self.drop_job(job);
        }
        // A polling world's queue holds nothing but polls, which a restart only counts.
        self.second.dropped += self.queued_polls.len() as u64;
        self.queued_polls = BlockDeque::default();
        self.reset_free_workers(self.params.n_workers, self.now);
    }

    /// A restart drops `job`: a request is lost (its client learns of it), a push's message goes back
    /// to its client's backlog. Jobs are dropped in service order, then queue order, which for one
    /// client is the order of its messages.
    fn drop_job(&mut self, job: Job) {
        let live = self.live(job.client);
        let id = job.client.id as usize;
        match job.work {
            Work::Request => {
                self.second.dropped += 1;
                if live && self.strategy != Strategy::Polling {
                    self.clients[id].phase = Phase::Dropped;
                }
            }
            Work::PushMessage(created) if live => {
                // Back to the backlog: from this message on, the client's messages wait again.
                let c = &mut self.clients[id];
                c.from = c.from.min(created);
            }
            Work::PushMessage(_) => self.second.abandoned += 1,
            Work::PushBroadcast(index) if live => {
                let c = &mut self.clients[id];
                c.cursor = c.cursor.min(index);
            }
            Work::PushBroadcast(_) => self.second.abandoned += 1,
            Work::Heartbeat => {}
        }
    }

    /// A restart closes client `id`'s connection or held request.
    fn drop_client_connection(&mut self, id: u32) {
        let c = &mut self.clients[id as usize];
        match c.phase {
            Phase::Held => {
                self.held -= 1;
                self.holds.remove(id);
                self.second.dropped += 1;
            }
            Phase::Connected => {
                self.open_connections -= 1;
                self.connected_prefix = self.connected_prefix.min(id);
                if c.from == PUSHED_ALL {
                    c.from = self.window.horizon(self.now);
                }
            }
            _ => return,
        }
        c.phase = Phase::Dropped;
        c.token = c.token.wrapping_add(1);
    }

    /// Broadcast message `index` reaches client `id`: a held request is released, an open connection
    /// gets a push.
    fn fan_out_to(&mut self, id: u32, index: u32) {
        match self.clients[id as usize].phase {
            Phase::Held => self.release_hold(self.client_ref(id)),
            Phase::Connected => {
                self.clients[id as usize].cursor = index + 1;
                let client = self.client_ref(id);
                self.admit(Job {
                    client,
                    work: Work::PushBroadcast(index),
                });
            }
            _ => {}
        }
    }
}

/// Asks the processor to bring the cache line of `value` in: a hint, with no effect on any result.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and cannot fault; SSE, which it needs, is part
    // of every x86_64 processor.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawParams;

    fn params(edit: impl FnOnce(&mut RawParams)) -> Params {
        let mut raw = RawParams::default();
        edit(&mut raw);
        Params::try_from(raw).unwrap()
    }

    #[test]
    fn client_state_is_small() {
        assert!(
            std::mem::size_of::<Client>() <= 24,
            "{}",
            std::mem::size_of::<Client>()
        );
    }

    #[test]
    fn polling_sends_n_over_t_requests_per_second() {
        let p = params(|r| r.n_clients = 1000);
        let mut world = World::new(&p, Strategy::Polling);
        world.run_until(SimTime::from_secs(10));
        let totals = world.totals();
        // Each client polls once per second from its phase on: 10 polls each in 10 s, minus those not
        // yet arrived (sent within the last 50 ms).
        assert!(
            (9_900..=10_000).contains(&totals.requests),
            "{}",
            totals.requests
        );
        world.audit().check().unwrap();
    }

    #[test]
    fn streaming_opens_every_connection() {
        let p = params(|r| r.n_clients = 500);
        let mut world = World::new(&p, Strategy::Streaming);
        world.run_until(SimTime::from_secs(5));
        assert_eq!(world.gauges().open_connections, 500);
        world.audit().check().unwrap();
    }
}
