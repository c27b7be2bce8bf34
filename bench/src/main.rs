//! `kios-bench`: the runner behind `scripts/bench-boot` (which builds the
//! initramfs images and passes their paths here).
//!
//!     kios-bench run --runs N --out DIR --arch A --kernel FILE --append CMDLINE
//!                    --kernel-version V [--timeout S] [--memory MIB]
//!                    --ours CPIO INIT [--ours-label TEXT] [--against CPIO INIT LABEL]
//!                    [--baseline CPIO SCRIPT INTERPRETER] [--variant NAME CPIO LABEL]...
//!                    [--containerd CPIO INIT CONTAINERD CMDLINE]
//!                    [--record CSV --commit COMMIT --date DATE] [--icount SHIFT]
//!     kios-bench check CONSOLE...
//!     kios-bench history CSV SVG
//!
//! `run` boots each configuration in turn (ours, against, baseline,
//! variants, containerd, ours…) N times, one QEMU at a time, keeps every
//! console in DIR/console/, and writes DIR/boot.json and DIR/boot.svg.
//! `--against`: the init of another revision, same kernel and stand-ins;
//! ours is compared with it phase by phase (medians, ratio, bootstrap 95 %
//! interval, verdict: `compare`). `--variant`: another image of our init
//! (e.g. another compression), compared with ours the same way. With
//! `--containerd`, our init with the real containerd (its binary given for
//! its size), booted with its own kernel command line
//! (`kios.runtime=containerd`), with ratios to ours. The consoles' `kios:
//! trace` lines (a `trace` build) give a table of the init's steps
//! (`steps`). `--record` appends the run to the history CSV (`history`).
//! `check` reads saved consoles and prints their phases; `history` draws
//! a history CSV's trend. `run` and `check` exit 1 when a console lacks a
//! phase, printing an excerpt of it.

use kios_bench::{compare, history, phase_index, ratios, steps, to_json, to_svg, Config, Machine, Span, Stats, Timings, PHASES};
use kios_host::{Arch, Console, Qemu};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn usage() -> ExitCode {
    eprintln!(
        "usage: kios-bench run --runs N --out DIR --arch A --kernel FILE --append CMDLINE \
         --kernel-version V [--timeout S] [--memory MIB] --ours CPIO INIT [--ours-label TEXT] [--against CPIO INIT LABEL] \
         [--baseline CPIO SCRIPT INTERPRETER] [--variant NAME CPIO LABEL]... [--containerd CPIO INIT CONTAINERD CMDLINE] \
         [--record CSV --commit COMMIT --date DATE] [--icount SHIFT]\n       \
         kios-bench check CONSOLE...\n       \
         kios-bench history CSV SVG"
    );
    ExitCode::from(2)
}

