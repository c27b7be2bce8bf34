//! The GPT parser (`kios::gpt`) on disk images written by other people's
//! tools: Debian's `sgdisk` (gdisk) and `sfdisk` (util-linux), and
//! `scripts/create-image`. Each test makes its images at run time under
//! the system temporary directory, reads them with std and checks what
//! `kios::gpt` finds against what the tools report.
//!
//! Needs root: 4096-byte-sector images are partitioned through a loop
//! device (`losetup --sector-size 4096`; neither tool takes a sector size
//! for a plain file). Needs gdisk, fdisk, dosfstools and e2fsprogs, which
//! scripts/test installs; a missing tool is a failure, never a skip.

#[path = "common/repo.rs"]
mod repo;

use kios::gpt;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const DATAPART: &str = "97aac693-d920-465a-94fe-eb59fc86dfaa";
const ESP: &str = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

/// A scratch directory for one test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("kios-gpt-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A sparse file of `mib` MiB.
    fn image(&self, name: &str, mib: u64) -> PathBuf {
        let path = self.0.join(name);
        File::create(&path).unwrap().set_len(mib << 20).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A loop device over an image with the given logical sector size, detached at the end.
struct Loop(String);

impl Loop {
    fn attach(image: &Path, sector_size: u32) -> Loop {
        let dev = run("losetup", &["--show", "-f", "--sector-size", &sector_size.to_string(), path(image)], "");
        Loop(dev.trim().to_string())
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a tool with `input` on stdin; its stdout, or a failure with its stderr.
fn run(tool: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e} (scripts/test installs the tools)"));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{tool} {args:?}: {}\n{stdout}{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

/// What `kios::gpt::load` finds in an image read with `sector_size`-byte
/// sectors: the header and the entry array (read them with `gpt::entries`).
fn read_table(image: &Path, sector_size: usize) -> Result<(gpt::Header, Vec<u8>), gpt::Error> {
    let file = File::open(image).unwrap();
    let sectors = file.metadata().unwrap().len() / sector_size as u64;
    let mut read = |lba: u64, buf: &mut [u8]| file.read_exact_at(buf, lba * sector_size as u64).is_ok();
    let (mut sector, mut array) = (vec![0u8; sector_size], vec![0u8; 16384]);
    let header = gpt::load(&mut read, &mut sector, sectors, &mut array)?;
    Ok((header, array))
}

/// What the checks below read of an entry.
struct Part {
    number: u32,
    unique_guid: [u8; 16],
    first_lba: u64,
    last_lba: u64,
    /// Whether its name is `kios-data`.
    kios_data: bool,
}

/// The data partition (by type GUID) of a good table.
fn datapart(image: &Path, sector_size: usize) -> Part {
    let (header, array) = read_table(image, sector_size).unwrap();
    let found: Vec<_> = gpt::entries(&header, &array).filter(|e| e.type_guid() == gpt::KIOS_DATAPART_TYPE).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let e = found[0];
    Part {
        number: e.number,
        unique_guid: e.unique_guid(),
        first_lba: e.first_lba(),
        last_lba: e.last_lba(),
        kios_data: e.name_is(b"kios-data"),
    }
}

/// The value after `field:` in `sgdisk -i N` output.
fn sgdisk_info(dev: &str, number: u32, field: &str) -> String {
    let info = run("sgdisk", &["-i", &number.to_string(), dev], "");
    let line = info.lines().find_map(|l| l.strip_prefix(field)).unwrap_or_else(|| panic!("{field} in {info}"));
    line.trim_start_matches(':').split_whitespace().next().unwrap().to_string()
}

/// An EFI partition 1 and the datapart as `number`, written by sgdisk on `dev`.
fn sgdisk_layout(dev: &str, number: u32) {
    let n = number.to_string();
    let (new, kind, name) = (format!("{n}:0:0"), format!("{n}:{DATAPART}"), format!("{n}:kios-data"));
    run("sgdisk", &["-o", "-n", "1:0:+8M", "-t", "1:ef00", "-n", &new, "-t", &kind, "-c", &name, dev], "");
}

/// Checks the datapart entry against what sgdisk reports for it.
fn check_with_sgdisk(dev: &str, image: &Path, sector_size: usize, number: u32) {
    let entry = datapart(image, sector_size);
    assert_eq!(entry.number, number);
    assert!(entry.kios_data);
    assert_eq!(gpt::parse_guid(sgdisk_info(dev, number, "Partition unique GUID").as_bytes()), Some(entry.unique_guid));
    assert_eq!(entry.first_lba.to_string(), sgdisk_info(dev, number, "First sector"));
    assert_eq!(entry.last_lba.to_string(), sgdisk_info(dev, number, "Last sector"));
}

/// An EFI partition 1 and the datapart as `number`, written by sfdisk on `dev`
/// (a script names the partitions to number them: `DEV12 : …`).
fn sfdisk_layout(dev: &str, number: u32, part_prefix: &str) {
    let script = format!(
        "label: gpt\n\
         {part_prefix}1 : start=2048, size=2048, type={ESP}, name=EFI\n\
         {part_prefix}{number} : start=4096, type={DATAPART}, name=kios-data\n"
    );
    run("sfdisk", &["-q", dev], &script);
}

/// Checks the datapart entry against what sfdisk reports for it.
fn check_with_sfdisk(dev: &str, image: &Path, sector_size: usize, number: u32) {
    let entry = datapart(image, sector_size);
    assert_eq!((entry.number, entry.first_lba), (number, 4096));
    assert!(entry.kios_data);
    let uuid = run("sfdisk", &["--part-uuid", dev, &number.to_string()], "");
    assert_eq!(gpt::parse_guid(uuid.trim().as_bytes()), Some(entry.unique_guid), "{uuid}");
}

/// Flips one byte of a file.
fn flip(image: &Path, offset: u64) {
    let file = fs::OpenOptions::new().read(true).write(true).open(image).unwrap();
    let mut byte = [0u8];
    file.read_exact_at(&mut byte, offset).unwrap();
    file.write_all_at(&[byte[0] ^ 0x5a], offset).unwrap();
}

#[test]
fn sgdisk_512_datapart_2_and_12() {
    let scratch = Scratch::new("sgdisk512");
    for number in [2, 12] {
        let image = scratch.image(&format!("p{number}.img"), 64);
        sgdisk_layout(path(&image), number);
        check_with_sgdisk(path(&image), &image, 512, number);
    }
}

#[test]
fn sfdisk_512_datapart_2_and_12() {
    let scratch = Scratch::new("sfdisk512");
    for number in [2, 12] {
        let image = scratch.image(&format!("p{number}.img"), 64);
        sfdisk_layout(path(&image), number, path(&image));
        check_with_sfdisk(path(&image), &image, 512, number);
    }
}

#[test]
fn sector_size_4096_sgdisk_and_sfdisk() {
    let scratch = Scratch::new("4k");
    let image = scratch.image("sgdisk.img", 64);
    let dev = Loop::attach(&image, 4096);
    sgdisk_layout(&dev.0, 12);
    check_with_sgdisk(&dev.0, &image, 4096, 12);
    assert!(read_table(&image, 512).is_err(), "a 4096-byte-sector table read with 512-byte sectors");

    let image = scratch.image("sfdisk.img", 128);
    let dev = Loop::attach(&image, 4096);
    sfdisk_layout(&dev.0, 3, &format!("{}p", dev.0));
    check_with_sfdisk(&dev.0, &image, 4096, 3);
}

#[test]
fn corrupt_primary_header_uses_the_backup() {
    let scratch = Scratch::new("header");
    let image = scratch.image("disk.img", 64);
    sgdisk_layout(path(&image), 12);
    flip(&image, 512 + 40); // first usable LBA
    let (header, _) = read_table(&image, 512).unwrap();
    assert_eq!(header.my_lba, (64 << 20) / 512 - 1);
    assert_eq!(datapart(&image, 512).number, 12);
}

#[test]
fn corrupt_entry_array_uses_the_backup_and_both_fail() {
    let scratch = Scratch::new("array");
    for (tool, sector_size) in [("sgdisk", 512u64), ("sfdisk", 4096)] {
        let image = scratch.image(&format!("{tool}.img"), 64);
        let dev = (sector_size == 4096).then(|| Loop::attach(&image, 4096));
        let target = dev.as_ref().map_or(path(&image).to_string(), |d| d.0.clone());
        if tool == "sgdisk" {
            sgdisk_layout(&target, 2);
        } else {
            sfdisk_layout(&target, 2, &format!("{target}p"));
        }
        flip(&image, 2 * sector_size + 128 + 60); // entry 2's name, in the primary array
        let (header, _) = read_table(&image, sector_size as usize).unwrap();
        assert_eq!(header.my_lba, (64 << 20) / sector_size - 1);
        assert_eq!(datapart(&image, sector_size as usize).number, 2);
        flip(&image, header.entries_lba * sector_size + 128 + 60);
        assert_eq!(read_table(&image, sector_size as usize).unwrap_err(), gpt::Error::ArrayCrc);
    }
}

#[test]
fn no_datapart() {
    let scratch = Scratch::new("none");
    let image = scratch.image("disk.img", 64);
    run("sgdisk", &["-o", "-n", "1:0:+8M", "-t", "1:ef00", "-n", "2:0:0", "-t", "2:8300", path(&image)], "");
    let (header, array) = read_table(&image, 512).unwrap();
    let entries: Vec<_> = gpt::entries(&header, &array).collect();
    assert_eq!(entries.iter().map(|e| e.number).collect::<Vec<_>>(), [1, 2]);
    assert!(entries.iter().all(|e| e.type_guid() != gpt::KIOS_DATAPART_TYPE));
}

#[test]
fn truncated_images() {
    let scratch = Scratch::new("truncated");
    let image = scratch.image("disk.img", 64);
    sgdisk_layout(path(&image), 2);
    let file = fs::OpenOptions::new().write(true).open(&image).unwrap();
    for (len, error) in [(32 << 20, gpt::Error::BeyondDisk), (2048, gpt::Error::BeyondDisk), (600, gpt::Error::Read), (100, gpt::Error::NoGpt)] {
        file.set_len(len).unwrap();
        assert_eq!(read_table(&image, 512).unwrap_err(), error, "{len} bytes");
    }
}

#[test]
fn mbr_only_disk() {
    let scratch = Scratch::new("mbr");
    let image = scratch.image("disk.img", 64);
    run("sfdisk", &["-q", path(&image)], "label: dos\nstart=2048, type=83\n");
    assert_eq!(read_table(&image, 512).unwrap_err(), gpt::Error::NoGpt);
}

/// `scripts/create-image`, then the datapart found by `kios::gpt`, cut out
/// of the image and checked by `e2fsck -fn`, with the `--etc` files in it.
#[test]
fn create_image_512_and_4096() {
    let scratch = Scratch::new("create");
    let etc = scratch.0.join("etc");
    fs::create_dir_all(etc.join("kubernetes")).unwrap();
    fs::write(etc.join("hostname"), "node-from-disk\n").unwrap();
    fs::write(etc.join("kubernetes/node-labels"), "zone: disk\n").unwrap();
    let script = repo::root().join("scripts/create-image");
    for (sector_size, number) in [(512usize, 12u32), (4096, 3)] {
        let image = scratch.0.join(format!("disk{sector_size}.img"));
        let (ss, n) = (sector_size.to_string(), number.to_string());
        let args = [path(&image), "--size", "128M", "--sector-size", &ss, "--datapart-number", &n, "--etc", path(&etc)];
        run(path(&script), &args, "");
        let entry = datapart(&image, sector_size);
        assert_eq!(entry.number, number);
        assert!(entry.kios_data);

        let part = scratch.0.join(format!("datapart{sector_size}.img"));
        let skip = format!("skip={}", entry.first_lba);
        let count = format!("count={}", entry.last_lba - entry.first_lba + 1);
        let bs = format!("bs={sector_size}");
        let ifile = format!("if={}", path(&image));
        let ofile = format!("of={}", path(&part));
        run("dd", &[&ifile, &ofile, &bs, &skip, &count, "conv=sparse", "status=none"], "");
        run("e2fsck", &["-fn", path(&part)], "");
        let listing = run("debugfs", &["-R", "ls -p /", path(&part)], "");
        for dir in ["meta", "data", "modules"] {
            assert!(listing.contains(&format!("/{dir}/")), "{dir} in {listing}");
        }
        let hostname = run("debugfs", &["-R", "cat /meta/etc/hostname", path(&part)], "");
        assert_eq!(hostname, "node-from-disk\n");
        let labels = run("debugfs", &["-R", "cat /meta/etc/kubernetes/node-labels", path(&part)], "");
        assert_eq!(labels, "zone: disk\n");
    }
}
