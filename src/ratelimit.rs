//! How often a console line that can repeat is shown: a signal ignored,
//! a request during a shutdown, a restart asked for, a client refused, an
//! unknown byte. Anyone who can send a signal or a byte could otherwise
//! write a million lines a second and flush the kernel log ring of what
//! matters. Per kind of line: at most [`BURST`] in a window of
//! [`WINDOW_MS`] from the first one; the rest are counted, and once the
//! window is over the count is reported in one line ("N more …
//! suppressed").

/// Lines of one kind shown per window.
pub const BURST: u32 = 5;
/// The window, from the first line shown in it, in milliseconds.
pub const WINDOW_MS: u64 = 5_000;

/// The rate limit of one kind of line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// When the current window ends (0: none began yet).
    window_end_ms: u64,
    /// Lines shown in the current window.
    shown: u32,
    /// Lines held back and not yet reported.
    suppressed: u32,
}

impl RateLimit {
    /// Whether a line may be shown at `now_ms`; if not, it is counted.
    /// The caller takes [`Self::suppressed_due`] first, so a count is
    /// reported before the lines of a new window.
    pub fn allow(&mut self, now_ms: u64) -> bool {
        if now_ms >= self.window_end_ms {
            self.window_end_ms = now_ms.saturating_add(WINDOW_MS);
            self.shown = 0;
        }
        if self.shown < BURST {
            self.shown = self.shown.saturating_add(1);
            true
        } else {
            self.suppressed = self.suppressed.saturating_add(1);
            false
        }
    }

    /// At `now_ms`: the number of lines held back, once their window is
    /// over (then it starts again from 0), else `None`.
    pub fn suppressed_due(&mut self, now_ms: u64) -> Option<u32> {
        if self.suppressed > 0 && now_ms >= self.window_end_ms {
            Some(core::mem::take(&mut self.suppressed))
        } else {
            None
        }
    }

    /// When [`Self::suppressed_due`] will have a count to report
    /// (`u64::MAX`: nothing is held back).
    pub fn due_ms(&self) -> u64 {
        if self.suppressed > 0 { self.window_end_ms } else { u64::MAX }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_window_then_one_count() {
        let mut r = RateLimit::default();
        for t in 0..BURST {
            assert!(r.allow(100 + u64::from(t)), "line {t}");
        }
        assert_eq!(r.due_ms(), u64::MAX);
        for t in 0..1000 {
            assert!(!r.allow(200 + t));
        }
        assert_eq!(r.due_ms(), 100 + WINDOW_MS);
        assert_eq!(r.suppressed_due(100 + WINDOW_MS - 1), None);
        assert_eq!(r.suppressed_due(100 + WINDOW_MS), Some(1000));
        assert_eq!(r.suppressed_due(100 + WINDOW_MS + 1), None);
        assert_eq!(r.due_ms(), u64::MAX);
        // A new window: a new burst.
        assert!(r.allow(100 + WINDOW_MS + 7));
        assert_eq!(r.due_ms(), u64::MAX);
    }

    #[test]
    fn lines_far_apart_are_all_shown() {
        let mut r = RateLimit::default();
        for i in 0..100u64 {
            assert!(r.allow(i * 1000));
            assert_eq!(r.suppressed_due(i * 1000), None);
        }
    }

    #[test]
    fn a_count_not_taken_carries_into_the_next_report() {
        let mut r = RateLimit::default();
        for _ in 0..BURST + 3 {
            r.allow(0);
        }
        // The caller did not take the count before the next window began.
        for _ in 0..BURST + 2 {
            r.allow(WINDOW_MS);
        }
        assert_eq!(r.suppressed_due(2 * WINDOW_MS), Some(5));
    }

    #[test]
    fn the_clock_at_its_end_does_not_overflow() {
        let mut r = RateLimit::default();
        for _ in 0..BURST * 3 {
            r.allow(u64::MAX - 1);
            r.allow(u64::MAX);
        }
        assert!(r.due_ms() == u64::MAX || r.suppressed_due(u64::MAX).is_some());
    }
}
