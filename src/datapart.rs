//! The data partition (SPEC §4): find it (a device path, or the disks of
//! `/sys/block` read for the kiOS GPT type GUID, a PARTUUID or a
//! PARTLABEL), mount it on [`MOUNT`], create its layout on first boot, and
//! put its directories where the node expects them.

use crate::log::bytes;
use crate::mounts::{fits, make_dir, make_dirs};
use core::ffi::CStr;
use kios::cstr::{self, join};
use kios::gpt;
use kios::retry::Retry;
use kios::options::{Datapart, PARTLABEL, PARTUUID};
use rustix::fs::{open, Mode, OFlags};
use rustix::mount::{mount, mount_bind, mount_change, mount_remount, MountFlags, MountPropagationFlags};

/// Where the partition itself is mounted (private: the binds below are
/// what the node shares).
const MOUNT: &CStr = c"/run/kios/datapart";

/// Directories of the layout under [`MOUNT`], created when missing (first
/// boot), NUL-terminated; each starts with its `/`, to be joined to
/// [`MOUNT`].
const LAYOUT: &[u8] = b"/meta\0/meta/etc\0/meta/etc.work\0/meta/log\0/data\0/data/oci\0/data/pods\0/modules\0";

/// The upper layer of `/etc` and the overlay's work directory beside it.
const ETC_OVERLAY: &CStr =
    c"lowerdir=/etc,upperdir=/run/kios/datapart/meta/etc,workdir=/run/kios/datapart/meta/etc.work";

/// Binds from the partition, in order, as NUL-terminated `source`,
/// `target` pairs.
const BINDS: &[u8] = b"\
/run/kios/datapart/meta/log\0/var/log\0\
/run/kios/datapart/data/oci\0/var/lib/containers/storage\0\
/run/kios/datapart/data/pods\0/var/lib/kubelet/pods\0";

/// `/lib/modules`: the partition's `/modules` over the initramfs's, a
/// read-only overlay of the two (no upper layer): a module of either is
/// found, the partition's first, so the modules the initramfs carries for
/// the pods (loaded on demand) stay visible.
const MODULES_OVERLAY: &CStr = c"lowerdir=/run/kios/datapart/modules:/lib/modules";
/// Without overlayfs, or without `/lib/modules` in the initramfs: the
/// partition's `/modules` alone, bound, then made read-only.
const MODULES_BIND: &[u8] = b"/run/kios/datapart/modules\0/lib/modules\0";

/// The data partition not found yet: what is wanted, and when to try
/// again and to say so on the console again.
pub struct Wait<'a> {
    wanted: Datapart<'a>,
    retry: Retry,
}

impl<'a> Wait<'a> {
    /// Waits for `wanted` (anything but [`Datapart::None`]).
    pub fn new(wanted: Datapart<'a>) -> Self {
        Wait { wanted, retry: Retry::default() }
    }

    /// A device node appeared: try now, and for a few seconds more.
    pub fn device_appeared(&mut self, now: u64) -> bool {
        self.retry.device_appeared(now);
        self.attempt(now)
    }

    /// One attempt to find and mount the partition; true once it is
    /// mounted. At the first attempt and then every 10 s, a failed one says
    /// on the console what it waits for, and why each disk did not do.
    pub fn attempt(&mut self, now: u64) -> bool {
        let report = self.retry.report_due(now);
        let mut device = [0u8; 64];
        if let Some(device) = find(&self.wanted, &mut device, report) {
            if mount_layout(device, report) {
                crate::info!("milestone datapart-mounted {}", device);
                return true;
            }
        }
        if report {
            let value = match self.wanted {
                Datapart::Device(value) | Datapart::PartUuid(value) | Datapart::PartLabel(value) => value,
                _ => b"a partition of type 97aac693-d920-465a-94fe-eb59fc86dfaa",
            };
            crate::warn!("datapart: waiting for {}", bytes(value));
        }
        self.retry.failed(now, report);
        false
    }

    /// When to try again without a new device node.
    pub fn next_try_ms(&self) -> u64 {
        self.retry.next_try_ms()
    }
}

