//! QEMU system test of static pods with the real runtime (issue 12, item
//! 5), on amd64 and on arm64 (the virt board; one test each, booting in
//! parallel): the release init boots a stock Debian cloud kernel (TCG) with
//! the containerd profile (scripts/make-initramfs --runtime containerd:
//! Debian's containerd, runc and CNI plugins, our pause and pod-program
//! images as OCI archives), `kios.runtime=containerd`, and the data
//! partition on an NVMe disk (`kios.modules=overlay`; containerd's store
//! is on it, overlayfs snapshotter on ext4). The kubelet is
//! kubelet-cri-standin, which runs the two static pods this test puts in
//! /etc/kubernetes/manifests (tests/pods/, appended to the archive with
//! /etc/standin.conf as a second cpio): `web` on the CNI bridge with a
//! 64Mi memory limit, and `host` with `hostNetwork`. Once both pods have
//! written a line, the stand-in asks the init for a graceful power-off
//! (`send_when_ready`).
//!
//! First boot, from a new disk: both images are imported; both pods run and
//! their program's lines (`pod-program start ...`, env, memory.max, ip)
//! reach the console through the CRI logs; the web pod's IP comes from
//! host-local (10.88.0.0/16) and is the one it sees on eth0; its cgroup's
//! memory.max is 67108864; at the power-off, each pod's SIGTERM handler line
//! comes after the shutdown event and before the kubelet's `sent continue`
//! and the init's `shutdown-continued` (which stops the runtime next); the
//! data partition is `e2fsck -fn` clean. Second boot from the same disk:
//! both images are `already present` (no import), the old sandboxes are
//! removed, both pods run again, and the disk is clean again.
//!
//! Needs, before `cargo test`: the init and stand-ins of both
//! architectures (as tests/qemu.rs) and their images (scripts/build-images
//! --arch amd64 and --arch arm64); Debian's packages are fetched if missing
//! (scripts/fetch-containerd). Work directories: target/tmp/qemu-pods/ and
//! target/tmp/qemu-pods-arm64/ (the archive, the disk, the appended tree),
//! target/tmp/qemu-pods[-arm64]-{1,2}/ (console.log).

#[path = "qemu/boot.rs"]
mod boot;
#[path = "qemu/console.rs"]
mod console;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use boot::{containerd_tree, work_dir, Arch, Boot, Image};
use console::{check_lifecycle, Console};

/// The two static pods, also scripts/boot's: `web` on the CNI bridge with
/// args, env and a 64Mi memory limit; `host` with `hostNetwork`. Their file
/// names order them: the stand-in runs web first.
const MANIFESTS: [(&str, &str); 2] = [
    ("10-web.yaml", include_str!("pods/10-web.yaml")),
    ("20-host.yaml", include_str!("pods/20-host.yaml")),
];

/// The power-off request, 1 s after both pods have written a line.
const CONF: &str = "kubelet.send_when_ready=01@1000\n";

/// The images the profile carries, by the names in their archives.
const IMAGES: [&str; 2] = ["localhost/kios/pause:1", "localhost/kios/pod:1"];

/// The web pod's memory limit in bytes (64Mi).
const WEB_MEMORY_MAX: &str = "67108864";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `scripts/make-initramfs DIR/containerd.cpio --arch ARCH --runtime containerd`.
fn containerd_initramfs(dir: &Path, arch: Arch) -> PathBuf {
    // Debian's packages (scripts/fetch-containerd, run if missing).
    containerd_tree(arch);
    let images = repo().join("target/images").join(arch.name());
    assert!(
        images.join("pod.tar").is_file(),
        "{}: no pod.tar: run scripts/build-images --arch {} before `cargo test` (scripts/test does)",
        images.display(),
        arch.name()
    );
    let out = dir.join("containerd.cpio");
    let made = Command::new(repo().join("scripts/make-initramfs"))
        .arg(&out)
        .args(["--arch", arch.name(), "--runtime", "containerd"])
        .output()
        .expect("run scripts/make-initramfs");
    assert!(
        made.status.success(),
        "scripts/make-initramfs --runtime containerd: {}\n{}{}",
        made.status,
        String::from_utf8_lossy(&made.stdout),
        String::from_utf8_lossy(&made.stderr)
    );
    out
}

