//! What both stand-ins share: reporting, the start counter, `/etc/standin.conf`,
//! SIGTERM handling, crashes on request and stdout floods.
//!
//! The contract (config keys, report lines) is documented in `../README.md`.

// Each binary uses only part of this module.
#![allow(dead_code)]

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use std::{process, thread};

const CONFIG: &str = "/etc/standin.conf";
const RECORD: &str = "/record";
/// Longest kmsg line we write; the kernel refuses records over 1024 bytes.
const KMSG_MAX: usize = 976;
const SIGTERM: i32 = 15;

/// Where report lines go; `name` is `crio` or `kubelet`.
#[derive(Clone, Copy)]
pub struct Out {
    pub name: &'static str,
}

impl Out {
    /// One report line: to `/record/<name>.log` if `/record` exists, else to
    /// `/dev/kmsg` if it opens; always to stdout.
    pub fn report(&self, text: &str) {
        if Path::new(RECORD).is_dir() {
            let path = format!("{RECORD}/{}.log", self.name);
            let line = format!("{text}\n");
            if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
                let _ = f.write_all(line.as_bytes());
            }
        } else if let Ok(mut f) = OpenOptions::new().write(true).open("/dev/kmsg") {
            // Opened per line: the kernel rate-limits writers per open file.
            let mut line = format!("<6>standin-{}: {text}", self.name).into_bytes();
            line.truncate(KMSG_MAX);
            line.push(b'\n');
            let _ = f.write(&line); // one write() = one kmsg record
        }
        // Blocking on purpose: a stalled log FIFO is the init's problem.
        let line = format!("standin-{}: {text}\n", self.name);
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
}

/// The type of a config value; checked when the file is read.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Unsigned decimal (milliseconds, bytes, counts).
    Num,
    /// Exit status 0..=255.
    Status,
    /// `0`/`1` (also `false`/`true`, `no`/`yes`).
    Flag,
    /// `HEX@MS[,HEX@MS...]`.
    Sends,
    /// Any non-empty text (a path).
    Text,
}

/// Keys every stand-in understands (without the `<name>.` prefix).
const COMMON_KEYS: &[(&str, Kind)] = &[
    ("crash_starts", Kind::Num),
    ("crash_after_ms", Kind::Num),
    ("crash_status", Kind::Status),
    ("ignore_sigterm", Kind::Flag),
    ("flood_bytes", Kind::Num),
];

fn parse_num(v: &str) -> Option<u64> {
    v.parse().ok()
}

fn parse_flag(v: &str) -> Option<bool> {
    match v {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// `HEX@MS[,HEX@MS...]` → `[(byte, ms)]`.
fn parse_sends(v: &str) -> Option<Vec<(u8, u64)>> {
    v.split(',')
        .map(|item| {
            let (hex, ms) = item.trim().split_once('@')?;
            let hex = hex.trim();
            let hex = hex.strip_prefix("0x").unwrap_or(hex);
            Some((u8::from_str_radix(hex, 16).ok()?, parse_num(ms.trim())?))
        })
        .collect()
}

fn valid(kind: Kind, v: &str) -> bool {
    match kind {
        Kind::Num => parse_num(v).is_some(),
        Kind::Status => parse_num(v).is_some_and(|n| n <= 255),
        Kind::Flag => parse_flag(v).is_some(),
        Kind::Sends => parse_sends(v).is_some(),
        Kind::Text => !v.is_empty(),
    }
}

/// This program's valid entries of `/etc/standin.conf` (prefix removed).
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    /// Reads the file (absent = empty). Lines that are malformed, have an
    /// unknown prefix, or carry one of our keys that is unknown or has a bad
    /// value are returned as errors and ignored. Other programs' keys are skipped.
    fn load(name: &str, extra: &[(&str, Kind)]) -> (Config, Vec<String>) {
        let text = fs::read(CONFIG).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let (mut entries, mut errors) = (Vec::new(), Vec::new());
        for raw in text.lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                errors.push(raw.to_string());
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            let Some((prefix, key)) = key.split_once('.') else {
                errors.push(raw.to_string());
                continue;
            };
            if prefix != name {
                if prefix != "crio" && prefix != "kubelet" {
                    errors.push(raw.to_string());
                }
                continue;
            }
            let kind = COMMON_KEYS.iter().chain(extra).find(|(k, _)| *k == key);
            match kind {
                Some((_, kind)) if valid(*kind, value) => {
                    entries.push((key.to_string(), value.to_string()))
                }
                _ => errors.push(raw.to_string()),
            }
        }
        (Config { entries }, errors)
    }

    fn get(&self, key: &str) -> Option<&str> {
        // The last occurrence wins.
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn num(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(parse_num)
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(parse_flag).unwrap_or(false)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key)
    }

    pub fn sends(&self, key: &str) -> Vec<(u8, u64)> {
        self.get(key).and_then(parse_sends).unwrap_or_default()
    }
}

/// SIGTERMs received and not yet handled.
static SIGTERMS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_sigterm(_: i32) {
    SIGTERMS.fetch_add(1, Ordering::SeqCst);
}

