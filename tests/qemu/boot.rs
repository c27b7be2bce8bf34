//! Booting the release init in QEMU (TCG, diskless) with the stand-ins:
//! build an initramfs with scripts/make-test-initramfs, run QEMU with a
//! deadline, and return its serial console.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
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

/// The prebuilt init and stand-ins; a missing one fails the test (never a skip).
fn binaries() -> [(&'static str, PathBuf); 3] {
    let t = target_dir();
    let standins = t.join("x86_64-unknown-linux-gnu/release");
    let bins = [
        ("--init", t.join("release/init")),
        ("--crio", standins.join("crio-standin")),
        ("--kubelet", standins.join("kubelet-standin")),
    ];
    for (_, path) in &bins {
        assert!(
            path.is_file(),
            "{} is missing: build it before `cargo test` (`cargo build --release` and \
             scripts/build-standins, or let scripts/boot build everything)",
            path.display()
        );
    }
    bins
}

/// `.cache/kernel/amd64/vmlinuz`, fetched once per test process.
fn kernel() -> PathBuf {
    static FETCHED: OnceLock<Result<(), String>> = OnceLock::new();
    let root = repo_root();
    let fetched =
        FETCHED.get_or_init(
            || match Command::new(root.join("scripts/fetch-kernel")).status() {
                Ok(s) if s.success() => Ok(()),
                other => Err(format!("scripts/fetch-kernel failed: {other:?}")),
            },
        );
    if let Err(e) = fetched {
        panic!("{e}");
    }
    root.join(".cache/kernel/amd64/vmlinuz")
}

/// Boots once with `standin_conf` as /etc/standin.conf; `name` names the
/// work directory (target/tmp/qemu-NAME/, console.log kept there).
pub fn boot(name: &str, standin_conf: &str) -> Console {
    let qemu = "qemu-system-x86_64";
    let have_qemu = Command::new(qemu)
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    assert!(
        matches!(have_qemu, Ok(s) if s.success()),
        "{qemu} not found: apt-get install -y qemu-system-x86 (scripts/boot does it)"
    );
    let kernel = kernel();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("qemu-{name}"));
    fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("standin.conf");
    fs::write(&conf, standin_conf).unwrap();

    let initramfs = dir.join("initramfs.cpio");
    let mut make = Command::new(repo_root().join("scripts/make-test-initramfs"));
    make.arg(&initramfs)
        .arg("--conf")
        .arg(&conf)
        .arg("--cmdline-hint");
    for (flag, path) in binaries() {
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
