//! The QEMU command line of a kiOS boot, one for the QEMU tests, the bench
//! and scripts/boot: the architecture's system emulator under TCG, one
//! CPU, no display (the serial console on stdio), no reboot (a reset ends
//! QEMU like a power-off), a kernel, an initramfs and its command line;
//! optionally NVMe disks, a QMP monitor socket and `-icount`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Arch;

/// Guest memory unless [`Qemu::memory`] says otherwise, MiB.
pub const DEFAULT_MEMORY_MB: u32 = 512;

/// One boot's QEMU, described with the builder methods, then
/// [`Qemu::command`]:
///
/// ```ignore
/// let child = Qemu::new(Arch::Amd64, &kernel, &initramfs, "console=ttyS0 panic=-1")
///     .memory(1024)
///     .nvme(&disk, "kios", 512)
///     .command()
///     .spawn()?;
/// ```
#[derive(Clone, Debug)]
pub struct Qemu {
    arch: Arch,
    kernel: PathBuf,
    initrd: PathBuf,
    append: String,
    memory_mb: u32,
    icount: Option<u32>,
    qmp: Option<PathBuf>,
    /// `(image, serial, sector size)` of each NVMe disk.
    disks: Vec<(PathBuf, String, u32)>,
}

impl Qemu {
    /// Boots `kernel` with `initrd` and the kernel command line `append`,
    /// with [`DEFAULT_MEMORY_MB`], diskless, no monitor.
    pub fn new(arch: Arch, kernel: &Path, initrd: &Path, append: &str) -> Qemu {
        Qemu {
            arch,
            kernel: kernel.to_path_buf(),
            initrd: initrd.to_path_buf(),
            append: append.to_string(),
            memory_mb: DEFAULT_MEMORY_MB,
            icount: None,
            qmp: None,
            disks: Vec::new(),
        }
    }

    /// The guest's memory, MiB.
    pub fn memory(mut self, mb: u32) -> Qemu {
        self.memory_mb = mb;
        self
    }

    /// `-icount shift=SHIFT,sleep=off`: the guest's clock counts executed
    /// instructions (2^SHIFT ns each) instead of following the host's.
    pub fn icount(mut self, shift: u32) -> Qemu {
        self.icount = Some(shift);
        self
    }

    /// A QMP monitor on the unix socket `path` (QEMU creates it, does not
    /// wait for a client).
    pub fn qmp(mut self, path: &Path) -> Qemu {
        self.qmp = Some(path.to_path_buf());
        self
    }

    /// Attaches `image` (raw) as an NVMe disk with this `serial` (also its
    /// drive's id) and `sector_size`-byte logical and physical blocks.
    pub fn nvme(mut self, image: &Path, serial: &str, sector_size: u32) -> Qemu {
        self.disks.push((image.to_path_buf(), serial.to_string(), sector_size));
        self
    }

    /// The system emulator to run ([`Arch::qemu`]).
    pub fn program(&self) -> &'static str {
        self.arch.qemu()
    }

    /// Its arguments.
    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = self.arch.machine_args().iter().map(OsString::from).collect();
        let mut push = |a: &[&str]| args.extend(a.iter().map(OsString::from));
        push(&["-accel", "tcg", "-smp", "1", "-m", &self.memory_mb.to_string(), "-nographic", "-no-reboot"]);
        if let Some(shift) = self.icount {
            push(&["-icount", &format!("shift={shift},sleep=off")]);
        }
        for (flag, path) in [("-kernel", &self.kernel), ("-initrd", &self.initrd)] {
            args.push(flag.into());
            args.push(path.into());
        }
        args.push("-append".into());
        args.push((&self.append).into());
        if let Some(path) = &self.qmp {
            args.push("-qmp".into());
            let mut spec = OsString::from("unix:");
            spec.push(path);
            spec.push(",server=on,wait=off");
            args.push(spec);
        }
        for (image, serial, sector_size) in &self.disks {
            args.push("-drive".into());
            let mut drive = OsString::from("file=");
            drive.push(image);
            drive.push(format!(",if=none,id={serial},format=raw"));
            args.push(drive);
            args.push("-device".into());
            args.push(nvme_device(serial, serial, *sector_size).into());
        }
        args
    }

    /// The command, ready to spawn (stdin, stdout and stderr as the
    /// caller sets them).
    pub fn command(&self) -> Command {
        let mut c = Command::new(self.program());
        c.args(self.args());
        c
    }
}

