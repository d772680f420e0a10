//! How a polling world advances: in slices of time, one kind of event at a time.
//!
//! A poller's schedule does not depend on the answers it gets, and a polling server has only requests
//! to serve, all with the same service time. So the kinds of events barely interact: a request's start
//! and finish follow from when the workers are next free the moment it arrives, and a response only
//! needs every message its client has when it leaves. Within a slice of time
//! `[start, end)` the engine therefore takes the events a kind at a time, each in time order: the
//! requests sent; the requests arriving at the server; the messages created and the responses leaving,
//! merged in time order; the responses reaching their clients. Each step is a tight loop over one or two
//! queues instead of picking the earliest of ten queues for every event, and busy worker time is added
//! up once per slice.
//!
//! When a slice can hold every event it would need (an unbudgeted run or a large budget), it goes
//! further: each request sent in it is taken through its whole life at once (arrival, start, finish,
//! response) as far as that goes before the slice's end, and joins the queues only for the rest
//! (`run_whole_lives`). That is the same order of effects, as explained there, and
//! it spares most requests three queues. Most of those lives are the simple case: a worker is free
//! when the poll arrives, and its response leaves before the slice ends. `run_steady_polls` takes
//! runs of them in a tight loop (the queues used as plain FIFOs, the counters added up once, a
//! client's messages found from the marks of the last sweeps, nine times in ten with no draw), and
//! hands the first poll that is not such a case to the general code.
//!
//! The result does not depend on where slices end, so a run is the same however it is sliced into
//! calls, and it is the same as the event-by-event loop's (`tests/polling_slices.rs`). At one instant,
//! events of different kinds come in a fixed order (`docs/model.md`): a restart (a task, which ends a
//! slice) first; messages created before the responses that leave at that instant, which carry them;
//! requests arriving before workers finishing, so that a request arriving at the instant a worker
//! finishes finds the queue as it was (the order they were scheduled in whenever the network delay
//! exceeds the service time, as it nearly always does).
//!
//! A FIFO server with c workers starts each request at max(arrival, the earliest instant a worker is
//! free), and that worker is then free again at start + service time (the Kiefer–Wolfowitz recursion).
//! The world keeps those c instants in `free_workers`, a `TimeQueue`: with one service time they are
//! pushed in increasing order and stay in its FIFO; a service time changed mid-run can push one earlier
//! than the last, which its heap takes.

use super::{
    ClientRef, Delivery, Job, QueuedPoll, Source, Work, World, SECOND_US, TASK_CHUNK_COST,
};
use crate::blocks::BlockDeque;
use crate::params::MessagePattern;
use crate::queue::{TimeQueue, NO_EVENT};
use crate::world::{Advance, FlightKind};

/// Which clients are traced (every `trace_stride`-th of the first `traced × trace_stride`), tested
/// without a division, so that the loop for simple polls can leave traced clients to the general code
/// for a multiplication and two comparisons a poll.
#[derive(Clone, Copy, Default)]
pub(super) struct TracedIds {
    /// One past the last traced id; 0 when no client is traced.
    below: u64,
    /// ⌈2⁶⁴ / stride⌉, wrapped (0 for a stride of 1): an id is a multiple of the stride if and only
    /// if id × this, wrapped, is below it (Lemire, Kaser and Kurz, "Faster remainder by direct
    /// computation", 2019).
    inverse: u64,
}

impl TracedIds {
    pub(super) fn of(world: &World) -> TracedIds {
        TracedIds::new(world.traced, world.trace_stride)
    }

    fn new(traced: u32, stride: u32) -> TracedIds {
        let stride = u64::from(stride.max(1));
        TracedIds {
            below: u64::from(traced) * stride,
            inverse: (u64::MAX / stride).wrapping_add(1),
        }
    }

    #[inline(always)]
    pub(super) fn contains(self, id: u32) -> bool {
        let id = u64::from(id);
        id < self.below && id.wrapping_mul(self.inverse) <= self.inverse.wrapping_sub(1)
    }
}

