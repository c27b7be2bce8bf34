//! `/etc/kubernetes/node-ip` → the kubelet's `--node-ip` value.
//!
//! The first line of the file, surrounding whitespace removed, must be one
//! IPv4 or IPv6 address (as `core::net::IpAddr` parses it: no prefix
//! length, no IPv6 zone). Anything else is refused rather than passed on.

use core::net::IpAddr;

/// Why the file gives no address.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Error {
    /// The first line is empty or blank.
    Empty,
    /// The first line is not an IP address.
    Invalid,
}

/// The first line, surrounding whitespace removed, if it parses as an IPv4 or IPv6 address
/// (use core::net::IpAddr's FromStr). Returns the trimmed text slice (not a re-formatted address).
pub fn node_ip(file: &[u8]) -> Result<&str, Error> {
    let line = file.split(|&b| b == b'\n').next().unwrap_or(b"");
    let text = core::str::from_utf8(line)
        .map_err(|_| Error::Invalid)?
        .trim_ascii();
    if text.is_empty() {
        return Err(Error::Empty);
    }
    match text.parse::<IpAddr>() {
        Ok(_) => Ok(text),
        Err(_) => Err(Error::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let cases: [(&[u8], &str); 9] = [
            (b"10.0.0.7", "10.0.0.7"),
            (b"10.0.0.7\n", "10.0.0.7"),
            (b" \t10.0.0.7 \r\n", "10.0.0.7"),
            (b"192.168.1.2\n10.0.0.1\n", "192.168.1.2"),
            (b"192.168.1.2\ngarbage\xff", "192.168.1.2"),
            (b"0.0.0.0", "0.0.0.0"),
            (b"fd00::7\n", "fd00::7"),
            (b"2001:DB8:0:0:0:0:0:1", "2001:DB8:0:0:0:0:0:1"),
            (b"::ffff:10.0.0.7", "::ffff:10.0.0.7"),
        ];
        for (file, ip) in cases {
            assert_eq!(node_ip(file), Ok(ip), "{file:?}");
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
        let cases: [&[u8]; 16] = [
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
        assert_eq!(node_ip(&file), Ok("10.0.0.7"));
        assert_eq!(node_ip(&[b' '; 100_000]), Err(Error::Empty));
    }
}