/// The tree appended to the archive: the manifests, the stand-in's
/// config, and kubelet-cri-standin as /bin/kubelet.
fn test_tree(dir: &Path, arch: Arch, manifests_text: &[(&str, &str)], conf: &str) -> PathBuf {
    let tree = dir.join("appended");
    let _ = fs::remove_dir_all(&tree);
    let manifests = tree.join("etc/kubernetes/manifests");
    fs::create_dir_all(&manifests).unwrap();
    for (file, text) in manifests_text {
        fs::write(manifests.join(file), text).unwrap();
    }
    fs::write(tree.join("etc/standin.conf"), conf).unwrap();
    let triple = arch.triple();
    let kubelet = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join(triple)
        .join("release/kubelet-cri-standin");
    assert!(
        kubelet.is_file(),
        "{} is missing: run scripts/build-standins --arch {}",
        kubelet.display(),
        arch.name()
    );
    fs::create_dir_all(tree.join("bin")).unwrap();
    fs::copy(&kubelet, tree.join("bin/kubelet")).unwrap();
    tree
}

/// One boot of the node from `image` (diskless without).
fn boot(name: &str, arch: Arch, archive: &Path, tree: &Path, image: Option<&Image>) -> Console {
    let mut b = Boot::new(arch, name).initramfs(archive).append(tree);
    if let Some(image) = image {
        // The pod network's modules (bridge, veth, netfilter) are loaded
        // by the kernel on demand, from the initramfs.
        b = b.disk(&image.path, image.sector_size).datapart("auto").cmdline("kios.modules=overlay");
    }
    let c = b
        .cmdline("kios.runtime=containerd")
        // The archive (about 114 MB) and its unpacked copy, containerd,
        // the shims and the pods.
        .memory(1024)
        .timeout(300)
        .run();
    eprintln!("[{name}] timeline (ms since Run /init):\n{}", c.timeline());
    for l in c.lines.iter().filter(|l| {
        l.text.starts_with("kios: warning:")
            || l.text.starts_with("kios: error:")
            || l.text.starts_with("standin-kubelet: image ")
            || (l.text.starts_with("standin-kubelet: ") && l.text.contains(" error "))
    }) {
        eprintln!("[{name}] {}", l.text);
    }
    c
}

/// Checks of one console, failing the test with `name`, `what` and an excerpt.
struct Check<'a> {
    name: &'a str,
    c: &'a Console,
}

impl Check<'_> {
    fn fail(&self, what: &str) -> ! {
        console::fail(self.name, what, self.c)
    }

    /// Index of the first line at or after `from` starting with `prefix`.
    fn after(&self, from: usize, prefix: &str) -> usize {
        (from..self.c.lines.len())
            .find(|&i| self.c.lines[i].text.starts_with(prefix))
            .unwrap_or_else(|| self.fail(&format!("no `{prefix}…` line after line {from}")))
    }

    /// The text after `prefix` of every line starting with it.
    fn rests(&self, prefix: &str) -> Vec<String> {
        self.c
            .find_all(prefix)
            .into_iter()
            .map(|i| self.c.lines[i].text[prefix.len()..].to_string())
            .collect()
    }

    /// The index of the milestone `name`.
    fn milestone(&self, name: &str) -> usize {
        match self.c.milestones().into_iter().find(|m| m.name == name) {
            Some(m) => m.index,
            None => self.fail(&format!("no milestone `{name}`")),
        }
    }
}

/// `A.B.C.D` in 10.88.0.0/16 (the profile's host-local range).
fn in_pod_range(ip: &str) -> bool {
    ip.parse::<std::net::Ipv4Addr>().is_ok_and(|a| a.octets()[..2] == [10, 88])
}

