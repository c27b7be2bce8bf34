//! QEMU system test of the manifest-built initramfs (issue 4): the archive
//! an operator builds with scripts/make-initramfs from root/manifest, with
//! its defaults and nothing added (the other QEMU tests add modules or
//! trees to theirs), boots Debian's stock
//! cloud kernel (amd64, TCG, diskless) compressed each way the script
//! offers: gzip, zstd and xz (`--check=crc32`, what the kernel's xz reader
//! wants); and the arm64 archive (`--arch arm64`, zstd) boots Debian's
//! cloud-arm64 kernel on the virt board. One test each, booting in parallel.
//!
//! Each test builds `--profile test` (the init, the cri-o and kubelet
//! stand-ins, the manifest's /etc) with `--standin-conf`, the manifest's
//! test-only `/etc/standin.conf`: the kubelet stand-in asks for a power-off
//! 500 ms after it starts. The archive must pass the audit (exit 0: the
//! manifest's checks and the init's 32768-byte budget), then boot through
//! every milestone in order to `power-off` and the kernel's `reboot: Power
//! down`.
//!
//! Needs, before `cargo test`: the init and stand-ins of both
//! architectures (as tests/qemu.rs: `cargo build --release` with and
//! without `--target aarch64-unknown-linux-gnu`, scripts/build-standins
//! with and without `--arch aarch64`), QEMU, cpio, gzip, zstd, xz and root
//! or fakeroot. Work directories: target/tmp/qemu-initramfs-{gzip,zstd,xz,
//! arm64-zstd}/ (the archive, console.log).

#[path = "qemu/boot.rs"]
mod boot;
#[path = "qemu/console.rs"]
mod console;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use boot::{repo, work_dir, Arch, Boot};
use console::{check_lifecycle, fail};

/// /etc/standin.conf: a power-off request soon after the kubelet starts,
/// to keep the boot short.
const CONF: &str = "kubelet.send=01@500\n";

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `scripts/make-initramfs DIR/initramfs.cpio.EXT --arch ARCH --profile
/// test --compress COMPRESS --standin-conf DIR/standin.conf` with the
/// default init and stand-ins of `arch`, then `scripts/audit` on it: the
/// compression and architecture it finds must be these, and the manifest's
/// checks and the init's budget must pass (exit 0).
fn build(dir: &Path, arch: Arch, compress: &str, magic: &[u8]) -> PathBuf {
    let conf = dir.join("standin.conf");
    fs::write(&conf, CONF).unwrap();
    let out = dir.join(format!("initramfs.cpio.{compress}"));
    let _ = fs::remove_file(&out);
    let o = Command::new(repo::root().join("scripts/make-initramfs"))
        .arg(&out)
        .args(["--arch", arch.name(), "--profile", "test", "--compress", compress, "--standin-conf"])
        .arg(&conf)
        .output()
        .expect("run scripts/make-initramfs");
    assert!(
        o.status.success(),
        "scripts/make-initramfs --arch {} --compress {compress} failed (the init and stand-ins \
         are built first: `cargo build --release`, scripts/build-standins, each with the arch):\n{}",
        arch.name(),
        text(&o)
    );
    let head = fs::read(&out).unwrap();
    assert!(
        head.starts_with(magic),
        "{}: not {compress} (starts {:02x?})",
        out.display(),
        &head[..head.len().min(6)]
    );

    let o = Command::new(repo::root().join("scripts/audit"))
        .arg(&out)
        .output()
        .expect("run scripts/audit");
    let report = text(&o);
    let status = o.status.code().expect("audit killed by a signal");
    assert!(
        status == 0 && report.contains("audit: ok"),
        "audit of {}: exit {status}, the manifest's checks and the init's budget must pass:\n{report}",
        out.display()
    );
    let first = format!(
        "compression {compress}, profile test (inferred), runtime crio (inferred), arch {} (inferred)",
        arch.name()
    );
    for want in [first.as_str(), "/etc/standin.conf"] {
        assert!(report.contains(want), "audit: no `{want}`:\n{report}");
    }
    out
}

/// Builds the `arch` archive compressed with `compress`, boots it, and
/// checks the boot from the console.
fn boot(arch: Arch, compress: &str, magic: &[u8]) {
    let name = match arch {
        Arch::Amd64 => format!("initramfs-{compress}"),
        Arch::Arm64 => format!("initramfs-arm64-{compress}"),
    };
    let dir = work_dir(&name);
    let archive = build(&dir, arch, compress, magic);
    let size = fs::metadata(&archive).unwrap().len();
    let c = Boot::new(arch, &name).initramfs(&archive).run();

    eprintln!("[{name}] {size} bytes; timeline (ms since Run /init):\n{}", c.timeline());
    // The kernel says so when it cannot decompress or read the archive.
    for bad in ["Initramfs unpacking failed", "rootfs image is not initramfs"] {
        if let Some(i) = c.find(bad) {
            fail(&name, &format!("the kernel did not take the archive: {}", c.lines[i].text), &c);
        }
    }
    let ready = check_lifecycle(&name, &c, "datapart-skipped", "power-off");
    // The power-off came from the archive's /etc/standin.conf.
    match c.find("standin-kubelet: sent 0x01") {
        Some(sent) if sent > ready => {}
        _ => fail(&name, "the kubelet stand-in never sent 0x01: /etc/standin.conf not read?", &c),
    }
    if c.find("standin-kubelet: config error").is_some() {
        fail(&name, "the kubelet stand-in could not read its config", &c);
    }
    if c.find("reboot: Power down").is_none() {
        fail(&name, "the kernel never printed `reboot: Power down`", &c);
    }
}

#[test]
fn gzip_boots_to_power_off() {
    boot(Arch::Amd64, "gzip", &[0x1f, 0x8b]);
}

#[test]
fn zstd_boots_to_power_off() {
    boot(Arch::Amd64, "zstd", &[0x28, 0xb5, 0x2f, 0xfd]);
}

#[test]
fn arm64_zstd_boots_to_power_off() {
    boot(Arch::Arm64, "zstd", &[0x28, 0xb5, 0x2f, 0xfd]);
}

#[test]
fn xz_boots_to_power_off() {
    boot(Arch::Amd64, "xz", &[0xfd, b'7', b'z', b'X', b'Z', 0x00]);
}
