//! When each of the server's workers is next free: how a polling world schedules its requests.
//!
//! A FIFO server with c workers starts each request at max(arrival, the earliest instant a worker is
//! free), and that worker is then free again at start + service time (the Kiefer–Wolfowitz recursion).
//! A polling world's only work is requests, so a request's whole stay at the server is known the moment
//! it arrives, without events for the jobs ahead of it.
//!
//! With one service time the free instants are pushed in increasing order, so a FIFO holds them and the
//! earliest is at its front. A service time changed mid-run can push an instant earlier than the last;
//! that one goes to a heap beside the FIFO, and the earliest is the smaller of the two heads.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The instants at which each of the server's workers is next free, one per worker.
#[derive(Default)]
pub(crate) struct FreeWorkers {
    in_order: VecDeque<u64>,
    out_of_order: BinaryHeap<Reverse<u64>>,
}

impl FreeWorkers {
    /// `n_workers` workers, all free from `at` on.
    pub fn reset(&mut self, n_workers: u64, at: u64) {
        self.in_order.clear();
        self.out_of_order.clear();
        self.in_order.resize(n_workers as usize, at);
    }

    /// The earliest instant at which some worker is free (`u64::MAX` when there is no worker).
    #[inline]
    pub fn earliest(&self) -> u64 {
        let a = self.in_order.front().copied().unwrap_or(u64::MAX);
        let b = self.out_of_order.peek().map_or(u64::MAX, |r| r.0);
        a.min(b)
    }

    /// Takes the worker that is free earliest and returns when it is free.
    #[inline]
    pub fn take_earliest(&mut self) -> u64 {
        let earliest = self.earliest();
        if self.in_order.front() == Some(&earliest) {
            self.in_order.pop_front();
        } else {
            self.out_of_order.pop();
        }
        earliest
    }

    /// A worker is free from `at` on.
    #[inline]
    pub fn free_at(&mut self, at: u64) {
        match self.in_order.back() {
            Some(&last) if last > at => self.out_of_order.push(Reverse(at)),
            _ => self.in_order.push_back(at),
        }
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        (self.in_order.capacity() + self.out_of_order.capacity()) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_free_worker_is_taken_first_whatever_the_order_of_release() {
        let mut workers = FreeWorkers::default();
        workers.reset(2, 0);
        assert_eq!(workers.take_earliest(), 0);
        workers.free_at(50);
        assert_eq!(workers.take_earliest(), 0);
        // A shorter job released after a longer one is free first.
        workers.free_at(30);
        assert_eq!(workers.earliest(), 30);
        assert_eq!(workers.take_earliest(), 30);
        assert_eq!(workers.take_earliest(), 50);
        assert_eq!(workers.earliest(), u64::MAX);
    }
}
