//! Booting the release init in QEMU (TCG; the command line is kios-host's
//! [`Qemu`]) with the stand-ins: build an initramfs with
//! `scripts/make-initramfs --profile test` (or take one built otherwise,
//! [`Boot::initramfs`]), run QEMU with a deadline,
//! optionally with an NVMe disk and scripted monitor commands ("when the
//! console shows line X, send Y"), and return its serial console. One
//! architecture per boot. The architectures are kios-host's table
//! (host/src/arch.rs), the disks
//! (GPT images, their data partition read back) in `disk.rs`, the console
//! file and the monitor in `monitor.rs`.
//!
//! Shared by five test crates (qemu.rs, qemu_datapart.rs,
//! qemu_containerd.rs, qemu_initramfs.rs, qemu_pods.rs), each using a part.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::console::{parse_line, Console};

#[path = "../common/repo.rs"]
pub mod repo;
#[path = "disk.rs"]
mod disk;
#[path = "monitor.rs"]
mod monitor;

pub use kios_host::{Arch, Qemu};
#[allow(unused_imports)] // each test crate uses a part
pub use disk::{Fsck, Image, Partition};
#[allow(unused_imports)] // each test crate uses a part
pub use kios_host::qemu::hotplug_commands;
use monitor::{ConsoleTail, Monitor};

/// Deadline of one boot, seconds; `KIOS_QEMU_TIMEOUT` overrides it.
const DEFAULT_TIMEOUT_S: u64 = 60;

/// Cargo's target directory (the parent of this test's tmp dir).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `target/tmp/qemu-NAME/`, created: one boot's work directory, or a test's
/// own (its disk images).
pub fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("qemu-{name}"));
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The prebuilt init and the cri-o and kubelet stand-ins, in that order; a
/// missing one fails the test (never a skip).
fn binaries(arch: Arch) -> [PathBuf; 3] {
    let t = target_dir();
    let standins = t.join(arch.standins());
    let bins = [
        t.join(arch.init()),
        standins.join("crio-standin"),
        standins.join("kubelet-standin"),
    ];
    for path in &bins {
        assert!(
            path.is_file(),
            "{} is missing: build it before `cargo test` ({}, or let \
             scripts/boot --arch {} build everything)",
            path.display(),
            arch.build_hint(),
            arch.name()
        );
    }
    bins
}

/// One fetch at a time: a first arm64 fetch runs `dpkg --add-architecture`
/// and `apt-get update`, which must not race another apt-get.
static FETCHING: Mutex<()> = Mutex::new(());

/// `.cache/kernel/ARCH/vmlinuz`, fetched by scripts/fetch-kernel if missing.
fn kernel(arch: Arch) -> PathBuf {
    fetch("fetch-kernel", arch);
    repo::root().join(".cache/kernel").join(arch.name()).join("vmlinuz")
}

/// `.cache/containerd/ARCH/`: Debian's containerd with its loader and
/// libraries, a tree to lay over the initramfs root ([`Boot::extra`]),
/// fetched by scripts/fetch-containerd if missing.
pub fn containerd_tree(arch: Arch) -> PathBuf {
    fetch("fetch-containerd", arch);
    let tree = repo::root().join(".cache/containerd").join(arch.name());
    assert!(tree.join("bin/containerd").is_file(), "{}: no bin/containerd", tree.display());
    tree
}

/// The package versions scripts/fetch-containerd noted
/// (`.cache/containerd/ARCH.versions`), one `NAME VERSION` a line.
pub fn containerd_versions(arch: Arch) -> String {
    let path = repo::root().join(".cache/containerd").join(format!("{}.versions", arch.name()));
    fs::read_to_string(path).unwrap_or_default()
}

/// Runs `scripts/SCRIPT --arch ARCH` (it does nothing when its cache is
/// there); a failure fails the test.
fn fetch(script: &str, arch: Arch) {
    let _one_at_a_time = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
    let status = Command::new(repo::root().join("scripts").join(script))
        .args(["--arch", arch.name()])
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!("scripts/{script} --arch {} failed: {other:?}", arch.name()),
    }
}

/// One scripted interaction: when the `nth` console line starting with
/// `line` has been printed (kernel timestamp stripped), send `commands` to
/// the QEMU monitor, in order.
struct Interaction {
    line: String,
    nth: usize,
    seen: usize,
    commands: Vec<String>,
}

