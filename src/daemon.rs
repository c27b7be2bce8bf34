//! Starting a supervised daemon: its argv in a fixed buffer, and fork +
//! exec with a clean signal mask and `PATH=/bin` only.

use crate::sys;
use core::ffi::CStr;
use rustix::fd::OwnedFd;
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno as E;
use rustix::process::Pid;

/// The most arguments a daemon is given, `argv[0]` included.
pub const MAX_ARGS: usize = 24;

/// An argument vector built in one fixed buffer of NUL-terminated
/// strings, the executable (`argv[0]`) first.
#[derive(Default)]
pub struct Argv {
    buf: heapless::Vec<u8, 4096>,
    /// Why it is not to be started: an argument did not fit (`E2BIG`) or
    /// held a NUL (`EINVAL`).
    error: Option<E>,
}

impl Argv {
    /// Appends a flag and its value, two arguments (`--node-ip`,
    /// `10.0.0.1`). A value holding a NUL would split into two arguments: the argv is
    /// refused instead (the parsers never let one through; this is the
    /// last check before `execve`). Arguments are not counted: the argvs
    /// built stay within `MAX_ARGS` (checked when compiling, in `argv`),
    /// and `sys::execve` refuses more.
    pub fn flag(&mut self, name: &CStr, value: &[u8]) {
        #[allow(clippy::manual_contains)] // a byte loop for a short value, not core's word-at-a-time `memchr`
        if value.iter().any(|&b| b == 0) {
            self.error = Some(E::INVAL);
        }
        self.extend(name.to_bytes_with_nul());
        self.extend(value);
        self.extend(b"\0");
    }

    /// Appends the NUL-terminated arguments of `args` as they are: the
    /// buffer holds its arguments the same way.
    pub fn extend(&mut self, args: &[u8]) {
        if self.buf.extend_from_slice(args).is_err() {
            self.error = Some(E::TOOBIG);
        }
    }
}

/// Forks and executes `argv` (its `argv[0]` is the executable) with
/// stdout and stderr on `output` (or the console without one). Returns
/// the child's pid; `E2BIG` for an argv that did not fit, `EINVAL` for
/// one with a NUL inside an argument.
pub fn spawn(argv: &Argv, output: Option<&OwnedFd>) -> Result<Pid, E> {
    if let Some(e) = argv.error {
        return Err(e);
    }
    match sys::fork()? {
        Some(pid) => Ok(pid),
        None => exec_child(argv, output),
    }
}

/// In the forked child: set up stdio, the signal mask and a session, then
/// exec; exits 127 (not found) or 126 (cannot execute) on failure.
fn exec_child(argv: &Argv, output: Option<&OwnedFd>) -> ! {
    let _ = sys::set_signal_mask(sys::SigSet::EMPTY);
    let _ = rustix::process::setsid();
    if let Ok(null) = open(c"/dev/null", OFlags::RDWR, Mode::empty()) {
        let _ = rustix::stdio::dup2_stdin(&null);
    }
    if let Some(output) = output {
        let _ = rustix::stdio::dup2_stdout(output);
        let _ = rustix::stdio::dup2_stderr(output);
    }
    let _ = rustix::process::chdir(c"/");
    let err = sys::execve::<{ MAX_ARGS + 1 }>(&argv.buf, c"PATH=/bin");
    // The executable, `argv[0]`, for the console (always there: an argv
    // is built from it).
    if let Some(path) = kios::cstr::next(&mut argv.buf.as_slice()) {
        crate::error_at!("exec {}: {}", path, err);
    }
    sys::exit(if err == E::NOENT { 127 } else { 126 })
}
