//! labels::node_labels: /etc/kubernetes/node-labels → --node-labels. Only
//! the label characters, `=` and `,` may come out, and never past the
//! output's capacity (a small one, so overflow is reached too); a label
//! that does not fit is dropped alone, named, and the labels of the small
//! output are those of the large one, in order.
#![no_main]
use kios::labels::{node_labels, TOO_LONG};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    let mut small = heapless::String::<64>::new();
    let mut large = heapless::String::<4096>::new();
    let (mut dropped, mut dropped_large) = (0, 0);
    let mut check = |w: kios::labels::Warning| {
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
    // The small output's pairs are the large one's, in order, less the
    // ones only it dropped.
    {
        let mut all = large.split(',').filter(|p| !p.is_empty());
        let kept: Vec<&str> = small.split(',').filter(|p| !p.is_empty()).collect();
        for pair in &kept {
            assert!(all.any(|p| p == *pair), "{pair} not in order in {large}");
        }
        assert_eq!(kept.len() + dropped, large.split(',').filter(|p| !p.is_empty()).count() + dropped_large);
    }
});
