//! Shared harness of the namespace tests: the real release init runs as
//! PID 1 of fresh PID, mount, UTS, IPC and network namespaces, chrooted
//! into a throw-away root that holds it, the cri-o and kubelet stand-ins
//! and a few files under `/etc`. The tests see it only from outside: its
//! log lines (stderr, `kios.log=stderr`), the stand-ins' records under
//! `ROOT/record/`, `/proc/<pid>/…` and how the namespace ends.
//!
//! Needs root (unshare, mount, chroot), as CI has, and only tools of a
//! base Debian system: util-linux (unshare, mount, setpriv, nsenter),
//! coreutils, dash and perl-base. A missing binary of ours, or one older
//! than its sources, is a failure, never a skip.
#![allow(dead_code)] // each test file uses a different part of the harness

pub mod client;
mod log;
mod namespace;
pub mod node;
pub mod repo;

#[allow(unused_imports)]
pub use client::{Client, Heard, NonRoot};
pub use node::Node;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// How long any single wait of a test may take before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Mount points and directories the init expects in its root.
const DIRS: &[&str] = &[
    "dev", "proc", "sys", "run", "tmp", "var", "var/run", "var/lib/kubelet", "var/cache",
    "var/tmp", "var/log", "etc", "etc/kubernetes", "lib", "bin", "record",
];

/// Where the stand-ins are built from.
const STANDIN_SOURCES: &str = "tests/standins/src";

/// The workspace root.
pub fn workspace() -> PathBuf {
    repo::root()
}

/// Checks `check` every `every` until it gives a value, for at most
/// [`WAIT`]; `None` if it never did. The harness's one polling loop, for
/// what sends no event to wait on (the stand-ins' record files, `/proc`);
/// the init's log lines are waited on without polling (`Node::wait_log`).
pub fn poll_until<T>(every: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(found) = check() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(every);
    }
}

/// A built binary of the workspace, or a failure saying how to build it:
/// missing, or older than a file under `sources` (the test would run code
/// that is no longer there).
pub fn built(relative: &str, sources: &str) -> PathBuf {
    let path = workspace().join(relative);
    let how = "run scripts/build-standins and cargo build --release first";
    let Ok(built_at) = fs::metadata(&path).and_then(|file| file.modified()) else {
        panic!("{} is missing: {how}", path.display());
    };
    if let Some((_, source)) = newest(&workspace().join(sources)).filter(|(changed, _)| *changed > built_at) {
        panic!("{} is older than {}: {how}", path.display(), source.display());
    }
    path
}

/// The file under `dir` changed last, and when.
fn newest(dir: &Path) -> Option<(SystemTime, PathBuf)> {
    let files = fs::read_dir(dir).ok()?.flatten().filter_map(|entry| {
        let path = entry.path();
        if path.is_dir() {
            return newest(&path);
        }
        Some((entry.metadata().ok()?.modified().ok()?, path))
    });
    files.max()
}

/// The release init, `target/release/init`.
pub fn init_binary() -> PathBuf {
    built("target/release/init", "src")
}

/// A throw-away root directory for one init, removed when dropped.
pub struct Root {
    pub path: PathBuf,
    /// Whether `inotify_init1` fails in the namespace (EMFILE), as when
    /// the kernel's inotify instances are used up.
    pub deny_inotify: bool,
}

impl Root {
    /// A root with the init as `/init`, the stand-ins as `/bin/crio` and
    /// `/bin/kubelet`, the directories the init mounts on, a kubelet
    /// config with `shutdownGracePeriod: 30s` and `/etc/hostname`.
    pub fn new(test: &str) -> Root {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("kios-ns-{test}-{}-{unique}", std::process::id());
        let root = Root { path: std::env::temp_dir().join(name), deny_inotify: false };
        let _ = fs::remove_dir_all(&root.path);
        for dir in DIRS {
            fs::create_dir_all(root.path.join(dir)).expect("create root directories");
        }
        root.install(&init_binary(), "init");
        root.install(&built("target/x86_64-unknown-linux-gnu/release/crio-standin", STANDIN_SOURCES), "bin/crio");
        root.install(&built("target/x86_64-unknown-linux-gnu/release/kubelet-standin", STANDIN_SOURCES), "bin/kubelet");
        root.write("etc/kubernetes/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nshutdownGracePeriod: 30s\n");
        root.write("etc/hostname", "kios-test\n");
        root
    }

    fn install(&self, from: &Path, to: &str) {
        let dest = self.path.join(to);
        fs::copy(from, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        fs::set_permissions(&dest, fs::Permissions::from_mode(0o755)).expect("chmod 0755");
    }

    /// Writes `contents` to `relative` (a path inside the root), creating
    /// its parent directories.
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path.join(relative);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create parents");
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Stand-in behaviour: the lines of `/etc/standin.conf`.
    pub fn standin(&self, conf: &str) {
        self.write("etc/standin.conf", conf);
    }

    /// Starts the init with the default options and `extra` ones
    /// (`NAME=value` environment entries, as the kernel passes them).
    pub fn boot(self, extra: &[&str]) -> Node {
        Node::boot(self, extra)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A root with default files, started with `extra` options, waited for
/// until the kubelet stand-in is connected to the system socket.
pub fn boot_ready(test: &str, extra: &[&str]) -> Node {
    let node = Root::new(test).boot(extra);
    node.wait_ready();
    node
}