/// What both boots must show: the node's lifecycle to the power-off, both
/// pods' output, the web pod's IP and memory limit, and the graceful stop
/// before the runtime is stopped. Returns the web pod's IP.
fn check_pods(name: &str, c: &Console) -> String {
    let k = Check { name, c };
    let ready = check_lifecycle(name, c, "datapart-mounted", "power-off");
    if c.find("reboot: Power down").is_none() {
        k.fail("the kernel never printed `reboot: Power down`");
    }
    k.after(ready, "standin-kubelet: cri connected /run/containerd/containerd.sock runtime containerd");

    // The web pod: its sandbox's IP, its program's lines.
    let sandbox = k.after(ready, "standin-kubelet: pod web sandbox ");
    let words: Vec<&str> = c.lines[sandbox].text.split_whitespace().collect();
    let ip = match words.iter().position(|w| *w == "ip") {
        Some(i) if i + 1 < words.len() => words[i + 1].to_string(),
        _ => k.fail(&format!("no ip in `{}`", c.lines[sandbox].text)),
    };
    if !in_pod_range(&ip) {
        k.fail(&format!("the web pod's IP {ip} is not in 10.88.0.0/16"));
    }
    let started = k.after(sandbox, "standin-kubelet: container web/app started ");
    let web = "standin-kubelet: log web/app pod-program ";
    k.after(started, &format!("{web}start web hello"));
    k.after(started, &format!("{web}env KIOS_GREETING=hi"));
    let memory = k.rests(&format!("{web}memory.max "));
    if memory.first().map(String::as_str) != Some(WEB_MEMORY_MAX) {
        k.fail(&format!("web's memory.max is {memory:?}, expected {WEB_MEMORY_MAX} (64Mi)"));
    }
    let ips = k.rests(&format!("{web}ip "));
    if ips != [format!("eth0 {ip}")] {
        k.fail(&format!("web's addresses are {ips:?}, expected [\"eth0 {ip}\"]"));
    }

    // The host pod: no sandbox network, not on the bridge as a pod.
    let sandbox = k.after(ready, "standin-kubelet: pod host sandbox ");
    if !c.lines[sandbox].text.contains(" ip host ") {
        k.fail(&format!("the host pod is not on the node's network: `{}`", c.lines[sandbox].text));
    }
    let started = k.after(sandbox, "standin-kubelet: container host/app started ");
    let host = "standin-kubelet: log host/app pod-program ";
    k.after(started, &format!("{host}start host"));
    let host_ips = k.rests(&format!("{host}ip "));
    if host_ips.iter().any(|a| a.ends_with(&format!(" {ip}")) || a.starts_with("eth0 10.88.")) {
        k.fail(&format!("the hostNetwork pod has a pod address: {host_ips:?}"));
    }
    if k.rests(&format!("{host}memory.max ")).first().map(String::as_str) != Some("max") {
        k.fail("the host pod, without a limit, does not read memory.max `max`");
    }
    let pods_ready = k.after(ready, "standin-kubelet: pods ready in ");

    // The graceful power-off: the event, both pods' SIGTERM handlers, their
    // stops, the sandboxes, then the answer; the init stops the runtime
    // only after `shutdown-continued`.
    let requested = k.milestone("shutdown-requested");
    if requested < pods_ready {
        k.fail("the power-off was requested before the pods were ready");
    }
    let event = k.after(requested, "standin-kubelet: shutdown event");
    let mut last = event;
    for pod in ["web", "host"] {
        let sigterm = k.after(event, &format!("standin-kubelet: log {pod}/app pod-program sigterm"));
        let stopped = k.after(sigterm, &format!("standin-kubelet: container {pod}/app stopped exit 0 "));
        let sandbox_stopped = k.after(stopped, &format!("standin-kubelet: pod {pod} stopped"));
        last = last.max(sandbox_stopped);
    }
    let all = k.after(last, "standin-kubelet: pods stopped 2 in ");
    let answer = k.after(all, "standin-kubelet: sent continue");
    let continued = k.milestone("shutdown-continued");
    if continued < answer {
        k.fail("`shutdown-continued` before the kubelet's `sent continue`");
    }
    if let Some(t0) = c.time_of("Run /init") {
        let first = k.after(ready, "standin-kubelet: log ");
        if let Some(t) = c.lines[first].time {
            eprintln!(
                "[{name}] Run /init -> first pod output: {:.0} ms (`{}`)",
                (t - t0) * 1000.0,
                c.lines[first].text
            );
        }
    }
    for i in [sandbox, pods_ready, requested, answer, continued] {
        eprintln!("[{name}] {}", c.lines[i].text);
    }
    ip
}

/// `e2fsck -fn` on the data partition after boot `name`.
fn check_fsck(name: &str, image: &Image, c: &Console) {
    let fsck = image.fsck();
    if !fsck.clean() {
        console::fail(name, &format!("e2fsck -fn after the power-off: {}\n{}", fsck.status, fsck.output), c);
    }
}

