//! QEMU system test of the containerd profile with the real runtime
//! (issue 4, item 5): the release init boots a stock Debian cloud kernel
//! (amd64, TCG, diskless: `datapart=none`) with `kios.runtime=containerd`
//! and Debian's own `containerd` (from its .deb, with the loader and libc
//! from Debian's libc6: scripts/fetch-containerd, run here if
//! `.cache/containerd/amd64/` is missing) laid over the test initramfs.
//! The init must start it, see it create `/run/containerd/containerd.sock`
//! (`runtime-ready`) and start the kubelet stand-in; the stand-in then
//! SIGKILLs every process named `containerd` (`kubelet.kill9`), and the init
//! must log the exit, start containerd again and see its socket again, and
//! finally power off when the stand-in asks for it.
//!
//! Needs, before `cargo test`: the amd64 init and stand-ins (as
//! tests/qemu.rs), QEMU, cpio, root, and apt access the first time (the
//! .debs). The test prints runtime-exec → runtime-ready for both starts.
//! Work directory: target/tmp/qemu-containerd/ (console.log, initramfs).

#[path = "qemu/boot.rs"]
mod boot;
#[path = "qemu/console.rs"]
mod console;

use boot::{containerd_tree, containerd_versions, Arch, Boot};
use console::Console;

/// Fails this test with `what`, the milestones seen and a console excerpt.
fn fail(what: &str, c: &Console) -> ! {
    console::fail("containerd", what, c)
}

/// When the kubelet stand-in kills containerd, and when it asks for the
/// power-off, in ms after its first start. Under TCG on two busy cores the
/// real containerd takes about a second to create its socket (its 48 MB
/// binary is loaded by the dynamic loader and it loads its plugins); the
/// gap between the kill and the power-off request leaves several times
/// that for the restart.
const KILL_MS: u64 = 2000;
const SEND_MS: u64 = 10000;

/// Index of the first line at or after `from` whose text starts with `prefix`.
fn find_from(c: &Console, from: usize, prefix: &str) -> Option<usize> {
    (from..c.lines.len()).find(|&i| c.lines[i].text.starts_with(prefix))
}

/// The next milestone `name` at or after line `from`: its line index and detail.
fn milestone_from(c: &Console, from: usize, name: &str) -> Option<(usize, String)> {
    c.milestones()
        .into_iter()
        .find(|m| m.index >= from && m.name == name)
        .map(|m| (m.index, m.detail))
}

/// Milliseconds between two console lines, by their kernel timestamps.
fn ms_between(c: &Console, a: usize, b: usize) -> f64 {
    match (c.lines[a].time, c.lines[b].time) {
        (Some(ta), Some(tb)) => (tb - ta) * 1000.0,
        _ => f64::NAN,
    }
}

#[test]
fn real_containerd_killed_and_restarted() {
    let tree = containerd_tree(Arch::Amd64);
    eprintln!(
        "[containerd] {}: {}",
        tree.display(),
        containerd_versions(Arch::Amd64).lines().collect::<Vec<_>>().join(", ")
    );
    let conf = format!("kubelet.kill9=containerd@{KILL_MS}\nkubelet.send=01@{SEND_MS}\n");
    // The 53 MB initramfs and containerd fit in the harness's 512 MiB.
    let c = Boot::new(Arch::Amd64, "containerd")
        .conf(&conf)
        .extra(&tree)
        .datapart("none")
        .cmdline("kios.runtime=containerd")
        .timeout(120)
        .run();
    eprintln!("[containerd] timeline (ms since Run /init):\n{}", c.timeline());
    for l in c
        .lines
        .iter()
        .filter(|l| l.text.starts_with("kios: warning:") || l.text.starts_with("kios: error:"))
    {
        eprintln!("[containerd] init said: {}", l.text);
    }
    if let Some(i) = c.find("Kernel panic") {
        fail(&format!("kernel panic: {}", c.lines[i].text), &c);
    }

    // First start: exec, the real socket, the kubelet after it.
    let need = |found: Option<(usize, String)>, what: &str| -> (usize, String) {
        found.unwrap_or_else(|| fail(&format!("no {what} in order"), &c))
    };
    let (exec1, detail1) = need(milestone_from(&c, 0, "runtime-exec"), "first `runtime-exec`");
    let (ready1, _) = need(milestone_from(&c, exec1, "runtime-ready"), "first `runtime-ready` after it");
    let (kubelet, _) = need(milestone_from(&c, ready1, "kubelet-exec"), "`kubelet-exec` after `runtime-ready`");
    let pid1 = detail1.strip_prefix("pid ").unwrap_or(&detail1).to_string();

    // The kill, as the stand-in reports it: containerd's own pid.
    let killed = find_from(&c, kubelet, "standin-kubelet: killed containerd pid ")
        .unwrap_or_else(|| fail("no `standin-kubelet: killed containerd pid P` after `kubelet-exec`", &c));
    let killed_pid = c.lines[killed].text.rsplit(' ').next().unwrap_or("").to_string();
    if killed_pid != pid1 {
        fail(
            &format!("the stand-in killed pid {killed_pid}, but containerd was started as pid {pid1}"),
            &c,
        );
    }
    if let Some(i) = c.find("standin-kubelet: kill9 containerd") {
        fail(&format!("kill9 trouble: {}", c.lines[i].text), &c);
    }

    // The init sees the death and restarts it, ready again.
    let exited = find_from(&c, ready1, "kios: runtime exited signal 9")
        .unwrap_or_else(|| fail("no `kios: runtime exited signal 9` after the first `runtime-ready`", &c));
    eprintln!("[containerd] init said: {}", c.lines[exited].text);
    let (exec2, detail2) = need(milestone_from(&c, exited, "runtime-exec"), "second `runtime-exec` after the exit");
    let (ready2, _) = need(milestone_from(&c, exec2, "runtime-ready"), "second `runtime-ready` after it");
    if detail2 == detail1 {
        fail(&format!("the second runtime-exec has the same {detail2}"), &c);
    }

    // Then the stand-in's power-off request, to the end.
    let (requested, _) = need(milestone_from(&c, ready2, "shutdown-requested"), "`shutdown-requested` after the second `runtime-ready`");
    let (off, _) = need(milestone_from(&c, requested, "power-off"), "`power-off` after `shutdown-requested`");
    if c.milestones().last().map(|m| m.index) != Some(off) {
        fail("`power-off` is not the last milestone", &c);
    }
    if find_from(&c, off, "reboot: Power down").is_none() {
        fail("the kernel never printed `reboot: Power down`", &c);
    }
    // Exactly two runtime starts: no crash loop of the real binary.
    let execs = c.milestones().iter().filter(|m| m.name == "runtime-exec").count();
    if execs != 2 {
        fail(&format!("{execs} `runtime-exec` milestones, expected 2"), &c);
    }

    let first = ms_between(&c, exec1, ready1);
    let second = ms_between(&c, exec2, ready2);
    eprintln!("[containerd] runtime-exec -> runtime-ready: first start {first:.1} ms, after kill -9 {second:.1} ms");
    eprintln!(
        "[containerd] kill -> runtime exited {:.1} ms, exited -> runtime-exec {:.1} ms",
        ms_between(&c, killed, exited),
        ms_between(&c, exited, exec2)
    );
    if let Some(ms) = c.ms_since_init("kubelet-exec") {
        eprintln!("[containerd] Run /init -> kubelet-exec: {ms:.1} ms");
    }
}
