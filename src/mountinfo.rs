//! `/proc/self/mountinfo`, for the final unmount.
//!
//! One mount per line, fields separated by single spaces (proc(5)):
//!
//! ```text
//! 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//! (1)(2) (3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
//! ```
//!
//! mount ID, parent ID, major:minor, root, mount point, mount options,
//! zero or more optional fields, a `-` separator, filesystem type, source,
//! superblock options. Space, tab, newline and backslash in paths are
//! written as octal escapes (`\040`, `\011`, `\012`, `\134`). Parents come
//! before their children, so unmounting in reverse file order is children
//! first.

/// Every well-formed line (see [`parse_line`]), in file order; `.rev()`
/// gives children before their parents, the unmount's order.
pub fn mounts(mountinfo: &[u8]) -> impl DoubleEndedIterator<Item = Mount<'_>> + '_ {
    mountinfo.split(|&b| b == b'\n').filter_map(parse_line)
}

/// Mount points (field 5) of every well-formed line, in file order, still escaped as the kernel writes them.
pub fn mount_points(mountinfo: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
    mounts(mountinfo).map(|m| m.point)
}

/// Undoes the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash) into `out`;
/// Err(()) if it does not fit. Returns the unescaped length.
///
/// Any `\` followed by three octal digits up to `\377` is decoded; any other
/// `\` is kept as it is.
#[allow(clippy::result_unit_err)] // the only failure is "does not fit"
pub fn unescape(escaped: &[u8], out: &mut [u8]) -> Result<usize, ()> {
    let mut len = 0usize;
    let mut rest = escaped;
    while let Some((&first, tail)) = rest.split_first() {
        let (byte, tail) = match tail {
            [a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', more @ ..] if first == b'\\' => {
                ((a & 7) << 6 | (b & 7) << 3 | (c & 7), more)
            }
            _ => (first, tail),
        };
        *out.get_mut(len).ok_or(())? = byte;
        len = len.checked_add(1).ok_or(())?;
        rest = tail;
    }
    Ok(len)
}

/// Filesystem type (the field after the ` - ` separator) of a line; used by tests to check the mount table.
pub fn fs_type(line: &[u8]) -> Option<&[u8]> {
    parse_line(line).map(|m| m.fs_type)
}

/// The fields of a line that we use, still escaped.
pub struct Mount<'a> {
    /// Field 5, absolute.
    pub point: &'a [u8],
    /// After the ` - ` separator, not empty.
    pub fs_type: &'a [u8],
    /// After the type (e.g. `/dev/sda2`), if the line goes on.
    pub source: Option<&'a [u8]>,
}

/// A well-formed line (no `\n`): six fields (the fifth, the mount point,
/// absolute), then optional fields, `-`, a non-empty type, the source (and
/// superblock options). The unmount reads both the mount point and the
/// source from it.
pub fn parse_line(line: &[u8]) -> Option<Mount<'_>> {
    let mut fields = Fields { rest: Some(line) };
    let point = fields.nth(4)?;
    fields.next()?; // mount options
    fields.position(|field| field == b"-")?;
    let fs_type = fields.next()?;
    let source = fields.next();
    // A slice pattern, not `starts_with` (out of line, for one byte).
    (matches!(point, [b'/', ..]) && !fs_type.is_empty()).then_some(Mount {
        point,
        fs_type,
        source,
    })
}

/// The space-separated fields of a line, as `split(' ')` gives them.
struct Fields<'a> {
    /// What is left to split; `None` once the last field is out.
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        let Some(at) = rest.iter().position(|&b| b == b' ') else {
            self.rest = None;
            return Some(rest);
        };
        self.rest = rest.get(at.checked_add(1)?..);
        rest.get(..at)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // a failing test may panic
mod tests {
    use super::*;

    #[test]
    fn fields_split_as_core_does() {
        for line in [&b""[..], b" ", b"a", b"a b", b"a  b ", b" a b  ", b"36 35 98:0 / /x rw - ext4 /dev/a rw"] {
            let ours: Vec<&[u8]> = Fields { rest: Some(line) }.collect();
            let core: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            assert_eq!(ours, core, "{:?}", String::from_utf8_lossy(line));
        }
    }

    const TABLE: &[u8] = b"\
22 1 0:21 / / rw,relatime shared:1 - rootfs rootfs rw,size=1024k
23 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw
24 22 0:5 / /dev rw,nosuid,relatime shared:3 master:9 - devtmpfs devtmpfs rw,size=4k,mode=755
25 24 0:23 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=000
40 22 8:2 /meta/etc /etc rw - overlay overlay rw,lowerdir=/etc,upperdir=/x/meta/etc,workdir=/x/meta/work
41 22 0:30 / /mnt/with\\040space\\011tab rw - tmpfs  rw
42 22 0:31 net:[4026531840] /run/netns/a rw shared:5 - nsfs nsfs rw
";

    fn points(table: &[u8]) -> Vec<&str> {
        mount_points(table)
            .map(|p| core::str::from_utf8(p).unwrap())
            .collect()
    }

    #[test]
    fn mount_points_in_order_and_reversed() {
        let all = [
            "/",
            "/proc",
            "/dev",
            "/dev/pts",
            "/etc",
            "/mnt/with\\040space\\011tab",
            "/run/netns/a",
        ];
        assert_eq!(points(TABLE), all);
        let reversed: Vec<&[u8]> = mount_points(TABLE).rev().collect();
        assert_eq!(reversed.len(), 7);
        assert_eq!(reversed.first(), Some(&&b"/run/netns/a"[..]));
        assert_eq!(reversed.last(), Some(&&b"/"[..]));
    }

