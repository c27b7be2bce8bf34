//! `kios-host`: what the host side of kiOS knows once, for the QEMU tests
//! (tests/qemu*.rs), the boot benchmark (bench/, `scripts/bench-boot`) and
//! the scripts (through the `kios-host` binary, src/main.rs):
//!
//! - [`arch`]: the architectures kiOS boots and every fact that differs
//!   between them (Rust target, Debian name, QEMU binary and machine,
//!   serial console);
//! - [`console`]: a QEMU boot's serial console read back: kernel log lines
//!   with their timestamps, the init's `kios: milestone` lines, the boot
//!   timeline and story;
//! - [`qemu`]: the QEMU command line of a boot.
//!
//! Pure std, no I/O in the parsers: every piece is unit-tested.

pub mod arch;
pub mod console;
pub mod qemu;

pub use arch::Arch;
pub use console::Console;
pub use qemu::Qemu;
