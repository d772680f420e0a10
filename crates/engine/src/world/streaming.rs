//! How a streaming world advances: the general event loop, with loops of its own for its own kinds
//! of events.
//!
//! A streaming world's events are connects sent, arriving and served, messages created, heartbeats
//! due, pushes finishing and pushes reaching their clients; tasks (a window's build, a restart) and
//! clients joining are rare. `run_streaming_events` takes runs of its own kinds in (time, sequence)
//! order, as the general loop would, with their keys packed for comparison and without a look at the
//! sources it never needs (held requests), and spares most of them a look at the client's record,
//! which at a million clients misses the cache every time: with every client connected a message
//! needs no look to know that it is pushed, with no client ever gone a push needs none to name its
//! client, and with no client gone since a push's message was created its delivery needs none to know
//! that it still has a client to reach. It hands back to the general loop at the first event of any
//! other kind.
//!
//! Once every client is connected, `run_push_lives` goes further: each push and heartbeat starts on a
//! free worker the instant it is due, so its whole life (start, finish, delivery) is known at once,
//! and only the lives still under way when the run ends join the queues. Between two heartbeats the
//! messages start in batches, straight from the window (`start_message_batch`): their sequence
//! numbers follow one another, and those that reach their clients before the run ends only count. A
//! steady simulated second at a million clients is then mostly the sweep that builds the next window
//! of messages.
//!
//! The order of effects is the general loop's wherever order matters (`tests/streaming_slices.rs`).

use super::polling::TracedIds;
use super::{
    Advance, ClientRef, Delivery, FlightKind, Job, Phase, Source, Work, World, TASK_CHUNK_COST,
};
use crate::params::MessagePattern;
use crate::queue::{pack, unpack, NO_EVENT};

/// The earlier of two events by packed key, `a` if they tie.
#[inline(always)]
fn earliest(a: (u128, Source), b: (u128, Source)) -> (u128, Source) {
    if b.0 < a.0 {
        b
    } else {
        a
    }
}

/// A push or heartbeat that a worker started in a run of whole lives (`run_push_lives`).
#[derive(Clone, Copy)]
struct Life {
    start: u64,
    /// The sequence number of its start, which its job keeps if it is still in service when the run
    /// ends.
    seq: u64,
    id: u32,
    /// A heartbeat, or else a message created at `start`.
    heartbeat: bool,
}

