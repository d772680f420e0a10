//! How a long-polling world advances: event by event, in the general loop's order, by a loop of its own.
//!
//! A long-polling world has five common kinds of events: messages created, requests arriving at the
//! server, holds timing out, workers finishing, responses reaching their clients. The general loop
//! picks the earliest of ten sources for every event and dispatches on its kind; this one compares the
//! keys of those five (and of the rare sources: tasks, joining clients and retries, which go through
//! the general dispatch) packed into single numbers, and takes each kind of event straight to its
//! handler. The order of events, the sequence numbers they are given and so the whole state are the
//! general loop's (`tests/long_polling_loop.rs` holds the two to each other).
//!
//! Natively, a request is answered when it starts (`world/answer_early.rs`), where nothing can change
//! before its response reaches the client (an unbudgeted call, a per-client message pattern, no
//! restart due, the same second): the work on the client's record and stream that the finish and the
//! response's arrival would do, each on a record long out of the cache, is done while the release has
//! it in. The finish and the arrival stay events, in their places and with their sequence numbers, but
//! touch no record: the one frees its worker and puts the response on the network, the other sends
//! the next request. The same draws of the client's stream tell whether a message will wait when that
//! request arrives, so the arrival needs none. (100,000 clients: 2,394 → 1,990 instructions a
//! request.)
//!
//! At a million clients nearly every event concerns a client whose record and hold link are out of
//! the cache, so the loop asks for those of the clients its queues name next (`prefetch_ahead`):
//! without that a run takes 1.7 times as long. Even so, a world of 100,000 clients, which fits in the
//! cache, takes two thirds of the time per request. The rest is instructions, spread thinly: the
//! sweep that builds each window, the release of a hold (its list's neighbours, the start, the early
//! answer and its draws), the arrival, and the loop itself (the choice of the next event, the
//! look-ahead, the clock). The choice of the next event is written out one comparison after another:
//! as a loop over an array of candidates it took a fifth of all instructions (100,000 clients,
//! cachegrind: 1,806 M instructions for the run as a loop, 1,414 M written out).

#[cfg(not(target_arch = "wasm32"))]
use super::{prefetch, Delivery};
use super::{Advance, Source, World, TASK_CHUNK_COST};
use crate::queue::pack;

impl World {
    /// [`World::advance`] for a long-polling world.
    pub(super) fn advance_long_polling(&mut self, until: u64, max_events: u64) -> Advance {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.answer_early_before = self.answers_early_until(until, max_events);
        }
        let mut events = 0;
        let mut dispatched = 0;
        let reached = loop {
            let (key, source) = self.next_long_polling_event();
            if (key >> 64) as u64 >= until {
                if until > self.now {
                    self.advance_clock(until);
                }
                break true;
            }
            if events >= max_events {
                break false;
            }
            self.advance_clock_within_second((key >> 64) as u64);
            #[cfg(not(target_arch = "wasm32"))]
            self.prefetch_ahead(source);
            dispatched += 1;
            events += 1;
            match source {
                Source::Message => self.on_message(),
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
                #[cfg(not(target_arch = "wasm32"))]
                Source::AnsweredFinish => self.on_answered_finish(),
                #[cfg(not(target_arch = "wasm32"))]
                Source::AnsweredDelivery => self.on_answered_delivery(),
                source => {
                    self.dispatch(source);
                    if source == Source::Task {
                        events += TASK_CHUNK_COST - 1;
                    }
                }
            }
        };
        self.events += dispatched;
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.answer_early_before = 0;
        }
        Advance { reached, events }
    }

    /// [`advance_clock`](World::advance_clock), with the common case, an instant in the same simulated
    /// second, inlined: the call and its register saves cost as much as the integration itself, and it
    /// happens for every event.
    #[inline(always)]
    fn advance_clock_within_second(&mut self, t: u64) {
        if t >= self.next_boundary {
            self.advance_clock(t);
        } else {
            self.integrate(t);
            self.now = t;
        }
    }

    /// Asks for the records that the event `PREFETCH_AHEAD` places further in the queue of `source` will
    /// need: at a million clients, a client's record and hold link are nearly always out of the cache
    /// when its next event comes (a message for a client held for seconds, an arrival or a response
    /// for one not seen for 50 ms), and the queues say which clients come next.
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    fn prefetch_ahead(&self, source: Source) {
        let client = match source {
            Source::Message => self.window.client_ahead(PREFETCH_AHEAD),
            Source::Arrival => self.arrivals.fifo_get(PREFETCH_AHEAD).map(|e| e.payload.id),
            Source::Delivery => self
                .deliveries
                .fifo_get(PREFETCH_AHEAD)
                .map(|e| match e.payload {
                    Delivery::Response { client, .. }
                    | Delivery::Push { client, .. }
                    | Delivery::Rejected { client }
                    | Delivery::Refused { client } => client.id,
                }),
            _ => None,
        };
        if source == Source::Message {
            // The links of the held client that a message half as far ahead will release were
            // asked for then, and have come in: the links of its neighbours in the list are next.
            let neighbours = self
                .window
                .client_ahead(PREFETCH_AHEAD / 2)
                .and_then(|id| self.holds.neighbours(id));
            if let Some((prev, next)) = neighbours {
                for id in [prev, next] {
                    if let Some(link) = self.holds.link_of(id) {
                        prefetch(link);
                    }
                }
            }
        }
        if let Some(id) = client {
            if let Some(record) = self.clients.get(id as usize) {
                prefetch(record);
            }
            if source != Source::Delivery {
                if let Some(link) = self.holds.link_of(id) {
                    prefetch(link);
                }
            }
        }
    }

    /// The earliest event of a long-polling world, as [`next_event`](World::next_event) finds it: its
    /// packed key and its source. Pushes and heartbeats never happen in such a world.
    #[inline(always)]
    fn next_long_polling_event(&self) -> (u128, Source) {
        // One comparison after another, not a loop over an array of candidates: the loop (its bounds,
        // the chain of the native-only sources) cost about 150 instructions an event more.
        let mut best = self.tasks.peek_packed();
        let mut source = Source::Task;
        let mut consider = |key: u128, s: Source| {
            if key < best {
                best = key;
                source = s;
            }
        };
        for group in &self.joins {
            consider(pack(group.next_key), Source::Join);
        }
        consider(pack(self.next_message), Source::Message);
        consider(self.sends.peek_packed(), Source::Send);
        consider(self.arrivals.peek_packed(), Source::Arrival);
        consider(
            self.in_service_requests.peek_packed(),
            Source::FinishRequest,
        );
        consider(self.deliveries.peek_packed(), Source::Delivery);
        consider(self.holds.peek_packed(), Source::HoldTimeout);
        #[cfg(not(target_arch = "wasm32"))]
        {
            consider(self.answered_finishes.peek_packed(), Source::AnsweredFinish);
            consider(
                self.answered_deliveries.peek_packed(),
                Source::AnsweredDelivery,
            );
        }
        (best, source)
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// How far ahead in a queue the records of its clients are asked for: far enough for a load from
/// memory to arrive before the event, near enough for the line to still be in the cache then.
/// At a million clients, with requests answered early: 8 gave 3.6–3.7 M requests/s, 16 gave 4.0 M, 32
/// no more.
const PREFETCH_AHEAD: usize = 16;
