//! mountinfo: mount points (the unmount's `mounts` iterator) both ways, fs_type, parse_line (with the source) and unescape, on
//! arbitrary /proc/self/mountinfo text.
#![no_main]
use kios::mountinfo::{fs_type, mount_points, parse_line, unescape};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let forward: Vec<&[u8]> = mount_points(data).collect();
    let mut backward: Vec<&[u8]> = mount_points(data).rev().collect();
    backward.reverse();
    assert_eq!(forward, backward, "the two directions disagree");
    for line in data.split(|&b| b == b'\n') {
        let _ = fs_type(line);
        let _ = parse_line(line);
    }
    for point in forward {
        for size in [0usize, 7, 4096] {
            let mut out = vec![0u8; size];
            if let Ok(n) = unescape(point, &mut out) {
                assert!(n <= size && n <= point.len(), "{n} bytes from {} into {size}", point.len());
            }
        }
    }
    let mut out = [0u8; 256];
    if let Ok(n) = unescape(data, &mut out) {
        assert!(n <= data.len());
    }
});
