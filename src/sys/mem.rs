//! The memory functions the compiler lowers copies and comparisons to;
//! without libc, the init provides them. Plain byte loops: the init copies
//! little.

/// Length of the NUL-terminated string at `p` (LLVM turns such loops into
/// calls to this symbol, so it is the one definition).
///
/// # Safety
/// `p` points to a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn strlen(p: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: up to and including the NUL, every byte is the string's.
    while unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    n
}

/// # Safety
/// `dest` and `src` are valid for `n` bytes and do not overlap.
#[no_mangle]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, within both buffers.
        unsafe { *dest.add(i) = *src.add(i) };
        i += 1;
    }
    dest
}

/// # Safety
/// `dest` and `src` are valid for `n` bytes; they may overlap.
#[no_mangle]
unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) {
        // SAFETY: copying forwards reads each byte of `src` before it is
        // overwritten when `dest` is at or below it.
        return unsafe { memcpy(dest, src, n) };
    }
    let mut i = n;
    while i > 0 {
        i -= 1;
        // SAFETY: `i < n`, within both buffers; backwards, for `dest` above `src`.
        unsafe { *dest.add(i) = *src.add(i) };
    }
    dest
}

/// # Safety
/// `dest` is valid for `n` bytes.
#[no_mangle]
unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, within the buffer.
        unsafe { *dest.add(i) = c as u8 };
        i += 1;
    }
    dest
}

/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[no_mangle]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, within both buffers.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

/// Equality only (any nonzero for a difference): a loop of its own, so
/// `memcmp` is linked only if the compiler calls it.
///
/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[no_mangle]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, within both buffers.
        if unsafe { *a.add(i) != *b.add(i) } {
            return 1;
        }
        i += 1;
    }
    0
}
