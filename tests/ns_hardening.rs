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
use std::os::unix::fs::MetadataExt;
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
/// time the node comes up (the kubelet connects), the init says that the
/// file is not a regular file and the kubelet gets none of `flag` (when
/// `flag` is given: files the init reads; the kubeconfigs, only checked
/// for existence with `access`, are passed on as they are: the kubelet
/// reads them, not PID 1), and a SIGTERM still powers the node off
/// gracefully (the kubelet hears the event and answers).
fn refused(file: &str, flag: Option<&str>) {
    for special in [Special::Fifo, Special::Device] {
        let root = Root::new(&format!("special-{}", file.replace('/', "-")));
        make_special(&root.path.join(file), special);
        let node = root.boot(&[]);
        node.wait_ready();
        node.wait_log(&format!("kios: warning: /{file}: not a regular file; ignored"));
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

/// The files the init only checks for existence (`access`, which never
/// blocks): a FIFO or a device there is passed to the kubelet like a file
/// (the kubelet reads it, not PID 1); the node comes up and powers off.
fn checked_only(file: &str, flag: &str) {
    for special in [Special::Fifo, Special::Device] {
        let root = Root::new(&format!("checked-{}", file.replace('/', "-")));
        make_special(&root.path.join(file), special);
        let node = root.boot(&[]);
        node.wait_ready();
        if !first_argv(&node).contains(flag) {
            node.fail(&format!("{special:?} at /{file}: no {flag}"));
        }
        node.signal("TERM");
        node.wait_record("kubelet", "shutdown event", 1);
        node.expect_poweroff();
    }
}

#[test]
fn kubeconfig_fifo_or_device_does_not_hang() {
    checked_only("etc/kubernetes/kubelet.conf", "--kubeconfig");
}

#[test]
fn bootstrap_kubeconfig_fifo_or_device_does_not_hang() {
    checked_only("etc/kubernetes/bootstrap-kubelet.conf", "--bootstrap-kubeconfig");
}

#[test]
fn credential_provider_config_fifo_or_device_does_not_hang() {
    checked_only("etc/kubernetes/credential-providers.yaml", "--image-credential-provider-config");
}

/// CPU time (user + system) of `pid` so far, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // pid (comm) state ...: utime and stime are fields 14 and 15, the 12th
    // and 13th after the comm.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    fields.get(11..13).map_or(0, |f| f.iter().map(|t| t.parse::<u64>().unwrap_or(0)).sum())
}

/// Clock ticks per second (`getconf CLK_TCK`).
fn ticks_per_second() -> u64 {
    let out = std::process::Command::new("getconf").arg("CLK_TCK").output().expect("getconf");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("CLK_TCK")
}

/// The lowest descriptor number `pid` does not use: with RLIMIT_NOFILE
/// set to it, every further open, accept, socket… fails with EMFILE.
fn lowest_free_fd(pid: u32) -> u32 {
    let used: std::collections::BTreeSet<u32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    (0..).find(|n| !used.contains(n)).unwrap()
}

/// The mount points of a mountinfo text.
fn mount_points(mountinfo: &str) -> Vec<String> {
    mountinfo.lines().filter_map(|l| l.split(' ').nth(4)).map(String::from).collect()
}

/// PID 1 out of descriptors (RLIMIT_NOFILE lowered under it with
/// prlimit) with a connection pending: the failed accept takes the
/// listener off epoll and retries after a backoff, logged once per
/// backoff, so PID 1 stays nearly idle (< 5% CPU over 3 s); the shutdown
/// still unmounts everything (the mount table is read through the
/// descriptor kept in reserve), read afterwards through a mountinfo the
/// test holds open (which keeps the dead namespace's mounts to look at).
#[test]
fn descriptor_exhaustion_backs_off_and_shutdown_still_unmounts() {
    use std::io::{Read, Seek};
    let node = common::boot_ready("emfile", &[]);
    let pid = node.pid();
    let mut mountinfo = std::fs::File::open(format!("/proc/{pid}/mountinfo")).unwrap();
    let limit = lowest_free_fd(pid);
    let status = std::process::Command::new("prlimit")
        .args([format!("--pid={pid}"), format!("--nofile={limit}:{limit}")])
        .status()
        .expect("prlimit");
    assert!(status.success(), "prlimit failed");
    let _pending = std::os::unix::net::UnixStream::connect(node.proc_root("run/system.sock")).expect("connect");
    node.wait_log("errno 24");
    let (before, start) = (cpu_ticks(pid), std::time::Instant::now());
    std::thread::sleep(std::time::Duration::from_secs(3));
    let (ticks, elapsed) = (cpu_ticks(pid) - before, start.elapsed());
    let share = ticks as f64 / ticks_per_second() as f64 / elapsed.as_secs_f64();
    let lines = node.lines("errno 24");
    eprintln!("EMFILE (limit {limit}): {ticks} ticks in {elapsed:?} = {:.1}% CPU; {} accept lines: {lines:#?}", share * 100.0, lines.len());
    if share >= 0.05 {
        node.fail(&format!("PID 1 used {:.1}% CPU with its descriptors exhausted", share * 100.0));
    }
    if lines.len() > 8 {
        node.fail(&format!("{} accept lines in about 3 s", lines.len()));
    }
    node.signal("TERM");
    node.wait_record("kubelet", "shutdown event", 1);
    node.expect_poweroff();
    let mut left = String::new();
    mountinfo.rewind().unwrap();
    mountinfo.read_to_string(&mut left).unwrap();
    let left = mount_points(&left);
    eprintln!("mounts left after the power-off: {left:?}");
    // `/`, `/proc` and `/dev` are kept by design; the tmpfs on `/run` and
    // `/var/run` stay busy with the init's own socket and log FIFOs in
    // every shutdown (RAM, nothing to flush).
    if left.iter().any(|m| !["/", "/proc", "/dev", "/run", "/var/run"].contains(&m.as_str())) {
        node.fail(&format!("the shutdown left these mounted: {left:?}"));
    }
}

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Waits for the line reporting the lines of `kind` held back and
/// returns its count; fails unless the lines containing `needle` (the
/// kind's own) are at most `most`.
fn suppressed(node: &Node, kind: &str, needle: &str, most: usize) -> u64 {
    let line = node.wait_log(&format!("more \"{kind}\" lines suppressed"));
    let count: u64 = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| node.fail(&format!("no count in {line:?}")));
    let shown = node.lines(needle).iter().filter(|l| !l.contains("suppressed")).count();
    eprintln!("{kind}: {shown} lines shown, then {line:?}");
    if shown > most {
        node.fail(&format!("{shown} lines with {needle:?}: not rate-limited"));
    }
    count
}

