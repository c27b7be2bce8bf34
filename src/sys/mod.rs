//! The only module with `unsafe`: the process entry, the raw syscalls
//! rustix does not expose publicly (or whose wrappers do not fit here),
//! and the memory functions the compiler expects without libc. One file
//! per syscall family, as rustix arranges its backend:
//!
//! | file | what |
//! | --- | --- |
//! | `syscall.rs` | `syscall3`, `syscall4`, `syscall6` per architecture; errno decoding |
//! | `entry.rs` | `_start`, the initial stack read into [`Startup`], [`entry_point!`](crate::entry_point), `rename_process`, the panic handler |
//! | `process.rs` | fork, execve, wait4, exit_group, kill(-1) |
//! | `signal.rs` | the signal mask, signalfd and its records |
//! | `event.rs` | epoll and ppoll with millisecond timeouts |
//! | `io.rs` | `FIONREAD`, `FIONBIO`, the watchdog's ioctls, inotify watches, stderr |
//! | `pipe.rs` | splice and tee |
//! | `net.rs` | the system socket's bind, `SO_PEERCRED`, loopback up |
//! | `mm.rs` | a scratch mapping; the monotonic clock (in µs too, for the `trace` feature) |
//! | `mem.rs` | `memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen` |
//!
//! # Safety
//!
//! Everything outside this module is safe code: each public item here has
//! a safe signature. The raw syscalls take only integers or pointers to
//! buffers that live for the whole call; the kernel never keeps them.
//! Syscall numbers and constants come from `linux-raw-sys` for the
//! architecture being built; `_start` and the `syscallN`s are the only
//! per-architecture code in the crate. Every `unsafe fn` says what its
//! caller must uphold (`# Safety`), and every unsafe operation why it holds
//! (`// SAFETY:`).
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]
// Pointer and index arithmetic here walks kernel-built structures (the
// initial stack, argv strings) within the bounds the kernel gives.
#![allow(clippy::arithmetic_side_effects)]

mod entry;
mod event;
mod io;
mod mem;
mod mm;
mod net;
mod pipe;
mod process;
mod signal;
mod syscall;

pub use entry::{rename_process, Main, Startup};
#[doc(hidden)]
pub use entry::entry;
pub use event::{epoll_add, epoll_wait, poll_in};
pub use io::{add_watch, pending, set_nonblocking, stderr, watchdog_ioctl};
pub use mm::{monotonic_ms, with_scratch};
#[cfg(feature = "trace")]
pub use mm::monotonic_us;
pub use net::{bind_unix, loopback_up, peer_cred};
pub use pipe::{splice, tee};
pub use process::{execve, exit, fork, kill_all, reap};
pub use signal::{read_signal, set_signal_mask, signalfd, SigSet};
