//! The root that containers can pivot from.
//!
//! The kernel runs the init in its initial rootfs, the root mount of the
//! first mount namespace: it has no parent mount, and `pivot_root(2)`
//! refuses to move such a root away (`EINVAL`). runc pivots every
//! container into its root filesystem, so under a bare rootfs no container
//! starts (`pivot_root .: invalid argument`). The fix, before anything else
//! is mounted: bind the root on itself, recursively, and enter that mount
//! (the idea of switch_root's `MS_MOVE` + `chroot`, without copying the
//! initramfs: the bind shows the same files). `/` is then a mount whose
//! parent is the rootfs, as on any booted system.
//!
//! Entering it: a path walk that ends at `/` stays on the mount it starts
//! from, while `..` (the root's `..` is the root itself) crosses onto what
//! is mounted on top. So `chdir("/..")` reaches the bind and `chroot(".")`
//! makes it the root. PID 1 shares its `fs_struct` with the kernel's
//! threads (`CLONE_FS` since boot), so the kernel's usermode helpers
//! (`/sbin/modprobe`, hotplug) and firmware loading see the new root too.
//!
//! # References
//! - <https://man7.org/linux/man-pages/man2/pivot_root.2.html> (`EINVAL`:
//!   "the current root is on the rootfs (initial ramfs) mount")

use rustix::io::Errno;
use rustix::mount::mount_bind_recursive;
use rustix::process::{chdir, chroot};

/// `mount --rbind / /`, then `chdir("/..")` and `chroot(".")`: `/` becomes
/// a bind of itself with a parent mount. On failure, the name of the call
/// that failed (the console is not open yet: the caller logs it).
pub fn enter_bind_of_itself() -> Result<(), (&'static str, Errno)> {
    mount_bind_recursive(c"/", c"/").map_err(|e| ("bind / on /", e))?;
    chdir(c"/..").map_err(|e| ("chdir /..", e))?;
    chroot(c".").map_err(|e| ("chroot .", e))
}
