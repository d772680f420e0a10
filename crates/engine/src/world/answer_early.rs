//! Long-poll requests answered when they start, in the long-polling loop of a native build
//! (`world/long_polling.rs`).
//!
//! The browser build leaves this out: the page always advances a world under a budget, and a
//! budgeted call answers nothing early (it may stop anywhere, and the page may change a parameter
//! there).

use super::polling::TracedIds;
use super::{ClientRef, Task, World};
use crate::params::MessagePattern;

impl World {
    /// Before which instant a response may reach its client and still be answered when its request
    /// starts (see [`answer_early`](World::answer_early)), in a call to `until` with `max_events`.
    ///
    /// Nothing may change between the start and the response's arrival that the reference loop would
    /// see at the finish or the arrival and the early answer did not: a parameter or a restart through
    /// the API (between calls: a budgeted call may stop anywhere, so only an unbudgeted call, up to its
    /// `until`), a scheduled restart (it drops jobs in service), a broadcast message (a response
    /// carries those created until it leaves).
    pub(super) fn answers_early_until(&self, until: u64, max_events: u64) -> u64 {
        if max_events != u64::MAX || self.params.pattern != MessagePattern::PerClient {
            return 0;
        }
        let restart = self
            .tasks
            .iter()
            .filter(|e| matches!(e.payload, Task::Restart))
            .map(|e| e.time)
            .min()
            .unwrap_or(u64::MAX);
        until.min(restart)
    }

    /// Answers, as it starts now, a long-poll request of `client` whose worker finishes at `finish`
    /// (the job's sequence number `seq`), if its response reaches the client within this second and
    /// before [`answer_early_before`](World::answer_early_before); returns whether it did.
    ///
    /// The finish and the response's arrival still take their places among the events, under the
    /// sequence numbers the reference loop gives them, so the order of everything is unchanged: the
    /// finish frees the worker (which takes the next queued job) and puts the response on the network,
    /// and the response's arrival sends the next request. What moves to the start is the work on the
    /// client's record and its stream: the messages the response carries (those created until it
    /// leaves, none of which can change in between as no parameter does) and their latencies, and all
    /// the counts of this second that the finish and the arrival add. At a million clients the record
    /// is in the cache now, as the release of the hold just read it, and not at the finish nor at the
    /// arrival, and the client's stream is drawn once instead of twice.
    ///
    /// The same draws tell whether the client will have a message waiting when its next request
    /// arrives: if not, its `from` moves up to that arrival (no message lies in between), so that the
    /// arrival finds it has none without drawing again.
    #[inline]
    pub(super) fn answer_early(&mut self, client: ClientRef, finish: u64, seq: u64) -> bool {
        let latency = self.params.latency.as_micros();
        let reply_at = finish + latency;
        if reply_at >= self.answer_early_before
            || reply_at >= self.next_boundary
            || (self.traced > 0 && TracedIds::of(self).contains(client.id))
            || !self.live(client)
        {
            return false;
        }
        let to = finish + 1;
        let arrive_at = reply_at + latency;
        let end = self.log.end();
        let c = &mut self.clients[client.id as usize];
        let from = std::mem::replace(&mut c.from, to);
        let cast_from = std::mem::replace(&mut c.cursor, end);
        c.attempts = 0;
        let histogram = &mut self.second_latency;
        let mut carried = 0;
        let waits_on_arrival =
            self.streams
                .for_each_and_any_after(client.id, from, to, arrive_at + 1, |created| {
                    histogram.record(reply_at - created);
                    carried += 1;
                });
        for index in cast_from..end {
            histogram.record(reply_at - self.log.created(index));
        }
        carried += (end - cast_from) as u64;
        if !waits_on_arrival && arrive_at < self.answer_early_before {
            self.clients[client.id as usize].from = arrive_at + 1;
        }
        let s = &mut self.second;
        s.requests_answered += 1;
        s.answered += 1;
        s.bytes_out += self.params.header_bytes - self.params.header_bytes / 2;
        if carried == 0 {
            s.empty += 1;
        } else {
            s.bytes_out += carried * self.params.message_bytes;
        }
        s.delivered += carried;
        self.answered_finishes.push(finish, seq, client);
        true
    }

    /// The worker of a request answered when it started finishes: it takes the next queued job, and
    /// the response, whose counts are in already, goes on the network.
    pub(super) fn on_answered_finish(&mut self) {
        if let Some(e) = self.answered_finishes.pop() {
            // Nearly always no job waits: the look costs less than the loop's first turn.
            if !self.waiting.is_empty() {
                self.start_waiting_jobs();
            }
            let seq = self.seq();
            let reply_at = self.now + self.params.latency.as_micros();
            self.answered_deliveries.push(reply_at, seq, e.payload);
        }
    }

    /// The response of a request answered when it started reaches its client, whose messages and
    /// record it has dealt with already: the client asks again at once.
    pub(super) fn on_answered_delivery(&mut self) {
        if let Some(e) = self.answered_deliveries.pop() {
            self.second.requests_sent += 1;
            let arrive = self.now + self.params.latency.as_micros();
            let seq = self.seq();
            self.arrivals.push(arrive, seq, e.payload);
        }
    }
}