/// Both boots of the node of `arch`, named `pods[-ARCH]-{1,2}`.
fn static_pods(arch: Arch, prefix: &str) {
    let dir = work_dir(prefix);
    let archive = containerd_initramfs(&dir, arch);
    let tree = test_tree(&dir, arch, &MANIFESTS, CONF);
    let image = Image::create(&dir, "disk", 512, 2, &[]);

    // First boot: a new disk, so both images are imported.
    let name = &format!("{prefix}-1");
    let c = boot(name, arch, &archive, &tree, Some(&image));
    let k = Check { name, c: &c };
    for image in IMAGES {
        k.after(0, &format!("standin-kubelet: image {image} imported from /usr/share/kios/images/"));
    }
    let ip = check_pods(name, &c);
    eprintln!("[{name}] web pod IP {ip}, memory.max {WEB_MEMORY_MAX}");
    check_fsck(name, &image, &c);

    // Second boot from the same disk: containerd's store kept the images.
    let name = &format!("{prefix}-2");
    let c = boot(name, arch, &archive, &tree, Some(&image));
    let k = Check { name, c: &c };
    for image in IMAGES {
        k.after(0, &format!("standin-kubelet: image {image} already present"));
    }
    if let Some(i) = c.lines.iter().position(|l| l.text.contains(" imported from ")) {
        k.fail(&format!("an image was imported again: `{}`", c.lines[i].text));
    }
    for pod in ["web", "host"] {
        k.after(0, &format!("standin-kubelet: stale pod {pod} sandbox "));
    }
    check_pods(name, &c);
    check_fsck(name, &image, &c);
}

#[test]
fn static_pods_on_containerd() {
    static_pods(Arch::Amd64, "pods");
}

#[test]
fn static_pods_on_containerd_arm64() {
    static_pods(Arch::Arm64, "pods-arm64");
}

/// A pod whose program fails (`KIOS_EXIT=3`) under `OnFailure`, and one
/// that succeeds (`KIOS_EXIT=0`) under `Never`.
const RESTARTS: [(&str, &str); 2] = [
    (
        "10-fails.yaml",
        "kind: Pod\nmetadata: {name: fails}\nspec:\n  restartPolicy: OnFailure\n  containers:\n  \
         - name: app\n    image: localhost/kios/pod:1\n    command: [/pod-program]\n    args: [fails]\n    \
         env: [{name: KIOS_EXIT, value: \"3\"}]\n",
    ),
    (
        "20-once.yaml",
        "kind: Pod\nmetadata: {name: once}\nspec:\n  restartPolicy: Never\n  hostNetwork: true\n  containers:\n  \
         - name: app\n    image: localhost/kios/pod:1\n    command: [/pod-program]\n    args: [once]\n    \
         env: [{name: KIOS_EXIT, value: \"0\"}]\n",
    ),
];

/// The restart policies with the real runtime (amd64, diskless): the
/// failing container is started again after its first back-off (`exited
/// 3`, `restart in 1000 ms`, then a new container, `attempt 1`, whose
/// program starts again); the one under `Never` that exited 0 is left
/// alone; after the shutdown event no restart is planned. The
/// power-off comes 6 s after both have written a line.
#[test]
fn restart_policies_on_containerd() {
    let dir = work_dir("pods-restart");
    let archive = containerd_initramfs(&dir, Arch::Amd64);
    let tree = test_tree(&dir, Arch::Amd64, &RESTARTS, "kubelet.send_when_ready=01@6000\n");
    let name = "pods-restart";
    let c = boot(name, Arch::Amd64, &archive, &tree, None);
    let k = Check { name, c: &c };
    check_lifecycle(name, &c, "datapart-skipped", "power-off");
    let first = k.after(0, "standin-kubelet: log fails/app pod-program start fails");
    let exited = k.after(first, "standin-kubelet: container fails/app exited 3");
    let planned = k.after(exited, "standin-kubelet: container fails/app restart in 1000 ms");
    let again = k.after(planned, "standin-kubelet: container fails/app started ");
    if !c.lines[again].text.ends_with(" attempt 1") {
        k.fail(&format!("the restart is not attempt 1: `{}`", c.lines[again].text));
    }
    k.after(again, "standin-kubelet: log fails/app pod-program start fails");
    let once = k.after(0, "standin-kubelet: container once/app exited 0");
    k.after(once, "standin-kubelet: container once/app not restarted (restartPolicy Never)");
    if c.find("standin-kubelet: container once/app restart").is_some() {
        k.fail("the Never pod's container was restarted");
    }
    // After the shutdown event no restart is planned (one already under
    // way may finish: it is stopped with the others).
    let event = k.after(again, "standin-kubelet: shutdown event");
    if let Some(i) = (event..c.lines.len()).find(|&i| c.lines[i].text.contains("/app restart in ")) {
        k.fail(&format!("a restart planned after the shutdown event: `{}`", c.lines[i].text));
    }
    k.after(event, "standin-kubelet: pods stopped 2 in ");
    for i in [exited, planned, again, once, event] {
        eprintln!("[{name}] {}", c.lines[i].text);
    }
}
