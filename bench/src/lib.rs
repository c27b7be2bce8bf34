//! The pure half of `scripts/bench-boot`: the phases of one boot from its
//! serial console (read by kios-host), min/median/max over runs,
//! `boot.json` and the `boot.svg` timeline. No I/O here, so every piece is unit-tested.

use std::fmt::Write as _;
use kios_host::Console;
use serde_json::{json, Map, Value};

pub mod compare;
pub mod history;
pub mod steps;

/// A point of the boot, as the console shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Time 0 of the kernel clock.
    KernelStart,
    /// The kernel's `Run /init as init process`.
    RunInit,
    /// `kios: milestone NAME` (with or without a detail after a space).
    Milestone(&'static str),
    /// The kernel's `reboot: Power down`.
    PowerDown,
    /// A kernel line starting with this text (one of [`KERNEL_LINES`]).
    Kernel(&'static str),
    /// The first line holding [`POD_OUTPUT`]: the first pod's first output
    /// (`bench-boot --runtime containerd`). Its phases are optional: a boot
    /// that runs no pod has none, and is not a failure.
    PodOutput,
}

/// The first line of the test pods' program (tests/standins/src/pod_program.rs),
/// as the CRI kubelet stand-in copies it from the container log to the
/// console (`standin-kubelet: log POD/CONTAINER pod-program start ...`).
pub const POD_OUTPUT: &str = "pod-program start";

/// The kernel lines a [`Mark::Kernel`] may name: the initramfs unpack
/// begins and ends (its decompression and the cpio's population of the
/// rootfs; the kernel waits for it before it runs /init).
pub const KERNEL_LINES: [&str; 2] = ["Trying to unpack rootfs image as initramfs", "Freeing initrd memory"];

impl Mark {
    /// How the mark is named in error messages and in the chart.
    pub fn describe(self) -> String {
        match self {
            Mark::KernelStart => "kernel start".into(),
            Mark::RunInit => "`Run /init as init process`".into(),
            Mark::Milestone(m) => format!("`kios: milestone {m}`"),
            Mark::PowerDown => "`reboot: Power down`".into(),
            Mark::Kernel(text) => format!("`{text}`"),
            Mark::PodOutput => format!("`{POD_OUTPUT}`"),
        }
    }
}

/// One measured phase: from one mark to another, plus, for a phase made
/// of two pieces (the init's own time), a second interval.
#[derive(Clone, Copy, Debug)]
pub struct Phase {
    /// Key in boot.json.
    pub key: &'static str,
    /// Label in the table and the chart.
    pub label: &'static str,
    pub from: Mark,
    pub to: Mark,
    /// A second interval added to the first.
    pub plus: Option<(Mark, Mark)>,
}

const fn phase(key: &'static str, label: &'static str, from: Mark, to: Mark) -> Phase {
    Phase { key, label, from, to, plus: None }
}

const INIT_START: Mark = Mark::Milestone("init-start");
const RUNTIME_EXEC: Mark = Mark::Milestone("runtime-exec");
const RUNTIME_READY: Mark = Mark::Milestone("runtime-ready");
const KUBELET_EXEC: Mark = Mark::Milestone("kubelet-exec");

/// Every phase, in the order of the report.
pub const PHASES: [Phase; 14] = [
    phase("kernel_to_init", "kernel → /init", Mark::KernelStart, Mark::RunInit),
    phase("initramfs_unpack", "initramfs unpack", Mark::Kernel(KERNEL_LINES[0]), Mark::Kernel(KERNEL_LINES[1])),
    phase("init_to_init_start", "/init → init-start", Mark::RunInit, INIT_START),
    phase("init_start_to_runtime_exec", "init-start → runtime-exec", INIT_START, RUNTIME_EXEC),
    phase("init_to_runtime_exec", "/init → runtime-exec", Mark::RunInit, RUNTIME_EXEC),
    phase("runtime_exec_to_ready", "runtime-exec → runtime-ready", RUNTIME_EXEC, RUNTIME_READY),
    phase("runtime_ready_to_kubelet_exec", "runtime-ready → kubelet-exec", RUNTIME_READY, KUBELET_EXEC),
    // The init's own time on the critical path (issue 14's goal).
    Phase {
        key: "init_own",
        label: "init's own (start→rt-exec + ready→kl-exec)",
        from: INIT_START,
        to: RUNTIME_EXEC,
        plus: Some((RUNTIME_READY, KUBELET_EXEC)),
    },
    phase("init_to_kubelet_exec", "/init → kubelet-exec", Mark::RunInit, KUBELET_EXEC),
    phase("total_to_kubelet_exec", "total to kubelet-exec", Mark::KernelStart, KUBELET_EXEC),
    phase("shutdown_continued_to_power_off", "shutdown-continued → power off", Mark::Milestone("shutdown-continued"), Mark::PowerDown),
    // Boot to pod (optional, see [`Mark::PodOutput`]).
    phase("runtime_ready_to_pod_output", "runtime-ready → first pod output", RUNTIME_READY, Mark::PodOutput),
    phase("init_to_pod_output", "/init → first pod output", Mark::RunInit, Mark::PodOutput),
    phase("total_to_pod_output", "total to first pod output", Mark::KernelStart, Mark::PodOutput),
];

/// Index of the phase with `key` in [`PHASES`].
pub fn phase_index(key: &str) -> usize {
    PHASES.iter().position(|p| p.key == key).unwrap_or_else(|| panic!("no phase {key}"))
}

/// One `kios: trace STEP µs` line (the init's `trace` feature).
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub step: String,
    /// The console's kernel timestamp (s), if the line had one (lines
    /// written before `/dev/kmsg` opens go to the console unstamped).
    pub stamp: Option<f64>,
    /// The `CLOCK_MONOTONIC` time the init took at the end of the step (µs).
    pub mono_us: f64,
}

