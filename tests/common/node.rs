//! One running init: PID 1 of its namespaces, seen from the host.

use super::log::Log;
use super::namespace::{self, first_child, kill_tree};
use super::{poll_until, Client, Root, WAIT};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Options every test boots with: no disk, log lines on stderr.
const BASE_OPTIONS: &[&str] = &["datapart=none", "kios.log=stderr"];

/// How the kernel ends a namespace's init for reboot() (x86_64 and aarch64
/// agree): SIGHUP for a restart, SIGINT for a power-off.
const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;

/// After this long the whole namespace is killed, whatever the test does.
const WATCHDOG: Duration = Duration::from_secs(90);

/// A running init; killed with its whole namespace when dropped.
pub struct Node {
    child: Mutex<Child>,
    log: Arc<Log>,
    init_pid: u32,
    _watchdog: Sender<()>,
    // Dropped last: the directory goes once nothing runs in it.
    pub root: Root,
}

impl Node {
    pub(super) fn boot(root: Root, extra: &[&str]) -> Node {
        let mut child = namespace::spawn(&root.path, root.deny_inotify, BASE_OPTIONS.iter().chain(extra));
        let stderr: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().expect("piped"));
        let stdout: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().expect("piped"));
        let log = Log::capture(vec![stderr, stdout]);
        let Some(init_pid) = first_child(&mut child) else {
            log.wait_end(Duration::from_secs(2));
            panic!("the namespace ended before the init started: {:?}\n{}", child.wait(), log.text());
        };
        let (watchdog, stop) = mpsc::channel::<()>();
        let group = child.id();
        thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(WATCHDOG) {
                eprintln!("watchdog: killing the namespace of init {init_pid}");
                kill_tree(init_pid, group);
            }
        });
        Node { child: Mutex::new(child), log, init_pid, _watchdog: watchdog, root }
    }

    /// The init's PID on the host.
    pub fn pid(&self) -> u32 {
        self.init_pid
    }

    /// A path inside the init's root as the host reaches it through /proc
    /// (so it sees the init's own mounts, e.g. the tmpfs on `/run`).
    pub fn proc_root(&self, inside: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root/{}", self.init_pid, inside.trim_start_matches('/')))
    }

    /// The init's log so far.
    pub fn log(&self) -> String {
        self.log.text()
    }

    /// Fails the test with `message`, the log and the stand-ins' records.
    pub fn fail(&self, message: &str) -> ! {
        let end = match self.child.lock().unwrap().try_wait() {
            Ok(Some(status)) => format!("the namespace has ended: {status:?}"),
            _ => String::from("the namespace is still running"),
        };
        panic!(
            "{message}\n({end})\n--- init log ---\n{}--- record/crio.log ---\n{}--- record/kubelet.log ---\n{}",
            self.log(),
            self.record("crio"),
            self.record("kubelet")
        )
    }

    /// Log lines containing `needle`.
    pub fn lines(&self, needle: &str) -> Vec<String> {
        self.log().lines().filter(|l| l.contains(needle)).map(String::from).collect()
    }

    /// Waits until `count` log lines contain `needle`; returns the last one.
    pub fn wait_lines(&self, needle: &str, count: usize) -> String {
        match self.log.wait_lines(needle, count, Instant::now() + WAIT) {
            Ok(line) => line,
            Err(why) => self.fail(&format!("{why} waiting for {count} line(s) with {needle:?}")),
        }
    }

    /// Waits for a log line containing `needle` and returns it.
    pub fn wait_log(&self, needle: &str) -> String {
        self.wait_lines(needle, 1)
    }

    /// The milestones logged so far, `name[ detail]` each.
    pub fn milestones(&self) -> Vec<String> {
        let prefix = "kios: milestone ";
        self.lines(prefix).iter().filter_map(|l| l.strip_prefix(prefix)).map(String::from).collect()
    }

    /// Position of the first log line containing `needle`.
    pub fn log_position(&self, needle: &str) -> Option<usize> {
        self.log().lines().position(|l| l.contains(needle))
    }

    /// Fails if a log line contains `needle`.
    pub fn assert_no_log(&self, needle: &str) {
        if let Some(line) = self.lines(needle).first() {
            self.fail(&format!("unexpected log line {line:?}"));
        }
    }

    /// What stand-in `name` (`crio` or `kubelet`) has recorded so far.
    pub fn record(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.path.join(format!("record/{name}.log"))).unwrap_or_default()
    }

    /// Record lines of stand-in `name` that start with `prefix`.
    pub fn record_lines(&self, name: &str, prefix: &str) -> Vec<String> {
        self.record(name).lines().filter(|l| l.starts_with(prefix)).map(String::from).collect()
    }

    /// Waits until `count` record lines of `name` start with `prefix`;
    /// returns the last one.
    pub fn wait_record(&self, name: &str, prefix: &str, count: usize) -> String {
        poll_until(Duration::from_millis(20), || self.record_lines(name, prefix).into_iter().nth(count - 1))
            .unwrap_or_else(|| self.fail(&format!("timed out waiting for {count} {name} record(s) {prefix:?}")))
    }

    /// Waits until the kubelet has started and the kubelet stand-in holds
    /// its connection to the system socket (so it hears a shutdown event).
    pub fn wait_ready(&self) {
        self.wait_log("milestone kubelet-exec");
        self.wait_record("kubelet", "socket connected", 1);
        // Connected is not yet accepted: wait for the init to hold a socket
        // besides its listener, or a signal sent now may find no client.
        self.wait_sockets(|n| n >= 2, "the init did not accept the kubelet's connection");
    }

    /// Waits until `check` holds, looking every 5 ms; fails with
    /// `otherwise` after the usual wait.
    pub fn wait_until(&self, mut check: impl FnMut() -> bool, otherwise: &str) {
        if poll_until(Duration::from_millis(5), || check().then_some(())).is_none() {
            self.fail(otherwise);
        }
    }

    /// Waits until the number of sockets the init holds (its listener and
    /// its clients) satisfies `enough`; fails with `otherwise` after the
    /// usual wait.
    pub fn wait_sockets(&self, enough: impl Fn(usize) -> bool, otherwise: &str) {
        if poll_until(Duration::from_millis(5), || enough(self.socket_fds()).then_some(())).is_none() {
            self.fail(&format!("{otherwise} (it holds {} sockets)", self.socket_fds()));
        }
    }

    /// How many sockets the init has open (its listener and its clients).
    fn socket_fds(&self) -> usize {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", self.init_pid)) else { return 0 };
        let links = fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok());
        links.filter(|link| link.to_string_lossy().starts_with("socket:")).count()
    }

    /// Sends `signal` (a name such as `TERM`) to the init from the host.
    pub fn signal(&self, signal: &str) {
        self.kill(signal, self.init_pid);
    }

    /// Host PID of the init's child whose argv[0] is `program` (e.g.
    /// `/bin/kubelet`), waiting for it to appear.
    pub fn child_pid(&self, program: &str) -> u32 {
        let children = format!("/proc/{0}/task/{0}/children", self.init_pid);
        let found = poll_until(Duration::from_millis(20), || {
            let list = std::fs::read_to_string(&children).unwrap_or_default();
            list.split_whitespace().find_map(|pid| {
                let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                (argv.split(|b| *b == 0).next() == Some(program.as_bytes())).then(|| pid.parse().expect("a PID"))
            })
        });
        found.unwrap_or_else(|| self.fail(&format!("no child {program} of the init")))
    }

    /// Sends `signal` to host PID `pid`.
    pub fn kill(&self, signal: &str, pid: u32) {
        let status = namespace::signal(signal, &pid.to_string()).status();
        if !matches!(status, Ok(s) if s.success()) {
            self.fail(&format!("kill -s {signal} {pid} failed"));
        }
    }

    /// A root client of the system socket.
    pub fn connect(&self) -> Client {
        Client::connect(self)
    }

    /// The init's mount table, `/proc/<pid>/mountinfo`.
    pub fn mountinfo(&self) -> String {
        std::fs::read_to_string(format!("/proc/{}/mountinfo", self.init_pid))
            .unwrap_or_else(|e| self.fail(&format!("read mountinfo: {e}")))
    }

    /// Waits for the namespace to end and returns how unshare ended.
    pub fn wait_exit(&self) -> ExitStatus {
        let ended = poll_until(Duration::from_millis(20), || self.child.lock().unwrap().try_wait().expect("wait for unshare"));
        let status = ended.unwrap_or_else(|| self.fail("timed out waiting for the init to end"));
        self.log.wait_end(Duration::from_secs(2));
        status
    }

    /// Waits for the end and checks it was a power-off: the kernel kills
    /// a namespace's init with SIGINT for it, and unshare re-raises that.
    pub fn expect_poweroff(&self) {
        self.expect_end(SIGINT, "power-off");
    }

    /// As `expect_poweroff` for a reboot (SIGHUP).
    pub fn expect_reboot(&self) {
        self.expect_end(SIGHUP, "reboot");
    }

    fn expect_end(&self, signal: i32, milestone: &str) {
        let status = self.wait_exit();
        if status.signal() != Some(signal) {
            self.fail(&format!("expected the namespace to end by signal {signal} ({milestone}), got {status:?}"));
        }
        let last = self.lines("kios: milestone").pop().unwrap_or_default();
        if last != format!("kios: milestone {milestone}") {
            self.fail(&format!("last milestone is {last:?}, expected {milestone}"));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Ok(None) = child.try_wait() {
            kill_tree(self.init_pid, child.id());
            let _ = child.wait();
        }
    }
}
