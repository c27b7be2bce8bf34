//! Supervision of the runtime and the kubelet: exact argv and environment,
//! start order, restarts after crashes, clean exits and signals, the
//! standalone → cluster restart, and logs that nobody reads.
//!
//! Needs root: each test runs the release init as PID 1 of its own
//! namespaces (see tests/common).

mod common;

use common::{boot_ready, Root};
use std::time::Duration;

const CRIO_ARGV: &str = "--runtimes crun:/bin/crun:/var/run/crun:oci --cgroup-manager cgroupfs \
    --default-runtime crun --listen /var/run/crio/crio.sock --conmon /bin/conmon \
    --conmon-cgroup pod --pinns-path /bin/pinns";

/// The arguments of start `n` of stand-in `name`, from its record.
fn argv(node: &common::Node, name: &str, n: usize) -> String {
    let line = node.wait_record(name, &format!("start {n} argv"), 1);
    line.split_once(" argv").map(|(_, a)| a.trim().to_string()).unwrap_or_default()
}

/// Checks what stand-in `name` inherited: environment and signal state.
fn assert_inherited(node: &common::Node, name: &str) {
    let env = node.wait_record(name, "env", 1);
    if env != "env PATH=/bin" {
        node.fail(&format!("{name} environment is {env:?}, expected exactly PATH=/bin"));
    }
    // The init blocks every signal for itself: a daemon must not inherit
    // that mask, nor ignored signals (SIGPIPE is ignored by Rust's runtime).
    let signals = node.wait_record(name, "signals", 1);
    let field = |key: &str| {
        let words: Vec<&str> = signals.split(' ').collect();
        let at = words.iter().position(|w| *w == key).map(|i| i + 1);
        at.and_then(|i| words.get(i)).and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok())
    };
    if field("blocked") != Some(0) || field("ignored") != Some(0x1000) {
        node.fail(&format!("{name} inherited signal state {signals:?}"));
    }
}

#[test]
fn daemons_get_exact_argv_and_environment() {
    let node = boot_ready("argv", &[]);
    let crio = argv(&node, "crio", 1);
    let expected: Vec<&str> = CRIO_ARGV.split_whitespace().collect();
    if crio.split(' ').collect::<Vec<_>>() != expected {
        node.fail(&format!("crio argv {crio:?}"));
    }
    let kubelet = argv(&node, "kubelet", 1);
    if kubelet != "--config /etc/kubernetes/config.yaml" {
        node.fail(&format!("kubelet argv {kubelet:?} with no optional file in /etc/kubernetes"));
    }
    assert_inherited(&node, "crio");
    assert_inherited(&node, "kubelet");
    let pid = |name: &str| node.wait_log(&format!("milestone {name}-exec pid "));
    for name in ["runtime", "kubelet"] {
        let line = pid(name);
        let number = line.rsplit(' ').next().unwrap_or("");
        if number.parse::<u32>().map_or(true, |n| n < 2) {
            node.fail(&format!("{line:?} does not name a child PID"));
        }
    }
}

#[test]
fn kubelet_starts_only_once_the_runtime_listens() {
    let root = Root::new("order");
    root.standin("crio.delay_ms=1500\n");
    let node = root.boot(&[]);
    node.wait_record("kubelet", "start 1 ", 1);
    // The kubelet's first line is there: the runtime must already listen.
    if !node.record("crio").lines().any(|l| l.starts_with("ready ")) {
        node.fail("the kubelet started before the runtime socket existed");
    }
    // The kubelet may run before its parent logs its exec (a loaded machine).
    node.wait_log("milestone kubelet-exec");
    let at = |m: &str| node.log_position(&format!("milestone {m}"));
    match (at("runtime-ready"), at("kubelet-exec")) {
        (Some(r), Some(k)) if r < k => {}
        _ => node.fail("runtime-ready is not logged before kubelet-exec"),
    }
}

#[test]
fn crashed_kubelet_is_restarted() {
    let root = Root::new("kubeletcrash");
    root.standin("kubelet.crash_starts=2\nkubelet.crash_status=7\n");
    let node = root.boot(&[]);
    node.wait_record("kubelet", "start 3 ", 1);
    node.wait_record("kubelet", "socket connected", 1);
    let exits = node.lines("kios: kubelet exited");
    if exits.len() != 2 || !exits.iter().all(|l| l.contains("status 7")) {
        node.fail(&format!("expected two `kubelet exited ... status 7` lines, got {exits:?}"));
    }
    if argv(&node, "kubelet", 3) != argv(&node, "kubelet", 1) {
        node.fail("the restarted kubelet got other flags");
    }
    assert_eq!(node.record_lines("crio", "start ").len(), 1, "the runtime was restarted too");
}

