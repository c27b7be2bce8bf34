//! The syscall instruction per architecture, by argument count (registers
//! the kernel does not read for a call are not set), and the kernel's
//! errno convention.

use rustix::io::Errno;

// x86_64: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9, result
// in rax; `syscall` overwrites rcx and r11. Not `nostack`: LLVM then need
// not keep the caller's locals out of the red zone.

/// Syscall `nr` with six arguments; the kernel's raw return value.
///
/// # Safety
/// `nr` and `a` must form a valid call: every argument the call takes as
/// a pointer points to memory valid for what the kernel reads or writes
/// there, for the duration of the call.
#[cfg(target_arch = "x86_64")]
pub unsafe fn syscall6(nr: u32, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the call; the registers the kernel
    // clobbers are declared.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            in("r10") a[3], in("r8") a[4], in("r9") a[5],
            lateout("rcx") _, lateout("r11") _,
        );
    }
    ret
}

/// Syscall `nr` with at most four arguments (see [`syscall6`]).
///
/// # Safety
/// As [`syscall6`].
#[cfg(target_arch = "x86_64")]
pub unsafe fn syscall4(nr: u32, a: [usize; 4]) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall6`.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3],
            lateout("rcx") _, lateout("r11") _,
        );
    }
    ret
}

/// Syscall `nr` with at most three arguments (see [`syscall6`]).
///
/// # Safety
/// As [`syscall6`].
#[cfg(target_arch = "x86_64")]
pub unsafe fn syscall3(nr: u32, a: [usize; 3]) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall6`.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            lateout("rcx") _, lateout("r11") _,
        );
    }
    ret
}

// aarch64: number in x8, arguments in x0-x5, result in x0; `svc` changes
// no other register.

/// Syscall `nr` with six arguments; the kernel's raw return value.
///
/// # Safety
/// `nr` and `a` must form a valid call: every argument the call takes as
/// a pointer points to memory valid for what the kernel reads or writes
/// there, for the duration of the call.
#[cfg(target_arch = "aarch64")]
pub unsafe fn syscall6(nr: u32, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the call; `svc` preserves every
    // register but x0.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr as usize,
            inlateout("x0") a[0] as isize => ret,
            in("x1") a[1], in("x2") a[2], in("x3") a[3], in("x4") a[4], in("x5") a[5],
            options(nostack),
        );
    }
    ret
}

/// Syscall `nr` with at most four arguments (see [`syscall6`]).
///
/// # Safety
/// As [`syscall6`].
#[cfg(target_arch = "aarch64")]
pub unsafe fn syscall4(nr: u32, a: [usize; 4]) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall6`.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr as usize,
            inlateout("x0") a[0] as isize => ret,
            in("x1") a[1], in("x2") a[2], in("x3") a[3],
            options(nostack),
        );
    }
    ret
}

/// Syscall `nr` with at most three arguments (see [`syscall6`]).
///
/// # Safety
/// As [`syscall6`].
#[cfg(target_arch = "aarch64")]
pub unsafe fn syscall3(nr: u32, a: [usize; 3]) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall6`.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr as usize,
            inlateout("x0") a[0] as isize => ret,
            in("x1") a[1], in("x2") a[2],
            options(nostack),
        );
    }
    ret
}

/// A raw return value as a result: -4095..-1 is an errno, anything else
/// the call's value.
pub fn check(ret: isize) -> Result<usize, Errno> {
    if (-4095..0).contains(&ret) {
        Err(Errno::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}
