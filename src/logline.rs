//! Console lines as the init writes them, built in a fixed buffer: a
//! prefix, then a format's text with each `{}` replaced by the next
//! [`Piece`], cut at [`LINE`] bytes with the newline. Only printable ASCII
//! reaches the line: any other byte shows as `?`, so nothing a file or
//! the command line holds can forge or corrupt a console line.

use core::ffi::CStr;

/// One part of a console line.
#[derive(Clone, Copy)]
pub enum Piece<'a> {
    /// Text: anything but printable ASCII is shown as `?`, so no control
    /// character from files or the command line reaches the console (the
    /// init's own text, all printable, shows as it is).
    Bytes(&'a [u8]),
    /// A number; an errno `N` is carried as `ERRNO - N` and shown as `errno N`.
    Num(i64),
}

/// Where errnos are among [`Piece::Num`]'s values: `N` as `i64::MIN - N`
/// wrapped, i.e. just below `i64::MAX + 1`, far from any number the init
/// shows (counts, ids, milliseconds, exit codes).
const ERRNO: i64 = i64::MIN;
/// The numbers shown as an errno: `ERRNO - N` for an errno N below
/// 0x10000 (Linux's are below 4096).
const ERRNO_RANGE: i64 = i64::MAX - 0xffff;

impl<'a> From<&'a str> for Piece<'a> {
    fn from(s: &'a str) -> Self {
        Piece::Bytes(s.as_bytes())
    }
}
impl<'a> From<&'a CStr> for Piece<'a> {
    fn from(s: &'a CStr) -> Self {
        Piece::Bytes(s.to_bytes())
    }
}
impl From<rustix::io::Errno> for Piece<'_> {
    fn from(e: rustix::io::Errno) -> Self {
        Piece::Num(ERRNO.wrapping_sub(i64::from(e.raw_os_error())))
    }
}
macro_rules! piece_from_int {
    ($($t:ty),*) => { $(impl From<$t> for Piece<'_> { fn from(n: $t) -> Self { Piece::Num(n as i64) } })* };
}
piece_from_int!(i32, u32, usize, u64, i64);

/// Bytes shown safely (see [`Piece::Bytes`]).
pub fn bytes(b: &[u8]) -> Piece<'_> {
    Piece::Bytes(b)
}

/// A console line being built: at most `LINE - 1` bytes of text, the
/// rest cut, then the newline.
pub struct Line {
    bytes: [u8; LINE],
    len: usize,
}

/// Capacity of a line, newline included.
pub const LINE: usize = 240;

impl Default for Line {
    fn default() -> Self {
        Line { bytes: [0; LINE], len: 0 }
    }
}

impl Line {
    /// Appends `text` as far as there is room (keeping one byte for the
    /// newline), anything but printable ASCII shown as `?` (see
    /// [`Piece::Bytes`]; the init's own text, all printable, goes through
    /// here as it is, so there is one loop for all text).
    #[inline(never)]
    pub fn extend(&mut self, text: &[u8]) {
        for &c in text {
            if self.len < LINE - 1 {
                if let Some(slot) = self.bytes.get_mut(self.len) {
                    *slot = if (0x20..0x7f).contains(&c) { c } else { b'?' };
                    self.len = self.len.wrapping_add(1);
                }
            }
        }
    }

    /// Appends `n` in decimal, most significant digit first (a recursion
    /// at most 20 deep).
    fn push_decimal(&mut self, n: u64) {
        if n >= 10 {
            self.push_decimal(n / 10);
        }
        self.extend(&[b'0' | (n % 10) as u8]);
    }

    /// Appends one piece as text.
    fn push_piece(&mut self, piece: &Piece) {
        match *piece {
            Piece::Bytes(b) => self.extend(b),
            Piece::Num(n) => {
                // What goes before the digits, and the number they show.
                let (sign, n) = if n > ERRNO_RANGE {
                    // The encoding undone (it wraps by design).
                    (&b"errno "[..], ERRNO.wrapping_sub(n))
                } else if n < 0 {
                    (&b"-"[..], n)
                } else {
                    (&b""[..], n)
                };
                self.extend(sign);
                self.push_decimal(n.unsigned_abs());
            }
        }
    }

    /// Appends `format`'s text, each `{}` replaced by the next of
    /// `pieces` (a `{}` without a piece by nothing; pieces beyond the
    /// `{}`s are not read). Every `{` opens a `{}`: the init's formats are
    /// checked so when compiling (`crate::logfmt`).
    pub fn push_format(&mut self, format: &[u8], pieces: &[Piece]) {
        let mut pieces = pieces.iter();
        let mut text = format.iter();
        while let Some(c) = text.next() {
            if *c == b'{' {
                text.next();
                if let Some(piece) = pieces.next() {
                    self.push_piece(piece);
                }
            } else {
                self.extend(core::slice::from_ref(c));
            }
        }
    }

    /// The line, its newline appended.
    pub fn finish(&mut self) -> &[u8] {
        let end = self.len.min(LINE - 1);
        if let Some(slot) = self.bytes.get_mut(end) {
            *slot = b'\n';
        }
        self.bytes.get(..=end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(format: &str, pieces: &[Piece]) -> String {
        let mut line = Line::default();
        line.extend(b"kios: ");
        line.push_format(format.as_bytes(), pieces);
        String::from_utf8(line.finish().to_vec()).unwrap()
    }

    #[test]
    fn pieces_fill_the_placeholders() {
        assert_eq!(line("milestone {}", &["init-start".into()]), "kios: milestone init-start\n");
        assert_eq!(line("{} exited {}{}", &["kubelet".into(), "status ".into(), 3i32.into()]), "kios: kubelet exited status 3\n");
        assert_eq!(line("a {} b", &[]), "kios: a  b\n", "a {{}} without a piece");
        assert_eq!(line("{}", &[1u32.into(), 2u32.into()]), "kios: 1\n", "a piece beyond the {{}}s");
    }

    #[test]
    fn numbers_and_errnos() {
        assert_eq!(line("{} {} {}", &[0u64.into(), (-42i64).into(), 1234u64.into()]), "kios: 0 -42 1234\n");
        assert_eq!(line("{}", &[i64::MIN.into()]), "kios: -9223372036854775808\n");
        assert_eq!(line("{}", &[rustix::io::Errno::NOENT.into()]), "kios: errno 2\n");
        assert_eq!(line("{}", &[rustix::io::Errno::from_raw_os_error(4095).into()]), "kios: errno 4095\n");
    }

    #[test]
    fn only_printable_ascii_reaches_the_line() {
        assert_eq!(line("{}", &[bytes(b"a\nb\x1b[2Jc\xff")]), "kios: a?b?[2Jc?\n");
        assert_eq!(line("{}", &[c"/run/x".into()]), "kios: /run/x\n");
    }

    #[test]
    fn long_lines_are_cut_before_the_newline() {
        let long = "x".repeat(500);
        let out = line("{}", &[long.as_str().into()]);
        assert_eq!(out.len(), LINE);
        assert!(out.starts_with("kios: xxx") && out.ends_with("x\n"));
    }
}

