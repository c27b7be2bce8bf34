//! nodeip::node_ip: an accepted address is the trimmed first line, made
//! only of address characters, and the standard library's parser agrees
//! both ways (it found `5.2.222.22::`, an IPv4 part before `::`, since
//! refused).
#![no_main]
use kios::nodeip::node_ip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ip) = node_ip(data) {
        let first = data.split(|&b| b == b'\n').next().unwrap_or_default().trim_ascii();
        assert_eq!(ip, first);
        assert!(!ip.is_empty(), "empty address accepted");
        assert!(ip.iter().all(|c| c.is_ascii_hexdigit() || *c == b'.' || *c == b':'), "{ip:?}");
        let text = std::str::from_utf8(ip).expect("ASCII");
        assert!(text.parse::<std::net::IpAddr>().is_ok(), "{text:?} accepted but not an IP");
    }
    // Every address std accepts in its plain form, node_ip accepts too.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(addr) = text.parse::<std::net::IpAddr>() {
            assert!(node_ip(addr.to_string().as_bytes()).is_ok(), "{addr} refused");
        }
    }
});
