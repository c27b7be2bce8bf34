//! `/etc/hostname` → the name given to `sethostname`.

/// Longest host name the kernel accepts (`__NEW_UTS_LEN`).
pub const MAX_LEN: usize = 64;

/// The first line with surrounding whitespace removed (the C init kept the
/// newline); `None` if it is empty, too long, or holds control characters.
pub fn hostname(file: &[u8]) -> Option<&[u8]> {
    // The node-ip file's first-line split (one copy in the binary).
    let line = crate::nodeip::first_line(file).trim_ascii();
    let printable = line.iter().all(|b| (0x21..0x7f).contains(b));
    (!line.is_empty() && line.len() <= MAX_LEN && printable).then_some(line)
}

#[cfg(test)]
mod tests {
    use super::hostname;

    #[test]
    fn first_line_trimmed() {
        assert_eq!(hostname(b"node-1\n"), Some(&b"node-1"[..]));
        assert_eq!(hostname(b"  node-1 \r\nother\n"), Some(&b"node-1"[..]));
        assert_eq!(hostname(b"node-1"), Some(&b"node-1"[..]));
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(hostname(b""), None);
        assert_eq!(hostname(b"\n\nx"), None);
        assert_eq!(hostname(&[b'a'; 65]), None);
        assert!(hostname(&[b'a'; 64]).is_some());
        assert_eq!(hostname(b"a\x07b"), None);
        assert_eq!(hostname(b"a b"), None);
    }
}
