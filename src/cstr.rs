//! NUL-terminated strings in byte buffers: the paths and argument lists
//! the init passes to the kernel, kept as `&[u8]` lists of NUL-terminated
//! strings (`b"/proc\0/sys\0"`) or built in fixed buffers.

use core::ffi::CStr;

/// `bytes` as a C string if it ends with its only NUL.
pub fn c_str(bytes: &[u8]) -> Option<&CStr> {
    CStr::from_bytes_with_nul(bytes).ok()
}

/// The first NUL-terminated string of `list`, which is moved past it;
/// `None` when `list` is empty or has no NUL left.
pub fn next<'a>(list: &mut &'a [u8]) -> Option<&'a CStr> {
    let end = list.iter().position(|&b| b == 0)?;
    let (first, rest) = list.split_at_checked(end.checked_add(1)?)?;
    *list = rest;
    c_str(first)
}

/// `parts` concatenated and NUL-terminated in `out` (a path built from a
/// directory and a name); `None` if it does not fit or a part holds a NUL.
pub fn join<'b>(out: &'b mut [u8], parts: &[&[u8]]) -> Option<&'b CStr> {
    let mut len = 0usize;
    for &byte in parts.iter().copied().flatten() {
        *out.get_mut(len)? = byte;
        len = len.checked_add(1)?;
    }
    *out.get_mut(len)? = 0;
    c_str(out.get(..=len)?)
}

/// Argument `index` (0 is the first) of the NUL-terminated arguments
/// `args`, when compiling: the same bytes, not a second copy of the
/// string. Empty if there is no such argument (the callers assert their
/// results are the paths they expect).
pub const fn arg(args: &'static [u8], mut index: usize) -> &'static CStr {
    let mut rest = args;
    while index > 0 {
        let [first, tail @ ..] = rest else { break };
        rest = tail;
        if *first == 0 {
            index = index.saturating_sub(1);
        }
    }
    match CStr::from_bytes_until_nul(rest) {
        Ok(arg) => arg,
        Err(_) => c"",
    }
}

/// What follows the last `/` of `path` (all of it without a `/`).
pub const fn file_name(path: &'static CStr) -> &'static [u8] {
    let mut name = path.to_bytes();
    let mut rest = name;
    while let [first, tail @ ..] = rest {
        rest = tail;
        if *first == b'/' {
            name = tail;
        }
    }
    name
}

/// The length of the longest string of the NUL-terminated list `list`
/// (NUL not counted), when compiling: the room a buffer needs for any of
/// them is this plus one.
pub const fn longest(list: &[u8]) -> usize {
    let (mut longest, mut len) = (0usize, 0usize);
    let mut rest = list;
    while let [first, tail @ ..] = rest {
        if *first == 0 {
            if len > longest {
                longest = len;
            }
            len = 0;
        } else {
            len = len.saturating_add(1);
        }
        rest = tail;
    }
    longest
}

/// The directories `mkdir -p` makes for `path`, outermost first: each
/// prefix that ends before a `/`, then `path` itself (`/var/lib/x` →
/// `/var`, `/var/lib`, `/var/lib/x`). The root, and the empty prefix of a
/// path that starts with `/`, are left out.
pub fn ancestors(path: &[u8]) -> Ancestors<'_> {
    Ancestors { path, at: 1 }
}

/// The iterator of [`ancestors`].
pub struct Ancestors<'a> {
    path: &'a [u8],
    /// Where the search for the next `/` starts; past the end when done.
    at: usize,
}

impl<'a> Iterator for Ancestors<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let rest = self.path.get(self.at..)?;
            let end = rest.iter().position(|&b| b == b'/').map_or(self.path.len(), |n| self.at.saturating_add(n));
            self.at = end.saturating_add(1);
            let dir = self.path.get(..end)?;
            if dir != b"/" {
                return Some(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_str_wants_exactly_one_nul_at_the_end() {
        assert_eq!(c_str(b"/proc\0"), Some(c"/proc"));
        assert_eq!(c_str(b"\0"), Some(c""));
        assert_eq!(c_str(b"/proc"), None);
        assert_eq!(c_str(b"/pr\0oc\0"), None);
        assert_eq!(c_str(b""), None);
    }

    #[test]
    fn next_walks_a_list() {
        let mut list: &[u8] = b"/proc\0\0/sys\0tail";
        assert_eq!(next(&mut list), Some(c"/proc"));
        assert_eq!(next(&mut list), Some(c""));
        assert_eq!(next(&mut list), Some(c"/sys"));
        assert_eq!(next(&mut list), None, "no NUL after the last: not a string");
        assert_eq!(list, b"tail");
        let mut empty: &[u8] = b"";
        assert_eq!(next(&mut empty), None);
    }

    #[test]
    fn join_fits_or_refuses() {
        let mut out = [0xffu8; 12];
        assert_eq!(join(&mut out, &[b"/dev/", b"sda"]), Some(c"/dev/sda"));
        // 11 bytes and the NUL fill the buffer exactly; one more does not fit.
        assert_eq!(join(&mut out, &[b"/dev/", b"sda123"]), Some(c"/dev/sda123"));
        assert_eq!(join(&mut out, &[b"/dev/", b"sda1234"]), None);
        assert_eq!(join(&mut out, &[b"/dev/", b"s\0a"]), None, "a part holding a NUL");
        assert_eq!(join(&mut out, &[]), Some(c""));
        assert_eq!(join(&mut [], &[]), None);
    }

    #[test]
    fn longest_of_a_list() {
        const LONGEST: usize = longest(b"/var/log\0/var/lib/containers/storage\0/x\0");
        assert_eq!(LONGEST, 27);
        assert_eq!(longest(b""), 0);
        assert_eq!(longest(b"\0\0"), 0);
        assert_eq!(longest(b"abc"), 0, "a last string without its NUL is not counted");
    }

    #[test]
    fn ancestors_as_mkdir_p_makes_them() {
        let all = |path: &'static [u8]| ancestors(path).collect::<Vec<_>>();
        assert_eq!(all(b"/var/lib/containers/storage"), [&b"/var"[..], b"/var/lib", b"/var/lib/containers", b"/var/lib/containers/storage"]);
        assert_eq!(all(b"/var"), [&b"/var"[..]]);
        assert_eq!(all(b"/var/"), [&b"/var"[..], b"/var/"]);
        assert_eq!(all(b"relative/dir"), [&b"relative"[..], b"relative/dir"]);
        assert!(all(b"/").is_empty());
        assert_eq!(all(b"//x"), [&b"//x"[..]], "a doubled slash");
        assert!(all(b"").is_empty());
    }

    #[test]
    fn arg_and_file_name_read_a_list_when_compiling() {
        const ARGS: &[u8] = b"/bin/crio\0--listen\0/var/run/crio/crio.sock\0";
        const SOCKET: &CStr = arg(ARGS, 2);
        assert_eq!(SOCKET, c"/var/run/crio/crio.sock");
        assert_eq!(arg(ARGS, 0), c"/bin/crio");
        assert_eq!(arg(ARGS, 3), c"", "past the last argument");
        assert_eq!(arg(b"no-nul", 0), c"");
        const NAME: &[u8] = file_name(SOCKET);
        assert_eq!(NAME, b"crio.sock");
        assert_eq!(file_name(c"plain"), b"plain");
        assert_eq!(file_name(c"/dir/"), b"");
    }
}
