//! The out-of-order part of a [`TimeQueue`](crate::queue::TimeQueue): the entries that were not
//! scheduled in time order, popped earliest first by (time, sequence).
//!
//! A binary heap of millions of entries (a restart's reconnects with random delays, at 10 M clients)
//! misses the cache at every level below its top ones on every pop: at 10 M entries a pop cost a few
//! microseconds, and popping was three quarters of the run after such a restart. Natively the entries
//! are kept as sorted runs instead: single pushes gather in a small heap, the inbox, which becomes a
//! sorted run when it holds [`RUN_LEN`] entries; a small heap of the runs' earliest keys says which run
//! holds the next entry. A pop then touches the inbox's top, the heap of runs (both a few tens of
//! kilobytes) and the end of one run, read backwards one entry after the other. The order is the
//! heap's exactly: every entry has its own key.
//!
//! The browser build keeps the plain heap (the same order, and no code added to its size budget).

use crate::queue::Entry;
#[cfg(not(target_arch = "wasm32"))]
use crate::queue::{pack, unpack};
use std::cmp::Ordering;
#[cfg(not(target_arch = "wasm32"))]
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Orders entries so that `BinaryHeap`, a max-heap, pops the earliest first.
pub(crate) struct Earliest<P>(pub Entry<P>);

impl<P> PartialEq for Earliest<P> {
    fn eq(&self, other: &Self) -> bool {
        self.0.key() == other.0.key()
    }
}
impl<P> Eq for Earliest<P> {}
impl<P> PartialOrd for Earliest<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<P> Ord for Earliest<P> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.key().cmp(&self.0.key())
    }
}

/// Entries in the inbox before it becomes a run: small enough for the inbox to stay in the cache
/// (about 100 kB), large enough for 10 M entries to make only some 2,400 runs.
#[cfg(not(target_arch = "wasm32"))]
const RUN_LEN: usize = 4096;