/// One boot, described with the builder methods, then [`Boot::run`]:
///
/// ```ignore
/// let c = Boot::new(Arch::Amd64, "name")
///     .conf("kubelet.send=01@3000\n")
///     .disk(&image.path, 512)
///     .datapart("auto")
///     .modules("overlay")
///     .when("kios: milestone kubelet-exec", &["sendkey ctrl-alt-delete"])
///     .run();
/// ```
pub struct Boot {
    arch: Arch,
    name: String,
    conf: String,
    disk: Option<(PathBuf, u32)>,
    datapart: Option<String>,
    modules: Option<String>,
    cmdline: Vec<String>,
    interactions: Vec<Interaction>,
    extra: Vec<PathBuf>,
    timeout_s: Option<u64>,
    prebuilt: Option<PathBuf>,
    appended: Vec<PathBuf>,
    memory_mb: u32,
}

impl Boot {
    /// `name` names the work directory (target/tmp/qemu-NAME/: the
    /// initramfs, console.log, the monitor socket). Diskless,
    /// `datapart=none`, an empty /etc/standin.conf, nothing scripted.
    pub fn new(arch: Arch, name: &str) -> Boot {
        Boot {
            arch,
            name: name.to_string(),
            conf: String::new(),
            disk: None,
            datapart: None,
            modules: None,
            cmdline: Vec::new(),
            interactions: Vec::new(),
            extra: Vec::new(),
            timeout_s: None,
            prebuilt: None,
            appended: Vec::new(),
            memory_mb: kios_host::qemu::DEFAULT_MEMORY_MB,
        }
    }

    /// Lays `dir`'s tree over the initramfs root (make-initramfs `--extra`:
    /// a second archive), after `KIOS_QEMU_EXTRA` if that is set too.
    pub fn extra(mut self, dir: &Path) -> Boot {
        self.extra.push(dir.to_path_buf());
        self
    }

    /// Boots `file`, an initramfs built beforehand (e.g. by
    /// scripts/make-initramfs, plain or compressed), as it is, instead of
    /// the test profile built here: so no [`Boot::conf`],
    /// [`Boot::extra`], [`Boot::modules`] or `KIOS_QEMU_EXTRA` (the archive
    /// must already hold what they would add). The kernel command line is
    /// `console=CONSOLE panic=-1 datapart=none` (or [`Boot::datapart`]'s
    /// value), then the [`Boot::cmdline`] words.
    pub fn initramfs(mut self, file: &Path) -> Boot {
        self.prebuilt = Some(file.to_path_buf());
        self
    }

    /// Appends `dir`'s tree to the prebuilt [`Boot::initramfs`] as a second
    /// newc archive (in this boot's work directory, the file unchanged):
    /// the kernel unpacks both in order, so a file of `dir` replaces the
    /// archive's own (e.g. test pod manifests, another /bin/kubelet).
    pub fn append(mut self, dir: &Path) -> Boot {
        self.appended.push(dir.to_path_buf());
        self
    }

    /// The guest's memory (default 512 MiB).
    pub fn memory(mut self, mb: u32) -> Boot {
        self.memory_mb = mb;
        self
    }

    /// This boot's deadline in seconds, unless `KIOS_QEMU_TIMEOUT` is set
    /// (default 60).
    pub fn timeout(mut self, seconds: u64) -> Boot {
        self.timeout_s = Some(seconds);
        self
    }

    /// The stand-ins' /etc/standin.conf.
    pub fn conf(mut self, conf: &str) -> Boot {
        self.conf = conf.to_string();
        self
    }

    /// Attaches `image` as an NVMe disk (serial `kios0`), raw, with
    /// `sector_size`-byte logical and physical blocks (512 or 4096).
    pub fn disk(mut self, image: &Path, sector_size: u32) -> Boot {
        self.disk = Some((image.to_path_buf(), sector_size));
        self
    }

    /// `datapart=VALUE` instead of `none` on the kernel command line.
    pub fn datapart(mut self, value: &str) -> Boot {
        self.datapart = Some(value.to_string());
        self
    }

    /// Kernel modules put in the initramfs and named in `kios.modules=`
    /// (make-initramfs `--modules LIST`, comma-separated: modules the
    /// manifest lists, with their dependencies).
    pub fn modules(mut self, list: &str) -> Boot {
        self.modules = Some(list.to_string());
        self
    }

    /// One more word on the kernel command line.
    pub fn cmdline(mut self, word: &str) -> Boot {
        self.cmdline.push(word.to_string());
        self
    }

