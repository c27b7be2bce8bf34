//! `pod-program`: the test pods' image program (`localhost/kios/pod:1`),
//! kiOS's own. It says what the pod sees, one line each, then waits:
//!
//! - `pod-program start ARGS...` (its arguments, joined by spaces)
//! - `pod-program env NAME=VALUE` for each variable whose name starts
//!   with `KIOS_`
//! - `pod-program memory.max VALUE` (its cgroup's `memory.max`), or
//!   `pod-program memory.max error ERR`
//! - `pod-program ip IFNAME A.B.C.D` for each IPv4 address but loopback's,
//!   or `pod-program ip none`
//!
//! then, on SIGTERM or SIGINT, `pod-program sigterm` and exit 0. With
//! `KIOS_EXIT=N` in its environment it exits N right after those lines.
//! Each line is one `write` to stdout (the container log), and one to
//! `/dev/kmsg` as well when that opens (a container with the host's
//! `/dev`), so it reaches the console. Static; it reaps nothing (the pod's
//! pause process does).

mod signals;

use std::ffi::CStr;
use std::fs::OpenOptions;
use std::io::Write;

/// One line to stdout and, if it opens, to /dev/kmsg.
fn say(text: &str) {
    let line = format!("pod-program {text}\n");
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
    if let Ok(mut kmsg) = OpenOptions::new().write(true).open("/dev/kmsg") {
        let _ = kmsg.write_all(line.as_bytes());
    }
}

/// glibc's `struct ifaddrs` (getifaddrs(3)).
#[repr(C)]
struct IfAddrs {
    next: *mut IfAddrs,
    name: *const std::ffi::c_char,
    flags: u32,
    addr: *const SockAddrIn,
    netmask: *const SockAddrIn,
    broadcast: *const SockAddrIn,
    data: *const u8,
}

/// `struct sockaddr_in`, as far as the address.
#[repr(C)]
struct SockAddrIn {
    family: u16,
    port: u16,
    addr: [u8; 4],
}

extern "C" {
    fn getifaddrs(list: *mut *mut IfAddrs) -> i32;
    fn freeifaddrs(list: *mut IfAddrs);
}

const AF_INET: u16 = 2;
const IFF_LOOPBACK: u32 = 0x8;

/// Every IPv4 address of the network namespace but loopback's, with its
/// interface's name.
fn ipv4_addresses() -> Vec<(String, [u8; 4])> {
    let mut found = Vec::new();
    let mut list = std::ptr::null_mut();
    // SAFETY: glibc allocates the list and we only read it, following
    // `next`, until freeifaddrs; every pointer read is checked for null.
    unsafe {
        if getifaddrs(&mut list) != 0 {
            return found;
        }
        let mut entry = list;
        while let Some(e) = entry.as_ref() {
            if let Some(addr) = e.addr.as_ref() {
                if addr.family == AF_INET && e.flags & IFF_LOOPBACK == 0 && !e.name.is_null() {
                    found.push((CStr::from_ptr(e.name).to_string_lossy().into_owned(), addr.addr));
                }
            }
            entry = e.next;
        }
        freeifaddrs(list);
    }
    found
}

fn main() {
    let set = signals::block(&[signals::SIGTERM, signals::SIGINT]);
    let args: Vec<String> = std::env::args().skip(1).collect();
    say(format!("start {}", args.join(" ")).trim_end());
    let mut exit = None;
    for (name, value) in std::env::vars() {
        if name.starts_with("KIOS_") {
            say(&format!("env {name}={value}"));
        }
        if name == "KIOS_EXIT" {
            exit = value.trim().parse::<i32>().ok();
        }
    }
    match std::fs::read_to_string("/sys/fs/cgroup/memory.max") {
        Ok(value) => say(&format!("memory.max {}", value.trim())),
        Err(e) => say(&format!("memory.max error {e}")),
    }
    let addresses = ipv4_addresses();
    if addresses.is_empty() {
        say("ip none");
    }
    for (name, [a, b, c, d]) in addresses {
        say(&format!("ip {name} {a}.{b}.{c}.{d}"));
    }
    if let Some(code) = exit {
        std::process::exit(code);
    }
    loop {
        if matches!(signals::wait(&set), signals::SIGTERM | signals::SIGINT) {
            say("sigterm");
            std::process::exit(0);
        }
    }
}
