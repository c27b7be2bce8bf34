//! Reading the serial console of a QEMU boot: kernel log lines with their
//! timestamps, the init's milestones (`kios: milestone NAME [DETAIL]`) and
//! the stand-ins' reports (`standin-kubelet: …`, `standin-crio: …`).
//!
//! Shared by the QEMU test crates (qemu*.rs), each using a part; with the
//! failure message and the lifecycle check they all make.
#![allow(dead_code)]

/// One console line: `[    1.234567] text` gives `Some(1.234567)`.
pub struct Line {
    pub time: Option<f64>,
    pub text: String,
}

/// The whole console of one boot.
pub struct Console {
    pub lines: Vec<Line>,
    /// What the harness sent to the QEMU monitor and QEMU's answers, one
    /// entry per trigger or command (empty when nothing was scripted).
    pub monitor: Vec<String>,
}

/// One `kios: milestone NAME [DETAIL]` line.
pub struct Milestone {
    /// Index in `Console::lines`, for ordering against other lines.
    pub index: usize,
    pub time: Option<f64>,
    pub name: String,
    pub detail: String,
}

impl Console {
    /// Splits raw serial output (CR LF line ends, maybe binary noise).
    pub fn parse(raw: &[u8]) -> Console {
        let text = String::from_utf8_lossy(raw);
        let lines = text
            .lines()
            .map(|l| parse_line(l.trim_end_matches('\r')))
            .collect();
        Console { lines, monitor: Vec::new() }
    }

    /// Index of the first line whose text (after the timestamp) starts with `prefix`.
    pub fn find(&self, prefix: &str) -> Option<usize> {
        self.lines.iter().position(|l| l.text.starts_with(prefix))
    }

    /// Indexes of every line whose text starts with `prefix`.
    pub fn find_all(&self, prefix: &str) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.lines[i].text.starts_with(prefix))
            .collect()
    }

    /// Kernel timestamp of the first line starting with `prefix`.
    pub fn time_of(&self, prefix: &str) -> Option<f64> {
        self.find(prefix).and_then(|i| self.lines[i].time)
    }

    /// Every milestone, in console order.
    pub fn milestones(&self) -> Vec<Milestone> {
        let mut out = Vec::new();
        for (index, line) in self.lines.iter().enumerate() {
            if let Some(rest) = line.text.strip_prefix("kios: milestone ") {
                let (name, detail) = rest.split_once(' ').unwrap_or((rest, ""));
                out.push(Milestone {
                    index,
                    time: line.time,
                    name: name.to_string(),
                    detail: detail.to_string(),
                });
            }
        }
        out
    }

    /// Milliseconds from the kernel's `Run /init` line to the milestone `name`.
    pub fn ms_since_init(&self, name: &str) -> Option<f64> {
        let t0 = self.time_of("Run /init")?;
        let m = self.milestones().into_iter().find(|m| m.name == name)?;
        Some((m.time? - t0) * 1000.0)
    }

    /// The figure of a report `PREFIX N kB`, e.g. `standin-kubelet: init-vmrss`.
    pub fn report_kb(&self, prefix: &str) -> Option<u64> {
        let line = &self.lines[self.find(prefix)?];
        let rest = line.text[prefix.len()..].trim();
        rest.split_whitespace().next()?.parse().ok()
    }

    /// What a failure message shows: the console from `Run /init` on (or
    /// its last lines if init never ran), at most `max` lines, the middle
    /// left out when longer; then the monitor transcript, if any.
    pub fn excerpt(&self, max: usize) -> String {
        let from = self
            .find("Run /init")
            .unwrap_or(self.lines.len().saturating_sub(max));
        let shown = &self.lines[from..];
        let mut out = String::from("--- console from `Run /init` ---\n");
        if shown.len() <= max {
            shown.iter().for_each(|l| out += &render(l));
        } else {
            let (head, tail) = (max / 3, max - max / 3);
            shown[..head].iter().for_each(|l| out += &render(l));
            out += &format!("[... {} lines left out ...]\n", shown.len() - max);
            shown[shown.len() - tail..]
                .iter()
                .for_each(|l| out += &render(l));
        }
        if !self.monitor.is_empty() {
            out += "--- QEMU monitor ---\n";
            self.monitor.iter().for_each(|m| out += &format!("{m}\n"));
        }
        out
    }

    /// The boot timeline, one milestone a line, in ms since `Run /init`.
    pub fn timeline(&self) -> String {
        let t0 = self.time_of("Run /init");
        let mut out = String::new();
        for m in self.milestones() {
            let ms = match (m.time, t0) {
                (Some(t), Some(t0)) => format!("{:+9.1} ms", (t - t0) * 1000.0),
                _ => "        ? ms".to_string(),
            };
            let sep = if m.detail.is_empty() { "" } else { " " };
            out += &format!("  {ms}  {}{sep}{}\n", m.name, m.detail);
        }
        out
    }
}