/// What one console says, in seconds of the kernel clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    pub run_init: Option<f64>,
    /// Every stamped `kios: milestone` line: name (without its detail) and time.
    pub milestones: Vec<(String, f64)>,
    pub power_down: Option<f64>,
    /// `standin-kubelet: init-vmrss N kB`, in kB.
    pub init_vmrss_kb: Option<u64>,
    /// `standin-kubelet: init-rss N kB` (smaps_rollup), in kB.
    pub init_rss_kb: Option<u64>,
    /// Every `kios: trace` line, in console order.
    pub traces: Vec<Trace>,
    /// The first time of each of [`KERNEL_LINES`] seen.
    pub kernel_lines: Vec<(&'static str, f64)>,
    /// The first line holding [`POD_OUTPUT`].
    pub pod_output: Option<f64>,
}

impl Timings {
    /// Reads a serial console as text ([`Timings::of`]).
    pub fn parse(text: &str) -> Timings {
        Timings::of(&Console::parse(text.as_bytes()))
    }

    /// The marks of a console (read by kios-host): kernel lines with
    /// printk timestamps count, other lines (e.g. firmware output) do not,
    /// but for the `kios: trace` lines (those written before `/dev/kmsg`
    /// opens are unstamped). The first occurrence of each mark counts.
    pub fn of(console: &Console) -> Timings {
        let mut c = Timings::default();
        for line in &console.lines {
            let msg = line.text.as_str();
            if let Some(trace) = msg.strip_prefix("kios: trace ").and_then(|rest| rest.rsplit_once(' ')) {
                if let Ok(mono_us) = trace.1.parse() {
                    c.traces.push(Trace { step: trace.0.to_string(), stamp: line.time, mono_us });
                }
                continue;
            }
            let Some(t) = line.time else { continue };
            if msg.contains(POD_OUTPUT) {
                c.pod_output.get_or_insert(t);
            }
            if let Some(&text) = KERNEL_LINES.iter().find(|&&text| msg.starts_with(text)) {
                if !c.kernel_lines.iter().any(|&(seen, _)| seen == text) {
                    c.kernel_lines.push((text, t));
                }
            } else if msg.starts_with("Run /init as init process") {
                c.run_init.get_or_insert(t);
            } else if msg.starts_with("reboot: Power down") {
                c.power_down.get_or_insert(t);
            }
        }
        c.milestones = console.milestones().into_iter().filter_map(|m| Some((m.name, m.time?))).collect();
        c.init_vmrss_kb = console.report_kb("standin-kubelet: init-vmrss ");
        c.init_rss_kb = console.report_kb("standin-kubelet: init-rss ");
        c
    }

