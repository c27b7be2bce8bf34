//! `bench/history.csv`: one line per recorded benchmark run
//! (`scripts/bench-boot --record`), and its trend as an SVG
//! (`kios-bench history`). Absolute times move with the host's load and
//! model; the ratios against the busybox baseline and against the
//! `--against` revision, measured in the same alternated run, are what
//! compare across machines and days.

use crate::compare::Ratio;
use crate::{xml, PHASES};
use std::fmt::Write as _;
use std::path::Path;

/// One run of the benchmark, as a line of the history.
#[derive(Clone, Debug, Default)]
pub struct Record {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// The commit of the init measured (`-dirty` when the tree had changes).
    pub commit: String,
    /// The host's CPU model.
    pub machine: String,
    /// The guest kernel.
    pub kernel: String,
    pub arch: String,
    pub runs: usize,
    /// The host's 1-minute load average, median over the boots.
    pub load: Option<f64>,
    /// Medians of every phase of [`PHASES`] (ms).
    pub medians: Vec<Option<f64>>,
    /// Ratios to the busybox baseline's medians, per phase (empty without it).
    pub vs_baseline: Vec<Option<f64>>,
    /// The `--against` revision, with the ratios and intervals of every phase.
    pub against: Option<(String, Vec<Ratio>)>,
}

/// The header: fixed columns, then per phase its median, ratio to the
/// baseline, ratio to `--against` and that ratio's interval.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> = ["date", "commit", "machine", "kernel", "arch", "runs", "load", "against"].map(String::from).to_vec();
    for prefix in ["median_ms", "vs_baseline", "vs_against", "vs_against_lo", "vs_against_hi"] {
        h.extend(PHASES.iter().map(|p| format!("{prefix}:{}", p.key)));
    }
    h
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.filter(|v| v.is_finite()).map_or(String::new(), |v| format!("{v:.digits$}"))
}

impl Record {
    /// The line's fields, in [`header`]'s order.
    pub fn fields(&self) -> Vec<String> {
        let n = PHASES.len();
        let get = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
        let mut f = vec![
            self.date.clone(),
            self.commit.clone(),
            self.machine.clone(),
            self.kernel.clone(),
            self.arch.clone(),
            self.runs.to_string(),
            num(self.load, 2),
            self.against.as_ref().map_or(String::new(), |(rev, _)| rev.clone()),
        ];
        f.extend((0..n).map(|i| num(get(&self.medians, i), 1)));
        f.extend((0..n).map(|i| num(get(&self.vs_baseline, i), 3)));
        let against: &[Ratio] = self.against.as_ref().map_or(&[], |(_, r)| r);
        let pick = |i: usize, which: usize| {
            against.get(i).and_then(|r| match which {
                0 => r.ratio,
                1 => r.ci.map(|c| c.0),
                _ => r.ci.map(|c| c.1),
            })
        };
        for which in 0..3 {
            f.extend((0..n).map(|i| num(pick(i, which), 3)));
        }
        f
    }
}

/// Appends `record` to the CSV at `path`, writing the header first if the
/// file is new; an existing file must have the same header.
pub fn append(path: &Path, record: &Record) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let exists = path.exists() && std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false);
    if exists {
        let mut reader = csv::Reader::from_path(path).map_err(|e| err(&e))?;
        let have: Vec<String> = reader.headers().map_err(|e| err(&e))?.iter().map(String::from).collect();
        if have != header() {
            return Err(err(&"its columns are not the ones this kios-bench writes (the phases changed): start a new file"));
        }
    }
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| err(&e))?;
    let mut w = csv::Writer::from_writer(file);
    if !exists {
        w.write_record(header()).map_err(|e| err(&e))?;
    }
    w.write_record(record.fields()).map_err(|e| err(&e))?;
    w.flush().map_err(|e| err(&e))
}

/// The series the trend draws: (column, label).
pub const SERIES: [(&str, &str); 4] = [
    ("vs_baseline:init_to_kubelet_exec", "/init → kubelet-exec, ours / busybox baseline"),
    ("vs_baseline:total_to_kubelet_exec", "total to kubelet-exec, ours / busybox baseline"),
    ("vs_against:init_to_kubelet_exec", "/init → kubelet-exec, ours / --against revision"),
    ("vs_baseline:init_own", "init's own critical path, ours / busybox baseline"),
];

const COLORS: [&str; 4] = ["#2b7bb9", "#e08a1e", "#3a9a4a", "#a03ab0"];

