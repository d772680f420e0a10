//! A FIFO in fixed-size blocks, for queues that can hold millions of entries.
//!
//! `VecDeque` grows by doubling, copying every entry into the new buffer: at ten million entries one
//! push copies a few hundred megabytes and stalls a browser frame for tens of milliseconds, and after
//! the wave has passed up to half of the buffer stays unused. Here a push at most allocates one more
//! block, a pop at the end of a block frees it, and at most one block is partly empty at each end.

use std::collections::VecDeque;

/// Entries per block.
const BLOCK: usize = 4096;

pub(crate) struct BlockDeque<T> {
    blocks: VecDeque<VecDeque<T>>,
    len: usize,
}

impl<T> Default for BlockDeque<T> {
    fn default() -> Self {
        BlockDeque {
            blocks: VecDeque::new(),
            len: 0,
        }
    }
}

impl<T> BlockDeque<T> {
    #[inline]
    pub fn push_back(&mut self, value: T) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push_back(value),
            _ => {
                let mut block = VecDeque::with_capacity(BLOCK);
                block.push_back(value);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    #[inline]
    pub fn pop_front(&mut self) -> Option<T> {
        let block = self.blocks.front_mut()?;
        let value = block.pop_front();
        if block.is_empty() {
            self.blocks.pop_front();
        }
        if value.is_some() {
            self.len -= 1;
        }
        value
    }

    #[inline]
    pub fn front(&self) -> Option<&T> {
        self.blocks.front().and_then(VecDeque::front)
    }

    #[inline]
    pub fn back(&self) -> Option<&T> {
        self.blocks.back().and_then(VecDeque::back)
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.blocks.iter().flatten()
    }

    /// Removes every entry, in order.
    pub fn drain_all(&mut self) -> impl Iterator<Item = T> {
        self.len = 0;
        std::mem::take(&mut self.blocks).into_iter().flatten()
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.len() * BLOCK * std::mem::size_of::<T>()
            + self.blocks.capacity() * std::mem::size_of::<VecDeque<T>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_in_first_out_across_blocks() {
        let mut q = BlockDeque::default();
        for i in 0..10_000 {
            q.push_back(i);
        }
        assert_eq!(q.len(), 10_000);
        assert_eq!(q.front(), Some(&0));
        assert_eq!(q.back(), Some(&9_999));
        for i in 0..5_000 {
            assert_eq!(q.pop_front(), Some(i));
        }
        q.push_back(10_000);
        assert_eq!(
            q.iter().copied().collect::<Vec<_>>(),
            (5_000..=10_000).collect::<Vec<_>>()
        );
        assert_eq!(q.drain_all().count(), 5_001);
        assert!(q.is_empty());
        assert_eq!(q.pop_front(), None);
        assert_eq!(q.heap_bytes(), 0);
    }
}
