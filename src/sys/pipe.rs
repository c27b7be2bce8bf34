//! Moving the daemons' output between pipes and files in the kernel.

use super::syscall::{check, syscall4, syscall6};
use linux_raw_sys::general as k;
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::io::Errno;

/// `splice(from, NULL, to, offset, len, flags)`: moves up to `len` bytes
/// from the pipe `from` to `to`, at `*offset` (advanced by the kernel)
/// when given; how many were moved.
pub fn splice(from: &OwnedFd, to: &OwnedFd, offset: Option<&mut u64>, len: usize, flags: u32) -> Result<usize, Errno> {
    let offset = offset.map_or(0, |offset| offset as *mut u64 as usize);
    // SAFETY: `offset` is null or points to a `loff_t` (64 bits) that lives
    // for the call; the kernel reads and updates only it.
    check(unsafe { syscall6(k::__NR_splice, [from.as_raw_fd() as usize, 0, to.as_raw_fd() as usize, offset, len, flags as usize]) })
}

/// `tee(from, to, len, flags)`: copies up to `len` bytes from the pipe
/// `from` to the pipe `to` without consuming them; how many were copied.
pub fn tee(from: &OwnedFd, to: &OwnedFd, len: usize, flags: u32) -> Result<usize, Errno> {
    // SAFETY: integers only.
    check(unsafe { syscall4(k::__NR_tee, [from.as_raw_fd() as usize, to.as_raw_fd() as usize, len, flags as usize]) })
}
