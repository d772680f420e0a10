//! A one-line progress bar on standard error, drawn only when standard error is a terminal.

use std::io::{self, IsTerminal, Stderr, Write};
use std::time::{Duration, Instant};

/// The least time between two redraws: at most ten a second.
pub const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Characters of the bar itself, between the brackets.
const BAR_WIDTH: usize = 30;

/// A progress bar over a fixed amount of work, redrawn in place with a carriage return.
///
/// When disabled it writes nothing at all, so that redirected standard error stays clean. Write errors are
/// ignored: a progress bar is never worth failing a run for.
#[derive(Debug)]
pub struct Progress<W: Write> {
    out: W,
    enabled: bool,
    total: u64,
    last_draw: Option<Instant>,
    drawn_chars: usize,
}

impl Progress<Stderr> {
    /// A bar on standard error over `total` units of work, enabled only when standard error is a terminal.
    pub fn stderr(total: u64) -> Progress<Stderr> {
        let enabled = io::stderr().is_terminal();
        Progress::new(io::stderr(), enabled, total)
    }
}

impl<W: Write> Progress<W> {
    /// A bar that writes to `out` (if `enabled`) over `total` units of work.
    pub fn new(out: W, enabled: bool, total: u64) -> Progress<W> {
        Progress {
            out,
            enabled,
            total: total.max(1),
            last_draw: None,
            drawn_chars: 0,
        }
    }

    /// Reports that `done` units of the total are complete, now working on `label`; redraws the bar unless
    /// it was drawn less than [`REDRAW_EVERY`] ago.
    pub fn update(&mut self, done: u64, label: &str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self
            .last_draw
            .is_some_and(|last| now.duration_since(last) < REDRAW_EVERY)
        {
            return;
        }
        self.last_draw = Some(now);
        let fraction = (done as f64 / self.total as f64).clamp(0.0, 1.0);
        let filled = (fraction * BAR_WIDTH as f64).round() as usize;
        let line = format!(
            "[{}{}] {:>3}% {label}",
            "#".repeat(filled),
            "-".repeat(BAR_WIDTH - filled),
            (fraction * 100.0).floor() as u32,
        );
        let chars = line.chars().count();
        // Spaces cover the end of a longer previous line.
        let padding = " ".repeat(self.drawn_chars.saturating_sub(chars));
        let _ = write!(self.out, "\r{line}{padding}");
        let _ = self.out.flush();
        self.drawn_chars = chars;
    }

    /// Erases the bar, leaving the cursor at the start of an empty line.
    pub fn finish(&mut self) {
        if self.enabled && self.drawn_chars > 0 {
            let _ = write!(self.out, "\r{}\r", " ".repeat(self.drawn_chars));
            let _ = self.out.flush();
            self.drawn_chars = 0;
        }
        self.last_draw = None;
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_then_throttles_then_clears() {
        let mut progress = Progress::new(Vec::new(), true, 200);
        progress.update(100, "polling");
        progress.update(150, "polling");
        let drawn = String::from_utf8(progress.out.clone()).unwrap();
        assert_eq!(
            drawn.matches('\r').count(),
            1,
            "the second update came too soon: {drawn:?}"
        );
        assert!(drawn.contains(" 50% polling"), "{drawn:?}");
        assert!(
            drawn.contains(&format!("[{}{}]", "#".repeat(15), "-".repeat(15))),
            "{drawn:?}"
        );
        progress.finish();
        let all = String::from_utf8(progress.into_inner()).unwrap();
        let cleared = &all[drawn.len()..];
        assert!(
            cleared.starts_with('\r') && cleared.ends_with('\r'),
            "{cleared:?}"
        );
        assert!(
            cleared.trim_matches('\r').chars().all(|c| c == ' '),
            "{cleared:?}"
        );
    }

    #[test]
    fn redraws_after_the_interval() {
        let mut progress = Progress::new(Vec::new(), true, 10);
        progress.update(1, "a");
        std::thread::sleep(REDRAW_EVERY + Duration::from_millis(20));
        progress.update(20, "b");
        let drawn = String::from_utf8(progress.into_inner()).unwrap();
        assert_eq!(drawn.matches('\r').count(), 2, "{drawn:?}");
        assert!(
            drawn.contains("100% b"),
            "done beyond the total is clamped: {drawn:?}"
        );
    }

    #[test]
    fn disabled_writes_nothing() {
        let mut progress = Progress::new(Vec::new(), false, 10);
        progress.update(5, "polling");
        progress.finish();
        assert!(progress.into_inner().is_empty());
    }
}
