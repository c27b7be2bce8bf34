//! Starting a supervised daemon: its argv in a fixed buffer, and fork + exec with a clean signal mask and `PATH=/bin` only.

use crate::sys;
use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, Ordering};
use rustix::fd::OwnedFd;
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno as E;
use rustix::process::Pid;

/// What differs between the two container runtimes (`kios.runtime`).
pub struct RuntimeProfile {
    /// Its fixed argv (SPEC §3), the executable first, each argument
    /// ending in a NUL (`args!`: the whole argv as `Argv` holds it).
    pub argv: &'static [u8],
    /// Its log FIFO.
    pub log_fifo: &'static CStr,
    /// Its log on the data partition (the previous one, rotated, is this
    /// path and `.1`).
    pub log_file: &'static CStr,
    /// It is ready when its socket exists: the directory to watch, the
    /// socket's name in it, and its path.
    pub socket_dir: &'static CStr,
    pub socket_name: &'static [u8],
    pub socket: &'static CStr,
}

/// The arguments given, as one string of NUL-terminated arguments.
macro_rules! args {
    ($($arg:literal),* $(,)?) => { concat!($($arg, "\0"),*).as_bytes() };
}

/// cri-o's argv.
const CRIO_ARGV: &[u8] = args!(
    "/bin/crio",
    "--runtimes", "crun:/bin/crun:/var/run/crun:oci",
    "--cgroup-manager", "cgroupfs",
    "--default-runtime", "crun",
    "--listen", "/var/run/crio/crio.sock", // argument 8: the socket
    "--conmon", "/bin/conmon",
    "--conmon-cgroup", "pod",
    "--pinns-path", "/bin/pinns",
);
/// The socket cri-o listens on, read from its argv (one copy of the path).
const CRIO_SOCKET: &CStr = arg(CRIO_ARGV, 8);

/// cri-o, the default.
const CRIO: RuntimeProfile = RuntimeProfile {
    argv: CRIO_ARGV,
    log_fifo: c"/var/run/crio.log",
    log_file: c"/var/log/kios/crio.log",
    socket_dir: c"/var/run/crio",
    socket_name: file_name(CRIO_SOCKET),
    socket: CRIO_SOCKET,
};

/// containerd: its images and containers kept with cri-o's, on the data
/// partition.
const CONTAINERD: RuntimeProfile = RuntimeProfile {
    argv: CONTAINERD_ARGV,
    log_fifo: c"/var/run/containerd.log",
    log_file: c"/var/log/kios/containerd.log",
    // Its state directory, argument 6, where its socket is.
    socket_dir: arg(CONTAINERD_ARGV, 6),
    socket_name: file_name(CONTAINERD_SOCKET),
    socket: CONTAINERD_SOCKET,
};

/// containerd's argv.
const CONTAINERD_ARGV: &[u8] = args!(
    "/bin/containerd",
    "--address", "/run/containerd/containerd.sock", // argument 2: the socket
    "--root", "/var/lib/containers/storage/containerd",
    "--state", "/run/containerd", // argument 6: the socket's directory
);
/// The socket containerd listens on, read from its argv.
const CONTAINERD_SOCKET: &CStr = arg(CONTAINERD_ARGV, 2);

/// Argument `index` of NUL-terminated `args` (the same bytes, not a
/// second copy of the string), when compiling; empty if there is none
/// (ruled out where used: see the checks below and in `argv`).
pub const fn arg(args: &'static [u8], mut index: usize) -> &'static CStr {
    let mut rest = args;
    while index > 0 {
        let [first, tail @ ..] = rest else { break };
        rest = tail;
        if *first == 0 {
            index = index.wrapping_sub(1);
        }
    }
    match CStr::from_bytes_until_nul(rest) {
        Ok(arg) => arg,
        Err(_) => c"",
    }
}

/// What follows the last `/` of `path`, when compiling.
const fn file_name(path: &'static CStr) -> &'static [u8] {
    let mut name = path.to_bytes();
    let mut rest = name;
    while let [first, tail @ ..] = rest {
        rest = tail;
        if *first == b'/' {
            name = tail;
        }
    }
    name
}

// The paths read from the argvs are the ones meant.
const _: () = assert!(matches!(CRIO_SOCKET.to_bytes(), b"/var/run/crio/crio.sock"));
const _: () = assert!(matches!(CONTAINERD_SOCKET.to_bytes(), b"/run/containerd/containerd.sock"));
const _: () = assert!(matches!(CONTAINERD.socket_dir.to_bytes(), b"/run/containerd"));
const _: () = assert!(matches!(CRIO.socket_name, b"crio.sock") && matches!(CONTAINERD.socket_name, b"containerd.sock"));

/// Whether the runtime is containerd rather than cri-o, chosen once at boot.
static USE_CONTAINERD: AtomicBool = AtomicBool::new(false);

/// Chooses the container runtime, before anything starts.
pub fn choose_runtime(runtime: kios::options::Runtime) {
    USE_CONTAINERD.store(runtime == kios::options::Runtime::Containerd, Ordering::Relaxed);
}

/// The chosen container runtime.
pub fn runtime() -> &'static RuntimeProfile {
    if USE_CONTAINERD.load(Ordering::Relaxed) {
        &CONTAINERD
    } else {
        &CRIO
    }
}

/// The two programs PID 1 keeps alive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// The container runtime (cri-o).
    Runtime,
    /// The kubelet.
    Kubelet,
}

