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
    /// The block entries are taken from: `front[read..]` are the first entries of the queue.
    front: Vec<T>,
    read: usize,
    /// Full blocks after the front one.
    middle: VecDeque<Vec<T>>,
    /// The block entries are added to, the last of the queue (empty only if `middle` is).
    back: Vec<T>,
    /// The last block drained, kept for the next block needed: a steady FIFO (the sends of a polling
    /// world) then never calls the allocator.
    spare: Option<Vec<T>>,
}

// The two ends are blocks of their own, outside `middle`, so that a push or a pop touches one `Vec` it
// can find without arithmetic: these run several times per simulated request.

impl<T> Default for BlockDeque<T> {
    fn default() -> Self {
        BlockDeque {
            front: Vec::new(),
            read: 0,
            middle: VecDeque::new(),
            back: Vec::new(),
            spare: None,
        }
    }
}

impl<T: Copy> BlockDeque<T> {
    #[inline(always)]
    pub fn push_back(&mut self, value: T) {
        if self.back.len() == self.back.capacity() {
            self.start_back_block();
        }
        self.back.push(value);
    }

    /// The back block is full (or there is none): it joins the middle, and a fresh one takes its place.
    #[cold]
    #[inline(never)]
    fn start_back_block(&mut self) {
        let fresh = self
            .spare
            .take()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK));
        let full = std::mem::replace(&mut self.back, fresh);
        if !full.is_empty() {
            self.middle.push_back(full);
        }
    }

    /// Removes the last entry.
    pub fn pop_back(&mut self) -> Option<T> {
        let Some(value) = self.back.pop() else {
            // No block after the front one: the last entry is the front block's.
            return if self.read < self.front.len() {
                self.front.pop()
            } else {
                None
            };
        };
        if self.back.is_empty() {
            // The back block is empty only if no block is between it and the front one.
            if let Some(full) = self.middle.pop_back() {
                self.spare = Some(std::mem::replace(&mut self.back, full));
            }
        }
        Some(value)
    }

    #[inline(always)]
    pub fn pop_front(&mut self) -> Option<T> {
        if self.read == self.front.len() {
            self.next_front_block();
        }
        let value = *self.front.get(self.read)?;
        self.read += 1;
        Some(value)
    }

    /// The front block is drained: the next block becomes the front one (the back block, partly
    /// filled, if no full block is left), and the drained one is kept as the spare.
    #[cold]
    #[inline(never)]
    fn next_front_block(&mut self) {
        let next = match self.middle.pop_front() {
            Some(block) => block,
            None => std::mem::take(&mut self.back),
        };
        let mut drained = std::mem::replace(&mut self.front, next);
        self.read = 0;
        if drained.capacity() == BLOCK {
            drained.clear();
            self.spare = Some(drained);
        }
    }

    #[inline(always)]
    pub fn front(&self) -> Option<&T> {
        match self.front.get(self.read) {
            Some(value) => Some(value),
            // An empty queue (a polling world's queue of waiting polls, mostly) answers at once.
            None if self.back.is_empty() => None,
            None => self.front_of_next_block(),
        }
    }

    #[cold]
    #[inline(never)]
    fn front_of_next_block(&self) -> Option<&T> {
        self.middle.front().unwrap_or(&self.back).first()
    }

    /// Takes out the first block (with the read position in it) and the last, for a run of pops and
    /// pushes on local variables, which the compiler keeps in registers: see [`BlockEnds`].
    #[inline]
    pub fn take_ends(&mut self) -> BlockEnds<T> {
        BlockEnds {
            front: std::mem::take(&mut self.front),
            read: self.read,
            back: std::mem::take(&mut self.back),
        }
    }

    /// Puts back what [`take_ends`](Self::take_ends) took.
    #[inline]
    pub fn put_ends(&mut self, ends: BlockEnds<T>) {
        self.front = ends.front;
        self.read = ends.read;
        self.back = ends.back;
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.front.len() - self.read + self.middle.len() * BLOCK + self.back.len()
    }

    /// The entry `index` places behind the front one.
    pub fn get(&self, index: usize) -> Option<&T> {
        let in_front = self.front.len() - self.read;
        if index < in_front {
            return self.front.get(self.read + index);
        }
        let index = index - in_front;
        let in_middle = self.middle.len() * BLOCK;
        if index < in_middle {
            return self.middle[index / BLOCK].get(index % BLOCK);
        }
        self.back.get(index - in_middle)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        // The back block is empty only when no block is left after the front one.
        self.read == self.front.len() && self.back.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.front[self.read..]
            .iter()
            .chain(self.middle.iter().flatten())
            .chain(self.back.iter())
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        let spare = self.spare.as_ref().map_or(0, Vec::capacity);
        let entries =
            self.front.capacity() + self.middle.len() * BLOCK + self.back.capacity() + spare;
        entries * std::mem::size_of::<T>() + self.middle.capacity() * std::mem::size_of::<Vec<T>>()
    }
}

