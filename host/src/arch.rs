//! The architectures kiOS boots, and every fact that differs between them:
//! the one table the QEMU tests, the bench and the scripts read
//! (`kios-host arch-env` prints it for the scripts).

/// An architecture kiOS boots in QEMU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// x86_64 on QEMU's default PC, console ttyS0.
    Amd64,
    /// aarch64 on QEMU's virt board with a Cortex-A57: PL011 UART
    /// (console ttyAMA0), power-off and reset through PSCI.
    Arm64,
}

impl Arch {
    /// Every architecture, amd64 first.
    pub const ALL: [Arch; 2] = [Arch::Amd64, Arch::Arm64];

    /// The architecture named `name` in Debian's spelling (amd64, arm64)
    /// or Rust's (x86_64, aarch64).
    pub fn from_name(name: &str) -> Option<Arch> {
        Arch::ALL
            .into_iter()
            .find(|a| a.name() == name || a.rust_arch() == name)
    }

    /// Debian's name: the kernel package, `.cache/kernel/NAME/`, the
    /// scripts' `--arch`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }

    /// Rust's name: `linker/NAME.ld`, `scripts/build-standins --arch`.
    pub fn rust_arch(self) -> &'static str {
        match self {
            Arch::Amd64 => "x86_64",
            Arch::Arm64 => "aarch64",
        }
    }

    /// The Rust target the stand-ins (and the arm64 init) are built for.
    pub fn triple(self) -> &'static str {
        match self {
            Arch::Amd64 => "x86_64-unknown-linux-gnu",
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The release init, relative to the target directory: the amd64 one
    /// is the host's default build, the arm64 one is built with `--target`.
    pub fn init(self) -> String {
        match self {
            Arch::Amd64 => "release/init".to_string(),
            Arch::Arm64 => format!("{}/release/init", self.triple()),
        }
    }

    /// Where scripts/build-standins puts the stand-ins, relative to the
    /// target directory.
    pub fn standins(self) -> String {
        format!("{}/release", self.triple())
    }

    /// The serial console, for `console=`.
    pub fn console(self) -> &'static str {
        match self {
            Arch::Amd64 => "ttyS0",
            Arch::Arm64 => "ttyAMA0",
        }
    }

    /// The QEMU system emulator.
    pub fn qemu(self) -> &'static str {
        match self {
            Arch::Amd64 => "qemu-system-x86_64",
            Arch::Arm64 => "qemu-system-aarch64",
        }
    }

    /// The Debian package of [`Arch::qemu`].
    pub fn qemu_package(self) -> &'static str {
        match self {
            Arch::Amd64 => "qemu-system-x86",
            Arch::Arm64 => "qemu-system-arm",
        }
    }

    /// QEMU's machine arguments (none: the default PC).
    pub fn machine_args(self) -> &'static [&'static str] {
        match self {
            Arch::Amd64 => &[],
            Arch::Arm64 => &["-M", "virt", "-cpu", "cortex-a57"],
        }
    }

    /// How to build the init and stand-ins this architecture boots, for
    /// a failure message.
    pub fn build_hint(self) -> String {
        match self {
            Arch::Amd64 => "`cargo build --release` and scripts/build-standins".to_string(),
            Arch::Arm64 => format!(
                "`cargo build --release --target {}` and scripts/build-standins --arch {}",
                self.triple(),
                self.rust_arch()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_name_an_architecture() {
        assert_eq!(Arch::from_name("amd64"), Some(Arch::Amd64));
        assert_eq!(Arch::from_name("x86_64"), Some(Arch::Amd64));
        assert_eq!(Arch::from_name("arm64"), Some(Arch::Arm64));
        assert_eq!(Arch::from_name("aarch64"), Some(Arch::Arm64));
        assert_eq!(Arch::from_name("riscv64"), None);
        assert_eq!(Arch::from_name(""), None);
    }

    #[test]
    fn the_paths_follow_the_triple() {
        assert_eq!(Arch::Amd64.triple(), "x86_64-unknown-linux-gnu");
        assert_eq!(Arch::Amd64.init(), "release/init");
        assert_eq!(Arch::Arm64.init(), "aarch64-unknown-linux-gnu/release/init");
        assert_eq!(Arch::Arm64.standins(), "aarch64-unknown-linux-gnu/release");
        for a in Arch::ALL {
            assert!(a.triple().starts_with(a.rust_arch()));
            assert!(a.qemu().ends_with(a.rust_arch()));
        }
    }
}