/// At most how many entries of `queue` are due before `t`: exactly, by bisection, if they are in
/// order; if not, all of them unless none is.
fn due_before<P: Copy>(queue: &TimeQueue<P>, t: u64) -> u64 {
    if queue.peek_key().0 >= t {
        return 0;
    }
    match queue.last_time_if_in_order() {
        Some(last) if last >= t => {}
        _ => return queue.len() as u64,
    }
    let (mut below, mut at_or_after) = (0, queue.len());
    while below < at_or_after {
        let mid = below + (at_or_after - below) / 2;
        // Every entry is in the FIFO here; counting one that is not would only overcount.
        if queue.time_at_if_in_order(mid).is_none_or(|time| time < t) {
            below = mid + 1;
        } else {
            at_or_after = mid;
        }
    }
    below as u64
}

/// The events a slice aims for when the caller sets no smaller budget: enough that the per-slice work is
/// negligible, few enough that the slice's queues stay in the processor's cache.
const SLICE_EVENTS: u64 = 8_192;

/// What a slice keeps to add up busy worker time, with the capacity of workers removed while busy.
struct SliceFinishes {
    start: u64,
    busy_at_start: u64,
    /// Jobs in service at the start beyond the worker count: removed workers, busy until they finish
    /// (they finish first, as no new job starts meanwhile), counted as capacity until then.
    excess_at_start: u64,
    excess_us: u64,
    busy: SliceBusy,
}

impl SliceFinishes {
    fn new(world: &World, start: u64) -> SliceFinishes {
        let busy_at_start = world.in_service_requests.len() as u64;
        SliceFinishes {
            start,
            busy_at_start,
            excess_at_start: busy_at_start.saturating_sub(world.params.n_workers),
            excess_us: 0,
            busy: SliceBusy::default(),
        }
    }

    /// A job finishes at `t`, in time order.
    #[inline]
    fn finished(&mut self, t: u64) {
        if self.busy.finished < self.excess_at_start {
            self.excess_us += t - self.start;
        }
        self.busy.finished += 1;
        self.busy.finish_offsets += t - self.start;
    }
}

/// Busy worker time over a slice `[start, end)`, added up as jobs start and finish: the busy count at the
/// start times the slice's length, plus (end − start instant) for each job that starts in it, minus
/// (end − finish instant) for each that finishes in it. Kept as sums of offsets from the slice's start so
/// that the end can still move earlier while the slice runs.
#[derive(Default)]
struct SliceBusy {
    started: u64,
    start_offsets: u64,
    finished: u64,
    finish_offsets: u64,
}

impl World {
    /// [`World::advance`] for a polling world.
    pub(super) fn advance_polling(&mut self, until: u64, max_events: u64) -> Advance {
        let mut events = 0;
        let mut dispatched = 0;
        let reached = loop {
            let task_at = self.tasks.peek_key().0;
            if task_at <= self.now && task_at < until {
                // A restart, or clients joining or leaving, before anything else at this instant.
                if events >= max_events {
                    break false;
                }
                self.dispatch(Source::Task);
                dispatched += 1;
                events += TASK_CHUNK_COST;
                continue;
            }
            if self.now >= until {
                break true;
            }
            if events >= max_events {
                break false;
            }
            let end = until.min(task_at).min(self.next_boundary);
            let start = self.now;
            let (end, done) = match self.whole_lives_end(end, max_events - events) {
                Some(end) => {
                    let done = self.run_whole_lives(end);
                    // `whole_lives_events_before` is a bound: the tests hold it to that.
                    debug_assert!(
                        done <= max_events - events,
                        "{done} events for a budget of {}",
                        max_events - events
                    );
                    (end, done)
                }
                None => {
                    let budget = (max_events - events).min(SLICE_EVENTS);
                    let end = end.min(self.now.saturating_add(self.slice_span(budget)));
                    self.run_slice(end, budget)
                }
            };
            if end > start {
                self.slice_rate = (done.max(1) as f64 / (end - start) as f64).max(1e-6);
            }
            self.advance_clock(end);
            dispatched += done;
            events += done;
        };
        self.events += dispatched;
        Advance { reached, events }
    }

