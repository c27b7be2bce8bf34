//! The architectures the QEMU tests boot, and what differs between them.

/// An architecture the tests boot, with what differs between them (the
/// scripts' `use_arch` in scripts/lib-qemu.sh says the same).
#[derive(Clone, Copy, PartialEq)]
pub enum Arch {
    /// x86_64 on QEMU's default PC, console ttyS0.
    Amd64,
    /// aarch64 on QEMU's virt board with a Cortex-A57, console ttyAMA0;
    /// power-off and reset through PSCI.
    Arm64,
}

impl Arch {
    /// Debian's name, as the scripts' `--arch` and `.cache/kernel/NAME/` use it.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The release init, relative to the target directory (the arm64 one is
    /// built with `--target`).
    pub fn init(self) -> &'static str {
        match self {
            Arch::Amd64 => "release/init",
            Arch::Arm64 => "aarch64-unknown-linux-gnu/release/init",
        }
    }

    /// Where scripts/build-standins puts the stand-ins, relative to the target directory.
    pub fn standins(self) -> &'static str {
        match self {
            Arch::Amd64 => "x86_64-unknown-linux-gnu/release",
            Arch::Arm64 => "aarch64-unknown-linux-gnu/release",
        }
    }

    /// The serial console, for `console=`.
    pub fn console(self) -> &'static str {
        match self {
            Arch::Amd64 => "ttyS0",
            Arch::Arm64 => "ttyAMA0",
        }
    }

    /// The system emulator, its Debian package and its machine arguments.
    pub fn qemu(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Arch::Amd64 => ("qemu-system-x86_64", "qemu-system-x86", &[]),
            Arch::Arm64 => (
                "qemu-system-aarch64",
                "qemu-system-arm",
                &["-M", "virt", "-cpu", "cortex-a57"],
            ),
        }
    }

    /// How to build what this architecture boots, for the failure message.
    pub fn build_hint(self) -> &'static str {
        match self {
            Arch::Amd64 => "`cargo build --release` and scripts/build-standins",
            Arch::Arm64 => {
                "`cargo build --release --target aarch64-unknown-linux-gnu` and \
                 scripts/build-standins --arch aarch64"
            }
        }
    }
}