fn render(l: &Line) -> String {
    match l.time {
        Some(t) => format!("[{t:12.6}] {}\n", l.text),
        None => format!("{}\n", l.text),
    }
}

/// `[    1.234567] text` → time and text; anything else is all text.
pub fn parse_line(line: &str) -> Line {
    if let Some(rest) = line.strip_prefix('[') {
        if let Some((stamp, text)) = rest.split_once("] ") {
            if let Ok(t) = stamp.trim().parse::<f64>() {
                return Line {
                    time: Some(t),
                    text: text.to_string(),
                };
            }
        }
    }
    Line {
        time: None,
        text: line.to_string(),
    }
}

/// Checks that `expected` occur in `found` in this order (others may sit
/// between them); returns the first one missing or out of order.
pub fn first_out_of_order<'a>(found: &[Milestone], expected: &[&'a str]) -> Option<&'a str> {
    let mut it = found.iter();
    expected
        .iter()
        .copied()
        .find(|want| !it.any(|m| m.name == *want))
}

/// Fails test `name` with `what`, the milestones seen and a console excerpt.
pub fn fail(name: &str, what: &str, c: &Console) -> ! {
    panic!(
        "[{name}] {what}\nmilestones:\n{}{}",
        c.timeline(),
        c.excerpt(80)
    );
}

/// Checks a whole boot of test `name`: no kernel panic; the milestones
/// init-start, base-mounts, `datapart` (`datapart-skipped` or
/// `datapart-mounted`), runtime-exec, runtime-ready, kubelet-exec,
/// shutdown-requested, shutdown-continued and `last`, in this order, `last`
/// the last one; the kubelet stand-in's first start after runtime-ready.
/// Returns the console index of the runtime-ready line.
pub fn check_lifecycle(name: &str, c: &Console, datapart: &str, last: &str) -> usize {
    if let Some(i) = c.find("Kernel panic") {
        fail(name, &format!("kernel panic: {}", c.lines[i].text), c);
    }
    let milestones = c.milestones();
    let expected = [
        "init-start",
        "base-mounts",
        datapart,
        "runtime-exec",
        "runtime-ready",
        "kubelet-exec",
        "shutdown-requested",
        "shutdown-continued",
        last,
    ];
    if let Some(missing) = first_out_of_order(&milestones, &expected) {
        fail(
            name,
            &format!("milestone `{missing}` missing or out of order"),
            c,
        );
    }
    if milestones.last().map(|m| m.name.as_str()) != Some(last) {
        fail(name, &format!("`{last}` is not the last milestone"), c);
    }
    let ready = milestones
        .iter()
        .find(|m| m.name == "runtime-ready")
        .unwrap()
        .index;
    match c.find("standin-kubelet: start 1") {
        Some(start) if start > ready => {}
        Some(_) => fail(name, "kubelet stand-in started before runtime-ready", c),
        None => fail(name, "no `standin-kubelet: start 1` report", c),
    }
    ready
}
