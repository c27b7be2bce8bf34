//! The kubelet's `shutdownGracePeriod`, from `/etc/kubernetes/config.yaml`.
//!
//! Not a YAML parser: only a top-level line `shutdownGracePeriod: <value>`
//! (the key at column 0) is read; the last one wins, as in the kubelet's
//! lenient decoding. The value is a Go duration (`time.ParseDuration`):
//! an optional `+`, then one or more decimal numbers (fractions allowed)
//! each followed by a unit `h`, `m`, `s`, `ms`, `us`/`µs`/`μs` or `ns`; or
//! a bare `0`. It may be quoted with `'` or `"` and followed by a
//! `# comment`. Flow style (`{...}`) and JSON configs are not recognised.
//! As in Go, a duration must fit in an `int64` of nanoseconds (at most
//! 2562047h47m16.854775807s): a longer one is refused, not saturated.

/// Nanoseconds in one second.
const SECOND: u64 = 1_000_000_000;

/// Seconds of the top-level `shutdownGracePeriod:` key (a Go duration such as `30s`, `1m30s`, `2m`, `1h`, `1500ms`,
/// possibly quoted with ' or "), rounded up to whole seconds (more than `u32::MAX` as that); None when
/// absent or indented (not top-level); `Err(value)` when the value is malformed or out of Go's range.
pub fn shutdown_grace_period(config: &[u8]) -> Option<Result<u32, &[u8]>> {
    let value = config
        .split(|&b| b == b'\n')
        .filter_map(value)
        .next_back()?;
    let Some(ns) = duration_ns(value) else { return Some(Err(value)) };
    Some(Ok(u32::try_from(ns.div_ceil(SECOND)).unwrap_or(u32::MAX)))
}

/// The value of a `shutdownGracePeriod:` line, comment and quotes removed.
fn value(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"shutdownGracePeriod")?.trim_ascii();
    let [b':', rest @ ..] = rest else { return None };
    if !rest.first().is_none_or(u8::is_ascii_whitespace) {
        return None; // `shutdownGracePeriod:x` is one scalar, not a key
    }
    // A comment starts at a `#` that follows a blank.
    let rest = crate::labels::uncommented(rest);
    match *rest {
        // The same quote at both ends.
        [first @ (b'"' | b'\''), ref inner @ .., last] if last == first => Some(inner),
        // Unbalanced quotes: the value as it is, malformed.
        _ => Some(rest),
    }
}

/// A Go duration in nanoseconds; None if malformed, negative, or over
/// `i64::MAX` nanoseconds (Go's `time.ParseDuration` refuses those too).
fn duration_ns(text: &[u8]) -> Option<u64> {
    let text = match text {
        [b'+', text @ ..] => text,
        _ => text,
    };
    if text == b"0" {
        return Some(0);
    }
    let mut rest = text;
    let mut total = 0u64;
    while !rest.is_empty() {
        // The whole part's value as its digits come (no slice kept).
        let mut whole = 0u64;
        let mut digits = false;
        while let [d @ b'0'..=b'9', after @ ..] = rest {
            whole = whole.checked_mul(10)?.checked_add(u64::from(d & 0x0f))?;
            digits = true;
            rest = after;
        }
        let (fraction, after) = match rest {
            [b'.', after @ ..] => split_digits(after),
            _ => (&b""[..], rest),
        };
        if !digits && fraction.is_empty() {
            return None;
        }
        // The unit, up to the next number, read as its key (see `key`).
        let mut unit = key("");
        rest = after;
        while let [b, after @ ..] = rest {
            if b.is_ascii_digit() || *b == b'.' {
                break;
            }
            unit = push(unit, *b)?;
            rest = after;
        }
        let scale: u64 = match unit {
            NS => 1,
            US | MICRO_SIGN_S | MU_S => 1_000,
            MS => 1_000_000,
            S => SECOND,
            M => 60 * SECOND,
            H => 3600 * SECOND,
            _ => return None,
        };
        // floor(0.d1d2d3… × scale), exactly: Horner's rule from the last
        // digit (`n` stays below `scale`).
        let fraction = fraction.iter().rev().try_fold(0u64, |n, &d| {
            Some(n.checked_add(u64::from(d & 0x0f).checked_mul(scale)?)? / 10)
        })?;
        total = total.checked_add(whole.checked_mul(scale)?)?.checked_add(fraction)?;
    }
    (!text.is_empty() && total <= i64::MAX as u64).then_some(total)
}

/// A unit's bytes as one number, a 1 then each byte (`ms` is 0x01_6d_73),
/// so a unit read byte by byte is matched against the keys below; `None`
/// for more than three bytes.
const fn push(key: u32, byte: u8) -> Option<u32> {
    match key.checked_mul(256) {
        Some(shifted) => Some(shifted | byte as u32),
        None => None,
    }
}

/// The key of `unit` (see [`push`]); only units of up to three bytes have one.
const fn key(unit: &str) -> u32 {
    assert!(unit.len() <= 3, "a unit of more than three bytes");
    let mut key = 1u32;
    let mut rest = unit.as_bytes();
    while let [b, tail @ ..] = rest {
        if let Some(next) = push(key, *b) {
            key = next;
        }
        rest = tail;
    }
    key
}

const NS: u32 = key("ns");
const US: u32 = key("us");
/// `µs`, with U+00B5 MICRO SIGN.
const MICRO_SIGN_S: u32 = key("\u{b5}s");
/// `μs`, with U+03BC GREEK SMALL LETTER MU.
const MU_S: u32 = key("\u{3bc}s");
const MS: u32 = key("ms");
const S: u32 = key("s");
const M: u32 = key("m");
const H: u32 = key("h");

