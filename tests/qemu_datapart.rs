//! QEMU system tests of the data partition (SPEC §4): the release init
//! boots a stock Debian cloud kernel (TCG) with the stand-ins and a GPT disk
//! image from scripts/create-image attached as NVMe (`-drive if=none` +
//! `-device nvme`; NVMe and ext4 are built into the kernel, overlayfs is a
//! module the initramfs carries: make-initramfs `--modules overlay`,
//! `kios.modules=overlay`). Judged by the serial console (milestones, the
//! init's messages, the kubelet stand-in's `hostname`, `start … argv`,
//! `persist` and `mount` reports) and, after QEMU has exited, by the disk
//! itself (`e2fsck -fn` on the partition cut out of the image, files read
//! with debugfs). Some boots script the QEMU monitor: ctrl-alt-delete, or
//! an NVMe disk hot-plugged while the init waits for its datapart.
//!
//! Needs, before `cargo test`: the init and the stand-ins for both
//! architectures (as tests/qemu.rs), QEMU, and root: 4096-byte-sector
//! images go through a loop device (create-image, sgdisk). Needs gdisk,
//! dosfstools and e2fsprogs (scripts/create-image installs them when
//! missing). A missing piece fails the test; nothing is skipped. Each test
//! has its own work directory, target/tmp/qemu-datapart-NAME/ (the disk
//! image), and one per boot, target/tmp/qemu-datapart-NAME[-N]/
//! (console.log, the initramfs); the tests run in parallel, each boot with
//! a 60 s deadline (KIOS_QEMU_TIMEOUT).

#[path = "qemu/boot.rs"]
mod boot;
#[path = "qemu/console.rs"]
mod console;

use boot::{hotplug_commands, work_dir, Arch, Boot, Image};
use console::{check_lifecycle, fail, first_out_of_order, Console};

/// What the init prints while no partition of the kiOS type is there.
const WAITING_AUTO: &str =
    "kios: warning: datapart: waiting for a partition of type 97aac693-d920-465a-94fe-eb59fc86dfaa";

/// The kubelet stand-in's configuration for the persistence tests: a
/// power-off 3 s after its start, the file it appends to at every start,
/// and its mount report.
const PERSIST_CONF: &str = "kubelet.send=01@3000\n\
                            kubelet.persist=/var/log/standin-persist\n\
                            kubelet.report_mounts=1\n";
const PERSIST_REPORT: &str = "standin-kubelet: persist /var/log/standin-persist";

/// Prints the timeline and the init's warnings and errors.
fn report(name: &str, c: &Console) {
    eprintln!("[{name}] timeline (ms since Run /init):\n{}", c.timeline());
    for l in c
        .lines
        .iter()
        .filter(|l| l.text.starts_with("kios: warning:") || l.text.starts_with("kios: error:"))
    {
        eprintln!("[{name}] init said: {}", l.text);
    }
}

/// Checks that the console has the line `line` exactly.
fn expect_line(name: &str, c: &Console, line: &str) -> usize {
    match c.lines.iter().position(|l| l.text == line) {
        Some(i) => i,
        None => fail(name, &format!("no console line `{line}`"), c),
    }
}

/// The whole boot with a datapart (`check_lifecycle` with
/// `datapart-mounted`, to the power-off), `datapart-mounted` naming
/// `device`, no `datapart-skipped`, and the kernel's `reboot: Power down`.
fn check_power_off(name: &str, c: &Console, device: &str) {
    check_lifecycle(name, c, "datapart-mounted", "power-off");
    let milestones = c.milestones();
    if milestones.iter().any(|m| m.name == "datapart-skipped") {
        fail(name, "milestone `datapart-skipped` with a datapart", c);
    }
    let mounted = milestones.iter().find(|m| m.name == "datapart-mounted").unwrap();
    if mounted.detail != device {
        fail(
            name,
            &format!("datapart-mounted `{}`, expected `{device}`", mounted.detail),
            c,
        );
    }
    if c.find("reboot: Power down").is_none() {
        fail(name, "the kernel never printed `reboot: Power down`", c);
    }
}

/// `e2fsck -fn` on the image's datapart must find nothing (after `when`).
fn check_fsck(name: &str, image: &Image, when: &str, c: &Console) {
    let fsck = image.fsck();
    if !fsck.clean() {
        fail(
            name,
            &format!(
                "e2fsck -fn {when}: {} (the console below is the last boot's)\n{}",
                fsck.status, fsck.output
            ),
            c,
        );
    }
}