#[test]
fn crashed_runtime_is_restarted() {
    let root = Root::new("criocrash");
    root.standin("crio.crash_starts=2\ncrio.crash_status=3\n");
    let node = root.boot(&[]);
    node.wait_record("crio", "start 3 ", 1);
    node.wait_record("crio", "ready ", 1);
    node.wait_log("milestone kubelet-exec");
    let exits = node.lines("kios: runtime exited");
    if exits.len() != 2 || !exits.iter().all(|l| l.contains("status 3")) {
        node.fail(&format!("expected two `runtime exited ... status 3` lines, got {exits:?}"));
    }
    if argv(&node, "crio", 3) != argv(&node, "crio", 1) {
        node.fail("the restarted runtime got other flags");
    }
}

#[test]
fn exit_status_0_is_restarted_too() {
    let root = Root::new("exit0");
    root.standin("kubelet.exit_after_ms=300\nkubelet.exit_status=0\ncrio.crash_starts=1\ncrio.crash_status=0\n");
    let node = root.boot(&[]);
    node.wait_record("crio", "start 2 ", 1);
    node.wait_record("kubelet", "exit 0", 1);
    node.wait_record("kubelet", "start 2 ", 1);
    node.wait_log("kios: runtime exited");
    let kubelet = node.wait_log("kios: kubelet exited");
    if !kubelet.contains("status 0") || !node.wait_log("kios: runtime exited").contains("status 0") {
        node.fail("exits with status 0 not logged as `status 0`");
    }
}

#[test]
fn kubelet_killed_by_a_signal_is_restarted() {
    let node = boot_ready("sigkill", &[]);
    let pid = node.child_pid("/bin/kubelet");
    node.kill("KILL", pid);
    node.wait_record("kubelet", "start 2 ", 1);
    let line = node.wait_log("kios: kubelet exited");
    if !line.contains("signal 9") {
        node.fail(&format!("{line:?} does not say `signal 9`"));
    }
    node.wait_record("kubelet", "socket connected", 2);
}

#[test]
fn standalone_kubelet_is_restarted_once_into_the_cluster() {
    let node = boot_ready("cluster", &[]);
    if argv(&node, "kubelet", 1).contains("--kubeconfig") {
        node.fail("--kubeconfig without /etc/kubernetes/kubelet.conf");
    }
    node.root.write("etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n");
    let second = argv(&node, "kubelet", 2);
    if !second.contains("--kubeconfig /etc/kubernetes/kubelet.conf") {
        node.fail(&format!("the restart after kubelet.conf appeared has argv {second:?}"));
    }
    // Once: touching the file again does not restart it again. The
    // inotify event of that write is queued before the restart byte the
    // test sends next, so by the third kubelet start the init has read
    // both: one "appeared" line in all, and the third start is the byte's.
    node.root.write("etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n# again\n");
    node.connect().send(&[0x03]);
    node.wait_lines("milestone kubelet-exec", 3);
    node.wait_record("kubelet", "start 3 ", 1);
    let appeared = node.lines("appeared: restarting the kubelet to join the cluster").len();
    if appeared != 1 {
        node.fail(&format!("the kubelet was restarted {appeared} times for kubelet.conf"));
    }
    node.signal("TERM");
    node.expect_poweroff();
    assert_eq!(node.record_lines("kubelet", "start ").len(), 3, "kubelet starts: boot, kubelet.conf, the byte");
    assert_eq!(node.record_lines("crio", "start ").len(), 1, "the runtime was restarted");
}

