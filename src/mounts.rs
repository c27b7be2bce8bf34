//! Base filesystems at boot (SPEC §2.1) and the unmount at shutdown.

use core::ffi::CStr;
use rustix::fs::{mkdir, Mode};
use rustix::mount::{mount, mount_change, mount_remount, unmount, MountFlags, MountPropagationFlags, UnmountFlags};

const NOSUID: MountFlags = MountFlags::NOSUID;
const RESTRICTED: MountFlags = MountFlags::NOSUID.union(MountFlags::NOEXEC).union(MountFlags::NODEV);

/// `mount(source, target, fstype, flags, data)`, creating `target` if
/// needed; a failure is logged and returned.
fn mount_fs(fstype: &CStr, target: &CStr, flags: MountFlags, data: &CStr) -> rustix::io::Result<()> {
    let _ = mkdir(target, Mode::from_raw_mode(0o755));
    mount(fstype, target, fstype, flags, Some(data)).inspect_err(|&e| {
        crate::error!("mount {} on {}: {}", fstype, target, e);
    })
}

/// devtmpfs on `/dev`: first, so the console log (`/dev/kmsg`) can open.
pub fn dev() {
    let _ = mount_fs(c"devtmpfs", c"/dev", NOSUID.union(MountFlags::NOEXEC), c"mode=0755");
}

/// Every other base mount, the shared propagation pods need, and the
/// directories the runtime and the kubelet expect.
pub fn base() {
    let _ = mount_fs(c"proc", c"/proc", RESTRICTED, c"");
    let _ = mount_fs(c"sysfs", c"/sys", RESTRICTED, c"");
    let _ = mount_fs(c"devpts", c"/dev/pts", NOSUID.union(MountFlags::NOEXEC), c"gid=5,mode=0620,ptmxmode=0666");
    let _ = mount_fs(c"securityfs", c"/sys/kernel/security", RESTRICTED, c"");
    let _ = mount_fs(c"cgroup2", c"/sys/fs/cgroup", RESTRICTED, c"");
    let _ = mkdir(c"/var", Mode::from_raw_mode(0o755));
    let _ = mkdir(c"/var/lib", Mode::from_raw_mode(0o755));
    for (dir, mode) in [
        (c"/run", c"mode=0755"),
        (c"/tmp", c"mode=1777"),
        (c"/var/cache", c"mode=0755"),
        (c"/var/tmp", c"mode=1777"),
        (c"/var/run", c"mode=0755"),
        (c"/var/lib/kubelet", c"mode=0755"),
    ] {
        let _ = mount_fs(c"tmpfs", dir, NOSUID.union(MountFlags::NODEV), mode);
    }
    let shared_tree = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
    for (shared, flags) in [(c"/var/run", MountPropagationFlags::SHARED), (c"/var/lib/kubelet", MountPropagationFlags::SHARED), (c"/", shared_tree)] {
        if let Err(e) = mount_change(shared, flags) {
            crate::error!("make {} shared: {}", shared, e);
        }
    }
    for (dir, mode) in [(c"/var/run/crio", 0o700), (c"/var/lib/kubelet/pods", 0o750), (c"/var/lib/kubelet/seccomp", 0o755)] {
        if let Err(e) = mkdir(dir, Mode::from_raw_mode(mode)) {
            crate::error!("mkdir {}: {}", dir, e);
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
        let whole = table.iter().rposition(|&b| b == b'\n').map_or(0, |end| end.saturating_add(1));
        let (mut unmounted, mut busy) = (0u32, 0u32);
        for line in table.get(..whole).unwrap_or_default().split(|&b| b == b'\n').rev() {
            let Some(escaped) = kios::mountinfo::mount_points(line).next() else { continue };
            // Unescaped, NUL-terminated (the buffer is zeroed).
            let mut path = [0u8; 256];
            let unescaped = path.get_mut(..255).and_then(|room| kios::mountinfo::unescape(escaped, room).ok());
            let Some(path) = unescaped.and_then(|n| crate::sys::c_str(path.get(..=n)?)) else { continue };
            if path == c"/" || path == c"/proc" || path == c"/dev" {
                continue;
            }
            let Err(e) = unmount(path, UnmountFlags::empty()) else {
                unmounted = unmounted.saturating_add(1);
                continue;
            };
            busy = busy.saturating_add(1);
            if stuck && kios::mountinfo::source(line).is_some_and(|s| s.starts_with(b"/dev/")) {
                let ro = mount_remount(path, MountFlags::RDONLY, c"");
                crate::warn!("unmount {}: {}{}", path, e, if ro.is_ok() { "; remounted read-only" } else { "; still writable" });
            }
        }
        if busy == 0 || stuck {
            return;
        }
        stuck = unmounted == 0;
    }
}
