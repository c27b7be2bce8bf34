//! When to look for the data partition again while it is awaited (SPEC
//! §4), and when to say so on the console again: at the first attempt
//! and then every [`REPORT_EVERY_MS`]; between reports, only after a
//! device node appears, then every [`SETTLE_EVERY_MS`] for
//! [`SETTLE_MS`] (a node can come before its disk is readable: a loop
//! device before its file is attached, a disk before its partition table
//! is read). Times are `CLOCK_MONOTONIC` milliseconds.

/// Milliseconds between two "waiting" messages (and attempts, without
/// new device nodes).
pub const REPORT_EVERY_MS: u64 = 10_000;
/// After a device node appears, how long to try again, and how often.
pub const SETTLE_MS: u64 = 3_000;
pub const SETTLE_EVERY_MS: u64 = 250;

/// The timers of an awaited data partition.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Retry {
    next_report_ms: u64,
    settle_until_ms: u64,
    next_try_ms: u64,
}

impl Retry {
    /// A device node appeared at `now`: attempts for a few seconds more.
    pub fn device_appeared(&mut self, now: u64) {
        self.settle_until_ms = now.saturating_add(SETTLE_MS);
    }

    /// Whether an attempt at `now` says on the console what it waits for.
    pub fn report_due(&self, now: u64) -> bool {
        now >= self.next_report_ms
    }

    /// An attempt at `now` failed (`reported`: it said so): when to try
    /// again.
    pub fn failed(&mut self, now: u64, reported: bool) {
        if reported {
            self.next_report_ms = now.saturating_add(REPORT_EVERY_MS);
        }
        let settling = now < self.settle_until_ms;
        self.next_try_ms = if settling { now.saturating_add(SETTLE_EVERY_MS) } else { self.next_report_ms };
    }

    /// When to try again without a new device node.
    pub fn next_try_ms(&self) -> u64 {
        self.next_try_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One failed attempt at `now`, as the init makes it.
    fn attempt(r: &mut Retry, now: u64) -> bool {
        let report = r.report_due(now);
        r.failed(now, report);
        report
    }

    #[test]
    fn reports_at_first_then_every_ten_seconds() {
        let mut r = Retry::default();
        assert!(attempt(&mut r, 500), "the first attempt says what it waits for");
        assert_eq!(r.next_try_ms(), 10_500);
        assert!(!attempt(&mut r, 10_499));
        assert!(attempt(&mut r, 10_500));
        assert_eq!(r.next_try_ms(), 20_500);
    }

    #[test]
    fn a_device_node_brings_quick_retries_for_a_while() {
        let mut r = Retry::default();
        attempt(&mut r, 0);
        r.device_appeared(1_000);
        assert!(!attempt(&mut r, 1_000), "a device attempt between reports is quiet");
        assert_eq!(r.next_try_ms(), 1_250);
        attempt(&mut r, 3_900);
        assert_eq!(r.next_try_ms(), 4_150);
        // Past the settling time: back to the report period.
        attempt(&mut r, 4_000);
        assert_eq!(r.next_try_ms(), 10_000);
    }

    #[test]
    fn no_overflow_at_the_end_of_time() {
        let mut r = Retry::default();
        r.device_appeared(u64::MAX - 1);
        attempt(&mut r, u64::MAX - 1);
        assert_eq!(r.next_try_ms(), u64::MAX);
    }
}
