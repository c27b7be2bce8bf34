//! Life of the init from boot to power-off or reboot: milestones, base
//! mounts, the shutdown flows (system socket, signals, no client, the
//! deadline) and the refusal to run as anything but PID 1.
//!
//! Needs root: every test but the last runs the release init as PID 1 of
//! its own namespaces (see tests/common).

mod common;

use common::{boot_ready, Root};
use std::process::Command;
use std::time::{Duration, Instant};

/// Milestone names (details dropped) in the order they were logged.
fn milestone_names(node: &common::Node) -> Vec<String> {
    node.milestones().iter().map(|m| m.split(' ').next().unwrap_or("").to_string()).collect()
}

/// Checks the whole timeline of a node that ended with `last`.
fn assert_timeline(node: &common::Node, kind: &str, last: &str) {
    let expected = [
        "init-start", "base-mounts", "datapart-skipped", "runtime-exec", "runtime-ready",
        "kubelet-exec", "shutdown-requested", "shutdown-continued", last,
    ];
    if milestone_names(node) != expected {
        node.fail(&format!("milestones out of order, expected {expected:?}"));
    }
    for (name, detail) in [("runtime-exec", "pid "), ("kubelet-exec", "pid "), ("shutdown-requested", kind)] {
        let line = node.wait_log(&format!("milestone {name}"));
        if !line.contains(detail) {
            node.fail(&format!("{line:?} lacks {detail:?}"));
        }
    }
}

/// After a soft shutdown: the kubelet heard the event and answered before
/// it was stopped; the runtime was stopped too.
fn assert_graceful_stop(node: &common::Node) {
    let kubelet = node.record("kubelet");
    let at = |text: &str| kubelet.lines().position(|l| l == text);
    match (at("shutdown event"), at("sent continue"), at("sigterm")) {
        (Some(a), Some(b), Some(c)) if a < b && b < c => {}
        _ => node.fail("kubelet record lacks shutdown event < sent continue < sigterm"),
    }
    if !node.record("crio").lines().any(|l| l == "sigterm") {
        node.fail("the runtime was not sent SIGTERM");
    }
}

#[test]
fn boot_mounts_and_prepares_the_root() {
    let node = boot_ready("boot", &[]);
    let mounts = node.mountinfo();
    // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    let find = |point: &str| {
        mounts.lines().rev().find(|l| l.split(' ').nth(4) == Some(point)).map(|l| {
            let (left, right) = l.split_once(" - ").expect("mountinfo separator");
            let fstype = right.split(' ').next().unwrap_or("").to_string();
            (left.to_string(), fstype)
        })
    };
    let expected = [
        ("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs"), ("/dev/pts", "devpts"),
        ("/sys/kernel/security", "securityfs"), ("/sys/fs/cgroup", "cgroup2"), ("/run", "tmpfs"),
        ("/tmp", "tmpfs"), ("/var/cache", "tmpfs"), ("/var/tmp", "tmpfs"), ("/var/run", "tmpfs"),
        ("/var/lib/kubelet", "tmpfs"),
    ];
    for (point, fstype) in expected {
        let Some((left, found)) = find(point) else { node.fail(&format!("nothing mounted on {point}")) };
        if found != fstype {
            node.fail(&format!("{point} is {found}, expected {fstype}"));
        }
        if !left.split(' ').nth(5).unwrap_or("").split(',').any(|o| o == "nosuid") {
            node.fail(&format!("{point} is not nosuid: {left}"));
        }
    }
    for point in ["/", "/var/run", "/var/lib/kubelet"] {
        let Some((left, _)) = find(point) else { node.fail(&format!("nothing mounted on {point}")) };
        if !left.split(' ').skip(6).any(|f| f.starts_with("shared:")) {
            node.fail(&format!("{point} is not a shared mount: {left}"));
        }
    }
    // Directories the runtime and the kubelet expect, and /init is gone.
    let crio = std::fs::metadata(node.proc_root("var/run/crio"));
    let mode = crio.map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777);
    if mode.as_ref().ok() != Some(&0o700) {
        node.fail(&format!("/var/run/crio: {mode:?}, expected a directory with mode 0700"));
    }
    for dir in ["var/lib/kubelet/pods", "var/lib/kubelet/seccomp"] {
        if !node.proc_root(dir).is_dir() {
            node.fail(&format!("/{dir} is missing"));
        }
    }
    if node.root.path.join("init").exists() {
        node.fail("/init was not unlinked");
    }
}

#[test]
fn socket_soft_shutdown_powers_off() {
    let node = boot_ready("poweroff", &[]);
    let mut client = node.connect();
    client.send(&[0x01]);
    client.expect_byte(&node, 0x01);
    node.expect_poweroff();
    assert_timeline(&node, "poweroff", "power-off");
    assert_graceful_stop(&node);
}

#[test]
fn socket_soft_reboot_reboots() {
    let node = boot_ready("reboot", &[]);
    node.connect().send(&[0x05]);
    node.expect_reboot();
    assert_timeline(&node, "reboot", "reboot");
    assert_graceful_stop(&node);
}

