//! `kios-host`: the crate's facts and tools for the scripts (through
//! scripts/lib-qemu.sh's `kios_host`):
//!
//!     kios-host arch-env ARCH
//!         the shell assignments of ARCH's facts (amd64 or x86_64, arm64 or
//!         aarch64), for `eval`: DEB_ARCH RUST_ARCH TRIPLE INIT QEMU
//!         QEMU_PKG CONSOLE
//!     kios-host qemu --arch ARCH --kernel FILE --initrd FILE --append CMDLINE
//!                    [--memory MIB] [--nvme IMAGE SERIAL]... [--timeout S]
//!         runs QEMU for one boot, the console on stdout; kills it after S
//!         seconds (exit 124, as timeout(1)), else exits with its status
//!     kios-host story [--pods] CONSOLE
//!         the boot told from a saved console (`Console::story`); exits 1,
//!         with an excerpt, unless the kernel powered off
//!
//! Usage errors exit 2.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use kios_host::{Arch, Console, Qemu};

const USAGE: &str = "usage: kios-host arch-env ARCH\n       \
    kios-host qemu --arch ARCH --kernel FILE --initrd FILE --append CMDLINE [--memory MIB] [--nvme IMAGE SERIAL]... [--timeout S]\n       \
    kios-host story [--pods] CONSOLE";

fn arch(name: &str) -> Result<Arch, String> {
    Arch::from_name(name).ok_or_else(|| format!("unknown architecture '{name}' (amd64 or x86_64, arm64 or aarch64)"))
}

/// `'text'` for a POSIX shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn arch_env(a: Arch) -> String {
    let mut out = String::new();
    for (name, value) in [
        ("DEB_ARCH", a.name().to_string()),
        ("RUST_ARCH", a.rust_arch().to_string()),
        ("TRIPLE", a.triple().to_string()),
        ("INIT", format!("target/{}", a.init())),
        ("QEMU", a.qemu().to_string()),
        ("QEMU_PKG", a.qemu_package().to_string()),
        ("CONSOLE", a.console().to_string()),
    ] {
        out += &format!("{name}={}\n", quoted(&value));
    }
    out
}

/// `kios-host qemu ...`: QEMU's exit code, 124 if it was killed at the deadline.
fn qemu(mut args: impl Iterator<Item = String>) -> Result<u8, String> {
    let (mut arch_name, mut kernel, mut initrd, mut append) = (None, None, None, None);
    let mut memory = kios_host::qemu::DEFAULT_MEMORY_MB;
    let mut timeout = None;
    let mut disks: Vec<(PathBuf, String)> = Vec::new();
    let usage = || USAGE.to_string();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(usage);
        match flag.as_str() {
            "--arch" => arch_name = Some(value()?),
            "--kernel" => kernel = Some(PathBuf::from(value()?)),
            "--initrd" => initrd = Some(PathBuf::from(value()?)),
            "--append" => append = Some(value()?),
            "--memory" => memory = value()?.parse().ok().filter(|&m| m > 0).ok_or_else(usage)?,
            "--timeout" => timeout = Some(Duration::from_secs(value()?.parse().map_err(|_| usage())?)),
            "--nvme" => {
                let image = PathBuf::from(value()?);
                disks.push((image, value()?));
            }
            _ => return Err(usage()),
        }
    }
    let (Some(name), Some(kernel), Some(initrd), Some(append)) = (arch_name, kernel, initrd, append) else {
        return Err(usage());
    };
    let mut q = Qemu::new(arch(&name)?, &kernel, &initrd, &append).memory(memory);
    for (image, serial) in &disks {
        q = q.nvme(image, serial, 512);
    }
    let started = Instant::now();
    let mut child = q.command().stdin(Stdio::null()).spawn().map_err(|e| format!("{}: {e}", q.program()))?;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status.code().map_or(1, |c| c as u8));
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(124);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `kios-host story ...`: whether the kernel powered off.
fn story(args: &[String]) -> Result<bool, String> {
    let (pods, file) = match args {
        [file] => (false, file),
        [flag, file] if flag == "--pods" => (true, file),
        _ => return Err(USAGE.into()),
    };
    let raw = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let c = Console::parse(&raw);
    print!("{}", c.story(pods));
    let off = c.lines.iter().any(|l| l.time.is_some() && l.text.starts_with("reboot: Power down"));
    if off {
        println!("OK: powered off");
    } else {
        print!("{}", c.excerpt(40));
        eprintln!("FAIL: no 'reboot: Power down' on the console ({file})");
    }
    Ok(off)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let result = match args.next().as_deref() {
        Some("arch-env") => match (args.next(), args.next()) {
            (Some(name), None) => arch(&name).map(|a| print!("{}", arch_env(a))),
            _ => Err(USAGE.into()),
        },
        Some("qemu") => match qemu(args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Some("story") => match story(&args.collect::<Vec<_>>()) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kios-host: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_env_is_shell() {
        let env = arch_env(Arch::Arm64);
        assert!(env.contains("INIT='target/aarch64-unknown-linux-gnu/release/init'\n"), "{env}");
        assert!(env.ends_with("CONSOLE='ttyAMA0'\n"), "{env}");
        assert_eq!(arch_env(Arch::Amd64).lines().count(), 7);
        assert_eq!(quoted("it's"), "'it'\\''s'");
    }
}
