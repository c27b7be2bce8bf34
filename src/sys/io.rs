//! Descriptor controls: bytes waiting in a pipe, non-blocking mode,
//! inotify watches; the console's descriptor.

use super::syscall::{check, syscall3};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::fd::{AsRawFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;

/// `ioctl(FIONREAD)`: how many bytes wait in the pipe `fd`.
pub fn pending(fd: &OwnedFd) -> Result<usize, Errno> {
    ioctl_int(fd, linux_raw_sys::ioctl::FIONREAD, 0).map(|n| usize::try_from(n).unwrap_or(0))
}

/// `ioctl(FIONBIO, 1)`: makes `fd` non-blocking (its own open file only,
/// so not the other end of a pipe).
pub fn set_nonblocking(fd: &OwnedFd) -> Result<(), Errno> {
    ioctl_int(fd, linux_raw_sys::ioctl::FIONBIO, 1).map(drop)
}

/// `ioctl(request, &value)` on a watchdog device: `WDIOC_SETTIMEOUT`
/// (seconds in; the timeout the driver chose out), `WDIOC_KEEPALIVE`
/// (the value unused). The chosen value, or the errno.
pub fn watchdog_ioctl(fd: &OwnedFd, request: u32, value: i32) -> Result<i32, Errno> {
    ioctl_int(fd, request, value)
}

/// `ioctl(request, &value)`, the one shape of the ioctls above: each
/// request reads or writes one `int` (`value`), and none keeps the
/// pointer. The `int` after the call, or the errno.
fn ioctl_int(fd: &OwnedFd, request: u32, value: i32) -> Result<i32, Errno> {
    let mut value = value;
    // SAFETY: the requests above read or write one `int`, `value`, which lives for the call.
    check(unsafe { syscall3(k::__NR_ioctl, [fd.as_raw_fd() as usize, request as usize, &mut value as *mut i32 as usize]) })?;
    Ok(value)
}

/// `inotify_add_watch(inotify, path, mask)`; the watch descriptor is not
/// kept (the init never removes a watch).
pub fn add_watch(inotify: &OwnedFd, path: &CStr, mask: u32) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and lives for the call; the kernel only reads it.
    check(unsafe { syscall3(k::__NR_inotify_add_watch, [inotify.as_raw_fd() as usize, path.as_ptr() as usize, mask as usize]) }).map(drop)
}

/// Descriptor 2, which the kernel opens on the console for PID 1.
pub fn stderr() -> BorrowedFd<'static> {
    // SAFETY: fd 2 is opened by the kernel (or the test harness) before we
    // start and the init never closes it.
    unsafe { rustix::stdio::stderr() }
}