    /// When the first console line starting with `line` shows, send
    /// `commands` (HMP, e.g. `sendkey ctrl-alt-delete`) to the monitor.
    pub fn when(self, line: &str, commands: &[&str]) -> Boot {
        self.when_nth(line, 1, commands)
    }

    /// The same at the `nth` such line (1-based).
    pub fn when_nth(mut self, line: &str, nth: usize, commands: &[&str]) -> Boot {
        assert!(nth >= 1);
        self.interactions.push(Interaction {
            line: line.to_string(),
            nth,
            seen: 0,
            commands: commands.iter().map(|c| c.to_string()).collect(),
        });
        self
    }

    /// Boots until QEMU exits (power-off or reset; `-no-reboot`) or the
    /// deadline, and returns the console, with the monitor transcript in
    /// [`Console::monitor`]. Fails the test if QEMU does not exit in time
    /// or a monitor command fails.
    pub fn run(mut self) -> Console {
        let arch = self.arch;
        let name = self.name.clone();
        let (program, package) = (arch.qemu(), arch.qemu_package());
        let have_qemu = Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .status();
        assert!(
            matches!(have_qemu, Ok(s) if s.success()),
            "{program} not found: apt-get install -y {package} (scripts/boot --arch {} does it)",
            arch.name()
        );
        let kernel = kernel(arch);
        let dir = work_dir(&name);
        let hint = format!("console={} panic=-1 datapart=none", arch.console());
        let cmdline = self.kernel_cmdline(&hint);
        let initramfs = match &self.prebuilt {
            Some(file) => {
                assert!(
                    self.conf.is_empty() && self.extra.is_empty() && self.modules.is_none(),
                    "[{name}] a prebuilt initramfs takes no conf, extra or modules: build them into it"
                );
                assert!(
                    std::env::var_os("KIOS_QEMU_EXTRA").is_none(),
                    "[{name}] KIOS_QEMU_EXTRA cannot be laid over a prebuilt initramfs"
                );
                assert!(file.is_file(), "[{name}] {}: no such initramfs", file.display());
                self.with_appended(file, &dir)
            }
            None => {
                assert!(self.appended.is_empty(), "[{name}] append() is for a prebuilt initramfs");
                self.make_initramfs(&dir)
            }
        };

        // The monitor: QMP, its `human-monitor-command` carrying HMP text.
        // A unix socket path must fit in sun_path (108 bytes).
        let mut qmp_path = dir.join("qmp.sock");
        if qmp_path.as_os_str().len() > 100 {
            qmp_path = std::env::temp_dir().join(format!(
                "kios-qmp-{}-{}.sock",
                std::process::id(),
                name
            ));
        }
        let _ = fs::remove_file(&qmp_path);

        let log_path = dir.join("console.log");
        let log = fs::File::create(&log_path).unwrap();
        let mut qemu = Qemu::new(arch, &kernel, &initramfs, &cmdline)
            .memory(self.memory_mb)
            .qmp(&qmp_path);
        if let Some((image, sector_size)) = &self.disk {
            qemu = qemu.nvme(image, "kios0", *sector_size);
        }
        let mut qemu_cmd = qemu.command();
        eprintln!("[{name}] kernel command line: {cmdline}");
        let started = Instant::now();
        let mut child = qemu_cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start qemu");

        let timeout = std::env::var("KIOS_QEMU_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .or(self.timeout_s)
            .unwrap_or(DEFAULT_TIMEOUT_S);
        let deadline = started + Duration::from_secs(timeout);
        let mut tail = ConsoleTail::new(&log_path);
        let mut monitor = Monitor::new(&qmp_path);
        let mut monitor_failed = false;
        let timed_out = loop {
            let exited = child.try_wait().unwrap().is_some();
            // Interactions: each complete new console line, in order.
            for line in tail.new_lines() {
                let text = parse_line(&line).text;
                for i in self.interactions.iter_mut() {
                    if i.seen < i.nth && text.starts_with(&i.line) {
                        i.seen += 1;
                        if i.seen == i.nth && !exited {
                            let trigger = format!("at console line `{text}` (#{}):", i.nth);
                            monitor.note(trigger);
                            for command in &i.commands {
                                monitor_failed |= !monitor.command(command);
                            }
                        }
                    }
                }
            }
            if exited {
                break false;
            }
            if monitor_failed || Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break !monitor_failed;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        for i in &self.interactions {
            if i.seen < i.nth {
                monitor.note(format!(
                    "never sent (console line `{}` #{} not seen): {:?}",
                    i.line, i.nth, i.commands
                ));
            }
        }
        let _ = fs::remove_file(&qmp_path);
        let mut console = Console::parse(&fs::read(&log_path).unwrap());
        console.monitor = monitor.transcript;
        eprintln!(
            "[{name}] QEMU ran {:.1} s{}; console: {}",
            started.elapsed().as_secs_f64(),
            if timed_out {
                " and was killed at the deadline"
            } else {
                ""
            },
            log_path.display()
        );
        if monitor_failed {
            panic!(
                "[{name}] a QEMU monitor command failed (QEMU killed)\n{}",
                console.excerpt(80)
            );
        }
        if timed_out {
            panic!(
                "[{name}] QEMU did not exit within {timeout} s\nmilestones:\n{}{}",
                console.timeline(),
                console.excerpt(80)
            );
        }
        console
    }

    /// `file`, or with [`Boot::append`] trees a copy of it in `dir` with
    /// each tree added as a newc archive (owner root, as cpio -R 0:0).
    fn with_appended(&self, file: &Path, dir: &Path) -> PathBuf {
        if self.appended.is_empty() {
            return file.to_path_buf();
        }
        let out = dir.join("initramfs-appended.cpio");
        fs::copy(file, &out).unwrap();
        for tree in &self.appended {
            let script =
                "cd \"$1\" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet >> \"$2\"";
            let status = Command::new("sh")
                .args(["-c", script, "sh"])
                .arg(tree)
                .arg(&out)
                .status()
                .expect("run cpio");
            assert!(status.success(), "[{}] cpio of {}: {status}", self.name, tree.display());
        }
        out
    }

    /// Builds this boot's initramfs in `dir` with `scripts/make-initramfs
    /// --profile test` (the stand-in config, the modules, the extra trees
    /// appended); the file.
    fn make_initramfs(&self, dir: &Path) -> PathBuf {
        let (arch, name) = (self.arch, &self.name);
        let conf = dir.join("standin.conf");
        fs::write(&conf, &self.conf).unwrap();
        // The stand-ins under the names the manifest's `bin:` sources give.
        let [init, crio, kubelet] = binaries(arch);
        let bin = dir.join("bin");
        let _ = fs::remove_dir_all(&bin);
        fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(&crio, bin.join("crio")).unwrap();
        std::os::unix::fs::symlink(&kubelet, bin.join("kubelet")).unwrap();
        let initramfs = dir.join("initramfs.cpio");
        let mut make = Command::new(repo::root().join("scripts/make-initramfs"));
        make.arg(&initramfs)
            .args(["--arch", arch.name(), "--profile", "test", "--init"])
            .arg(&init)
            .arg("--bin")
            .arg(&bin)
            .arg("--standin-conf")
            .arg(&conf);
        if let Some(list) = &self.modules {
            make.args(["--modules", list]);
        }
        // Trees laid over the initramfs root (e.g. Debian's containerd, or
        // busybox for a scratch /init while developing the harness).
        let extras = std::env::var_os("KIOS_QEMU_EXTRA").map(PathBuf::from).into_iter();
        for tree in extras.chain(self.extra.iter().cloned()) {
            make.arg("--extra").arg(tree);
        }
        let made = make
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/make-initramfs");
        assert!(
            made.status.success(),
            "[{name}] scripts/make-initramfs failed: {:?} (args {:?}){}",
            made.status,
            make.get_args().collect::<Vec<_>>(),
            String::from_utf8_lossy(&made.stdout)
        );
        initramfs
    }

    /// `hint` with our `datapart=` and `kios.modules=` in place of its
    /// own, then the extra words.
    fn kernel_cmdline(&self, hint: &str) -> String {
        let mut words: Vec<String> = hint.split_whitespace().map(str::to_string).collect();
        if let Some(value) = &self.datapart {
            words.retain(|w| !w.starts_with("datapart="));
            words.push(format!("datapart={value}"));
        }
        if let Some(list) = &self.modules {
            words.retain(|w| !w.starts_with("kios.modules="));
            words.push(format!("kios.modules={list}"));
        }
        words.extend(self.cmdline.iter().cloned());
        if self.arch == Arch::Amd64 && !words.iter().any(|w| w == "no_timer_check") {
            // Under TCG on a busy host the kernel's check of the IO-APIC
            // timer can fail and panic ("IO-APIC + timer doesn't work!"),
            // seen with several boots at once; it proves nothing about the node.
            words.push("no_timer_check".to_string());
        }
        words.join(" ")
    }
}

