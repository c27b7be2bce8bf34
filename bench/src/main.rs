//! `kios-bench`: the runner behind `scripts/bench-boot` (which builds the
//! initramfs images and passes their paths here).
//!
//!     kios-bench run --runs N --out DIR --qemu BIN [--machine-arg ARG]... --kernel FILE
//!                    --append CMDLINE --kernel-version V --arch A [--timeout S]
//!                    --ours CPIO INIT --baseline CPIO SCRIPT INTERPRETER
//!                    [--containerd CPIO INIT CONTAINERD CMDLINE]
//!     kios-bench check CONSOLE...
//!
//! `run` boots ours, baseline, ours, baseline… N times each, one QEMU at a
//! time, keeps every console in DIR/console/, and writes DIR/boot.json and
//! DIR/boot.svg. With `--containerd`, a third configuration joins the
//! rotation (ours, baseline, containerd, ours…): our init with the real
//! containerd (its binary given for its size), booted with its own kernel
//! command line (`kios.runtime=containerd`); it gets a table of its own,
//! against ours. `check` reads saved consoles and prints their phases.
//! Both exit 1 when a console lacks a phase, printing an excerpt of it.

use kios_bench::{excerpt, ratios, to_json, to_svg, Config, Console, Machine, Span, Stats, PHASES};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn usage() -> ExitCode {
    eprintln!(
        "usage: kios-bench run --runs N --out DIR --qemu BIN [--machine-arg ARG]... --kernel FILE --append CMDLINE \
         --kernel-version V --arch A [--timeout S] --ours CPIO INIT --baseline CPIO SCRIPT INTERPRETER \
         [--containerd CPIO INIT CONTAINERD CMDLINE]\n       \
         kios-bench check CONSOLE..."
    );
    ExitCode::from(2)
}

#[derive(Default)]
struct Args {
    runs: usize,
    out: PathBuf,
    qemu: String,
    machine: Vec<String>,
    kernel: PathBuf,
    append: String,
    kernel_version: String,
    arch: String,
    timeout: u64,
    ours: Vec<PathBuf>,
    baseline: Vec<PathBuf>,
    /// Image, init and containerd binary of the containerd configuration.
    containerd: Vec<PathBuf>,
    /// Its kernel command line.
    containerd_append: String,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Option<Args> {
    let mut a = Args { runs: 10, timeout: 120, ..Args::default() };
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--runs" => a.runs = it.next()?.parse().ok().filter(|&n| n > 0)?,
            "--out" => a.out = it.next()?.into(),
            "--qemu" => a.qemu = it.next()?,
            "--machine-arg" => a.machine.push(it.next()?),
            "--kernel" => a.kernel = it.next()?.into(),
            "--append" => a.append = it.next()?,
            "--kernel-version" => a.kernel_version = it.next()?,
            "--arch" => a.arch = it.next()?,
            "--timeout" => a.timeout = it.next()?.parse().ok()?,
            "--ours" => a.ours = vec![it.next()?.into(), it.next()?.into()],
            "--baseline" => a.baseline = vec![it.next()?.into(), it.next()?.into(), it.next()?.into()],
            "--containerd" => {
                a.containerd = vec![it.next()?.into(), it.next()?.into(), it.next()?.into()];
                a.containerd_append = it.next()?;
            }
            _ => return None,
        }
    }
    let ok = !a.out.as_os_str().is_empty() && !a.qemu.is_empty() && !a.kernel.as_os_str().is_empty() && a.ours.len() == 2 && a.baseline.len() == 3;
    ok.then_some(a)
}

fn size(p: &Path) -> Result<u64, String> {
    std::fs::metadata(p).map(|m| m.len()).map_err(|e| format!("{}: {e}", p.display()))
}