    /// How long a slice may be for about `budget` events: from the rate of the last slice, and never
    /// longer than the server could finish half that many jobs in, with their responses and the
    /// messages created meanwhile (so that the steps that cannot stop in the middle of a slice take at
    /// most the half of the budget that sending and arriving leave them, even when the rate jumps).
    fn slice_span(&self, budget: u64) -> u64 {
        let p = &self.params;
        let finishes_per_us = p.n_workers as f64 / p.service.as_micros() as f64;
        let messages_per_us = match p.pattern {
            MessagePattern::PerClient => p.message_rate * self.n_active as f64,
            MessagePattern::Broadcast => p.message_rate,
        } / 1e6;
        let cap = budget as f64 / 2.0 / (2.0 * finishes_per_us + messages_per_us);
        let by_rate = budget as f64 / self.slice_rate;
        (by_rate.min(cap) as u64).clamp(1, SECOND_US)
    }

    /// Processes the events in `[now, end)`, about `budget` of them; `end` is at most the next second
    /// boundary and the next task. Returns where the slice ended and the number of events.
    ///
    /// Requests sent and requests arriving can come in bursts (every client of a synchronized start at
    /// one instant), so they are taken together in (time, sequence) order and stop at half the budget,
    /// ending the slice at the instant they reached, even part-way through it; the later steps then stop
    /// there too, as they come after arrivals at one instant. The other steps are bounded by the span
    /// (see `slice_span`).
    fn run_slice(&mut self, mut end: u64, budget: u64) -> (u64, u64) {
        let start = self.now;
        let mut events = 0;
        let send_and_arrive_budget = budget.div_ceil(2);
        let mut slice = SliceFinishes::new(self, start);

        // 1. Requests sent (scheduled polls and the first polls of joining clients) and requests arriving
        // at the server, in (time, seq) order. A send comes before the arrivals of its instant, as these
        // were scheduled by sends at that instant.
        loop {
            let join = self
                .joins
                .iter()
                .map(|g| g.next_key)
                .min()
                .unwrap_or(NO_EVENT);
            let send = self.sends.peek_key();
            let arrival = self.arrivals.peek_key();
            let next = join.min(send).min(arrival);
            if next.0 >= end {
                break;
            }
            if events >= send_and_arrive_budget {
                end = next.0;
                break;
            }
            self.now = next.0;
            if next == arrival {
                if let Some(e) = self.arrivals.pop() {
                    self.arrive_poll(e.payload, start, &mut slice.busy);
                }
            } else if next == join {
                self.on_join();
            } else if let Some(e) = self.sends.pop() {
                self.on_send(e.payload);
            }
            events += 1;
        }
        self.start_queued_polls(end, start, &mut slice.busy);

        // 2. Messages created and workers finishing, in time order (messages first at one instant): a
        // response carries every message its client has when it leaves. Per-client messages are
        // only counted; broadcast ones are created in the loop.
        self.count_messages_created_before(end);
        loop {
            let finish_at = self.in_service_requests.peek_key().0;
            if self.next_message.0 <= finish_at && self.next_message.0 < end {
                self.now = self.next_message.0;
                self.on_message();
                events += 1;
                continue;
            }
            if finish_at >= end {
                break;
            }
            let Some(e) = self.in_service_requests.pop() else {
                break;
            };
            self.now = e.time;
            slice.finished(e.time);
            // Every message created until now has been created: the response carries them all.
            self.finish_request(e.payload.client);
            events += 1;
        }

        // 3. Responses reaching their clients.
        events += self.deliver_before(end);

        self.close_slice(start, end, slice);
        (end, events)
    }

