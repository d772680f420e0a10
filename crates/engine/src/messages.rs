//! Where undelivered messages wait: per-client lists in one slab, and one log for broadcast messages.
//!
//! A per-client message costs 16 bytes while it waits (its creation instant and a link) and nothing once
//! delivered: the slab reuses its slot. A broadcast message is stored once, however many clients it goes
//! to; each client keeps a cursor into the log, and the log forgets what every cursor has passed.

use crate::blocks::BlockDeque;
use std::collections::VecDeque;

/// "No message": the end of a list.
pub(crate) const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Node {
    created: u64,
    next: u32,
}

/// A linked list of messages in the slab: `head` to `tail`, `len` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chain {
    pub head: u32,
    pub tail: u32,
    pub len: u32,
}

impl Chain {
    pub const EMPTY: Chain = Chain {
        head: NIL,
        tail: NIL,
        len: 0,
    };
}

/// Fixed-size message nodes with a free list.
#[derive(Default)]
pub(crate) struct Slab {
    /// Nodes in blocks of [`BLOCK`]: growing adds a block instead of copying every node into a buffer
    /// twice as large, which would stall a browser frame and leave up to half of it unused.
    blocks: Vec<Box<[Node]>>,
    len: u32,
    free: u32,
    /// Chains released without being touched (see [`Slab::release_chain`]), linked onto the free list
    /// one at a time when it runs dry.
    garbage: BlockDeque<Chain>,
}

const BLOCK_BITS: u32 = 16;
const BLOCK: usize = 1 << BLOCK_BITS;

impl Slab {
    pub fn new() -> Slab {
        Slab {
            blocks: Vec::new(),
            len: 0,
            free: NIL,
            garbage: BlockDeque::default(),
        }
    }

    #[inline]
    fn node(&self, slot: u32) -> &Node {
        &self.blocks[(slot >> BLOCK_BITS) as usize][slot as usize & (BLOCK - 1)]
    }

    #[inline]
    fn node_mut(&mut self, slot: u32) -> &mut Node {
        &mut self.blocks[(slot >> BLOCK_BITS) as usize][slot as usize & (BLOCK - 1)]
    }

    /// Stores a message created at `created` and returns its slot.
    #[inline]
    pub fn alloc(&mut self, created: u64) -> u32 {
        let node = Node { created, next: NIL };
        if self.free == NIL {
            if let Some(chain) = self.garbage.pop_front() {
                self.node_mut(chain.tail).next = NIL;
                self.free = chain.head;
            }
        }
        if self.free != NIL {
            let slot = self.free;
            self.free = self.node(slot).next;
            *self.node_mut(slot) = node;
            slot
        } else {
            let slot = self.len;
            if slot as usize == self.blocks.len() * BLOCK {
                let empty = Node {
                    created: 0,
                    next: NIL,
                };
                self.blocks.push(vec![empty; BLOCK].into_boxed_slice());
            }
            self.len += 1;
            *self.node_mut(slot) = node;
            slot
        }
    }

    /// The creation instant of the message in `slot`.
    #[inline]
    pub fn created(&self, slot: u32) -> u64 {
        self.node(slot).created
    }

    /// Releases one slot.
    #[inline]
    pub fn release(&mut self, slot: u32) {
        self.node_mut(slot).next = self.free;
        self.free = slot;
    }

    /// Appends the message in `slot` to `chain`.
    #[inline]
    pub fn append(&mut self, chain: &mut Chain, slot: u32) {
        self.node_mut(slot).next = NIL;
        if chain.tail == NIL {
            chain.head = slot;
        } else {
            self.node_mut(chain.tail).next = slot;
        }
        chain.tail = slot;
        chain.len += 1;
    }

    /// Releases every message of `chain` at once without touching its nodes (when ten million
    /// clients leave at once, touching each one's messages would take a noticeable fraction of a
    /// second); the nodes are reused once the free list runs dry.
    pub fn release_chain(&mut self, chain: Chain) {
        if chain.len > 0 {
            self.garbage.push_back(chain);
        }
    }

