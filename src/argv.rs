//! The daemons' command lines: the runtime's is fixed, the kubelet's is
//! rebuilt from `/etc` at every start (SPEC §3).

use core::ffi::CStr;
use crate::daemon::{arg, Argv};
use crate::etc::{contents, is_file};
use crate::log::bytes;

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
/// Present when the kubelet has joined a cluster.
pub const KUBECONFIG: &CStr = arg(KUBECONFIG_FLAG, 1);
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
const _: () = assert!(KUBELET_MOST_ARGS <= crate::sys::MAX_ARGS);

/// The kubelet's argv, and whether it starts standalone (no kubelet.conf).
pub fn kubelet_argv() -> (Argv, bool) {
    let mut argv = Argv::default();
    argv.extend(KUBELET_START);

    let mut file = [0u8; 4096];
    if let Some(contents) = contents(c"/etc/kubernetes/node-labels", &mut file) {
        let mut labels: heapless::String<2048> = heapless::String::new();
        let parsed = kios::labels::node_labels(contents, &mut labels, &mut |w| {
            crate::warn!("/etc/kubernetes/node-labels line {}: {}; line dropped", w.line, w.reason);
        });
        match parsed {
            Ok(()) if !labels.is_empty() => argv.flag(b"--node-labels\0", labels.as_bytes()),
            Ok(()) => {}
            Err(_) => crate::warn!("/etc/kubernetes/node-labels: labels longer than {} bytes; none passed", labels.capacity()),
        }
    }

    if let Some(contents) = contents(NODE_IP, &mut file) {
        match kios::nodeip::node_ip(contents) {
            Ok(ip) => argv.flag(b"--node-ip\0", ip),
            Err(_) => crate::warn!("{}: not an IP address: {}; refused", NODE_IP, bytes(kios::nodeip::first_line(contents))),
        }
    }

    let standalone = !is_file(KUBECONFIG);
    if !standalone {
        argv.extend(KUBECONFIG_FLAG);
    }
    if is_file(BOOTSTRAP) {
        argv.extend(BOOTSTRAP_FLAG);
    }
    if is_file(CREDENTIAL_PROVIDERS) {
        argv.extend(CREDENTIAL_FLAGS);
    }
    (argv, standalone)
}

/// The container runtime's fixed argv (SPEC §3).
pub fn runtime_argv() -> Argv {
    let mut argv = Argv::default();
    argv.extend(crate::daemon::runtime().argv);
    argv
}
