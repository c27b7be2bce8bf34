//! The init's console formats, checked when compiling: a format is
//! printable ASCII text whose `{}`s take the line's pieces, one each.
//!
//! The init's log macros (`info!`, `warn!`, `error!`) call [`check`] in a
//! `const` block with the format and the number of pieces they were given,
//! so a format with two `{}`s and one piece, a `{` that opens no `{}`, or
//! a control byte in the text (which would cut or corrupt the console
//! line) is a compile error, not a wrong line at run time.

/// Checks `format` against `pieces`, the number of arguments given with
/// it; panics (a compile error in a `const` block) with what is wrong.
pub const fn check(format: &str, pieces: usize) {
    assert!(placeholders(format) == pieces, "a log format's `{{}}`s and its arguments differ in number");
}

/// The number of `{}`s in `format`; panics on a `{` that opens no `{}`
/// and on any byte that is not printable ASCII.
pub const fn placeholders(format: &str) -> usize {
    let mut count = 0usize;
    let mut rest = format.as_bytes();
    while let [c, tail @ ..] = rest {
        assert!(*c >= 0x20 && *c < 0x7f, "a log format holds a control or non-ASCII byte");
        if *c == b'{' {
            assert!(matches!(tail, [b'}', ..]), "a log format has a `{{` that opens no `{{}}`");
            count = count.saturating_add(1);
        }
        rest = tail;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_placeholders() {
        assert_eq!(placeholders(""), 0);
        assert_eq!(placeholders("milestone {}"), 1);
        assert_eq!(placeholders("mount {} on {}: {}"), 3);
        assert_eq!(placeholders("a } alone is text"), 0);
        check("{} exited {}{}; restart in {} ms", 4);
        // Evaluated when compiling, as the macros do.
        const { check("{} not started: {}", 2) };
    }

    #[test]
    #[should_panic(expected = "differ in number")]
    fn two_placeholders_one_piece() {
        check("mount {} on {}", 1);
    }

    #[test]
    #[should_panic(expected = "differ in number")]
    fn one_placeholder_two_pieces() {
        check("milestone {}", 2);
    }

    #[test]
    #[should_panic(expected = "control or non-ASCII byte")]
    fn control_byte() {
        check("line\none", 0);
    }

    #[test]
    #[should_panic(expected = "control or non-ASCII byte")]
    fn non_ascii_byte() {
        check("caf\u{e9}", 0);
    }

    #[test]
    #[should_panic(expected = "opens no `{}`")]
    fn lone_brace() {
        check("a {x}", 1);
    }
}
