//! The system socket, `/run/system.sock`: command bytes, several bytes in
//! one write, unknown bytes, clients that go away, a client that arrives
//! during a shutdown, non-root peers and the client capacity.
//!
//! Needs root: each test runs the release init as PID 1 of its own
//! namespaces (see tests/common).

mod common;

use common::{boot_ready, Heard, NonRoot, Root};
use std::time::{Duration, Instant};

/// The test's own soft shutdown, from a new client, after what it
/// checks: the power-off is the positive event that the init has run
/// everything sent before it. Then the node's history is complete: one
/// shutdown request (this one), answered by the kubelet.
fn finish(node: &common::Node) {
    let mut client = node.connect();
    client.send(&[0x01]);
    client.expect_byte(node, 0x01);
    node.expect_poweroff();
    let requests = node.lines("milestone shutdown-requested").len();
    if requests != 1 {
        node.fail(&format!("{requests} shutdown requests, only the test's own expected"));
    }
}

/// Fails unless stand-in `name` was started `starts` times.
fn assert_starts(node: &common::Node, name: &str, starts: usize) {
    let found = node.record_lines(name, "start ").len();
    if found != starts {
        node.fail(&format!("{name} started {found} time(s), expected {starts}"));
    }
}

#[test]
fn byte_03_restarts_the_kubelet_only() {
    let node = boot_ready("byte03", &[]);
    node.connect().send(&[0x03]);
    node.wait_record("kubelet", "sigterm", 1);
    node.wait_record("kubelet", "start 2 ", 1);
    node.wait_lines("milestone kubelet-exec", 2);
    finish(&node);
    assert_starts(&node, "crio", 1);
    assert_starts(&node, "kubelet", 2);
}

#[test]
fn byte_04_restarts_the_runtime() {
    let node = boot_ready("byte04", &[]);
    node.connect().send(&[0x04]);
    node.wait_record("crio", "sigterm", 1);
    node.wait_record("crio", "start 2 ", 1);
    node.wait_record("crio", "ready ", 2);
    node.wait_lines("milestone runtime-exec", 2);
    // The kubelet waits for the new runtime's socket, then the test's
    // shutdown: a kubelet restarted meanwhile would show as a second start.
    finish(&node);
    assert_starts(&node, "crio", 2);
    assert_starts(&node, "kubelet", 1);
}

#[test]
fn several_bytes_in_one_write_all_run_in_order() {
    let node = boot_ready("multibyte", &[]);
    let mut client = node.connect();
    // Restart the kubelet, restart the runtime, then a soft shutdown.
    client.send(&[0x03, 0x04, 0x01]);
    client.expect_byte(&node, 0x01);
    node.expect_poweroff();
    // All three ran: both daemons restarted, and the new kubelet (which
    // connected mid-shutdown) heard the event and answered.
    node.wait_record("crio", "start 2 ", 1);
    let kubelet = node.record("kubelet");
    let second = kubelet.find("start 2 ").unwrap_or_else(|| node.fail("the kubelet was not restarted"));
    if !kubelet[second..].contains("shutdown event\nsent continue") {
        node.fail("the restarted kubelet did not take part in the shutdown");
    }
}

#[test]
fn unknown_bytes_are_ignored_with_few_warnings() {
    let node = boot_ready("unknown", &[]);
    let mut client = node.connect();
    let junk: Vec<u8> = (0..200u8).map(|i| 0x06 + (i % 200)).collect();
    client.send(&junk);
    client.send(&[0x00, 0xff, 0x7f]);
    node.wait_log("kios: warning:");
    // The connection still works: a known byte after the junk is run
    // (and, run in order, it proves the junk was read first).
    client.send(&[0x01]);
    client.expect_byte(&node, 0x01);
    node.expect_poweroff();
    let warnings = node.lines("kios: warning:").len();
    if warnings > 10 {
        node.fail(&format!("{warnings} warning lines for 203 unknown bytes: not rate-limited"));
    }
    assert_starts(&node, "crio", 1);
    assert_starts(&node, "kubelet", 1);
    if node.lines("milestone shutdown-requested").len() != 1 {
        node.fail("an unknown byte was run as a shutdown request");
    }
}

