//! Signals: the process's mask, and one descriptor that reads them all.

use super::syscall::{check, syscall3, syscall4};
use linux_raw_sys::general as k;
use rustix::fd::{AsRawFd, FromRawFd, OwnedFd};
use rustix::io::Errno;

/// A set of signals as the kernel's 64-bit `sigset_t`.
#[derive(Clone, Copy)]
pub struct SigSet(u64);

impl SigSet {
    /// Every signal.
    pub const ALL: SigSet = SigSet(!0);
    /// No signal.
    pub const EMPTY: SigSet = SigSet(0);
}

/// `rt_sigprocmask(SIG_SETMASK, set)`: blocks exactly `set`.
pub fn set_signal_mask(set: SigSet) -> Result<(), Errno> {
    // SAFETY: the set is 8 bytes, the kernel's sigset size; no old set asked.
    let ret = unsafe {
        syscall4(k::__NR_rt_sigprocmask, [k::SIG_SETMASK as usize, &set.0 as *const u64 as usize, 0, 8])
    };
    check(ret).map(drop)
}

/// `signalfd4(-1, set, SFD_CLOEXEC | SFD_NONBLOCK)`: a descriptor that reads
/// 128-byte `signalfd_siginfo` records for the (blocked) signals in `set`.
pub fn signalfd(set: SigSet) -> Result<OwnedFd, Errno> {
    let flags = (k::O_CLOEXEC | k::O_NONBLOCK) as usize;
    // SAFETY: the set is 8 bytes; on success the kernel returns a new fd we own.
    let fd = check(unsafe { syscall4(k::__NR_signalfd4, [-1isize as usize, &set.0 as *const u64 as usize, 8, flags]) })?;
    // SAFETY: `fd` was just returned by the kernel and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The signal number of the next `signalfd_siginfo` record of `signals`
/// (a descriptor from [`signalfd`]); `None` when none is pending.
pub fn read_signal(signals: &OwnedFd) -> Option<u32> {
    // struct signalfd_siginfo: 128 bytes, the signal number first; only
    // read once the kernel filled it.
    let mut record = core::mem::MaybeUninit::<[u32; 32]>::uninit();
    // SAFETY: the kernel writes at most the 128 bytes of `record`, which lives for the call.
    let n = unsafe { syscall3(k::__NR_read, [signals.as_raw_fd() as usize, record.as_mut_ptr() as usize, 128]) };
    // SAFETY: a read of 128 bytes filled the whole record.
    (n == 128).then(|| unsafe { record.assume_init()[0] })
}