impl Daemon {
    /// Name used on the console.
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Runtime => "runtime",
            Daemon::Kubelet => "kubelet",
        }
    }

    /// Its log FIFO (SPEC §3).
    pub fn log_fifo(self) -> &'static CStr {
        match self {
            Daemon::Runtime => runtime().log_fifo,
            Daemon::Kubelet => c"/var/run/kubelet.log",
        }
    }

    /// Its log on the data partition (the previous one, rotated, is this
    /// path and `.1`).
    pub fn log_file(self) -> &'static CStr {
        match self {
            Daemon::Runtime => runtime().log_file,
            Daemon::Kubelet => c"/var/log/kios/kubelet.log",
        }
    }
}

/// An argument vector built in one fixed buffer of NUL-terminated
/// strings, the executable (`argv[0]`) first.
#[derive(Default)]
pub struct Argv {
    buf: heapless::Vec<u8, 4096>,
    /// An argument did not fit: not to be started.
    full: bool,
}

impl Argv {
    /// Appends a flag, given NUL-terminated (as in `args!`), and its value
    /// (if it does not fit, the argv is marked full). Arguments are not
    /// counted: the argvs built stay within `MAX_ARGS` (checked when
    /// compiling: the profiles below, `argv::KUBELET_MOST_ARGS`), and
    /// `sys::execve` refuses more. Nor searched for a NUL: none holds one
    /// but the flag's own at its end (constants, labels of label
    /// characters only, a checked IP address).
    #[inline(never)]
    pub fn flag(&mut self, name: &[u8], value: &[u8]) {
        self.extend(name);
        self.extend(value);
        self.extend(b"\0");
    }

    /// Appends the NUL-terminated arguments of `args` (see `args!`) as
    /// they are: the buffer holds its arguments the same way (the
    /// profiles' argvs are checked against `MAX_ARGS` when compiling,
    /// below).
    pub fn extend(&mut self, args: &[u8]) {
        if self.buf.extend_from_slice(args).is_err() {
            self.full = true;
        }
    }
}

/// The arguments in an `args!` string: its NULs.
const fn count_args(mut args: &[u8]) -> usize {
    let mut count = 0usize;
    while let [first, rest @ ..] = args {
        if *first == 0 {
            count = count.wrapping_add(1);
        }
        args = rest;
    }
    count
}

// What `flag` relies on holds for the profiles' fixed
// argvs: at most `MAX_ARGS` arguments, each NUL-terminated.
const _: () = assert!(count_args(CRIO.argv) <= sys::MAX_ARGS && count_args(CONTAINERD.argv) <= sys::MAX_ARGS);
const _: () = assert!(matches!(CRIO.argv, [.., 0]) && matches!(CONTAINERD.argv, [.., 0]));

/// Forks and executes `argv` (its `argv[0]` is the executable) with
/// stdout and stderr on `output` (or the console without one). Returns
/// the child's pid; `E2BIG` for an argv that did not fit.
pub fn spawn(argv: &Argv, output: Option<&OwnedFd>) -> Result<Pid, E> {
    if argv.full {
        return Err(E::TOOBIG);
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
    let err = sys::execve(&argv.buf, c"PATH=/bin");
    // The executable, `argv[0]`, for the console (always there: an argv
    // is built from it).
    if let Some(path) = crate::mounts::next_c_str(&mut argv.buf.as_slice()) {
        crate::error_at!("exec {}: {}", path, err);
    }
    sys::exit(if err == E::NOENT { 127 } else { 126 })
}