    /// The time of a mark, in seconds; `None` if the console lacks it.
    pub fn time(&self, mark: Mark) -> Option<f64> {
        match mark {
            Mark::KernelStart => Some(0.0),
            Mark::RunInit => self.run_init,
            Mark::Milestone(name) => self.milestones.iter().find(|(n, _)| n == name).map(|&(_, t)| t),
            Mark::PowerDown => self.power_down,
            Mark::Kernel(text) => self.kernel_lines.iter().find(|&&(seen, _)| seen == text).map(|&(_, t)| t),
            Mark::PodOutput => self.pod_output,
        }
    }

    /// Start and duration (ms) of every phase of [`PHASES`], or the list of
    /// the marks that are missing (each named once). A pod phase whose mark
    /// is missing is NaN, not an error.
    pub fn phases(&self) -> Result<[Span; PHASES.len()], Vec<String>> {
        let mut missing: Vec<String> = Vec::new();
        let mut out = [Span::default(); PHASES.len()];
        for (span, p) in out.iter_mut().zip(PHASES) {
            let mut marks = vec![p.from, p.to];
            marks.extend(p.plus.iter().flat_map(|&(a, b)| [a, b]));
            let times: Vec<Option<f64>> = marks.iter().map(|&m| self.time(m)).collect();
            if let Some(t) = times.iter().copied().collect::<Option<Vec<f64>>>() {
                let ms = t.chunks(2).map(|pair| (pair[1] - pair[0]) * 1000.0).sum();
                *span = Span { start_ms: t[0] * 1000.0, ms };
                continue;
            }
            if p.to == Mark::PodOutput {
                *span = Span { start_ms: f64::NAN, ms: f64::NAN };
                continue;
            }
            for (mark, t) in marks.iter().zip(times) {
                let d = mark.describe();
                if t.is_none() && !missing.contains(&d) {
                    missing.push(d);
                }
            }
        }
        if missing.is_empty() { Ok(out) } else { Err(missing) }
    }
}

/// One phase of one boot, in milliseconds of the kernel clock.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Span {
    pub start_ms: f64,
    pub ms: f64,
}

/// Minimum, median and maximum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Stats {
    /// `None` for no values. The median of an even count is the mean of
    /// the two middle values.
    pub fn of(values: &[f64]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Some(Stats { min: v[0], median, max: v[n - 1] })
    }
}

/// The boots of one configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `ours` or `baseline`.
    pub name: String,
    pub description: String,
    /// Bytes of `/init` (for a script: the script plus its interpreter).
    pub init_bytes: u64,
    /// How `init_bytes` is made up.
    pub init_note: String,
    /// Bytes of the uncompressed newc initramfs.
    pub initramfs_bytes: u64,
    /// The phases of each boot.
    pub runs: Vec<[Span; PHASES.len()]>,
    pub vmrss_kb: Vec<f64>,
    pub rss_kb: Vec<f64>,
    /// The trace steps of each boot (a `trace` build's), see [`steps`].
    pub steps: Vec<Vec<(String, f64)>>,
    /// The host's 1-minute load average as each boot started.
    pub loads: Vec<f64>,
}

impl Config {
    /// Duration statistics of phase `i` (over the runs that have it).
    pub fn stats(&self, i: usize) -> Option<Stats> {
        Stats::of(&self.runs.iter().map(|r| r[i].ms).filter(|v| v.is_finite()).collect::<Vec<_>>())
    }

    /// Median start of phase `i` (over the runs that have it).
    pub fn start(&self, i: usize) -> Option<f64> {
        Stats::of(&self.runs.iter().map(|r| r[i].start_ms).filter(|v| v.is_finite()).collect::<Vec<_>>()).map(|s| s.median)
    }
}

/// Facts of the machine the benchmark ran on.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub qemu: String,
    /// The guest kernel (Debian's cloud kernel version).
    pub kernel: String,
    /// The kernel of the machine running QEMU.
    pub host_kernel: String,
    pub arch: String,
    /// The host CPU's clock (`cpu MHz` of /proc/cpuinfo), if known.
    pub cpu_mhz: Option<f64>,
    /// How QEMU runs the guest: `tcg`, or `tcg -icount shift=N,sleep=off`.
    pub accel: String,
}

