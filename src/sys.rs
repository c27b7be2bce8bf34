//! The only module with `unsafe`: process entry, raw syscalls rustix does not
//! expose publicly, and the memory functions the compiler expects.
//!
//! # Safety
//!
//! Everything here is a thin wrapper with a safe signature. The raw syscalls
//! take only integers or pointers to buffers that live for the whole call;
//! the kernel never keeps them. Syscall numbers and constants come from
//! `linux-raw-sys` for the architecture being built; the two `_start`s and
//! `syscallN`s are the only per-architecture code in the crate.
#![allow(unsafe_code)]
// Pointer and index arithmetic here walks kernel-built structures (the
// initial stack, argv strings) within the bounds the kernel gives.
#![allow(clippy::arithmetic_side_effects)]

use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::fd::{AsRawFd, FromRawFd, OwnedFd};
use rustix::io::Errno;
use rustix::process::{Pid, Signal};

/// Maximum number of argv entries a child gets.
pub const MAX_ARGS: usize = 24;

/// What the kernel handed to the process that the init reads: the
/// environment (its arguments are only overwritten, see [`rename_process`]).
pub struct Startup {
    /// `envp` entries (`NAME=value`); the kernel passes at most 32.
    pub env: heapless::Vec<&'static [u8], 40>,
}

#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    ".section .text._start,\"ax\",@progbits",
    "_start:",
    "mov rdi, rsp",  // the initial stack: argc, argv..., 0, envp..., 0, auxv
    "and rsp, -16",  // the ABI wants a 16-byte aligned stack at a call
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl _start",
    ".section .text._start,\"ax\",@progbits",
    "_start:",
    "mov x0, sp", // the initial stack, as above; the kernel leaves sp 16-byte aligned
    "bl {entry}",
    "brk #0",     // `entry` never returns
    entry = sym entry,
);

/// Length of the NUL-terminated string at `p` (LLVM turns `c_len` loops
/// into calls to this symbol, so it is the one definition).
///
/// # Safety
/// `p` points to a NUL-terminated string.
#[no_mangle]
unsafe extern "C" fn strlen(p: *const u8) -> usize {
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    n
}

/// A static text passed as one pointer: it ends at its first byte below
/// 0x20, a control byte its user gives a meaning (the log formats: their
/// level).
#[derive(Clone, Copy)]
pub struct StaticText(&'static u8);

impl StaticText {
    /// `text`, which must end with its only byte below 0x20; anything else
    /// gives an empty text ended by 0 (the log macros build it in a
    /// `const` block, so a literal with a control byte inside would show
    /// up as an empty line).
    pub const fn new(text: &'static str) -> Self {
        let mut rest = text.as_bytes();
        while let [c, tail @ ..] = rest {
            if *c < 0x20 {
                if let (true, Some(first)) = (tail.is_empty(), text.as_bytes().first()) {
                    return StaticText(first);
                }
                break;
            }
            rest = tail;
        }
        StaticText(&0)
    }

    /// The text and the control byte that ends it.
    pub fn split(self) -> (&'static [u8], u8) {
        let start: *const u8 = self.0;
        let mut len = 0;
        // SAFETY: `new` made `start` the first byte of a static text that
        // ends with a byte below 0x20, so the loop stops at that byte at
        // the latest, and the slice before it is valid forever.
        unsafe {
            while *start.add(len) >= 0x20 {
                len += 1;
            }
            (core::slice::from_raw_parts(start, len), *start.add(len))
        }
    }
}

/// Start of the `argv` strings and their total length, for `rename_process`.
static mut ARGV_AREA: (*mut u8, usize) = (core::ptr::null_mut(), 0);

extern "C" fn entry(sp: *const usize) -> ! {
    let mut startup = Startup { env: heapless::Vec::new() };
    // SAFETY: `sp` is the initial stack the kernel built: argc, then argc
    // pointers and a null, then the environment pointers and a null. The
    // strings stay in place, unchanged, for the life of the process.
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
    crate::main(startup)
}

/// Overwrites the process's argument strings with `name` so `ps` and
/// `/proc/1/cmdline` show it (the name is cut to fit the original area).
pub fn rename_process(name: &[u8]) {
    // SAFETY: ARGV_AREA was set once in `entry`, before anything else ran,
    // and describes the kernel-provided argv strings, which we own and which
    // no `&[u8]` keeps once main has copied what it needs (the caller does
    // this after the options are parsed).
    unsafe {
        let (start, len) = ARGV_AREA;
        for i in 0..len {
            *start.add(i) = name.get(i).copied().unwrap_or(0);
        }
    }
}

// x86_64: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9, result
// in rax; `syscall` overwrites rcx and r11. Not `nostack`: LLVM then need
// not keep the caller's locals out of the red zone.
#[cfg(target_arch = "x86_64")]
unsafe fn syscall6(nr: u32, a: [usize; 6]) -> isize {
    let ret: isize;
    core::arch::asm!(
        "syscall",
        inlateout("rax") nr as isize => ret,
        in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
        in("r10") a[3], in("r8") a[4], in("r9") a[5],
        lateout("rcx") _, lateout("r11") _,
    );
    ret
}

// aarch64: number in x8, arguments in x0-x5, result in x0; `svc` changes
// no other register.
#[cfg(target_arch = "aarch64")]
unsafe fn syscall6(nr: u32, a: [usize; 6]) -> isize {
    let ret: isize;
    core::arch::asm!(
        "svc 0",
        in("x8") nr as usize,
        inlateout("x0") a[0] as isize => ret,
        in("x1") a[1], in("x2") a[2], in("x3") a[3], in("x4") a[4], in("x5") a[5],
        options(nostack),
    );
    ret
}

// The same for calls of at most four arguments, and of at most three: the
// other argument registers are left as they are (the kernel does not read
// them).
#[cfg(target_arch = "x86_64")]
unsafe fn syscall4(nr: u32, a: [usize; 4]) -> isize {
    let ret: isize;
    core::arch::asm!(
        "syscall",
        inlateout("rax") nr as isize => ret,
        in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3],
        lateout("rcx") _, lateout("r11") _,
    );
    ret
}

