//! hostname::hostname: printable, at most 64 bytes, from the first line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(name) = kios::hostname::hostname(data) {
        assert!(!name.is_empty() && name.len() <= kios::hostname::MAX_LEN);
        assert!(name.iter().all(|b| (0x21..0x7f).contains(b)));
        let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
        assert!(first.windows(name.len()).any(|w| w == name));
    }
});