impl World {
    /// [`World::advance`] for a streaming world.
    pub(super) fn advance_streaming(&mut self, until: u64, max_events: u64) -> Advance {
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
            if !matches!(source, Source::Task | Source::Join | Source::HoldTimeout) {
                let done = self.run_streaming_events(until, max_events - events);
                if done > 0 {
                    dispatched += done;
                    events += done;
                    continue;
                }
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

    /// Processes, in order, the events before `until` of a streaming world's own kinds (every kind
    /// but tasks, joining clients and held requests), at most `budget` of them, up to the first event
    /// of another kind. Returns the number of events.
    fn run_streaming_events(&mut self, until: u64, budget: u64) -> u64 {
        // Broadcast messages fan out through tasks, which the general loop runs.
        if self.params.pattern != MessagePattern::PerClient {
            return 0;
        }
        // None of the events taken here schedules an event of another kind, so the earliest of those
        // stays where it is.
        let mut other = self.tasks.peek_key();
        for group in &self.joins {
            other = other.min(group.next_key);
        }
        if self.held > 0 {
            other = other.min(self.holds.peek().map_or(NO_EVENT, |(key, _)| key));
        }
        let other = pack(other.min((until, 0)));
        let connects = pack(self.sends.peek_key())
            .min(self.arrivals.peek_packed())
            .min(self.in_service_requests.peek_packed());
        if let Some(events) = self.run_push_lives(unpack(other.min(connects)).0, budget) {
            return events;
        }
        let mut events = 0;
        'events: while events < budget {
            // The earliest event that is not a connect's. A connect's send or arrival only adds to the
            // queues of connects and, for a refused or rejected arrival, to the deliveries, so while
            // connects come first (a million of them in the first second at a million clients) this
            // needs no fresh look after each: that saves four of the seven comparisons per event.
            // Keys are unique (no two events share a sequence number), so the order of comparisons
            // does not change the choice.
            let mut rest = [
                (pack(self.next_message), Source::Message),
                (self.in_service_pushes.peek_packed(), Source::FinishPush),
                (self.deliveries.peek_packed(), Source::Delivery),
                (self.heartbeats.peek_packed(), Source::Heartbeat),
            ]
            .into_iter()
            .fold((other, Source::Task), earliest);
            loop {
                if events >= budget {
                    break 'events;
                }
                // The connects first, by their keys alone: two keys tie only when both queues are
                // empty, and then neither comes before `rest`.
                let send = self.sends.peek_packed();
                let arrival = self.arrivals.peek_packed();
                let finish = self.in_service_requests.peek_packed();
                let connect = send.min(arrival).min(finish);
                if connect < rest.0 {
                    self.advance_clock(unpack(connect).0);
                    events += 1;
                    // The handlers are called directly, as `dispatch` would call them: through
                    // `dispatch`, each event paid for its match and its saving of registers.
                    if connect == send {
                        if let Some(e) = self.sends.pop() {
                            self.prefetch_next_send();
                            self.on_send(e.payload);
                        }
                    } else if connect == arrival {
                        if let Some(e) = self.arrivals.pop() {
                            self.on_arrival(e.payload);
                        }
                        rest = earliest(rest, (self.deliveries.peek_packed(), Source::Delivery));
                    } else {
                        if let Some(e) = self.in_service_requests.pop() {
                            self.on_finish(e.payload);
                        }
                        // Once every client is connected, whole lives can take over.
                        if self.open_connections == u64::from(self.n_active) {
                            break 'events;
                        }
                        // An open connection may have queued pushes and a heartbeat.
                        continue 'events;
                    }
                    continue;
                }
                let (next, source) = rest;
                if source == Source::Task {
                    break 'events;
                }
                self.advance_clock(unpack(next).0);
                events += 1;
                match source {
                    Source::Message => {
                        self.create_messages_now();
                        continue 'events;
                    }
                    Source::Delivery => {
                        let Some(e) = self.deliveries.pop() else {
                            break 'events;
                        };
                        match e.payload {
                            Delivery::Push { client, created } => {
                                self.deliver_push(client, created);
                            }
                            other => self.on_delivery(other),
                        }
                        continue 'events;
                    }
                    _ => {
                        self.dispatch(source);
                        continue 'events;
                    }
                }
            }
        }
        events
    }

    /// The per-client messages of this instant are created, in client order: each connected client
    /// gets a push.
    fn create_messages_now(&mut self) {
        let all_connected =
            self.records == self.n_active && self.open_connections == u64::from(self.n_active);
        // While the first connects come in, the clients connected are those before a prefix's end:
        // a message for any other waits, which needs no look at its record (a miss of the cache for
        // every message, at a million clients).
        let prefix = self.connected_prefix;
        let prefix_connected = self.open_connections == u64::from(prefix);
        // A client's incarnation only changes when it leaves.
        let no_one_left = self.clients_left_at.is_none();
        if !(all_connected || prefix_connected) || !no_one_left {
            self.on_message();
            return;
        }
        while let Some(id) = self.window.pop_at(self.now) {
            self.second.created += 1;
            self.second.created_distinct += 1;
            if all_connected || id < prefix {
                let job = Job {
                    client: ClientRef { id, gen: 0 },
                    work: Work::PushMessage(self.now),
                };
                self.admit(job);
            }
        }
        self.next_message = self.message_key();
    }

    /// A pushed message, created at `created`, reaches its client now.
    fn deliver_push(&mut self, client: ClientRef, created: u64) {
        // The push was made for a client there at the message's creation or later: if none has left
        // since before then, it is still there. (Clients leaving at that very instant may have left
        // after it, when a budget ended a call in the middle of the instant.)
        let still_there = self.clients_left_at.is_none_or(|left| left < created);
        if still_there || self.live(client) {
            self.second_latency.record(self.now - created);
            self.second.delivered += 1;
        } else {
            self.second.abandoned += 1;
        }
    }
}

/// How many lives a run of whole lives starts between two looks for those that are over, which it
/// then forgets if they are most of what it keeps.
const FORGET_LIVES: usize = 4096;

/// The lives started in a run of whole lives, in order of start.
#[derive(Default)]
struct Lives {
    all: Vec<Life>,
    /// `all[..over]` are over: a heartbeat once finished, a message once at its client.
    over: usize,
    /// `all[..finished]` have finished.
    finished: usize,
    started: u64,
    messages_delivered: u64,
    heartbeats_finished: u64,
    /// The length of `all` at which to look again for lives that are over: a look stops at the first
    /// message still on its way, so looks at every start while one holds them up (the fifty
    /// milliseconds of a network delay, in a second of a million heartbeats) would find nothing.
    next_look: usize,
    /// The clients traced for the animated view.
    traced: TracedIds,
    /// The lives of traced clients that finished in the run with their flight (a push or a heartbeat
    /// leaving the server at its finish) possibly still in the air; it is recorded when the run ends.
    traced_finished: Vec<Life>,
}

impl Lives {
    /// Every [`FORGET_LIVES`] starts, counts and forgets the lives over before `at` (see
    /// [`count_over_before`](Self::count_over_before)).
    #[inline]
    fn look_now_and_then(
        &mut self,
        at: u64,
        (push_service, latency): (u64, u64),
        run_start: u64,
        busy: &mut SliceBusy,
    ) {
        if self.all.len() >= self.next_look {
            self.finish_before(at, push_service);
            self.count_over_before(at, (push_service, latency), run_start, busy);
            self.next_look = self.all.len() + FORGET_LIVES;
        }
    }

