//! Host networking the daemons need: loopback up, forwarding on.

use rustix::net::{socket_with, AddressFamily, SocketFlags, SocketType};

/// Brings `lo` up (the runtime and the kubelet talk over localhost).
pub fn loopback_up() {
    let up = socket_with(AddressFamily::INET, SocketType::DGRAM, SocketFlags::CLOEXEC, None)
        .and_then(|s| crate::sys::loopback_up(&s));
    if let Err(e) = up {
        crate::error_at!("bring up {}: {}", c"lo", e);
    }
}

/// `net.ipv4.ip_forward=1` and `net.ipv6.conf.all.forwarding=1` (pods are routed).
pub fn enable_forwarding() {
    let mut paths: &[u8] = b"/proc/sys/net/ipv4/ip_forward\0/proc/sys/net/ipv6/conf/all/forwarding\0";
    while let Some(path) = kios::cstr::next(&mut paths) {
        let written = rustix::fs::open(path, rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty())
            .and_then(|fd| rustix::io::write(&fd, b"1\n"));
        if let Err(e) = written {
            crate::warn_at!("sysctl {}: {}", path, e);
        }
    }
}
