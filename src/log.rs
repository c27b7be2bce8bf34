//! Console messages: one `write` per line to `/dev/kmsg` (so the kernel
//! stamps each line), or to stderr with `kios.log=stderr` (namespace tests).
//!
//! Format, stable for harnesses: `kios: milestone <name>[ <detail>]`,
//! `kios: warning: <text>`, `kios: error: <text>`, `kios: <text>`.

use core::sync::atomic::{AtomicBool, Ordering};
use rustix::fd::{AsFd, BorrowedFd};
use ufmt::{uDisplay, uWrite, Formatter};

/// Whether lines go to stderr (false: the kmsg descriptor kept in `sys`).
static TO_STDERR: AtomicBool = AtomicBool::new(true);

/// Opens `/dev/kmsg` as the sink, unless `stderr` is asked for (or kmsg
/// cannot be opened: then stderr stays, which is the console too).
pub fn open(stderr: bool) {
    if stderr {
        TO_STDERR.store(true, Ordering::Relaxed);
        return;
    }
    use rustix::fs::{open, Mode, OFlags};
    match open("/dev/kmsg", OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOCTTY, Mode::empty()) {
        Ok(fd) => {
            crate::sys::set_log_fd(fd);
            TO_STDERR.store(false, Ordering::Relaxed);
        }
        Err(e) => crate::error!("cannot open /dev/kmsg: ", Errno(e), "; logging to the console"),
    }
}

fn sink() -> BorrowedFd<'static> {
    if TO_STDERR.load(Ordering::Relaxed) {
        crate::sys::stderr()
    } else {
        crate::sys::log_fd()
    }
}

/// One console line being built; longer text is cut, never overflowed.
pub struct Line(heapless::String<240>);

impl uWrite for Line {
    type Error = core::convert::Infallible;
    fn write_str(&mut self, s: &str) -> Result<(), Self::Error> {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Writes one line at kmsg `level` (3 error, 4 warning, 6 info); `body`
/// appends the text after the `kios: ` prefix.
pub fn emit(level: u8, body: impl FnOnce(&mut Line)) {
    let mut line = Line(heapless::String::new());
    let to_stderr = TO_STDERR.load(Ordering::Relaxed);
    if !to_stderr {
        let _ = line.0.push('<');
        let _ = line.0.push(char::from(b'0'.saturating_add(level)));
        let _ = line.0.push('>');
    }
    let _ = line.0.push_str("kios: ");
    match level {
        3 => { let _ = line.0.push_str("error: "); }
        4 => { let _ = line.0.push_str("warning: "); }
        _ => {}
    }
    body(&mut line);
    if line.0.len() == line.0.capacity() {
        line.0.pop();
    }
    let _ = line.0.push('\n');
    let _ = rustix::io::write(sink().as_fd(), line.0.as_bytes());
}

/// Logs an informational line made of `ufmt`-displayable pieces.
#[macro_export]
macro_rules! info {
    ($($piece:expr),+ $(,)?) => { $crate::log::emit(6, |l| { $( let _ = ufmt::uwrite!(l, "{}", $piece); )+ }) };
}

/// Logs a `warning:` line.
#[macro_export]
macro_rules! warn {
    ($($piece:expr),+ $(,)?) => { $crate::log::emit(4, |l| { $( let _ = ufmt::uwrite!(l, "{}", $piece); )+ }) };
}

/// Logs an `error:` line.
#[macro_export]
macro_rules! error {
    ($($piece:expr),+ $(,)?) => { $crate::log::emit(3, |l| { $( let _ = ufmt::uwrite!(l, "{}", $piece); )+ }) };
}

/// A boot or shutdown milestone; its name is part of the console contract.
pub fn milestone(name: &str) {
    info!("milestone ", name);
}

/// Byte strings from files or the command line, shown with anything but
/// printable ASCII replaced by `?` (no control characters reach the console).
pub struct Bytes<'a>(pub &'a [u8]);

impl uDisplay for Bytes<'_> {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        for chunk in self.0.split_inclusive(|b| !(0x20..0x7f).contains(b)) {
            let (text, bad) = match chunk.split_last() {
                Some((last, rest)) if !(0x20..0x7f).contains(last) => (rest, true),
                _ => (chunk, false),
            };
            f.write_str(core::str::from_utf8(text).unwrap_or("?"))?;
            if bad {
                f.write_str("?")?;
            }
        }
        Ok(())
    }
}

/// An errno shown as `errno N`.
pub struct Errno(pub rustix::io::Errno);

impl uDisplay for Errno {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        f.write_str("errno ")?;
        ufmt::uDisplay::fmt(&self.0.raw_os_error(), f)
    }
}

/// A byte shown as `0xNN`.
pub struct Hex(pub u8);

impl uDisplay for Hex {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let hi = DIGITS.get(usize::from(self.0 >> 4)).copied().unwrap_or(b'?');
        let lo = DIGITS.get(usize::from(self.0 & 15)).copied().unwrap_or(b'?');
        f.write_str("0x")?;
        f.write_char(char::from(hi))?;
        f.write_char(char::from(lo))
    }
}
