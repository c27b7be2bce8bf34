//! QEMU tests of the hardware watchdog (`kios.watchdog=SECONDS`) with
//! Debian's `softdog` module (`kios.modules=softdog`: make-initramfs
//! `--modules softdog` takes the manifest's `softdog.ko` and `watchdog.ko`):
//! a healthy node stays up for 3× the timeout and powers off as asked; a
//! build of the init that never pets (the test-only cargo feature
//! `watchdog-test-no-pet`, built here into target/watchdog-test/) is reset
//! within the timeout, and the console shows the reboot (QEMU runs with
//! `-no-reboot`, so the reset ends it).
//!
//! Needs what tests/qemu.rs needs (the release init, the stand-ins, QEMU).

#[path = "qemu/boot.rs"]
mod boot;
#[path = "qemu/console.rs"]
mod console;

use boot::{work_dir, Arch, Boot};
use console::{fail, Console};
use std::path::PathBuf;
use std::process::Command;

/// The timeout asked for, in seconds.
const TIMEOUT_S: f64 = 3.0;
/// The init's line once the watchdog is armed.
const ARMED: &str = "kios: watchdog /dev/watchdog0: timeout 3 s";
/// softdog's line when it fires.
const FIRED: &str = "softdog: Initiating system reboot";

/// The console time of the line starting with `prefix`, or a failure.
fn time_of(name: &str, c: &Console, prefix: &str) -> f64 {
    c.time_of(prefix).unwrap_or_else(|| fail(name, &format!("no console line `{prefix}`"), c))
}

/// The init built with `watchdog-test-no-pet`.
fn no_pet_init() -> PathBuf {
    let root = boot::repo::root();
    let target = root.join("target/watchdog-test");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "kios-init", "--bin", "init", "--features", "watchdog-test-no-pet", "--target-dir"])
        .arg(&target)
        .current_dir(&root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --features watchdog-test-no-pet failed");
    target.join("release/init")
}

#[test]
fn a_healthy_node_stays_up_three_timeouts() {
    let name = "watchdog-healthy";
    let c = Boot::new(Arch::Amd64, name)
        .modules("softdog")
        .cmdline("kios.watchdog=3")
        .conf("kubelet.send=01@11000\n")
        .run();
    let armed = time_of(name, &c, ARMED);
    if c.find(FIRED).is_some() {
        fail(name, "the watchdog fired on a healthy node", &c);
    }
    let off = time_of(name, &c, "kios: milestone power-off");
    eprintln!("[{name}] armed at {armed:.2} s, power-off at {off:.2} s: up {:.1} s with the watchdog", off - armed);
    if off - armed < 3.0 * TIMEOUT_S {
        fail(name, &format!("powered off {:.1} s after arming: not 3 timeouts", off - armed), &c);
    }
    if c.find("reboot: Power down").is_none() {
        fail(name, "the kernel never printed `reboot: Power down`", &c);
    }
}

#[test]
fn a_node_that_stops_petting_is_reset_within_the_timeout() {
    let name = "watchdog-no-pet";
    let extra = work_dir(name).join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::copy(no_pet_init(), extra.join("init")).expect("copy the no-pet init");
    let c = Boot::new(Arch::Amd64, name).modules("softdog").cmdline("kios.watchdog=3").extra(&extra).run();
    let armed = time_of(name, &c, ARMED);
    let fired = time_of(name, &c, FIRED);
    eprintln!("[{name}] armed at {armed:.2} s, reset at {fired:.2} s ({:.2} s)", fired - armed);
    if fired - armed > TIMEOUT_S + 1.0 {
        fail(name, &format!("reset {:.2} s after arming: not within the timeout", fired - armed), &c);
    }
    if c.find("kios: milestone power-off").is_some() {
        fail(name, "powered off instead of being reset", &c);
    }
}
