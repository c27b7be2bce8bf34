//! A daemon's output never stalls it. Its stdout and stderr are a pipe
//! that PID 1 drains, with `splice`, into the daemon's log FIFO
//! (`/var/run/crio.log`, `/var/run/kubelet.log`). When the FIFO is full
//! because nobody reads it, the oldest output in it is dropped, so it
//! always holds the most recent `KEPT` bytes for a reader that attaches
//! later; a reader that keeps up gets everything, in order.
//!
//! With a data partition, the output is also kept in `/var/log/kios/`
//! (`tee` to the FIFO, then `splice` to the file): each file holds at most
//! `FILE_CAP` bytes, then becomes `NAME.1` (replacing the one before) and
//! a new file starts. The data stays in kernel pipe buffers and the page
//! cache: nothing is copied through PID 1's memory.

use crate::argv::Daemon;
use core::ffi::CStr;
use rustix::fd::OwnedFd;
use rustix::fs::{mknodat, open, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;
use crate::sys;
use linux_raw_sys::general::SPLICE_F_NONBLOCK;
use rustix::pipe::{fcntl_setpipe_size, pipe_with, PipeFlags};

/// Output kept in a log FIFO nobody reads (its pipe buffer size).
pub const KEPT: usize = 256 * 1024;
/// How much of the oldest output is dropped at once when the FIFO is full.
const DROP: usize = 64 * 1024;
/// Size of a log file on the data partition before it is rotated.
const FILE_CAP: u64 = 1024 * 1024;

/// One daemon's output pipe, log FIFO and log file.
pub struct Output {
    /// The end PID 1 drains (non-blocking; watched by the event loop).
    pub drain_end: OwnedFd,
    /// The end the daemon writes to (its stdout and stderr); kept open by
    /// PID 1 so the pipe lives across restarts.
    pub daemon_end: OwnedFd,
    /// The log FIFO, open read-write so it never blocks nor closes.
    fifo: OwnedFd,
    /// Its log file on the data partition (the previous one, rotated, is
    /// this path and `.1`).
    path: &'static CStr,
    /// The log file on the data partition and its size.
    file: Option<(OwnedFd, u64)>,
}

impl Output {
    /// Creates the daemon's log FIFO if missing and its output pipe, whose
    /// end PID 1 drains `watch` gives to the event loop; a failure of any
    /// step is logged (the daemon then writes to the console: a pipe
    /// nobody watched would fill and block it).
    pub fn open(daemon: Daemon, watch: impl FnOnce(&OwnedFd) -> Result<(), Errno>) -> Option<Output> {
        let path = daemon.log_fifo();
        Self::create(daemon, path, watch).inspect_err(|&e| crate::error_at!("log FIFO {}: {}", path, e)).ok()
    }

    fn create(daemon: Daemon, path: &CStr, watch: impl FnOnce(&OwnedFd) -> Result<(), Errno>) -> Result<Output, Errno> {
        match mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o600), 0) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(e),
        }
        let fifo = open(path, OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC, Mode::empty())?;
        let _ = fcntl_setpipe_size(&fifo, KEPT);
        let (drain_end, daemon_end) = pipe_with(PipeFlags::CLOEXEC)?;
        sys::set_nonblocking(&drain_end)?;
        watch(&drain_end)?;
        Ok(Output { drain_end, daemon_end, fifo, path: daemon.log_file(), file: None })
    }

    /// From now on, also keeps the output in its file under
    /// `/var/log/kios/` (added at its end: earlier boots' output stays).
    pub fn keep_on_disk(&mut self) {
        let _ = rustix::fs::mkdir(c"/var/log/kios", Mode::from_raw_mode(0o755));
        self.open_file(OFlags::empty());
    }

    /// Opens the log file as `file` (replacing, and so closing, the one
    /// before), or logs why not.
    fn open_file(&mut self, flags: OFlags) {
        let path = self.path;
        // Without blocking: a FIFO left in the file's place on the data
        // partition would wait for a reader forever (it fails ENXIO instead).
        let flags = flags | OFlags::WRONLY | OFlags::CREATE | OFlags::NONBLOCK | OFlags::CLOEXEC;
        // The size is where a seek to the end lands (writes give their
        // offset, so where the descriptor's own offset stays is unused).
        let opened = open(path, flags, Mode::from_raw_mode(0o640)).and_then(|fd| Ok((rustix::fs::seek(&fd, rustix::fs::SeekFrom::End(0))?, fd)));
        self.file = opened.map(|(size, fd)| (fd, size)).inspect_err(|&e| file_lost(path, e)).ok();
    }

    /// Closes the log file (before the data partition is unmounted).
    pub fn close_file(&mut self) {
        self.file = None;
    }

    /// Moves everything the daemon wrote into the FIFO (and the file),
    /// dropping the FIFO's oldest output (into `null`, `/dev/null`) where
    /// it is full.
    pub fn drain(&mut self, null: &OwnedFd) {
        loop {
            // Nothing left (or, never seen on a pipe, FIONREAD failed: the
            // loop is woken again while bytes wait).
            let Ok(mut len @ 1..) = sys::pending(&self.drain_end) else { return };
            if let Some((_, size)) = self.file {
                if size >= FILE_CAP {
                    self.rotate();
                }
            }
            let sent = match &self.file {
                Some((_, size)) => {
                    len = len.min(usize::try_from(FILE_CAP.saturating_sub(*size)).unwrap_or(len));
                    sys::tee(&self.drain_end, &self.fifo, len, SPLICE_F_NONBLOCK)
                }
                None => sys::splice(&self.drain_end, &self.fifo, None, len, SPLICE_F_NONBLOCK),
            };
            match sent {
                Ok(n) if n > 0 => self.write_file(n),
                Err(Errno::AGAIN) => {
                    // The FIFO is full: make room by dropping its oldest output.
                    if !matches!(sys::splice(&self.fifo, null, None, DROP, SPLICE_F_NONBLOCK), Ok(n) if n > 0) {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// Moves the `n` bytes just copied to the FIFO into the file.
    fn write_file(&mut self, n: usize) {
        let Some((fd, size)) = &mut self.file else { return };
        // At the file's end (splice refuses O_APPEND files); the offset moves on.
        if let Err(e) = sys::splice(&self.drain_end, fd, Some(size), n, 0) {
            file_lost(self.path, e);
            self.close_file();
        }
    }

    /// The full file becomes `NAME.1`; a new one starts.
    fn rotate(&mut self) {
        let path = self.path;
        // `NAME.1`.
        let mut old = [0u8; crate::argv::LOG_FILE_MAX + b".1".len() + 1];
        let renamed = kios::cstr::join(&mut old, &[path.to_bytes(), b".1"]).ok_or(Errno::NAMETOOLONG).and_then(|old| rustix::fs::rename(path, old));
        if let Err(e) = renamed {
            crate::error_at!("rotate {}: {}", path, e);
        }
        self.open_file(OFlags::TRUNC);
    }
}

/// The log file `path` could not be opened or written.
#[inline(never)]
fn file_lost(path: &CStr, e: Errno) {
    crate::error_at!("log file {}: {}; no longer written", path, e);
}