extern "C" {
    // From the C library std already links (glibc's BSD semantics: the
    // handler stays installed and interrupted syscalls restart).
    fn signal(sig: i32, handler: extern "C" fn(i32)) -> usize;
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
}

/// `struct timespec` on 64-bit Linux.
#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

/// `CLOCK_MONOTONIC` in milliseconds: the clock the init times its
/// restarts with, so a test compares starts without its own polling delay.
fn monotonic_ms() -> i64 {
    let mut time = Timespec { sec: 0, nsec: 0 };
    // SAFETY: the C library writes one `struct timespec` into `time`.
    unsafe { clock_gettime(1, &mut time) };
    time.sec * 1000 + time.nsec / 1_000_000
}

/// Increments `/run/standin-<name>.starts`: the new count, and the error
/// if the file could not be written.
fn count_start(name: &str) -> (u64, Option<std::io::Error>) {
    let path = PathBuf::from(format!("/run/standin-{name}.starts"));
    let n = fs::read_to_string(&path)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    let _ = fs::create_dir_all("/run");
    (n, fs::write(&path, format!("{n}\n")).err())
}

/// `SigBlk`/`SigIgn` of this process as inherited (hex, from /proc).
fn signal_state() -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "signals blocked {} ignored {}",
        field("SigBlk:"),
        field("SigIgn:")
    )
}

/// `head` and `items`, joined by single spaces.
fn joined(head: &str, items: &[String]) -> String {
    std::iter::once(head.to_string())
        .chain(items.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything a stand-in does first: catch SIGTERM, count the start, read
/// the config, report `start`, `clock`, `env`, `signals` and config errors. Returns
/// the reporter, the config and the start number.
pub fn startup(name: &'static str, extra: &[(&str, Kind)]) -> (Out, Config, u64) {
    let signals = signal_state();
    // SAFETY: the handler only touches an atomic, which is async-signal-safe.
    unsafe { signal(SIGTERM, on_sigterm) };
    let out = Out { name };
    let (cfg, errors) = Config::load(name, extra);
    let (n, counter_error) = count_start(name);
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    out.report(&joined(&format!("start {n} argv"), &args));
    out.report(&format!("clock {}", monotonic_ms()));
    let env: Vec<String> = std::env::vars_os()
        .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy()))
        .collect();
    out.report(&joined("env", &env));
    out.report(&signals);
    if let Some(e) = counter_error {
        out.report(&format!("counter error {e}"));
    }
    for line in errors {
        out.report(&format!("config error {line}"));
    }
    (out, cfg, n)
}

/// Reports `<what> S` and exits with status S, now or after `ms`.
pub fn exit_after(out: Out, what: &'static str, ms: u64, status: i32) {
    let exit = move || {
        out.report(&format!("{what} {status}"));
        process::exit(status);
    };
    if ms == 0 {
        exit();
    }
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(ms));
        exit();
    });
}

/// What both stand-ins do right after `startup`: the SIGTERM watcher
/// (`cleanup` is removed before a SIGTERM exit), a requested crash, a flood.
pub fn common_behaviour(out: Out, cfg: &Config, starts: u64, cleanup: Option<PathBuf>) {
    let ignore = cfg.flag("ignore_sigterm");
    thread::spawn(move || loop {
        if SIGTERMS.swap(0, Ordering::SeqCst) > 0 {
            out.report(&format!("term-at {}", monotonic_ms()));
            if ignore {
                out.report("sigterm ignored");
            } else {
                out.report("sigterm");
                if let Some(path) = &cleanup {
                    let _ = fs::remove_file(path);
                }
                process::exit(0);
            }
        }
        thread::sleep(Duration::from_millis(10));
    });
    if starts <= cfg.num("crash_starts").unwrap_or(0) {
        let status = cfg.num("crash_status").unwrap_or(1) as i32;
        exit_after(out, "crash", cfg.num("crash_after_ms").unwrap_or(0), status);
    }
    if let Some(n) = cfg.num("flood_bytes") {
        flood(out, n);
    }
}

/// Writes whole `flood <i>\n` lines to stdout, at most `max` bytes in all,
/// in chunks of at most 4096 bytes (pipe-atomic, so report lines never land
/// inside a flood line); then reports `flood done <bytes> bytes <lines> lines`.
fn flood(out: Out, max: u64) {
    let (mut bytes, mut lines, mut chunk) = (0u64, 0u64, String::new());
    loop {
        let line = format!("flood {}\n", lines + 1);
        let fits = bytes + (chunk.len() + line.len()) as u64 <= max;
        if !fits || chunk.len() + line.len() > 4096 {
            let _ = std::io::stdout().lock().write_all(chunk.as_bytes());
            bytes += chunk.len() as u64;
            chunk.clear();
            if !fits {
                break;
            }
        }
        chunk.push_str(&line);
        lines += 1;
    }
    out.report(&format!("flood done {bytes} bytes {lines} lines"));
}

/// Sleeps forever (the other threads do the work).
pub fn idle() -> ! {
    loop {
        thread::park();
    }
}