/// The trend of the ratios in `csv_text` (a history file) as an SVG: one
/// point per record, in file order, labelled with its date and commit;
/// the line at 1.0 is "as fast as what it is compared with".
pub fn trend_svg(csv_text: &str) -> Result<String, String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let value = |row: &csv::StringRecord, name: &str| col(name).and_then(|i| row.get(i)).and_then(|v| v.parse::<f64>().ok());
    let label = |row: &csv::StringRecord| {
        let date = col("date").and_then(|i| row.get(i)).unwrap_or("").get(..10).unwrap_or("").to_string();
        let commit = col("commit").and_then(|i| row.get(i)).unwrap_or("");
        let arch = col("arch").and_then(|i| row.get(i)).unwrap_or("");
        format!("{date} {} {arch}", commit.get(..commit.len().min(12)).unwrap_or(commit))
    };
    let (w, h, left, right, top, bottom) = (900.0, 420.0, 60.0, 20.0, 50.0, 120.0);
    let values: Vec<f64> = rows.iter().flat_map(|r| SERIES.iter().filter_map(|(c, _)| value(r, c))).collect();
    let max = values.iter().copied().fold(1.2f64, f64::max) * 1.05;
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let x = |i: usize| left + if rows.len() > 1 { i as f64 / (rows.len() - 1) as f64 * plot_w } else { plot_w / 2.0 };
    let y = |v: f64| top + plot_h - v / max * plot_h;
    let mut svg = String::new();
    let _ = writeln!(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\">");
    let _ = writeln!(svg, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(svg, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">kiOS boot benchmark history: ratios of medians (bench/history.csv, {} records)</text>", rows.len());
    let step = crate::tick_step(max);
    let mut t = 0.0;
    while t <= max + 1e-9 {
        let _ = writeln!(svg, "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/>", y(t), left + plot_w);
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{t:.2}</text>", left - 6.0, y(t) + 4.0);
        t += step;
    }
    let _ = writeln!(svg, "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>", y(1.0), left + plot_w);
    for (i, row) in rows.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text transform=\"translate({:.1},{:.1}) rotate(-40)\" text-anchor=\"end\">{}</text>",
            x(i),
            top + plot_h + 14.0,
            xml(&label(row))
        );
    }
    for (si, (column, name)) in SERIES.iter().enumerate() {
        let points: Vec<(f64, f64)> = rows.iter().enumerate().filter_map(|(i, r)| Some((x(i), y(value(r, column)?)))).collect();
        if points.is_empty() {
            continue;
        }
        let path: Vec<String> = points.iter().map(|(px, py)| format!("{px:.1},{py:.1}")).collect();
        let _ = writeln!(svg, "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", path.join(" "), COLORS[si]);
        for (px, py) in &points {
            let _ = writeln!(svg, "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3\" fill=\"{}\"/>", COLORS[si]);
        }
        let ly = 34.0;
        let lx = 10.0 + 220.0 * si as f64;
        let _ = writeln!(svg, "<rect x=\"{lx}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/>", ly - 9.0, COLORS[si]);
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{ly}\" font-size=\"9\">{}</text>", lx + 14.0, xml(name));
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(commit: &str, ratio: f64) -> Record {
        let n = PHASES.len();
        Record {
            date: "2026-12-03T08:00:00Z".into(),
            commit: commit.into(),
            machine: "Intel Xeon, \"quoted\"".into(),
            kernel: "6.1.0-57-cloud-amd64".into(),
            arch: "amd64".into(),
            runs: 10,
            load: Some(3.5),
            medians: vec![Some(100.0); n],
            vs_baseline: vec![Some(ratio); n],
            against: Some((
                "c69db6d".into(),
                PHASES.iter().map(|p| Ratio { key: p.key, label: p.label, a: Some(1.0), b: Some(1.0), ratio: Some(ratio), ci: Some((0.7, 0.9)) }).collect(),
            )),
        }
    }

    #[test]
    fn appended_lines_read_back_and_draw() {
        let dir = std::env::temp_dir().join(format!("kios-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history.csv");
        let _ = std::fs::remove_file(&path);
        append(&path, &record("aaaa", 0.8)).unwrap();
        append(&path, &record("bbbb", 0.7)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.starts_with("date,commit,machine,kernel,arch,runs,load,against,median_ms:kernel_to_init,"));
        assert!(text.contains("\"Intel Xeon, \"\"quoted\"\"\""));
        let svg = trend_svg(&text).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 4);
        assert_eq!(svg.matches("<circle").count(), 8);
        std::fs::write(&path, "date,other\n1,2\n").unwrap();
        assert!(append(&path, &record("cccc", 0.7)).unwrap_err().contains("columns"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