/// `ours / baseline`, `None` when the baseline is 0 or missing.
pub fn ratio(ours: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    match (ours, baseline) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// A number as boot.json keeps it: rounded to 3 decimals; `null` if
/// missing or not finite.
fn json_num(v: Option<f64>) -> Value {
    match v {
        Some(v) if v.is_finite() => json!((v * 1000.0).round() / 1000.0),
        _ => Value::Null,
    }
}

/// `{"min", "median", "max"}`, or `null`.
fn json_stats(s: Option<Stats>) -> Value {
    match s {
        Some(s) => json!({"min": json_num(Some(s.min)), "median": json_num(Some(s.median)), "max": json_num(Some(s.max))}),
        None => Value::Null,
    }
}

/// The ratios ours/baseline: every phase median, VmRSS, Rss, init and
/// initramfs size, as (key, label, ratio).
pub fn ratios(ours: &Config, base: &Config) -> Vec<(String, String, Option<f64>)> {
    let mut out = Vec::new();
    for (i, p) in PHASES.iter().enumerate() {
        out.push((p.key.to_string(), p.label.to_string(), ratio(ours.stats(i).map(|s| s.median), base.stats(i).map(|s| s.median))));
    }
    let med = |v: &[f64]| Stats::of(v).map(|s| s.median);
    out.push(("init_vmrss".into(), "init VmRSS".into(), ratio(med(&ours.vmrss_kb), med(&base.vmrss_kb))));
    out.push(("init_rss".into(), "init Rss".into(), ratio(med(&ours.rss_kb), med(&base.rss_kb))));
    out.push(("init_bytes".into(), "init size".into(), ratio(Some(ours.init_bytes as f64), Some(base.init_bytes as f64))));
    out.push(("initramfs_bytes".into(), "initramfs size".into(), ratio(Some(ours.initramfs_bytes as f64), Some(base.initramfs_bytes as f64))));
    out
}

/// `boot.json`: the machine, each configuration (sizes, per phase
/// min/median/max and every run, in ms; VmRSS and Rss in kB) and the
/// ratios ours/baseline of the medians; with the containerd configuration,
/// also its ratios to ours (`ratios_containerd_over_ours`).
pub fn to_json(
    machine: &Machine,
    runs: usize,
    configs: &[Config],
    ratios: &[(String, String, Option<f64>)],
    containerd_ratios: Option<&[(String, String, Option<f64>)]>,
    compared: &[(String, String, Vec<compare::Ratio>)],
) -> String {
    let ratio_map = |ratios: &[(String, String, Option<f64>)]| -> Map<String, Value> {
        ratios.iter().map(|(key, _, r)| (key.clone(), json_num(*r))).collect()
    };
    let configs: Vec<Value> = configs
        .iter()
        .map(|c| {
            let steps: Vec<Value> = steps::table(&c.steps)
                .iter()
                .map(|(name, st, n)| json!({"step": name, "ms": json_stats(Some(*st)), "runs": n}))
                .collect();
            let phases: Map<String, Value> = PHASES
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let runs_ms: Vec<Value> = c.runs.iter().map(|r| json_num(Some(r[i].ms))).collect();
                    let phase = json!({"label": p.label, "ms": json_stats(c.stats(i)), "median_start_ms": json_num(c.start(i)), "runs_ms": runs_ms});
                    (p.key.to_string(), phase)
                })
                .collect();
            json!({
                "name": c.name,
                "description": c.description,
                "init_bytes": c.init_bytes,
                "init_note": c.init_note,
                "initramfs_bytes": c.initramfs_bytes,
                "init_vmrss_kb": json_stats(Stats::of(&c.vmrss_kb)),
                "init_rss_kb": json_stats(Stats::of(&c.rss_kb)),
                "host_load_1min": json_stats(Stats::of(&c.loads)),
                "trace_steps": steps,
                "phases": phases,
            })
        })
        .collect();
    let comparisons: Vec<Value> = compared
        .iter()
        .map(|(a, b, rs)| {
            let phases: Map<String, Value> = rs
                .iter()
                .map(|r| {
                    let ci95 = r.ci.map_or(Value::Null, |(lo, hi)| json!([json_num(Some(lo)), json_num(Some(hi))]));
                    let phase = json!({
                        "median_a_ms": json_num(r.a),
                        "median_b_ms": json_num(r.b),
                        "ratio": json_num(r.ratio),
                        "ci95": ci95,
                        "verdict": compare::verdict(r, a, b),
                    });
                    (r.key.to_string(), phase)
                })
                .collect();
            json!({"a": a, "b": b, "bootstrap": {"resamples": compare::RESAMPLES, "seed": compare::SEED, "paired": true}, "phases": phases})
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("runs_per_config".into(), json!(runs));
    doc.insert(
        "machine".into(),
        json!({
            "arch": machine.arch,
            "cpu": machine.cpu,
            "cores": machine.cores,
            "qemu": machine.qemu,
            "kernel": machine.kernel,
            "host_kernel": machine.host_kernel,
            "accel": if machine.accel.is_empty() { "tcg" } else { &machine.accel },
            "smp": 1,
        }),
    );
    doc.insert("unit".into(), json!({"phases": "ms", "rss": "kB", "sizes": "bytes"}));
    doc.insert("configs".into(), Value::Array(configs));
    doc.insert("ratios_ours_over_baseline".into(), Value::Object(ratio_map(ratios)));
    if let Some(rc) = containerd_ratios {
        doc.insert("ratios_containerd_over_ours".into(), Value::Object(ratio_map(rc)));
    }
    doc.insert("comparisons".into(), Value::Array(comparisons));
    let mut text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}

pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A tick step of 1, 2 or 5 × 10^k giving at most about 8 ticks over `span`.
pub fn tick_step(span: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / 8.0;
    let pow = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * pow).find(|&s| s >= raw).unwrap_or(10.0 * pow)
}

