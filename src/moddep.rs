//! `modules.dep`, to load the modules named by `kios.modules=` (SPEC §4).
//!
//! depmod writes one line per module under `/lib/modules/$(uname -r)`:
//!
//! ```text
//! kernel/drivers/nvme/target/nvmet-tcp.ko: kernel/drivers/nvme/target/nvmet.ko kernel/fs/configfs/configfs.ko
//! kernel/fs/overlayfs/overlay.ko:
//! ```
//!
//! the module's path (relative to that directory, or absolute), a colon,
//! then every module it needs, directly or not, separated by spaces. The
//! last one must be loaded first: modprobe loads them in reverse order
//! ([`Line::load_order`]). `modules.builtin` is the same without the colon
//! and the dependencies: a path per line, which [`parse_line`] reads too.
//!
//! A module's name is its file name up to the first `.` (`overlay.ko`,
//! `nvme-tcp.ko.xz`), and the kernel takes `-` and `_` in a name as the
//! same character ([`same_name`]).
//!
//! # References
//! [modules.dep(5)](https://man7.org/linux/man-pages/man5/modules.dep.5.html),
//! [modprobe(8)](https://man7.org/linux/man-pages/man8/modprobe.8.html).

/// The names of a `kios.modules` list: comma-separated, empty items skipped.
pub fn names(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    list.split(|&b| b == b',').filter(|name| !name.is_empty())
}

/// One module of `modules.dep` (or `modules.builtin`): its path and what it needs.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Line<'a> {
    /// The module file, as written: relative to `/lib/modules/RELEASE`, or absolute.
    pub path: &'a [u8],
    /// The text after the colon: the dependencies, first needed last.
    deps: &'a [u8],
}

impl<'a> Line<'a> {
    /// The dependencies in the order to load them: the last listed first.
    pub fn load_order(&self) -> impl Iterator<Item = &'a [u8]> {
        self.deps.split(u8::is_ascii_whitespace).filter(|dep| !dep.is_empty()).rev()
    }

    /// Whether this is the line of module `name` (`-` and `_` alike).
    pub fn is(&self, name: &[u8]) -> bool {
        same_name(module_name(self.path), name)
    }
}

/// A line of `modules.dep` (`path: dep dep ...`), or of `modules.builtin`
/// (a path alone: a line without a colon has no dependencies). Whitespace
/// around the path and the line's ends (a CRLF's `\r`) is ignored; a line
/// with no path is `None`.
pub fn parse_line(line: &[u8]) -> Option<Line<'_>> {
    let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    let (path, deps) = line.split_at_checked(colon)?;
    let path = path.trim_ascii();
    let deps = deps.get(1..).unwrap_or_default(); // after the colon
    (!path.is_empty()).then_some(Line { path, deps })
}

/// The module name of a path: its file name up to the first `.`
/// (`kernel/fs/overlayfs/overlay.ko` and `/x/overlay.ko.zst` → `overlay`).
pub fn module_name(path: &[u8]) -> &[u8] {
    let file = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    file.split(|&b| b == b'.').next().unwrap_or_default()
}

/// Whether two module names are the same to the kernel, which reads `-` as `_`
/// (`nvme-fabrics` is `nvme_fabrics`).
pub fn same_name(a: &[u8], b: &[u8]) -> bool {
    let kernel = |c: &u8| if *c == b'-' { b'_' } else { *c };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| kernel(x) == kernel(y))
}

/// Whether a module file is compressed (`.ko.xz`, `.ko.zst`, `.ko.gz`):
/// `finit_module` then needs `MODULE_INIT_COMPRESSED_FILE` (Linux 6.4+).
pub fn is_compressed(path: &[u8]) -> bool {
    path.ends_with(b".ko.xz") || path.ends_with(b".ko.zst") || path.ends_with(b".ko.gz")
}