    /// Calls `each` with the creation instant of every message of `chain`, in order, and releases them.
    #[inline]
    pub fn consume(&mut self, chain: Chain, mut each: impl FnMut(u64)) {
        let mut slot = chain.head;
        for _ in 0..chain.len {
            let node = *self.node(slot);
            each(node.created);
            self.node_mut(slot).next = self.free;
            self.free = slot;
            slot = node.next;
        }
    }

    /// The slots of `chain`, in order, without releasing them.
    pub fn slots(&self, chain: Chain) -> Vec<u32> {
        let mut out = Vec::with_capacity(chain.len as usize);
        let mut slot = chain.head;
        for _ in 0..chain.len {
            out.push(slot);
            slot = self.node(slot).next;
        }
        out
    }

    pub fn heap_bytes(&self) -> usize {
        self.blocks.len() * BLOCK * std::mem::size_of::<Node>() + self.garbage.heap_bytes()
    }
}

/// Every broadcast message that some client has not yet been handed, by index since the start.
#[derive(Default)]
pub(crate) struct BroadcastLog {
    /// The index of `created[0]`.
    first: u32,
    created: VecDeque<u64>,
    /// Length at the last trim, to trim only when the log has doubled.
    trimmed_at: usize,
}

impl BroadcastLog {
    /// The index the next message will get: a new client's cursor starts here.
    #[inline]
    pub fn end(&self) -> u32 {
        self.first + self.created.len() as u32
    }

    pub fn push(&mut self, created: u64) -> u32 {
        self.created.push_back(created);
        self.end() - 1
    }

    /// The creation instant of message `index` (which must not have been trimmed).
    #[inline]
    pub fn created(&self, index: u32) -> u64 {
        self.created[(index - self.first) as usize]
    }

    /// Whether the log has grown enough since the last trim to be worth a scan of the cursors.
    /// A trim scans every client, so it waits until the log is large against the client count too.
    pub fn wants_trim(&self, n_clients: u32) -> bool {
        let len = self.created.len();
        len > 1024 && len > n_clients as usize / 16 && len > 2 * self.trimmed_at
    }

    /// Forgets every message before `min_cursor`, the smallest index any client still needs.
    pub fn trim(&mut self, min_cursor: u32) {
        let drop = min_cursor
            .saturating_sub(self.first)
            .min(self.created.len() as u32);
        self.created.drain(..drop as usize);
        self.first += drop;
        self.trimmed_at = self.created.len();
    }

    pub fn heap_bytes(&self) -> usize {
        self.created.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_keep_order_and_slots_are_reused() {
        let mut slab = Slab::new();
        let mut chain = Chain::EMPTY;
        for t in [10, 20, 30] {
            let slot = slab.alloc(t);
            slab.append(&mut chain, slot);
        }
        let mut seen = Vec::new();
        slab.consume(chain, |t| seen.push(t));
        assert_eq!(seen, vec![10, 20, 30]);
        let again = slab.alloc(40);
        assert!(again < 3, "a released slot is reused");
    }

    #[test]
    fn released_chains_are_reused_before_the_slab_grows() {
        let mut slab = Slab::new();
        let mut chain = Chain::EMPTY;
        for t in 0..3 {
            let slot = slab.alloc(t);
            slab.append(&mut chain, slot);
        }
        slab.release_chain(chain);
        let reused: Vec<u32> = (0..3).map(|t| slab.alloc(t)).collect();
        assert!(reused.iter().all(|&slot| slot < 3), "{reused:?}");
        assert_eq!(slab.alloc(9), 3, "then it grows");
    }

    #[test]
    fn broadcast_log_trims_only_what_every_cursor_passed() {
        let mut log = BroadcastLog::default();
        for t in 0..2000 {
            log.push(t);
        }
        assert!(log.wants_trim(1000));
        log.trim(1500);
        assert_eq!(log.end(), 2000);
        assert_eq!(log.created(1500), 1500);
        assert_eq!(log.created(1999), 1999);
    }
}
