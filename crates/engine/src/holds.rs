//! The timeouts of held long-poll requests: exact, O(1) per hold, one small record per client.
//!
//! A hold is answered early whenever a message arrives, so a timer queue would fill with timeouts of
//! holds long answered (with the defaults, three for every one that counts). Instead each held client
//! is linked into a list in deadline order: with one hold timeout τ, holds started later end later, so
//! appending keeps a list sorted, and an early answer unlinks its client in O(1). After τ changes, new
//! holds go to the list of the new τ; the earliest deadline is the smallest head among the lists.

use crate::blocks::BlockVec;

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

#[derive(Default)]
pub(crate) struct HoldTimers {
    links: BlockVec<Link>,
    lists: Vec<List>,
}

impl HoldTimers {
    /// Makes room for the links of clients `0..n_clients`, so that a client's first hold never has to
    /// make room for every client before it: with clients added a chunk at a time, a hold of a client
    /// far beyond the others would otherwise add millions of links in one event (20 ms at 10 M).
    pub fn make_room(&mut self, n_clients: u32) {
        self.links.extend_to(n_clients as usize, FREE);
    }

    /// Client `id`'s request is held from now until `deadline` = now + `tau`.
    pub fn insert(&mut self, id: u32, deadline: u64, seq: u64, tau: u64) {
        let index = id as usize;
        self.links.extend_to(index + 1, FREE);
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
        self.links[index] = Link {
            prev: tail,
            next: NIL,
            deadline,
            seq,
        };
        if tail == NIL {
            self.lists[list].head = id;
        } else {
            self.links[tail as usize].next = id;
        }
        self.lists[list].tail = id;
    }

    /// Client `id`'s hold ended (answered, dropped or gone); nothing happens if it had none.
    pub fn remove(&mut self, id: u32) {
        let Some(&link) = self.links.get(id as usize) else {
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
            prev => self.links[prev as usize].next = link.next,
        }
        match link.next {
            NIL => {
                if let Some(list) = self.lists.iter_mut().find(|l| l.tail == id) {
                    list.tail = link.prev;
                }
            }
            next => self.links[next as usize].prev = link.prev,
        }
        self.links[id as usize] = FREE;
    }

    /// The (deadline, sequence) of the earliest timeout and its client.
    #[inline]
    pub fn peek(&self) -> Option<((u64, u64), u32)> {
        self.lists
            .iter()
            .filter(|l| l.head != NIL)
            .map(|l| {
                let link = &self.links[l.head as usize];
                ((link.deadline, link.seq), l.head)
            })
            .min()
    }

    /// Held requests now.
    pub fn len(&self) -> usize {
        self.links
            .iter_to(self.links.len())
            .filter(|l| l.deadline != UNLINKED)
            .count()
    }

    pub fn heap_bytes(&self) -> usize {
        self.links.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