/// A real-time signal sent to PID 1 as fast as the host can for 2 s:
/// a few `signal 40 ignored` lines, then one count.
#[test]
fn a_signal_flood_shows_a_few_lines_and_a_count() {
    let node = common::boot_ready("sigflood", &[]);
    let pid = node.pid() as i32;
    let (start, mut sent) = (std::time::Instant::now(), 0u64);
    while start.elapsed() < std::time::Duration::from_secs(2) {
        // SAFETY: a plain kill(2) of the init's host pid.
        if unsafe { kill(pid, 40) } == 0 {
            sent += 1;
        }
    }
    let count = suppressed(&node, "signal ignored", "signal 40 ignored", 5);
    let lines = node.log().lines().count();
    eprintln!("signal flood: {sent} signals sent in 2 s; {count} suppressed; the whole log {lines} lines");
    node.signal("TERM");
    node.expect_poweroff();
}

/// Bytes `0x03`, `0x04` and unknown ones by the thousand, and clients
/// beyond the capacity: each kind of line a few times, then a count;
/// the node still powers off on request.
#[test]
fn a_command_flood_shows_a_few_lines_of_each_kind_and_counts() {
    let node = common::boot_ready("cmdflood", &[]);
    let mut client = node.connect();
    for _ in 0..100 {
        client.send(&[0x03; 100]);
        client.send(&[0x04; 100]);
        client.send(&[0x7f; 100]);
    }
    // 7 places are left (the kubelet and `client` hold 2 of 8): 30 more
    // clients, 21 or more of them refused.
    let crowd: Vec<_> = (0..30).map(|_| node.connect()).collect();
    let restarts = suppressed(&node, "restarting", "restarting the", 5);
    let unknown = suppressed(&node, "unknown byte", "unknown byte 0x7f", 5);
    let refused = suppressed(&node, "refused a client", "refused a client", 5);
    eprintln!("command flood: {restarts} restart lines, {unknown} unknown-byte lines, {refused} refusals suppressed");
    drop(crowd);
    // The restarted kubelet may not be connected yet: this client ends
    // the graceful wait itself.
    client.send(&[0x01]);
    client.expect_byte(&node, 0x01);
    client.send(&[0x02]);
    node.expect_poweroff();
}