    /// Where the next slice may end, at most `end`, if it can take each request's life whole
    /// (`run_whole_lives`) with `budget` events left, or `None` if it cannot.
    ///
    /// That needs: no clients joining (their first sends come from a join group, not the send queue)
    /// and no broadcast messages (a response takes those created before it leaves, so they must be
    /// created in time order with the responses); a network delay, and every request on the network
    /// arriving before any request sent in the slice, so that arrivals can be taken in the order of
    /// sending; and a budget for every event of the slice, which cannot stop half-way (see
    /// `whole_lives_events_before`). Traced clients are no obstacle: their flights are recorded as
    /// their lives are taken, out of time order but all leaving before the slice ends, which the
    /// buffer of flights allows for (see `make_room_for_a_flight`), so the flights in the air when a
    /// call ends are the same.
    // Once a slice: kept out of the loops it would otherwise be inlined into, which it slows.
    #[inline(never)]
    fn whole_lives_end(&self, end: u64, budget: u64) -> Option<u64> {
        let d = self.params.latency.as_micros();
        let in_order = self
            .arrivals
            .last_time_if_in_order()
            .is_some_and(|last| last <= self.now + d);
        if !self.joins.is_empty() || self.next_broadcast != NO_EVENT || d == 0 || !in_order {
            return None;
        }
        let interval = self.params.poll_interval.as_micros() as f64;
        let shortest_period = ((interval * (1.0 - self.params.jitter / 2.0)) as u64).max(1);
        let end = end.min(self.now.saturating_add(shortest_period));
        if end <= self.now {
            return None;
        }
        if self.whole_lives_events_before(end) <= budget {
            return Some(end);
        }
        // The latest end that fits, by bisection: the bound grows with the end.
        let (mut fits, mut too_far) = (self.now, end);
        while too_far - fits > 1 {
            let mid = fits + (too_far - fits) / 2;
            if self.whole_lives_events_before(mid) <= budget {
                fits = mid;
            } else {
                too_far = mid;
            }
        }
        (fits > self.now).then_some(fits)
    }

    /// At most how many events a whole-lives slice from now to `end` takes. Every event is counted where it can come before
    /// `end` at all: a request on the network arrives before `end` if it is due before it, finishes
    /// only if it arrives a service time before `end`, and its response reaches its client only a
    /// network delay after that; a request sent in the slice (at most one per entry of the send queue,
    /// as the slice is shorter than the shortest poll period) arrives a network delay after its send,
    /// and so on. A request waiting or in service takes a finish and a response, and a response on
    /// the network its arrival. Counting only what fits before `end` spares a large world (10 M
    /// clients, where 500,000 requests are on the network at once) a budget of three events for each
    /// of them before even a short slice may be taken whole.
    fn whole_lives_events_before(&self, end: u64) -> u64 {
        let latency = self.params.latency.as_micros();
        let service = self.params.service.as_micros();
        let arrivals_before = |t: u64| due_before(&self.arrivals, t);
        let sends_before = |t: u64| due_before(&self.sends, t);
        let on_the_network = arrivals_before(end)
            + arrivals_before(end.saturating_sub(service))
            + arrivals_before(end.saturating_sub(service + latency));
        let sent = sends_before(end)
            + sends_before(end.saturating_sub(latency))
            + sends_before(end.saturating_sub(latency + service))
            + sends_before(end.saturating_sub(2 * latency + service));
        let at_the_server = 2 * (self.queued_polls.len() + self.in_service_requests.len()) as u64;
        on_the_network + sent + at_the_server + self.deliveries.len() as u64
    }

