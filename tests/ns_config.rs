//! What the init reads from `/etc`: node labels, node IP, kubeconfigs,
//! the credential provider config and the hostname; flags rebuilt at
//! every kubelet start.
//!
//! Needs root: each test runs the release init as PID 1 of its own
//! namespaces (see tests/common).
//!
//! Not here: the shutdown deadline taken from the kubelet's
//! `shutdownGracePeriod` (plus 30 s) is at least 30 s, too long to time in
//! a test; `kios.shutdown_timeout` is timed in ns_lifecycle instead.

mod common;

use common::Root;

/// The kubelet's flags at start `n`, as (flag, value) pairs in order.
fn kubelet_flags(node: &common::Node, n: usize) -> Vec<(String, String)> {
    let line = node.wait_record("kubelet", &format!("start {n} argv"), 1);
    let args: Vec<&str> = line.split(' ').skip(3).collect();
    if !args.len().is_multiple_of(2) {
        node.fail(&format!("kubelet argv has a flag without a value: {line:?}"));
    }
    args.chunks(2).map(|p| (p[0].to_string(), p[1].to_string())).collect()
}

/// Fails unless start `n` of the kubelet had exactly `--config …` first
/// and then the flags in `expected` (in any order).
fn assert_flags(node: &common::Node, n: usize, expected: &[(&str, &str)]) {
    let mut flags = kubelet_flags(node, n);
    let config = ("--config".to_string(), "/etc/kubernetes/config.yaml".to_string());
    if flags.first() != Some(&config) {
        node.fail(&format!("kubelet start {n} does not begin with --config: {flags:?}"));
    }
    flags.remove(0);
    let mut expected: Vec<(String, String)> =
        expected.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect();
    flags.sort();
    expected.sort();
    if flags != expected {
        node.fail(&format!("kubelet start {n} flags {flags:?}, expected {expected:?}"));
    }
}

#[test]
fn node_labels_pass_only_valid_lines() {
    let root = Root::new("labels");
    root.write(
        "etc/kubernetes/node-labels",
        "# labels of this node\n\
         zone: eu-west-1\n\
         \x20 role.kubernetes.io/worker :  yes   # trailing comment\n\
         \n\
         \ttabbed:\tvalue.1\n\
         evil: x,y=z\n\
         inject: a --node-ip=1.2.3.4\n\
         shell: $(reboot)\n\
         novalue\n",
    );
    let node = root.boot(&[]);
    node.wait_ready();
    let labels = "zone=eu-west-1,role.kubernetes.io/worker=yes,tabbed=value.1";
    assert_flags(&node, 1, &[("--node-labels", labels)]);
    let expected = [
        "kios: warning: /etc/kubernetes/node-labels line 6: character not allowed in a label; line dropped",
        "kios: warning: /etc/kubernetes/node-labels line 7: character not allowed in a label; line dropped",
        "kios: warning: /etc/kubernetes/node-labels line 8: character not allowed in a label; line dropped",
        "kios: warning: /etc/kubernetes/node-labels line 9: no `:` in label line; line dropped",
    ];
    let warnings = node.lines("kios: warning:");
    if warnings != expected {
        node.fail(&format!("warnings {warnings:#?}, expected {expected:#?}"));
    }
}

#[test]
fn oversized_node_labels_file_is_an_error_not_an_overflow() {
    let root = Root::new("biglabels");
    let big: String = (0..40_000).map(|i| format!("label-{i}: value-{i}\n")).collect();
    root.write("etc/kubernetes/node-labels", &big);
    let node = root.boot(&[]);
    node.wait_ready();
    if node.lines("kios: error:").is_empty() && node.lines("kios: warning:").is_empty() {
        node.fail("a 1 MB node-labels file was accepted without a word");
    }
    let flags = kubelet_flags(&node, 1);
    if let Some((_, labels)) = flags.iter().find(|(f, _)| f == "--node-labels") {
        node.fail(&format!("labels from an oversized file were passed ({} bytes)", labels.len()));
    }
    // Still a working init: it shuts down on request.
    node.signal("TERM");
    node.expect_poweroff();
}

