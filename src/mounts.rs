//! Base filesystems at boot (SPEC §2.1) and the unmount at shutdown.

use core::ffi::CStr;
use kios::cstr::{self, join};
use rustix::fs::{mkdir, Mode};
use rustix::mount::{mount, mount_change, mount_remount, unmount, MountFlags, MountPropagationFlags, UnmountFlags};

// The base mounts, grouped by their flags: in each group, a
// NUL-terminated fstype, target and data per mount, in order (a target
// below another is mounted after it).

/// devtmpfs: devices, but nothing to run.
const DEV: &[u8] = b"devtmpfs\0/dev\0mode=0755\0";
/// Kernel filesystems: nothing to run, no devices.
const KERNEL: &[u8] = b"\
proc\0/proc\0\0\
sysfs\0/sys\0\0\
securityfs\0/sys/kernel/security\0\0\
cgroup2\0/sys/fs/cgroup\0\0";
/// Terminals: devices, but nothing to run.
const DEVPTS: &[u8] = b"devpts\0/dev/pts\0gid=5,mode=0620,ptmxmode=0666\0";
/// Scratch and state: no devices, no set-uid.
const TMPFS: &[u8] = b"\
tmpfs\0/run\0mode=0755\0\
tmpfs\0/tmp\0mode=1777\0\
tmpfs\0/var/cache\0mode=0755\0\
tmpfs\0/var/tmp\0mode=1777\0\
tmpfs\0/var/run\0mode=0755\0\
tmpfs\0/var/lib/kubelet\0mode=0755\0";

const NOSUID_NODEV_NOEXEC: MountFlags = MountFlags::NOSUID.union(MountFlags::NODEV).union(MountFlags::NOEXEC);
const NOSUID_NOEXEC: MountFlags = MountFlags::NOSUID.union(MountFlags::NOEXEC);
const NOSUID_NODEV: MountFlags = MountFlags::NOSUID.union(MountFlags::NODEV);

const _: () = assert!(fits(DEV) && fits(KERNEL) && fits(DEVPTS) && fits(TMPFS));

/// `mount(fstype, target, fstype, flags, data)` of each mount of `table`
/// (fstype, target, data), creating `target` and its parents if needed
/// (the initramfs need not have `/var`); a failure is logged.
#[inline(never)]
fn mount_all(mut table: &[u8], flags: MountFlags) {
    while let (Some(fstype), Some(target), Some(data)) = (cstr::next(&mut table), cstr::next(&mut table), cstr::next(&mut table)) {
        make_dirs(target);
        if let Err(e) = mount(fstype, target, fstype, flags, Some(data)) {
            crate::error!("mount {} on {}: {}", fstype, target, e);
        }
    }
}

/// devtmpfs on `/dev`: first, so the console log (`/dev/kmsg`) can open.
pub fn dev() {
    mount_all(DEV, NOSUID_NOEXEC);
}

/// Every other base mount, the shared propagation pods need, and the
/// directories the runtime and the kubelet expect.
pub fn base() {
    mount_all(KERNEL, NOSUID_NODEV_NOEXEC);
    mount_all(DEVPTS, NOSUID_NOEXEC);
    mount_all(TMPFS, NOSUID_NODEV);
    // Recursively: `/var/run` and `/var/lib/kubelet` too.
    if let Err(e) = mount_change(c"/", MountPropagationFlags::SHARED | MountPropagationFlags::REC) {
        crate::error_at!("make {} shared: {}", c"/", e);
    }
    make_dir(c"/var/run/crio", 0o700);
    make_dir(c"/var/lib/kubelet/pods", 0o750);
}

/// `mkdir(path, mode)`; a failure but `EEXIST` is logged.
#[inline(never)]
pub fn make_dir(path: &CStr, mode: u32) {
    match mkdir(path, Mode::from_raw_mode(mode)) {
        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
        Err(e) => crate::error_at!("mkdir {}: {}", path, e),
    }
}

/// Room for any path [`make_dirs`] makes, with its NUL.
const DIRS_ROOM: usize = 32;

/// Whether every string of the NUL-terminated list `table` fits
/// [`make_dirs`], when compiling: each table of paths it is given asserts it.
pub const fn fits(table: &[u8]) -> bool {
    cstr::longest(table) < DIRS_ROOM
}

/// `mkdir -p path` (mode 0755): each directory of `path` that is
/// missing, outermost first. A failure is not logged: the mount or bind
/// that uses `path` next says what is wrong.
pub fn make_dirs(path: &CStr) {
    for dir in cstr::ancestors(path.to_bytes()) {
        let mut room = [0u8; DIRS_ROOM];
        if let Some(dir) = join(&mut room, &[dir]) {
            let _ = mkdir(dir, Mode::from_raw_mode(0o755));
        }
    }
}

/// Unmounts everything, children first (mountinfo lists parents before
/// children, so it is read backwards), pass after pass while passes make
/// progress. When one makes none, a disk filesystem that will not unmount
/// is remounted read-only so its journal is clean; kernel filesystems that
/// stay busy are left. `/`, `/proc` and `/dev` (the console log) stay. A
/// table larger than the buffer is taken a part at a time: the passes
/// shrink it.
pub fn unmount_all() {
    let mut buf = [0u8; 64 * 1024];
    let mut stuck = false;
    for _ in 0..16 {
        let Ok((len, _)) = crate::etc::fill(c"/proc/self/mountinfo", &mut buf) else { return };
        // Whole lines only: a cut-off last line is left for a later pass.
        let table = buf.get(..len).unwrap_or_default();
        // (Up to the last `\n`, left out: no empty piece after it to split.)
        let whole = table.iter().rposition(|&b| b == b'\n').unwrap_or(0);
        // Whether this pass unmounted something, and whether one would not go.
        let (mut unmounted, mut busy) = (false, false);
        for mount in kios::mountinfo::mounts(table.get(..whole).unwrap_or_default()).rev() {
            // Kept: the root, `/proc` (this table) and `/dev` (the console
            // log). None of the three has a byte mountinfo escapes.
            if matches!(mount.point, b"/" | b"/proc" | b"/dev") {
                continue;
            }
            // Unescaped, NUL-terminated (the buffer is zeroed).
            let mut path = [0u8; 256];
            let unescaped = path.get_mut(..255).and_then(|room| kios::mountinfo::unescape(mount.point, room).ok());
            let Some(path) = unescaped.and_then(|n| cstr::c_str(path.get(..=n)?)) else { continue };
            let Err(e) = unmount(path, UnmountFlags::empty()) else {
                unmounted = true;
                continue;
            };
            busy = true;
            if stuck && mount.source.is_some_and(|s| s.starts_with(b"/dev/")) {
                let ro = mount_remount(path, MountFlags::RDONLY, c"");
                if ro.is_ok() {
                    crate::warn_at!("unmount {}: {}; remounted read-only", path, e);
                } else {
                    crate::warn_at!("unmount {}: {}; still writable", path, e);
                }
            }
        }
        if !busy || stuck {
            return;
        }
        stuck = !unmounted;
    }
}