    fn start(&mut self, life: Life) {
        self.all.push(life);
        self.started += 1;
    }

    fn in_service(&self) -> u64 {
        (self.all.len() - self.finished) as u64
    }

    /// The lives that finish before `at`, a push service time after their start, have finished.
    #[inline]
    fn finish_before(&mut self, at: u64, push_service: u64) {
        while self
            .all
            .get(self.finished)
            .is_some_and(|life| life.start + push_service < at)
        {
            self.finished += 1;
        }
    }

    /// Counts the finished lives that are over before `at` (a message reaches its client a push
    /// service time and a network delay after its start) in the busy time of a run that began at
    /// `run_start`, and forgets them if they are most of what is kept.
    #[inline]
    fn count_over_before(
        &mut self,
        at: u64,
        (push_service, latency): (u64, u64),
        run_start: u64,
        busy: &mut SliceBusy,
    ) {
        while let Some(life) = self.all[..self.finished].get(self.over) {
            if !life.heartbeat && life.start + push_service + latency >= at {
                break;
            }
            self.over += 1;
            // A message over has reached its client, so a traced one's flight has landed, and the
            // animated view shows only flights in the air; a heartbeat's may still be in the air.
            if life.heartbeat && self.traced.contains(life.id) {
                self.traced_finished.push(*life);
            }
            busy.finished(life.start + push_service - run_start);
            if life.heartbeat {
                self.heartbeats_finished += 1;
            } else {
                self.messages_delivered += 1;
            }
        }
        if 2 * self.over > self.all.len() {
            self.all.drain(..self.over);
            self.finished -= self.over;
            self.over = 0;
        }
    }
}

impl World {
    /// Takes the pushes and heartbeats that start before `end` through their whole lives at once:
    /// each starts on a free worker the instant its message is created or its heartbeat is due,
    /// finishes a push service time later and, for a message, reaches its client a network delay
    /// after that. Only the lives that are still under way when the run ends join the queues, for
    /// the rest. Returns `None` if the world is not in the state this needs, and otherwise the
    /// number of events, which is 0 if the first start could not be taken.
    ///
    /// That needs every client connected (no message waits, and any other delivery on the network
    /// is a 503 or refusal for a client that has left since, which does nothing), no job waiting, and
    /// workers enough: before each start, the jobs in service (those that finish at that instant
    /// counted too, which is safe whatever their order) must leave a worker free, and the run ends
    /// at the first start that would not find one, or at the budget, before that start's instant if
    /// nothing at it has been taken yet, or part-way through it (as the general loop may). Effects
    /// are those of the general loop, in its order where order matters: starts (which decide who
    /// gets a worker) in (time, sequence) order, each with its sequence number, so that the jobs and
    /// heartbeat timers left for later are ordered as the general loop would order them; finishes
    /// and deliveries, which only count, in any order within the run; the flights of traced
    /// clients, which the animated view shows as a set, when the run ends.
    fn run_push_lives(&mut self, end: u64, budget: u64) -> Option<u64> {
        let all_connected =
            self.records == self.n_active && self.open_connections == u64::from(self.n_active);
        let in_service_at_start = self.busy_workers();
        let workers = self.params.n_workers;
        if !all_connected
            || !self.waiting.is_empty()
            || in_service_at_start > workers
            || self.last_integrated != self.now
        {
            return None;
        }
        let start = self.now;
        let mut end = end.min(self.next_boundary);
        let push_service = self.params.push_service.as_micros();
        let latency = self.params.latency.as_micros();
        let requests_in_service = self.in_service_requests.len() as u64;
        let no_one_left = self.clients_left_at.is_none();
        let mut lives = Lives {
            traced: TracedIds::of(self),
            ..Lives::default()
        };
        let mut busy = SliceBusy::default();
        // The jobs in service and deliveries on the network when the run began, until they are over.
        let mut earlier_events_before = self.earlier_events_before();
        let mut earlier_in_service = self.in_service_pushes.len() as u64;
        let mut events = 0u64;
        let mut created = 0u64;
        loop {
            let message_at = self.window.peek_time().unwrap_or(u64::MAX);
            let heartbeat = self.heartbeats.peek_key();
            let at = message_at.min(heartbeat.0);
            if at >= end {
                break;
            }
            // Everything before this instant that is not a start.
            if earlier_events_before < at {
                let most = budget.saturating_sub(events + 3 * lives.started);
                let (done, done_before) =
                    self.finish_and_deliver_before(start, at, most, &mut busy);
                events += done;
                if done_before < at {
                    end = done_before;
                    break;
                }
                earlier_events_before = self.earlier_events_before();
                earlier_in_service = self.in_service_pushes.len() as u64;
            }
            if message_at <= heartbeat.0 {
                // Messages before the next heartbeat and the next finish of an earlier job (which
                // takes a sequence number) start in a batch: a steady second at a million clients is
                // a hundred thousand of them, which one at a time cost more than the sweep that
                // finds them.
                let limit = end
                    .min(heartbeat.0.saturating_add(1))
                    .min(self.in_service_pushes.peek_key().0.saturating_add(1));
                lives.finish_before(at, push_service);
                let in_service = requests_in_service + earlier_in_service + lives.in_service();
                let batch = MessageBatch {
                    run_start: start,
                    push_service,
                    latency,
                    free_workers: workers.saturating_sub(in_service),
                    budget_left: budget.saturating_sub(events + 3 * lives.started),
                };
                let (taken, done) = self.start_message_batch(limit, &batch, &mut lives, &mut busy);
                if taken > 0 {
                    events += done;
                    created += taken;
                    earlier_events_before = self.earlier_events_before();
                    earlier_in_service = self.in_service_pushes.len() as u64;
                    lives.look_now_and_then(self.now, (push_service, latency), start, &mut busy);
                    continue;
                }
            }
            if heartbeat.0 < message_at {
                // Heartbeats before the next message and the next earlier event start in a batch
                // too: once a heartbeat interval after the first connects, every connection's
                // heartbeat comes due within a second.
                let batch = HeartbeatBatch {
                    run_start: start,
                    limit: end
                        .min(message_at)
                        .min(earlier_events_before.saturating_add(1)),
                    push_service,
                    latency,
                    workers_left: workers - (requests_in_service + earlier_in_service).min(workers),
                    budget,
                };
                if self.start_heartbeat_batch(&batch, &mut lives, &mut busy, &mut events) {
                    continue;
                }
            }
            let mut in_service = requests_in_service + earlier_in_service + lives.in_service();
            if in_service >= workers {
                // Lives are marked finished only when the count might matter.
                lives.finish_before(at, push_service);
                in_service = requests_in_service + earlier_in_service + lives.in_service();
            }
            if in_service >= workers || events + 3 * lives.started >= budget {
                end = at;
                break;
            }
            self.now = at;
            let seq = self.seq();
            if message_at <= heartbeat.0 {
                let Some(id) = self.window.pop_at(at) else {
                    break;
                };
                created += 1;
                lives.start(Life {
                    start: at,
                    seq,
                    id,
                    heartbeat: false,
                });
            } else {
                let Some(e) = self.heartbeats.pop() else {
                    break;
                };
                events += 1;
                let interval = self.params.heartbeat.as_micros();
                let timer = e.payload;
                if !self.heartbeat_due(timer) {
                    continue;
                }
                lives.start(Life {
                    start: at,
                    seq,
                    id: timer.id,
                    heartbeat: true,
                });
                let seq = self.seq();
                self.heartbeats.push(at + interval, seq, timer);
            }
            busy.started(at - start);
            lives.look_now_and_then(at, (push_service, latency), start, &mut busy);
        }
        if end <= start && lives.all.is_empty() && events == 0 {
            self.now = start;
            return Some(0);
        }
        let most = budget.saturating_sub(events + 3 * lives.started);
        let (done, done_before) = self.finish_and_deliver_before(start, end, most, &mut busy);
        events += done;
        // Every start so far came after the earlier events before it: this is not before any start.
        end = done_before;
        lives.finish_before(end, push_service);
        lives.count_over_before(end, (push_service, latency), start, &mut busy);
        // The lives still under way go on through the queues: messages that finished, to their
        // clients; the others, in service. Heartbeats that finished are over.
        let mut pushes_on_network = 0;
        for life in &lives.all[lives.over..] {
            let finish = life.start + push_service;
            if finish < end && lives.traced.contains(life.id) {
                lives.traced_finished.push(*life);
            }
            if finish < end && life.heartbeat {
                busy.finished(finish - start);
                lives.heartbeats_finished += 1;
                continue;
            }
            let gen = if no_one_left {
                0
            } else {
                self.clients[life.id as usize].gen
            };
            let client = ClientRef { id: life.id, gen };
            if finish < end {
                busy.finished(finish - start);
                pushes_on_network += 1;
                let created = life.start;
                self.deliveries.push(
                    finish + latency,
                    life.seq,
                    Delivery::Push { client, created },
                );
            } else {
                let work = if life.heartbeat {
                    Work::Heartbeat
                } else {
                    Work::PushMessage(life.start)
                };
                self.in_service_pushes
                    .push(finish, life.seq, Job { client, work });
            }
        }
        // A start, a finish and, for a message, a delivery each, about.
        events += 3 * lives.started;
        let delivered = lives.messages_delivered;
        self.second_latency
            .record_n(push_service + latency, delivered);
        let pushes = delivered + pushes_on_network;
        let heartbeats = lives.heartbeats_finished;
        let p = &self.params;
        let second = &mut self.second;
        second.created += created;
        second.created_distinct += created;
        second.delivered += delivered;
        second.pushes += pushes + heartbeats;
        second.heartbeats += heartbeats;
        second.bytes_out += pushes * (p.frame_bytes + p.message_bytes) + heartbeats * p.frame_bytes;
        let length = end - start;
        second.busy_us += (in_service_at_start + busy.started - busy.finished) * length
            + busy.finish_offsets
            - busy.start_offsets;
        second.capacity_us += workers * length;
        // The traced lives' flights, which the general loop records as each finishes: in another
        // order, which the animated view does not see (it shows the flights in the air, as a set).
        for life in &lives.traced_finished {
            let finish = life.start + push_service;
            let kind = if life.heartbeat {
                FlightKind::Heartbeat
            } else {
                FlightKind::Push
            };
            self.trace(life.id, kind, finish, finish + latency);
        }
        self.last_integrated = end;
        // Closes the second if the run ends at its end, as the general loop does on reaching it.
        self.advance_clock(end);
        self.next_message = self.message_key();
        Some(events)
    }