/// 200,000 bytes of `0x01` during a graceful wait: a few `shutdown
/// already under way` lines, then a count; `0x02` still ends it.
#[test]
fn a_shutdown_request_flood_shows_a_few_lines_and_a_count() {
    let root = Root::new("reqflood");
    root.standin("kubelet.hang_on_shutdown=1\n");
    let node = root.boot(&["kios.shutdown_timeout=60"]);
    node.wait_ready();
    let mut client = node.connect();
    client.send(&[0x01]);
    node.wait_record("kubelet", "hanging", 1);
    for _ in 0..200 {
        client.send(&[0x01; 1000]);
    }
    let count = suppressed(&node, "shutdown already under way", "shutdown already under way", 5);
    eprintln!("request flood: 200,000 bytes of 0x01; {count} lines suppressed");
    client.send(&[0x02]);
    node.expect_poweroff();
}

/// A labels file of 40 KiB (mostly comments) whose labels come to more
/// than the 2 KiB `--node-labels` holds: the labels that fit are passed,
/// each one that does not is named in a warning.
#[test]
fn labels_over_the_limit_are_dropped_one_by_one() {
    let root = Root::new("labellimit");
    let mut file = "# a comment line that pads the file, as real ones do ...........\n".repeat(600);
    let labels: Vec<String> = (0..30).map(|i| format!("example.com/label-{i:02}={}", "v".repeat(80))).collect();
    for label in &labels {
        file.push_str(&label.replacen('=', ": ", 1));
        file.push('\n');
    }
    assert!(file.len() > 32 * 1024);
    root.write("etc/kubernetes/node-labels", &file);
    let node = root.boot(&[]);
    node.wait_ready();
    let argv = first_argv(&node);
    let passed: Vec<&str> = argv
        .split(' ')
        .skip_while(|a| *a != "--node-labels")
        .nth(1)
        .unwrap_or_else(|| node.fail("no --node-labels"))
        .split(',')
        .collect();
    let dropped = node.lines("does not fit in --node-labels");
    eprintln!("labels: {} passed ({} bytes), {} dropped: {:?}", passed.len(), passed.join(",").len(), dropped.len(), dropped.first());
    if passed.len() < 20 || passed.len() + dropped.len() != labels.len() || passed[..] != labels[..passed.len()] {
        node.fail(&format!("{} labels passed, {} dropped, of {}", passed.len(), dropped.len(), labels.len()));
    }
    for (label, line) in labels[passed.len()..].iter().zip(&dropped) {
        let name = label.split('=').next().unwrap();
        if !line.ends_with(&format!("--node-labels: {name}; line dropped")) {
            node.fail(&format!("{line:?} does not name {name}"));
        }
    }
}