    /// Processes the events in `[now, end)` a request at a time: each request sent in the slice is taken
    /// as far as its life goes before `end` (arrival, start, finish, response) at once, instead of a
    /// kind of event at a time through the queues, which it joins only for what comes at or after `end`.
    /// See `whole_lives_end` for when this may be done. Returns the number of events.
    ///
    /// The result is the same as `run_slice`'s. Requests on the network arrive before any sent in the
    /// slice, so they arrive first, and then arrivals come in the order of sending, as start instants
    /// follow arrival order. A response needs its client's earlier responses to have left, so jobs in
    /// service that finish no later than a request's finish are finished before it; with one service
    /// time in the slice, finishes then come in time order. Responses reaching pollers only add to
    /// counts, whatever their order.
    fn run_whole_lives(&mut self, end: u64) -> u64 {
        let start = self.now;
        let latency = self.params.latency.as_micros();
        let mut slice = SliceFinishes::new(self, start);
        let mut events = 0;

        // 1. Requests already on the network arrive.
        while self.arrivals.peek_key().0 < end {
            let Some(e) = self.arrivals.pop() else {
                break;
            };
            self.now = e.time;
            self.arrive_poll(e.payload, start, &mut slice.busy);
            events += 1;
        }

        // 2. Requests sent in the slice, each as far as it goes: a run of the simple case at a time
        // (`run_steady_polls`), and the others one by one.
        loop {
            events += self.run_steady_polls(end, &mut slice);
            if self.sends.peek_key().0 >= end {
                break;
            }
            let Some(e) = self.sends.pop() else {
                break;
            };
            events += 1;
            let client = e.payload;
            // Until a client leaves, every send is live: no look at the client table, which at a
            // million clients misses the cache.
            if self.clients_left_at.is_some() && !self.live(client) {
                continue;
            }
            self.now = e.time;
            self.second.requests_sent += 1;
            let arrive = e.time + latency;
            self.trace(client.id, FlightKind::Request, e.time, arrive);
            if arrive >= end {
                let seq = self.seq();
                self.arrivals.push(arrive, seq, client);
            }
            // Pollers keep their schedule whatever happens to their requests.
            let next = e.time + self.poll_period();
            let seq = self.seq();
            self.sends.push(next, seq, client);
            if arrive >= end {
                continue;
            }
            events += 1;
            self.now = arrive;
            events += self.whole_life(client, end, &mut slice);
        }
        self.start_queued_polls(end, start, &mut slice.busy);

        // 3. The rest of the jobs that finish in the slice, and the responses already on the network.
        events += self.finish_in_service(end, &mut slice);
        events += self.deliver_before(end);
        self.count_messages_created_before(end);
        self.close_slice(start, end, slice);
        events
    }