#[derive(Default)]
struct Args {
    runs: usize,
    out: PathBuf,
    kernel: PathBuf,
    append: String,
    kernel_version: String,
    /// The guest's architecture: its QEMU and machine (kios-host's table).
    arch: Option<Arch>,
    timeout: u64,
    /// Guest memory, MiB (`-m`; default 512).
    memory: u32,
    ours: Vec<PathBuf>,
    baseline: Vec<PathBuf>,
    /// Image, init and containerd binary of the containerd configuration.
    containerd: Vec<PathBuf>,
    /// Its kernel command line.
    containerd_append: String,
    /// Description of ours (default "ours: the kiOS init").
    ours_label: Option<String>,
    /// Image and init of the `--against` revision, and its name.
    against: Vec<PathBuf>,
    against_label: String,
    /// More images of our init (name, image, description), each compared with ours.
    variants: Vec<(String, PathBuf, String)>,
    /// `-icount shift=N,sleep=off`: the guest's clock counts instructions
    /// (2^N ns each), not host time.
    icount: Option<u32>,
    /// The history file to append a line to, the commit measured and the date.
    record: Option<PathBuf>,
    commit: String,
    date: String,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Option<Args> {
    let mut a = Args { runs: 10, timeout: 120, memory: kios_host::qemu::DEFAULT_MEMORY_MB, ..Args::default() };
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--runs" => a.runs = it.next()?.parse().ok().filter(|&n| n > 0)?,
            "--out" => a.out = it.next()?.into(),
            "--kernel" => a.kernel = it.next()?.into(),
            "--append" => a.append = it.next()?,
            "--kernel-version" => a.kernel_version = it.next()?,
            "--arch" => a.arch = Some(Arch::from_name(&it.next()?)?),
            "--timeout" => a.timeout = it.next()?.parse().ok()?,
            "--memory" => a.memory = it.next()?.parse().ok().filter(|&m| m > 0)?,
            "--ours" => a.ours = vec![it.next()?.into(), it.next()?.into()],
            "--baseline" => a.baseline = vec![it.next()?.into(), it.next()?.into(), it.next()?.into()],
            "--ours-label" => a.ours_label = Some(it.next()?),
            "--against" => {
                a.against = vec![it.next()?.into(), it.next()?.into()];
                a.against_label = it.next()?;
            }
            "--variant" => a.variants.push((it.next()?, it.next()?.into(), it.next()?)),
            "--record" => a.record = Some(it.next()?.into()),
            "--icount" => a.icount = Some(it.next()?.parse().ok().filter(|&n| n <= 10)?),
            "--commit" => a.commit = it.next()?,
            "--date" => a.date = it.next()?,
            "--containerd" => {
                a.containerd = vec![it.next()?.into(), it.next()?.into(), it.next()?.into()];
                a.containerd_append = it.next()?;
            }
            _ => return None,
        }
    }
    let ok = !a.out.as_os_str().is_empty() && a.arch.is_some() && !a.kernel.as_os_str().is_empty() && a.ours.len() == 2 && (a.baseline.is_empty() || a.baseline.len() == 3);
    ok.then_some(a)
}

fn size(p: &Path) -> Result<u64, String> {
    std::fs::metadata(p).map(|m| m.len()).map_err(|e| format!("{}: {e}", p.display()))
}