/// A signal from the host: the kubelet hears the shutdown event and the
/// node ends as `reboot` says.
fn signal_ends(test: &str, signal: &str, reboot: bool) {
    let node = boot_ready(test, &[]);
    node.signal(signal);
    node.wait_record("kubelet", "shutdown event", 1);
    if reboot {
        node.expect_reboot();
        assert_timeline(&node, "reboot", "reboot");
    } else {
        node.expect_poweroff();
        assert_timeline(&node, "poweroff", "power-off");
    }
    assert_graceful_stop(&node);
}

#[test]
fn sigterm_powers_off() {
    signal_ends("sigterm", "TERM", false);
}

#[test]
fn sigpwr_powers_off() {
    signal_ends("sigpwr", "PWR", false);
}

#[test]
fn sigint_reboots() {
    signal_ends("sigint", "INT", true);
}

#[test]
fn soft_shutdown_without_client_goes_straight_through() {
    // The kubelet exits before it connects, at every start: no client.
    let root = Root::new("noclient");
    root.standin("kubelet.crash_starts=1000\nkubelet.crash_after_ms=0\n");
    let node = root.boot(&[]);
    node.wait_log("milestone kubelet-exec");
    node.wait_log("kios: kubelet exited");
    let asked = Instant::now();
    node.signal("TERM");
    node.expect_poweroff();
    // The default deadline here is 30 s + 30 s: no wait means far less.
    if asked.elapsed() > Duration::from_secs(10) {
        node.fail(&format!("shutdown took {:?} with no client", asked.elapsed()));
    }
    node.wait_log("milestone shutdown-continued");
    node.assert_no_log("kios: error:");
}

#[test]
fn shutdown_deadline_continues_without_the_kubelet() {
    let root = Root::new("deadline");
    root.standin("kubelet.hang_on_shutdown=1\n");
    let node = root.boot(&["kios.shutdown_timeout=2"]);
    node.wait_ready();
    let asked = Instant::now();
    node.signal("TERM");
    node.wait_record("kubelet", "hanging", 1);
    node.expect_poweroff();
    let took = asked.elapsed();
    if took < Duration::from_millis(1800) || took > Duration::from_secs(12) {
        node.fail(&format!("shutdown took {took:?}, expected the 2 s deadline"));
    }
    assert_timeline(&node, "poweroff", "power-off");
    if node.record("kubelet").contains("sent continue") {
        node.fail("the hanging kubelet answered");
    }
    node.wait_record("kubelet", "sigterm", 1);
}

#[test]
fn hard_shutdown_stops_the_kubelet_before_the_runtime() {
    // A kubelet that ignores SIGTERM holds the runtime up until the init
    // gives up on it (SIGKILL after kios.stop_timeout).
    let root = Root::new("order");
    root.standin("kubelet.ignore_sigterm=1\n");
    let node = root.boot(&["kios.stop_timeout=4"]);
    node.wait_ready();
    node.signal("TERM");
    node.wait_record("kubelet", "sigterm ignored", 1);
    node.wait_record("crio", "sigterm", 1);
    node.expect_poweroff();
    // When each saw its SIGTERM (the stand-ins' CLOCK_MONOTONIC, which
    // their watchers read within 10 ms): the runtime's only after the
    // kubelet's stop timeout of 4 s, when the kubelet was killed.
    let at = |name: &str| -> u64 {
        let line = node.wait_record(name, "term-at ", 1);
        line["term-at ".len()..].parse().unwrap_or_else(|_| node.fail(&format!("{name}: {line:?}")))
    };
    let (kubelet, runtime) = (at("kubelet"), at("crio"));
    if runtime + 20 < kubelet + 4000 {
        node.fail(&format!("the runtime had SIGTERM {} ms after the kubelet, before its 4 s stop timeout", runtime.saturating_sub(kubelet)));
    }
}

#[test]
fn refuses_to_run_unless_pid_1() {
    // Inside a PID namespace of its own, so even a faulty init that went
    // on could not touch the host's processes: there sh is PID 1 and the
    // init PID 2. Mounts are counted before and after it ran; its stdout
    // joins its stderr, which must hold one line.
    let init = common::init_binary();
    let script = r#"b=$(wc -l </proc/self/mountinfo); "$0" </dev/null >&2; rc=$?; a=$(wc -l </proc/self/mountinfo); echo "$rc $b $a""#;
    let output = Command::new("unshare")
        .args(["--pid", "--mount", "--fork", "--", "sh", "-c", script])
        .arg(&init)
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let fields: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "unexpected output: {stdout:?} / {stderr:?}");
    assert_ne!(fields[0], "0", "the init exited 0 when not PID 1; stderr: {stderr:?}");
    assert_eq!(fields[1], fields[2], "the init mounted something when not PID 1");
    assert_eq!(stderr.lines().count(), 1, "expected one line on stderr, got {stderr:?}");
}