    /// Takes the polls sent from now on through their whole lives, as `run_whole_lives` does, for as
    /// long as each is the simple case: sent, answered and (if its response carries messages) back at
    /// its client before `end`, or at least answered; a worker free when it arrives; no job in service
    /// finishing before it; no broadcast message waiting for its client. Stops at the first send that
    /// is not, or whose client is traced, leaving it to the general code. Returns the number of events.
    ///
    /// The effects and their order are those of the general code (the same sequence numbers in the
    /// same order, so the same state), but each poll costs a few dozen instructions: the queues'
    /// rare cases are checked once for the run (no poll waits, so none joins the queue or the jobs
    /// in service), and the counters are added up once at its end. A response that reaches its
    /// client before `end` records its messages' latencies as it finds them, instead of drawing them
    /// again when it arrives.
    fn run_steady_polls(&mut self, end: u64, slice: &mut SliceFinishes) -> u64 {
        let p = &self.params;
        let latency = p.latency.as_micros();
        let service = p.service.as_micros();
        // A send before `last_send` arrives, starts and finishes before `end` and before the first
        // job in service finishes.
        let finish_bound = end.min(self.in_service_requests.peek_key().0);
        let Some(last_send) = finish_bound.checked_sub(latency + service) else {
            return 0;
        };
        let first_send = self.sends.peek_key().0;
        // Every poll of the run arrives after its send, so none while the server is down.
        if first_send >= last_send
            || p.jitter != 0.0
            || self.down_until > first_send
            || !self.queued_polls.is_empty()
            || slice.busy.finished < slice.excess_at_start
            || self.clients_left_at.is_some()
        {
            return 0;
        }
        let period = p.poll_interval.as_micros();
        let message_bytes = p.message_bytes;
        let traced = TracedIds::of(self);
        let log_end = self.log.end();
        let World {
            sends,
            free_workers,
            clients,
            deliveries,
            second_latency,
            next_seq,
            streams,
            ..
        } = self;
        let (Some(mut sends), Some(mut free_workers), Some(span)) = (
            sends.in_order_mut(),
            free_workers.in_order_mut(),
            streams.marked_span().filter(|span| span.until() >= end),
        ) else {
            return 0;
        };
        let mut seq = *next_seq;
        let mut polls = 0u64;
        let mut arrival_offsets = 0u64;
        let mut empty = 0u64;
        let mut carried_in_all = 0u64;
        let mut delivered = 0u64;
        let mut delivered_responses = 0u64;
        while let Some(&e) = sends.front() {
            let arrive = e.time + latency;
            let finish = arrive + service;
            let next_send = e.time + period;
            let free_at = free_workers.front().map_or(u64::MAX, |w| w.time);
            let client = e.payload;
            // A traced client's flights are recorded by the general code: a few polls a period.
            if e.time >= last_send
                || free_at >= arrive
                || !sends.fits_at_back(next_send)
                || !free_workers.fits_at_back(finish)
                || traced.contains(client.id)
            {
                break;
            }
            let record = &mut clients[client.id as usize];
            if record.cursor != log_end {
                break;
            }
            sends.pop_front();
            // Pollers keep their schedule whatever happens to their requests.
            sends.push_back(next_send, seq, client);
            // The earliest free worker takes it at once.
            free_workers.pop_front();
            free_workers.push_back(finish, seq + 1, ());
            seq += 2;
            polls += 1;
            arrival_offsets += arrive - slice.start;
            // The response carries every message the client has, those created at this instant
            // included (messages come first at an instant).
            let to = finish + 1;
            let from = std::mem::replace(&mut record.from, to);
            let reply_at = finish + latency;
            // The marks cover the last few epochs: a poll interval longer than that (ten seconds,
            // say) needs the streams' own look, which draws for every epoch.
            let marked = from >= span.from();
            let carried = if reply_at < end {
                let mut carried = 0;
                let mut record_latency = |created| {
                    second_latency.record(reply_at - created);
                    carried += 1;
                };
                if marked {
                    span.for_each(client.id, from, to, &mut record_latency);
                } else {
                    streams.for_each(client.id, from, to, &mut record_latency);
                }
                delivered += carried;
                delivered_responses += u64::from(carried > 0);
                carried
            } else {
                let carried = if marked {
                    span.count(client.id, from, to)
                } else {
                    streams.count(client.id, from, to)
                };
                if carried > 0 {
                    let delivery = Delivery::Response {
                        client,
                        from,
                        to,
                        cast_from: log_end,
                        cast_to: log_end,
                    };
                    deliveries.push(reply_at, seq, delivery);
                    seq += 1;
                }
                carried
            };
            empty += u64::from(carried == 0);
            carried_in_all += carried;
        }
        drop((sends, free_workers));
        *next_seq = seq;

        let p = &self.params;
        let header_in = p.header_bytes / 2;
        let second = &mut self.second;
        second.requests_sent += polls;
        second.requests += polls;
        second.requests_answered += polls;
        second.answered += polls;
        second.empty += empty;
        second.delivered += delivered;
        second.bytes_in += polls * header_in;
        second.bytes_out += polls * (p.header_bytes - header_in) + carried_in_all * message_bytes;
        let busy = &mut slice.busy;
        busy.started += polls;
        busy.start_offsets += arrival_offsets;
        busy.finished += polls;
        busy.finish_offsets += arrival_offsets + polls * service;
        // A send, an arrival and a finish each, and the responses that reached their clients.
        3 * polls + delivered_responses
    }

    /// The life of a poll that arrives now, before `end`, as far as it goes before `end`: its start,
    /// finish and response. Returns the number of events after the arrival.
    fn whole_life(&mut self, client: ClientRef, end: u64, slice: &mut SliceFinishes) -> u64 {
        let start = slice.start;
        let Some(poll_start) = self.admit_poll(client, start, &mut slice.busy) else {
            return 0;
        };
        let finish = poll_start + self.params.service.as_micros();
        if finish >= end {
            let poll = QueuedPoll {
                start: poll_start,
                client,
            };
            self.serve_poll(poll, start, &mut slice.busy);
            return 0;
        }
        slice.busy.started += 1;
        slice.busy.start_offsets += poll_start - start;
        let mut events = self.finish_in_service(finish + 1, slice);
        events += 1;
        slice.finished(finish);
        self.now = finish;
        if let Some((at, delivery)) = self.respond(client) {
            if at < end {
                events += 1;
                self.now = at;
                self.on_delivery(delivery);
            } else {
                let seq = self.seq();
                self.deliveries.push(at, seq, delivery);
            }
        }
        events
    }

