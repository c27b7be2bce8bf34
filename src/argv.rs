//! The daemons' command lines and files (SPEC §3): the container
//! runtime's argv is fixed (cri-o's, or containerd's with
//! `kios.runtime=containerd`), the kubelet's is rebuilt from
//! `/etc/kubernetes` at every start; their sockets, log FIFOs and log
//! files; the kubelet's config file and the grace period read from it.

use crate::daemon::{Argv, MAX_ARGS};
use crate::etc::{contents, exists};
use crate::log::bytes;
use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, Ordering};
use kios::cstr::{arg, file_name};

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

/// The longest of the daemons' log file paths (NUL not counted).
pub const LOG_FILE_MAX: usize = {
    let lens = [CRIO.log_file.count_bytes(), CONTAINERD.log_file.count_bytes(), KUBELET_LOG_FILE.count_bytes()];
    let (mut max, mut rest) = (0, lens.as_slice());
    while let [len, tail @ ..] = rest {
        if *len > max {
            max = *len;
        }
        rest = tail;
    }
    max
};

/// The kubelet's log on the data partition.
const KUBELET_LOG_FILE: &CStr = c"/var/log/kios/kubelet.log";

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
            Daemon::Kubelet => KUBELET_LOG_FILE,
        }
    }
}

/// The arguments in an `args!` string: its NULs.
const fn count_args(mut args: &[u8]) -> usize {
    let mut count = 0usize;
    while let [first, rest @ ..] = args {
        if *first == 0 {
            count = count.saturating_add(1);
        }
        args = rest;
    }
    count
}

// What `flag` relies on holds for the profiles' fixed
// argvs: at most `MAX_ARGS` arguments, each NUL-terminated.
const _: () = assert!(count_args(CRIO.argv) <= MAX_ARGS && count_args(CONTAINERD.argv) <= MAX_ARGS);
const _: () = assert!(matches!(CRIO.argv, [.., 0]) && matches!(CONTAINERD.argv, [.., 0]));


/// The kubelet's executable and `--config` with its file, the start of
/// its argv (NUL-terminated arguments).
const KUBELET_START: &[u8] = b"/bin/kubelet\0--config\0/etc/kubernetes/config.yaml\0";
/// `--kubeconfig` and its file, given when the file exists (as
/// NUL-terminated arguments: appended in one copy, see `Argv::extend`).
const KUBECONFIG_FLAG: &[u8] = b"--kubeconfig\0/etc/kubernetes/kubelet.conf\0";
/// `--bootstrap-kubeconfig` and its file, given when the file exists.
const BOOTSTRAP_FLAG: &[u8] = b"--bootstrap-kubeconfig\0/etc/kubernetes/bootstrap-kubelet.conf\0";
/// The credential provider flags, given when their config file (the
/// first flag's value) exists.
const CREDENTIAL_FLAGS: &[u8] = b"--image-credential-provider-config\0/etc/kubernetes/credential-providers.yaml\0\
    --image-credential-provider-bin-dir\0/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec\0";

/// The kubelet's config file (`etc` reads its grace period).
pub const KUBELET_CONFIG: &CStr = arg(KUBELET_START, 2);
/// The directory of the kubelet's files, watched for [`KUBECONFIG`].
pub const KUBELET_DIR: &CStr = c"/etc/kubernetes";
/// Present when the kubelet has joined a cluster.
pub const KUBECONFIG: &CStr = arg(KUBECONFIG_FLAG, 1);
/// Its name in [`KUBELET_DIR`].
pub const KUBECONFIG_NAME: &[u8] = file_name(KUBECONFIG);
const _: () = assert!(matches!(KUBECONFIG.to_bytes(), b"/etc/kubernetes/kubelet.conf") && matches!(KUBECONFIG_NAME, b"kubelet.conf"));
/// The bootstrap kubeconfig, for joining one.
const BOOTSTRAP: &CStr = arg(BOOTSTRAP_FLAG, 1);
/// The credential providers' config.
const CREDENTIAL_PROVIDERS: &CStr = arg(CREDENTIAL_FLAGS, 1);

// Each flag string holds its path.
const _: () = assert!(KUBELET_CONFIG.count_bytes() > 0 && KUBECONFIG.count_bytes() > 0 && BOOTSTRAP.count_bytes() > 0 && CREDENTIAL_PROVIDERS.count_bytes() > 0);

/// The node's IP address for the kubelet (the path is also a piece of
/// its warning: one copy of it).
const NODE_IP: &CStr = c"/etc/kubernetes/node-ip";

/// The most arguments [`kubelet_argv`] gives: `argv[0]` and each of its
/// seven flags with its value.
pub const KUBELET_MOST_ARGS: usize = 1 + 7 * 2;
const _: () = assert!(KUBELET_MOST_ARGS <= MAX_ARGS);

/// The kubelet's argv, and whether it starts standalone (no kubelet.conf).
pub fn kubelet_argv() -> (Argv, bool) {
    let mut argv = Argv::default();
    argv.extend(KUBELET_START);

    // Up to 64 KiB of labels file (comments count), in a scratch mapping;
    // up to 2 KiB of labels: each one that does not fit is named and
    // dropped, the others are passed.
    crate::sys::with_scratch(64 * 1024, |file| {
        let contents = contents(c"/etc/kubernetes/node-labels", file)?;
        let mut labels: heapless::String<2048> = heapless::String::new();
        kios::labels::node_labels(contents, &mut labels, &mut |w| {
            crate::warn!("/etc/kubernetes/node-labels line {}: {}{}; line dropped", w.line, w.reason, bytes(w.name));
        });
        if !labels.is_empty() {
            argv.flag(c"--node-labels", labels.as_bytes());
        }
        Some(())
    });

    let mut file = [0u8; 4096];
    if let Some(contents) = contents(NODE_IP, &mut file) {
        match kios::nodeip::node_ip(contents) {
            Ok(ip) => argv.flag(c"--node-ip", ip),
            Err(_) => crate::warn!("{}: not an IP address: {}; refused", NODE_IP, bytes(kios::nodeip::first_line(contents))),
        }
    }

    let standalone = !exists(KUBECONFIG);
    if !standalone {
        argv.extend(KUBECONFIG_FLAG);
    }
    if exists(BOOTSTRAP) {
        argv.extend(BOOTSTRAP_FLAG);
    }
    if exists(CREDENTIAL_PROVIDERS) {
        argv.extend(CREDENTIAL_FLAGS);
    }
    (argv, standalone)
}

/// The container runtime's fixed argv (SPEC §3).
pub fn runtime_argv() -> Argv {
    let mut argv = Argv::default();
    argv.extend(runtime().argv);
    argv
}

/// `shutdownGracePeriod` from the kubelet's config file, if set and a
/// valid Go duration (else a warning); the file is read, up to 64 KiB,
/// into a scratch mapping, not resident for good.
pub fn kubelet_grace_period() -> Option<u32> {
    crate::sys::with_scratch(64 * 1024, |buf| match kios::grace::shutdown_grace_period(contents(KUBELET_CONFIG, buf)?)? {
        Ok(seconds) => Some(seconds),
        Err(value) => {
            crate::warn!("{}: shutdownGracePeriod: invalid duration \"{}\"; default deadline used", KUBELET_CONFIG, bytes(value));
            None
        }
    })?
}
