//! A priority queue of timed events that is cheap when events arrive in time order.
//!
//! Most of what the engine schedules is scheduled in time order: with a constant network delay, arrivals
//! leave in the order requests were sent; with a constant poll interval, each client's next poll comes
//! after every poll already scheduled. Such entries go to the back of a FIFO in O(1). Anything scheduled
//! out of order (jittered polls, random reconnect delays, a parameter changed mid-run) goes to a
//! priority queue instead ([`crate::runs`]), and `pop` takes the smaller of the two heads. The result is always exactly ordered by
//! (time, sequence), whatever the order of insertion.

use crate::blocks::{BlockDeque, BlockEnds};
use crate::runs::OutOfOrder;

/// One scheduled event: when, in what order among events of the same instant, and what.
///
/// In declaration order, so that copying an entry whole and then reading its fields, as a loop that pops
/// entries does, reads each field from the start of one of the copy's 16-byte stores: a field in the
/// middle of a store that has not yet reached the cache cannot be forwarded to the read on some
/// processors, which stalls every pop for a dozen cycles.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct Entry<P> {
    pub time: u64,
    pub seq: u64,
    pub payload: P,
}

impl<P> Entry<P> {
    #[inline]
    pub fn key(&self) -> (u64, u64) {
        (self.time, self.seq)
    }
}

/// The key of an empty queue: after every real event.
pub(crate) const NO_EVENT: (u64, u64) = (u64::MAX, u64::MAX);

pub(crate) struct TimeQueue<P> {
    in_order: BlockDeque<Entry<P>>,
    out_of_order: OutOfOrder<P>,
    /// The key of the earliest entry, kept up to date so that peeking, which the engine does for every
    /// queue at every event, is one load. Keys are kept packed (see [`pack`]), as comparing two
    /// of them is then one comparison instead of two and a branch.
    head: u128,
    /// The key of the last entry of the FIFO (or the smallest key if it is empty), so that a push need
    /// not look at the FIFO's end.
    back: u128,
}

/// A (time, sequence) key as one number that orders the same way.
#[inline(always)]
pub(crate) fn pack((time, seq): (u64, u64)) -> u128 {
    (time as u128) << 64 | seq as u128
}

#[inline(always)]
pub(crate) fn unpack(key: u128) -> (u64, u64) {
    ((key >> 64) as u64, key as u64)
}

impl<P> Default for TimeQueue<P> {
    fn default() -> Self {
        TimeQueue {
            in_order: BlockDeque::default(),
            out_of_order: OutOfOrder::default(),
            head: u128::MAX,
            back: 0,
        }
    }
}

impl<P: Copy> TimeQueue<P> {
    /// Schedules `payload` at `time`; `seq` must be larger than every sequence number used before.
    #[inline]
    pub fn push(&mut self, time: u64, seq: u64, payload: P) {
        // The entry goes to the FIFO first, and moves to the heap if it turns out to be out of order:
        // a payload passed on to a separate function for the heap would be built on the stack and
        // copied from there, and reloading its halves before their stores have left the processor's
        // store buffer stalls every push for a dozen cycles.
        self.in_order.push_back(Entry { time, seq, payload });
        let key = pack((time, seq));
        if key < self.back {
            self.move_last_to_heap();
        } else {
            self.back = key;
        }
        self.head = self.head.min(key);
    }

    // The rare cases are functions of their own so that the common ones, inlined where they are
    // called several times per simulated request, stay small.

    #[inline(never)]
    fn move_last_to_heap(&mut self) {
        if let Some(entry) = self.in_order.pop_back() {
            self.out_of_order.push(entry);
        }
    }

    fn find_head(&self) -> u128 {
        let a = self.in_order.front().map_or(NO_EVENT, Entry::key);
        let b = self.out_of_order.peek_key().unwrap_or(NO_EVENT);
        pack(a.min(b))
    }