/// A chart row: its label and, per configuration, (start, width) in ms.
type Row = (String, Vec<Option<(f64, f64)>>);

const COLORS: [&str; 3] = ["#2b7bb9", "#e08a1e", "#3a9a4a"];
const LABEL_W: f64 = 250.0;
const PLOT_W: f64 = 620.0;
const ROW_H: f64 = 14.0;

/// One panel: rows of bars (label, [(start, width) per config]) over an
/// axis from 0 to `max` ms. Returns the new `y`.
fn panel(svg: &mut String, y: f64, title: &str, rows: &[Row], max: f64) -> f64 {
    let max = if max > 0.0 { max } else { 1.0 };
    let x = |ms: f64| LABEL_W + ms.max(0.0) / max * PLOT_W;
    let _ = writeln!(svg, "<text x=\"10\" y=\"{:.1}\" class=\"h\">{}</text>", y + 14.0, xml(title));
    let top = y + 26.0;
    let height = rows.iter().map(|(_, b)| b.len() as f64 * ROW_H + 8.0).sum::<f64>();
    let step = tick_step(max);
    let mut t = 0.0;
    while t <= max + 1e-9 {
        let _ = writeln!(svg, "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" class=\"grid\"/>", x(t), top, top + height);
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{}</text>", x(t), top + height + 12.0, t);
        t += step;
    }
    let mut yy = top + 4.0;
    for (label, bars) in rows {
        let group_h = bars.len() as f64 * ROW_H;
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{:.1}\" class=\"l\">{}</text>", LABEL_W - 8.0, yy + group_h / 2.0 + 4.0, xml(label));
        for (ci, bar) in bars.iter().enumerate() {
            if let Some((start, ms)) = *bar {
                let (x0, x1) = (x(start), x(start + ms));
                let _ = writeln!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {:.1} ms</title></rect>",
                    x0,
                    yy + 1.0,
                    (x1 - x0).max(1.0),
                    ROW_H - 3.0,
                    COLORS[ci % COLORS.len()],
                    xml(label),
                    ms
                );
                let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{:.1}\" class=\"v\">{:.1} ms</text>", x1.max(x0 + 1.0) + 4.0, yy + ROW_H - 4.0, ms);
            }
            yy += ROW_H;
        }
        yy += 8.0;
    }
    top + height + 24.0
}

