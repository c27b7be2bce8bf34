//! A QEMU boot's serial console read back: kernel log lines with their
//! timestamps (`[    1.234567] text`), the init's milestones (`kios:
//! milestone NAME [DETAIL]`), the stand-ins' reports (`standin-kubelet:
//! init-vmrss 4 kB`), an excerpt for a failure message and the boot
//! timeline.

use std::fmt::Write as _;

/// One console line: `[    1.234567] text` gives `Some(1.234567)` and
/// `text`; any other line is all text, with no time.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub time: Option<f64>,
    pub text: String,
}

/// The whole console of one boot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Console {
    pub lines: Vec<Line>,
    /// What a harness sent to the QEMU monitor and QEMU's answers, one
    /// entry per trigger or command (empty when nothing was scripted);
    /// shown after the console in [`Console::excerpt`].
    pub monitor: Vec<String>,
}

/// One `kios: milestone NAME [DETAIL]` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Milestone {
    /// Index in [`Console::lines`], for ordering against other lines.
    pub index: usize,
    pub time: Option<f64>,
    pub name: String,
    pub detail: String,
}

/// The kernel's line as it runs the init (`Run /init as init process`):
/// time 0 of the init's figures.
pub const RUN_INIT: &str = "Run /init";

impl Console {
    /// Splits raw serial output (CR LF or LF line ends, maybe binary noise).
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
        let t0 = self.time_of(RUN_INIT)?;
        let m = self.milestones().into_iter().find(|m| m.name == name)?;
        Some((m.time? - t0) * 1000.0)
    }

    /// The figure of the first report `PREFIX N kB`, e.g.
    /// `standin-kubelet: init-vmrss`.
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
            .find(RUN_INIT)
            .unwrap_or(self.lines.len().saturating_sub(max));
        let shown = &self.lines[from..];
        let mut out = String::from("--- console from `Run /init` ---\n");
        if shown.len() <= max {
            shown.iter().for_each(|l| out += &render(l));
        } else {
            let (head, tail) = (max / 3, max - max / 3);
            shown[..head].iter().for_each(|l| out += &render(l));
            let _ = writeln!(out, "[... {} lines left out ...]", shown.len() - max);
            shown[shown.len() - tail..]
                .iter()
                .for_each(|l| out += &render(l));
        }
        if !self.monitor.is_empty() {
            out += "--- QEMU monitor ---\n";
            self.monitor.iter().for_each(|m| {
                let _ = writeln!(out, "{m}");
            });
        }
        out
    }

    /// The boot timeline, one milestone a line, in ms since `Run /init`.
    pub fn timeline(&self) -> String {
        let t0 = self.time_of(RUN_INIT);
        let mut out = String::new();
        for m in self.milestones() {
            let ms = match (m.time, t0) {
                (Some(t), Some(t0)) => format!("{:+9.1} ms", (t - t0) * 1000.0),
                _ => "        ? ms".to_string(),
            };
            let sep = if m.detail.is_empty() { "" } else { " " };
            let _ = writeln!(out, "  {ms}  {}{sep}{}", m.name, m.detail);
        }
        out
    }
    /// The boot told for a person (scripts/boot): each stamped line that is
    /// the kernel's `Run /init`, the init's (`kios: `; a milestone shown as
    /// `* NAME`), a stand-in's (`standin-`) or the kernel's last word
    /// (`reboot: `), with its kernel time and ms since `Run /init`; then
    /// `Run /init` → kubelet-exec and the init's memory as the kubelet
    /// stand-in saw it. With `pods`, the story stops at the first line a
    /// pod wrote (`standin-kubelet: log `) and tells how long it took.
    pub fn story(&self, pods: bool) -> String {
        let mut out = String::new();
        let (mut t0, mut kubelet, mut pod) = (None, None, None);
        let (mut vmrss, mut rss) = (None, None);
        for line in &self.lines {
            let Some(t) = line.time else { continue };
            let text = line.text.as_str();
            if text.starts_with(RUN_INIT) {
                t0 = Some(t);
            } else if !["kios: ", "standin-", "reboot: "].iter().any(|p| text.starts_with(p)) {
                continue;
            }
            let since = t0.map(|t0| (t - t0) * 1000.0);
            let shown = match text.strip_prefix("kios: milestone ") {
                Some(m) => format!("* {m}"),
                None => text.to_string(),
            };
            match since {
                Some(ms) => writeln!(out, "{t:12.6}  {ms:+8.1}  {shown}"),
                None => writeln!(out, "{t:12.6}  {:9}  {shown}", ""),
            }
            .unwrap();
            if text.strip_prefix("kios: milestone kubelet-exec").is_some_and(|r| r.is_empty() || r.starts_with(' ')) {
                kubelet = since.or(kubelet);
            }
            vmrss = text.strip_prefix("standin-kubelet: init-vmrss ").or(vmrss);
            rss = text.strip_prefix("standin-kubelet: init-rss ").or(rss);
            if pods && text.starts_with("standin-kubelet: log ") {
                if let Some(ms) = since {
                    pod = Some((ms, text));
                    break;
                }
            }
        }
        if let Some(ms) = kubelet {
            writeln!(out, "Run /init -> kubelet-exec: {ms:.1} ms").unwrap();
        }
        match pod {
            Some((ms, line)) => writeln!(out, "Run /init -> first pod output: {ms:.1} ms ({line})").unwrap(),
            None if pods => writeln!(out, "no pod output on the console").unwrap(),
            None => {}
        }
        if let Some(v) = vmrss {
            writeln!(out, "init VmRSS (seen by the kubelet stand-in): {v}").unwrap();
        }
        if let Some(v) = rss {
            writeln!(out, "init Rss from smaps_rollup (exact): {v}").unwrap();
        }
        out
    }
}