/// Boots one initramfs with the kernel command line `append`; the console,
/// `\r` removed, and the wall time.
fn boot(a: &Args, initramfs: &Path, append: &str) -> Result<(String, Duration), String> {
    let start = Instant::now();
    let arch = a.arch.expect("parse_args requires --arch");
    let mut qemu = Qemu::new(arch, &a.kernel, initramfs, append).memory(a.memory);
    if let Some(shift) = a.icount {
        qemu = qemu.icount(shift);
    }
    let mut child = qemu
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", arch.qemu()))?;
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
fn phases(name: &str, text: &str) -> Result<(Timings, [Span; PHASES.len()]), String> {
    let console = Console::parse(text.as_bytes());
    let c = Timings::of(&console);
    match c.phases() {
        Ok(p) => Ok((c, p)),
        Err(missing) => Err(format!(
            "{name}: missing from the console: {}\n{}---",
            missing.join(", "),
            console.excerpt(40)
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
    let arch = a.arch.expect("parse_args requires --arch");
    let qemu = Command::new(arch.qemu())
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().next().map(str::to_string))
        .unwrap_or_default();
    let host_kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    // Under -icount the guest's TSC follows the instruction count, not the
    // host's clock: nothing to compare it with.
    let cpu_mhz = cpuinfo.lines().find_map(|l| l.strip_prefix("cpu MHz").and_then(|r| r.split_once(':')).and_then(|(_, v)| v.trim().parse().ok())).filter(|_| a.icount.is_none());
    let accel = a.icount.map_or("tcg".into(), |shift| format!("tcg -icount shift={shift},sleep=off"));
    Machine { cpu, cores, qemu, kernel: a.kernel_version.clone(), host_kernel, arch: arch.name().to_string(), cpu_mhz, accel }
}

/// The host's 1-minute load average.
fn load() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// Why the guest's clock cannot be trusted, if it cannot: the kernel
/// marked its TSC unstable, or measured its frequency more than 2 % away
/// from the host's (`host_mhz`, when known).
fn clock_trouble(text: &str, host_mhz: Option<f64>) -> Option<String> {
    if text.contains("Marking TSC unstable") {
        return Some("guest TSC marked unstable".into());
    }
    let detected: f64 = text.split("tsc: Detected ").nth(1)?.split(" MHz").next()?.trim().parse().ok()?;
    let host = host_mhz?;
    ((detected / host - 1.0).abs() > 0.02).then(|| format!("guest TSC calibrated at {detected:.0} MHz, host {host:.0} MHz"))
}

fn write_out(dir: &Path, name: &str, body: &str) -> Result<(), String> {
    let p = dir.join(name);
    std::fs::write(&p, body).map_err(|e| format!("{}: {e}", p.display()))
}

fn run(a: Args) -> Result<(), String> {
    let dir = a.out.join("console");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut configs = vec![Config {
        name: "ours".into(),
        description: a.ours_label.clone().unwrap_or_else(|| "ours: the kiOS init".into()),
        init_bytes: size(&a.ours[1])?,
        init_note: "the static init binary".into(),
        initramfs_bytes: size(&a.ours[0])?,
        ..Config::default()
    }];
    let mut images = vec![(a.ours[0].clone(), a.append.clone())];
    if let [image, init] = &a.against[..] {
        configs.push(Config {
            name: "against".into(),
            description: format!("against: the init of {}", a.against_label),
            init_bytes: size(init)?,
            init_note: format!("the init of {}", a.against_label),
            initramfs_bytes: size(image)?,
            ..Config::default()
        });
        images.push((image.clone(), a.append.clone()));
    }
    if let [image, script, busybox] = &a.baseline[..] {
        let (script, busybox) = (size(script)?, size(busybox)?);
        configs.push(Config {
            name: "baseline".into(),
            description: "baseline: busybox-static sh /init".into(),
            init_bytes: script + busybox,
            init_note: format!("shell script {script} B + busybox-static {busybox} B"),
            initramfs_bytes: size(image)?,
            ..Config::default()
        });
        images.push((image.clone(), a.append.clone()));
    }
    for (name, image, label) in &a.variants {
        configs.push(Config {
            name: name.clone(),
            description: label.clone(),
            init_bytes: size(&a.ours[1])?,
            init_note: "the static init binary".into(),
            initramfs_bytes: size(image)?,
            ..Config::default()
        });
        images.push((image.clone(), a.append.clone()));
    }
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
    eprintln!(
        "kios-bench: {} boots per configuration ({}), alternated; {} on {} ({} cores), kernel {}",
        a.runs,
        configs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
        m.qemu,
        m.cpu,
        m.cores,
        m.kernel
    );
    let started = Instant::now();
    let (k_init, k_kubelet, k_total, k_shutdown) =
        (phase_index("kernel_to_init"), phase_index("init_to_kubelet_exec"), phase_index("total_to_kubelet_exec"), phase_index("shutdown_continued_to_power_off"));
    for i in 1..=a.runs {
        for (c, (image, append)) in configs.iter_mut().zip(&images) {
            eprint!("[run {i}/{}] {:<10} ", a.runs, c.name);
            c.loads.extend(load());
            // A boot that says nothing of the init is tried again, twice at
            // most: under a heavy host load TCG can make the kernel panic
            // before /init (its timer check), or misjudge the TSC (its
            // clock, so every timestamp, off by a factor).
            let mut attempt = 0;
            let (text, wall) = loop {
                let (text, wall) = boot(&a, image, append)?;
                attempt += 1;
                let panicked = !text.contains("Run /init") && text.contains("Kernel panic");
                match (panicked, clock_trouble(&text, m.cpu_mhz)) {
                    (false, None) => break (text, wall),
                    _ if attempt > 2 => break (text, wall),
                    (true, _) => eprint!("(kernel panic before /init, booted again) "),
                    (false, Some(why)) => eprint!("({why}: booted again) "),
                }
            };
            let log = dir.join(format!("{}-{i}.log", c.name));
            std::fs::write(&log, &text).map_err(|e| format!("{}: {e}", log.display()))?;
            let (console, p) = phases(&format!("{} run {i} ({})", c.name, log.display()), &text).inspect_err(|_| eprintln!("FAILED"))?;
            eprintln!(
                "kernel→/init {:7.1} ms  /init→kubelet-exec {:6.1} ms  total {:7.1} ms  shutdown {:5.1} ms  (wall {:.1} s, elapsed {:.0} s, load {})",
                p[k_init].ms,
                p[k_kubelet].ms,
                p[k_total].ms,
                p[k_shutdown].ms,
                wall.as_secs_f64(),
                started.elapsed().as_secs_f64(),
                c.loads.last().map_or("?".into(), |l| format!("{l:.2}"))
            );
            c.runs.push(p);
            c.vmrss_kb.extend(console.init_vmrss_kb.map(|v| v as f64));
            c.rss_kb.extend(console.init_rss_kb.map(|v| v as f64));
            c.steps.extend(steps::steps(&console));
        }
    }
    let find = |name: &str| configs.iter().position(|c| c.name == name);
    let baseline = find("baseline");
    let r = baseline.map(|b| ratios(&configs[0], &configs[b]));
    let rc = find("containerd").map(|c| ratios(&configs[c], &configs[0]));
    let mut compared: Vec<(String, String, Vec<compare::Ratio>)> = Vec::new();
    if let Some(ag) = find("against") {
        compared.push(("ours".into(), a.against_label.clone(), compare::compare(&configs[0], &configs[ag])));
    }
    for (name, _, _) in &a.variants {
        if let Some(v) = find(name) {
            compared.push((name.clone(), "ours".into(), compare::compare(&configs[v], &configs[0])));
        }
    }
    let json = to_json(&m, a.runs, &configs, r.as_deref().unwrap_or(&[]), rc.as_deref(), &compared);
    write_out(&a.out, "boot.json", &json)?;
    write_out(&a.out, "boot.svg", &to_svg(&m, a.runs, &configs))?;

    // The medians of every configuration side by side.
    let loads: Vec<f64> = configs.iter().flat_map(|c| c.loads.iter().copied()).collect();
    println!(
        "\n{} boots per configuration ({}, {}), alternated; ms of the kernel clock: median (min–max); host load average (1 min) {}",
        a.runs,
        m.arch,
        m.accel,
        Stats::of(&loads).map_or("n/a".into(), |s| format!("{:.2} (min {:.2}, max {:.2}) on {} cores", s.median, s.min, s.max, m.cores))
    );
    let cell = |s: Option<Stats>| s.map_or("n/a".into(), |s| format!("{:.1} ({:.1}–{:.1})", s.median, s.min, s.max));
    print!("{:<44}", "phase");
    for c in &configs {
        print!(" {:>24}", c.name);
    }
    println!();
    for (i, p) in PHASES.iter().enumerate() {
        print!("{:<44}", p.label);
        for c in &configs {
            print!(" {:>24}", cell(c.stats(i)));
        }
        println!();
    }
    for (label, pick) in [("init VmRSS (kB)", 0usize), ("init Rss (kB)", 1)] {
        print!("{label:<44}");
        for c in &configs {
            print!(" {:>24}", cell(Stats::of(if pick == 0 { &c.vmrss_kb } else { &c.rss_kb })));
        }
        println!();
    }
    print!("{:<44}", "init size (bytes)");
    for c in &configs {
        print!(" {:>24}", c.init_bytes);
    }
    print!("\n{:<44}", "initramfs size (bytes)");
    for c in &configs {
        print!(" {:>24}", c.initramfs_bytes);
    }
    println!();

    if let (Some(r), Some(b)) = (&r, baseline) {
        println!("\nratios ours/baseline (medians):");
        for (_, label, v) in r {
            println!("  {label:<44} {}", ratio_txt(*v));
        }
        println!("baseline init size: {}", configs[b].init_note);
    }
    for (x, y, rs) in &compared {
        println!("\n{x} against {y}: medians (ms), ratio {x}/{y}, 95 % bootstrap CI of the ratio ({} paired resamples)", compare::RESAMPLES);
        println!("{:<44} {:>10} {:>10} {:>8} {:>17}", "phase", x, y, "ratio", "95 % CI");
        for q in rs {
            let ci = q.ci.map_or("n/a".into(), |(lo, hi)| format!("{lo:.3}–{hi:.3}"));
            let med = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.1}"));
            println!("{:<44} {:>10} {:>10} {:>8} {:>17}", q.label, med(q.a), med(q.b), ratio_txt(q.ratio), ci);
        }
        for key in ["init_to_kubelet_exec", "init_own", "initramfs_unpack", "kernel_to_init", "total_to_kubelet_exec"] {
            if let Some(q) = rs.iter().find(|q| q.key == key) {
                println!("  {}: {}", q.label, compare::verdict(q, x, y));
            }
        }
    }
    if let (Some(c), Some(rc)) = (find("containerd"), &rc) {
        let c = &configs[c];
        println!("\nwith containerd ({}, kernel command line `{}`): ratios containerd/ours (medians)", c.description, a.containerd_append);
        for (_, label, v) in rc {
            println!("  {label:<44} {}", ratio_txt(*v));
        }
        println!("containerd init size: {}", c.init_note);
    }
    for c in configs.iter().filter(|c| !c.steps.is_empty()) {
        println!("\n{}: the init's steps (trace lines), ms from the end of the step before (entry: from `Run /init`); {} boots", c.name, c.steps.len());
        println!("{:<24} {:>9} {:>9} {:>9} {:>5}", "step", "median", "min", "max", "runs");
        let table = steps::table(&c.steps);
        for (name, st, n) in &table {
            println!("{name:<24} {:>9.2} {:>9.2} {:>9.2} {n:>5}", st.median, st.min, st.max);
        }
        let sum: f64 = table.iter().map(|(_, st, _)| st.median).sum();
        println!("{:<24} {sum:>9.2}", "sum of the medians");
    }
    if let Some(csv) = &a.record {
        let against = find("against").and_then(|_| compared.first()).map(|(_, y, rs)| (y.clone(), rs.clone()));
        let record = history::Record {
            date: a.date.clone(),
            commit: a.commit.clone(),
            machine: m.cpu.clone(),
            kernel: m.kernel.clone(),
            arch: if a.icount.is_some() { format!("{} icount", m.arch) } else { m.arch.clone() },
            runs: a.runs,
            load: Stats::of(&loads).map(|s| s.median),
            medians: (0..PHASES.len()).map(|i| configs[0].stats(i).map(|s| s.median)).collect(),
            vs_baseline: r.as_ref().map_or(Vec::new(), |r| r.iter().take(PHASES.len()).map(|(_, _, v)| *v).collect()),
            against,
        };
        history::append(csv, &record)?;
        println!("appended a line to {}", csv.display());
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
        let list: Vec<String> =
            PHASES.iter().zip(p).filter(|(_, s)| s.ms.is_finite()).map(|(ph, s)| format!("{} {:.1} ms", ph.label, s.ms)).collect();
        println!("{f}: {}", list.join(", "));
    }
    Ok(())
}

/// `kios-bench history CSV SVG`: the trend of the history file as an SVG.
fn draw_history(csv: &Path, svg: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
    let body = history::trend_svg(&text).map_err(|e| format!("{}: {e}", csv.display()))?;
    std::fs::write(svg, body).map_err(|e| format!("{}: {e}", svg.display()))?;
    println!("wrote {}", svg.display());
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
        Some("history") => match (args.next(), args.next(), args.next()) {
            (Some(csv), Some(svg), None) => draw_history(Path::new(&csv), Path::new(&svg)),
            _ => return usage(),
        },
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