/// Streams a file through `buf` and returns the first line of module
/// `name` (see [`Line::is`]); `read` fills the slice it is given, like
/// read(2), and returns 0 at the end of the file. Lines are split at `\n`;
/// a line of `buf.len()` bytes or more cannot be held and is skipped.
pub fn find_line<'b, E>(
    buf: &'b mut [u8],
    mut read: impl FnMut(&mut [u8]) -> Result<usize, E>,
    name: &[u8],
) -> Result<Option<Line<'b>>, E> {
    let mut held = 0usize; // the start of an unfinished line, moved to buf's start
    let mut skipping = false; // in the rest of a line too long to hold
    let (start, end) = 'file: loop {
        let n = read(buf.get_mut(held..).unwrap_or_default())?;
        let at_end = n == 0;
        let filled = held.saturating_add(n).min(buf.len());
        let mut start = 0usize;
        loop {
            let rest = buf.get(start..filled).unwrap_or_default();
            let len = match rest.iter().position(|&b| b == b'\n') {
                Some(len) => len,
                None if at_end && !rest.is_empty() => rest.len(),
                None => break,
            };
            let end = start.saturating_add(len);
            if !skipping && buf.get(start..end).and_then(parse_line).is_some_and(|line| line.is(name)) {
                break 'file (start, end);
            }
            skipping = false;
            start = end.saturating_add(1);
        }
        if at_end {
            return Ok(None);
        }
        if start == 0 && filled == buf.len() {
            skipping = true; // a full buffer and no line end: drop the line
            held = 0;
        } else {
            buf.copy_within(start.min(filled)..filled, 0);
            held = filled.saturating_sub(start);
        }
    };
    Ok(buf.get(start..end).and_then(parse_line))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // a failing test may panic
mod tests {
    use super::*;

    /// Lines of Debian 12's `modules.dep` (linux-image-6.1.0-56-cloud-amd64).
    const DEBIAN: &[u8] = b"\
kernel/arch/x86/events/amd/power.ko:
kernel/fs/configfs/configfs.ko:
kernel/fs/overlayfs/overlay.ko:
kernel/drivers/nvme/host/nvme-fabrics.ko:
kernel/drivers/nvme/host/nvme-tcp.ko: kernel/drivers/nvme/host/nvme-fabrics.ko
kernel/drivers/nvme/target/nvmet.ko: kernel/fs/configfs/configfs.ko
kernel/drivers/nvme/target/nvmet-tcp.ko: kernel/drivers/nvme/target/nvmet.ko kernel/fs/configfs/configfs.ko
kernel/drivers/target/target_core_user.ko: kernel/drivers/uio/uio.ko kernel/drivers/target/target_core_mod.ko kernel/drivers/scsi/scsi_common.ko kernel/fs/configfs/configfs.ko
";

    fn order(line: &[u8]) -> Vec<&[u8]> {
        parse_line(line).unwrap().load_order().collect()
    }

