//! The timeouts of held long-poll requests: exact, O(1) per hold, one small record per client.
//!
//! A hold is answered early whenever a message arrives, so a timer queue would fill with timeouts of
//! holds long answered (with the defaults, three for every one that counts). Instead each held client
//! is linked into a list in deadline order: with one hold timeout τ, holds started later end later, so
//! appending keeps a list sorted, and an early answer unlinks its client in O(1). After τ changes, new
//! holds go to the list of the new τ; the earliest deadline is the smallest head among the lists.

use crate::queue::{pack, unpack};

const NIL: u32 = u32::MAX;
/// The deadline of a client that is not linked.
const UNLINKED: u64 = u64::MAX;

#[derive(Clone, Copy, Debug)]
struct Link {
    prev: u32,
    next: u32,
    deadline: u64,
    /// The sequence number the timeout was scheduled with, for the same-instant order.
    seq: u64,
}

const FREE: Link = Link {
    prev: NIL,
    next: NIL,
    deadline: UNLINKED,
    seq: 0,
};

#[derive(Clone, Copy, Debug)]
struct List {
    tau: u64,
    head: u32,
    tail: u32,
}

pub(crate) struct HoldTimers {
    links: Links,
    lists: Vec<List>,
    /// The packed (deadline, sequence) of the earliest timeout (`u128::MAX` if none) and its client,
    /// kept up to date as holds begin and end: the event loop looks at it for every event.
    earliest: u128,
    earliest_id: u32,
}

impl Default for HoldTimers {
    fn default() -> Self {
        HoldTimers {
            links: Links::default(),
            lists: Vec::new(),
            earliest: u128::MAX,
            earliest_id: NIL,
        }
    }
}

/// Links per block of [`Links`].
const LINK_BLOCK_BITS: u32 = 16;
const LINK_BLOCK: usize = 1 << LINK_BLOCK_BITS;

/// Every client's link, in blocks of [`LINK_BLOCK`] made when a client of theirs is first held. Clients
/// join a group at a time, in phase order, so the first hold of a client of a new group can be far
/// beyond every client held before: it makes its own block (a fraction of a millisecond), not every
/// block before it, which at 10 million clients was one event of 20 ms.
#[derive(Default)]
struct Links {
    /// An empty block stands for one whose links are all free.
    blocks: Vec<Vec<Link>>,
}

impl Links {
    fn get(&self, id: u32) -> Option<&Link> {
        let block = self.blocks.get((id >> LINK_BLOCK_BITS) as usize)?;
        block.get(id as usize & (LINK_BLOCK - 1))
    }