    #[test]
    fn malformed_lines_skipped() {
        let table = b"\n\
            garbage\n\
            1 2 3 4 /five\n\
            1 2 3 4 /five opts\n\
            1 2 3 4 /five opts shared:1\n\
            1 2 3 4 /five opts -\n\
            1 2 3 4 /five opts - \n\
            1 2 3 4 relative opts - ext4 src rw\n\
            1 2 3 4  opts - ext4 src rw\n\
            1 2 3 - /root-is-dash opts - ext4 src rw\n\
            1 2 3 4 /ok opts - ext4\n\
            1 2 3 4 /ok2 - - ext4 src rw\n\
            \r\n\x00\xff";
        assert_eq!(points(table), ["/root-is-dash", "/ok", "/ok2"]);
        assert_eq!(points(b""), Vec::<&str>::new());
    }

    #[test]
    fn filesystem_types() {
        let types: Vec<&[u8]> = TABLE.split(|&b| b == b'\n').filter_map(fs_type).collect();
        let expected: [&[u8]; 7] = [
            b"rootfs",
            b"proc",
            b"devtmpfs",
            b"devpts",
            b"overlay",
            b"tmpfs",
            b"nsfs",
        ];
        assert_eq!(types, expected);
        assert_eq!(
            fs_type(b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"),
            Some(&b"ext3"[..])
        );
        assert_eq!(
            fs_type(b"1 2 3 4 /a o a:1 b:2 c:3 - fuse.sshfs x rw"),
            Some(&b"fuse.sshfs"[..])
        );
        for bad in [
            &b""[..],
            b"- ext4",
            b"1 2 3 4 /a o -",
            b"1 2 3 4 /a o ext4",
            b"1 2 3 4 /a - ext4",
        ] {
            assert_eq!(fs_type(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sources() {
        let sources: Vec<&[u8]> = TABLE.split(|&b| b == b'\n').filter_map(|line| parse_line(line)?.source).collect();
        let expected: [&[u8]; 7] = [
            b"rootfs",
            b"proc",
            b"devtmpfs",
            b"devpts",
            b"overlay",
            b"",
            b"nsfs",
        ];
        assert_eq!(sources, expected);
        let line = b"40 22 8:2 / /var/log rw shared:7 - ext4 /dev/sda2 rw";
                let mount = parse_line(line).unwrap();
        assert_eq!((mount.point, mount.fs_type, mount.source), (&b"/var/log"[..], &b"ext4"[..], Some(&b"/dev/sda2"[..])));
        for no_source in [
            &b"1 2 3 4 /ok opts - ext4"[..],
            b"1 2 3 4 relative o - ext4 /dev/x rw",
            b"",
        ] {
            assert_eq!(parse_line(no_source).and_then(|m| m.source), None, "{no_source:?}");
        }
    }

    fn unescaped(escaped: &[u8]) -> Vec<u8> {
        let mut out = [0u8; 64];
        let len = unescape(escaped, &mut out).unwrap();
        out[..len].to_vec()
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescaped(b""), b"");
        assert_eq!(unescaped(b"/plain/path"), b"/plain/path");
        assert_eq!(unescaped(b"/a\\040b\\011c\\012d\\134e"), b"/a b\tc\nd\\e");
        assert_eq!(unescaped(b"\\134040"), b"\\040");
        assert_eq!(unescaped(b"\\000\\377\\101"), b"\x00\xffA");
        // Not an escape: kept as is.
        for kept in [
            &b"\\"[..],
            b"\\04",
            b"\\400",
            b"\\777",
            b"\\08a",
            b"\\x20",
            b"a\\",
            b"\\\\040",
        ] {
            let expected = if kept == b"\\\\040" {
                &b"\\ "[..]
            } else {
                kept
            };
            assert_eq!(unescaped(kept), expected, "{kept:?}");
        }
    }

    #[test]
    fn unescape_capacity() {
        let mut out = [0u8; 3];
        assert_eq!(unescape(b"a\\040b", &mut out), Ok(3));
        assert_eq!(&out, b"a b");
        assert_eq!(unescape(b"a\\040bc", &mut out), Err(()));
        assert_eq!(unescape(b"abcd", &mut out), Err(()));
        assert_eq!(unescape(b"", &mut []), Ok(0));
        assert_eq!(unescape(b"a", &mut []), Err(()));
        let long = b"\\040".repeat(100_000);
        let mut big = vec![0u8; 100_000];
        assert_eq!(unescape(&long, &mut big), Ok(100_000));
        assert!(big.iter().all(|&b| b == b' '));
        assert_eq!(unescape(&long, &mut big[1..]), Err(()));
    }

    #[test]
    fn overlong_table() {
        let mut table = b"1 0 0:1 / / rw - rootfs rootfs rw\n".repeat(50_000);
        table.extend_from_slice(&[b'x'; 100_000]);
        assert_eq!(mount_points(&table).count(), 50_000);
        let long_point = [b"1 0 0:1 / /", &[b'p'; 100_000][..], b" rw - tmpfs t rw"].concat();
        assert_eq!(
            mount_points(&long_point).next().map(<[u8]>::len),
            Some(100_001)
        );
    }
}
