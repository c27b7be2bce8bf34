//! Console messages: one `write` per line to `/dev/kmsg` (so the kernel
//! stamps each line), or to stderr with `kios.log=stderr` (namespace tests).
//!
//! Format, stable for harnesses: `kios: milestone <name>[ <detail>]`,
//! `kios: warning: <text>`, `kios: error: <text>`, `kios: <text>`.
//!
//! A line is a format string whose `{}`s take [`Piece`]s, built by
//! [`kios::logline::Line`] in one out-of-line function, [`emit`].

use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, Ordering};
use kios::logline::Line;
pub use kios::logline::{bytes, Piece};
use rustix::fs::{open, Mode, OFlags};

/// Whether lines go to `/dev/kmsg` rather than stderr (until
/// [`open_sink`] has chosen: stderr).
static TO_KMSG: AtomicBool = AtomicBool::new(false);

/// Chooses the sink: `/dev/kmsg` unless `stderr` is asked for or kmsg
/// cannot be opened (then stderr, which is the console too). Called again
/// once the command line is read, to honour `kios.log` from it.
pub fn open_sink(stderr: bool) {
    let kmsg = !stderr && open_kmsg().inspect_err(|&e| crate::error!("cannot open /dev/kmsg: {}; logging to the console", e)).is_ok();
    TO_KMSG.store(kmsg, Ordering::Relaxed);
}

/// `/dev/kmsg`, opened for one line: the kernel rate-limits each open file
/// to 10 lines per 5 s, which would hide a crash loop's lines. Without
/// blocking: a FIFO put in its place (a privileged pod shares `/dev`)
/// fails at once (ENXIO) and the line goes to the console instead.
fn open_kmsg() -> rustix::io::Result<rustix::fd::OwnedFd> {
    open(c"/dev/kmsg", OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK, Mode::empty())
}

