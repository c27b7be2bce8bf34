//! Waiting for signals without handlers, for the two image programs
//! (`pause` and `pod-program`): the signals are blocked and taken one at
//! a time with `sigwait`, so none is lost between a check and a sleep.
//! Blocked, a signal reaches even the PID 1 of a PID namespace, which the
//! kernel spares the signals it has no handler for.
#![allow(dead_code)] // each program uses a part

/// glibc's `sigset_t` (1024 bits).
#[repr(C)]
pub struct SigSet([u64; 16]);

extern "C" {
    fn sigemptyset(set: *mut SigSet) -> i32;
    fn sigaddset(set: *mut SigSet, sig: i32) -> i32;
    fn sigprocmask(how: i32, set: *const SigSet, old: *mut SigSet) -> i32;
    fn sigwait(set: *const SigSet, sig: *mut i32) -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
}

pub const SIGINT: i32 = 2;
pub const SIGTERM: i32 = 15;
pub const SIGCHLD: i32 = 17;
const SIG_BLOCK: i32 = 0;
const WNOHANG: i32 = 1;

/// Blocks `signals` and returns the set to wait on with [`wait`].
pub fn block(signals: &[i32]) -> SigSet {
    let mut set = SigSet([0; 16]);
    // SAFETY: glibc fills the set it is given; `set` lives on this stack.
    unsafe {
        sigemptyset(&mut set);
        for &sig in signals {
            sigaddset(&mut set, sig);
        }
        sigprocmask(SIG_BLOCK, &set, std::ptr::null_mut());
    }
    set
}

/// The next of the blocked signals in `set`, waiting for it.
pub fn wait(set: &SigSet) -> i32 {
    let mut sig = 0;
    // SAFETY: sigwait reads `set` and writes one int.
    unsafe { sigwait(set, &mut sig) };
    sig
}

/// Reaps every child that has exited (orphans of the container included).
pub fn reap() {
    let mut status = 0;
    // SAFETY: waitpid writes one int; WNOHANG never blocks.
    while unsafe { waitpid(-1, &mut status, WNOHANG) } > 0 {}
}
