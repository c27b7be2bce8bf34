//! Waiting for input: epoll for the supervision loop, ppoll on one
//! descriptor for the shutdown's waits; timeouts in milliseconds.

use super::syscall::{check, syscall4, syscall6};
use linux_raw_sys::general as k;
use rustix::event::epoll::{Event, EventData, EventFlags};
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::io::Errno;

/// `epoll_ctl(EPOLL_CTL_ADD)`: watches `fd` for input, reported with `token`.
pub fn epoll_add(epoll: &OwnedFd, fd: &OwnedFd, token: u64) -> Result<(), Errno> {
    let event = Event { flags: EventFlags::IN, data: EventData::new_u64(token) };
    let (epoll, fd) = (epoll.as_raw_fd() as usize, fd.as_raw_fd() as usize);
    // SAFETY: rustix's `Event` has the layout of the kernel's `struct
    // epoll_event`; the kernel only reads it, during the call.
    check(unsafe { syscall4(k::__NR_epoll_ctl, [epoll, k::EPOLL_CTL_ADD as usize, fd, &event as *const Event as usize]) }).map(drop)
}

/// `epoll_pwait(epoll, events, timeout_ms)` without a signal mask: waits
/// at most `timeout_ms` (`u64::MAX`: until an event) and returns how many
/// of `events` the kernel filled (0 on a timeout, or when a signal
/// interrupted the wait: `EINTR` is no error here).
pub fn epoll_wait(epoll: &OwnedFd, events: &mut [Event], timeout_ms: u64) -> Result<usize, Errno> {
    let timeout = if timeout_ms == u64::MAX { -1 } else { timeout_ms.min(i32::MAX as u64) as i32 };
    // SAFETY: rustix's `Event` has the layout of the kernel's `struct
    // epoll_event` (packed on x86_64); the kernel writes at most
    // `events.len()` of them into the slice, which lives for the call.
    let ret = unsafe {
        syscall6(k::__NR_epoll_pwait, [epoll.as_raw_fd() as usize, events.as_mut_ptr() as usize, events.len(), timeout as usize, 0, 0])
    };
    match check(ret) {
        Err(Errno::INTR) => Ok(0),
        result => result,
    }
}

/// `ppoll` on `fd` alone for input, at most `timeout_ms`; whatever the
/// outcome (ready, timeout, signal, error), the caller looks again.
pub fn poll_in(fd: &OwnedFd, timeout_ms: u64) {
    // struct pollfd: fd, then the 16-bit events (POLLIN) and revents (0),
    // in one i32 on these little-endian arches; struct timespec: s, ns.
    let mut pollfd = [fd.as_raw_fd(), k::POLLIN as i32];
    let ts = [timeout_ms / 1000, timeout_ms % 1000 * 1_000_000];
    // SAFETY: `pollfd` is one 8-byte `struct pollfd` the kernel may write
    // `revents` into; `ts` is a valid `struct timespec` (both fields fit
    // in an i64, the nanoseconds under a second); both live for the call.
    let _ = unsafe { syscall4(k::__NR_ppoll, [pollfd.as_mut_ptr() as usize, 1, ts.as_ptr() as usize, 0]) };
}