/// A line as the console showed it (the timestamp in the kernel's format).
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

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT: &str = "\
SeaBIOS (version 1.16.2-debian-1.16.2-1)\r
[    0.000000] Linux version 6.1.0-41-cloud-amd64\r
[    2.265842] Run /init as init process\r
[    2.310582] kios: milestone init-start\r
[    2.361139] kios: milestone runtime-exec pid 78\r
[    2.441706] kios: milestone kubelet-exec pid 80\r
[    2.495876] standin-kubelet: init-vmrss 4 kB\r
[    5.718920] kios: milestone power-off\r
[    5.729072] reboot: Power down\r
";

    #[test]
    fn a_stamped_line_has_its_time_and_text() {
        assert_eq!(
            parse_line("[    2.265842] Run /init as init process"),
            Line { time: Some(2.265842), text: "Run /init as init process".into() }
        );
        assert_eq!(parse_line("[12345.000001] x").time, Some(12345.000001));
    }

    #[test]
    fn other_lines_are_all_text() {
        for line in ["SeaBIOS", "[abc] kios: milestone x", "[ 1.5 kios: milestone x", "[ 1.5]x", "", "[] x"] {
            assert_eq!(parse_line(line), Line { time: None, text: line.into() }, "{line:?}");
        }
    }

    #[test]
    fn crlf_and_noise_are_read() {
        let c = Console::parse(b"a\r\n\xff\xfe\n[ 1.0] b\r\nlast without end");
        let texts: Vec<&str> = c.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["a", "\u{fffd}\u{fffd}", "b", "last without end"]);
        assert_eq!(c.lines[2].time, Some(1.0));
    }

    #[test]
    fn milestones_with_and_without_detail() {
        let c = Console::parse(BOOT.as_bytes());
        let m = c.milestones();
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["init-start", "runtime-exec", "kubelet-exec", "power-off"]);
        assert_eq!((m[1].detail.as_str(), m[1].index, m[1].time), ("pid 78", 4, Some(2.361139)));
        assert_eq!(m[0].detail, "");
        // A name is matched whole.
        let c = Console::parse(b"[ 1.0] kios: milestone runtime-exec-later\n");
        assert_eq!(c.milestones()[0].name, "runtime-exec-later");
    }

    #[test]
    fn times_reports_and_order() {
        let c = Console::parse(BOOT.as_bytes());
        assert_eq!(c.time_of("reboot: Power down"), Some(5.729072));
        assert_eq!(c.time_of("SeaBIOS"), None);
        assert_eq!(c.find_all("kios: milestone ").len(), 4);
        assert!((c.ms_since_init("kubelet-exec").unwrap() - 175.864).abs() < 1e-6);
        assert_eq!(c.ms_since_init("runtime-ready"), None);
        assert_eq!(c.report_kb("standin-kubelet: init-vmrss"), Some(4));
        assert_eq!(Console::parse(b"[ 1.0] standin-kubelet: init-vmrss none\n").report_kb("standin-kubelet: init-vmrss"), None);
        let m = c.milestones();
        assert_eq!(first_out_of_order(&m, &["init-start", "kubelet-exec", "power-off"]), None);
        assert_eq!(first_out_of_order(&m, &["kubelet-exec", "runtime-exec"]), Some("runtime-exec"));
        assert_eq!(first_out_of_order(&m, &["init-start", "runtime-ready"]), Some("runtime-ready"));
    }

    #[test]
    fn excerpt_from_run_init_with_the_middle_left_out() {
        let c = Console::parse(BOOT.as_bytes());
        let e = c.excerpt(80);
        assert!(e.starts_with("--- console from `Run /init` ---\n[    2.265842] Run /init as init process\n"), "{e}");
        assert!(!e.contains("SeaBIOS") && e.ends_with("[    5.729072] reboot: Power down\n"), "{e}");
        let e = c.excerpt(3);
        assert_eq!(e.lines().count(), 1 + 1 + 1 + 2, "{e}");
        assert!(e.contains("[... 4 lines left out ...]"), "{e}");
        // Init never ran: the last lines.
        let c = Console { monitor: vec!["sent x".into()], ..Console::parse(b"a\nb\nc\n") };
        assert_eq!(c.excerpt(2), "--- console from `Run /init` ---\nb\nc\n--- QEMU monitor ---\nsent x\n");
    }

    #[test]
    fn timeline_in_ms_since_run_init() {
        let t = Console::parse(BOOT.as_bytes()).timeline();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "      +95.3 ms  runtime-exec pid 78");
        assert_eq!(lines[3], "    +3453.1 ms  power-off");
        let t = Console::parse(b"kios: milestone init-start\n").timeline();
        assert_eq!(t, "          ? ms  init-start\n");
    }

    #[test]
    fn the_story_of_a_boot() {
        let raw = "\
[    0.500000] kios: early
[    2.265842] Run /init as init process
[    2.300000] random: crng init done
[    2.310582] kios: milestone init-start
[    2.441706] kios: milestone kubelet-exec pid 80
[    2.495876] standin-kubelet: init-vmrss 4 kB
[    2.499000] standin-kubelet: init-rss 76 kB
[    3.000000] standin-kubelet: log default/hello pod-program start
[    5.729072] reboot: Power down
";
        let c = Console::parse(raw.as_bytes());
        let story = c.story(false);
        let lines: Vec<&str> = story.lines().collect();
        assert_eq!(lines[0], "    0.500000             kios: early");
        assert_eq!(lines[1], "    2.265842      +0.0  Run /init as init process");
        assert_eq!(lines[2], "    2.310582     +44.7  * init-start");
        assert_eq!(lines[3], "    2.441706    +175.9  * kubelet-exec pid 80");
        assert_eq!(lines[7], "    5.729072   +3463.2  reboot: Power down");
        assert_eq!(
            lines[8..],
            [
                "Run /init -> kubelet-exec: 175.9 ms",
                "init VmRSS (seen by the kubelet stand-in): 4 kB",
                "init Rss from smaps_rollup (exact): 76 kB"
            ]
        );
        let story = c.story(true);
        assert!(!story.contains("reboot: Power down"), "{story}");
        assert!(story.contains("Run /init -> first pod output: 734.2 ms (standin-kubelet: log default/hello pod-program start)\n"), "{story}");
        let without: String = raw.lines().filter(|l| !l.contains("log default")).map(|l| format!("{l}\n")).collect();
        assert!(Console::parse(without.as_bytes()).story(true).contains("no pod output on the console\n"));
    }
}