/// Boots one initramfs with the kernel command line `append`; the console,
/// `\r` removed, and the wall time.
fn boot(a: &Args, initramfs: &Path, append: &str) -> Result<(String, Duration), String> {
    let start = Instant::now();
    let mut child = Command::new(&a.qemu)
        .args(&a.machine)
        .args(["-accel", "tcg", "-smp", "1", "-m", "512", "-nographic", "-no-reboot", "-kernel"])
        .arg(&a.kernel)
        .arg("-initrd")
        .arg(initramfs)
        .arg("-append")
        .arg(append)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", a.qemu))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let deadline = start + Duration::from_secs(a.timeout);
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(s);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = start.elapsed();
    let mut text = String::from_utf8_lossy(&out.join().unwrap_or_default()).replace('\r', "");
    let err = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    if !err.is_empty() {
        text.push_str("\n--- qemu stderr ---\n");
        text.push_str(&err);
    }
    match status {
        None => text.push_str(&format!("\n--- kios-bench: QEMU killed after {} s ---\n", a.timeout)),
        Some(s) if !s.success() => text.push_str(&format!("\n--- kios-bench: QEMU exited with {s} ---\n")),
        Some(_) => {}
    }
    Ok((text, wall))
}

/// The phases of a console, or a message naming what is missing with an
/// excerpt of the console.
fn phases(name: &str, text: &str) -> Result<(Console, [Span; PHASES.len()]), String> {
    let c = Console::parse(text);
    match c.phases() {
        Ok(p) => Ok((c, p)),
        Err(missing) => Err(format!(
            "{name}: missing from the console: {}\n--- console excerpt (from `Run /init`, last 40 lines) ---\n{}\n---",
            missing.join(", "),
            excerpt(text, 40)
        )),
    }
}

fn machine(a: &Args) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let qemu = Command::new(&a.qemu)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().next().map(str::to_string))
        .unwrap_or_default();
    let host_kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    Machine { cpu, cores, qemu, kernel: a.kernel_version.clone(), host_kernel, arch: a.arch.clone() }
}

