//! Containers in fixed-size blocks, for tables and queues that hold an entry per client.
//!
//! `Vec` and `VecDeque` grow by copying every entry into a larger buffer: at ten million entries one
//! push copies a few hundred megabytes, which in WebAssembly stalls a browser frame for a quarter of a
//! second, and after the growth up to half of the buffer stays unused. Here growing allocates one more
//! block and copies nothing, a FIFO frees each block it has drained, and at most one block is partly
//! empty at each end.

use std::collections::VecDeque;
use std::ops::{Index, IndexMut};

/// Entries per block.
const BLOCK: usize = 4096;

pub(crate) struct BlockDeque<T> {
    /// Full blocks except the first (drained from `head`) and the last (filled to its length).
    blocks: VecDeque<Vec<T>>,
    /// The index of the front entry in the first block.
    head: usize,
    len: usize,
    /// The last block drained, kept for the next block needed: a steady FIFO (the sends of a polling
    /// world) then never calls the allocator.
    spare: Option<Vec<T>>,
}

impl<T> Default for BlockDeque<T> {
    fn default() -> Self {
        BlockDeque {
            blocks: VecDeque::new(),
            head: 0,
            len: 0,
            spare: None,
        }
    }
}

impl<T: Copy> BlockDeque<T> {
    #[inline]
    pub fn push_back(&mut self, value: T) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push(value),
            _ => self.push_to_new_block(value),
        }
        self.len += 1;
    }

    #[cold]
    fn push_to_new_block(&mut self, value: T) {
        let mut block = self
            .spare
            .take()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK));
        block.push(value);
        self.blocks.push_back(block);
    }

    #[inline]
    pub fn pop_front(&mut self) -> Option<T> {
        let block = self.blocks.front()?;
        let value = block[self.head];
        self.head += 1;
        self.len -= 1;
        if self.head == block.len() {
            self.retire_front_block();
        }
        Some(value)
    }

    #[cold]
    fn retire_front_block(&mut self) {
        if let Some(mut block) = self.blocks.pop_front() {
            block.clear();
            self.spare = Some(block);
        }
        self.head = 0;
    }

    #[inline]
    pub fn front(&self) -> Option<&T> {
        self.blocks.front().map(|block| &block[self.head])
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
        let head = self.head;
        self.blocks
            .iter()
            .enumerate()
            .flat_map(move |(i, block)| &block[if i == 0 { head } else { 0 }..])
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        let blocks = self.blocks.len() + usize::from(self.spare.is_some());
        blocks * BLOCK * std::mem::size_of::<T>()
            + self.blocks.capacity() * std::mem::size_of::<Vec<T>>()
    }
}

/// Entries per block of a [`BlockVec`]: 65,536.
const VEC_BLOCK_BITS: u32 = 16;
const VEC_BLOCK: usize = 1 << VEC_BLOCK_BITS;

/// A growable array in blocks, indexed like a `Vec`.
pub(crate) struct BlockVec<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for BlockVec<T> {
    fn default() -> Self {
        BlockVec {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> BlockVec<T> {
    pub fn push(&mut self, value: T) {
        if self.len == self.blocks.len() * VEC_BLOCK {
            self.blocks.push(Vec::with_capacity(VEC_BLOCK));
        }
        self.blocks[self.len >> VEC_BLOCK_BITS].push(value);
        self.len += 1;
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        (index < self.len).then(|| &self[index])
    }

    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        (index < self.len).then(|| &mut self[index])
    }

    /// The entries `0..end`, in order.
    pub fn iter_to(&self, end: usize) -> impl Iterator<Item = &T> {
        self.blocks.iter().flatten().take(end.min(self.len))
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.len() * VEC_BLOCK * std::mem::size_of::<T>()
    }
}

impl<T: Clone> BlockVec<T> {
    /// Grows to `len` entries, filling with `value` (never shrinks).
    pub fn extend_to(&mut self, len: usize, value: T) {
        while self.len < len {
            self.push(value.clone());
        }
    }
}

impl<T> Index<usize> for BlockVec<T> {
    type Output = T;
    #[inline]
    fn index(&self, index: usize) -> &T {
        &self.blocks[index >> VEC_BLOCK_BITS][index & (VEC_BLOCK - 1)]
    }
}

impl<T> IndexMut<usize> for BlockVec<T> {
    #[inline]
    fn index_mut(&mut self, index: usize) -> &mut T {
        &mut self.blocks[index >> VEC_BLOCK_BITS][index & (VEC_BLOCK - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_vec_indexes_across_blocks() {
        let mut v = BlockVec::default();
        for i in 0..200_000u32 {
            v.push(i);
        }
        assert_eq!(v.len(), 200_000);
        assert_eq!(v[65_535], 65_535);
        assert_eq!(v[65_536], 65_536);
        v[199_999] = 7;
        assert_eq!(v.get(199_999), Some(&7));
        assert_eq!(v.get(200_000), None);
        assert_eq!(v.iter_to(3).copied().collect::<Vec<_>>(), vec![0, 1, 2]);
        v.extend_to(200_002, 9);
        assert_eq!(v.get(200_001), Some(&9));
    }

    #[test]
    fn first_in_first_out_across_blocks() {
        let mut q = BlockDeque::default();
        for i in 0..10_000 {
            q.push_back(i);
        }
        assert_eq!(q.len(), 10_000);
        assert_eq!(q.front(), Some(&0));
        for i in 0..5_000 {
            assert_eq!(q.pop_front(), Some(i));
        }
        q.push_back(10_000);
        assert_eq!(
            q.iter().copied().collect::<Vec<_>>(),
            (5_000..=10_000).collect::<Vec<_>>()
        );
        while q.pop_front().is_some() {}
        assert!(q.is_empty());
        assert_eq!(q.pop_front(), None);
        // Drained blocks are freed, but for one kept for the next push.
        let one_block = BLOCK * std::mem::size_of::<i32>();
        assert!(
            q.heap_bytes() < one_block + 1024,
            "drained blocks are freed: {}",
            q.heap_bytes()
        );
    }
}