/// `boot.svg`: a timeline in the manner of `systemd-analyze plot`, one bar
/// per phase per configuration at its median start with its median
/// duration. The top panel is the kernel clock from power-on; the bottom
/// one zooms on the init's part, in ms since each configuration's own
/// `Run /init`.
pub fn to_svg(machine: &Machine, runs: usize, configs: &[Config]) -> String {
    let bars = |i: usize, origin: &dyn Fn(&Config) -> f64| -> Vec<Option<(f64, f64)>> {
        configs.iter().map(|c| Some((c.start(i)? - origin(c), c.stats(i)?.median))).collect()
    };
    let zero = |_: &Config| 0.0;
    // A phase no configuration has (the pod phases of a boot without pods) gets no row.
    let any = |(_, b): &Row| b.iter().any(Option::is_some);
    let rows1: Vec<Row> = PHASES.iter().enumerate().map(|(i, p)| (p.label.to_string(), bars(i, &zero))).filter(any).collect();
    let init_origin = |c: &Config| c.start(1).unwrap_or(0.0);
    let rows2: Vec<Row> =
        PHASES.iter().enumerate().filter(|(_, p)| p.from != Mark::KernelStart).map(|(i, p)| (p.label.to_string(), bars(i, &init_origin))).filter(any).collect();
    let end = |rows: &[Row]| rows.iter().flat_map(|(_, b)| b.iter().flatten()).map(|(s, d)| s + d).fold(0.0, f64::max);
    let (max1, max2) = (end(&rows1) * 1.12, end(&rows2) * 1.12);

    let mut body = String::new();
    let mut y = 40.0;
    // Legend.
    let mut lx = 10.0;
    for (ci, c) in configs.iter().enumerate() {
        let _ = writeln!(body, "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>", y, COLORS[ci % COLORS.len()]);
        let _ = writeln!(body, "<text x=\"{:.1}\" y=\"{:.1}\" class=\"s\">{}</text>", lx + 18.0, y + 10.5, xml(&c.description));
        lx += 18.0 + 7.0 * c.description.chars().count() as f64 + 24.0;
    }
    y += 22.0;
    y = panel(&mut body, y, "kernel clock since power-on (ms), median start and median duration", &rows1, max1);
    y = panel(&mut body, y, "zoom: ms since each configuration's `Run /init`", &rows2, max2);
    let width = LABEL_W + PLOT_W + 90.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{:.0}\" viewBox=\"0 0 {width:.0} {:.0}\" font-family=\"sans-serif\">",
        y + 10.0,
        y + 10.0
    );
    svg.push_str(
        "<style>.t{font-size:15px;font-weight:bold}.h{font-size:13px;font-weight:bold}.s{font-size:12px}\
         .l{font-size:12px;text-anchor:end}.v{font-size:10px;fill:#333}.tick{font-size:10px;text-anchor:middle;fill:#555}\
         .grid{stroke:#ddd;stroke-width:1}</style>\n",
    );
    let _ = writeln!(svg, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"22\" class=\"t\">kiOS boot: medians of {runs} boots per configuration ({}, QEMU {} -smp 1, kernel {})</text>",
        xml(&machine.arch),
        xml(if machine.accel.is_empty() { "tcg" } else { &machine.accel }),
        xml(&machine.kernel)
    );
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "\
SeaBIOS (version 1.16.2-debian-1.16.2-1)\r
[    0.000000] Linux version 6.1.0-41-cloud-amd64\r
[    1.203859] Trying to unpack rootfs image as initramfs...\r
[    1.521846] Freeing initrd memory: 532K\r
[    2.265842] Run /init as init process\r
[    2.310582] kios: milestone init-start\r
[    2.361139] kios: milestone runtime-exec pid 78\r
[    2.439873] kios: milestone runtime-ready\r
[    2.441706] kios: milestone kubelet-exec pid 80\r
[    2.495876] standin-kubelet: init-vmrss 4 kB\r
[    2.499000] standin-kubelet: init-rss 76 kB\r
[    4.939873] standin-kubelet: log bench/hello pod-program start bench\r
[    4.949000] standin-kubelet: log bench/hello pod-program ip eth0 10.88.0.2\r
[    5.683601] kios: milestone shutdown-continued\r
[    5.718920] kios: milestone power-off\r
[    5.729072] reboot: Power down\r
";

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn parses_every_mark() {
        let c = Timings::parse(OURS);
        assert_eq!(c.run_init, Some(2.265842));
        assert_eq!(c.pod_output, Some(4.939873));
        let p = c.phases().unwrap();
        assert!(close(p[phase_index("runtime_ready_to_pod_output")].ms, 2500.0));
        assert!(close(p[phase_index("init_to_pod_output")].ms, 2674.031));
        assert!(close(p[phase_index("total_to_pod_output")].ms, 4939.873));
        assert_eq!(c.power_down, Some(5.729072));
        assert_eq!(c.init_vmrss_kb, Some(4));
        assert_eq!(c.init_rss_kb, Some(76));
        assert_eq!(c.time(Mark::Milestone("runtime-exec")), Some(2.361139));
        assert_eq!(c.time(Mark::Milestone("kubelet-exec")), Some(2.441706));
        let p = c.phases().unwrap();
        assert!(close(p[0].ms, 2265.842));
        assert!(close(p[1].ms, 317.987) && close(p[1].start_ms, 1203.859));
        assert!(close(p[2].ms, 44.74) && close(p[2].start_ms, 2265.842));
        assert!(close(p[3].ms, 50.557));
        assert!(close(p[4].ms, 95.297) && close(p[4].start_ms, 2265.842));
        assert!(close(p[5].ms, 78.734));
        assert!(close(p[6].ms, 1.833));
        assert!(close(p[7].ms, 50.557 + 1.833) && close(p[7].start_ms, 2310.582));
        assert!(close(p[8].ms, 175.864));
        assert!(close(p[9].ms, 2441.706) && close(p[9].start_ms, 0.0));
        assert!(close(p[10].ms, 45.471));
        assert!(c.traces.is_empty());
    }

    #[test]
    fn a_milestone_name_is_matched_whole() {
        let c = Timings::parse("[ 1.0] kios: milestone runtime-exec-later\n[ 2.0] kios: milestone runtime-exec\n");
        assert_eq!(c.time(Mark::Milestone("runtime-exec")), Some(2.0));
    }

    #[test]
    fn the_first_occurrence_counts() {
        let c = Timings::parse("[ 1.0] kios: milestone runtime-ready\n[ 9.0] kios: milestone runtime-ready\n");
        assert_eq!(c.time(Mark::Milestone("runtime-ready")), Some(1.0));
    }

    #[test]
    fn every_missing_mark_is_named_once() {
        for (drop, want) in [
            ("Trying to unpack", "`Trying to unpack rootfs image as initramfs`"),
            ("Freeing initrd", "`Freeing initrd memory`"),
            ("Run /init", "`Run /init as init process`"),
            ("init-start", "`kios: milestone init-start`"),
            ("runtime-exec", "`kios: milestone runtime-exec`"),
            ("runtime-ready", "`kios: milestone runtime-ready`"),
            ("kubelet-exec", "`kios: milestone kubelet-exec`"),
            ("shutdown-continued", "`kios: milestone shutdown-continued`"),
            ("reboot: Power down", "`reboot: Power down`"),
        ] {
            let text: String = OURS.lines().filter(|l| !l.contains(drop)).map(|l| format!("{l}\n")).collect();
            let missing = Timings::parse(&text).phases().unwrap_err();
            assert_eq!(missing, vec![want.to_string()], "dropping {drop}");
        }
        let missing = Timings::parse("no kernel here\n").phases().unwrap_err();
        assert_eq!(missing.len(), 9);
    }

    #[test]
    fn unstamped_and_malformed_lines_are_skipped() {
        let c = Timings::parse("kios: milestone runtime-exec\n[abc] kios: milestone runtime-ready\n[ 1.5 kios: milestone kubelet-exec\n");
        assert!(c.milestones.is_empty());
        assert_eq!(Timings::parse("[ 1.0] standin-kubelet: init-vmrss none\n").init_vmrss_kb, None);
    }

    #[test]
    fn stats_min_median_max() {
        assert_eq!(Stats::of(&[]), None);
        assert_eq!(Stats::of(&[3.0, 1.0, 2.0]), Some(Stats { min: 1.0, median: 2.0, max: 3.0 }));
        assert_eq!(Stats::of(&[4.0, 1.0, 2.0, 3.0]), Some(Stats { min: 1.0, median: 2.5, max: 4.0 }));
    }

    #[test]
    fn ratios_and_ticks() {
        assert_eq!(ratio(Some(1.0), Some(4.0)), Some(0.25));
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(1.0)), None);
        assert_eq!(tick_step(3000.0), 500.0);
        assert_eq!(tick_step(100.0), 20.0);
        assert_eq!(tick_step(8.0), 1.0);
    }

    fn config(name: &str, console: &str) -> Config {
        let c = Timings::parse(console);
        Config {
            name: name.into(),
            description: format!("{name} \"quoted\" <b>"),
            init_bytes: 100,
            initramfs_bytes: 1000,
            runs: vec![c.phases().unwrap()],
            vmrss_kb: vec![4.0],
            rss_kb: vec![76.0],
            ..Config::default()
        }
    }

    #[test]
    fn json_and_svg_are_well_formed_enough() {
        let m = Machine { cpu: "AMD \"EPYC\"".into(), cores: 2, qemu: "7.2".into(), kernel: "6.1".into(), host_kernel: "6.18".into(), arch: "amd64".into(), cpu_mhz: None, accel: "tcg".into() };
        let configs = [config("ours", OURS), config("baseline", OURS)];
        let r = ratios(&configs[0], &configs[1]);
        assert!(r.iter().all(|(_, _, v)| *v == Some(1.0)));
        let j = to_json(&m, 1, &configs, &r, None, &[]);
        assert!(!j.contains("containerd"));
        let doc: Value = serde_json::from_str(&j).expect("boot.json is JSON");
        assert_eq!(doc["machine"]["cpu"], "AMD \"EPYC\"");
        let phase = &doc["configs"][0]["phases"]["kernel_to_init"];
        assert_eq!(phase["label"], "kernel → /init");
        assert_eq!(phase["ms"], json!({"min": 2265.842, "median": 2265.842, "max": 2265.842}));
        // Keys in the order written.
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["runs_per_config", "machine", "unit", "configs", "ratios_ours_over_baseline", "comparisons"]);
        let s = to_svg(&m, 1, &configs);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>\n"));
        let zoomed = PHASES.iter().filter(|p| p.from != Mark::KernelStart).count();
        assert_eq!(s.matches("<rect x=").count(), 2 + 2 * PHASES.len() + 2 * zoomed);
        assert!(s.contains("&lt;b&gt;") && !s.contains("<b>"));
    }

    /// A boot without pods (every benchmark but `--runtime containerd`):
    /// its pod phases are NaN, not missing marks; statistics, JSON and SVG
    /// leave them out.
    #[test]
    fn pod_phases_are_optional() {
        let without: String = OURS.lines().filter(|l| !l.contains(POD_OUTPUT)).map(|l| format!("{l}\n")).collect();
        let p = Timings::parse(&without).phases().expect("a boot without pods is complete");
        let pod = phase_index("init_to_pod_output");
        assert!(p[pod].ms.is_nan() && p[phase_index("kernel_to_init")].ms.is_finite());
        let c = Config { name: "ours".into(), description: "ours".into(), runs: vec![p], ..Config::default() };
        assert_eq!(c.stats(pod), None);
        let m = Machine { arch: "amd64".into(), ..Machine::default() };
        let j = to_json(&m, 1, std::slice::from_ref(&c), &ratios(&c, &c), None, &[]);
        let doc: Value = serde_json::from_str(&j).expect("boot.json is JSON");
        let pod = &doc["configs"][0]["phases"]["init_to_pod_output"];
        assert_eq!(*pod, json!({"label": "/init → first pod output", "ms": null, "median_start_ms": null, "runs_ms": [null]}), "{j}");
        let s = to_svg(&m, 1, std::slice::from_ref(&c));
        assert!(!s.contains("first pod output"));
        // One legend box; the bars of every phase but the three pod ones,
        // two of which are in the zoomed panel.
        let zoomed = PHASES.iter().filter(|p| p.from != Mark::KernelStart).count();
        assert_eq!(s.matches("<rect x=").count(), 1 + (PHASES.len() - 3) + (zoomed - 2));
    }

    #[test]
    fn a_third_configuration_gets_its_ratios_and_bars() {
        let m = Machine { arch: "amd64".into(), ..Machine::default() };
        let configs = [config("ours", OURS), config("baseline", OURS), config("containerd", OURS)];
        let r = ratios(&configs[0], &configs[1]);
        let rc = ratios(&configs[2], &configs[0]);
        let j = to_json(&m, 1, &configs, &r, Some(&rc), &[("ours".into(), "baseline".into(), compare::compare(&configs[0], &configs[1]))]);
        let doc: Value = serde_json::from_str(&j).expect("boot.json is JSON");
        assert_eq!(doc["ratios_containerd_over_ours"]["kernel_to_init"], 1.0);
        assert_eq!(doc["configs"][2]["name"], "containerd");
        assert_eq!(doc["comparisons"][0]["bootstrap"]["paired"], true);
        let s = to_svg(&m, 1, &configs);
        let zoomed = PHASES.iter().filter(|p| p.from != Mark::KernelStart).count();
        assert_eq!(s.matches("<rect x=").count(), 3 + 3 * PHASES.len() + 3 * zoomed);
        assert!(s.contains(COLORS[2]));
    }
}
