//! kubelet-standin: behaves like the patched kubelet as far as the init can
//! tell. It reports facts about its surroundings, keeps one connection to
//! `/run/system.sock`, answers the shutdown event (0x01) with "continue"
//! (0x02) after a grace period, and can send bytes of its own on its first
//! start (`kubelet.send`). On request it also keeps a start log in a file
//! (`kubelet.persist`, to see what survives a reboot) and reports the mounts
//! of the data partition (`kubelet.report_mounts`), and SIGKILL a process by
//! name on its first start (`kubelet.kill9`, to crash a real runtime). See
//! README.md.

mod common;

use common::{Kind, Out};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::{fs, thread};

const SOCKET: &str = "/run/system.sock";
const KEYS: &[(&str, Kind)] = &[
    ("grace_ms", Kind::Num),
    ("hang_on_shutdown", Kind::Flag),
    ("send", Kind::Sends),
    ("exit_after_ms", Kind::Num),
    ("exit_status", Kind::Status),
    ("persist", Kind::Text),
    ("report_mounts", Kind::Flag),
    ("kill9", Kind::Text),
];

/// The mount points `kubelet.report_mounts` reports: the data partition and
/// what the init binds from it.
const DATAPART_MOUNTS: &[&str] = &[
    "/etc",
    "/var/log",
    "/var/lib/containers/storage",
    "/var/lib/kubelet/pods",
    "/lib/modules",
    "/var/lib/kubelet/seccomp",
    "/run/kios/datapart",
];

extern "C" {
    // From the C library std already links.
    fn gethostname(name: *mut u8, len: usize) -> i32;
    fn kill(pid: i32, sig: i32) -> i32;
}

const SIGKILL: i32 = 9;

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; glibc NUL-terminates or fails.
    if unsafe { gethostname(buf.as_mut_ptr(), buf.len()) } != 0 {
        return format!("error {}", std::io::Error::last_os_error());
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The value of the `key` line of a /proc file of PID 1, e.g. `1234 kB`.
fn init_memory(file: &str, key: &str) -> String {
    match fs::read_to_string(file) {
        Ok(s) => s
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e) => format!("error {e}"),
    }
}

fn report_facts(out: Out) {
    out.report(&format!("hostname {}", hostname()));
    out.report(&format!("init-vmrss {}", init_memory("/proc/1/status", "VmRSS:")));
    // VmRSS lags on kernels that batch RSS counters per task; smaps_rollup
    // walks the page tables and is exact.
    out.report(&format!("init-rss {}", init_memory("/proc/1/smaps_rollup", "Rss:")));
    if std::path::Path::new("/record").is_dir() {
        let copied =
            fs::read("/proc/self/mountinfo").and_then(|m| fs::write("/record/mountinfo", m));
        if let Err(e) = copied {
            out.report(&format!("mountinfo error {e}"));
        }
    }
}

/// `kubelet.persist=PATH`: reports the file's lines joined by `|` (or
/// `missing`), then appends `start N` to it (no fsync: making it durable is
/// the init's shutdown's job).
fn persist(out: Out, path: &str, starts: u64) {
    let mut newline_first = false;
    match fs::read(path) {
        Ok(bytes) => {
            newline_first = !bytes.is_empty() && !bytes.ends_with(b"\n");
            let text = String::from_utf8_lossy(&bytes);
            let content = text.lines().collect::<Vec<_>>().join("|");
            out.report(&format!("persist {path} {content}"));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => out.report(&format!("persist {path} missing")),
        Err(e) => out.report(&format!("persist {path} error {e}")),
    }
    // A last line cut short (no newline) stays a line of its own.
    let line = format!("{}start {starts}\n", if newline_first { "\n" } else { "" });
    let appended = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o644)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = appended {
        out.report(&format!("persist {path} write error {e}"));
    }
}

/// `kubelet.report_mounts=1`: `mount MOUNTPOINT FSTYPE SOURCE OPTIONS` for
/// each line of /proc/self/mountinfo on one of `DATAPART_MOUNTS`, in order.
fn report_mounts(out: Out) {
    let text = match fs::read_to_string("/proc/self/mountinfo") {
        Ok(t) => t,
        Err(e) => return out.report(&format!("mounts error {e}")),
    };
    for line in text.lines() {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() < 10 || !DATAPART_MOUNTS.contains(&fields[4]) {
            continue;
        }
        let Some(sep) = fields[6..].iter().position(|f| *f == "-").map(|i| i + 6) else {
            continue;
        };
        if let (Some(fstype), Some(source)) = (fields.get(sep + 1), fields.get(sep + 2)) {
            out.report(&format!("mount {} {fstype} {source} {}", fields[4], fields[5]));
        }
    }
}

/// `NAME@MS` → (NAME, MS); NAME non-empty, at most 15 bytes (a comm).
fn parse_kill9(v: &str) -> Option<(String, u64)> {
    let (name, ms) = v.rsplit_once('@')?;
    let name = name.trim();
    if name.is_empty() || name.len() > 15 || name.contains('/') {
        return None;
    }
    Some((name.to_string(), ms.trim().parse().ok()?))
}