    /// Starts, as whole lives, the messages from the next one (whose earlier events are done) up to
    /// `limit` (before the next event that a start must not pass), as many as the free workers and the
    /// budget allow, as `run_push_lives` would one at a time. The deliveries on the network before the
    /// last of them are done first: they only count, and commute with the starts. Returns the number
    /// of starts and of deliveries.
    fn start_message_batch(
        &mut self,
        limit: u64,
        batch: &MessageBatch,
        lives: &mut Lives,
        busy: &mut SliceBusy,
    ) -> (u64, u64) {
        let entries = self.window.peek_before(limit);
        let most_starts = usize::try_from(batch.budget_left.div_ceil(3)).unwrap_or(usize::MAX);
        let entries = &entries[..entries.len().min(most_starts)];
        let mut n = starts_with_a_free_worker(entries, batch.push_service, batch.free_workers);
        if n == 0 {
            return (0, 0);
        }
        let base = self.window.base();
        let last_at = base + (entries[n - 1] >> 32);
        let mut deliveries = 0;
        if self.earlier_events_before() < last_at {
            let most = batch.budget_left.saturating_sub(3 * n as u64);
            let (done, done_before) =
                self.finish_and_deliver_before(batch.run_start, last_at, most, busy);
            deliveries = done;
            if done_before < last_at {
                // Those at the instant where the budget ran out may still start, as one at a time.
                n = n.min(self.window.peek_before(done_before + 1).len());
            }
        }
        let entries = &self.window.peek_before(limit)[..n];
        let last_at = base + (entries[n - 1] >> 32);
        // The run ends at the last start or later: the messages that reach their clients before
        // that are over by then, and only count. The others are kept to be seen to their end.
        let reach = batch.push_service + batch.latency;
        let over = entries.partition_point(|&e| base + (e >> 32) + reach < last_at);
        let offsets = |entries: &[u64]| entries.iter().map(|&e| e >> 32).sum::<u64>();
        let (over_offsets, all_offsets) = (offsets(&entries[..over]), offsets(entries));
        let first_seq = self.next_seq;
        // The messages over before the last start have reached their clients by the end of the run:
        // a traced one's flight has landed, and the animated view shows only flights in the air.
        for (i, &e) in entries.iter().enumerate().skip(over) {
            lives.all.push(Life {
                start: base + (e >> 32),
                seq: first_seq + i as u64,
                id: e as u32,
                heartbeat: false,
            });
        }
        let (n, over) = (n as u64, over as u64);
        self.next_seq += n;
        lives.started += n;
        lives.messages_delivered += over;
        busy.started += n;
        busy.start_offsets += all_offsets + n * base - n * batch.run_start;
        busy.finished += over;
        busy.finish_offsets +=
            over_offsets + over * (base + batch.push_service) - over * batch.run_start;
        self.now = last_at;
        self.window.take_first(n as usize);
        (n, deliveries)
    }

