//! The tests' disks: GPT images written by scripts/create-image, and their
//! data partition read back from the host (sgdisk, e2fsck -fn, debugfs).
//! How QEMU attaches them (NVMe, on its command line or hot-plugged) is
//! kios-host's (host/src/qemu.rs).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use super::repo;

/// A GPT disk image written by scripts/create-image.
pub struct Image {
    pub path: PathBuf,
    /// Logical sector size: 512 or 4096.
    pub sector_size: u32,
    /// GPT entry number of the data partition.
    pub number: u32,
}

/// The data partition's GPT entry as `sgdisk -i` reports it.
pub struct Partition {
    /// In logical sectors.
    pub first: u64,
    pub last: u64,
    /// The PARTUUID, upper case as sgdisk prints it.
    pub unique_guid: String,
    pub name: String,
}

/// `e2fsck -fn` on the data partition.
pub struct Fsck {
    pub status: ExitStatus,
    pub output: String,
}

impl Fsck {
    /// Exit status 0 (no error found) and no journal left to recover (with
    /// `-n`, e2fsck only warns about that one: `skipping journal recovery`,
    /// status 0 — the mark of a filesystem not unmounted).
    pub fn clean(&self) -> bool {
        self.status.code() == Some(0) && !self.output.contains("journal recovery")
    }
}

/// Runs a tool; (status, stdout, stderr); a tool that cannot run fails the test.
fn tool(tool: &str, args: &[&str]) -> (ExitStatus, String, String) {
    let out = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e} (scripts/test installs the tools)"));
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a tool that must succeed; its stdout.
fn tool_ok(name: &str, args: &[&str]) -> String {
    let (status, stdout, stderr) = tool(name, args);
    assert!(status.success(), "{name} {args:?}: {status}\n{stdout}{stderr}");
    stdout
}

impl Image {
    /// `scripts/create-image DIR/NAME.img --size 256M --sector-size S
    /// --datapart-number N [--etc DIR/NAME-etc]`, the `etc` files (path
    /// relative to /etc, contents) written into meta/etc.
    pub fn create(dir: &Path, name: &str, sector_size: u32, number: u32, etc: &[(&str, &str)]) -> Image {
        Self::create_with_fifos(dir, name, sector_size, number, etc, &[])
    }

    /// [`Image::create`], plus a FIFO at each of `fifos` (paths relative
    /// to /etc) in meta/etc (mkfs.ext4 -d copies special files as they are).
    pub fn create_with_fifos(dir: &Path, name: &str, sector_size: u32, number: u32, etc: &[(&str, &str)], fifos: &[&str]) -> Image {
        let path = dir.join(format!("{name}.img"));
        let mut args: Vec<String> = vec![
            path.display().to_string(),
            "--size".into(),
            "256M".into(),
            "--sector-size".into(),
            sector_size.to_string(),
            "--datapart-number".into(),
            number.to_string(),
        ];
        if !etc.is_empty() || !fifos.is_empty() {
            let etc_dir = dir.join(format!("{name}-etc"));
            let _ = fs::remove_dir_all(&etc_dir);
            for (file, contents) in etc {
                let target = etc_dir.join(file);
                fs::create_dir_all(target.parent().unwrap()).unwrap();
                fs::write(target, contents).unwrap();
            }
            for fifo in fifos {
                let target = etc_dir.join(fifo);
                fs::create_dir_all(target.parent().unwrap()).unwrap();
                tool_ok("mkfifo", &[target.to_str().unwrap()]);
            }
            args.push("--etc".into());
            args.push(etc_dir.display().to_string());
        }
        let script = repo::root().join("scripts/create-image");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tool_ok(script.to_str().unwrap(), &args);
        Image { path, sector_size, number }
    }

    /// The data partition as sgdisk sees it (through a read-only loop
    /// device with 4096-byte sectors for a 4096 image: sgdisk reads a plain
    /// file with 512-byte sectors).
    pub fn partition(&self) -> Partition {
        let image = self.path.to_str().unwrap();
        let mut loop_dev = None;
        let dev = if self.sector_size == 512 {
            image.to_string()
        } else {
            let ss = self.sector_size.to_string();
            let dev = tool_ok("losetup", &["--show", "-f", "-r", "--sector-size", &ss, image]);
            loop_dev = Some(dev.trim().to_string());
            dev.trim().to_string()
        };
        let info = tool("sgdisk", &["-i", &self.number.to_string(), &dev]);
        if let Some(dev) = loop_dev {
            let _ = Command::new("losetup").args(["-d", &dev]).status();
        }
        let (status, info, stderr) = info;
        assert!(status.success(), "sgdisk -i {} {dev}: {status}\n{info}{stderr}", self.number);
        let field = |name: &str| -> String {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim_start_matches(':').trim().to_string())
                .unwrap_or_else(|| panic!("`{name}` in sgdisk -i output:\n{info}"))
        };
        let number = |name: &str| -> u64 {
            let v = field(name);
            v.split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("{name}: {v}"))
        };
        Partition {
            first: number("First sector"),
            last: number("Last sector"),
            unique_guid: field("Partition unique GUID"),
            name: field("Partition name").trim_matches('\'').to_string(),
        }
    }

    /// The data partition copied out of the image (sparse), next to it.
    fn extract(&self) -> PathBuf {
        let part = self.partition();
        let out = self.path.with_extension("datapart.ext4");
        let _ = fs::remove_file(&out);
        let args = [
            format!("if={}", self.path.display()),
            format!("of={}", out.display()),
            format!("bs={}", self.sector_size),
            format!("skip={}", part.first),
            format!("count={}", part.last - part.first + 1),
            "conv=sparse".to_string(),
            "status=none".to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tool_ok("dd", &args);
        out
    }

    /// `e2fsck -fn` on a copy of the data partition: forced full check,
    /// read-only (a journal left to recover counts as not clean).
    pub fn fsck(&self) -> Fsck {
        let part = self.extract();
        let (status, stdout, stderr) = tool("e2fsck", &["-fn", part.to_str().unwrap()]);
        let _ = fs::remove_file(&part);
        Fsck { status, output: format!("{stdout}{stderr}") }
    }

    /// A file of the data partition (`/meta/log/x`), read with debugfs;
    /// None if it is not there.
    pub fn read(&self, path: &str) -> Option<String> {
        let part = self.extract();
        let request = format!("cat {path}");
        let (status, stdout, stderr) = tool("debugfs", &["-R", &request, part.to_str().unwrap()]);
        let _ = fs::remove_file(&part);
        assert!(status.success(), "debugfs -R '{request}': {status}\n{stderr}");
        if stderr.contains("File not found") {
            None
        } else {
            Some(stdout)
        }
    }
}
