//! `/etc/kubernetes/node-ip` → the kubelet's `--node-ip` value.
//!
//! The first line of the file, surrounding whitespace removed, must be one
//! IPv4 address (four decimal octets, no leading zeros) or IPv6 address
//! (hex groups, one `::` at most, an IPv4 tail allowed): no prefix length,
//! no zone. Anything else is refused rather than passed on. Checked by
//! hand rather than with `core::net`'s parser, which would be a large
//! part of the init (docs/size.md).

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
    let line = first_line(file).trim_ascii();
    if line.is_empty() {
        return Err(Error::Empty);
    }
    if is_ipv4(line) || is_ipv6(line) {
        Ok(line)
    } else {
        Err(Error::Invalid)
    }
}

/// The file's first line, without its `\n`: what [`node_ip`] reads (a
/// caller's warning quotes the same line).
pub fn first_line(file: &[u8]) -> &[u8] {
    file.split(|&b| b == b'\n').next().unwrap_or_default()
}

/// `a.b.c.d`, each 0–255 in decimal without leading zeros: one pass,
/// the octet's value kept as its digits come.
fn is_ipv4(text: &[u8]) -> bool {
    let mut dots = 0u8;
    // The octet so far; `NONE` before its first digit (a plain integer
    // with a reserved value, not an `Option`).
    const NONE: u32 = u32::MAX;
    let mut octet = NONE;
    for &b in text {
        octet = match (b, octet) {
            // A dot ends a non-empty octet; a fourth dot is one too many.
            (b'.', ..=255) if dots < 3 => {
                dots = dots.wrapping_add(1);
                NONE
            }
            (b'0'..=b'9', NONE) => u32::from(b.wrapping_sub(b'0')),
            // After a leading zero no digit may follow; at most 255.
            (b'0'..=b'9', value @ 1..=255) => match value.wrapping_mul(10).wrapping_add(u32::from(b.wrapping_sub(b'0'))) {
                value @ ..=255 => value,
                _ => return false,
            },
            _ => return false,
        };
    }
    dots == 3 && octet != NONE
}

/// Eight 16-bit hex groups, or fewer around one `::`; the last two may be
/// an IPv4 address. Read group by group, from the left.
fn is_ipv6(text: &[u8]) -> bool {
    let (mut rest, mut gap) = match text {
        [b':', b':', rest @ ..] => (rest, true),
        _ => (text, false),
    };
    // Counted in a usize, which cannot overflow (each group takes a byte
    // of the text at least): no bound checked while counting, more than 8
    // fails the final check.
    let mut groups = 0usize;
    while !rest.is_empty() {
        let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
        let (group, after) = rest.split_at_checked(end).unwrap_or_default();
        if group.is_empty() || group.len() > 4 || !group.iter().all(u8::is_ascii_hexdigit) {
            // Not a group: only an IPv4 tail, which ends the address and
            // counts as two groups.
            if !(after.is_empty() && is_ipv4(group)) {
                return false;
            }
            groups = groups.saturating_add(2);
            break;
        }
        groups = groups.saturating_add(1);
        // `after` is empty or starts with the group's `:`.
        let Some(after) = after.get(1..) else { break };
        rest = match after {
            [b':', rest @ ..] if !gap => {
                gap = true;
                rest
            }
            // A lone `:` at the end leaves an empty last group.
            [] => return false,
            _ => after,
        };
    }
    if gap { groups < 8 } else { groups == 8 }
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
