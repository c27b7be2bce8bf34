//! Reading the node's settings from `/etc` (and other small files) into
//! fixed buffers.

use crate::log::bytes;
use core::ffi::CStr;
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno as E;

/// Why a file could not be read.
pub enum ReadError {
    /// It does not exist.
    Missing,
    /// It is larger than the buffer.
    TooLong,
    /// Another error.
    Io(E),
}

/// Reads the whole of `path` into `buf`.
pub fn read_all<'b>(path: &CStr, buf: &'b mut [u8]) -> Result<&'b [u8], ReadError> {
    let fd = open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).map_err(|e| match e {
        E::NOENT => ReadError::Missing,
        e => ReadError::Io(e),
    })?;
    let mut len = 0;
    loop {
        let Some(rest) = buf.get_mut(len..) else { return Err(ReadError::TooLong) };
        if rest.is_empty() {
            // Full: one more byte would mean the file does not fit.
            let mut probe = [0u8; 1];
            return match rustix::io::read(&fd, &mut probe) {
                Ok(0) => Ok(buf),
                _ => Err(ReadError::TooLong),
            };
        }
        match rustix::io::read(&fd, rest) {
            Ok(0) => return Ok(buf.get(..len).unwrap_or_default()),
            Ok(n) => len = len.saturating_add(n),
            Err(E::INTR) => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// Reads `path` into `buf`, returning its length; a missing file is `None`
/// silently, any other failure is `None` with a logged warning.
pub fn read(path: &CStr, buf: &mut [u8]) -> Option<usize> {
    match read_all(path, buf) {
        Ok(data) => Some(data.len()),
        Err(ReadError::Missing) => None,
        Err(ReadError::TooLong) => {
            crate::warn!("{}: larger than {} bytes, ignored", path, buf.len());
            None
        }
        Err(ReadError::Io(e)) => {
            crate::warn!("read {}: {}", path, e);
            None
        }
    }
}

/// Whether `path` exists.
pub fn exists(path: &CStr) -> bool {
    rustix::fs::access(path, rustix::fs::Access::EXISTS).is_ok()
}

/// `/etc/hostname` → `sethostname`.
pub fn set_hostname() {
    let mut buf = [0u8; 256];
    let Some(len) = read(c"/etc/hostname", &mut buf) else { return };
    let file = buf.get(..len).unwrap_or_default();
    match kios::hostname::hostname(file) {
        Some(name) => {
            if let Err(e) = rustix::system::sethostname(name) {
                crate::error!("sethostname {}: {}", bytes(name), e);
            }
        }
        None => crate::warn!("/etc/hostname: no valid name on its first line, hostname not set"),
    }
}
