//! The daemons' command lines: the runtime's is fixed, the kubelet's is
//! rebuilt from `/etc` at every start (SPEC §3).

use core::ffi::CStr;
use crate::daemon::Argv;
use crate::etc::{exists, read};
use crate::log::bytes;

/// Present when the kubelet has joined a cluster.
pub const KUBECONFIG: &CStr = c"/etc/kubernetes/kubelet.conf";
const BOOTSTRAP: &CStr = c"/etc/kubernetes/bootstrap-kubelet.conf";
const CREDENTIAL_PROVIDERS: &CStr = c"/etc/kubernetes/credential-providers.yaml";

/// The most arguments [`kubelet_argv`] gives: `argv[0]` and each of its
/// seven flags with its value.
pub const KUBELET_MOST_ARGS: usize = 1 + 7 * 2;
const _: () = assert!(KUBELET_MOST_ARGS <= crate::sys::MAX_ARGS);

/// The kubelet's argv, and whether it starts standalone (no kubelet.conf).
pub fn kubelet_argv() -> (Argv, bool) {
    let mut argv = Argv::default();
    // The executable, then the fixed arguments (NUL-terminated, as `Argv`
    // holds them: one copy).
    argv.extend(b"/bin/kubelet\0--config\0/etc/kubernetes/config.yaml\0");

    let mut file = [0u8; 4096];
    if let Some(len) = read(c"/etc/kubernetes/node-labels", &mut file) {
        let mut labels: heapless::String<2048> = heapless::String::new();
        let parsed = kios::labels::node_labels(file.get(..len).unwrap_or_default(), &mut labels, &mut |w| {
            crate::warn!("/etc/kubernetes/node-labels line {}: {}; line dropped", w.line, w.reason);
        });
        match parsed {
            Ok(()) if !labels.is_empty() => argv.flag(b"--node-labels", labels.as_bytes()),
            Ok(()) => {}
            Err(_) => crate::warn!("/etc/kubernetes/node-labels: labels longer than {} bytes; none passed", labels.capacity()),
        }
    }

    if let Some(len) = read(c"/etc/kubernetes/node-ip", &mut file) {
        let contents = file.get(..len).unwrap_or_default();
        match kios::nodeip::node_ip(contents) {
            Ok(ip) => argv.flag(b"--node-ip", ip),
            Err(_) => crate::warn!("/etc/kubernetes/node-ip: not an IP address: {}; refused", bytes(kios::nodeip::first_line(contents))),
        }
    }

    let standalone = !exists(KUBECONFIG);
    if !standalone {
        argv.flag(b"--kubeconfig", KUBECONFIG.to_bytes());
    }
    if exists(BOOTSTRAP) {
        argv.flag(b"--bootstrap-kubeconfig", BOOTSTRAP.to_bytes());
    }
    if exists(CREDENTIAL_PROVIDERS) {
        argv.flag(b"--image-credential-provider-config", CREDENTIAL_PROVIDERS.to_bytes());
        argv.flag(b"--image-credential-provider-bin-dir", b"/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec");
    }
    (argv, standalone)
}

/// The container runtime's fixed argv (SPEC §3).
pub fn runtime_argv() -> Argv {
    let mut argv = Argv::default();
    argv.extend(crate::daemon::runtime().argv);
    argv
}
