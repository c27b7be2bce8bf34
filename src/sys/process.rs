//! Processes: fork, exec, reap, exit, and signalling every process.

use super::syscall::{check, syscall3, syscall4};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::io::Errno;
use rustix::process::{Pid, Signal};

/// `clone(SIGCHLD)` — fork. `Ok(None)` in the child, `Ok(Some(pid))` in the parent.
pub fn fork() -> Result<Option<Pid>, Errno> {
    // SAFETY: a plain fork of a single-threaded process: the child gets a
    // copy of the address space and returns here with 0.
    let pid = check(unsafe { syscall3(k::__NR_clone, [k::SIGCHLD as usize, 0, 0]) })?;
    Ok(Pid::from_raw(pid as i32))
}

/// `execve` of `args`, NUL-terminated arguments one after the other (the
/// first is the executable), with `env` as the whole environment; returns
/// only on failure: `E2BIG` for `SLOTS` arguments or more (the pointer
/// array has `SLOTS` entries, the last a null), `EINVAL` if `args` does
/// not end with a NUL.
pub fn execve<const SLOTS: usize>(args: &[u8], env: &CStr) -> Errno {
    let [.., 0] = args else { return Errno::INVAL };
    // The argument pointers; the last stays null.
    let mut argv = [core::ptr::null::<u8>(); SLOTS];
    let mut slots = argv.split_last_mut().map_or(&mut [][..], |(_, all_but_last)| all_but_last).iter_mut();
    let mut at_start = true;
    for byte in args {
        if at_start {
            let Some(slot) = slots.next() else { return Errno::TOOBIG };
            *slot = byte;
        }
        at_start = *byte == 0;
    }
    let envp = [env.as_ptr().cast::<u8>(), core::ptr::null()];
    // SAFETY: `args` (the path: its first string) and every pointer in
    // `argv` start a string of `args` that ends with a NUL (its last byte
    // is one), and `env` is NUL-terminated; all outlive the call and both
    // arrays end with a null pointer.
    let ret = unsafe {
        syscall3(k::__NR_execve, [args.as_ptr() as usize, argv.as_ptr() as usize, envp.as_ptr() as usize])
    };
    check(ret).err().unwrap_or(Errno::INVAL)
}

/// `wait4(-1, WNOHANG)`, retried on `EINTR`: one child that has exited,
/// as its pid and raw wait status; `None` when none has (yet); `ECHILD`
/// when no child is left at all.
#[inline(never)]
pub fn reap() -> Result<Option<(i32, u32)>, Errno> {
    let mut status = 0u32;
    loop {
        // SAFETY: `status` is the 4-byte int the kernel writes; no rusage asked.
        let ret = unsafe { syscall4(k::__NR_wait4, [-1isize as usize, &mut status as *mut u32 as usize, k::WNOHANG as usize, 0]) };
        match check(ret) {
            Err(Errno::INTR) => {}
            Err(e) => return Err(e),
            Ok(0) => return Ok(None),
            Ok(pid) => return Ok(Some((pid as i32, status))),
        }
    }
}

/// `exit_group(code)`: ends the process (used by children and by the
/// refusal to run as anything but PID 1).
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes an integer and never returns, so the end of
    // the block is unreachable.
    unsafe {
        syscall3(k::__NR_exit_group, [code as usize, 0, 0]);
        core::hint::unreachable_unchecked()
    }
}

/// `kill(-1, sig)`: signals every process but PID 1 itself.
pub fn kill_all(sig: Signal) -> Result<(), Errno> {
    // SAFETY: integers only.
    check(unsafe { syscall3(k::__NR_kill, [-1isize as usize, sig.as_raw() as usize, 0]) }).map(drop)
}