/// The device node of the wanted partition, if it exists now, written
/// into `out` (zeroed by the caller).
fn find<'b>(wanted: &Datapart, out: &'b mut [u8; 64], report: bool) -> Option<&'b CStr> {
    if let Datapart::Device(path) = *wanted {
        let path = join(out, &[path])?;
        return crate::etc::exists(path).then_some(path);
    }
    let dir = open(c"/sys/block", OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).ok()?;
    let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 1024];
    let mut disks = rustix::fs::RawDir::new(dir, &mut buf);
    // `/dev/NAME`, NUL-terminated once NAME is written after the prefix
    // (`out` comes zeroed from `attempt`).
    let (prefix, name) = out.split_at_mut(5);
    prefix.copy_from_slice(b"/dev/");
    let mut found = 0;
    while let Some(Ok(entry)) = disks.next() {
        let disk = entry.file_name().to_bytes();
        if disk.first() == Some(&b'.') {
            continue;
        }
        let problem = match scan(disk, wanted) {
            Ok(0) => continue,
            Ok(number) if found == 0 => {
                found = gpt::partition_device(disk, number, name).unwrap_or(0);
                continue;
            }
            Ok(_) => b"has one too; using the first found",
            Err(e) if e != gpt::Error::NoGpt => e.text(),
            _ => continue,
        };
        warn(report, disk, problem);
    }
    drop(disks); // closed here, not on each early return below
    if found == 0 {
        return None;
    }
    let path = cstr::c_str(out.get(..found.checked_add(6)?)?)?;
    let there = crate::etc::exists(path);
    if !there {
        warn(report, path.to_bytes(), b"found in the table, but not there (yet)");
    }
    there.then_some(path)
}

/// `datapart: WHAT: PROBLEM` on the console, when `report`.
#[inline(never)]
fn warn(report: bool, what: &[u8], problem: &[u8]) {
    if report {
        crate::warn!("datapart: {}: {}", bytes(what), bytes(problem));
    }
}

/// The number of the wanted partition on `disk` (0: none), from its GPT.
#[inline(never)]
fn scan(disk: &[u8], wanted: &Datapart) -> Result<u32, gpt::Error> {
    let Some(sector_size) = sysfs_number(disk, b"/queue/logical_block_size") else { return Err(gpt::Error::Read) };
    let Some(size_512) = sysfs_number(disk, b"/size") else { return Err(gpt::Error::Read) };
    if size_512 == 0 {
        return Ok(0); // an empty loop device, a drive without medium
    }
    let mut path = [0u8; b"/dev/".len() + DISK_NAME + 1];
    let Some(path) = join(&mut path, &[b"/dev/", disk]) else { return Err(gpt::Error::Read) };
    // Without blocking: a FIFO put in the device's place waits for no writer.
    let fd = match open(path, OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(0), // its node is yet to come
        Err(_) => return Err(gpt::Error::Read),
    };
    let mut read = |lba: u64, buf: &mut [u8]| {
        let at = lba.checked_mul(sector_size);
        at.is_some_and(|at| rustix::io::pread(&fd, &mut *buf, at).is_ok_and(|n| n == buf.len()))
    };
    let Some(disk_bytes) = size_512.checked_mul(512) else { return Err(gpt::Error::Read) };
    let disk_sectors = disk_bytes.checked_div(sector_size).unwrap_or(0);
    // One sector (512 to 4096 bytes) and the entry array (16 KiB holds the
    // usual 128 entries of 128 bytes), off the stack.
    let found = crate::sys::with_scratch(20 * 1024, |scratch| {
        let (sector, array) = scratch.split_at_mut_checked(4096).ok_or(gpt::Error::Read)?;
        let sector = usize::try_from(sector_size).ok().and_then(|len| sector.get_mut(..len));
        let sector = sector.filter(|s| s.len() >= 512).ok_or(gpt::Error::HeaderSize)?;
        let header = gpt::load(&mut read, sector, disk_sectors, array)?;
        // The GUID looked for (a PARTUUID is parsed once, not for each
        // entry), and whether it is the unique one or the type: one compare.
        // A PARTUUID that is no GUID matches no entry.
        let (unique, guid) = match *wanted {
            Datapart::PartUuid(value) => {
                let Some(guid) = gpt::parse_guid(value.get(PARTUUID..).unwrap_or_default()) else { return Ok(0) };
                (true, guid)
            }
            _ => (false, gpt::KIOS_DATAPART_TYPE),
        };
        let mut entries = gpt::entries(&header, array);
        let is_wanted = |e: &gpt::Entry| match *wanted {
            Datapart::PartLabel(value) => e.name_is(value.get(PARTLABEL..).unwrap_or_default()),
            _ => (if unique { e.unique_guid() } else { e.type_guid() }) == guid,
        };
        Ok(entries.find(is_wanted).map_or(0, |e| e.number))
    });
    found.unwrap_or(Err(gpt::Error::Read))
}

