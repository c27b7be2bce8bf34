//! grace::shutdown_grace_period: the kubelet config's shutdownGracePeriod.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let found = kios::grace::shutdown_grace_period(data);
    // A period (or a refused value) can only come from a file that names the key.
    if found.is_some() {
        assert!(data.windows(19).any(|w| w == b"shutdownGracePeriod"));
    }
});