/// A kubelet config of 40 KiB (comments first, as real ones have) with
/// `shutdownGracePeriod: 0s` at its end: the deadline is that plus the
/// 30 s margin, not the 300 s default of a file too large to read.
#[test]
fn a_large_kubelet_config_is_read_for_its_grace_period() {
    let root = Root::new("bigconfig");
    let mut config = "# a comment line that pads the file, as real ones do ...........\n".repeat(600);
    config.push_str("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nshutdownGracePeriod: 0s\n");
    root.write("etc/kubernetes/config.yaml", &config);
    root.standin("kubelet.hang_on_shutdown=1\n");
    let node = root.boot(&[]);
    node.wait_ready();
    node.signal("TERM");
    node.wait_record("kubelet", "hanging", 1);
    let start = std::time::Instant::now();
    while node.lines("shutdown deadline passed").is_empty() {
        if start.elapsed() > std::time::Duration::from_secs(45) {
            node.fail("no deadline within 45 s: the config's grace period was not read");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let took = start.elapsed();
    eprintln!("40 KiB config, shutdownGracePeriod: 0s: deadline passed after {took:?}");
    if took < std::time::Duration::from_secs(25) {
        node.fail(&format!("deadline after {took:?}, expected about 30 s"));
    }
    node.expect_poweroff();
}

/// A grace period Go itself refuses (over 2562047h47m16.854775807s) is
/// refused with a warning, not saturated to 136 years.
#[test]
fn an_out_of_range_grace_period_is_refused() {
    for value in ["2562048h", "1000000000000000000000000000000s"] {
        let root = Root::new("biggrace");
        root.write("etc/kubernetes/config.yaml", &format!("kind: KubeletConfiguration\nshutdownGracePeriod: {value}\n"));
        let node = root.boot(&[]);
        let line = node.wait_log("shutdownGracePeriod: invalid duration");
        eprintln!("{value}: {line}");
        if !line.contains(&format!("\"{value}\"; default deadline used")) {
            node.fail(&format!("unexpected warning {line:?}"));
        }
        node.wait_ready();
        node.signal("TERM");
        node.expect_poweroff();
    }
}

/// Eight idle root clients take every place before the kubelet starts
/// (the runtime is slow to listen); the kubelet, known by its pid
/// (SO_PEERCRED), is still admitted: the client idle the longest is
/// closed for it, the others are kept, and a SIGTERM reaches the kubelet,
/// whose answer ends the graceful wait at once.
#[test]
fn the_kubelet_is_admitted_when_every_place_is_taken() {
    let root = Root::new("crowded");
    root.standin("crio.delay_ms=2000\n");
    let node = root.boot(&[]);
    let mut idle: Vec<common::Client> = (0..8).map(|_| node.connect()).collect();
    node.wait_sockets(|n| n == 9, "the init did not accept 8 clients");
    std::thread::sleep(std::time::Duration::from_millis(50)); // so activity times differ
    // All but client 3 send something (an unknown byte): 3 is the idlest.
    for (i, client) in idle.iter_mut().enumerate() {
        if i != 3 {
            client.send(&[0x7f]);
        }
    }
    node.wait_lines("unknown byte 0x7f", 5);
    node.wait_ready();
    let line = node.wait_log("closed for the kubelet");
    eprintln!("crowded socket: {line}");
    for (i, client) in idle.iter_mut().enumerate() {
        let heard = client.hear(std::time::Duration::from_millis(if i == 3 { 5000 } else { 100 }));
        let expected = if i == 3 { common::Heard::Eof } else { common::Heard::Silence };
        if heard != expected {
            node.fail(&format!("client {i} heard {heard:?}, expected {expected:?}"));
        }
    }
    let start = std::time::Instant::now();
    node.signal("TERM");
    node.wait_record("kubelet", "shutdown event", 1);
    node.expect_poweroff();
    eprintln!("crowded socket: power-off {:?} after SIGTERM", start.elapsed());
}

/// The runtime's socket is created while PID 1 is stopped (SIGSTOP) and
/// 17,000 other files fill its inotify queue (16,384 events): the event
/// is lost, the queue reports an overflow, and the init checks every
/// watched file again, so the kubelet still starts.
#[test]
fn an_inotify_overflow_rechecks_what_the_watches_stand_for() {
    let root = Root::new("overflow");
    root.standin("crio.delay_ms=3000\n");
    let node = root.boot(&[]);
    // Stopped once its watch on the runtime's socket directory exists
    // (it is added during the boot, around `runtime-exec`).
    node.wait_log("milestone runtime-exec");
    let dir = node.proc_root("var/run/crio");
    wait_for_watch(&node, &dir);
    node.signal("STOP");
    let stopped = || std::fs::read_to_string(format!("/proc/{}/status", node.pid())).unwrap_or_default().contains("State:\tT");
    let start = std::time::Instant::now();
    while !stopped() {
        if start.elapsed() > common::WAIT {
            node.fail("the init did not stop on SIGSTOP");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for i in 0..17_000 {
        std::fs::File::create(dir.join(format!("f{i}"))).expect("create a file");
    }
    node.wait_record("crio", "ready", 1);
    if !stopped() || !node.lines("milestone runtime-ready").is_empty() {
        node.fail("the init ran while the queue filled");
    }
    let created = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    eprintln!("overflow: {created} entries in /var/run/crio while PID 1 was stopped");
    node.signal("CONT");
    let line = node.wait_log("inotify queue overflow");
    eprintln!("overflow: {line}");
    node.wait_ready();
    node.signal("TERM");
    node.expect_poweroff();
}

/// Waits until one of the init's inotify descriptors watches `dir`
/// (`/proc/PID/fdinfo` lists each watch with its inode, in hex).
fn wait_for_watch(node: &Node, dir: &Path) {
    let ino = format!("ino:{:x} ", std::fs::metadata(dir).expect("the watched directory").ino());
    let watched = || {
        let fdinfo = std::fs::read_dir(format!("/proc/{}/fdinfo", node.pid())).into_iter().flatten().flatten();
        let mut texts = fdinfo.filter_map(|e| std::fs::read_to_string(e.path()).ok());
        texts.any(|t| t.lines().any(|l| l.starts_with("inotify") && l.contains(&ino)))
    };
    node.wait_until(watched, &format!("no inotify watch on {}", dir.display()));
}

/// `/run/system.sock` removed, then replaced by an impostor's socket
/// (renamed over it): each time the init notices (inotify on `/run`),
/// says so and listens on a new socket file; the kubelet's connection
/// stays, and a new client reaches the init, not the impostor.
#[test]
fn a_removed_or_replaced_socket_is_recreated() {
    let node = common::boot_ready("resocket", &[]);
    let path = node.proc_root("run/system.sock");
    std::fs::remove_file(&path).expect("remove the socket file");
    node.wait_lines("removed or replaced: listening on a new one", 1);
    // The line comes before the new socket file: an impostor renamed in first
    // would be replaced by it, unseen.
    node.wait_until(|| path.exists(), "the socket file was not made again");
    let impostor_path = node.proc_root("run/impostor.sock");
    let impostor = std::os::unix::net::UnixListener::bind(&impostor_path).expect("bind the impostor");
    impostor.set_nonblocking(true).unwrap();
    let impostor_inode = std::fs::metadata(&impostor_path).expect("the impostor's socket file").ino();
    std::fs::rename(&impostor_path, &path).expect("rename the impostor over the socket");
    let line = node.wait_lines("removed or replaced: listening on a new one", 2);
    eprintln!("socket recreated: {line}");
    // The line comes before the new socket file replaces the impostor's.
    let replaced = || std::fs::metadata(&path).is_ok_and(|file| file.ino() != impostor_inode);
    node.wait_until(replaced, "the impostor's socket file was not replaced");
    let mut client = node.connect();
    client.send(&[0x01]);
    client.expect_byte(&node, 0x01);
    if impostor.accept().is_ok() {
        node.fail("a client reached the impostor");
    }
    // The kubelet, connected before, hears the event too and ends it.
    node.wait_record("kubelet", "shutdown event", 1);
    node.expect_poweroff();
}

/// The socket file removed 30 times, each time once the init has made it
/// again: a few `removed or replaced` lines, then one count; the socket
/// still answers.
#[test]
fn a_socket_removed_again_and_again_shows_a_few_lines_and_a_count() {
    let node = common::boot_ready("resocketflood", &[]);
    let path = node.proc_root("run/system.sock");
    for round in 0..30 {
        node.wait_until(|| path.exists(), &format!("round {round}: the socket file was not made again"));
        std::fs::remove_file(&path).expect("remove the socket file");
    }
    node.wait_until(|| path.exists(), "the socket file was not made again after the last removal");
    let count = suppressed(&node, "socket replaced", "removed or replaced", 5);
    eprintln!("socket removed 30 times: {count} lines suppressed");
    let mut client = node.connect();
    client.send(&[0x01]);
    client.expect_byte(&node, 0x01);
    node.wait_record("kubelet", "shutdown event", 1);
    node.expect_poweroff();
}

/// inotify cannot be made (the instances used up): the init says so and
/// checks the watched files every second instead. The kubelet still
/// starts (the runtime's socket found), a removed system socket is made
/// again, and the standalone kubelet joins once `kubelet.conf` appears.
#[test]
fn without_inotify_the_files_are_checked_every_second() {
    let mut root = common::Root::new("noinotify");
    root.deny_inotify = true;
    let node = root.boot(&[]);
    node.wait_log("kios: error: inotify watch /var/run/crio: errno 24; files checked every second instead");
    node.wait_ready();
    std::fs::remove_file(node.proc_root("run/system.sock")).expect("remove the socket file");
    node.wait_log("kios: warning: system socket: /run/system.sock removed or replaced: listening on a new one");
    node.root.write("etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n");
    node.wait_log("kios: /etc/kubernetes/kubelet.conf appeared: restarting the kubelet to join the cluster");
    node.wait_lines("milestone kubelet-exec", 2);
    node.wait_record("kubelet", "socket connected", 2);
    let mut client = node.connect();
    client.send(&[0x01]);
    client.expect_byte(&node, 0x01);
    node.wait_record("kubelet", "shutdown event", 1);
    node.expect_poweroff();
}
