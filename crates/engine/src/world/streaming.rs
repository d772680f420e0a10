//! How a streaming world advances: the general event loop, with a loop of its own for the events of
//! open connections.
//!
//! Once its clients are connected, a streaming world has four kinds of events: messages created,
//! heartbeats due, pushes finishing and pushes reaching their clients. `run_open_connections` takes
//! runs of them in (time, sequence) order, as the general loop would, but picks each from those four
//! sources instead of ten, and spares most of them a look at the client's record, which at a million
//! clients misses the cache every time: with every client connected a message needs no look to know
//! that it is pushed, with no client ever gone a push needs none to name its client, and with no
//! client gone since a push's message was created its delivery needs none to know that it still has a
//! client to reach. It hands back to the general loop at the first event of any other kind, so the
//! order of effects is the general loop's (`tests/streaming_slices.rs`).

use super::{Advance, ClientRef, Delivery, Job, Source, Work, World, TASK_CHUNK_COST};
use crate::params::MessagePattern;
use crate::queue::NO_EVENT;

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
            if matches!(
                source,
                Source::Message | Source::FinishPush | Source::Delivery | Source::Heartbeat
            ) {
                let done = self.run_open_connections(until, max_events - events);
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

    /// Processes, in order, the events before `until` that are messages created, heartbeats, pushes
    /// finishing or pushes delivered, at most `budget` of them, up to the first event of another kind.
    /// Returns the number of events.
    fn run_open_connections(&mut self, until: u64, budget: u64) -> u64 {
        // Broadcast messages fan out through tasks, which the general loop runs.
        if self.params.pattern != MessagePattern::PerClient {
            return 0;
        }
        // None of the events taken here schedules an event of another kind, but for a push finishing,
        // whose worker may take a queued connect: the earliest of those stays where it is otherwise.
        let mut other = self.tasks.peek_key();
        for group in &self.joins {
            other = other.min(group.next_key);
        }
        other = other
            .min(self.sends.peek_key())
            .min(self.arrivals.peek_key())
            .min(self.in_service_requests.peek_key())
            .min(self.holds.peek().map_or(NO_EVENT, |(key, _)| key))
            .min((until, 0));
        let mut events = 0;
        while events < budget {
            let message = self.next_message;
            let finish = self.in_service_pushes.peek_key();
            let delivery = self.deliveries.peek_key();
            let heartbeat = self.heartbeats.peek_key();
            let next = message.min(finish).min(delivery).min(heartbeat);
            if next >= other {
                break;
            }
            self.advance_clock(next.0);
            if next == message {
                self.create_messages_now();
            } else if next == finish {
                if let Some(e) = self.in_service_pushes.pop() {
                    self.on_finish(e.payload);
                    // The freed worker may have taken a queued connect.
                    other = other.min(self.in_service_requests.peek_key());
                }
            } else if next == delivery {
                let Some(e) = self.deliveries.peek() else {
                    break;
                };
                let Delivery::Push { client, created } = e.payload else {
                    // A 503 or a refused connect: the client's next attempt is scheduled.
                    break;
                };
                self.deliveries.pop();
                self.deliver_push(client, created);
            } else if let Some(e) = self.heartbeats.pop() {
                self.on_heartbeat(e.payload);
            }
            events += 1;
        }
        events
    }

    /// The per-client messages of this instant are created, in client order: each connected client
    /// gets a push.
    fn create_messages_now(&mut self) {
        let all_connected =
            self.records == self.n_active && self.open_connections == u64::from(self.n_active);
        // A client's incarnation only changes when it leaves.
        let no_one_left = self.clients_left_at.is_none();
        if !all_connected || !no_one_left {
            self.on_message();
            return;
        }
        while let Some(id) = self.window.pop_at(self.now) {
            self.second.created += 1;
            self.second.created_distinct += 1;
            let job = Job {
                client: ClientRef { id, gen: 0 },
                work: Work::PushMessage(self.now),
            };
            self.admit(job);
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
