//! QEMU system tests: the release init boots a stock Debian cloud kernel
//! (TCG, no disk: `datapart=none`) with the cri-o and kubelet stand-ins and
//! is judged by its serial console alone. The same tests for both
//! architectures: amd64 (QEMU's PC) and arm64 (the virt board).
//!
//! Needs, before `cargo test`: the init (`cargo build --release`, and with
//! `--target aarch64-unknown-linux-gnu`) and the static stand-ins
//! (scripts/build-standins, and with `--arch aarch64`); QEMU installed.
//! The kernels are fetched by scripts/fetch-kernel if missing. A missing
//! piece fails the test with a message; nothing is skipped. The boots run
//! in parallel, one per test (as many at once as the test threads); each
//! has a 60 s deadline (KIOS_QEMU_TIMEOUT).
//! KIOS_QEMU_EXTRA=DIR lays DIR's tree over the initramfs root
//! (make-initramfs `--extra`).

#[path = "qemu/boot.rs"]
mod boot;
#[path = "qemu/console.rs"]
mod console;

use boot::{Arch, Boot};
use console::{check_lifecycle, fail, Console};

/// Prints the boot figures: timeline, Run /init → kubelet-exec, init VmRSS.
fn report(name: &str, c: &Console) {
    eprintln!("[{name}] timeline (ms since Run /init):\n{}", c.timeline());
    match c.ms_since_init("kubelet-exec") {
        Some(ms) => eprintln!("[{name}] Run /init -> kubelet-exec: {ms:.1} ms"),
        None => eprintln!("[{name}] Run /init -> kubelet-exec: not seen"),
    }
    match c.report_kb("standin-kubelet: init-vmrss") {
        Some(kb) => eprintln!("[{name}] init VmRSS (kubelet stand-in's report): {kb} kB"),
        None => eprintln!("[{name}] init VmRSS: not reported by the kubelet stand-in"),
    }
    match c.report_kb("standin-kubelet: init-rss") {
        Some(kb) => eprintln!("[{name}] init Rss (smaps_rollup, kubelet stand-in's report): {kb} kB"),
        None => eprintln!("[{name}] init Rss: not reported by the kubelet stand-in"),
    }
    for l in c
        .lines
        .iter()
        .filter(|l| l.text.starts_with("kios: warning:") || l.text.starts_with("kios: error:"))
    {
        eprintln!("[{name}] init said: {}", l.text);
    }
}

/// The kubelet asks for a soft shutdown 3 s after it starts and answers
/// the shutdown event with continue: the node powers off.
fn power_off(arch: Arch, name: &str) {
    let c = Boot::new(arch, name).conf("kubelet.send=01@3000\n").run();
    report(name, &c);
    check_lifecycle(name, &c, "datapart-skipped", "power-off");
    if c.find("reboot: Power down").is_none() {
        fail(name, "the kernel never printed `reboot: Power down`", &c);
    }
}

/// The kubelet sends the soft-reboot byte 1 s after it starts: same
/// lifecycle, ending in a reboot (QEMU exits on it: -no-reboot).
fn reboot(arch: Arch, name: &str) {
    let c = Boot::new(arch, name).conf("kubelet.send=05@1000\n").run();
    report(name, &c);
    check_lifecycle(name, &c, "datapart-skipped", "reboot");
    if c.find("reboot: Restarting system").is_none() {
        fail(
            name,
            "the kernel never printed `reboot: Restarting system`",
            &c,
        );
    }
}

#[test]
fn lifecycle_to_power_off() {
    power_off(Arch::Amd64, "power-off");
}

#[test]
fn soft_reboot() {
    reboot(Arch::Amd64, "reboot");
}

/// arm64: the init built for aarch64, Debian's cloud-arm64 kernel, power-off by PSCI.
#[test]
fn arm64_lifecycle_to_power_off() {
    power_off(Arch::Arm64, "arm64-power-off");
}

/// arm64: reset by PSCI.
#[test]
fn arm64_soft_reboot() {
    reboot(Arch::Arm64, "arm64-reboot");
}
