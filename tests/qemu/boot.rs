//! Booting the release init in QEMU (TCG, diskless) with the stand-ins:
//! build an initramfs with scripts/make-test-initramfs, run QEMU with a
//! deadline, and return its serial console. One architecture per boot.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::console::Console;

/// Deadline of one boot, seconds; `KIOS_QEMU_TIMEOUT` overrides it.
const DEFAULT_TIMEOUT_S: u64 = 60;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Cargo's target directory (the parent of this test's tmp dir).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

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
    fn init(self) -> &'static str {
        match self {
            Arch::Amd64 => "release/init",
            Arch::Arm64 => "aarch64-unknown-linux-gnu/release/init",
        }
    }

    /// Where scripts/build-standins puts the stand-ins, relative to the target directory.
    fn standins(self) -> &'static str {
        match self {
            Arch::Amd64 => "x86_64-unknown-linux-gnu/release",
            Arch::Arm64 => "aarch64-unknown-linux-gnu/release",
        }
    }

    /// The system emulator, its Debian package and its machine arguments.
    fn qemu(self) -> (&'static str, &'static str, &'static [&'static str]) {
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
    fn build_hint(self) -> &'static str {
        match self {
            Arch::Amd64 => "`cargo build --release` and scripts/build-standins",
            Arch::Arm64 => {
                "`cargo build --release --target aarch64-unknown-linux-gnu` and \
                 scripts/build-standins --arch aarch64"
            }
        }
    }
}

/// The prebuilt init and stand-ins; a missing one fails the test (never a skip).
fn binaries(arch: Arch) -> [(&'static str, PathBuf); 3] {
    let t = target_dir();
    let standins = t.join(arch.standins());
    let bins = [
        ("--init", t.join(arch.init())),
        ("--crio", standins.join("crio-standin")),
        ("--kubelet", standins.join("kubelet-standin")),
    ];
    for (_, path) in &bins {
        assert!(
            path.is_file(),
            "{} is missing: build it before `cargo test` ({}, or let \
             scripts/boot --arch {} build everything)",
            path.display(),
            arch.build_hint(),
            arch.name()
        );
    }
    bins
}

/// `.cache/kernel/ARCH/vmlinuz`, fetched by scripts/fetch-kernel if missing.
/// One fetch at a time: a first arm64 fetch runs `dpkg --add-architecture`
/// and `apt-get update`, which must not race another apt-get.
fn kernel(arch: Arch) -> PathBuf {
    static FETCHING: Mutex<()> = Mutex::new(());
    let root = repo_root();
    let _one_at_a_time = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
    let status = Command::new(root.join("scripts/fetch-kernel"))
        .args(["--arch", arch.name()])
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!(
            "scripts/fetch-kernel --arch {} failed: {other:?}",
            arch.name()
        ),
    }
    root.join(".cache/kernel").join(arch.name()).join("vmlinuz")
}

/// Boots `arch` once with `standin_conf` as /etc/standin.conf; `name` names
/// the work directory (target/tmp/qemu-NAME/, console.log kept there).
pub fn boot(arch: Arch, name: &str, standin_conf: &str) -> Console {
    let (qemu, package, machine) = arch.qemu();
    let have_qemu = Command::new(qemu)
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    assert!(
        matches!(have_qemu, Ok(s) if s.success()),
        "{qemu} not found: apt-get install -y {package} (scripts/boot --arch {} does it)",
        arch.name()
    );
    let kernel = kernel(arch);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("qemu-{name}"));
    fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("standin.conf");
    fs::write(&conf, standin_conf).unwrap();

    let initramfs = dir.join("initramfs.cpio");
    let mut make = Command::new(repo_root().join("scripts/make-test-initramfs"));
    make.arg(&initramfs)
        .args(["--arch", arch.name()])
        .arg("--conf")
        .arg(&conf)
        .arg("--cmdline-hint");
    for (flag, path) in binaries(arch) {
        make.arg(flag).arg(path);
    }
    // A tree laid over the initramfs root (e.g. lib/modules, or busybox for
    // a scratch /init while developing the harness).
    if let Some(extra) = std::env::var_os("KIOS_QEMU_EXTRA") {
        make.arg("--extra").arg(extra);
    }
    let made = make
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/make-test-initramfs");
    assert!(
        made.status.success(),
        "scripts/make-test-initramfs failed: {:?}",
        made.status
    );
    let cmdline = String::from_utf8(made.stdout).unwrap().trim().to_string();

    let log_path = dir.join("console.log");
    let log = fs::File::create(&log_path).unwrap();
    let started = Instant::now();
    let mut child = Command::new(qemu)
        .args(machine)
        .args(["-accel", "tcg", "-m", "512", "-nographic", "-no-reboot"])
        .arg("-kernel")
        .arg(&kernel)
        .arg("-initrd")
        .arg(&initramfs)
        .arg("-append")
        .arg(&cmdline)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start qemu");

    let timeout = std::env::var("KIOS_QEMU_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT_S);
    let deadline = started + Duration::from_secs(timeout);
    let timed_out = loop {
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break true;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let console = Console::parse(&fs::read(&log_path).unwrap());
    eprintln!(
        "[{name}] QEMU ran {:.1} s{}; console: {}",
        started.elapsed().as_secs_f64(),
        if timed_out {
            " and was killed at the deadline"
        } else {
            ""
        },
        log_path.display()
    );
    if timed_out {
        panic!(
            "[{name}] QEMU did not exit within {timeout} s\n{}",
            console.excerpt(80)
        );
    }
    console
}
