//! Options::parse: the kernel command line and the environment. The input
//! is split at NUL bytes: the first piece is /proc/cmdline, the others are
//! environment entries.
#![no_main]
use kios::options::{Datapart, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut pieces = data.split(|&b| b == 0);
    let cmdline = pieces.next().unwrap_or_default();
    let env: Vec<&[u8]> = pieces.collect();
    let mut warnings = 0usize;
    let options = Options::parse(cmdline, &env, &mut |w| {
        warnings += 1;
        // A warning names a part of the input.
        assert!(!w.reason.is_empty());
        assert!(within(data, w.name) && within(data, w.value));
    });
    // Whatever is set points into the input, never past it.
    match options.datapart {
        Datapart::Device(d) | Datapart::PartUuid(d) | Datapart::PartLabel(d) => assert!(within(data, d)),
        Datapart::Auto | Datapart::None => {}
    }
    assert!(options.modules.is_empty() || within(data, options.modules));
    let _ = warnings;
});

/// Whether `part` is a slice of `whole` (empty slices anywhere).
fn within(whole: &[u8], part: &[u8]) -> bool {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    part.is_empty() || (p >= w && p + part.len() <= w + whole.len())
}
