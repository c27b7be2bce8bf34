//! Starting and killing the namespaces an init runs in.

use super::WAIT;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Starts `unshare` for new PID, mount, UTS, IPC and network namespaces;
/// its child becomes, through `env -i` and `chroot`, the init with only
/// `options` as its environment. `root` is a plain directory, not a mount
/// point: like the kernel's rootfs, a root `pivot_root(2)` refuses, and
/// the init's first step binds it on itself (src/root.rs; tests/ns_root.rs). stdout and
/// stderr are piped; unshare leads a process group of its own. With
/// `deny_inotify`, `inotify_init1` fails in there (see [`deny_inotify`]).
pub fn spawn<'a>(root: &Path, deny_inotify: bool, options: impl Iterator<Item = &'a &'a str>) -> Child {
    let script = r#"exec env -i "$@" "$(command -v chroot)" "$0" /init"#;
    let mut command = Command::new("unshare");
    command
        .args(["--pid", "--mount", "--uts", "--ipc", "--net", "--fork", "--", "sh", "-c", script])
        .arg(root)
        .args(options)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    default_signals(&mut command);
    if deny_inotify {
        self::deny_inotify(&mut command);
    }
    command.spawn().expect("spawn unshare (are we root?)")
}

/// The child unshare forked: the init, once `sh` has exec'd it; `None`
/// if unshare ended first.
pub fn first_child(unshare: &mut Child) -> Option<u32> {
    let path = format!("/proc/{0}/task/{0}/children", unshare.id());
    let deadline = Instant::now() + WAIT;
    loop {
        let children = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(pid) = children.split_whitespace().next() {
            return Some(pid.parse().expect("a PID"));
        }
        if !matches!(unshare.try_wait(), Ok(None)) || Instant::now() >= deadline {
            let _ = unshare.kill();
            let _ = unshare.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Makes `command` start with every signal at its default disposition, as
/// the kernel starts the real init. Without this the init would inherit
/// what the test process ignores: glibc's posix_spawn leaves its internal
/// signals 32 and 33 ignored in children (cargo → test → unshare), and a CI
/// job run in the background has SIGINT and SIGQUIT ignored.
fn default_signals(command: &mut Command) {
    // The kernel's `struct sigaction` for rt_sigaction(2).
    #[repr(C)]
    struct KernelSigaction {
        handler: usize, // SIG_DFL = 0
        flags: u64,
        restorer: usize,
        mask: u64,
    }
    extern "C" {
        fn syscall(number: std::ffi::c_long, ...) -> std::ffi::c_long;
    }
    #[cfg(target_arch = "x86_64")]
    const SYS_RT_SIGACTION: std::ffi::c_long = 13;
    #[cfg(target_arch = "aarch64")]
    const SYS_RT_SIGACTION: std::ffi::c_long = 134;
    let default = KernelSigaction { handler: 0, flags: 0, restorer: 0, mask: 0 };
    // SAFETY: runs in the forked child before exec and makes only raw
    // rt_sigaction calls (async-signal-safe) with a valid struct that
    // outlives them; glibc's sigaction() would refuse signals 32 and 33.
    unsafe {
        command.pre_exec(move || {
            for signal in (1..=64).filter(|s| *s != 9 && *s != 19) {
                syscall(SYS_RT_SIGACTION, signal, &default as *const KernelSigaction, 0usize, 8usize);
            }
            Ok(())
        });
    }
}

/// Makes `inotify_init1` fail with EMFILE for `command` and all it
/// starts (the init among them), as when the user's inotify instances are
/// used up: a seccomp filter, inherited across fork and exec.
fn deny_inotify(command: &mut Command) {
    // `seccomp_data`: the syscall number at offset 0, the audit
    // architecture at offset 4.
    #[cfg(target_arch = "x86_64")]
    const AUDIT_ARCH: u32 = 0xc000_003e;
    #[cfg(target_arch = "aarch64")]
    const AUDIT_ARCH: u32 = 0xc000_00b7;
    const LOAD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JUMP_IF_EQUAL: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const RETURN: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let filter = [
        libc::sock_filter { code: LOAD, jt: 0, jf: 0, k: 4 },
        // Another architecture: allowed (skip to the last instruction).
        libc::sock_filter { code: JUMP_IF_EQUAL, jt: 0, jf: 3, k: AUDIT_ARCH },
        libc::sock_filter { code: LOAD, jt: 0, jf: 0, k: 0 },
        libc::sock_filter { code: JUMP_IF_EQUAL, jt: 0, jf: 1, k: libc::SYS_inotify_init1 as u32 },
        libc::sock_filter { code: RETURN, jt: 0, jf: 0, k: libc::SECCOMP_RET_ERRNO | libc::EMFILE as u32 },
        libc::sock_filter { code: RETURN, jt: 0, jf: 0, k: libc::SECCOMP_RET_ALLOW },
    ];
    // SAFETY: runs in the forked child before exec and makes only prctl
    // calls (async-signal-safe); `program` points to `filter`, which the
    // closure owns and which outlives the calls (the kernel copies it).
    unsafe {
        command.pre_exec(move || {
            let program = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr().cast_mut() };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &program as *const libc::sock_fprog) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// SIGKILL to the init (which takes its whole PID namespace with it) and
/// to unshare's process group.
pub fn kill_tree(init_pid: u32, group: u32) {
    for target in [init_pid.to_string(), format!("-{group}")] {
        let _ = signal("KILL", &target).stderr(Stdio::null()).status();
    }
}

/// `kill -s SIGNAL -- TARGET` (a PID, or `-PGID`), run by the shell's own
/// `kill` so no procps is needed.
pub fn signal(signal: &str, target: &str) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", r#"kill -s "$0" -- "$1""#, signal, target]);
    command
}
