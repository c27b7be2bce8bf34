//! Reading the node's settings from `/etc` (and other small files) into
//! fixed buffers.

use crate::log::bytes;
use core::ffi::CStr;
use rustix::fd::{BorrowedFd, OwnedFd};
use rustix::fs::{openat, FileType, Mode, OFlags, CWD};
use rustix::io::Errno as E;

/// What [`open_file`] returns for anything but a regular file (a FIFO, a
/// device, a socket, a directory); [`contents`] says so in words.
pub const NOT_REGULAR: E = E::NODEV;

/// `openat(dir, path, O_RDONLY | O_NONBLOCK | O_NOCTTY)`, then `fstat`:
/// the file if it is a regular one, else [`NOT_REGULAR`]. Every file the
/// init reads is opened so: a FIFO put in place of a file would block a
/// plain `open` until a writer comes (forever), a device could block in
/// `read` or become PID 1's controlling terminal; PID 1 must never wait
/// on either.
pub fn open_file(dir: BorrowedFd, path: &CStr) -> Result<OwnedFd, E> {
    let fd = openat(dir, path, OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC, Mode::empty())?;
    if FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode) != FileType::RegularFile {
        return Err(NOT_REGULAR);
    }
    Ok(fd)
}

/// Reads `path` (a regular file, see [`open_file`]) into `buf` until the
/// file ends or `buf` is full; returns the length read and whether the
/// file had more.
pub fn fill(path: &CStr, buf: &mut [u8]) -> Result<(usize, bool), E> {
    let fd = open_file(CWD, path)?;
    let mut len = 0;
    loop {
        let rest = buf.get_mut(len..).unwrap_or_default();
        let more = rest.is_empty();
        // Full: one more byte tells whether the file goes on.
        let mut probe = [0u8; 1];
        match rustix::io::read(&fd, if more { &mut probe[..] } else { rest }) {
            Ok(0) => return Ok((len, false)),
            Ok(_) if more => return Ok((len, true)),
            // `n` is at most what was left of `buf`.
            Ok(n) => len = len.saturating_add(n),
            Err(E::INTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads `path` into `buf`, returning the part of `buf` read; a missing
/// file is `None` silently, any other failure is `None` with a logged
/// warning.
#[inline(never)]
pub fn contents<'b>(path: &CStr, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    match fill(path, buf) {
        Ok((len, false)) => buf.get(..len),
        Ok((_, true)) => {
            crate::warn!("{}: larger than {} bytes, ignored", path, buf.len());
            None
        }
        Err(E::NOENT) => None,
        Err(NOT_REGULAR) => {
            crate::warn!("{}: not a regular file; ignored", path);
            None
        }
        Err(e) => {
            crate::warn_at!("read {}: {}", path, e);
            None
        }
    }
}

/// Whether `path` exists.
#[inline(never)]
pub fn exists(path: &CStr) -> bool {
    rustix::fs::access(path, rustix::fs::Access::EXISTS).is_ok()
}

/// `/etc/hostname` → `sethostname`.
pub fn set_hostname() {
    let mut buf = [0u8; 256];
    let Some(file) = contents(c"/etc/hostname", &mut buf) else { return };
    match kios::hostname::hostname(file) {
        Some(name) => {
            if let Err(e) = rustix::system::sethostname(name) {
                crate::error!("sethostname {}: {}", bytes(name), e);
            }
        }
        None => crate::warn!("/etc/hostname: no valid name on its first line, hostname not set"),
    }
}