#[test]
fn node_ip_is_validated_and_reread_at_every_start() {
    let root = Root::new("nodeip");
    root.write("etc/kubernetes/node-ip", "  10.1.2.3 \t\n192.168.0.1\n");
    let node = root.boot(&[]);
    node.wait_ready();
    assert_flags(&node, 1, &[("--node-ip", "10.1.2.3")]);
    let mut client = node.connect();
    // Each case: file contents, then the flags of the next start.
    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("fd00::5\n", &[("--node-ip", "fd00::5")]),
        ("10.1.2.300\n", &[]),
        ("1.2.3.4 --kubeconfig /x\n", &[]),
    ];
    for (start, (contents, flags)) in (2..).zip(cases) {
        node.root.write("etc/kubernetes/node-ip", contents);
        client.send(&[0x03]);
        assert_flags(&node, start, flags);
        if flags.is_empty() {
            let warning = format!("kios: warning: /etc/kubernetes/node-ip: not an IP address: {}; refused", contents.trim_end());
            node.wait_log(&warning);
        }
    }
}

#[test]
fn kubeconfigs_and_credential_provider_add_their_flags() {
    let root = Root::new("kubeconfig");
    for file in ["kubelet.conf", "bootstrap-kubelet.conf", "credential-providers.yaml"] {
        root.write(&format!("etc/kubernetes/{file}"), "apiVersion: v1\n");
    }
    let node = root.boot(&[]);
    node.wait_ready();
    assert_flags(
        &node,
        1,
        &[
            ("--kubeconfig", "/etc/kubernetes/kubelet.conf"),
            ("--bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf"),
            ("--image-credential-provider-config", "/etc/kubernetes/credential-providers.yaml"),
            (
                "--image-credential-provider-bin-dir",
                "/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec",
            ),
        ],
    );
    // kubelet.conf was there from the start: no standalone → cluster
    // restart. The power-off ends the node's history: one start in all.
    node.signal("TERM");
    node.expect_poweroff();
    assert_eq!(node.record_lines("kubelet", "start ").len(), 1, "the kubelet was restarted");
    node.assert_no_log("restarting the kubelet to join the cluster");
}

#[test]
fn bootstrap_kubeconfig_alone() {
    let root = Root::new("bootstrap");
    root.write("etc/kubernetes/bootstrap-kubelet.conf", "apiVersion: v1\n");
    let node = root.boot(&[]);
    node.wait_ready();
    assert_flags(&node, 1, &[("--bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf")]);
}

#[test]
fn hostname_is_the_trimmed_first_line() {
    let root = Root::new("hostname");
    root.write("etc/hostname", "  node-7.example \t\nsecond-line\n");
    let node = root.boot(&[]);
    node.wait_ready();
    let line = node.wait_record("kubelet", "hostname ", 1);
    if line != "hostname node-7.example" {
        node.fail(&format!("kubelet saw {line:?}, expected `hostname node-7.example`"));
    }
}

/// `kios.runtime=containerd`: containerd's argv, socket and log FIFO; the
/// kubelet waits for its socket; a `kill -9` of it is restarted and ready
/// again. (The cri-o stand-in installed as `/bin/containerd` listens on
/// `--address` as on `--listen`.)
#[test]
fn containerd_profile_runs_containerd_and_restarts_it() {
    let root = Root::new("containerd");
    std::fs::copy(root.path.join("bin/crio"), root.path.join("bin/containerd")).unwrap();
    std::fs::remove_file(root.path.join("bin/crio")).unwrap();
    let node = root.boot(&["kios.runtime=containerd"]);
    node.wait_ready();
    let argv = node.wait_record("crio", "start 1 argv", 1);
    let expected = "start 1 argv --address /run/containerd/containerd.sock \
                    --root /var/lib/containers/storage/containerd --state /run/containerd";
    if argv != expected {
        node.fail(&format!("containerd argv {argv:?}, expected {expected:?}"));
    }
    let ready = node.wait_log("milestone runtime-ready");
    let kubelet = node.log_position("milestone kubelet-exec").unwrap_or(0);
    if node.log_position(&ready).unwrap_or(usize::MAX) > kubelet {
        node.fail("the kubelet started before containerd's socket existed");
    }
    use std::os::unix::fs::FileTypeExt;
    let fifo = std::fs::metadata(node.proc_root("var/run/containerd.log")).map(|m| m.file_type().is_fifo());
    if !matches!(fifo, Ok(true)) {
        node.fail(&format!("/var/run/containerd.log is not a FIFO: {fifo:?}"));
    }
    node.kill("KILL", node.child_pid("/bin/containerd"));
    node.wait_log("kios: runtime exited signal 9");
    node.wait_lines("milestone runtime-ready", 2);
    node.wait_record("crio", "start 2 argv", 1);
}
