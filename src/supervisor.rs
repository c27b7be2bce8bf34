//! When a supervised daemon (the runtime or the kubelet) runs and when it is
//! started again: restarted on every exit, status 0 included, after a delay
//! that starts at `FIRST_DELAY_MS`, doubles on each quick exit up to
//! `MAX_DELAY_MS`, and resets once the daemon stayed up `STABLE_MS`.

/// Delay before the first restart after a crash.
pub const FIRST_DELAY_MS: u32 = 100;
/// Longest delay between restarts.
pub const MAX_DELAY_MS: u32 = 30_000;
/// Uptime after which the daemon counts as healthy again.
pub const STABLE_MS: u64 = 60_000;

/// One supervised daemon's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervisor {
    /// 0 while the daemon does not run (no process has pid 0).
    pid: i32,
    started_ms: u64,
    delay_ms: u32,
    /// `NOT_WAITING` unless a start is scheduled (plain integers: no
    /// `Option` tags to test and store in the event loop).
    start_at_ms: u64,
    restart_requested: bool,
}

/// `start_at_ms` when no start is scheduled.
const NOT_WAITING: u64 = u64::MAX;

impl Default for Supervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl Supervisor {
    /// Not started, and not due to start until `schedule_now`.
    pub const fn new() -> Self {
        Supervisor { pid: 0, started_ms: 0, delay_ms: FIRST_DELAY_MS, start_at_ms: NOT_WAITING, restart_requested: false }
    }

    /// The daemon's pid while it runs.
    pub fn pid(&self) -> Option<i32> {
        (self.pid != 0).then_some(self.pid)
    }

    /// Asks for a start as soon as possible (first start, or a stopped daemon).
    pub fn schedule_now(&mut self, now_ms: u64) {
        if self.pid == 0 {
            self.start_at_ms = now_ms;
        }
    }

    /// The daemon was started as `pid`.
    pub fn started(&mut self, pid: i32, now_ms: u64) {
        self.pid = pid;
        self.started_ms = now_ms;
        self.start_at_ms = NOT_WAITING;
    }

    /// The start failed (fork error): try again after the backoff delay.
    /// Only for a start that was due, so the daemon does not run (its pid
    /// is already 0: nothing to store).
    pub fn start_failed(&mut self, now_ms: u64) {
        self.schedule_after_backoff(now_ms);
    }

    /// A restart was asked for (socket byte, kubelet.conf appeared): the
    /// next exit restarts at once, without backoff. Returns the pid to stop.
    pub fn request_restart(&mut self) -> Option<i32> {
        if self.pid != 0 {
            self.restart_requested = true;
        }
        self.pid()
    }

    /// Process `pid` exited at `now_ms`. Returns whether it was this daemon;
    /// if so, its restart time is set. (The hard shutdown never returns to
    /// the loop, so nothing is restarted then.)
    pub fn exited(&mut self, pid: i32, now_ms: u64) -> bool {
        if self.pid != pid || pid == 0 {
            return false;
        }
        self.pid = 0;
        if core::mem::take(&mut self.restart_requested) {
            self.start_at_ms = now_ms;
        } else {
            // The clock is monotonic.
            debug_assert!(now_ms >= self.started_ms);
            if now_ms.saturating_sub(self.started_ms) >= STABLE_MS {
                self.delay_ms = FIRST_DELAY_MS;
            }
            self.schedule_after_backoff(now_ms);
        }
        true
    }

    fn schedule_after_backoff(&mut self, now_ms: u64) {
        self.start_at_ms = now_ms.saturating_add(u64::from(self.delay_ms));
        debug_assert!(self.delay_ms <= MAX_DELAY_MS);
        self.delay_ms = self.delay_ms.saturating_mul(2).min(MAX_DELAY_MS);
    }

    /// When the daemon is due to start, if it is waiting to.
    pub fn start_at_ms(&self) -> Option<u64> {
        (self.start_at_ms != NOT_WAITING).then_some(self.start_at_ms)
    }

    /// When the daemon is due to start, `u64::MAX` if it is not waiting to
    /// (the event loop's wake-up time as is: no `Option` to unwrap).
    pub fn start_at_or_never_ms(&self) -> u64 {
        self.start_at_ms
    }

    /// Whether the daemon should be started at `now_ms`.
    pub fn due(&self, now_ms: u64) -> bool {
        // `start_at_ms <= now_ms`, never for `NOT_WAITING`. No pid test: a start is only ever scheduled while the daemon does not
        // run (`started` clears it, `schedule_now` checks the pid).
        self.start_at_ms < now_ms.saturating_add(1)
    }
}

/// How a child ended, from its raw wait `status` (as `wait4` gives it),
/// for the console: (`"status "`, its exit code) or (`"signal "`, the
/// signal that killed it). A stopped child (never asked for) shows as
/// status -1.
pub fn describe_exit(status: u32) -> (&'static str, i32) {
    match status & 0x7f {
        0 => ("status ", (status >> 8 & 0xff) as i32),
        0x7f => ("status ", -1),
        signal => ("signal ", signal as i32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_described() {
        assert_eq!(describe_exit(0), ("status ", 0));
        assert_eq!(describe_exit(3 << 8), ("status ", 3));
        assert_eq!(describe_exit(255 << 8), ("status ", 255));
        assert_eq!(describe_exit(9), ("signal ", 9));
        assert_eq!(describe_exit(0x80 | 11), ("signal ", 11), "with a core dump");
        assert_eq!(describe_exit(0x137f), ("status ", -1), "stopped by SIGSTOP");
    }

    #[test]
    fn not_due_until_scheduled() {
        let mut s = Supervisor::new();
        assert!(!s.due(1_000_000));
        s.schedule_now(5);
        assert!(s.due(5));
    }

    #[test]
    fn every_exit_restarts_with_doubling_capped_delay() {
        let mut s = Supervisor::new();
        let mut now = 0;
        let mut gaps = std::vec::Vec::new();
        for pid in 1..12 {
            s.started(pid, now);
            now += 10;
            assert!(s.exited(pid, now));
            let at = s.start_at_ms().unwrap();
            gaps.push(at - now);
            assert!(!s.due(at - 1));
            assert!(s.due(at));
            now = at;
        }
        assert_eq!(&gaps[..5], &[100, 200, 400, 800, 1600]);
        assert_eq!(*gaps.last().unwrap(), u64::from(MAX_DELAY_MS));
    }

    #[test]
    fn delay_resets_after_a_stable_run() {
        let mut s = Supervisor::new();
        for pid in 1..5 {
            s.started(pid, 0);
            s.exited(pid, 1);
        }
        s.started(9, 1000);
        s.exited(9, 1000 + STABLE_MS);
        assert_eq!(s.start_at_ms(), Some(1000 + STABLE_MS + u64::from(FIRST_DELAY_MS)));
    }

    #[test]
    fn requested_restart_is_immediate_and_other_pids_are_not_ours() {
        let mut s = Supervisor::new();
        s.started(7, 0);
        assert!(!s.exited(8, 5));
        assert_eq!(s.request_restart(), Some(7));
        assert!(s.exited(7, 5));
        assert!(s.due(5));
    }

    #[test]
    fn a_running_daemon_is_never_due() {
        let mut s = Supervisor::new();
        s.schedule_now(5);
        s.started(7, 5);
        s.schedule_now(6);
        assert_eq!(s.request_restart(), Some(7));
        assert!(!s.due(u64::MAX));
        s.start_failed(10);
        assert!(s.due(10 + u64::from(FIRST_DELAY_MS)));
    }
}
