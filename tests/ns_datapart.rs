//! The data partition through the real init in a namespace, on a loop
//! device: named by `datapart=/dev/loopN` before it exists (the init
//! waits, says so, starts nothing), then mounted with the `/etc` overlay
//! and the binds, settings on the disk winning over the root's, the
//! daemons' logs kept on it, and clean after the power-off even with a
//! mount held busy. Discovery by GUID and label is the QEMU tests'
//! (a loop device's partitions need a kernel with partition tables, which
//! a test host may lack; the loop device here covers the partition alone).
//!
//! Needs root, `losetup` (util-linux), sgdisk and e2fsprogs (installed by
//! scripts/create-image), and a kernel with ext4 and overlayfs.

mod common;

use common::Root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `tool` and returns its stdout; fails the test on a non-zero status.
fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(out.status.success(), "{tool} {args:?}: {:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loop device, detached when dropped.
struct Loop(String);

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

/// First and last (512-byte) sector of partition 2 of `image`.
fn datapart_sectors(image: &Path) -> (u64, u64) {
    let info = run("sgdisk", &["-i", "2", text(image)]);
    let sector = |field: &str| -> u64 {
        let line = info.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in {info}"));
        line.split_whitespace().nth(2).and_then(|n| n.parse().ok()).expect("a sector number")
    };
    (sector("First sector:"), sector("Last sector:"))
}

/// The data partition copied out of `image`, for e2fsck and debugfs.
fn datapart_of(image: &Path, out: &Path) {
    let (first, last) = datapart_sectors(image);
    let args = [
        format!("if={}", text(image)),
        format!("of={}", text(out)),
        "bs=512".into(),
        format!("skip={first}"),
        format!("count={}", last - first + 1),
        "conv=sparse".into(),
        "status=none".into(),
    ];
    run("dd", &args.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn late_device_mounts_binds_and_unmounts_clean() {
    let scratch = Scratch(std::env::temp_dir().join(format!("kios-ns-datapart-{}", std::process::id())));
    let etc = scratch.0.join("etc");
    std::fs::create_dir_all(etc.join("kubernetes")).unwrap();
    std::fs::write(etc.join("hostname"), "disk-node\n").unwrap();
    std::fs::write(etc.join("kubernetes/node-labels"), "disk: yes\n").unwrap();
    let image = scratch.0.join("disk.img");
    let script = common::workspace().join("scripts/create-image");
    run(text(&script), &[text(&image), "--size", "96M", "--etc", text(&etc)]);
    // A loop device whose node does not exist yet (losetup creates it).
    let number = (64..1000).find(|n| !Path::new(&format!("/dev/loop{n}")).exists()).expect("a free loop number");
    let device = format!("/dev/loop{number}");

    // No such device yet: the init waits and starts nothing.
    let root = Root::new("datapart");
    // 2.5 MB of output: the log files on the disk rotate at 1 MiB.
    root.standin("kubelet.grace_ms=100\nkubelet.flood_bytes=2500000\n");
    let node = root.boot(&[&format!("datapart={device}")]);
    node.wait_log(&format!("kios: warning: datapart: waiting for {device}"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    node.assert_no_log("milestone runtime-exec");

    // The device appears: seen through inotify on /dev, mounted, booted on.
    let (first, last) = datapart_sectors(&image);
    let (offset, size) = ((first * 512).to_string(), ((last - first + 1) * 512).to_string());
    // The init's attempt to mount the new node can hold it for an instant,
    // and losetup then finds it busy: try again.
    let args = ["-o", &offset, "--sizelimit", &size, &device, text(&image)];
    for attempt in 1.. {
        let out = Command::new("losetup").args(args).output().expect("losetup");
        if out.status.success() {
            break;
        }
        let busy = String::from_utf8_lossy(&out.stderr).contains("busy");
        assert!(busy && attempt < 50, "losetup {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let attached = Loop(device.clone());
    let attached_at = std::time::Instant::now();
    let mounted = node.wait_log("milestone datapart-mounted");
    eprintln!("datapart mounted {:?} after the device was attached", attached_at.elapsed());
    if mounted != format!("kios: milestone datapart-mounted {device}") {
        node.fail(&format!("{mounted:?}: expected {device}"));
    }
    node.wait_ready();
    let names: Vec<String> = node.milestones().iter().map(|m| m.split(' ').next().unwrap_or("").to_string()).collect();
    let expected = ["init-start", "base-mounts", "datapart-mounted", "runtime-exec", "runtime-ready", "kubelet-exec"];
    if names != expected {
        node.fail(&format!("milestones {names:?}, expected {expected:?}"));
    }

    // Settings kept on the disk win over the root's.
    let kubelet = node.record("kubelet");
    if !kubelet.lines().any(|l| l == "hostname disk-node") {
        node.fail("the hostname from the disk's meta/etc was not set");
    }
    if !kubelet.lines().any(|l| l.starts_with("start 1 argv") && l.contains("--node-labels disk=yes")) {
        node.fail("the node labels from the disk's meta/etc are not in the kubelet's argv");
    }

    // The mount table: the partition, the overlay on /etc, the binds.
    let mounts = node.mountinfo();
    let mount = |point: &str| {
        let line = mounts.lines().rev().find(|l| l.split(' ').nth(4) == Some(point));
        let line = line.unwrap_or_else(|| node.fail(&format!("{point} is not a mount point:\n{mounts}")));
        let (left, right) = line.split_once(" - ").expect("mountinfo separator");
        let mut right = right.split(' ');
        let options = left.split(' ').nth(5).unwrap_or("").to_string();
        (right.next().unwrap_or("").to_string(), right.next().unwrap_or("").to_string(), options)
    };
    let partition = device.clone();
    assert_eq!(mount("/run/kios/datapart").0, "ext4");
    assert_eq!(mount("/run/kios/datapart").1, partition);
    assert_eq!(mount("/etc").0, "overlay", "/etc");
    for point in ["/var/log", "/var/lib/containers/storage", "/var/lib/kubelet/pods", "/lib/modules"] {
        let (fstype, source, _) = mount(point);
        assert_eq!((fstype.as_str(), source.as_str()), ("ext4", partition.as_str()), "{point}");
    }
    assert!(mount("/lib/modules").2.split(',').any(|o| o == "ro"), "/lib/modules read-only");
    assert_eq!(mount("/var/lib/kubelet/seccomp").0, "overlay", "/etc/seccomp bound");

    // Writes land on the disk: /var/log, and /etc through the overlay.
    std::fs::write(node.proc_root("var/log/written-by-test"), "kept\n").unwrap();
    std::fs::write(node.proc_root("etc/written-by-test"), "upper\n").unwrap();

    // A busy mount: a (read-only) loop device on a file of /var/log holds
    // that mount past the end of every process; it must end read-only, not
    // dirty. (A writable one would keep it writable too: the kernel refuses
    // a read-only remount while a file is open for writing.)
    let busy_file = node.proc_root("var/log/busy.img");
    std::fs::write(&busy_file, vec![0u8; 1 << 20]).unwrap();
    let busy = Loop(run("losetup", &["--show", "-f", "-r", text(&busy_file)]).trim().to_string());

    node.signal("TERM");
    node.expect_poweroff();
    if let Some(line) = node.lines("still writable").first() {
        node.fail(&format!("a mount stayed writable: {line}"));
    }
    let remounted = node.lines("kios: warning: unmount /var/log: errno 16; remounted read-only");
    if remounted.is_empty() {
        node.fail("the busy /var/log was not remounted read-only");
    }
    drop(busy);
    drop(attached);

    let part = scratch.0.join("datapart.img");
    datapart_of(&image, &part);
    let fsck = Command::new("e2fsck").args(["-fn", text(&part)]).output().unwrap();
    assert!(fsck.status.success(), "e2fsck -fn: {:?}\n{}", fsck.status, String::from_utf8_lossy(&fsck.stdout));
    let cat = |file: &str| run("debugfs", &["-R", &format!("cat {file}"), text(&part)]);
    assert_eq!(cat("/meta/log/written-by-test"), "kept\n");
    assert_eq!(cat("/meta/etc/written-by-test"), "upper\n");

    // The daemons' output on the disk: capped files, rotated, in order,
    // up to the last lines before the power-off.
    let (log, previous) = (cat("/meta/log/kios/kubelet.log"), cat("/meta/log/kios/kubelet.log.1"));
    assert_eq!(previous.len(), 1024 * 1024, "kubelet.log.1 is one full file");
    assert!(log.len() <= 1024 * 1024, "kubelet.log within the cap: {} bytes", log.len());
    let done = log.lines().find_map(|l| l.strip_prefix("standin-kubelet: flood done ")).expect("flood done in kubelet.log");
    let last = done.split(' ').nth(2).expect("the flood's line count");
    assert!(log.contains(&format!("\nflood {last}\n")), "the flood's last line in kubelet.log");
    assert!(log.ends_with("standin-kubelet: sigterm\n"), "kubelet.log ends with the stop: {:?}", &log[log.len().saturating_sub(200)..]);
    assert!(cat("/meta/log/kios/crio.log").contains("standin-crio: start 1 argv"), "crio.log");
}
