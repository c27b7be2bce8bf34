//! Boot-step tracing, for measurement only: with the `trace` cargo feature
//! (`cargo build --release --features trace`; off by default) each
//! `trace!("step")` logs `kios: trace <step> <µs>`, the `CLOCK_MONOTONIC`
//! time in microseconds at which the step ended. `scripts/bench-boot
//! --trace` boots that build and reports each step's median
//! ([benchmarks.md](../docs/benchmarks.md#where-the-init-spends-its-time)).
//!
//! Without the feature `trace!` expands to nothing (its argument is not
//! even evaluated) and this module holds no item, so the default binary is
//! the one built without any trace code.

/// Marks the end of a boot step (`trace!("base-mounts")`); `trace!(entry)`,
/// first thing in `main`, notes the time the init started, logged before
/// the first step once the console is open.
#[cfg(feature = "trace")]
#[macro_export]
macro_rules! trace {
    (entry) => {
        $crate::trace::entry()
    };
    ($step:expr) => {
        $crate::trace::step($step)
    };
}

/// Without the `trace` feature: nothing at all.
#[cfg(not(feature = "trace"))]
#[macro_export]
macro_rules! trace {
    ($($anything:tt)*) => {};
}

#[cfg(feature = "trace")]
use core::sync::atomic::{AtomicU64, Ordering};

/// When `main` started (µs), until the first step logs it.
#[cfg(feature = "trace")]
static ENTRY_US: AtomicU64 = AtomicU64::new(0);

/// Notes the time `main` started.
#[cfg(feature = "trace")]
pub fn entry() {
    ENTRY_US.store(crate::sys::monotonic_us(), Ordering::Relaxed);
}

/// Logs the end of `step` (with the start of `main` first, once).
#[cfg(feature = "trace")]
pub fn step(step: &str) {
    let now = crate::sys::monotonic_us();
    let entry = ENTRY_US.swap(0, Ordering::Relaxed);
    if entry != 0 {
        crate::info!("trace {} {}", "entry", entry);
    }
    crate::info!("trace {} {}", step, now);
}