/// The stand-in's `mount MOUNTPOINT FSTYPE SOURCE OPTIONS` report for
/// `mountpoint`: (fstype, source, options).
fn mount_report(name: &str, c: &Console, mountpoint: &str) -> (String, String, String) {
    let prefix = format!("standin-kubelet: mount {mountpoint} ");
    let Some(i) = c.find(&prefix) else {
        fail(name, &format!("no `{prefix}…` report: not a mount point?"), c)
    };
    let fields: Vec<&str> = c.lines[i].text[prefix.len()..].split_whitespace().collect();
    match fields[..] {
        [fstype, source, options] => (fstype.into(), source.into(), options.into()),
        _ => fail(name, &format!("malformed report `{}`", c.lines[i].text), c),
    }
}

/// The mounts the stand-in reports with `kubelet.report_mounts=1`: /etc an
/// overlay, the binds from the partition on `device` (ext4), /lib/modules
/// a read-only overlay (the partition's /modules over the initramfs's,
/// which holds the overlay module these tests load).
fn check_mounts(name: &str, c: &Console, device: &str) {
    let (fstype, _, _) = mount_report(name, c, "/etc");
    if fstype != "overlay" {
        fail(name, &format!("/etc is {fstype}, not overlay"), c);
    }
    for mountpoint in [
        "/var/log",
        "/var/lib/containers/storage",
        "/var/lib/kubelet/pods",
    ] {
        let (fstype, source, _) = mount_report(name, c, mountpoint);
        if (fstype.as_str(), source.as_str()) != ("ext4", device) {
            fail(
                name,
                &format!("{mountpoint} is {fstype} from {source}, not ext4 from {device}"),
                c,
            );
        }
    }
    let (fstype, _, options) = mount_report(name, c, "/lib/modules");
    if fstype != "overlay" {
        fail(name, &format!("/lib/modules is {fstype}, not an overlay of the partition's /modules and the initramfs's"), c);
    }
    if !options.split(',').any(|o| o == "ro") {
        fail(name, &format!("/lib/modules is not read-only: {options}"), c);
    }
}

/// The kubelet's first argv holds `--node-labels VALUE`.
fn check_labels(name: &str, c: &Console, value: &str) {
    let prefix = "standin-kubelet: start 1 argv";
    let Some(i) = c.find(prefix) else {
        fail(name, "no `standin-kubelet: start 1 argv` report", c)
    };
    let argv: Vec<&str> = c.lines[i].text[prefix.len()..].split_whitespace().collect();
    if !argv.windows(2).any(|w| w == ["--node-labels", value]) {
        fail(name, &format!("`--node-labels {value}` not in the kubelet argv {argv:?}"), c);
    }
}

/// Two boots of an image whose meta/etc sets the hostname and a node
/// label: both settings reach the node, the stand-in's file under
/// /var/log is missing at the first kubelet start and there at the second
/// boot's, and the partition is clean after each graceful power-off.
fn persists(name: &str, sector_size: u32, number: u32) {
    let dir = work_dir(name);
    let etc = [
        ("hostname", "disk-node\n"),
        ("kubernetes/node-labels", "disk: yes\n"),
    ];
    let image = Image::create(&dir, "disk", sector_size, number, &etc);
    let device = format!("/dev/nvme0n1p{number}");
    let boot = |n: u32| {
        let boot_name = format!("{name}-{n}");
        let c = Boot::new(Arch::Amd64, &boot_name)
            .conf(PERSIST_CONF)
            .disk(&image.path, sector_size)
            .datapart("auto")
            .modules("overlay")
            .run();
        report(&boot_name, &c);
        check_power_off(&boot_name, &c, &device);
        expect_line(&boot_name, &c, "kios: module overlay loaded");
        expect_line(&boot_name, &c, "standin-kubelet: hostname disk-node");
        check_labels(&boot_name, &c, "disk=yes");
        check_mounts(&boot_name, &c, &device);
        (boot_name, c)
    };

    let (first, c) = boot(1);
    expect_line(&first, &c, &format!("{PERSIST_REPORT} missing"));
    check_fsck(&first, &image, "after the first power-off", &c);
    let written = image.read("/meta/log/standin-persist");
    if written.as_deref() != Some("start 1\n") {
        fail(&first, &format!("/meta/log/standin-persist on the disk: {written:?}"), &c);
    }

    let (second, c) = boot(2);
    expect_line(&second, &c, &format!("{PERSIST_REPORT} start 1"));
    check_fsck(&second, &image, "after the second power-off", &c);
    let written = image.read("/meta/log/standin-persist");
    if written.as_deref() != Some("start 1\nstart 1\n") {
        fail(&second, &format!("/meta/log/standin-persist on the disk: {written:?}"), &c);
    }
}

