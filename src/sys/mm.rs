//! Memory and time: a scratch mapping for a large buffer used once; the
//! monotonic clock.

use super::syscall::{check, syscall3, syscall6};
use linux_raw_sys::general as k;

/// Runs `f` on `len` zeroed bytes of a fresh anonymous mapping, unmapped
/// afterwards: a large buffer used once (the GPT scan) would otherwise
/// stay in PID 1's resident stack for good. `None` if it cannot be mapped.
pub fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> Option<R> {
    let prot = (k::PROT_READ | k::PROT_WRITE) as usize;
    let flags = (k::MAP_PRIVATE | k::MAP_ANONYMOUS) as usize;
    // SAFETY: a new private anonymous mapping, no address hint: it aliases nothing.
    let addr = check(unsafe { syscall6(k::__NR_mmap, [0, len, prot, flags, -1isize as usize, 0]) }).ok()?;
    // SAFETY: `addr` is the start of `len` readable, writable, zeroed bytes
    // that only this slice refers to until the munmap below.
    let result = f(unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) });
    // SAFETY: the mapping made above; the slice is gone (`f` returned).
    let _ = unsafe { syscall3(k::__NR_munmap, [addr, len, 0]) };
    Some(result)
}

/// `clock_gettime(CLOCK_MONOTONIC)` in milliseconds (a raw syscall: rustix
/// would look for the vDSO through auxv, which panics without `/proc`).
pub fn monotonic_ms() -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a `struct timespec` (two 64-bit fields on 64-bit arches).
    let _ = unsafe { syscall3(k::__NR_clock_gettime, [k::CLOCK_MONOTONIC as usize, ts.as_mut_ptr() as usize, 0]) };
    // Cannot overflow: the clock counts from boot (u64 milliseconds last
    // 584 million years).
    ts[0] as u64 * 1000 + ts[1] as u64 / 1_000_000
}

/// `clock_gettime(CLOCK_MONOTONIC)` in microseconds (the `trace` feature's
/// lines; raw for the reason given at [`monotonic_ms`]).
#[cfg(feature = "trace")]
pub fn monotonic_us() -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a `struct timespec` (two 64-bit fields on 64-bit arches).
    let _ = unsafe { syscall3(k::__NR_clock_gettime, [k::CLOCK_MONOTONIC as usize, ts.as_mut_ptr() as usize, 0]) };
    ts[0] as u64 * 1_000_000 + ts[1] as u64 / 1000
}
