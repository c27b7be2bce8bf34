//! A/B comparison of two configurations booted alternately: per phase both
//! medians, their ratio and a 95 % bootstrap confidence interval of the
//! ratio, and a plain verdict on whether the difference is real.
//!
//! The bootstrap resamples the runs with replacement (10 000 times, from a
//! fixed seed, so the same runs give the same interval) and takes the
//! 2.5th and 97.5th percentiles of the ratio of the resampled medians.
//! When both sides have as many runs (always, with `scripts/bench-boot`'s
//! alternation) run i of one side is resampled with run i of the other:
//! the two boots of a round shared the host's load at that moment, and
//! keeping them together keeps that load out of the interval.

use crate::{Config, Stats, PHASES};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Resamples of the bootstrap.
pub const RESAMPLES: usize = 10_000;
/// Its seed (any fixed number: the interval is reproducible).
pub const SEED: u64 = 14;

/// One phase compared: medians of `a` and `b` (ms), `a / b` and its interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Ratio {
    pub key: &'static str,
    pub label: &'static str,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub ratio: Option<f64>,
    pub ci: Option<(f64, f64)>,
}

fn median(v: &[f64]) -> Option<f64> {
    Stats::of(v).map(|s| s.median)
}

/// The 95 % percentile interval of `median(a*) / median(b*)` over
/// `resamples` bootstrap resamples (paired when the lengths agree);
/// `None` when a side is empty or a resampled median of `b` is 0.
pub fn bootstrap_ratio(a: &[f64], b: &[f64], resamples: usize, seed: u64) -> Option<(f64, f64)> {
    if a.is_empty() || b.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let paired = a.len() == b.len();
    let (mut ra, mut rb) = (vec![0.0; a.len()], vec![0.0; b.len()]);
    let mut ratios = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for (i, slot) in ra.iter_mut().enumerate() {
            let j = rng.gen_range(0..a.len());
            *slot = a[j];
            if paired {
                rb[i] = b[j];
            }
        }
        if !paired {
            for slot in rb.iter_mut() {
                *slot = b[rng.gen_range(0..b.len())];
            }
        }
        let (ma, mb) = (median(&ra)?, median(&rb)?);
        if mb == 0.0 {
            return None;
        }
        ratios.push(ma / mb);
    }
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((q * (ratios.len() - 1) as f64).round() as usize).min(ratios.len() - 1)];
    Some((at(0.025), at(0.975)))
}

/// Every phase of `a` against `b`.
pub fn compare(a: &Config, b: &Config) -> Vec<Ratio> {
    PHASES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // The runs that have the phase (a pod phase may be missing).
            let va: Vec<f64> = a.runs.iter().map(|r| r[i].ms).filter(|v| v.is_finite()).collect();
            let vb: Vec<f64> = b.runs.iter().map(|r| r[i].ms).filter(|v| v.is_finite()).collect();
            let (ma, mb) = (median(&va), median(&vb));
            let ratio = match (ma, mb) {
                (Some(x), Some(y)) if y != 0.0 => Some(x / y),
                _ => None,
            };
            Ratio { key: p.key, label: p.label, a: ma, b: mb, ratio, ci: bootstrap_ratio(&va, &vb, RESAMPLES, SEED) }
        })
        .collect()
}

/// Whether the difference is real, in words: the interval excludes 1.0
/// (and on which side) or not.
pub fn verdict(r: &Ratio, a: &str, b: &str) -> String {
    match (r.ratio, r.ci) {
        (Some(x), Some((lo, hi))) if hi < 1.0 => {
            format!("real: {a} is faster, {:.1} % less time than {b} (95 % CI of the ratio {lo:.3}–{hi:.3}, below 1)", (1.0 - x) * 100.0)
        }
        (Some(x), Some((lo, hi))) if lo > 1.0 => {
            format!("real: {a} is slower, {:.1} % more time than {b} (95 % CI of the ratio {lo:.3}–{hi:.3}, above 1)", (x - 1.0) * 100.0)
        }
        (Some(_), Some((lo, hi))) => format!("not shown: the 95 % CI {lo:.3}–{hi:.3} holds 1.0, the difference is within the noise"),
        _ => "n/a".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_difference_excludes_one() {
        let a = [80.0, 82.0, 79.0, 85.0, 81.0, 83.0, 80.5, 84.0, 82.5, 79.5];
        let b = [100.0, 103.0, 99.0, 105.0, 101.0, 104.0, 100.5, 102.0, 98.0, 101.5];
        let (lo, hi) = bootstrap_ratio(&a, &b, RESAMPLES, SEED).unwrap();
        assert!(lo < 0.82 && hi < 0.9 && lo > 0.7, "{lo} {hi}");
    }

    #[test]
    fn the_same_values_hold_one() {
        let a = [80.0, 120.0, 95.0, 101.0, 99.0, 130.0, 70.0, 100.0];
        let b = [100.0, 99.0, 120.0, 80.0, 101.0, 70.0, 130.0, 95.0];
        let (lo, hi) = bootstrap_ratio(&a, &b, RESAMPLES, SEED).unwrap();
        assert!(lo < 1.0 && hi > 1.0, "{lo} {hi}");
    }

    #[test]
    fn reproducible_and_none_when_empty() {
        let a = [1.0, 2.0, 3.0];
        let b = [2.0, 3.0, 4.5];
        assert_eq!(bootstrap_ratio(&a, &b, 1000, 1), bootstrap_ratio(&a, &b, 1000, 1));
        assert_eq!(bootstrap_ratio(&[], &b, 1000, 1), None);
        assert_eq!(bootstrap_ratio(&a, &[0.0, 0.0, 0.0], 1000, 1), None);
    }

    #[test]
    fn verdicts_say_which_side() {
        let r = |ratio, ci| Ratio { key: "k", label: "l", a: Some(1.0), b: Some(1.0), ratio: Some(ratio), ci: Some(ci) };
        assert!(verdict(&r(0.8, (0.7, 0.9)), "ours", "c69db6d").starts_with("real: ours is faster, 20.0 %"));
        assert!(verdict(&r(1.2, (1.1, 1.3)), "ours", "c69db6d").starts_with("real: ours is slower"));
        assert!(verdict(&r(0.95, (0.8, 1.1)), "ours", "c69db6d").starts_with("not shown"));
    }
}
