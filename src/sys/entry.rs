//! The process entry: `_start`, which the kernel jumps to with the initial
//! stack (argc, argv, envp, auxv), reads it into a [`Startup`] and calls
//! the program's `main`, named by [`entry_point!`](crate::entry_point);
//! the argv area, overwritten by [`rename_process`]; the panic handler.

use super::mem::strlen;

/// What the kernel handed to the process that the init reads: the
/// environment (its arguments are only overwritten, see [`rename_process`]).
pub struct Startup {
    /// `envp` entries (`NAME=value`); the kernel passes at most 32.
    pub env: heapless::Vec<&'static [u8], 40>,
}

/// The program's `main`, as [`entry_point!`](crate::entry_point) names it.
pub trait Main {
    /// Runs the program; PID 1 never returns.
    fn main(startup: Startup) -> !;
}

/// Defines the process entry, `_start`, and `$main` (a `fn(Startup) -> !`)
/// as the function it calls once the initial stack is read. Used once, in
/// `main.rs`: so `sys` calls the program without naming it.
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        /// The program's entry, given to `sys::entry`.
        enum EntryPoint {}
        impl $crate::sys::Main for EntryPoint {
            fn main(startup: $crate::sys::Startup) -> ! {
                $main(startup)
            }
        }
        // `_start` names `sys::entry` for this program's `main`, so it is
        // expanded here; its text is `sys`'s (`start_asm!`).
        #[allow(unsafe_code)]
        mod start {
            $crate::start_asm!(super::EntryPoint);
        }
    };
}

/// `_start` for `$main`: the initial stack pointer as the first argument
/// of `sys::entry::<$main>`, which never returns.
#[doc(hidden)]
#[macro_export]
#[cfg(target_arch = "x86_64")]
macro_rules! start_asm {
    ($main:ty) => {
        core::arch::global_asm!(
            ".globl _start",
            ".section .text._start,\"ax\",@progbits",
            "_start:",
            "mov rdi, rsp",  // the initial stack: argc, argv..., 0, envp..., 0, auxv
            "and rsp, -16",  // the ABI wants a 16-byte aligned stack at a call
            "call {entry}",
            "ud2",
            entry = sym $crate::sys::entry::<$main>,
        );
    };
}

/// `_start` for `$main` (see the x86_64 one).
#[doc(hidden)]
#[macro_export]
#[cfg(target_arch = "aarch64")]
macro_rules! start_asm {
    ($main:ty) => {
        core::arch::global_asm!(
            ".globl _start",
            ".section .text._start,\"ax\",@progbits",
            "_start:",
            "mov x0, sp", // the initial stack, as above; the kernel leaves sp 16-byte aligned
            "bl {entry}",
            "brk #0",     // `entry` never returns
            entry = sym $crate::sys::entry::<$main>,
        );
    };
}

/// Start of the `argv` strings and their total length, for `rename_process`.
static mut ARGV_AREA: (*mut u8, usize) = (core::ptr::null_mut(), 0);

/// Reads the initial stack at `sp` into a [`Startup`] and runs `M::main`.
///
/// # Safety
/// Called once, by `_start`, with the stack pointer the kernel gave the
/// process: `sp` points to argc, then argc argument pointers and a null,
/// then the environment pointers and a null.
pub unsafe extern "C" fn entry<M: Main>(sp: *const usize) -> ! {
    let mut startup = Startup { env: heapless::Vec::new() };
    // SAFETY: `sp` is the initial stack the kernel built (this function's
    // contract): argc, then argc pointers and a null, then the environment
    // pointers and a null. The strings stay in place, unchanged, for the
    // life of the process, and nothing else runs yet to touch ARGV_AREA.
    unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const u8;
        if argc > 0 {
            let first = *argv as *mut u8;
            let last = *argv.add(argc - 1);
            let end = last.add(strlen(last));
            ARGV_AREA = (first, end as usize - first as usize);
        }
        let mut envp = argv.add(argc + 1);
        while !(*envp).is_null() {
            let _ = startup.env.push(core::slice::from_raw_parts(*envp, strlen(*envp)));
            envp = envp.add(1);
        }
    }
    M::main(startup)
}

/// Overwrites the process's argument strings with `name` so `ps` and
/// `/proc/1/cmdline` show it (the name is cut to fit the original area).
pub fn rename_process(name: &[u8]) {
    // SAFETY: ARGV_AREA was set once in `entry`, before anything else ran,
    // and describes the kernel-provided argv strings, which we own and
    // which no `&[u8]` refers to (`Startup` holds the environment only).
    unsafe {
        let (start, len) = ARGV_AREA;
        for i in 0..len {
            *start.add(i) = name.get(i).copied().unwrap_or(0);
        }
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Never reached by design (clippy denies the panicking constructs); if it
    // is, PID 1 must not exit: park forever and keep the kernel alive.
    loop {
        rustix::event::pause();
    }
}