    /// The earliest entry.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only prefetch
    #[inline]
    pub fn peek_entry(&self) -> Option<&Entry<P>> {
        match (self.in_order.front(), self.out_of_order.peek()) {
            (Some(a), Some(b)) => Some(if a.key() < b.key() { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// The (time, sequence) of the earliest entry, or [`NO_EVENT`].
    #[inline]
    pub fn peek_key(&self) -> (u64, u64) {
        unpack(self.head)
    }

    /// [`peek_key`](Self::peek_key) packed (see [`pack`]), for comparing many queues' heads at once.
    #[inline]
    pub fn peek_packed(&self) -> u128 {
        self.head
    }

    /// The queue as a plain FIFO, if every entry is in it (none was scheduled out of order), for a
    /// run of pops and in-order pushes that need not keep the head up to date after each.
    #[inline]
    pub fn in_order_mut(&mut self) -> Option<InOrder<'_, P>> {
        // Not `then_some`: that would build the view, and so drop it (setting the head from the FIFO
        // alone), even when the heap holds entries.
        if self.out_of_order.is_empty() {
            let ends = self.in_order.take_ends();
            let back = self.back;
            Some(InOrder {
                queue: self,
                ends,
                back,
            })
        } else {
            None
        }
    }

    /// Removes and returns the earliest entry.
    #[inline]
    pub fn pop(&mut self) -> Option<Entry<P>> {
        if !self.out_of_order.is_empty() {
            return self.pop_merged();
        }
        // The common case: only the FIFO holds entries, and its next one is the new head.
        let entry = self.in_order.pop_front()?;
        self.head_from_fifo();
        Some(entry)
    }

    /// Sets the head from the FIFO's first entry, when the heap is empty.
    #[inline]
    fn head_from_fifo(&mut self) {
        match self.in_order.front() {
            Some(first) => self.head = pack(first.key()),
            None => {
                self.head = u128::MAX;
                // An empty FIFO takes any entry next.
                self.back = 0;
            }
        }
    }

    /// [`pop`](Self::pop) when the heap holds entries: the earlier of the two heads.
    #[inline(never)]
    fn pop_merged(&mut self) -> Option<Entry<P>> {
        let from_fifo = self
            .in_order
            .front()
            .is_some_and(|e| pack(e.key()) == self.head);
        let entry = if from_fifo {
            self.in_order.pop_front()
        } else {
            self.out_of_order.pop()
        };
        self.head = self.find_head();
        self.forget_back_if_empty();
        entry
    }

    /// An empty FIFO takes any entry next: its last key goes back to the smallest.
    #[inline]
    fn forget_back_if_empty(&mut self) {
        if self.in_order.is_empty() {
            self.back = 0;
        }
    }

    /// The time of the latest entry if every entry is in the FIFO (none was scheduled out of order), so
    /// that entries pop in the order they were pushed; 0 for an empty queue.
    pub fn last_time_if_in_order(&self) -> Option<u64> {
        self.out_of_order.is_empty().then_some(unpack(self.back).0)
    }

    /// The time of the entry `index` places behind the earliest, if every entry is in the FIFO.
    pub fn time_at_if_in_order(&self, index: usize) -> Option<u64> {
        if !self.out_of_order.is_empty() {
            return None;
        }
        self.in_order.get(index).map(|e| e.time)
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// The entry `index` places behind the first of the FIFO (whether or not the heap holds earlier
    /// ones), for a look ahead.
    #[inline]
    pub fn fifo_get(&self, index: usize) -> Option<&Entry<P>> {
        self.in_order.get(index)
    }

    /// Whether no entry is scheduled.
    pub fn is_empty(&self) -> bool {
        self.head == u128::MAX
    }

    pub fn len(&self) -> usize {
        self.in_order.len() + self.out_of_order.len()
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<P>> {
        self.in_order.iter().chain(self.out_of_order.iter())
    }

    /// Removes every entry and returns them in (time, sequence) order.
    pub fn drain_sorted(&mut self) -> Vec<Entry<P>> {
        // Popping merges the two sorted parts; a sort would add its code to the browser build.
        let mut all = Vec::with_capacity(self.len());
        while let Some(entry) = self.pop() {
            all.push(entry);
        }
        all
    }

    /// Makes room for `additional` out-of-order entries at once where their part needs it (the
    /// browser's plain heap): a wave of millions of them (a restart's reconnects with random delays)
    /// would otherwise grow it by doubling, and one push would copy hundreds of megabytes.
    pub fn reserve_out_of_order(&mut self, additional: usize) {
        self.out_of_order.reserve(additional);
    }

    /// Gives back memory after a wave of out-of-order entries has passed (a reconnect storm with
    /// random delays). The in-order part gives back its blocks as it drains.
    pub fn shrink(&mut self) {
        self.out_of_order.shrink();
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.in_order.heap_bytes() + self.out_of_order.heap_bytes()
    }
}

/// A [`TimeQueue`] whose entries are all in its FIFO, used as one: see [`TimeQueue::in_order_mut`].
/// Its head is set again when this is dropped.
pub(crate) struct InOrder<'a, P: Copy> {
    queue: &'a mut TimeQueue<P>,
    /// The FIFO's first and last blocks, on local variables while the view lives.
    ends: BlockEnds<Entry<P>>,
    /// The key of the FIFO's last entry.
    back: u128,
}

impl<P: Copy> InOrder<'_, P> {
    /// The earliest entry, unless the FIFO's first block is used up: the view then stops, and the
    /// queue itself goes on to the next block.
    #[inline(always)]
    pub fn front(&self) -> Option<&Entry<P>> {
        self.ends.front()
    }

    /// Removes the earliest entry, which [`front`](Self::front) returned.
    #[inline(always)]
    pub fn pop_front(&mut self) {
        self.ends.pop_front();
    }

    /// Whether an entry at `time` can be pushed: it would go after every entry (with a new, larger
    /// sequence number), and the FIFO's last block has room for it.
    #[inline(always)]
    pub fn fits_at_back(&self, time: u64) -> bool {
        time >= unpack(self.back).0 && self.ends.has_room()
    }

    /// Schedules `payload` at `time`, which must [fit at the back](Self::fits_at_back); `seq` must be
    /// larger than every sequence number used before.
    #[inline(always)]
    pub fn push_back(&mut self, time: u64, seq: u64, payload: P) {
        debug_assert!(self.fits_at_back(time));
        self.ends.push_back(Entry { time, seq, payload });
        self.back = pack((time, seq));
    }
}

impl<P: Copy> Drop for InOrder<'_, P> {
    fn drop(&mut self) {
        let queue = &mut *self.queue;
        queue.in_order.put_ends(std::mem::take(&mut self.ends));
        queue.back = self.back;
        queue.head_from_fifo();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn pops_in_time_then_sequence_order_whatever_the_insertion_order() {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut q = TimeQueue::default();
        let mut expected = Vec::new();
        for seq in 0..10_000u64 {
            // Mostly increasing times with frequent reorderings and ties.
            let time = seq / 3 + (rng.next_u64() % 4) * (rng.next_u64() % 2) * 50;
            q.push(time, seq, seq);
            expected.push((time, seq));
        }
        expected.sort();
        let mut popped = Vec::new();
        while let Some(e) = q.pop() {
            popped.push(e.key());
        }
        assert_eq!(popped, expected);
        assert_eq!(q.peek_key(), NO_EVENT);
    }

    #[test]
    fn the_in_order_view_is_the_queue_used_as_a_fifo() {
        let mut viewed = TimeQueue::default();
        let mut plain = TimeQueue::default();
        for seq in 0..5_000u64 {
            viewed.push(seq * 3, seq, seq);
            plain.push(seq * 3, seq, seq);
        }
        let mut seq = 5_000;
        let mut rotated_by_view = 0;
        // Rotate entries to the back, as polls are: through the view while it can (it stops at the
        // ends of blocks), through the queue itself when it cannot.
        for _ in 0..30_000 {
            let mut view = viewed.in_order_mut().unwrap();
            let e = *view.front().unwrap_or(&Entry {
                time: u64::MAX,
                seq: 0,
                payload: 0,
            });
            let later = e.time.wrapping_add(20_000);
            let by_view = e.time != u64::MAX && view.fits_at_back(later);
            if by_view {
                view.pop_front();
                view.push_back(later, seq, e.payload);
                rotated_by_view += 1;
            }
            drop(view);
            if !by_view {
                let e = viewed.pop().unwrap();
                viewed.push(e.time + 20_000, seq, e.payload);
            }
            let p = plain.pop().unwrap();
            plain.push(p.time + 20_000, seq, p.payload);
            seq += 1;
            assert_eq!(viewed.peek_key(), plain.peek_key());
            assert_eq!(viewed.len(), plain.len());
        }
        assert!(rotated_by_view > 25_000, "{rotated_by_view}");
        // Emptied through the view and the queue, it takes any entry next, as the plain one does.
        while !viewed.is_empty() {
            let mut view = viewed.in_order_mut().unwrap();
            if view.front().is_some() {
                view.pop_front();
            } else {
                drop(view);
                viewed.pop();
            }
        }
        assert_eq!(viewed.peek_key(), NO_EVENT);
        viewed.push(1, seq, 0);
        assert_eq!(viewed.last_time_if_in_order(), Some(1));
        let keys: Vec<_> = plain.drain_sorted().iter().map(Entry::key).collect();
        assert_eq!(keys.len(), 5_000);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn there_is_no_in_order_view_while_the_heap_holds_entries() {
        let mut q = TimeQueue::default();
        q.push(10, 0, ());
        q.push(5, 1, ());
        assert_eq!(q.peek_key(), (5, 1));
        assert!(q.in_order_mut().is_none());
        // Asking did not touch the head.
        assert_eq!(q.peek_key(), (5, 1));
        assert_eq!(q.pop().unwrap().key(), (5, 1));
        assert!(q.in_order_mut().is_some());
        assert_eq!(q.peek_key(), (10, 0));
    }

    #[test]
    fn drain_sorted_returns_everything_in_order() {
        let mut q = TimeQueue::default();
        for (seq, time) in [5u64, 1, 9, 1, 3].into_iter().enumerate() {
            q.push(time, seq as u64, ());
        }
        let keys: Vec<_> = q.drain_sorted().iter().map(Entry::key).collect();
        assert_eq!(keys, vec![(1, 1), (1, 3), (3, 4), (5, 0), (9, 2)]);
        assert_eq!(q.len(), 0);
    }
}