/// The first and last blocks of a [`BlockDeque`], taken out of it: popping stops at the end of the
/// first block, and pushing at the end of the last one's room (the deque itself moves on to the next
/// block).
pub(crate) struct BlockEnds<T> {
    front: Vec<T>,
    read: usize,
    back: Vec<T>,
}

impl<T> Default for BlockEnds<T> {
    fn default() -> Self {
        BlockEnds {
            front: Vec::new(),
            read: 0,
            back: Vec::new(),
        }
    }
}

impl<T: Copy> BlockEnds<T> {
    /// The first entry, unless the first block is used up.
    #[inline(always)]
    pub fn front(&self) -> Option<&T> {
        self.front.get(self.read)
    }

    /// Removes the first entry, which [`front`](Self::front) returned.
    #[inline(always)]
    pub fn pop_front(&mut self) {
        self.read += 1;
    }

    /// Whether the last block has room for one more entry.
    #[inline(always)]
    pub fn has_room(&self) -> bool {
        self.back.len() < self.back.capacity()
    }

    /// Adds an entry at the back, where [there is room](Self::has_room).
    #[inline(always)]
    pub fn push_back(&mut self, value: T) {
        debug_assert!(self.has_room());
        self.back.push(value);
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
    pub fn get(&self, index: usize) -> Option<&T> {
        (index < self.len).then(|| &self[index])
    }

    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        (index < self.len).then(|| &mut self[index])
    }

    /// Keeps the first `len` entries and frees the blocks after them.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let kept = len.div_ceil(VEC_BLOCK);
        self.blocks.truncate(kept);
        if let Some(last) = self.blocks.last_mut() {
            last.truncate(len - (kept - 1) * VEC_BLOCK);
        }
        self.len = len;
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
    fn a_block_vec_truncated_frees_its_blocks_and_grows_again() {
        let mut v = BlockVec::default();
        for i in 0..3 * VEC_BLOCK + 5 {
            v.push(i);
        }
        let full = v.heap_bytes();
        v.truncate(VEC_BLOCK + 1);
        assert_eq!(v.heap_bytes(), full / 2, "two of four blocks kept");
        assert_eq!(v.get(VEC_BLOCK), Some(&VEC_BLOCK));
        assert_eq!(v.get(VEC_BLOCK + 1), None);
        v.push(7);
        assert_eq!(v.get(VEC_BLOCK + 1), Some(&7));
        v.truncate(0);
        assert_eq!((v.heap_bytes(), v.get(0)), (0, None));
    }

    #[test]
    fn block_vec_indexes_across_blocks() {
        let mut v = BlockVec::default();
        for i in 0..200_000u32 {
            v.push(i);
        }
        assert_eq!(v[65_535], 65_535);
        assert_eq!(v[65_536], 65_536);
        v[199_999] = 7;
        assert_eq!(v.get(199_999), Some(&7));
        assert_eq!(v.get(200_000), None);
        assert_eq!(v.iter_to(3).copied().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(v.iter_to(usize::MAX).count(), 200_000);
    }

    #[test]
    fn pop_back_takes_the_last_entry_across_blocks() {
        let mut q = BlockDeque::default();
        for i in 0..(BLOCK + 1) {
            q.push_back(i);
        }
        // The last entry is alone in its block: taking it leaves the full block before it last.
        assert_eq!(q.pop_back(), Some(BLOCK));
        assert_eq!(q.pop_back(), Some(BLOCK - 1));
        q.push_back(7);
        assert_eq!(q.len(), BLOCK);
        assert_eq!(q.pop_front(), Some(0));
        // Only the front block is left once the rest has been taken from the back.
        while q.len() > 2 {
            q.pop_back();
        }
        assert_eq!(q.pop_back(), Some(2));
        assert_eq!(q.iter().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(q.pop_back(), Some(1));
        assert_eq!(q.pop_back(), None);
        assert!(q.is_empty());
        assert_eq!(q.front(), None);
    }

    #[test]
    fn get_counts_from_the_front_across_blocks() {
        let mut q = BlockDeque::default();
        for i in 0..(3 * BLOCK + 5) {
            q.push_back(i);
        }
        for _ in 0..7 {
            q.pop_front();
        }
        for i in [0, 1, BLOCK - 8, BLOCK - 7, 2 * BLOCK, 3 * BLOCK - 3] {
            assert_eq!(q.get(i), Some(&(i + 7)), "{i}");
        }
        assert_eq!(q.get(3 * BLOCK - 2), None);
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
