//! A daemon's output never stalls it. Its stdout and stderr are a pipe
//! that PID 1 drains, with `splice`, into the daemon's log FIFO
//! (`/var/run/crio.log`, `/var/run/kubelet.log`). When the FIFO is full
//! because nobody reads it, the oldest output in it is dropped, so it
//! always holds the most recent `KEPT` bytes for a reader that attaches
//! later; a reader that keeps up gets everything, in order. The data stays
//! in kernel pipe buffers: nothing is copied through PID 1's memory.

use crate::daemon::Daemon;
use rustix::fd::OwnedFd;
use rustix::fs::{mknodat, open, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;
use rustix::pipe::{fcntl_setpipe_size, pipe_with, splice, PipeFlags, SpliceFlags};

/// Output kept in a log FIFO nobody reads (its pipe buffer size).
pub const KEPT: usize = 256 * 1024;
/// How much of the oldest output is dropped at once when the FIFO is full.
const DROP: usize = 64 * 1024;

/// One daemon's output pipe and log FIFO.
pub struct Output {
    /// The end PID 1 drains (non-blocking; watched by the event loop).
    pub drain_end: OwnedFd,
    /// The end the daemon writes to (its stdout and stderr); kept open by
    /// PID 1 so the pipe lives across restarts.
    pub daemon_end: OwnedFd,
    /// The log FIFO, open read-write so it never blocks nor closes.
    fifo: OwnedFd,
}

impl Output {
    /// Creates the daemon's log FIFO if missing and its output pipe.
    pub fn open(daemon: Daemon) -> Result<Output, Errno> {
        let path = daemon.log_fifo();
        match mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o600), 0) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(e),
        }
        let fifo = open(path, OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC, Mode::empty())?;
        let _ = fcntl_setpipe_size(&fifo, KEPT);
        let (drain_end, daemon_end) = pipe_with(PipeFlags::CLOEXEC)?;
        rustix::io::ioctl_fionbio(&drain_end, true)?;
        Ok(Output { drain_end, daemon_end, fifo })
    }

    /// Moves everything the daemon wrote into the FIFO, dropping the
    /// FIFO's oldest output (into `null`, `/dev/null`) where it is full.
    pub fn drain(&self, null: &OwnedFd) {
        loop {
            let pending = rustix::io::ioctl_fionread(&self.drain_end).unwrap_or(0);
            if pending == 0 {
                return;
            }
            let len = usize::try_from(pending).unwrap_or(KEPT);
            match splice(&self.drain_end, None, &self.fifo, None, len, SpliceFlags::NONBLOCK) {
                Ok(n) if n > 0 => {}
                Err(Errno::AGAIN) => {
                    // The FIFO is full: make room by dropping its oldest output.
                    if !matches!(splice(&self.fifo, None, null, None, DROP, SpliceFlags::NONBLOCK), Ok(n) if n > 0) {
                        return;
                    }
                }
                _ => return,
            }
        }
    }
}
