//! The root the init makes for containers (src/root.rs): `/` must be a
//! mount with a parent, shared, and a process of the init's mount
//! namespace must be able to `pivot_root` from it, as runc does for every
//! container.
//!
//! The harness chroots the init into a plain directory of the host (not a
//! mount point, see tests/common/namespace.rs), which `pivot_root(2)`
//! refuses as it refuses the kernel's rootfs: without the init's own bind
//! of `/` on itself, both checks fail.
//!
//! Needs root: the release init runs as PID 1 of its own namespaces.

mod common;

use common::boot_ready;
use std::ffi::CString;
use std::os::unix::process::CommandExt;
use std::process::Command;

#[test]
fn root_is_a_shared_mount_with_a_parent() {
    let node = boot_ready("root", &[]);
    let mounts = node.mountinfo();
    // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - ...
    let fields: Vec<Vec<&str>> = mounts.lines().map(|l| l.split(' ').collect()).collect();
    let roots: Vec<&Vec<&str>> = fields.iter().filter(|f| f.get(4) == Some(&"/")).collect();
    let [root] = roots.as_slice() else {
        node.fail(&format!("expected one mount on / in the init's mountinfo, found {}:\n{mounts}", roots.len()))
    };
    // Its parent is outside the init's root (the host's mount under the
    // test directory; on a node, the rootfs), so not listed, and not itself.
    let (id, parent) = (root[0], root[1]);
    if id == parent || fields.iter().any(|f| f[0] == parent) {
        node.fail(&format!("/ has no parent mount outside the root: {}", root.join(" ")));
    }
    // It is a bind of the test's root directory, and shared (SPEC §2).
    let dir = node.root.path.to_string_lossy().into_owned();
    if !dir.ends_with(root[3]) || root[3] == "/" {
        node.fail(&format!("/ is not a bind of {dir}: {}", root.join(" ")));
    }
    if !root.iter().skip(6).take_while(|f| **f != "-").any(|f| f.starts_with("shared:")) {
        node.fail(&format!("/ is not shared: {}", root.join(" ")));
    }
    // Every base mount is under it: their parents are listed.
    for point in ["/proc", "/dev", "/run", "/var/lib/kubelet"] {
        let Some(m) = fields.iter().rev().find(|f| f.get(4) == Some(&point)) else {
            node.fail(&format!("nothing mounted on {point}"))
        };
        if !fields.iter().any(|f| f[0] == m[1]) {
            node.fail(&format!("{point} is not under the init's root: {}", m.join(" ")));
        }
    }

    // As runc: in a new mount namespace made from the init's, with the
    // init's root, bind a directory on itself, enter it, pivot_root(".", ".").
    match pivot_from_init_root(node.pid(), "/run") {
        Ok(()) => {}
        Err(e) => node.fail(&format!("pivot_root from the init's root failed: {e}")),
    }
}

/// Forks a child that joins the mount namespace and root of `pid`, then
/// does what runc does to enter a container's root `new_root`: a private
/// mount namespace of its own, `new_root` bound on itself, `chdir` into it,
/// `pivot_root(".", ".")`, `umount2(".", MNT_DETACH)`. The child exits with
/// 0, or with `32 × step + errno` of the first call that failed (errnos
/// above 31 show as 31).
fn pivot_from_init_root(pid: u32, new_root: &str) -> Result<(), String> {
    let ns = CString::new(format!("/proc/{pid}/ns/mnt")).unwrap();
    let root = CString::new(format!("/proc/{pid}/root")).unwrap();
    let target = CString::new(new_root).unwrap();
    let mut command = Command::new("/bin/true");
    // SAFETY: the closure runs in the forked child before exec and makes
    // only raw syscalls through libc with NUL-terminated strings that
    // outlive it, then _exit()s: nothing of the parent's state is touched.
    unsafe {
        command.pre_exec(move || {
            let fail = |step: i32| -> ! {
                let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                libc::_exit(step * 32 + errno.min(31))
            };
            let ns_fd = libc::open(ns.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
            let root_fd = libc::open(root.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC);
            if ns_fd < 0 || root_fd < 0 {
                fail(1)
            }
            if libc::setns(ns_fd, libc::CLONE_NEWNS) != 0 {
                fail(2)
            }
            if libc::fchdir(root_fd) != 0 || libc::chroot(c".".as_ptr()) != 0 {
                fail(3)
            }
            // Private, so nothing of this propagates back to the init.
            let none = std::ptr::null();
            if libc::unshare(libc::CLONE_NEWNS) != 0
                || libc::mount(none, c"/".as_ptr(), none, libc::MS_REC | libc::MS_PRIVATE, std::ptr::null()) != 0
            {
                fail(4)
            }
            if libc::mount(target.as_ptr(), target.as_ptr(), none, libc::MS_BIND | libc::MS_REC, std::ptr::null()) != 0
                || libc::chdir(target.as_ptr()) != 0
            {
                fail(5)
            }
            if libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) != 0 {
                fail(6)
            }
            if libc::umount2(c".".as_ptr(), libc::MNT_DETACH) != 0 {
                fail(7)
            }
            libc::_exit(0)
        });
    }
    let status = command.status().map_err(|e| format!("fork: {e}"))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "step {} failed with errno {} (1 open, 2 setns, 3 chroot, 4 unshare, 5 bind, 6 pivot_root, 7 umount; errno 22 = EINVAL)",
            code / 32,
            code % 32
        )),
        None => Err(format!("the child ended with {status:?}")),
    }
}