#[test]
fn clients_that_go_away_run_nothing_and_are_freed() {
    let node = boot_ready("zeroread", &[]);
    // Far more clients than the capacity, one after the other, each gone
    // without a byte (half by closing the write side, half by closing).
    // Each is freed before the next comes (a loaded machine could otherwise
    // queue more than the capacity of them before the init runs, and the
    // refusal of an already gone client would be logged).
    for i in 0..24 {
        let client = node.connect();
        node.wait_sockets(|n| n == 3, "the init did not accept a client");
        if i % 2 == 0 {
            client.close_write();
            node.wait_sockets(|n| n == 2, "the init kept a client that closed its write side");
        }
        drop(client);
        node.wait_sockets(|n| n == 2, "the init kept a client that closed");
    }
    // There is still room for a client, and its command runs.
    finish(&node);
    assert_starts(&node, "crio", 1);
    assert_starts(&node, "kubelet", 1);
    node.assert_no_log("kios: warning:");
}

#[test]
fn late_client_during_shutdown_hears_the_event_and_may_continue() {
    let root = Root::new("late");
    root.standin("kubelet.hang_on_shutdown=1\n");
    let node = root.boot(&["kios.shutdown_timeout=15"]);
    node.wait_ready();
    node.signal("TERM");
    node.wait_record("kubelet", "hanging", 1);
    let mut late = node.connect();
    match late.hear(Duration::from_secs(3)) {
        Heard::Byte(0x01) => {}
        other => node.fail(&format!("a client connecting mid-shutdown heard {other:?}, not 0x01")),
    }
    // Any root client may say the graceful part is done.
    let asked = Instant::now();
    late.send(&[0x02]);
    node.expect_poweroff();
    if asked.elapsed() > Duration::from_secs(8) {
        node.fail("0x02 from a late client did not continue the shutdown before the deadline");
    }
}

#[test]
fn non_root_peers_are_refused() {
    let node = boot_ready("nonroot", &[]);
    let socket = std::fs::metadata(node.proc_root("run/system.sock")).expect("stat system.sock");
    let mode = std::os::unix::fs::PermissionsExt::mode(&socket.permissions()) & 0o7777;
    if mode != 0o600 {
        node.fail(&format!("system.sock has mode {mode:o}, expected 600"));
    }
    // A plain non-root process may not even connect (mode 0600).
    let report = NonRoot::run(&node, false, 0x01, 1);
    if !report.starts_with("connect-error Permission denied") {
        node.fail(&format!("non-root client without capabilities: {report:?}"));
    }
    // With CAP_DAC_OVERRIDE it connects, and the init's peer check
    // refuses it: the init closes it unread (`eof`, or a reset when the
    // byte was there first; not `silence`), so its byte is never run.
    for byte in [0x01, 0x03] {
        let report = NonRoot::run(&node, true, byte, 5);
        let closed = report.ends_with("eof\n") || report.contains("read-error Connection reset");
        if !report.starts_with("connected uid 65534") || !closed || report.contains("byte ") {
            node.fail(&format!("non-root client with CAP_DAC_OVERRIDE sending {byte:#04x}: {report:?}"));
        }
    }
    node.wait_log("kios: warning: system socket: refused a client: not root: uid 65534");
    finish(&node);
    // The kubelet heard one shutdown event, the test's, and was not restarted.
    if node.record_lines("kubelet", "shutdown event").len() != 1 {
        node.fail("a non-root client's 0x01 reached the kubelet");
    }
    assert_starts(&node, "kubelet", 1);
}

#[test]
fn client_capacity_is_fixed_and_refusal_is_logged() {
    const CAPACITY: usize = 8;
    let node = boot_ready("capacity", &[]);
    // The kubelet stand-in holds one place; fill the rest and try 3 more.
    let mut clients: Vec<_> = (0..CAPACITY + 2).map(|_| node.connect()).collect();
    let heard: Vec<Heard> = clients.iter_mut().map(|c| c.hear(Duration::from_millis(700))).collect();
    let refused = heard.iter().filter(|h| **h == Heard::Eof).count();
    if refused != 3 || heard[..CAPACITY - 1].iter().any(|h| *h != Heard::Silence) {
        node.fail(&format!("with capacity {CAPACITY} and the kubelet connected: {heard:?}"));
    }
    node.wait_log("kios: warning:");
    // A held client still commands; a freed place takes a new client.
    clients.truncate(CAPACITY - 1);
    clients.pop();
    // The init must have seen that one go (a loaded machine may take a
    // while): its listener, the kubelet and our CAPACITY - 2 left.
    node.wait_sockets(|n| n == CAPACITY, "the init did not close the client that left");
    let mut fresh = node.connect();
    if fresh.hear(Duration::from_millis(700)) != Heard::Silence {
        node.fail("no place for a client after one left");
    }
    fresh.send(&[0x03]);
    node.wait_record("kubelet", "start 2 ", 1);
    clients[0].send(&[0x01]);
    clients[0].expect_byte(&node, 0x01);
    node.expect_poweroff();
}
