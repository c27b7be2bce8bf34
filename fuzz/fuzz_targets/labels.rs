//! labels::node_labels: /etc/kubernetes/node-labels → --node-labels. Only
//! the label characters, `=` and `,` may come out, and never past the
//! output's capacity (a small one, so overflow is reached too); a label
//! that does not fit is dropped alone, named, and, while the large output
//! drops nothing, the labels of the small output are those of the large
//! one, in order. (Once both overflow, a short label can still fit in what
//! the small one has left and not in what the large one has left.)
#![no_main]
use kios::labels::{node_labels, TOO_LONG};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    let mut small = heapless::String::<64>::new();
    let mut large = heapless::String::<4096>::new();
    let (mut dropped, mut dropped_large) = (0, 0);
    let check = |w: kios::labels::Warning| {
        assert!(w.line >= 1 && w.line <= lines, "line {}", w.line);
        assert_eq!(w.reason == TOO_LONG, !w.name.is_empty());
    };
    node_labels(data, &mut small, &mut |w| {
        check(w);
        dropped += usize::from(w.reason == TOO_LONG);
    });
    node_labels(data, &mut large, &mut |w| {
        check(w);
        dropped_large += usize::from(w.reason == TOO_LONG);
    });
    for out in [large.as_bytes(), small.as_bytes()] {
        assert!(out.iter().all(|c| c.is_ascii_alphanumeric() || b"._/-=,".contains(c)), "{out:?}");
    }
    // Each pair is name=value with a non-empty name.
    for pair in large.split(',').filter(|p| !p.is_empty()) {
        let (name, _) = pair.split_once('=').expect("name=value");
        assert!(!name.is_empty());
    }
    // Every valid label is either kept or dropped, in both outputs.
    let kept: Vec<&str> = small.split(',').filter(|p| !p.is_empty()).collect();
    let kept_large = large.split(',').filter(|p| !p.is_empty()).count();
    assert_eq!(kept.len() + dropped, kept_large + dropped_large);
    // While the large output drops nothing, the small output's pairs are
    // the large one's, in order, less the ones only it dropped.
    if dropped_large == 0 {
        let mut all = large.split(',').filter(|p| !p.is_empty());
        for pair in &kept {
            assert!(all.any(|p| p == *pair), "{pair} not in order in {large}");
        }
    }
});