/// Leading ASCII digits of `s`, and the rest.
fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at_checked(n).unwrap_or((s, b""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_keys_are_their_bytes() {
        assert_eq!(MS, 0x01_6d_73);
        assert_eq!(MICRO_SIGN_S, 0x01_c2_b5_73);
        assert_eq!(MU_S, 0x01_ce_bc_73);
        assert_eq!(push(key("abc"), b'd'), None, "a fourth byte has no room");
    }

    fn grace(value: &str) -> Option<u32> {
        shutdown_grace_period(format!("shutdownGracePeriod: {value}\n").as_bytes())?.ok()
    }

    #[test]
    fn durations() {
        let cases = [
            ("30s", 30),
            ("0", 0),
            ("0s", 0),
            ("+5s", 5),
            ("1m30s", 90),
            ("2m", 120),
            ("1h", 3600),
            ("1h1m1s", 3661),
            ("1500ms", 2),
            ("1000ms", 1),
            ("1ms", 1),
            ("1ns", 1),
            ("999999999ns", 1),
            ("1000000001ns", 2),
            ("2000000us", 2),
            ("1\u{b5}s", 1),
            ("3000000\u{3bc}s", 3),
            ("1.5s", 2),
            ("1.s", 1),
            (".5s", 1),
            ("0.25m", 15),
            ("1.0000000001s", 1), // below a nanosecond, truncated as Go does
            ("0.000000001h", 1),
            ("1s1s", 2),
            ("\"45s\"", 45),
            ("'1m'", 60),
            ("30s # thirty seconds", 30),
            ("  \"20s\"\t# quoted  ", 20),
            ("4294967295s", u32::MAX),
            ("4294967296s", u32::MAX),
            ("2562047h", u32::MAX),
            ("2562047h47m16.854775807s", u32::MAX), // i64::MAX ns, Go's largest
            ("9223372036854775807ns", u32::MAX),
            ("9223372036.854775807s", u32::MAX),
        ];
        for (value, seconds) in cases {
            assert_eq!(grace(value), Some(seconds), "{value}");
        }
    }

    #[test]
    fn malformed() {
        let cases = [
            "",
            "# none",
            "30",
            "1",
            "00",
            "-30s",
            "-0",
            "s",
            ".s",
            "30 s",
            "30S",
            "30sec",
            "1d",
            "1w",
            "1..5s",
            "1.5.s",
            "30s30",
            "\"30s",
            "30s'",
            "'30s\"",
            "\"\"",
            "''",
            "30s#x",
            "~",
            "null",
            "\"30s\" x",
            "{30s}",
            "1\u{b5}",
            "1\u{3bc}",
            "\u{b5}s",
            // Out of Go's range (over i64::MAX ns): refused as Go does.
            "2562048h",
            "2562047h47m16.854775808s",
            "9223372036854775808ns",
            "1000000000000000000000000000000s",
            "99999999999999999999999h",
            "1h2562047h",
        ];
        for value in cases {
            assert_eq!(grace(value), None, "{value:?}");
        }
    }

    #[test]
    fn finding_the_key() {
        let config = b"apiVersion: kubelet.config.k8s.io/v1beta1\r\nkind: KubeletConfiguration\r\n\
            shutdownGracePeriodCriticalPods: 10s\r\nshutdownGracePeriod: 1m\r\n\
            shutdownGracePeriodByPodPriority:\r\n  - priority: 1\r\n    shutdownGracePeriodSeconds: 5\r\n";
        assert_eq!(shutdown_grace_period(config), Some(Ok(60)));
        assert_eq!(shutdown_grace_period(b"shutdownGracePeriod : 7s"), Some(Ok(7)));
        assert_eq!(shutdown_grace_period(b"shutdownGracePeriod:\t7s"), Some(Ok(7)));
        assert_eq!(
            shutdown_grace_period(b"shutdownGracePeriod: 1s\nshutdownGracePeriod: 2s"),
            Some(Ok(2))
        );
        assert_eq!(
            shutdown_grace_period(b"shutdownGracePeriod: 1s\nshutdownGracePeriod: x"),
            Some(Err(&b"x"[..]))
        );
        assert_eq!(
            shutdown_grace_period(b"shutdownGracePeriod: \"2562048h\" # too long"),
            Some(Err(&b"2562048h"[..]))
        );
        let absent: [&[u8]; 9] = [
            b"",
            b"kind: KubeletConfiguration\n",
            b"shutdownGracePeriodCriticalPods: 10s",
            b"  shutdownGracePeriod: 30s",
            b"\tshutdownGracePeriod: 30s",
            b"# shutdownGracePeriod: 30s",
            b"shutdownGracePeriod:30s",
            b"\"shutdownGracePeriod\": \"30s\"",
            b"{\"shutdownGracePeriod\": \"30s\"}",
        ];
        for config in absent {
            assert_eq!(shutdown_grace_period(config), None, "{config:?}");
        }
    }

    #[test]
    fn overlong() {
        let mut config = b"# padding\n".repeat(100_000);
        config.extend_from_slice(b"shutdownGracePeriod: 30s");
        assert_eq!(shutdown_grace_period(&config), Some(Ok(30)));
        let long = format!("{}s", "9".repeat(100_000));
        assert_eq!(grace(&long), None);
        let long = format!("0.{}1s", "0".repeat(100_000));
        assert_eq!(grace(&long), Some(0));
        let long = "1s".repeat(100_000);
        assert_eq!(grace(&long), Some(100_000));
        assert_eq!(shutdown_grace_period(&[0xff; 100_000]), None);
    }
}
