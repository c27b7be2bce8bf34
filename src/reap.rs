//! Reaping children — the daemons and every orphan the kernel hands to
//! PID 1 — and waiting for them with a deadline, woken by SIGCHLD.

use crate::sys;
use rustix::fd::OwnedFd;

/// Empties the signal descriptor (its records are not needed by callers
/// that only wait for children).
pub fn drain(signals: &OwnedFd) {
    while sys::read_signal(signals).is_some() {}
}

/// Sleeps until `signals` is readable or `deadline_ms` passes.
pub fn sleep_until(signals: &OwnedFd, deadline_ms: u64) {
    sys::poll_in(signals, deadline_ms.saturating_sub(sys::monotonic_ms()));
    drain(signals);
}

/// Reaps until `pid` has exited (or, for 0, until no child is left) or
/// `timeout_ms` has passed; returns whether it happened in time.
pub fn wait_for(signals: &OwnedFd, pid: i32, timeout_ms: u64) -> bool {
    let deadline_ms = sys::monotonic_ms().saturating_add(timeout_ms);
    loop {
        match sys::reap() {
            (0, _) => {} // none has exited yet
            (p, _) if p == pid => return true,
            (1.., _) => continue,
            _ if pid == 0 => return true, // nobody left
            _ => {}
        }
        if sys::monotonic_ms() >= deadline_ms {
            return false;
        }
        sleep_until(signals, deadline_ms);
    }
}

/// The raw wait `status` of a child as (`"status "`, exit code) or
/// (`"signal "`, signal number).
pub fn describe(status: u32) -> (&'static str, i32) {
    match status & 0x7f {
        0 => ("status ", (status >> 8 & 0xff) as i32), // exited
        0x7f => ("status ", -1),                        // stopped: not asked for, not reported
        sig => ("signal ", sig as i32),
    }
}
