//! Hardening II (issue 15) through the real release init: files that are
//! not regular files where the init reads its settings, descriptor
//! exhaustion, console floods, a crowded or replaced system socket, and
//! inputs over the limits. The figures are printed with eprintln
//! (`-- --nocapture` shows them); docs/reliability.md records them.
//!
//! Needs root: each test runs the release init as PID 1 of its own
//! namespaces (see tests/common).

mod common;

use common::{Node, Root};
use std::ffi::CString;
use std::path::Path;

/// What is put where a settings file is expected.
#[derive(Clone, Copy, Debug)]
enum Special {
    /// A FIFO nobody writes to: a plain `open` for reading waits forever.
    Fifo,
    /// A symbolic link to the pseudo-terminal multiplexer `/dev/ptmx` (a
    /// node of its own would find no `pts` beside it and fail to open): a
    /// plain `read` of the new master waits forever.
    Device,
}

/// Makes `path` a `special` file (replacing what is there).
fn make_special(path: &Path, special: Special) {
    let _ = std::fs::remove_file(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if let Special::Device = special {
        std::os::unix::fs::symlink("/dev/ptmx", path).unwrap();
        return;
    }
    let c = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path that lives for the call.
    let ret = unsafe { mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(ret, 0, "mkfifo {}: {}", path.display(), std::io::Error::last_os_error());
}

extern "C" {
    fn mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
}

/// The kubelet's first argv, as the stand-in recorded it.
fn first_argv(node: &Node) -> String {
    node.wait_record("kubelet", "start 1 argv", 1)
}

/// Boots with `file` (relative to the root) a FIFO, then a device: each
/// time the node comes up (the kubelet connects), the init says once per
/// read that the file is not a regular file, the kubelet gets none of
/// `flag`, and a SIGTERM still powers the node off gracefully (the
/// kubelet hears the event and answers).
fn refused(file: &str, flag: Option<&str>) {
    for special in [Special::Fifo, Special::Device] {
        let root = Root::new(&format!("special-{}", file.replace('/', "-")));
        make_special(&root.path.join(file), special);
        let node = root.boot(&[]);
        let warning = format!("kios: warning: /{file}: not a regular file; ignored");
        node.wait_ready();
        node.wait_log(&warning);
        if let Some(flag) = flag.filter(|flag| first_argv(&node).contains(flag)) {
            node.fail(&format!("{special:?} at /{file}: the kubelet got {flag}"));
        }
        node.signal("TERM");
        node.wait_record("kubelet", "shutdown event", 1);
        node.expect_poweroff();
        eprintln!("{special:?} at /{file}: {:?}", node.lines("not a regular file"));
    }
}

#[test]
fn hostname_fifo_or_device_is_refused() {
    refused("etc/hostname", None);
}

#[test]
fn node_labels_fifo_or_device_is_refused() {
    refused("etc/kubernetes/node-labels", Some("--node-labels"));
}

#[test]
fn node_ip_fifo_or_device_is_refused() {
    refused("etc/kubernetes/node-ip", Some("--node-ip"));
}

#[test]
fn kubelet_config_fifo_or_device_is_refused() {
    refused("etc/kubernetes/config.yaml", None);
}

#[test]
fn kubeconfig_fifo_or_device_is_refused() {
    refused("etc/kubernetes/kubelet.conf", Some("--kubeconfig"));
}

#[test]
fn bootstrap_kubeconfig_fifo_or_device_is_refused() {
    refused("etc/kubernetes/bootstrap-kubelet.conf", Some("--bootstrap-kubeconfig"));
}

#[test]
fn credential_provider_config_fifo_or_device_is_refused() {
    refused("etc/kubernetes/credential-providers.yaml", Some("--image-credential-provider-config"));
}