#[test]
fn crash_loops_are_backed_off() {
    // The kubelet dies at once on every start.
    let root = Root::new("crashloop");
    root.standin("kubelet.crash_starts=100000\nkubelet.crash_after_ms=0\n");
    let node = root.boot(&[]);
    // Six starts (five restarts), then when each was, by the stand-in's
    // own clock line (CLOCK_MONOTONIC, the init's clock: no polling delay).
    node.wait_record("kubelet", "clock ", 6);
    node.wait_lines("kios: kubelet exited status 1; restart in ", 5);
    let seen: Vec<u128> = node
        .record_lines("kubelet", "clock ")
        .iter()
        .take(6)
        .filter_map(|l| l.strip_prefix("clock ")?.parse().ok())
        .collect();
    let gaps: Vec<u128> = seen.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
    eprintln!("kubelet crash loop: gaps between starts {gaps:?} ms");
    // Announced delays double from 100 ms; the observed gaps follow them.
    let announced: Vec<u64> = node
        .lines("kios: kubelet exited status 1; restart in ")
        .iter()
        .filter_map(|l| l.rsplit(' ').nth(1)?.parse().ok())
        .collect();
    if announced.len() < 5 || announced[..5] != [100, 200, 400, 800, 1600] {
        node.fail(&format!("restart delays {announced:?}, expected 100, 200, 400, 800, 1600 first"));
    }
    for (i, (&gap, &delay)) in gaps.iter().zip(&announced).enumerate() {
        // Never early (1 ms: the init's clock reads whole milliseconds).
        if gap + 1 < u128::from(delay) || gap > u128::from(delay) + 500 {
            node.fail(&format!("gap {i} between kubelet starts is {gap} ms for a {delay} ms backoff (gaps {gaps:?})"));
        }
    }
    if seen.len() != 6 {
        node.fail(&format!("6 clock records expected, {} read (gaps {gaps:?})", seen.len()));
    }
    // The runtime is left alone and the node still shuts down.
    assert_eq!(node.record_lines("crio", "start ").len(), 1, "the runtime was restarted");
    node.signal("TERM");
    node.expect_poweroff();
}

#[test]
fn orphans_are_reaped() {
    let node = boot_ready("orphans", &[]);
    // A process that enters the init's PID namespace and leaves an orphan
    // behind: the orphan becomes the init's child when its parent exits.
    let status = std::process::Command::new("nsenter")
        .args(["--target", &node.pid().to_string(), "--pid", "--", "sh", "-c", "(sleep 1 &); exit 0"])
        .status()
        .expect("run nsenter");
    assert!(status.success(), "nsenter failed");
    let orphan = node.child_pid("sleep");
    // Once it exits the init must reap it: no zombie is left behind.
    let proc = format!("/proc/{orphan}");
    if common::poll_until(Duration::from_millis(50), || (!std::path::Path::new(&proc).exists()).then_some(())).is_none() {
        let stat = std::fs::read_to_string(format!("{proc}/stat")).unwrap_or_default();
        node.fail(&format!("orphan {orphan} not reaped: {stat}"));
    }
}

#[test]
fn unread_daemon_logs_do_not_stall_them_and_keep_recent_output() {
    // Nobody reads /var/run/crio.log or /var/run/kubelet.log here.
    let root = Root::new("flood");
    root.standin("crio.flood_bytes=4000000\nkubelet.flood_bytes=4000000\n");
    let node = root.boot(&[]);
    let done = node.wait_record("crio", "flood done", 1);
    node.wait_record("crio", "ready ", 1);
    node.wait_record("kubelet", "flood done", 1);
    node.wait_record("kubelet", "socket connected", 1);
    // `flood done <bytes> bytes <lines> lines`: the last line number written.
    let last: u64 = done
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .filter_map(|n| n.parse().ok())
        .next_back()
        .unwrap_or_else(|| node.fail(&format!("no line count in {done:?}")));
    // A reader attaching now gets the most recent output, unchanged and in order.
    let kept = read_fifo_now(&node, "var/run/crio.log");
    let numbers: Vec<u64> = kept
        .lines()
        .filter_map(|l| l.strip_prefix("flood "))
        .filter_map(|n| n.parse().ok())
        .collect();
    if kept.len() < 64 * 1024 {
        node.fail(&format!("only {} bytes kept in the crio log FIFO", kept.len()));
    }
    if numbers.last() != Some(&last) {
        node.fail(&format!("the FIFO does not end with flood line {last}: {:?}", numbers.last()));
    }
    if numbers.windows(2).any(|w| w[1] != w[0] + 1) {
        node.fail("the kept flood lines are not consecutive");
    }
}

/// What a log FIFO holds now, read without waiting for more.
fn read_fifo_now(node: &common::Node, inside: &str) -> String {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let path = node.proc_root(inside);
    let mut fifo = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_o_nonblock())
        .open(&path)
        .unwrap_or_else(|e| node.fail(&format!("open {}: {e}", path.display())));
    let mut kept = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match fifo.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => kept.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => node.fail(&format!("read {}: {e}", path.display())),
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// `O_NONBLOCK` on Linux (x86_64 and aarch64).
fn libc_o_nonblock() -> i32 {
    0o4000
}