    /// Makes the block of client `id`'s link, if it is not made yet.
    fn make(&mut self, id: u32) {
        let index = (id >> LINK_BLOCK_BITS) as usize;
        if self.blocks.len() <= index {
            self.blocks.resize_with(index + 1, Vec::new);
        }
        if self.blocks[index].is_empty() {
            self.blocks[index] = vec![FREE; LINK_BLOCK];
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Link> {
        self.blocks.iter().flatten()
    }

    fn heap_bytes(&self) -> usize {
        let links: usize = self.blocks.iter().map(Vec::capacity).sum();
        links * std::mem::size_of::<Link>()
            + self.blocks.capacity() * std::mem::size_of::<Vec<Link>>()
    }
}

impl std::ops::Index<u32> for Links {
    type Output = Link;
    fn index(&self, id: u32) -> &Link {
        &self.blocks[(id >> LINK_BLOCK_BITS) as usize][id as usize & (LINK_BLOCK - 1)]
    }
}

impl std::ops::IndexMut<u32> for Links {
    fn index_mut(&mut self, id: u32) -> &mut Link {
        &mut self.blocks[(id >> LINK_BLOCK_BITS) as usize][id as usize & (LINK_BLOCK - 1)]
    }
}

impl HoldTimers {
    /// Client `id`'s request is held from now until `deadline` = now + `tau`.
    pub fn insert(&mut self, id: u32, deadline: u64, seq: u64, tau: u64) {
        self.links.make(id);
        self.remove(id);
        let list = match self.lists.iter().position(|l| l.tau == tau) {
            Some(list) => list,
            None => {
                self.lists.retain(|l| l.head != NIL);
                self.lists.push(List {
                    tau,
                    head: NIL,
                    tail: NIL,
                });
                self.lists.len() - 1
            }
        };
        let tail = self.lists[list].tail;
        self.links[id] = Link {
            prev: tail,
            next: NIL,
            deadline,
            seq,
        };
        if tail == NIL {
            self.lists[list].head = id;
        } else {
            self.links[tail].next = id;
        }
        self.lists[list].tail = id;
        let key = pack((deadline, seq));
        if key < self.earliest {
            self.earliest = key;
            self.earliest_id = id;
        }
    }

    /// Client `id`'s hold ended (answered, dropped or gone); nothing happens if it had none.
    pub fn remove(&mut self, id: u32) {
        let Some(&link) = self.links.get(id) else {
            return;
        };
        if link.deadline == UNLINKED {
            return;
        }
        match link.prev {
            NIL => {
                if let Some(list) = self.lists.iter_mut().find(|l| l.head == id) {
                    list.head = link.next;
                }
            }
            prev => self.links[prev].next = link.next,
        }
        match link.next {
            NIL => {
                if let Some(list) = self.lists.iter_mut().find(|l| l.tail == id) {
                    list.tail = link.prev;
                }
            }
            next => self.links[next].prev = link.prev,
        }
        self.links[id] = FREE;
        if id == self.earliest_id {
            self.find_earliest();
        }
    }

    /// Sets the earliest timeout from the heads of the lists.
    fn find_earliest(&mut self) {
        (self.earliest, self.earliest_id) = self
            .lists
            .iter()
            .filter(|l| l.head != NIL)
            .map(|l| {
                let link = &self.links[l.head];
                (pack((link.deadline, link.seq)), l.head)
            })
            .min()
            .unwrap_or((u128::MAX, NIL));
    }

    /// The (deadline, sequence) of the earliest timeout and its client.
    #[inline]
    pub fn peek(&self) -> Option<((u64, u64), u32)> {
        (self.earliest_id != NIL).then(|| (unpack(self.earliest), self.earliest_id))
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// The packed (deadline, sequence) of the earliest timeout (see [`pack`]), or `u128::MAX`.
    #[inline]
    pub fn peek_packed(&self) -> u128 {
        self.earliest
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// Client `id`'s link, if its block is made, for a look ahead.
    #[inline]
    pub fn link_of(&self, id: u32) -> Option<&impl Sized> {
        self.links.get(id)
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // for the native-only loops
    /// The clients linked before and after client `id`, if it is held, for a look ahead: its hold's
    /// end will write to their links.
    #[inline]
    pub fn neighbours(&self, id: u32) -> Option<(u32, u32)> {
        let link = self.links.get(id)?;
        (link.deadline != UNLINKED).then_some((link.prev, link.next))
    }

    /// Held requests now.
    pub fn len(&self) -> usize {
        self.links.iter().filter(|l| l.deadline != UNLINKED).count()
    }

    pub fn heap_bytes(&self) -> usize {
        self.links.heap_bytes()
    }

    /// Frees the links of clients `first..`, none of which may be held: the clients have left.
    pub fn forget_from(&mut self, first: u32) {
        let blocks = &mut self.links.blocks;
        blocks.truncate((first as usize).div_ceil(LINK_BLOCK));
        blocks.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_of_clients_that_left_are_freed() {
        let mut holds = HoldTimers::default();
        holds.insert(3, 100, 1, 100);
        holds.insert(3 * LINK_BLOCK as u32, 100, 2, 100);
        let both = holds.heap_bytes();
        holds.remove(3 * LINK_BLOCK as u32);
        holds.forget_from(LINK_BLOCK as u32 + 1);
        assert!(
            holds.heap_bytes() < both * 2 / 3,
            "one block of two: {} of {both}",
            holds.heap_bytes()
        );
        assert_eq!(holds.len(), 1);
        assert_eq!(holds.peek().map(|(_, id)| id), Some(3));
        holds.insert(3 * LINK_BLOCK as u32, 200, 3, 100);
        assert_eq!(holds.len(), 2, "a block is made again when needed");
    }

    #[test]
    fn earliest_deadline_first_across_timeout_changes_and_early_answers() {
        let mut h = HoldTimers::default();
        h.insert(0, 100, 1, 100); // τ = 100 from t = 0
        h.insert(1, 110, 2, 100); // from t = 10
        h.insert(2, 70, 3, 50); // τ lowered to 50 at t = 20: ends before both
        h.insert(3, 130, 4, 100); // τ back to 100 at t = 30: joins the first list
        h.remove(1);
        let mut order = Vec::new();
        while let Some((key, id)) = h.peek() {
            order.push((key.0, id));
            h.remove(id);
        }
        assert_eq!(order, vec![(70, 2), (100, 0), (130, 3)]);
        assert_eq!(h.len(), 0);
        h.remove(7); // Never held: nothing happens.
    }

    #[test]
    fn a_client_far_beyond_the_others_makes_only_its_own_block() {
        let mut h = HoldTimers::default();
        h.insert(9_999_999, 400, 1, 100);
        assert_eq!(h.links.blocks.iter().filter(|b| !b.is_empty()).count(), 1);
        h.insert(3, 500, 2, 100);
        h.insert(200_000, 600, 3, 100);
        h.remove(5_000_000); // In a block never made: nothing happens.
        h.remove(70_000); // In a block made for another: nothing happens.
        assert_eq!(h.len(), 3);
        assert_eq!(h.links.blocks.iter().filter(|b| !b.is_empty()).count(), 3);
        let mut order = Vec::new();
        while let Some((key, id)) = h.peek() {
            order.push((key.0, id));
            h.remove(id);
        }
        assert_eq!(order, vec![(400, 9_999_999), (500, 3), (600, 200_000)]);
    }
}