fn run(a: Args) -> Result<(), String> {
    let dir = a.out.join("console");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (script, busybox) = (size(&a.baseline[1])?, size(&a.baseline[2])?);
    let mut configs = vec![
        Config {
            name: "ours".into(),
            description: "ours: the kiOS init".into(),
            init_bytes: size(&a.ours[1])?,
            init_note: "the static init binary".into(),
            initramfs_bytes: size(&a.ours[0])?,
            ..Config::default()
        },
        Config {
            name: "baseline".into(),
            description: "baseline: busybox-static sh /init".into(),
            init_bytes: script + busybox,
            init_note: format!("shell script {script} B + busybox-static {busybox} B"),
            initramfs_bytes: size(&a.baseline[0])?,
            ..Config::default()
        },
    ];
    let mut images = vec![(a.ours[0].clone(), a.append.clone()), (a.baseline[0].clone(), a.append.clone())];
    if let [image, init, containerd] = &a.containerd[..] {
        let runtime = size(containerd)?;
        configs.push(Config {
            name: "containerd".into(),
            description: "containerd: the kiOS init + Debian's containerd".into(),
            init_bytes: size(init)?,
            init_note: format!("the static init binary; its runtime, Debian's containerd, {runtime} B"),
            initramfs_bytes: size(image)?,
            ..Config::default()
        });
        images.push((image.clone(), a.containerd_append.clone()));
    }
    let m = machine(&a);
    eprintln!("kios-bench: {} boots per configuration, alternated; {} on {} ({} cores), kernel {}", a.runs, m.qemu, m.cpu, m.cores, m.kernel);
    let started = Instant::now();
    for i in 1..=a.runs {
        for (c, (image, append)) in configs.iter_mut().zip(&images) {
            eprint!("[run {i}/{}] {:<8} ", a.runs, c.name);
            let (text, wall) = boot(&a, image, append)?;
            let log = dir.join(format!("{}-{i}.log", c.name));
            std::fs::write(&log, &text).map_err(|e| format!("{}: {e}", log.display()))?;
            let (console, p) = phases(&format!("{} run {i} ({})", c.name, log.display()), &text).inspect_err(|_| eprintln!("FAILED"))?;
            eprintln!(
                "kernel→/init {:7.1} ms  /init→kubelet-exec {:6.1} ms  total {:7.1} ms  shutdown {:5.1} ms  (wall {:.1} s, elapsed {:.0} s)",
                p[0].ms,
                p[4].ms - p[0].ms,
                p[4].ms,
                p[5].ms,
                wall.as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
            c.runs.push(p);
            c.vmrss_kb.extend(console.init_vmrss_kb.map(|v| v as f64));
            c.rss_kb.extend(console.init_rss_kb.map(|v| v as f64));
        }
    }
    let r = ratios(&configs[0], &configs[1]);
    let rc = configs.get(2).map(|c| ratios(c, &configs[0]));
    let json = to_json(&m, a.runs, &configs, &r, rc.as_deref());
    let svg = to_svg(&m, a.runs, &configs);
    for (name, body) in [("boot.json", &json), ("boot.svg", &svg)] {
        let p = a.out.join(name);
        std::fs::write(&p, body).map_err(|e| format!("{}: {e}", p.display()))?;
    }

    println!("\n{} boots per configuration ({}); ms of the kernel clock: min / median / max", a.runs, m.arch);
    println!("{:<32} {:>26} {:>26} {:>8}", "phase", "ours", "baseline", "ratio");
    let cell = |s: Option<Stats>| s.map_or("n/a".into(), |s| format!("{:.1} / {:.1} / {:.1}", s.min, s.median, s.max));
    for (i, p) in PHASES.iter().enumerate() {
        println!("{:<32} {:>26} {:>26} {:>8}", p.label, cell(configs[0].stats(i)), cell(configs[1].stats(i)), ratio_txt(r[i].2));
    }
    for (label, pick) in [("init VmRSS (kB)", 0usize), ("init Rss (kB)", 1)] {
        let v = |c: &Config| Stats::of(if pick == 0 { &c.vmrss_kb } else { &c.rss_kb });
        println!("{:<32} {:>26} {:>26} {:>8}", label, cell(v(&configs[0])), cell(v(&configs[1])), ratio_txt(r[PHASES.len() + pick].2));
    }
    println!("{:<32} {:>26} {:>26} {:>8}", "init size (bytes)", configs[0].init_bytes, configs[1].init_bytes, ratio_txt(r[PHASES.len() + 2].2));
    println!("{:<32} {:>26} {:>26} {:>8}", "initramfs size (bytes)", configs[0].initramfs_bytes, configs[1].initramfs_bytes, ratio_txt(r[PHASES.len() + 3].2));
    println!("\nratios ours/baseline (medians):");
    for (_, label, v) in &r {
        println!("  {label:<32} {}", ratio_txt(*v));
    }
    println!("baseline init size: {}", configs[1].init_note);
    if let (Some(c), Some(rc)) = (configs.get(2), &rc) {
        println!("\nwith containerd ({}, kernel command line `{}`); ms of the kernel clock: min / median / max", c.description, a.containerd_append);
        println!("{:<32} {:>26} {:>26} {:>8}", "phase", "containerd", "ours", "ratio");
        for (i, p) in PHASES.iter().enumerate() {
            println!("{:<32} {:>26} {:>26} {:>8}", p.label, cell(c.stats(i)), cell(configs[0].stats(i)), ratio_txt(rc[i].2));
        }
        for (label, pick) in [("init VmRSS (kB)", 0usize), ("init Rss (kB)", 1)] {
            let v = |c: &Config| Stats::of(if pick == 0 { &c.vmrss_kb } else { &c.rss_kb });
            println!("{:<32} {:>26} {:>26} {:>8}", label, cell(v(c)), cell(v(&configs[0])), ratio_txt(rc[PHASES.len() + pick].2));
        }
        println!("{:<32} {:>26} {:>26} {:>8}", "initramfs size (bytes)", c.initramfs_bytes, configs[0].initramfs_bytes, ratio_txt(rc[PHASES.len() + 3].2));
        println!("containerd init size: {}", c.init_note);
    }
    println!("wrote {} and {}", a.out.join("boot.json").display(), a.out.join("boot.svg").display());
    Ok(())
}

fn ratio_txt(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.3}"))
}

fn check(files: &[String]) -> Result<(), String> {
    if files.is_empty() {
        return Err("check: no console given".into());
    }
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
        let (_, p) = phases(f, &text)?;
        let list: Vec<String> = PHASES.iter().zip(p).map(|(ph, s)| format!("{} {:.1} ms", ph.label, s.ms)).collect();
        println!("{f}: {}", list.join(", "));
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let result = match args.next().as_deref() {
        Some("run") => match parse_args(args) {
            Some(a) => run(a),
            None => return usage(),
        },
        Some("check") => check(&args.collect::<Vec<_>>()),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kios-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