    /// The responses that reach their clients before `end`; returns how many.
    fn deliver_before(&mut self, end: u64) -> u64 {
        let mut n = 0;
        while self.deliveries.peek_key().0 < end {
            let Some(e) = self.deliveries.pop() else {
                break;
            };
            self.now = e.time;
            self.on_delivery(e.payload);
            n += 1;
        }
        n
    }

    /// Counts the per-client messages created before `end`: they need no event, as a response
    /// computes its client's (see `streams.rs`).
    fn count_messages_created_before(&mut self, end: u64) {
        let created = self.window.take_before(end);
        if created > 0 {
            self.second.created += created;
            self.second.created_distinct += created;
            self.next_message = self.message_key();
        }
    }

    /// Finishes the jobs in service that finish before `before`, in order; returns how many.
    fn finish_in_service(&mut self, before: u64, slice: &mut SliceFinishes) -> u64 {
        let mut n = 0;
        while self.in_service_requests.peek_key().0 < before {
            let Some(e) = self.in_service_requests.pop() else {
                break;
            };
            self.now = e.time;
            slice.finished(e.time);
            self.finish_request(e.payload.client);
            n += 1;
        }
        n
    }

    /// Adds a slice's busy and available worker time to the running second.
    fn close_slice(&mut self, start: u64, end: u64, slice: SliceFinishes) {
        let SliceFinishes {
            busy_at_start,
            excess_at_start,
            mut excess_us,
            busy,
            ..
        } = slice;
        let length = end - start;
        excess_us += excess_at_start.saturating_sub(busy.finished) * length;
        // Every job counted as started is still busy at the end unless counted as finished.
        let busy_us = (busy_at_start + busy.started - busy.finished) * length + busy.finish_offsets
            - busy.start_offsets;
        let capacity_us = self.params.n_workers * length + excess_us;
        self.second.busy_us += busy_us;
        self.second.capacity_us += capacity_us.max(busy_us);
        self.last_integrated = end;
        self.now = start;
    }

    /// Queued polls whose start is before `before` get their worker.
    fn start_queued_polls(&mut self, before: u64, slice_start: u64, busy: &mut SliceBusy) {
        while let Some(&poll) = self.queued_polls.front() {
            if poll.start >= before {
                break;
            }
            self.queued_polls.pop_front();
            self.serve_poll(poll, slice_start, busy);
        }
    }

    fn serve_poll(&mut self, poll: QueuedPoll, slice_start: u64, busy: &mut SliceBusy) {
        let seq = self.seq();
        let finish = poll.start + self.params.service.as_micros();
        let job = Job {
            client: poll.client,
            work: Work::Request,
        };
        self.in_service_requests.push(finish, seq, job);
        busy.started += 1;
        busy.start_offsets += poll.start - slice_start;
    }

    /// A poll reaches the server now: it is refused, rejected, or given the instant it will start.
    fn arrive_poll(&mut self, client: ClientRef, slice_start: u64, busy: &mut SliceBusy) {
        if let Some(start) = self.admit_poll(client, slice_start, busy) {
            self.serve_poll(QueuedPoll { start, client }, slice_start, busy);
        }
    }