/// The longest name of a disk in `/sys/block` (the kernel's
/// `DISK_NAME_LEN` less its NUL).
const DISK_NAME: usize = 31;

/// The longest file [`sysfs_number`] reads under a disk's directory.
const SYSFS_FILE: usize = b"/queue/logical_block_size".len();

/// A decimal number from `/sys/block/<disk><file>` (`file` at most
/// [`SYSFS_FILE`] bytes).
fn sysfs_number(disk: &[u8], file: &[u8]) -> Option<u64> {
    let mut path = [0u8; b"/sys/block/".len() + DISK_NAME + SYSFS_FILE + 1];
    let mut text = [0u8; 24];
    crate::etc::contents(join(&mut path, &[b"/sys/block/", disk, file])?, &mut text)?;
    // Past what was read, `text` is still zeros, which end the digits too.
    let mut number = 0u64;
    for &digit in text.iter().take_while(|b| b.is_ascii_digit()) {
        number = number.checked_mul(10)?.checked_add(u64::from(digit & 0x0f))?;
    }
    Some(number)
}

/// Mounts `device` (ext4) on [`MOUNT`], creates the layout, and puts the
/// overlay on `/etc` and the binds in place. False if the partition itself
/// does not mount; any other failure is logged and the boot goes on.
fn mount_layout(device: &CStr, report: bool) -> bool {
    make_dirs(MOUNT);
    if let Err(e) = mount(device, MOUNT, c"ext4", MountFlags::empty(), None) {
        if report {
            crate::error_at!("datapart: mount {} (ext4) on /run/kios/datapart: {}", device, e);
        }
        return false;
    }
    let _ = mount_change(MOUNT, MountPropagationFlags::PRIVATE);
    make_layout();
    let flags = MountFlags::NOSUID | MountFlags::NODEV;
    if let Err(e) = mount(c"overlay", c"/etc", c"overlay", flags, Some(ETC_OVERLAY)) {
        crate::error_at!("datapart: overlay on {}: {}; the initramfs /etc stays (is kios.modules=overlay set?)", c"/etc", e);
    }
    bind_all(BINDS);
    let modules = MountFlags::RDONLY | flags;
    if mount(c"overlay", c"/lib/modules", c"overlay", modules, Some(MODULES_OVERLAY)).is_err() {
        bind_all(MODULES_BIND);
        if let Err(e) = mount_remount(c"/lib/modules", MountFlags::BIND | MountFlags::RDONLY, c"") {
            crate::error_at!("datapart: {} read-only: {}", c"/lib/modules", e);
        }
    }
    true
}

/// Makes the directories of [`LAYOUT`] (each joined to [`MOUNT`]), in order.
fn make_layout() {
    let mut dirs = LAYOUT;
    while let Some(dir) = cstr::next(&mut dirs) {
        let mut path = [0u8; MOUNT.count_bytes() + cstr::longest(LAYOUT) + 1];
        if let Some(path) = join(&mut path, &[MOUNT.to_bytes(), dir.to_bytes()]) {
            make_dir(path, 0o755);
        }
    }
}

/// `/etc/seccomp` (created if missing) bound on `/var/lib/kubelet/seccomp`,
/// where the kubelet looks for seccomp profiles.
pub fn bind_seccomp() {
    make_dirs(SECCOMP_DIR);
    bind_all(SECCOMP_BIND);
}

/// The seccomp profiles' bind, a table as [`BINDS`].
const SECCOMP_BIND: &[u8] = b"/etc/seccomp\0/var/lib/kubelet/seccomp\0";
/// Its source, made before the bind: the table's own string, so the
/// directory made is the one bound.
const SECCOMP_DIR: &CStr = cstr::arg(SECCOMP_BIND, 0);
const _: () = assert!(matches!(SECCOMP_DIR.to_bytes(), b"/etc/seccomp"));

const _: () = assert!(fits(BINDS) && fits(MODULES_BIND) && fits(SECCOMP_BIND) && fits(MOUNT.to_bytes_with_nul()));

/// Binds each NUL-terminated `source`, `target` pair of `table`, in order,
/// creating the target and its parents (mode 0755) when missing; a failure
/// is logged and the next pair goes on.
#[inline(never)]
fn bind_all(mut table: &[u8]) {
    while let (Some(from), Some(to)) = (cstr::next(&mut table), cstr::next(&mut table)) {
        make_dirs(to);
        if let Err(e) = mount_bind(from, to) {
            crate::error!("bind {} on {}: {}", from, to, e);
        }
    }
}