#[cfg(target_arch = "aarch64")]
unsafe fn syscall4(nr: u32, a: [usize; 4]) -> isize {
    let ret: isize;
    core::arch::asm!(
        "svc 0",
        in("x8") nr as usize,
        inlateout("x0") a[0] as isize => ret,
        in("x1") a[1], in("x2") a[2], in("x3") a[3],
        options(nostack),
    );
    ret
}

#[cfg(target_arch = "x86_64")]
unsafe fn syscall3(nr: u32, a: [usize; 3]) -> isize {
    let ret: isize;
    core::arch::asm!(
        "syscall",
        inlateout("rax") nr as isize => ret,
        in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
        lateout("rcx") _, lateout("r11") _,
    );
    ret
}

#[cfg(target_arch = "aarch64")]
unsafe fn syscall3(nr: u32, a: [usize; 3]) -> isize {
    let ret: isize;
    core::arch::asm!(
        "svc 0",
        in("x8") nr as usize,
        inlateout("x0") a[0] as isize => ret,
        in("x1") a[1], in("x2") a[2],
        options(nostack),
    );
    ret
}

fn check(ret: isize) -> Result<usize, Errno> {
    if (-4095..0).contains(&ret) {
        Err(Errno::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// `bytes` as a C string if it ends with its only NUL (`CStr`'s own
/// constructors would search with core's `memchr`, which this binary
/// does not otherwise link).
#[allow(clippy::manual_contains)] // `contains` on bytes is that `memchr` too
pub fn c_str(bytes: &[u8]) -> Option<&CStr> {
    let (&last, body) = bytes.split_last()?;
    if last != 0 || body.iter().any(|&b| b == 0) {
        return None;
    }
    // SAFETY: just checked: the last byte is NUL and no other byte is.
    Some(unsafe { CStr::from_bytes_with_nul_unchecked(bytes) })
}

/// `clone(SIGCHLD)` — fork. `Ok(None)` in the child, `Ok(Some(pid))` in the parent.
pub fn fork() -> Result<Option<Pid>, Errno> {
    // SAFETY: a plain fork of a single-threaded process: the child gets a
    // copy of the address space and returns here with 0.
    let pid = check(unsafe { syscall3(k::__NR_clone, [k::SIGCHLD as usize, 0, 0]) })?;
    Ok(Pid::from_raw(pid as i32))
}

/// `execve` of `args`, NUL-terminated arguments one after the other (the
/// first is the executable), with `env` as the whole environment; returns
/// only on failure: `E2BIG` for more than `MAX_ARGS` arguments, `EINVAL`
/// if `args` does not end with a NUL.
pub fn execve(args: &[u8], env: &CStr) -> Errno {
    let [.., 0] = args else { return Errno::INVAL };
    // The argument pointers; the last stays null.
    let mut argv = [core::ptr::null::<u8>(); MAX_ARGS + 1];
    // The first MAX_ARGS as one slice: one bound to check, not a count beside the array's.
    let mut slots = argv.get_mut(..MAX_ARGS).unwrap_or_default().iter_mut();
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
/// as its pid and raw wait status; pid 0 when none has (yet), -1 when no
/// child is left at all (`ECHILD`, or any other error).
#[inline(never)]
pub fn reap() -> (i32, u32) {
    let mut status = 0u32;
    loop {
        // SAFETY: `status` is the 4-byte int the kernel writes; no rusage asked.
        let ret = unsafe { syscall4(k::__NR_wait4, [-1isize as usize, &mut status as *mut u32 as usize, k::WNOHANG as usize, 0]) };
        match check(ret) {
            Err(Errno::INTR) => {}
            Err(_) => return (-1, 0),
            Ok(pid) => return (pid as i32, status),
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

/// A set of signals as the kernel's 64-bit `sigset_t`.
#[derive(Clone, Copy)]
pub struct SigSet(u64);

impl SigSet {
    /// Every signal.
    pub const ALL: SigSet = SigSet(!0);
    /// No signal.
    pub const EMPTY: SigSet = SigSet(0);
}

/// `rt_sigprocmask(SIG_SETMASK, set)`: blocks exactly `set`.
pub fn set_signal_mask(set: SigSet) -> Result<(), Errno> {
    // SAFETY: the set is 8 bytes, the kernel's sigset size; no old set asked.
    let ret = unsafe {
        syscall4(k::__NR_rt_sigprocmask, [k::SIG_SETMASK as usize, &set.0 as *const u64 as usize, 0, 8])
    };
    check(ret).map(drop)
}

/// `signalfd4(-1, set, SFD_CLOEXEC | SFD_NONBLOCK)`: a descriptor that reads
/// 128-byte `signalfd_siginfo` records for the (blocked) signals in `set`.
pub fn signalfd(set: SigSet) -> Result<OwnedFd, Errno> {
    let flags = (k::O_CLOEXEC | k::O_NONBLOCK) as usize;
    // SAFETY: the set is 8 bytes; on success the kernel returns a new fd we own.
    let fd = check(unsafe { syscall4(k::__NR_signalfd4, [-1isize as usize, &set.0 as *const u64 as usize, 8, flags]) })?;
    // SAFETY: `fd` was just returned by the kernel and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The signal number of the next `signalfd_siginfo` record of `signals`
/// (a descriptor from [`signalfd`]); `None` when none is pending.
pub fn read_signal(signals: &OwnedFd) -> Option<u32> {
    // struct signalfd_siginfo: 128 bytes, the signal number first; only
    // read once the kernel filled it.
    let mut record = core::mem::MaybeUninit::<[u32; 32]>::uninit();
    // SAFETY: the kernel writes at most the 128 bytes of `record`, which lives for the call.
    let n = unsafe { syscall3(k::__NR_read, [signals.as_raw_fd() as usize, record.as_mut_ptr() as usize, 128]) };
    // SAFETY: a read of 128 bytes filled the whole record.
    (n == 128).then(|| unsafe { record.assume_init()[0] })
}

/// `kill(-1, sig)`: signals every process but PID 1 itself.
pub fn kill_all(sig: Signal) -> Result<(), Errno> {
    // SAFETY: integers only.
    check(unsafe { syscall3(k::__NR_kill, [-1isize as usize, sig.as_raw() as usize, 0]) }).map(drop)
}

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

/// `epoll_ctl(EPOLL_CTL_ADD)`: watches `fd` for input, reported with `token`.
pub fn epoll_add(epoll: &OwnedFd, fd: &OwnedFd, token: u64) -> Result<(), Errno> {
    use rustix::event::epoll::{Event, EventData, EventFlags};
    let event = Event { flags: EventFlags::IN, data: EventData::new_u64(token) };
    let (epoll, fd) = (epoll.as_raw_fd() as usize, fd.as_raw_fd() as usize);
    // SAFETY: rustix's `Event` has the layout of the kernel's `struct
    // epoll_event`; the kernel only reads it, during the call.
    check(unsafe { syscall4(k::__NR_epoll_ctl, [epoll, k::EPOLL_CTL_ADD as usize, fd, &event as *const Event as usize]) }).map(drop)
}

/// `splice(from, NULL, to, offset, len, flags)`: moves up to `len` bytes
/// from the pipe `from` to `to`, at `*offset` (advanced by the kernel)
/// when given; how many were moved.
pub fn splice(from: &OwnedFd, to: &OwnedFd, offset: Option<&mut u64>, len: usize, flags: u32) -> Result<usize, Errno> {
    let offset = offset.map_or(0, |offset| offset as *mut u64 as usize);
    // SAFETY: `offset` is null or points to a `loff_t` (64 bits) that lives
    // for the call; the kernel reads and updates only it.
    check(unsafe { syscall6(k::__NR_splice, [from.as_raw_fd() as usize, 0, to.as_raw_fd() as usize, offset, len, flags as usize]) })
}

/// `tee(from, to, len, flags)`: copies up to `len` bytes from the pipe
/// `from` to the pipe `to` without consuming them; how many were copied.
pub fn tee(from: &OwnedFd, to: &OwnedFd, len: usize, flags: u32) -> Result<usize, Errno> {
    // SAFETY: integers only.
    check(unsafe { syscall4(k::__NR_tee, [from.as_raw_fd() as usize, to.as_raw_fd() as usize, len, flags as usize]) })
}

/// `bind(socket, {AF_UNIX, path})`: `ENAMETOOLONG` for a path longer
/// than a `sockaddr_un` holds.
pub fn bind_unix(socket: &OwnedFd, path: &CStr) -> Result<(), Errno> {
    // struct sockaddr_un: the 16-bit family, then the path with its NUL.
    // Only the first `len` bytes are written (the kernel reads no more).
    let mut addr = [const { core::mem::MaybeUninit::<u8>::uninit() }; 110];
    let path = path.to_bytes_with_nul();
    let len = 2 + path.len();
    let (family, sun_path) = addr.split_at_mut(2);
    family.write_copy_of_slice(&(linux_raw_sys::net::AF_UNIX as u16).to_ne_bytes());
    sun_path.get_mut(..path.len()).ok_or(Errno::NAMETOOLONG)?.write_copy_of_slice(path);
    // SAFETY: the first `len` bytes of `addr` (within its 110) hold a
    // valid `sockaddr_un`, written above; `addr` lives for the call and
    // the kernel only reads those bytes.
    check(unsafe { syscall3(k::__NR_bind, [socket.as_raw_fd() as usize, addr.as_ptr() as usize, len]) }).map(drop)
}

/// `ioctl(FIONREAD)`: how many bytes wait in the pipe `fd` (0 on an error).
pub fn pending(fd: &OwnedFd) -> usize {
    let mut n: i32 = 0;
    // SAFETY: the kernel writes one `int` into `n`, which lives for the call.
    let ret = unsafe { syscall3(k::__NR_ioctl, [fd.as_raw_fd() as usize, linux_raw_sys::ioctl::FIONREAD as usize, &mut n as *mut i32 as usize]) };
    if check(ret).is_ok() { usize::try_from(n).unwrap_or(0) } else { 0 }
}

/// `ioctl(FIONBIO, 1)`: makes `fd` non-blocking (its own open file only,
/// so not the other end of a pipe).
pub fn set_nonblocking(fd: &OwnedFd) -> Result<(), Errno> {
    let on: i32 = 1;
    // SAFETY: the kernel reads one `int` from `on`, which lives for the call.
    check(unsafe { syscall3(k::__NR_ioctl, [fd.as_raw_fd() as usize, linux_raw_sys::ioctl::FIONBIO as usize, &on as *const i32 as usize]) }).map(drop)
}

/// `inotify_add_watch(inotify, path, mask)`; the watch descriptor is not
/// kept (the init never removes a watch).
pub fn add_watch(inotify: &OwnedFd, path: &CStr, mask: u32) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and lives for the call; the kernel only reads it.
    check(unsafe { syscall3(k::__NR_inotify_add_watch, [inotify.as_raw_fd() as usize, path.as_ptr() as usize, mask as usize]) }).map(drop)
}

/// `epoll_pwait(epoll, events, timeout_ms)` without a signal mask: waits
/// at most `timeout_ms` (`u64::MAX`: until an event) and returns how many
/// of `events` the kernel filled (0 on an error, as on a timeout). Raw so
/// the timeout stays in milliseconds, the kernel's own unit here.
pub fn epoll_wait(epoll: &OwnedFd, events: &mut [rustix::event::epoll::Event], timeout_ms: u64) -> usize {
    let timeout = if timeout_ms == u64::MAX { -1 } else { timeout_ms.min(i32::MAX as u64) as i32 };
    // SAFETY: rustix's `Event` has the layout of the kernel's `struct
    // epoll_event` (packed on x86_64); the kernel writes at most
    // `events.len()` of them into the slice, which lives for the call.
    let ret = unsafe {
        syscall6(k::__NR_epoll_pwait, [epoll.as_raw_fd() as usize, events.as_mut_ptr() as usize, events.len(), timeout as usize, 0, 0])
    };
    check(ret).unwrap_or(0)
}

/// `ppoll` on `fd` alone for input, at most `timeout_ms`; whatever the
/// outcome (ready, timeout, signal, error), the caller looks again.
pub fn poll_in(fd: &OwnedFd, timeout_ms: u64) {
    // struct pollfd: fd, then the 16-bit events (POLLIN) and revents (0),
    // in one i32 on these little-endian arches; struct timespec: s, ns.
    let mut pollfd = [fd.as_raw_fd(), k::POLLIN as i32];
    let ts = [timeout_ms / 1000, timeout_ms % 1000 * 1_000_000];
    // SAFETY: `pollfd` is one 8-byte `struct pollfd` the kernel may write
    // `revents` into; `ts` is a valid `struct timespec` (both fields fit
    // in an i64, the nanoseconds under a second); both live for the call.
    let _ = unsafe { syscall4(k::__NR_ppoll, [pollfd.as_mut_ptr() as usize, 1, ts.as_ptr() as usize, 0]) };
}

/// `getsockopt(SO_PEERCRED)`: the uid of the process at the other end of a
/// unix socket. Raw because rustix's `socket_peercred` fails when the peer
/// is in another PID namespace (the kernel reports its pid as 0).
pub fn peer_uid(socket: &OwnedFd) -> Result<u32, Errno> {
    let mut ucred = [0u32; 3]; // struct ucred: pid, uid, gid
    let mut len: u32 = 12;
    let (level, name) = (linux_raw_sys::net::SOL_SOCKET as usize, linux_raw_sys::net::SO_PEERCRED as usize);
    // SAFETY: `ucred` has room for the 12 bytes `len` announces; both live for the call.
    check(unsafe {
        syscall6(k::__NR_getsockopt, [socket.as_raw_fd() as usize, level, name, ucred.as_mut_ptr() as usize, &mut len as *mut u32 as usize, 0])
    })?;
    Ok(ucred[1])
}

/// `ioctl(SIOCSIFFLAGS, {"lo", IFF_UP | IFF_RUNNING})` on `socket`: brings the
/// loopback interface up.
pub fn loopback_up(socket: &OwnedFd) -> Result<(), Errno> {
    // struct ifreq: 16-byte name, then a union whose first member is the short flags.
    let mut ifreq = [0u8; 40];
    ifreq[..2].copy_from_slice(b"lo");
    let flags = (linux_raw_sys::net::net_device_flags::IFF_UP as u16) | (linux_raw_sys::net::net_device_flags::IFF_RUNNING as u16);
    ifreq[16..18].copy_from_slice(&flags.to_ne_bytes());
    let req = linux_raw_sys::ioctl::SIOCSIFFLAGS as usize;
    // SAFETY: `ifreq` is 40 bytes, the size of `struct ifreq`, and lives for the call.
    check(unsafe { syscall3(k::__NR_ioctl, [socket.as_raw_fd() as usize, req, ifreq.as_mut_ptr() as usize]) }).map(drop)
}

// The compiler lowers copies and comparisons to these; without libc we
// provide them. Plain byte loops: small, and the init copies little.

#[no_mangle]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        *dest.add(i) = *src.add(i);
        i += 1;
    }
    dest
}

#[no_mangle]
unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) {
        return memcpy(dest, src, n);
    }
    let mut i = n;
    while i > 0 {
        i -= 1;
        *dest.add(i) = *src.add(i);
    }
    dest
}

#[no_mangle]
unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        *dest.add(i) = c as u8;
        i += 1;
    }
    dest
}

#[no_mangle]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        let (x, y) = (*a.add(i), *b.add(i));
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

// Equality only (any nonzero for a difference): its own loop, so `memcmp`,
// which the compiler does not call here, is left out of the link.
#[no_mangle]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        if *a.add(i) != *b.add(i) {
            return 1;
        }
        i += 1;
    }
    0
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Never reached by design (clippy denies the panicking constructs); if it
    // is, PID 1 must not exit: park forever and keep the kernel alive.
    loop {
        rustix::event::pause();
    }
}

/// Descriptor 2, which the kernel opens on the console for PID 1.
pub fn stderr() -> rustix::fd::BorrowedFd<'static> {
    // SAFETY: fd 2 is opened by the kernel (or the test harness) before we
    // start and the init never closes it.
    unsafe { rustix::stdio::stderr() }
}
