//! The console lines that can repeat at someone else's pace, each kind
//! under its own rate limit ([`kios::ratelimit`]): at most a few per
//! window, then one line with the count of those held back.

use kios::ratelimit::RateLimit;

/// A kind of line that can repeat.
#[derive(Clone, Copy)]
pub enum Repeat {
    /// `signal N ignored`: anyone allowed to signal PID 1 sends them.
    Signal,
    /// `shutdown already under way; request ignored` (signals and bytes).
    Request,
    /// `restarting the …`: bytes `0x03`, `0x04`.
    Restart,
    /// `system socket: refused a client: …`.
    Refused,
    /// `system socket: unknown byte …`.
    Unknown,
    /// `system socket: … removed or replaced: …`.
    Replaced,
}

/// What the count line calls each kind, indexed by `Repeat as usize`.
const NAMES: [&str; 6] = ["signal ignored", "shutdown already under way", "restarting", "refused a client", "unknown byte", "socket replaced"];

/// The rate limits of every kind.
#[derive(Default)]
pub struct Repeats([RateLimit; NAMES.len()]);

impl Repeats {
    /// Whether a line of `kind` may be shown now. (The counts are
    /// reported by the loop, each turn; a count not yet reported when a
    /// new window begins is added to the next.)
    #[inline(never)]
    pub fn allow(&mut self, kind: Repeat) -> bool {
        let now = crate::sys::monotonic_ms();
        self.0.get_mut(kind as usize).is_some_and(|limit| limit.allow(now))
    }

    /// Reports each kind whose lines held back are due at `now`:
    /// `N more "KIND" lines suppressed`.
    pub fn report(&mut self, now: u64) {
        for (limit, &name) in self.0.iter_mut().zip(&NAMES) {
            if let Some(n) = limit.suppressed_due(now) {
                crate::warn!("{} more \"{}\" lines suppressed", n, name);
            }
        }
    }

    /// When [`Self::report`] has something to say (`u64::MAX`: never yet).
    pub fn due_ms(&self) -> u64 {
        self.0.iter().map(RateLimit::due_ms).min().unwrap_or(u64::MAX)
    }
}
