//! Reaping children — the daemons and every orphan the kernel hands to
//! PID 1 — and waiting for them with a deadline, woken by SIGCHLD.

use crate::sys;
use rustix::fd::OwnedFd;

/// Reaps until `pid` has exited (or, for 0, until no child is left) or
/// `timeout_ms` has passed; returns whether it happened in time.
pub fn wait_for(signals: &OwnedFd, pid: i32, timeout_ms: u64) -> bool {
    let deadline_ms = sys::monotonic_ms().saturating_add(timeout_ms);
    loop {
        match sys::reap() {
            Ok(None) => {} // none has exited yet
            Ok(Some((p, _))) if p == pid => return true,
            Ok(Some(_)) => continue,
            Err(_) if pid == 0 => return true, // nobody left (ECHILD)
            Err(_) => {}
        }
        // One clock reading both checks the deadline and times the sleep.
        let now_ms = sys::monotonic_ms();
        if now_ms >= deadline_ms {
            return false;
        }
        // Sleeps until `signals` is readable (SIGCHLD) or the deadline,
        // then empties it (its records are not needed here).
        sys::poll_in(signals, deadline_ms.wrapping_sub(now_ms));
        while sys::read_signal(signals).is_some() {}
    }
}
