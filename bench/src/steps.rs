//! The init's boot steps, from the `kios: trace STEP µs` lines of a build
//! with the `trace` feature (src/trace.rs): how long each step took, and
//! the median of each over the runs.
//!
//! Each line carries the `CLOCK_MONOTONIC` time (µs) at which its step
//! ended. The console's kernel timestamps run on another clock (the
//! printk clock) with a constant offset to it, and a line may be stamped
//! late (the init preempted between reading the clock and writing): so the
//! offset is the smallest `stamp − time` over the boot's stamped lines,
//! and a step lasts from the end of the one before to its own end, in the
//! monotonic times. The first step, `entry`, runs from the kernel's
//! `Run /init` (its exec of the init) to the first instruction of `main`.

use crate::{Stats, Timings};
use std::collections::HashSet;

/// The steps of one boot as (name, ms), in order; `None` without `Run
/// /init` or without any stamped trace line. A name seen again (a
/// daemon's restart) is left out: the table is about the boot.
pub fn steps(c: &Timings) -> Option<Vec<(String, f64)>> {
    let run_init_us = c.run_init? * 1e6;
    let offset = c.traces.iter().filter_map(|t| Some(t.stamp? * 1e6 - t.mono_us)).min_by(f64::total_cmp)?;
    let mut seen = HashSet::new();
    let mut previous = run_init_us;
    let mut out = Vec::new();
    for t in &c.traces {
        if !seen.insert(t.step.as_str()) {
            continue;
        }
        let at = t.mono_us + offset;
        out.push((t.step.clone(), (at - previous) / 1000.0));
        previous = at;
    }
    Some(out)
}

/// Per step, in the order of the first run that has it: its name, the
/// statistics of its duration and how many runs had it.
pub fn table(runs: &[Vec<(String, f64)>]) -> Vec<(String, Stats, usize)> {
    let mut names: Vec<&str> = Vec::new();
    for run in runs {
        for (name, _) in run {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let v: Vec<f64> = runs.iter().filter_map(|run| run.iter().find(|(n, _)| n == name).map(|&(_, ms)| ms)).collect();
            Some((name.to_string(), Stats::of(&v)?, v.len()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACED: &str = "\
[    4.966590] Run /init as init process\r
kios: trace entry 5102111\r
kios: trace signals 5103515\r
[    5.058426] kios: trace dev-console 5110065\r
[    5.058835] kios: milestone init-start\r
[    5.066618] kios: trace base-mounts 5118406\r
[    5.427265] kios: trace runtime-ready 5463072\r
[    5.429760] kios: trace kubelet-argv 5481644\r
[    6.000000] kios: trace base-mounts 6000000\r
";

    #[test]
    fn steps_from_monotonic_times_and_the_smallest_offset() {
        let c = Timings::parse(TRACED);
        assert_eq!(c.traces.len(), 7);
        assert_eq!(c.traces[0].stamp, None);
        let s = steps(&c).unwrap();
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["entry", "signals", "dev-console", "base-mounts", "runtime-ready", "kubelet-argv"]);
        // The offset is kubelet-argv's (5429760 - 5481644 = -51884 µs), the
        // smallest; runtime-ready was stamped 16 ms late and does not count.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(s[0].1, (5102111.0 - 51884.0 - 4966590.0) / 1000.0));
        assert!(close(s[1].1, 1.404));
        assert!(close(s[3].1, 8.341));
        assert!(close(s[5].1, 18.572));
    }

    #[test]
    fn no_steps_without_a_stamped_line_or_run_init() {
        assert_eq!(steps(&Timings::parse("[ 1.0] Run /init as init process\nkios: trace entry 5\n")), None);
        assert_eq!(steps(&Timings::parse("[ 1.0] kios: trace entry 5\n")), None);
    }

    #[test]
    fn table_keeps_the_order_and_counts_runs() {
        let runs = vec![
            vec![("a".to_string(), 1.0), ("b".to_string(), 4.0)],
            vec![("a".to_string(), 3.0), ("c".to_string(), 2.0), ("b".to_string(), 6.0)],
        ];
        let t = table(&runs);
        let names: Vec<&str> = t.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(t[0].1.median, 2.0);
        assert_eq!((t[2].1.median, t[2].2), (2.0, 1));
    }
}
