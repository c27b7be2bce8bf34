//! `/etc/kubernetes/node-ip` → the kubelet's `--node-ip` value.
//!
//! The first line of the file, surrounding whitespace removed, must be one
//! IPv4 address (four decimal octets, no leading zeros) or IPv6 address
//! (hex groups, one `::` at most, an IPv4 tail allowed): no prefix length,
//! no zone. Anything else is refused rather than passed on. Checked by
//! hand: `core::net`'s parser costs about 2.5 KB of the init's 16 KiB.

/// Why the file gives no address.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Error {
    /// The first line is empty or blank.
    Empty,
    /// The first line is not an IP address.
    Invalid,
}

/// The first line, surrounding whitespace removed, if it is an IPv4 or
/// IPv6 address; the text as written (not re-formatted).
pub fn node_ip(file: &[u8]) -> Result<&[u8], Error> {
    let line = file.split(|&b| b == b'\n').next().unwrap_or_default().trim_ascii();
    if line.is_empty() {
        return Err(Error::Empty);
    }
    if is_ipv4(line) || is_ipv6(line) {
        Ok(line)
    } else {
        Err(Error::Invalid)
    }
}

/// `a.b.c.d`, each 0–255 in decimal without leading zeros.
fn is_ipv4(text: &[u8]) -> bool {
    let mut octets = 0u8;
    for part in text.split(|&b| b == b'.') {
        let digits = part.iter().all(u8::is_ascii_digit);
        let leading_zero = part.len() > 1 && part.first() == Some(&b'0');
        let value = part.iter().fold(0u32, |v, &d| v.saturating_mul(10).saturating_add(u32::from(d.wrapping_sub(b'0'))));
        if part.is_empty() || part.len() > 3 || !digits || leading_zero || value > 255 {
            return false;
        }
        octets = octets.saturating_add(1);
    }
    octets == 4
}

/// Eight 16-bit hex groups, or fewer around one `::`; the last two may be
/// an IPv4 address.
fn is_ipv6(text: &[u8]) -> bool {
    let (head, tail, compressed) = match find_double_colon(text) {
        Some(at) => (text.get(..at).unwrap_or_default(), text.get(at.saturating_add(2)..).unwrap_or_default(), true),
        None => (text, &b""[..], false),
    };
    // An IPv4 part may only end the address: never before a `::`.
    let (Some(a), Some(b)) = (groups(head, !compressed), groups(tail, true)) else { return false };
    let total = a.saturating_add(b);
    if compressed { total < 8 } else { total == 8 }
}

fn find_double_colon(text: &[u8]) -> Option<usize> {
    text.windows(2).position(|w| w == b"::")
}

/// Counts the 16-bit groups of a `:`-separated list (empty: 0); an IPv4
/// address may end it when `v4_tail` (it counts as two). `None` if malformed.
fn groups(list: &[u8], v4_tail: bool) -> Option<usize> {
    if list.is_empty() {
        return Some(0);
    }
    let count = list.split(|&b| b == b':').count();
    let mut n = 0usize;
    for (i, group) in list.split(|&b| b == b':').enumerate() {
        let last = i.saturating_add(1) == count;
        if last && v4_tail && group.contains(&b'.') {
            return is_ipv4(group).then_some(n.saturating_add(2));
        }
        if group.is_empty() || group.len() > 4 || !group.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        n = n.saturating_add(1);
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let cases: [(&[u8], &str); 14] = [
            (b"10.0.0.7", "10.0.0.7"),
            (b"10.0.0.7\n", "10.0.0.7"),
            (b" \t10.0.0.7 \r\n", "10.0.0.7"),
            (b"192.168.1.2\n10.0.0.1\n", "192.168.1.2"),
            (b"192.168.1.2\ngarbage\xff", "192.168.1.2"),
            (b"0.0.0.0", "0.0.0.0"),
            (b"fd00::7\n", "fd00::7"),
            (b"2001:DB8:0:0:0:0:0:1", "2001:DB8:0:0:0:0:0:1"),
            (b"::ffff:10.0.0.7", "::ffff:10.0.0.7"),
            (b"::", "::"),
            (b"::1", "::1"),
            (b"fe80::", "fe80::"),
            (b"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7::"),
            (b"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:1.2.3.4"),
        ];
        for (file, ip) in cases {
            assert_eq!(node_ip(file), Ok(ip.as_bytes()), "{file:?}");
        }
    }

    #[test]
    fn empty() {
        for file in [&b""[..], b"\n", b"  \t\r\n", b"\n10.0.0.7\n", b" \x0c "] {
            assert_eq!(node_ip(file), Err(Error::Empty), "{file:?}");
        }
    }

    #[test]
    fn invalid() {
        let cases: [&[u8]; 26] = [
            b"10.0.0",
            b"10.0.0.256",
            b"10.0.0.7/24",
            b"10.0.0.7 10.0.0.8",
            b"10.0.0.7,fd00::7",
            b"010.0.0.7",
            b"fe80::1%eth0",
            b"[fd00::7]",
            b"fd00:::7",
            b"node1.example.com",
            b"--kubeconfig=/x",
            b"10.0.0.7\x00",
            b"\xff10.0.0.7",
            b"\xc2\xa010.0.0.7",
            b"# 10.0.0.7",
            b"1",
            b"1:2:3:4:5:6:7",
            b"1:2:3:4:5:6:7:8:9",
            b"1::2::3",
            b"::1.2.3.4:5",
            b"12345::",
            b":1::",
            b"1::2:",
            b"g::1",
            b"5.2.222.22::",
            b"1:2:3:4:5:1.2.3.4::",
        ];
        for file in cases {
            assert_eq!(node_ip(file), Err(Error::Invalid), "{file:?}");
        }
    }

    #[test]
    fn overlong() {
        let mut file = b"10.0.0.7".repeat(10_000);
        assert_eq!(node_ip(&file), Err(Error::Invalid));
        file.splice(0..0, *b"10.0.0.7\n");
        assert_eq!(node_ip(&file), Ok(&b"10.0.0.7"[..]));
        assert_eq!(node_ip(&[b' '; 100_000]), Err(Error::Empty));
    }
}