/// `kubelet.kill9=NAME@MS`: at `ms` after `t0`, SIGKILL every process whose
/// `/proc/PID/comm` is `name` (not this one), reporting `killed NAME pid P`
/// for each, `kill9 NAME none` if there is none.
fn kill9(out: Out, name: String, ms: u64, t0: Instant) {
    let at = t0 + Duration::from_millis(ms);
    thread::sleep(at.saturating_duration_since(Instant::now()));
    let entries = match fs::read_dir("/proc") {
        Ok(e) => e,
        Err(e) => return out.report(&format!("kill9 {name} error {e}")),
    };
    let me = std::process::id();
    let mut pids: Vec<u32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim_end_matches('\n') == name)
        })
        .collect();
    pids.sort_unstable();
    if pids.is_empty() {
        return out.report(&format!("kill9 {name} none"));
    }
    for pid in pids {
        // SAFETY: kill(2) has no memory effects; pid is a positive number.
        if unsafe { kill(pid as i32, SIGKILL) } == 0 {
            out.report(&format!("killed {name} pid {pid}"));
        } else {
            let e = std::io::Error::last_os_error();
            out.report(&format!("kill9 {name} pid {pid} error {e}"));
        }
    }
}

/// Connects, retrying every 100 ms for up to 5 s.
fn connect(out: Out) -> Option<Arc<UnixStream>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match UnixStream::connect(SOCKET) {
            Ok(s) => {
                out.report("socket connected");
                return Some(Arc::new(s));
            }
            Err(e) if Instant::now() >= deadline => {
                out.report(&format!("socket error {e}"));
                return None;
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Reads events until EOF; answers the shutdown event unless told to hang.
fn read_events(out: Out, sock: Arc<UnixStream>, grace_ms: u64, hang: bool) {
    let mut buf = [0u8; 64];
    loop {
        let n = match (&*sock).read(&mut buf) {
            Ok(0) => return out.report("socket closed"),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return out.report(&format!("socket error {e}")),
        };
        for &byte in &buf[..n] {
            if byte != 0x01 {
                out.report(&format!("byte 0x{byte:02x}"));
                continue;
            }
            out.report("shutdown event");
            if hang {
                out.report("hanging");
                continue;
            }
            thread::sleep(Duration::from_millis(grace_ms));
            // Reported before the write: the init may answer the 0x02 with
            // a SIGTERM at once, whose `sigterm` line (another thread) must
            // not come first.
            out.report("sent continue");
            if let Err(e) = (&*sock).write_all(&[0x02]) {
                out.report(&format!("send error 0x02 {e}"));
            }
        }
    }
}

/// Sends each `(byte, ms)` at `ms` after `t0`, in time order.
fn send_schedule(out: Out, sock: Option<Arc<UnixStream>>, mut sends: Vec<(u8, u64)>, t0: Instant) {
    sends.sort_by_key(|&(_, ms)| ms);
    for (byte, ms) in sends {
        let at = t0 + Duration::from_millis(ms);
        thread::sleep(at.saturating_duration_since(Instant::now()));
        let sent = match &sock {
            Some(s) => (&**s).write_all(&[byte]).map_err(|e| e.to_string()),
            None => Err("not connected".into()),
        };
        match sent {
            Ok(()) => out.report(&format!("sent 0x{byte:02x}")),
            Err(e) => out.report(&format!("send error 0x{byte:02x} {e}")),
        }
    }
}

fn main() {
    let t0 = Instant::now();
    let (out, cfg, starts) = common::startup("kubelet", KEYS);
    report_facts(out);
    if let Some(path) = cfg.text("persist") {
        persist(out, path, starts);
    }
    if cfg.flag("report_mounts") {
        report_mounts(out);
    }
    common::common_behaviour(out, &cfg, starts, None);
    if let (1, Some(ms)) = (starts, cfg.num("exit_after_ms")) {
        let status = cfg.num("exit_status").unwrap_or(0) as i32;
        common::exit_after(out, "exit", ms, status);
    }
    // Its value is checked here, not by the config reader: reported like
    // the reader's own errors, at every start.
    match cfg.text("kill9").map(|v| (v, parse_kill9(v))) {
        Some((_, Some((name, ms)))) if starts == 1 => {
            thread::spawn(move || kill9(out, name, ms, t0));
        }
        Some((value, None)) => out.report(&format!("config error kubelet.kill9={value}")),
        _ => {}
    }
    let sock = connect(out);
    if let Some(s) = sock.clone() {
        let (grace, hang) = (
            cfg.num("grace_ms").unwrap_or(200),
            cfg.flag("hang_on_shutdown"),
        );
        thread::spawn(move || read_events(out, s, grace, hang));
    }
    let sends = cfg.sends("send");
    if starts == 1 && !sends.is_empty() {
        thread::spawn(move || send_schedule(out, sock, sends, t0));
    }
    common::idle();
}
