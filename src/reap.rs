//! Reaping children — the daemons and every orphan the kernel hands to
//! PID 1 — and waiting for them with a deadline, woken by SIGCHLD.

use crate::sys;
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::process::{wait, Pid, WaitOptions, WaitStatus};

/// Collects one child that has exited: `Ok(None)` when none has (yet),
/// an error (`ECHILD`) when no child is left at all.
#[inline(never)]
pub fn reap() -> Result<Option<(Pid, WaitStatus)>, Errno> {
    loop {
        match wait(WaitOptions::NOHANG) {
            Err(Errno::INTR) => {}
            reaped => return reaped,
        }
    }
}

/// Empties the signal descriptor (its records are not needed by callers
/// that only wait for children).
pub fn drain(signals: &OwnedFd) {
    let mut buf = [0u8; 512];
    while matches!(rustix::io::read(signals, &mut buf), Ok(n) if n > 0) {}
}

/// Sleeps until `signals` is readable or `deadline_ms` passes.
pub fn sleep_until(signals: &OwnedFd, deadline_ms: u64) {
    sys::poll_in(signals, deadline_ms.saturating_sub(sys::monotonic_ms()));
    drain(signals);
}

/// Reaps until `pid` has exited (or, for `None`, until no child is left)
/// or `deadline_ms` passes; returns whether it happened in time.
pub fn wait_for(signals: &OwnedFd, pid: Option<Pid>, deadline_ms: u64) -> bool {
    loop {
        match reap() {
            Ok(Some((p, _))) if Some(p) == pid => return true,
            Ok(Some(_)) => continue,
            Err(_) if pid.is_none() => return true, // nobody left
            _ => {}
        }
        if sys::monotonic_ms() >= deadline_ms {
            return false;
        }
        sleep_until(signals, deadline_ms);
    }
}

/// `status` as (`"status "`, exit code) or (`"signal "`, signal number).
pub fn describe(status: WaitStatus) -> (&'static str, i32) {
    match (status.exit_status(), status.terminating_signal()) {
        (Some(code), _) => ("status ", code),
        (_, Some(sig)) => ("signal ", sig),
        _ => ("status ", -1),
    }
}
