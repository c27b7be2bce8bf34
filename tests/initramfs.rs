//! The initramfs tools: `scripts/make-initramfs` builds the same bytes from
//! the same inputs, and `scripts/audit` catches what it must: an entry the
//! manifest does not explain, one it names that is missing, one whose mode
//! differs, an init over its 32768-byte budget; `--json` is valid JSON.
//! The tests' additions: `--modules` takes the manifest's module entries,
//! `--extra` appends trees as archives of their own.
//!
//! Fake inputs (a small file as /init, scripts as binaries): these tests
//! judge the tools, not the real init, whose size is `check-binary`'s
//! business; except the arm64 test, which builds the archive an operator
//! would, from the aarch64 init and stand-ins in target/ (built first), and
//! sees the audit infer arm64 from them. Needs `cpio`, `zstd` and root or
//! `fakeroot` (for `/dev/console`); the node profile needs Debian's
//! `ca-certificates`.

#[path = "common/repo.rs"]
mod repo;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh scratch directory with a fake init of `init_size` bytes, a
/// fake binary directory holding every `bin:NAME` the node profile needs,
/// a fake kernel (`kernel/`: a version and every `kernel:PATH` module of the
/// manifest, with modules.dep and modules.alias naming them) and fake
/// images (`images/`: every `image:NAME`).
struct Scratch {
    dir: PathBuf,
}

/// The manifest's sources of kind `kind` (`containerd:`, `kernel:`,
/// `image:`): (profiles, the rest of the source) of each entry.
fn sources(kind: &str) -> Vec<(String, String)> {
    let manifest = fs::read_to_string(repo::root().join("root/manifest")).unwrap();
    manifest
        .lines()
        .filter(|l| l.starts_with('/'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((f[4].to_string(), f[5].strip_prefix(kind)?.to_string()))
        })
        .collect()
}