/// One boot to power-off with `datapart=VALUE`, the partition at `number`.
fn explicit(name: &str, number: u32, value: impl FnOnce(&Image) -> String, modules: &str) -> Console {
    let dir = work_dir(name);
    let image = Image::create(&dir, "disk", 512, number, &[]);
    let value = value(&image);
    let c = Boot::new(Arch::Amd64, name)
        .conf("kubelet.send=01@1000\n")
        .disk(&image.path, 512)
        .datapart(&value)
        .modules(modules)
        .run();
    report(name, &c);
    check_power_off(name, &c, &format!("/dev/nvme0n1p{number}"));
    expect_line(name, &c, "kios: module overlay loaded");
    check_fsck(name, &image, "after the power-off", &c);
    c
}

/// The datapart found by its type GUID at partition 12 of a 512-byte-sector
/// disk; settings from its meta/etc; a file under /var/log kept across two
/// boots; e2fsck clean after each.
#[test]
fn auto_partition_12_persists() {
    persists("datapart-p12", 512, 12);
}

/// The same on a 4096-byte-sector disk (`logical_block_size=4096`),
/// partition 2.
#[test]
fn sector_4096_persists() {
    persists("datapart-4k", 4096, 2);
}

/// `datapart=/dev/nvme0n1p3`; and a module that exists nowhere: an error
/// line, and the boot goes on with the others.
#[test]
fn explicit_device() {
    let name = "datapart-device";
    let c = explicit(name, 3, |_| "/dev/nvme0n1p3".to_string(), "overlay,nosuchmodule");
    let error = "kios: error: module nosuchmodule: not in modules.dep or modules.builtin";
    if c.find(error).is_none() {
        fail(name, &format!("no `{error} …` line"), &c);
    }
}

/// `datapart=PARTUUID=<the partition's unique GUID, as sgdisk reads it>`.
#[test]
fn explicit_partuuid() {
    explicit(
        "datapart-partuuid",
        4,
        |image| format!("PARTUUID={}", image.partition().unique_guid.to_lowercase()),
        "overlay",
    );
}

/// `datapart=PARTLABEL=kios-data` (create-image's partition name).
#[test]
fn explicit_partlabel() {
    explicit(
        "datapart-partlabel",
        2,
        |image| {
            let label = image.partition().name;
            assert_eq!(label, "kios-data", "create-image's partition name");
            format!("PARTLABEL={label}")
        },
        "overlay",
    );
}

/// No disk, `datapart=auto`: the init says what it waits for, again 10 s
/// later, starts no runtime, and still obeys ctrl-alt-delete (SIGINT, a
/// soft reboot) sent after the second message: `shutdown-requested
/// reboot`, no client to wait for, `reboot`, the kernel restarts.
#[test]
fn no_datapart_waits() {
    let name = "datapart-none";
    let c = Boot::new(Arch::Amd64, name)
        .conf("kubelet.send=01@1000\n")
        .datapart("auto")
        .when_nth(WAITING_AUTO, 2, &["sendkey ctrl-alt-delete"])
        .run();
    report(name, &c);
    if let Some(i) = c.find("Kernel panic") {
        fail(name, &format!("kernel panic: {}", c.lines[i].text), &c);
    }
    let waits = c.find_all(WAITING_AUTO);
    if waits.len() < 2 {
        fail(name, &format!("`{WAITING_AUTO}` printed {} times, not twice", waits.len()), &c);
    }
    match (c.lines[waits[0]].time, c.lines[waits[1]].time) {
        (Some(a), Some(b)) if b - a >= 9.0 => {}
        (a, b) => fail(
            name,
            &format!("the two waiting messages at {a:?} and {b:?} s: not ≥ 9 s apart"),
            &c,
        ),
    }
    let milestones = c.milestones();
    let expected = ["init-start", "base-mounts", "shutdown-requested", "reboot"];
    if let Some(missing) = first_out_of_order(&milestones, &expected) {
        fail(name, &format!("milestone `{missing}` missing or out of order"), &c);
    }
    for m in &milestones {
        match m.name.as_str() {
            "datapart-mounted" | "datapart-skipped" | "runtime-exec" | "runtime-ready"
            | "kubelet-exec" => fail(name, &format!("milestone `{}` without a datapart", m.name), &c),
            "shutdown-requested" if m.detail != "reboot" => fail(
                name,
                &format!("shutdown-requested `{}`, expected `reboot` (ctrl-alt-delete)", m.detail),
                &c,
            ),
            _ => {}
        }
    }
    if milestones.last().map(|m| m.name.as_str()) != Some("reboot") {
        fail(name, "`reboot` is not the last milestone", &c);
    }
    if c.find("standin-crio: start").is_some() || c.find("standin-kubelet: start").is_some() {
        fail(name, "a daemon started without a datapart", &c);
    }
    if c.find("reboot: Restarting system").is_none() {
        fail(name, "the kernel never printed `reboot: Restarting system`", &c);
    }
}

