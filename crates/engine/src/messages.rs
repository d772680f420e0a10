//! Where broadcast messages wait: one log, however many clients each message goes to.
//!
//! A broadcast message is stored once; each client keeps a cursor into the log, and the log forgets
//! what every cursor has passed. (Per-client messages are not stored at all: see `streams.rs`.)

use std::collections::VecDeque;

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