impl Scratch {
    fn new(name: &str, init_size: usize) -> Scratch {
        let dir = repo::root().join("target/tmp").join(format!("initramfs-{name}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        fs::write(dir.join("init"), vec![b'i'; init_size]).unwrap();
        for bin in ["crio", "kubelet", "conmon", "crun", "pinns", "busybox"] {
            fs::write(dir.join("bin").join(bin), format!("#!/bin/false {bin}\n")).unwrap();
        }
        let modules = dir.join("kernel/modules");
        fs::create_dir_all(&modules).unwrap();
        fs::write(dir.join("kernel/version"), "6.1.0-test\n").unwrap();
        let (mut dep, mut alias) = (String::new(), String::new());
        for (_, path) in sources("kernel:").into_iter().filter(|(_, p)| p.ends_with(".ko")) {
            fs::create_dir_all(modules.join(&path).parent().unwrap()).unwrap();
            fs::write(modules.join(&path), format!("fake {path}\n")).unwrap();
            let name = path.rsplit('/').next().unwrap().trim_end_matches(".ko").replace('-', "_");
            dep += &format!("{path}:\n");
            alias += &format!("alias fake-{name} {name}\n");
        }
        dep += "kernel/not/taken.ko:\n";
        alias += "alias fake-not-taken not_taken\n";
        fs::write(modules.join("modules.dep"), dep).unwrap();
        fs::write(modules.join("modules.alias"), alias).unwrap();
        fs::write(modules.join("modules.builtin"), "kernel/fake/builtin.ko\n").unwrap();
        fs::create_dir_all(dir.join("images")).unwrap();
        for (_, image) in sources("image:") {
            fs::write(dir.join("images").join(image), "fake image\n").unwrap();
        }
        Scratch { dir }
    }

    /// A fake fetch-containerd tree at `name`: every `containerd:PATH` of
    /// the manifest for `arch` (amd64: scripts; arm64: fake AArch64 ELF
    /// headers); returns its path.
    fn containerd_tree(&self, name: &str, arch: &str) -> String {
        let tree = self.path(name);
        for (profiles, file) in sources("containerd:") {
            let other = if arch == "amd64" { "@arm64" } else { "@amd64" };
            if profiles.contains(other) {
                continue;
            }
            let path = tree.join(&file);
            if arch == "arm64" {
                fake_elf(&path, 183, &file);
            } else {
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, format!("fake {file}\n")).unwrap();
            }
        }
        tree.to_str().unwrap().to_string()
    }

    /// `--kernel` and `--images`: the fake kernel and images.
    fn fakes(&self) -> [String; 4] {
        let dir = |d: &str| self.path(d).to_str().unwrap().to_string();
        ["--kernel".into(), dir("kernel"), "--images".into(), dir("images")]
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs make-initramfs OUT with the fake init and binaries, then `args`.
    fn build(&self, out: &str, args: &[&str]) -> PathBuf {
        let out = self.path(out);
        let o = run(
            "make-initramfs",
            &[
                out.to_str().unwrap(),
                "--init",
                self.path("init").to_str().unwrap(),
                "--bin",
                self.path("bin").to_str().unwrap(),
            ],
            &[&self.fakes().iter().map(String::as_str).collect::<Vec<_>>(), args].concat(),
        );
        assert!(
            o.status.success(),
            "make-initramfs {args:?} failed:\n{}",
            text(&o)
        );
        out
    }

    /// A copy of root/manifest changed by `edit`, for a purpose-made archive.
    fn manifest(&self, name: &str, edit: impl Fn(String) -> String) -> String {
        let path = self.path(name);
        fs::write(
            &path,
            edit(fs::read_to_string(repo::root().join("root/manifest")).unwrap()),
        )
        .unwrap();
        path.to_str().unwrap().to_string()
    }
}

fn run(script: &str, first: &[&str], rest: &[&str]) -> Output {
    Command::new(repo::root().join("scripts").join(script))
        .args(first)
        .args(rest)
        .output()
        .unwrap_or_else(|e| panic!("scripts/{script}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs the audit on `archive` with the real manifest; returns (status, output).
fn audit(archive: &Path, args: &[&str]) -> (i32, String) {
    let o = run("audit", &[archive.to_str().unwrap()], args);
    (o.status.code().expect("audit killed by a signal"), text(&o))
}

fn sha256(path: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&o.stdout)
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn same_inputs_same_bytes() {
    let s = Scratch::new("repro", 1000);
    for (profile, compress) in [
        ("test", "none"),
        ("node", "zstd"),
        ("test", "gzip"),
        ("node", "xz"),
    ] {
        let args = ["--profile", profile, "--compress", compress];
        let a = sha256(&s.build("a", &args));
        let b = sha256(&s.build("b", &args));
        assert_eq!(a, b, "profile {profile}, {compress}: two builds differ");
        eprintln!("profile {profile}, {compress}: sha256 {a}");
    }
}

#[test]
fn audit_passes_a_good_archive_and_infers_its_profile() {
    let s = Scratch::new("good", 1000);
    for profile in ["test", "node"] {
        let out = s.build(profile, &["--profile", profile, "--compress", "zstd"]);
        let (status, report) = audit(&out, &[]);
        assert_eq!(status, 0, "{report}");
        assert!(
            report.contains(&format!("profile {profile} (inferred)")),
            "{report}"
        );
        assert!(report.contains("/etc/resolv.conf"), "{report}");
    }
}

#[test]
fn audit_fails_on_an_entry_the_manifest_does_not_explain() {
    let s = Scratch::new("extra", 1000);
    let m = s.manifest("manifest", |m| {
        m + "/etc/extra file 0644 0:0 test,node root/etc/hosts not in root/manifest\n"
    });
    let out = s.build("extra.cpio", &["--manifest", &m]);
    let (status, report) = audit(&out, &["--profile", "test"]);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.contains("FAIL extra: /etc/extra: not in the manifest"),
        "{report}"
    );
}

#[test]
fn audit_fails_on_a_missing_entry() {
    let s = Scratch::new("missing", 1000);
    let m = s.manifest("manifest", |m| {
        m.lines()
            .filter(|l| !l.starts_with("/etc/hosts "))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let out = s.build("missing.cpio", &["--manifest", &m]);
    let (status, report) = audit(&out, &[]);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.contains("FAIL missing: /etc/hosts: root/etc/hosts, required in profile test"),
        "{report}"
    );
}

#[test]
fn audit_fails_on_a_wrong_mode() {
    let s = Scratch::new("mode", 1000);
    let m = s.manifest("manifest", |m| {
        m.lines().map(|l| if l.starts_with("/etc/passwd ") { l.replacen(" 0644 ", " 0600 ", 1) } else { l.to_string() } + "\n").collect()
    });
    let out = s.build("mode.cpio", &["--manifest", &m]);
    let (status, report) = audit(&out, &[]);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.contains("FAIL differs: /etc/passwd: mode 0600, manifest 0644"),
        "{report}"
    );
}

#[test]
fn audit_checks_the_init_budget_apart() {
    let s = Scratch::new("budget", 32768);
    let (status, report) = audit(&s.build("at.cpio", &[]), &[]);
    assert_eq!(
        status, 0,
        "an init of exactly 32768 bytes is within budget:\n{report}"
    );
    let s = Scratch::new("over", 32769);
    let (status, report) = audit(&s.build("over.cpio", &[]), &[]);
    assert_eq!(status, 4, "over budget alone is exit 4:\n{report}");
    assert!(
        report.contains("FAIL init-budget: /init is 32769 bytes, over the 32768-byte budget by 1"),
        "{report}"
    );
    assert!(report.contains("manifest: 0 problems"), "{report}");
}

#[test]
fn audit_json_parses_and_says_what_the_text_says() {
    let s = Scratch::new("json", 40000);
    let m = s.manifest("manifest", |m| {
        m.lines()
            .filter(|l| !l.starts_with("/etc/hosts "))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let out = s.build("json.cpio.gz", &["--manifest", &m, "--compress", "gzip"]);
    let o = run("audit", &[out.to_str().unwrap(), "--json"], &[]);
    assert_eq!(
        o.status.code(),
        Some(5),
        "missing entry (1) + init over budget (4):\n{}",
        text(&o)
    );
    let doc = json::parse(&String::from_utf8(o.stdout).unwrap()).expect("audit --json is not JSON");
    assert_eq!(doc.get("ok"), Some(&json::Value::Bool(false)));
    assert_eq!(
        doc.get("compression").and_then(json::Value::as_str),
        Some("gzip")
    );
    assert_eq!(doc.get("profile").and_then(json::Value::as_str), Some("test"));
    let init = doc.get("init").unwrap();
    assert_eq!(init.get("bytes").and_then(json::Value::as_f64), Some(40000.0));
    assert_eq!(init.get("ok"), Some(&json::Value::Bool(false)));
    let problems = doc.get("problems").and_then(json::Value::as_array).unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].get("kind").and_then(json::Value::as_str),
        Some("missing")
    );
    assert_eq!(
        problems[0].get("path").and_then(json::Value::as_str),
        Some("/etc/hosts")
    );
    let entries = doc.get("entries").and_then(json::Value::as_array).unwrap();
    let sizes: f64 = entries
        .iter()
        .filter_map(|e| e.get("size").and_then(json::Value::as_f64))
        .sum();
    assert_eq!(
        Some(sizes),
        doc.get("data_bytes").and_then(json::Value::as_f64)
    );
    assert!(entries.iter().all(|e| e
        .get("reason")
        .and_then(json::Value::as_str)
        .is_some_and(|r| !r.is_empty())));
}

/// `--runtime containerd`: the manifest's `containerd` entries (containerd,
/// its loader and libc, from a fake fetch-containerd tree) join either
/// profile; the audit infers the runtime, and holds the archive to it.
#[test]
fn containerd_runtime_adds_its_entries_and_the_audit_knows_them() {
    let s = Scratch::new("containerd", 1000);
    let tree = s.containerd_tree("containerd-tree", "amd64");
    let tree = tree.as_str();
    for profile in ["test", "node"] {
        let args = ["--profile", profile, "--runtime", "containerd", "--containerd", tree];
        let out = s.build(&format!("{profile}-containerd.cpio"), &args);
        let again = s.build(&format!("{profile}-containerd-again.cpio"), &args);
        assert_eq!(sha256(&out), sha256(&again), "{profile} with containerd: two builds differ");
        let (status, report) = audit(&out, &[]);
        assert_eq!(status, 0, "{report}");
        assert!(
            report.contains(&format!("profile {profile} (inferred), runtime containerd (inferred)")),
            "{report}"
        );
        for path in [
            "/bin/containerd", "/bin/runc", "/bin/ctr", "/bin/containerd-shim-runc-v2",
            "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6",
            "/lib/x86_64-linux-gnu/libseccomp.so.2", "/usr/lib/cni/bridge", "/etc/containerd/config.toml",
            "/etc/cni/net.d/10-kios.conflist", "/usr/share/kios/images/pause.tar", "/sbin/modprobe -> ../bin/busybox",
            "/bin/iptables -> xtables-nft-multi", "/lib/modules/6.1.0-test/kernel/net/bridge/bridge.ko",
        ] {
            assert!(report.contains(path), "{path} not listed:\n{report}");
        }
        // The test pods' image is in the test profile only.
        assert_eq!(report.contains("/usr/share/kios/images/pod.tar"), profile == "test", "{report}");
        // The module indexes name the modules taken, not the kernel's others.
        let x = s.path(&format!("x-{profile}"));
        fs::create_dir_all(&x).unwrap();
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("cd '{}' && cpio -id --quiet < '{}'", x.display(), out.display()))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let dep = fs::read_to_string(x.join("lib/modules/6.1.0-test/modules.dep")).unwrap();
        let alias = fs::read_to_string(x.join("lib/modules/6.1.0-test/modules.alias")).unwrap();
        assert!(dep.contains("kernel/net/bridge/bridge.ko:\n") && !dep.contains("taken"), "{dep}");
        assert!(alias.contains("alias fake-bridge bridge\n") && !alias.contains("taken"), "{alias}");
        // Held to cri-o, the same archive has the containerd entries too
        // many, and its iptables links point elsewhere than the legacy
        // ones (the containerd entries of those paths come last and win).
        let (status, report) = audit(&out, &["--runtime", "crio", "--profile", profile]);
        assert_eq!(status, 1, "{report}");
        for path in ["/bin/containerd", "/bin/runc", "/usr/share/kios/images/pause.tar"] {
            assert!(
                report.contains(&format!("FAIL extra: {path}: not in profile {profile} (manifest: containerd)")),
                "{report}"
            );
        }
        assert!(report.matches("FAIL extra:").count() > 30, "{report}");
        if profile == "node" {
            assert!(
                report.contains("FAIL differs: /bin/iptables: target xtables-nft-multi, manifest xtables-legacy-multi"),
                "{report}"
            );
        }
    }
    // A cri-o archive is inferred as such, and held to containerd lacks it.
    let plain = s.build("plain.cpio", &[]);
    let (status, report) = audit(&plain, &["--json"]);
    assert_eq!(status, 0, "{report}");
    let doc = json::parse(&report).expect("audit --json is not JSON");
    assert_eq!(doc.get("runtime").and_then(json::Value::as_str), Some("crio"));
    assert_eq!(doc.get("runtime_inferred"), Some(&json::Value::Bool(true)));
    let (status, report) = audit(&plain, &["--runtime", "containerd"]);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.contains(
            "FAIL missing: /bin/containerd: containerd:bin/containerd, required in profile test with containerd"
        ),
        "{report}"
    );
    // No tree: make-initramfs refuses, and says where it comes from.
    let out = s.path("none.cpio");
    let o = run(
        "make-initramfs",
        &[out.to_str().unwrap(), "--init", s.path("init").to_str().unwrap()],
        &[
            &s.fakes().iter().map(String::as_str).collect::<Vec<_>>()[..],
            &["--runtime", "containerd", "--containerd", s.path("nothing-here").to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(!o.status.success(), "built without containerd:\n{}", text(&o));
    assert!(text(&o).contains("scripts/fetch-containerd"), "{}", text(&o));
}

/// A fake ELF file for `machine` (e_machine: 62 x86-64, 183 AArch64): the
/// 64-byte header of a 64-bit little-endian executable, all the audit and
/// make-initramfs read, then `tail`.
fn fake_elf(path: &Path, machine: u16, tail: &str) {
    let mut b = vec![0u8; 64];
    b[..7].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1]);
    b[16] = 2; // ET_EXEC
    b[18..20].copy_from_slice(&machine.to_le_bytes());
    b.extend_from_slice(tail.as_bytes());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, b).unwrap();
}

/// The arm64 archive: `make-initramfs --arch arm64` takes the aarch64 init
/// and stand-ins by default (the real ones, as built for the arm64 QEMU
/// tests), and the audit infers the architecture from their ELF headers.
/// It passes the audit, the real init within its budget: exit 0. Held to amd64, the same archive fails with `arch` problems; an
/// amd64 init is refused at build time; with `--runtime containerd` the
/// manifest's arm64 paths (loader in /lib, libc in /lib/aarch64-linux-gnu)
/// are taken and amd64's are not.
#[test]
fn arm64_archive_passes_the_audit() {
    let triple = repo::root().join("target/aarch64-unknown-linux-gnu/release");
    for file in ["init", "crio-standin", "kubelet-standin"] {
        assert!(
            triple.join(file).is_file(),
            "{} is missing: `cargo build --release --target aarch64-unknown-linux-gnu` and \
             scripts/build-standins --arch aarch64 first",
            triple.join(file).display()
        );
    }
    let s = Scratch::new("arm64", 1000);
    let out = s.path("arm64.cpio.zst");
    let o = run("make-initramfs", &[out.to_str().unwrap()], &["--arch", "arm64", "--compress", "zstd"]);
    assert!(o.status.success(), "make-initramfs --arch arm64 failed:\n{}", text(&o));

    let (status, report) = audit(&out, &[]);
    assert_eq!(status, 0, "the real arm64 init and stand-ins must pass the audit:\n{report}");
    assert!(
        report.contains("compression zstd, profile test (inferred), runtime crio (inferred), arch arm64 (inferred)"),
        "{report}"
    );
    assert!(report.contains("init: ") && report.contains(" bytes, budget 32768: ok"), "{report}");
    assert!(report.contains("audit: ok"), "{report}");
    let (status, report) = audit(&out, &["--arch", "arm64", "--json"]);
    assert_eq!(status, 0, "{report}");
    let doc = json::parse(&report).expect("audit --json is not JSON");
    assert_eq!(doc.get("arch").and_then(json::Value::as_str), Some("arm64"));
    assert_eq!(doc.get("arch_inferred"), Some(&json::Value::Bool(false)));
    assert_eq!(doc.get("problems").and_then(json::Value::as_array).map(Vec::len), Some(0));

    // Held to amd64: each of the three binaries is an `arch` problem.
    let (status, report) = audit(&out, &["--arch", "amd64"]);
    assert_eq!(status, 1, "{report}");
    for path in ["/init", "/bin/crio", "/bin/kubelet"] {
        assert!(
            report.contains(&format!("FAIL arch: {path}: ELF for arm64, the archive is for amd64")),
            "{report}"
        );
    }
    assert_eq!(report.matches("FAIL arch:").count(), 3, "{report}");

    // An amd64 binary in an arm64 build is refused, named.
    let amd64_init = s.path("amd64-init");
    fake_elf(&amd64_init, 62, "init");
    let o = run(
        "make-initramfs",
        &[s.path("mixed.cpio").to_str().unwrap()],
        &["--arch", "arm64", "--init", amd64_init.to_str().unwrap()],
    );
    assert!(!o.status.success(), "an amd64 init went into an arm64 archive:\n{}", text(&o));
    assert!(
        text(&o).contains("built for another architecture than arm64: /init"),
        "{}",
        text(&o)
    );

    // The containerd runtime on arm64: its own loader and libc paths.
    let tree = s.containerd_tree("containerd-arm64", "arm64");
    let out = s.path("arm64-containerd.cpio");
    let fakes = s.fakes();
    let o = run(
        "make-initramfs",
        &[out.to_str().unwrap()],
        &[
            &fakes.iter().map(String::as_str).collect::<Vec<_>>()[..],
            &["--arch", "aarch64", "--runtime", "containerd", "--containerd", &tree],
        ]
        .concat(),
    );
    assert!(o.status.success(), "make-initramfs --arch aarch64 --runtime containerd failed:\n{}", text(&o));
    let (status, report) = audit(&out, &[]);
    assert_eq!(status, 0, "{report}");
    assert!(report.contains("audit: ok"), "{report}");
    assert!(report.contains("runtime containerd (inferred), arch arm64 (inferred)"), "{report}");
    for path in ["/bin/containerd", "/lib/ld-linux-aarch64.so.1", "/lib/aarch64-linux-gnu/libc.so.6"] {
        assert!(report.contains(path), "{path} not listed:\n{report}");
    }
    assert!(!report.contains("/lib64"), "{report}");
    // Held to amd64 with containerd: amd64's library entries missing,
    // arm64's extra (as many as the manifest has for each).
    let manifest = fs::read_to_string(repo::root().join("root/manifest")).unwrap();
    let count = |profiles: &str| {
        manifest.lines().filter(|l| l.starts_with('/') && l.split_whitespace().nth(4) == Some(profiles)).count()
    };
    let (_, report) = audit(&out, &["--arch", "amd64", "--runtime", "containerd"]);
    assert!(
        report.contains(
            "FAIL missing: /lib64/ld-linux-x86-64.so.2: containerd:lib64/ld-linux-x86-64.so.2, \
             required in profile test with containerd on amd64"
        ),
        "{report}"
    );
    assert_eq!(report.matches("FAIL missing:").count(), count("containerd@amd64"), "{report}");
    assert!(
        report.contains(
            "FAIL extra: /lib/ld-linux-aarch64.so.1: not in profile test with containerd on amd64 \
             (manifest: containerd@arm64)"
        ),
        "{report}"
    );
    assert_eq!(report.matches("FAIL extra:").count(), count("containerd@arm64"), "{report}");
}

/// `--standin-conf FILE` puts FILE at /etc/standin.conf, the manifest's
/// test-only entry (optional in `test`): the audit passes with or without
/// it; the node profile has no such entry and refuses the option.
#[test]
fn standin_conf_is_test_only() {
    let s = Scratch::new("standin-conf", 1000);
    let conf = s.path("standin.conf");
    fs::write(&conf, "kubelet.send=01@500\n").unwrap();
    let out = s.build("with.cpio", &["--standin-conf", conf.to_str().unwrap()]);
    let (status, report) = audit(&out, &[]);
    assert_eq!(status, 0, "{report}");
    assert!(report.contains("/etc/standin.conf"), "{report}");
    let (status, report) = audit(&s.build("without.cpio", &[]), &[]);
    assert_eq!(status, 0, "{report}");
    assert!(!report.contains("/etc/standin.conf"), "{report}");
    let o = run(
        "make-initramfs",
        &[
            s.path("node.cpio").to_str().unwrap(),
            "--init",
            s.path("init").to_str().unwrap(),
            "--bin",
            s.path("bin").to_str().unwrap(),
        ],
        &[
            &s.fakes().iter().map(String::as_str).collect::<Vec<_>>()[..],
            &["--profile", "node", "--standin-conf", conf.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(!o.status.success(), "a node archive took --standin-conf:\n{}", text(&o));
    assert!(text(&o).contains("no standin-conf entry in profile node"), "{}", text(&o));
}

/// `cpio CPIO-ARGS` reading `input`; its stdout (a failure fails the test).
fn cpio(input: &[u8], args: &[&str]) -> String {
    use std::io::Write;
    let mut child = Command::new("cpio")
        .arg("--quiet")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run cpio");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "cpio {args:?}: {}", o.status);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `--modules LIST` adds the manifest's entries for those modules (here the
/// fake kernel's overlay.ko, which depends on nothing), the directories
/// above them and the three indexes, cut to them; a built-in name adds the
/// indexes alone and an unknown one nothing (a note). The audit counts them
/// as extra in the test profile. A module of the kernel that the manifest
/// does not list stops the build, naming the entries to add.
#[test]
fn modules_adds_the_manifest_entries_of_those_modules() {
    let s = Scratch::new("modules", 1000);
    let out = s.path("modules.cpio");
    let o = run(
        "make-initramfs",
        &[out.to_str().unwrap(), "--init", s.path("init").to_str().unwrap(), "--bin", s.path("bin").to_str().unwrap()],
        &[&s.fakes().iter().map(String::as_str).collect::<Vec<_>>()[..], &["--modules", "overlay,builtin,no-such"]].concat(),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("note: module no-such is neither in modules.dep nor in modules.builtin of 6.1.0-test: nothing added"),
        "{}",
        text(&o)
    );
    let archive = fs::read(&out).unwrap();
    let listed: Vec<String> = cpio(&archive, &["-it"]).lines().filter(|l| l.starts_with("lib/modules")).map(str::to_string).collect();
    let k = "lib/modules/6.1.0-test";
    let want: Vec<String> = [
        "lib/modules".to_string(),
        k.to_string(),
        format!("{k}/kernel"),
        format!("{k}/kernel/fs"),
        format!("{k}/kernel/fs/overlayfs"),
        format!("{k}/kernel/fs/overlayfs/overlay.ko"),
        format!("{k}/modules.alias"),
        format!("{k}/modules.builtin"),
        format!("{k}/modules.dep"),
    ]
    .into();
    assert_eq!(listed, want);
    let file = |name: &str| cpio(&archive, &["-i", "--to-stdout", &format!("{k}/{name}")]);
    assert_eq!(file("modules.dep"), "kernel/fs/overlayfs/overlay.ko:\n");
    assert_eq!(file("modules.alias"), "alias fake-overlay overlay\n");
    assert_eq!(file("modules.builtin"), "kernel/fake/builtin.ko\n");
    let (status, report) = audit(&out, &["--profile", "test"]);
    assert_eq!(status, 1, "{report}");
    assert!(report.contains(&format!("FAIL extra: /{k}/kernel/fs/overlayfs/overlay.ko")), "{report}");

    let o = run(
        "make-initramfs",
        &[s.path("not.cpio").to_str().unwrap(), "--init", s.path("init").to_str().unwrap(), "--bin", s.path("bin").to_str().unwrap()],
        &[&s.fakes().iter().map(String::as_str).collect::<Vec<_>>()[..], &["--modules", "taken"]].concat(),
    );
    assert!(!o.status.success(), "a module the manifest does not list was taken:\n{}", text(&o));
    assert!(
        text(&o).contains("/lib/modules/KVER/kernel/not/taken.ko (module kernel/not/taken.ko)"),
        "{}",
        text(&o)
    );
}

/// `--extra DIR` appends DIR's tree as an archive of its own, owned by
/// root, after the manifest's, in the order given, compressed like it: the
/// manifest's archive is unchanged (the audit passes and lists nothing of
/// the trees), and gzip reads the whole as the plain build's bytes.
#[test]
fn extra_trees_are_archives_appended_in_order() {
    let s = Scratch::new("extra-trees", 1000);
    for (tree, content) in [("a", "one\n"), ("b", "two\n")] {
        fs::create_dir_all(s.path(tree).join("bin")).unwrap();
        fs::write(s.path(tree).join("bin/x"), content).unwrap();
    }
    fs::create_dir_all(s.path("b/etc")).unwrap();
    fs::write(s.path("b/etc/y"), "y\n").unwrap();
    let (a, b) = (s.path("a"), s.path("b"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let plain = fs::read(s.build("plain.cpio", &[])).unwrap();
    let one = fs::read(s.build("one.cpio", &["--extra", a])).unwrap();
    let two = fs::read(s.build("two.cpio", &["--extra", a, "--extra", b])).unwrap();
    assert!(one.starts_with(&plain) && two.starts_with(&one), "the appended archives changed what comes before");
    let (first, second) = (&one[plain.len()..], &two[one.len()..]);
    assert_eq!(cpio(first, &["-it"]), "bin\nbin/x\n");
    assert_eq!(cpio(second, &["-it"]), "bin\nbin/x\netc\netc/y\n");
    assert_eq!(cpio(second, &["-i", "--to-stdout", "bin/x"]), "two\n");
    for line in cpio(second, &["-itvn"]).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((f[2], f[3]), ("0", "0"), "not owned by root: {line}");
    }
    let gz = s.build("two.cpio.gz", &["--extra", a, "--extra", b, "--compress", "gzip"]);
    let (status, report) = audit(&gz, &[]);
    assert_eq!(status, 0, "{report}");
    assert!(!report.contains("/etc/y"), "{report}");
    let o = Command::new("gzip").arg("-dc").arg(&gz).output().unwrap();
    assert!(o.status.success(), "gzip -dc {}: {}", gz.display(), text(&o));
    assert!(o.stdout == two, "gzip -dc of the gzip build is not the plain build");
}

/// The audit's `--json` report, read with serde_json.
mod json {
    pub use serde_json::Value;

    pub fn parse(text: &str) -> serde_json::Result<Value> {
        serde_json::from_str(text)
    }
}