/// A log line's format: its text, whose `{}`s take the pieces, then its
/// kmsg level as one byte below 0x20 (3 error, 4 warning, 6 info). Made
/// by [`format_at!`], which checks the text against the pieces when
/// compiling ([`kios::logfmt::check`]).
#[derive(Clone, Copy)]
pub struct Format(&'static [u8]);

impl Format {
    /// `text`, a checked format followed by its level byte.
    #[doc(hidden)]
    pub const fn new(text: &'static str) -> Format {
        Format(text.as_bytes())
    }

    /// The text and the level.
    fn split(self) -> (&'static [u8], u8) {
        match self.0.split_last() {
            Some((&level, text)) => (text, level),
            None => (b"", 6),
        }
    }
}

/// Writes one line: `format` is the text, each `{}` replaced by the next
/// of `pieces`, ended by the kmsg level as a control byte (3 error,
/// 4 warning, 6 info; the macros below put it there, so a call site passes
/// no separate level). Text beyond the line's capacity is cut; pieces
/// beyond the format's `{}`s are not read.
#[inline(never)]
pub fn emit(format: Format, pieces: &[Piece]) {
    let mut line = Line::default();
    // Opened first, so a line for the console (stderr, or kmsg gone) is
    // built without the level prefix rather than cut after it.
    let kmsg = if TO_KMSG.load(Ordering::Relaxed) { open_kmsg().ok() } else { None };
    let (text, level) = format.split();
    // The kmsg level and the prefix as one text per level (the macros
    // make only these three), the level left out on the console.
    let prefix: &[u8] = match level {
        3 => b"<3>kios: error: ",
        4 => b"<4>kios: warning: ",
        _ => b"<6>kios: ",
    };
    line.extend(prefix.get(if kmsg.is_some() { 0 } else { 3 }..).unwrap_or_default());
    line.push_format(text, pieces);
    // One write call for both sinks.
    let _ = rustix::io::write(kmsg.as_ref().map_or(crate::sys::stderr(), rustix::fd::AsFd::as_fd), line.finish());
}

/// A line of level `$level` (`error`, `warning`, `info`; see
/// [`format_at!`]) with its pieces: without pieces through [`emit0`]; one
/// or two pieces are passed to [`emit1`] or [`emit2`], which make the
/// array.
#[doc(hidden)]
#[macro_export]
macro_rules! log_line {
    ($level:ident, $format:literal $(,)?) => {
        $crate::log::emit0($crate::format_at!($level, $format, 0))
    };
    ($level:ident, $format:literal, $a:expr $(,)?) => {
        $crate::log::emit1($crate::format_at!($level, $format, 1), $crate::log::Piece::from($a))
    };
    ($level:ident, $format:literal, $a:expr, $b:expr $(,)?) => {
        $crate::log::emit2($crate::format_at!($level, $format, 2), $crate::log::Piece::from($a), $crate::log::Piece::from($b))
    };
    ($level:ident, $format:literal $(, $piece:expr)* $(,)?) => {
        $crate::log::emit(
            $crate::format_at!($level, $format, <[&str]>::len(&[$(stringify!($piece)),*])),
            &[$($crate::log::Piece::from($piece)),*],
        )
    };
}

/// [`emit`] with no piece.
#[inline(never)]
pub fn emit0(format: Format) {
    emit(format, &[]);
}

/// [`emit`] with one piece.
#[inline(never)]
#[allow(improper_ctypes_definitions)]
pub extern "C" fn emit1(format: Format, a: Piece) {
    emit(format, &[a]);
}

/// [`emit`] with two pieces.
#[inline(never)]
#[allow(improper_ctypes_definitions)]
pub extern "C" fn emit2(format: Format, a: Piece, b: Piece) {
    emit(format, &[a, b]);
}

/// Logs an informational line: a format string whose `{}`s take the
/// following arguments (anything `Into<Piece>`).
#[macro_export]
macro_rules! info {
    ($format:literal $(, $piece:expr)* $(,)?) => { $crate::log_line!(info, $format $(, $piece)*) };
}

/// Logs a `warning:` line (same arguments as `info!`).
#[macro_export]
macro_rules! warn {
    ($format:literal $(, $piece:expr)* $(,)?) => { $crate::log_line!(warning, $format $(, $piece)*) };
}

/// Logs an `error:` line (same arguments as `info!`).
#[macro_export]
macro_rules! error {
    ($format:literal $(, $piece:expr)* $(,)?) => { $crate::log_line!(error, $format $(, $piece)*) };
}

/// Logs `format` (which ends with its level byte, as the macros
/// above make it) about a failed call on `path`: two `{}`s, the path's and
/// the errno's. The pieces are built here, once, instead of at every call
/// site; [`error_at!`] and [`warn_at!`] call it.
#[inline(never)]
pub fn at_path(format: Format, path: &CStr, e: rustix::io::Errno) {
    emit2(format, Piece::from(path), Piece::from(e));
}

/// Logs an `error:` line about a path and an errno, e.g.
/// `error_at!("mkdir {}: {}", path, e)`: the same line as `error!` with
/// those two arguments.
#[macro_export]
macro_rules! error_at {
    ($format:literal, $path:expr, $e:expr $(,)?) => { $crate::log::at_path($crate::format_at!(error, $format, 2), $path, $e) };
}

/// Logs a `warning:` line about a path and an errno (see [`error_at!`]).
#[macro_export]
macro_rules! warn_at {
    ($format:literal, $path:expr, $e:expr $(,)?) => { $crate::log::at_path($crate::format_at!(warning, $format, 2), $path, $e) };
}

/// A format for [`emit`] with its level (`error`, `warning` or `info`)
/// and the number of pieces it takes: checked when compiling (its `{}`s
/// against the pieces, printable ASCII only: [`kios::logfmt::check`]), and
/// the one place a level becomes its byte (3, 4, 6).
#[doc(hidden)]
#[macro_export]
macro_rules! format_at {
    (error, $format:literal, $pieces:expr) => { const { kios::logfmt::check($format, $pieces); $crate::log::Format::new(concat!($format, "\x03")) } };
    (warning, $format:literal, $pieces:expr) => { const { kios::logfmt::check($format, $pieces); $crate::log::Format::new(concat!($format, "\x04")) } };
    (info, $format:literal, $pieces:expr) => { const { kios::logfmt::check($format, $pieces); $crate::log::Format::new(concat!($format, "\x06")) } };
}

/// A boot or shutdown milestone; its name is part of the console contract.
pub fn milestone(name: &str) {
    #[cfg(any(kios_bad_log = "none", kios_bad_log = "count", kios_bad_log = "control"))]
    bad_log_line();
    info!("milestone {}", name);
}

/// Before supervision could start, `call` (a syscall's name) failed: say
/// so on the console and wait forever (PID 1 must not exit; an operator
/// reads the console).
pub fn halt(call: &str) -> ! {
    error!("{} failed: cannot supervise; halting", call);
    loop {
        rustix::event::pause();
    }
}

// Lines the format check must refuse, compiled in only by
// `tests/log_format.rs` (`--cfg kios_bad_log="..."`, from a reachable
// function: the check runs where the compiler generates code), which
// expects the build to fail with the check's message; "none" is its
// control, a line that builds.
#[cfg(any(kios_bad_log = "none", kios_bad_log = "count", kios_bad_log = "control"))]
fn bad_log_line() {
    #[cfg(kios_bad_log = "none")]
    info!("{} and {}", 1, 2);
    #[cfg(kios_bad_log = "count")]
    info!("{} and {}", 1);
    #[cfg(kios_bad_log = "control")]
    warn!("tab\there");
}
