//! labels::node_labels: /etc/kubernetes/node-labels → --node-labels. Only
//! the label characters, `=` and `,` may come out, and never past the
//! output's capacity (a small one, so overflow is reached too).
#![no_main]
use kios::labels::{node_labels, TooLong};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    let mut small = heapless::String::<64>::new();
    let mut large = heapless::String::<4096>::new();
    let mut check = |w: kios::labels::Warning| assert!(w.line >= 1 && w.line <= lines, "line {}", w.line);
    let a = node_labels(data, &mut small, &mut check);
    let b = node_labels(data, &mut large, &mut check);
    if let Ok(()) = b {
        let out = large.as_bytes();
        assert!(out.iter().all(|c| c.is_ascii_alphanumeric() || b"._/-=,".contains(c)), "{out:?}");
        // Each pair is name=value with a non-empty name.
        for pair in large.split(',').filter(|p| !p.is_empty()) {
            let (name, _) = pair.split_once('=').expect("name=value");
            assert!(!name.is_empty());
        }
        // The small buffer gives the same text, or says it is too long.
        match a {
            Ok(()) => assert_eq!(small.as_str(), large.as_str()),
            Err(TooLong) => assert!(large.len() > 64),
        }
    }
});