/// Out-of-order entries as sorted runs (natively; see the module's documentation).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) struct OutOfOrder<P> {
    /// The latest pushes, as a heap.
    inbox: BinaryHeap<Earliest<P>>,
    /// Sorted runs, latest entry first, so that a run's earliest entry pops off its end; an emptied
    /// run's slot waits in `free` for the next.
    runs: Vec<Vec<Earliest<P>>>,
    free: Vec<usize>,
    /// The packed key of each non-empty run's earliest entry, and the run's slot: earliest first.
    heads: BinaryHeap<Reverse<(u128, usize)>>,
    len: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl<P> Default for OutOfOrder<P> {
    fn default() -> Self {
        OutOfOrder {
            inbox: BinaryHeap::new(),
            runs: Vec::new(),
            free: Vec::new(),
            heads: BinaryHeap::new(),
            len: 0,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<P> OutOfOrder<P> {
    pub fn push(&mut self, entry: Entry<P>) {
        self.inbox.push(Earliest(entry));
        self.len += 1;
        if self.inbox.len() >= RUN_LEN {
            self.seal_inbox();
        }
    }

    /// Makes the inbox a run of its own.
    #[inline(never)]
    fn seal_inbox(&mut self) {
        let inbox = std::mem::replace(&mut self.inbox, BinaryHeap::with_capacity(RUN_LEN));
        // Ascending in the heap's order, which is latest first.
        let run = inbox.into_sorted_vec();
        let Some(earliest) = run.last() else {
            return;
        };
        let key = pack(earliest.0.key());
        let slot = match self.free.pop() {
            Some(slot) => {
                self.runs[slot] = run;
                slot
            }
            None => {
                self.runs.push(run);
                self.runs.len() - 1
            }
        };
        self.heads.push(Reverse((key, slot)));
    }

    /// The earliest entry.
    pub fn peek(&self) -> Option<&Entry<P>> {
        let inbox = self.inbox.peek().map(|e| &e.0);
        let runs = self
            .heads
            .peek()
            .and_then(|&Reverse((_, slot))| self.runs[slot].last())
            .map(|e| &e.0);
        match (inbox, runs) {
            (Some(a), Some(b)) => Some(if a.key() < b.key() { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// The key of the earliest entry.
    pub fn peek_key(&self) -> Option<(u64, u64)> {
        let inbox = self.inbox.peek().map(|e| e.0.key());
        let runs = self.heads.peek().map(|&Reverse((key, _))| unpack(key));
        match (inbox, runs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes and returns the earliest entry.
    pub fn pop(&mut self) -> Option<Entry<P>> {
        let from_inbox = match (self.inbox.peek(), self.heads.peek()) {
            (Some(e), Some(&Reverse((key, _)))) => pack(e.0.key()) < key,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        self.len -= 1;
        if from_inbox {
            return self.inbox.pop().map(|e| e.0);
        }
        let mut head = self.heads.peek_mut()?;
        let slot = head.0 .1;
        let run = &mut self.runs[slot];
        let entry = run.pop().map(|e| e.0);
        match run.last() {
            // The run's next entry is its new head: the heap of heads settles when `head` is dropped.
            Some(next) => head.0 .0 = pack(next.0.key()),
            None => {
                std::collections::binary_heap::PeekMut::pop(head);
                self.runs[slot] = Vec::new();
                self.free.push(slot);
            }
        }
        entry
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<P>> {
        self.inbox
            .iter()
            .chain(self.runs.iter().flatten())
            .map(|e| &e.0)
    }

    /// Nothing to do: runs are allocated one at a time, so that no wave of entries grows one buffer
    /// by copying it.
    pub fn reserve(&mut self, _additional: usize) {}

    /// Gives back the room of the run slots' list after a wave has passed; each run gives back its
    /// own when it empties.
    pub fn shrink(&mut self) {
        if self.heads.is_empty() {
            self.runs = Vec::new();
            self.free = Vec::new();
        }
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<Earliest<P>>();
        self.inbox.capacity() * entry
            + self
                .runs
                .iter()
                .map(|r| r.capacity() * entry)
                .sum::<usize>()
            + self.runs.capacity() * std::mem::size_of::<Vec<Earliest<P>>>()
            + self.free.capacity() * std::mem::size_of::<usize>()
            + self.heads.capacity() * std::mem::size_of::<Reverse<(u128, usize)>>()
    }
}

/// Out-of-order entries as one binary heap (the browser build; see the module's documentation).
#[cfg(target_arch = "wasm32")]
pub(crate) struct OutOfOrder<P>(BinaryHeap<Earliest<P>>);

#[cfg(target_arch = "wasm32")]
impl<P> Default for OutOfOrder<P> {
    fn default() -> Self {
        OutOfOrder(BinaryHeap::new())
    }
}

#[cfg(target_arch = "wasm32")]
impl<P> OutOfOrder<P> {
    pub fn push(&mut self, entry: Entry<P>) {
        self.0.push(Earliest(entry));
    }

    #[allow(dead_code)] // the browser build does not prefetch
    pub fn peek(&self) -> Option<&Entry<P>> {
        self.0.peek().map(|e| &e.0)
    }

    pub fn peek_key(&self) -> Option<(u64, u64)> {
        self.0.peek().map(|e| e.0.key())
    }

    pub fn pop(&mut self) -> Option<Entry<P>> {
        self.0.pop().map(|e| e.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry<P>> {
        self.0.iter().map(|e| &e.0)
    }

    /// Makes room for `additional` entries at once: a wave of millions (a restart's reconnects with
    /// random delays) would otherwise grow the heap by doubling, and one push would copy hundreds of
    /// megabytes.
    pub fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    pub fn shrink(&mut self) {
        let len = self.0.len();
        if self.0.capacity() > 4 * len + 1024 {
            self.0.shrink_to(2 * len);
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.0.capacity() * std::mem::size_of::<Earliest<P>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Pushes and pops interleaved, as a simulation does them (never earlier than the last pop), across
    /// many runs, against a plain heap.
    #[test]
    fn pops_what_a_plain_heap_pops() {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut runs = OutOfOrder::default();
        let mut heap = BinaryHeap::new();
        let mut now = 0u64;
        let mut seq = 0u64;
        for round in 0..200_000u64 {
            // Waves of pushes (a restart) and stretches of pops.
            let pushes = if round % 50_000 < 3 { 20_000 } else { 1 };
            for _ in 0..pushes {
                let time = now + rng.next_u64() % 1_000_000 * (rng.next_u64() % 2);
                runs.push(Entry {
                    time,
                    seq,
                    payload: seq,
                });
                heap.push(Earliest(Entry {
                    time,
                    seq,
                    payload: seq,
                }));
                seq += 1;
            }
            for _ in 0..(round % 3) {
                assert_eq!(runs.peek_key(), heap.peek().map(|e| e.0.key()));
                assert_eq!(
                    runs.peek().map(|e| e.payload),
                    heap.peek().map(|e| e.0.payload)
                );
                let (a, b) = (runs.pop(), heap.pop().map(|e| e.0));
                assert_eq!(
                    a.map(|e| (e.key(), e.payload)),
                    b.map(|e| (e.key(), e.payload))
                );
                if let Some(e) = b {
                    now = e.time;
                }
            }
            assert_eq!(runs.len(), heap.len());
        }
        assert_eq!(runs.iter().count(), heap.len());
        while let Some(b) = heap.pop() {
            assert_eq!(runs.pop().map(|e| e.key()), Some(b.0.key()));
        }
        assert!(runs.is_empty() && runs.pop().is_none() && runs.peek_key().is_none());
        runs.shrink();
    }
}