    /// [`arrive_poll`](World::arrive_poll), returning the poll's start if a worker takes it now (a
    /// start instant, not a poll, so that it comes back in a register: a struct written to memory and
    /// read back at once stalls the processor).
    #[inline(always)]
    fn admit_poll(
        &mut self,
        client: ClientRef,
        slice_start: u64,
        busy: &mut SliceBusy,
    ) -> Option<u64> {
        self.second.requests += 1;
        let reply_at = self.now + self.params.latency.as_micros();
        if self.now < self.down_until {
            // A refused TCP connection: no bytes, no worker time.
            self.second.rejected += 1;
            self.second.refused += 1;
            self.trace(client.id, FlightKind::Rejection, self.now, reply_at);
            return None;
        }
        let header_in = self.params.header_bytes / 2;
        self.second.bytes_in += header_in;
        // Workers that finished before now have taken the polls queued before this one. A worker that
        // finishes at this very instant does so after the arrival (see the order at the top).
        self.start_queued_polls(self.now, slice_start, busy);
        let free_at = self.free_workers.peek_key().0;
        if free_at >= self.now && self.queued_polls.len() as u64 >= self.params.queue_limit {
            // A 503 costs the whole header pair and no worker time.
            self.second.rejected += 1;
            self.second.bytes_out += self.params.header_bytes - header_in;
            self.trace(client.id, FlightKind::Rejection, self.now, reply_at);
            return None;
        }
        self.free_workers.pop();
        let start = free_at.max(self.now);
        self.worker_free_at(start + self.params.service.as_micros());
        let poll = QueuedPoll { start, client };
        if free_at < self.now {
            Some(start)
        } else {
            // It waits, if only until a worker finishes later in this instant.
            self.queued_polls.push_back(poll);
            self.max_queue = self.max_queue.max(self.queued_polls.len() as u64);
            None
        }
    }

    /// The number of workers or the service time changed now: the polls that wait get new start
    /// instants. Polls in service keep theirs; when workers were removed, the new start instants come
    /// from the latest-finishing polls in service, as those are the workers that remain.
    pub(super) fn reschedule_queued_polls(&mut self) {
        let n_workers = self.params.n_workers;
        let in_service = self.in_service_requests.drain_sorted();
        let kept = in_service.len().saturating_sub(n_workers as usize);
        self.reset_free_workers(n_workers.saturating_sub(in_service.len() as u64), self.now);
        for e in &in_service[kept..] {
            self.worker_free_at(e.time);
        }
        for e in in_service {
            self.in_service_requests.push(e.time, e.seq, e.payload);
        }
        let service = self.params.service.as_micros();
        let queued = std::mem::take(&mut self.queued_polls);
        let mut rescheduled = BlockDeque::default();
        for poll in queued.iter() {
            let earliest = self.free_workers.pop().map_or(self.now, |e| e.time);
            let start = earliest.max(self.now);
            self.worker_free_at(start + service);
            rescheduled.push_back(QueuedPoll { start, ..*poll });
        }
        self.queued_polls = rescheduled;
    }

    /// `n_workers` workers, all free from `at` on.
    pub(super) fn reset_free_workers(&mut self, n_workers: u64, at: u64) {
        self.free_workers = TimeQueue::default();
        for _ in 0..n_workers {
            self.worker_free_at(at);
        }
    }

    /// A worker is free from `at` on.
    fn worker_free_at(&mut self, at: u64) {
        let seq = self.seq();
        self.free_workers.push(at, seq, ());
    }
}

#[cfg(test)]
mod tests {
    use super::TracedIds;

    #[test]
    fn traced_ids_are_the_multiples_of_the_stride_below_the_last() {
        for (traced, stride) in [(0, 1), (1, 1), (24, 1), (24, 7), (3, 1_000), (24, 416_666)] {
            let ids = TracedIds::new(traced, stride);
            let probes = (0..3_000u32)
                .chain((0..40).map(|k| k * stride))
                .chain((1..40).flat_map(|k| [k * stride - 1, k * stride + 1]))
                .chain([u32::MAX - 1, u32::MAX]);
            for id in probes {
                let expected = id % stride == 0 && id / stride < traced;
                assert_eq!(
                    ids.contains(id),
                    expected,
                    "{traced} traced, stride {stride}, id {id}"
                );
            }
        }
        // The largest stride and ids near the top of the range.
        let ids = TracedIds::new(1, u32::MAX);
        assert!(ids.contains(0) && !ids.contains(1) && !ids.contains(u32::MAX));
        let ids = TracedIds::new(2, u32::MAX / 2);
        assert!(ids.contains(u32::MAX / 2) && !ids.contains(u32::MAX - 1));
    }
}
