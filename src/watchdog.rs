//! The hardware watchdog (`kios.watchdog=SECONDS`, as systemd's
//! `RuntimeWatchdogSec`): `/dev/watchdog0` is armed with that timeout and
//! petted from the loop at a third of it, so a PID 1 that stops running
//! its loop, or a node that hangs, is reset by the hardware. It is never
//! closed (a close without the magic `V` leaves it armed anyway, and the
//! init never disarms it): for the hard shutdown it gets a timeout that
//! covers the bounded waits, so a hung unmount or sync still ends in a
//! reset.

use linux_raw_sys::ioctl::{WDIOC_KEEPALIVE, WDIOC_SETTIMEOUT};
use rustix::fd::OwnedFd;
use rustix::fs::{open, Mode, OFlags};

/// The watchdog device (the first one).
const DEVICE: &core::ffi::CStr = c"/dev/watchdog0";

/// The armed watchdog and when to pet it next.
pub struct Watchdog {
    fd: OwnedFd,
    /// A third of the timeout the driver took.
    every_ms: u64,
    next_ms: u64,
}

impl Watchdog {
    /// Opens and arms the watchdog with `seconds` (0: none, nothing
    /// opened); a failure is one console error, and no watchdog.
    pub fn open(seconds: u32) -> Option<Watchdog> {
        if seconds == 0 {
            return None;
        }
        let fd = open(DEVICE, OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOCTTY, Mode::empty())
            .inspect_err(|&e| crate::error_at!("watchdog {}: {}; none", DEVICE, e))
            .ok()?;
        // The driver may round the timeout: the one it took is petted for
        // (if it takes none, the one asked for: petting early is harmless).
        let taken = crate::sys::watchdog_ioctl(&fd, WDIOC_SETTIMEOUT, seconds as i32).unwrap_or(seconds as i32);
        crate::info!("watchdog {}: timeout {} s", DEVICE, taken);
        // Opening it started it, and setting the timeout petted it: the
        // first pet is due a third of the timeout from now.
        let every_ms = u64::from(taken.unsigned_abs()).saturating_mul(1000) / 3;
        Some(Watchdog { fd, every_ms, next_ms: crate::sys::monotonic_ms().saturating_add(every_ms) })
    }

    /// Pets the watchdog if it is time (the loop calls this every turn).
    pub fn pet(&mut self, now_ms: u64) {
        if now_ms >= self.next_ms {
            // A test build stops petting, to see the node reset.
            #[cfg(not(feature = "watchdog-test-no-pet"))]
            let _ = crate::sys::watchdog_ioctl(&self.fd, WDIOC_KEEPALIVE, 0);
            self.next_ms = now_ms.saturating_add(self.every_ms);
        }
    }

    /// When [`Self::pet`] has to run next.
    pub fn due_ms(&self) -> u64 {
        self.next_ms
    }

    /// For the hard shutdown, which leaves the loop: `seconds` from now,
    /// enough for its bounded waits; past them (a hung unmount or sync)
    /// the node is reset.
    pub fn for_shutdown(&self, seconds: u32) {
        let _ = crate::sys::watchdog_ioctl(&self.fd, WDIOC_SETTIMEOUT, seconds.min(i32::MAX as u32) as i32);
    }
}