    /// Starts, as whole lives, the heartbeats due from the next one (whose earlier events are done)
    /// up to `batch.limit`, as `run_push_lives` would one at a time, through the heartbeat queue's
    /// first block, while a worker is free and the budget allows. Returns whether it took any.
    fn start_heartbeat_batch(
        &mut self,
        batch: &HeartbeatBatch,
        lives: &mut Lives,
        busy: &mut SliceBusy,
        events: &mut u64,
    ) -> bool {
        let interval = self.params.heartbeat.as_micros();
        let Some(mut timers) = self.heartbeats.in_order_mut() else {
            return false;
        };
        let mut taken = false;
        // A timer set again that cannot go through the view, which then stops.
        let mut set_later = None;
        while let Some(&e) = timers.front() {
            let at = e.time;
            if at >= batch.limit || *events + 3 * lives.started >= batch.budget {
                break;
            }
            if lives.in_service() >= batch.workers_left {
                lives.finish_before(at, batch.push_service);
                if lives.in_service() >= batch.workers_left {
                    break;
                }
            }
            timers.pop_front();
            taken = true;
            *events += 1;
            self.now = at;
            let seq = self.next_seq;
            self.next_seq += 1;
            let timer = e.payload;
            // `heartbeat_due`, written out: the view of the timer queue holds `self.heartbeats`.
            let due = interval != 0 && timer.id < self.records && {
                let c = &self.clients[timer.id as usize];
                c.phase == Phase::Connected && c.token == timer.token
            };
            if !due {
                continue;
            }
            lives.start(Life {
                start: at,
                seq,
                id: timer.id,
                heartbeat: true,
            });
            busy.started(at - batch.run_start);
            let seq = self.next_seq;
            self.next_seq += 1;
            if timers.fits_at_back(at + interval) {
                timers.push_back(at + interval, seq, timer);
            } else {
                set_later = Some((at + interval, seq, timer));
                break;
            }
            lives.look_now_and_then(
                at,
                (batch.push_service, batch.latency),
                batch.run_start,
                busy,
            );
        }
        drop(timers);
        if let Some((at, seq, timer)) = set_later {
            self.heartbeats.push(at, seq, timer);
        }
        taken
    }