/// QEMU's `-device` (or HMP `device_add`) text of an NVMe controller with
/// this `serial` on the drive `drive`, with `sector_size`-byte logical and
/// physical blocks (512, QEMU's default, or 4096).
pub fn nvme_device(serial: &str, drive: &str, sector_size: u32) -> String {
    let mut dev = format!("nvme,serial={serial},drive={drive}");
    if sector_size != 512 {
        dev += &format!(",logical_block_size={sector_size},physical_block_size={sector_size}");
    }
    dev
}

/// The HMP commands that hot-plug `image` (raw) into a running QEMU as an
/// NVMe disk with this `serial` (also its drive's id): `drive_add`, then
/// `device_add`.
pub fn hotplug_commands(image: &Path, serial: &str, sector_size: u32) -> [String; 2] {
    [
        format!("drive_add 0 if=none,id={serial},file={},format=raw", image.display()),
        format!("device_add {}", nvme_device(serial, serial, sector_size)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &Qemu) -> Vec<String> {
        q.args().iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn a_plain_amd64_boot() {
        let q = Qemu::new(Arch::Amd64, Path::new("k/vmlinuz"), Path::new("i.cpio"), "console=ttyS0 panic=-1");
        assert_eq!(q.program(), "qemu-system-x86_64");
        assert_eq!(
            words(&q),
            [
                "-accel", "tcg", "-smp", "1", "-m", "512", "-nographic", "-no-reboot", "-kernel", "k/vmlinuz", "-initrd", "i.cpio",
                "-append", "console=ttyS0 panic=-1"
            ]
        );
    }

    #[test]
    fn arm64_with_everything() {
        let q = Qemu::new(Arch::Arm64, Path::new("v"), Path::new("i"), "a")
            .memory(1024)
            .icount(3)
            .qmp(Path::new("/tmp/q.sock"))
            .nvme(Path::new("d.img"), "kios0", 4096)
            .nvme(Path::new("e.img"), "kios1", 512);
        assert_eq!(q.program(), "qemu-system-aarch64");
        let w = words(&q);
        assert_eq!(w[..4], ["-M", "virt", "-cpu", "cortex-a57"]);
        let after = |flag: &str| w[w.iter().position(|x| x == flag).unwrap() + 1].clone();
        assert_eq!(after("-m"), "1024");
        assert_eq!(after("-icount"), "shift=3,sleep=off");
        assert_eq!(after("-qmp"), "unix:/tmp/q.sock,server=on,wait=off");
        let drives: Vec<&String> = w.iter().zip(&w[1..]).filter(|(f, _)| *f == "-drive").map(|(_, v)| v).collect();
        assert_eq!(drives, ["file=d.img,if=none,id=kios0,format=raw", "file=e.img,if=none,id=kios1,format=raw"]);
        let devices: Vec<&String> = w.iter().zip(&w[1..]).filter(|(f, _)| *f == "-device").map(|(_, v)| v).collect();
        assert_eq!(
            devices,
            ["nvme,serial=kios0,drive=kios0,logical_block_size=4096,physical_block_size=4096", "nvme,serial=kios1,drive=kios1"]
        );
    }

    #[test]
    fn a_hotplugged_disk() {
        assert_eq!(
            hotplug_commands(Path::new("/d.img"), "late", 512),
            ["drive_add 0 if=none,id=late,file=/d.img,format=raw", "device_add nvme,serial=late,drive=late"]
        );
    }
}