/// No disk at boot; at the first waiting message an NVMe disk is hot-plugged
/// (ACPI PCI hotplug): the init mounts its datapart, starts the runtime and
/// the kubelet, and the kubelet's power-off request goes through.
#[test]
fn late_disk_hotplug() {
    let name = "datapart-hotplug";
    let image = Image::create(&work_dir(name), "disk", 512, 2, &[]);
    let [drive_add, device_add] = hotplug_commands(&image.path, "late", 512);
    let c = Boot::new(Arch::Amd64, name)
        .conf("kubelet.send=01@1000\n")
        .datapart("auto")
        .modules("overlay")
        .when(WAITING_AUTO, &[&drive_add, &device_add])
        .run();
    report(name, &c);
    check_power_off(name, &c, "/dev/nvme0n1p2");
    let waiting = match c.find(WAITING_AUTO) {
        Some(i) => i,
        None => fail(name, &format!("no `{WAITING_AUTO}` before the disk came"), &c),
    };
    match c.find("nvme nvme0: pci function") {
        Some(i) if i > waiting => {}
        Some(_) => fail(name, "the NVMe disk was there before the waiting message", &c),
        None => fail(name, "the hot-plugged NVMe controller never showed in the kernel log", &c),
    }
    check_fsck(name, &image, "after the power-off", &c);
}

/// arm64 (the virt board; NVMe on its PCIe host bridge): a datapart at
/// partition 12, found by type, to the power-off.
#[test]
fn arm64_datapart() {
    let name = "datapart-arm64";
    let image = Image::create(&work_dir(name), "disk", 512, 12, &[]);
    let c = Boot::new(Arch::Arm64, name)
        .conf("kubelet.send=01@1000\n")
        .disk(&image.path, 512)
        .datapart("auto")
        .modules("overlay")
        .run();
    report(name, &c);
    check_power_off(name, &c, "/dev/nvme0n1p12");
    expect_line(name, &c, "kios: module overlay loaded");
    check_fsck(name, &image, "after the power-off", &c);
}

/// A FIFO left on the data partition's /etc (`meta/etc/kubernetes/node-labels`
/// and `meta/etc/hostname`; before issue 15 it hung PID 1 in `open` at
/// every boot): two boots of the same image each say the files are not
/// regular files, reach the kubelet (started without `--node-labels`)
/// and power off gracefully (the kubelet asks, the partition is clean).
#[test]
fn fifo_in_datapart_etc_boots_twice() {
    let name = "datapart-fifo";
    let image = Image::create_with_fifos(&work_dir(name), "disk", 512, 2, &[], &["kubernetes/node-labels", "hostname"]);
    for n in 1..=2 {
        let boot_name = format!("{name}-{n}");
        let c = Boot::new(Arch::Amd64, &boot_name)
            .conf("kubelet.send=01@1000\n")
            .disk(&image.path, 512)
            .datapart("auto")
            .modules("overlay")
            .run();
        report(&boot_name, &c);
        check_power_off(&boot_name, &c, "/dev/nvme0n1p2");
        for file in ["/etc/kubernetes/node-labels", "/etc/hostname"] {
            expect_line(&boot_name, &c, &format!("kios: warning: {file}: not a regular file; ignored"));
        }
        let Some(i) = c.find("standin-kubelet: start 1 argv") else { fail(&boot_name, "the kubelet never started", &c) };
        if c.lines[i].text.contains("--node-labels") {
            fail(&boot_name, "--node-labels from a FIFO", &c);
        }
        check_fsck(&boot_name, &image, "after the power-off", &c);
    }
}

/// The harness itself, no QEMU: fresh create-image images (512 and 4096)
/// pass the e2fsck helper, sgdisk names the partition, debugfs reads
/// meta/etc back. A failure here is the harness's, not the init's.
#[test]
fn harness_fresh_images_are_clean() {
    let dir = work_dir("datapart-harness");
    for (sector_size, number) in [(512, 12), (4096, 2)] {
        let image = Image::create(
            &dir,
            &format!("fresh{sector_size}"),
            sector_size,
            number,
            &[("hostname", "fresh\n")],
        );
        let fsck = image.fsck();
        assert!(fsck.clean(), "{sector_size}: e2fsck -fn: {}\n{}", fsck.status, fsck.output);
        let part = image.partition();
        assert_eq!(part.name, "kios-data");
        assert_eq!(part.unique_guid.len(), 36, "{}", part.unique_guid);
        assert_eq!(image.read("/meta/etc/hostname").as_deref(), Some("fresh\n"));
        assert_eq!(image.read("/meta/log/nothing"), None);
    }
}