    /// `find_line` over `file`, read `chunk` bytes at a time into a `size`-byte buffer.
    fn find<'b>(file: &[u8], buf: &'b mut [u8], chunk: usize, name: &str) -> Option<Line<'b>> {
        let mut rest = file;
        let mut read = |out: &mut [u8]| -> Result<usize, ()> {
            let n = chunk.min(out.len()).min(rest.len());
            out[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            Ok(n)
        };
        find_line(buf, &mut read, name.as_bytes()).unwrap()
    }

    #[test]
    fn names_split_at_commas() {
        fn all(list: &[u8]) -> Vec<&[u8]> {
            names(list).collect()
        }
        assert_eq!(all(b"overlay,nvmet"), [&b"overlay"[..], b"nvmet"]);
        assert_eq!(all(b",overlay,,nvme-tcp,"), [&b"overlay"[..], b"nvme-tcp"]);
        assert_eq!(all(b"overlay"), [&b"overlay"[..]]);
        assert!(all(b"").is_empty());
        assert!(all(b",,").is_empty());
    }

    #[test]
    fn debian_lines() {
        let line = parse_line(b"kernel/fs/overlayfs/overlay.ko:").unwrap();
        assert_eq!(line.path, b"kernel/fs/overlayfs/overlay.ko");
        assert_eq!(line.load_order().count(), 0);
        assert!(line.is(b"overlay"));
        assert!(!line.is(b"overlayfs"));

        let line = b"kernel/drivers/target/target_core_user.ko: kernel/drivers/uio/uio.ko \
kernel/drivers/target/target_core_mod.ko kernel/drivers/scsi/scsi_common.ko kernel/fs/configfs/configfs.ko";
        assert_eq!(parse_line(line).unwrap().path, b"kernel/drivers/target/target_core_user.ko");
        assert_eq!(
            order(line),
            [
                &b"kernel/fs/configfs/configfs.ko"[..],
                b"kernel/drivers/scsi/scsi_common.ko",
                b"kernel/drivers/target/target_core_mod.ko",
                b"kernel/drivers/uio/uio.ko",
            ]
        );
        assert!(parse_line(line).unwrap().is(b"target-core-user"));
    }

    #[test]
    fn absolute_paths_spaces_and_crlf() {
        let line = parse_line(b"/lib/modules/6.1.0/extra/a.ko:  /lib/b.ko\t/lib/c.ko  \r").unwrap();
        assert_eq!(line.path, b"/lib/modules/6.1.0/extra/a.ko");
        assert_eq!(line.load_order().collect::<Vec<_>>(), [&b"/lib/c.ko"[..], b"/lib/b.ko"]);
        assert_eq!(order(b"a.ko: b.ko   \r\n"), [&b"b.ko"[..]]);
        assert_eq!(parse_line(b"  a.ko :b.ko").unwrap().path, b"a.ko");
    }

    #[test]
    fn lines_without_a_colon_or_a_path() {
        // modules.builtin: a path alone.
        let line = parse_line(b"kernel/fs/ext4/ext4.ko\r").unwrap();
        assert_eq!(line.path, b"kernel/fs/ext4/ext4.ko");
        assert_eq!(line.load_order().count(), 0);
        assert!(line.is(b"ext4"));
        for empty in [&b""[..], b"   ", b"\r", b": a.ko", b" : "] {
            assert_eq!(parse_line(empty), None, "{empty:?}");
        }
        // A second colon belongs to the dependencies (never written by depmod).
        assert_eq!(order(b"a.ko: b.ko:c.ko"), [&b"b.ko:c.ko"[..]]);
    }

    #[test]
    fn module_names() {
        assert_eq!(module_name(b"kernel/fs/overlayfs/overlay.ko"), b"overlay");
        assert_eq!(module_name(b"kernel/drivers/nvme/host/nvme-tcp.ko.xz"), b"nvme-tcp");
        assert_eq!(module_name(b"/abs/x.ko.zst"), b"x");
        assert_eq!(module_name(b"x.ko.gz"), b"x");
        assert_eq!(module_name(b"dir/"), b"");
        assert_eq!(module_name(b""), b"");
        assert!(same_name(b"nvme-fabrics", b"nvme_fabrics"));
        assert!(same_name(b"nvme_fabrics", b"nvme-fabrics"));
        assert!(!same_name(b"nvme-fabric", b"nvme_fabrics"));
        assert!(!same_name(b"nvmet", b"nvme"));
        assert!(same_name(b"", b""));
    }

    #[test]
    fn compressed() {
        assert!(is_compressed(b"kernel/a.ko.xz"));
        assert!(is_compressed(b"kernel/a.ko.zst"));
        assert!(is_compressed(b"kernel/a.ko.gz"));
        assert!(!is_compressed(b"kernel/a.ko"));
        assert!(!is_compressed(b"kernel/a.xz"));
    }

    #[test]
    fn find_line_in_any_chunks() {
        for size in [100, 128, 200, 4096] {
            for chunk in [1, 3, 7, 64, 4096] {
                let mut buf = vec![0u8; size];
                let found = find(DEBIAN, &mut buf, chunk, "nvme_tcp").unwrap();
                assert_eq!(found.path, b"kernel/drivers/nvme/host/nvme-tcp.ko", "{size} {chunk}");
                assert_eq!(found.load_order().collect::<Vec<_>>(), [&b"kernel/drivers/nvme/host/nvme-fabrics.ko"[..]]);
                let mut buf = vec![0u8; size];
                assert!(find(DEBIAN, &mut buf, chunk, "nvme").is_none());
                let mut buf = vec![0u8; size];
                assert!(find(DEBIAN, &mut buf, chunk, "power").is_some(), "first line, {size} {chunk}");
            }
        }
    }

    #[test]
    fn find_line_skips_lines_too_long() {
        // target_core_user's line is 183 bytes: not held by 128 bytes, held by 200.
        let mut buf = [0u8; 128];
        assert_eq!(find(DEBIAN, &mut buf, 50, "target_core_user"), None);
        let mut buf = [0u8; 128];
        assert!(find(DEBIAN, &mut buf, 50, "nvmet_tcp").is_some());
        let mut buf = [0u8; 200];
        let line = find(DEBIAN, &mut buf, 50, "target_core_user").unwrap();
        assert_eq!(line.load_order().count(), 4);
        // The rest of a dropped line is not taken for a line of its own.
        let file = b"a.ko: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/b.ko\nc.ko:\n";
        let mut buf = [0u8; 16];
        assert_eq!(find(file, &mut buf, 16, "b"), None);
        assert_eq!(find(file, &mut buf, 16, "c").unwrap().path, b"c.ko");
    }

    #[test]
    fn find_line_edges() {
        let mut buf = [0u8; 64];
        assert_eq!(find(b"", &mut buf, 10, "a"), None);
        assert_eq!(find(b"\n\n", &mut buf, 10, "a"), None);
        // The last line without a newline, and a CRLF file.
        assert_eq!(find(b"b.ko:\na.ko: c.ko", &mut buf, 4, "a").unwrap().path, b"a.ko");
        let line = find(b"b.ko:\r\na.ko: c.ko\r\n", &mut buf, 4, "a").unwrap();
        assert_eq!(line.load_order().collect::<Vec<_>>(), [&b"c.ko"[..]]);
        // A line of exactly buf.len() - 1 bytes plus its newline fits.
        let mut buf = [0u8; 6];
        assert_eq!(find(b"xx.ko\na.ko\n", &mut buf, 100, "xx").unwrap().path, b"xx.ko");
        assert_eq!(find(b"xxx.ko\na.ko\n", &mut buf, 100, "xxx"), None);
        assert_eq!(find(b"xxx.ko\na.ko", &mut buf, 100, "a").unwrap().path, b"a.ko");
        let mut empty: [u8; 0] = [];
        assert_eq!(find(b"a.ko", &mut empty, 1, "a"), None);
    }

    /// Every module of the real Debian file (`scripts/fetch-kernel` caches
    /// it), found through the loader's 4 KiB buffer, with its dependencies.
    #[test]
    fn find_every_module_of_debian() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.cache/kernel/amd64/modules/modules.dep");
        let Ok(file) = std::fs::read(path) else {
            eprintln!("skipped: no {path} (run scripts/fetch-kernel)");
            return;
        };
        let mut lines = 0;
        for text in file.split(|&b| b == b'\n') {
            let Some(line) = parse_line(text) else { continue };
            let name = core::str::from_utf8(module_name(line.path)).unwrap().replace('-', "_");
            let mut buf = [0u8; 4096];
            assert_eq!(find(&file, &mut buf, 4096, &name), Some(line), "{name}");
            assert!(line.load_order().all(|dep| dep.ends_with(b".ko") && !dep.starts_with(b"/")));
            lines += 1;
        }
        assert!(lines > 1000, "{lines} modules");
    }

    #[test]
    fn find_line_passes_read_errors() {
        let mut buf = [0u8; 64];
        let mut read = |_: &mut [u8]| -> Result<usize, i32> { Err(5) };
        assert_eq!(find_line(&mut buf, &mut read, b"a"), Err(5));
    }
}