    /// When the next of the jobs in service or deliveries on the network is due.
    fn earlier_events_before(&self) -> u64 {
        self.in_service_pushes
            .peek_key()
            .0
            .min(self.deliveries.peek_key().0)
    }

    /// The jobs that were in service and the deliveries that were on the network when a run of
    /// whole lives began at `start`, and the deliveries of those jobs, in time order up to `before`,
    /// at most `most` of them. Returns how many, and the instant before which all are done: `before`,
    /// or where `most` ran out.
    fn finish_and_deliver_before(
        &mut self,
        start: u64,
        before: u64,
        most: u64,
        busy: &mut SliceBusy,
    ) -> (u64, u64) {
        let mut events = 0;
        loop {
            let finish = self.in_service_pushes.peek_key().0;
            let next = finish.min(self.deliveries.peek_key().0);
            if next >= before {
                return (events, before);
            }
            if events >= most {
                return (events, next);
            }
            events += 1;
            self.now = next;
            if finish == next {
                let Some(e) = self.in_service_pushes.pop() else {
                    break;
                };
                busy.finished(e.time - start);
                self.on_finish(e.payload);
            } else {
                let Some(e) = self.deliveries.pop() else {
                    break;
                };
                match e.payload {
                    Delivery::Push { client, created } => self.deliver_push(client, created),
                    other => self.on_delivery(other),
                }
            }
        }
        (events, before)
    }
}

/// What a batch of message starts in a run of whole lives needs to know of the run.
struct MessageBatch {
    run_start: u64,
    push_service: u64,
    latency: u64,
    /// Workers free at the batch's first start, the lives that finish before it aside.
    free_workers: u64,
    /// Events the run may still do.
    budget_left: u64,
}

/// What a batch of heartbeat starts in a run of whole lives needs to know of the run.
struct HeartbeatBatch {
    run_start: u64,
    /// Heartbeats due from this instant on are left for later.
    limit: u64,
    push_service: u64,
    latency: u64,
    /// Workers that the jobs in service when the run began leave for its lives.
    workers_left: u64,
    budget: u64,
}

/// How many of the first `entries` (window entries in creation order) find a worker free at their
/// start, if `free` are free at the first and each start keeps one busy for `push_service`: the
/// first start that finds every worker busy has `free` starts before it within `push_service`.
fn starts_with_a_free_worker(entries: &[u64], push_service: u64, free: u64) -> usize {
    let Ok(free) = usize::try_from(free) else {
        return entries.len();
    };
    if free >= entries.len() {
        return entries.len();
    }
    entries[free..]
        .iter()
        .zip(entries)
        .position(|(&later, &earlier)| (earlier >> 32) + push_service >= later >> 32)
        .map_or(entries.len(), |i| i + free)
}

/// Busy worker time over a run of whole lives, as offsets from its start (see `world/polling.rs`).
#[derive(Default)]
struct SliceBusy {
    started: u64,
    start_offsets: u64,
    finished: u64,
    finish_offsets: u64,
}

impl SliceBusy {
    #[inline]
    fn started(&mut self, offset: u64) {
        self.started += 1;
        self.start_offsets += offset;
    }

    #[inline]
    fn finished(&mut self, offset: u64) {
        self.finished += 1;
        self.finish_offsets += offset;
    }
}
