//! `/etc/kubernetes/node-labels` → the kubelet's `--node-labels` value.
//!
//! One label per line, `name: value`, with any spaces or tabs around the
//! name and the value; blank lines, `# comment` lines and end-of-line
//! `# comments` (a `#` at the start or after a space or tab) are skipped.
//! The output is `name=value` pairs joined by `,`. Only the label
//! characters `[A-Za-z0-9._/-]` pass through: a line with anything else is
//! dropped whole, so no `,`, `=`, space or other byte reaches the kubelet's
//! command line from this file.

use heapless::string::StringView;

/// A dropped line.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Warning {
    /// The line number, 1-based.
    pub line: usize,
    /// Why it was dropped.
    pub reason: &'static str,
}

/// The labels do not fit in the output buffer.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct TooLong;

/// Appends `name=value` pairs joined by `,` to `out`. `# comment` lines, blank lines, `name: value`
/// with any whitespace (spaces/tabs) around name and value, end-of-line `# comments`.
/// A line with no `:`, an empty name, or any character outside [A-Za-z0-9._/-] in name or value
/// is dropped whole with a warning (never let another character through: no argument injection,
/// no `,` or `=` smuggling). An empty value is allowed (`name=`). Output that would not fit in `out`
/// is Err(TooLong) (out may then be left partially written; the caller discards it).
pub fn node_labels<const N: usize>(
    file: &[u8],
    out: &mut heapless::String<N>,
    warn: &mut dyn FnMut(Warning),
) -> Result<(), TooLong> {
    append(file, out.as_mut_view(), warn)
}

/// [`node_labels`] for any capacity (one copy of the code in the binary).
fn append(file: &[u8], out: &mut StringView, warn: &mut dyn FnMut(Warning)) -> Result<(), TooLong> {
    let mut first = true;
    for (index, line) in file.split(|&b| b == b'\n').enumerate() {
        let (name, value) = match label(line) {
            Ok(Some(pair)) => pair,
            Ok(None) => continue,
            Err(reason) => {
                warn(Warning {
                    line: index.wrapping_add(1), // a line index cannot be usize::MAX
                    reason,
                });
                continue;
            }
        };
        if !first {
            push(out, b",")?;
        }
        first = false;
        push(out, name)?;
        push(out, b"=")?;
        push(out, value)?;
    }
    Ok(())
}

/// A label's name and value.
type Label<'a> = (&'a [u8], &'a [u8]);

/// One line: `Ok(None)` if blank or comment, else the label or why not.
fn label(line: &[u8]) -> Result<Option<Label<'_>>, &'static str> {
    // Trimming ASCII whitespace also drops the `\r` of CRLF line ends.
    let line = uncommented(line);
    if line.is_empty() {
        return Ok(None);
    }
    let colon = line.iter().position(|&b| b == b':').ok_or("no `:` in label line")?;
    let (name, value) = line.split_at_checked(colon).unwrap_or_default();
    let name = name.trim_ascii();
    // The value follows the colon.
    let value = value.get(1..).unwrap_or_default().trim_ascii();
    if name.is_empty() {
        return Err("empty label name");
    }
    if !(label_text(name) && label_text(value)) {
        return Err("character not allowed in a label");
    }
    Ok(Some((name, value)))
}

/// Whether `text` holds label characters only (one loop for the name and
/// the value, not a chain of two).
fn label_text(text: &[u8]) -> bool {
    text.iter()
        // `-`, `.`, `/` and the digits are one range (0x2d..=0x39).
        .all(|&b| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'-'..=b'9' | b'_'))
}

/// `line` up to its comment, a `#` that begins the line or follows a
/// blank, with surrounding ASCII whitespace removed (also used by
/// [`crate::grace`]: one copy of the loop).
pub(crate) fn uncommented(line: &[u8]) -> &[u8] {
    let mut previous = b' ';
    let end = line.iter().position(|&b| {
        let comment = b == b'#' && previous.is_ascii_whitespace();
        previous = b;
        comment
    });
    line.get(..end.unwrap_or(line.len())).unwrap_or(line).trim_ascii()
}

/// Appends label bytes (ASCII, checked by [`label`]).
fn push(out: &mut StringView, bytes: &[u8]) -> Result<(), TooLong> {
    bytes
        .iter()
        // `& 0x7f` keeps them as they are and lets the compiler see one-byte chars.
        .try_for_each(|&b| out.push(char::from(b & 0x7f)).map_err(|_| TooLong))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // a failing test may panic
mod tests {
    use super::*;

    type Out = heapless::String<128>;

    fn labels(file: &[u8]) -> (Result<Out, TooLong>, Vec<(usize, &'static str)>) {
        let mut warnings = Vec::new();
        let mut out = Out::new();
        let result = node_labels(file, &mut out, &mut |w| warnings.push((w.line, w.reason)));
        (result.map(|()| out), warnings)
    }

    fn ok(file: &[u8]) -> String {
        let (out, warnings) = labels(file);
        assert_eq!(warnings, [], "{file:?}");
        out.unwrap().as_str().into()
    }

    #[test]
    fn empty_blank_and_comments() {
        for file in [
            &b""[..],
            b"\n",
            b"\n\n \t \r\n",
            b"# only: comments\n  # indented: too\n#\n",
        ] {
            assert_eq!(ok(file), "", "{file:?}");
        }
    }

    #[test]
    fn labels_joined() {
        assert_eq!(ok(b"a: b"), "a=b");
        assert_eq!(ok(b"a: b\n"), "a=b");
        let file = b"# kiOS node\nnode-role.kubernetes.io/worker:\n\ttopology.kubernetes.io/zone :\teu-west-1a  \r\nA_b.C-9:x # trailing\r\n";
        assert_eq!(
            ok(file),
            "node-role.kubernetes.io/worker=,topology.kubernetes.io/zone=eu-west-1a,A_b.C-9=x"
        );
        assert_eq!(ok(b"a:b #c: d\nx:\t#y"), "a=b,x=");
        // `#` inside a word is not a comment, and not a label character.
        assert_eq!(
            labels(b"a: b#c").1,
            [(1, "character not allowed in a label")]
        );
    }

    #[test]
    fn appends_to_existing_output() {
        let mut out = Out::try_from("keep").unwrap();
        assert_eq!(
            node_labels(b"a: b\nc: d", &mut out, &mut |_| panic!()),
            Ok(())
        );
        assert_eq!(out.as_str(), "keepa=b,c=d");
    }

    #[test]
    fn bad_lines_dropped_with_warning() {
        let file = b"ok: 1\nno colon\n: value\n  \t: v\na: b c\na: b,c=d\na=b: c\n-- --kubeconfig: /x\na: \"q\"\na: b: c\n\xc3\xa9: x\nz: \x00\nlast: 2";
        let (out, warnings) = labels(file);
        assert_eq!(out.unwrap().as_str(), "ok=1,last=2");
        let lines: Vec<usize> = warnings.iter().map(|w| w.0).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(warnings[0].1, "no `:` in label line");
        assert_eq!(
            (warnings[1].1, warnings[2].1),
            ("empty label name", "empty label name")
        );
        assert!(warnings[3..]
            .iter()
            .all(|w| w.1 == "character not allowed in a label"));
    }

    #[test]
    fn every_byte_outside_the_label_set_is_refused() {
        for b in 0..=255u8 {
            let allowed = b.is_ascii_alphanumeric() || b"._/-".contains(&b);
            let in_value = [b"k: a", &[b][..], b"z"].concat();
            let in_name = [b"a", &[b][..], b"z: v"].concat();
            for file in [in_value, in_name] {
                let (out, warnings) = labels(&file);
                let out = out.unwrap();
                assert_eq!(warnings.is_empty(), allowed, "{b:#x}");
                assert!(out
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._/-=".contains(&c)));
            }
        }
    }

    #[test]
    fn too_long() {
        let full = [b"a: ", &[b'x'; 126][..]].concat();
        assert_eq!(ok(&full).len(), 128);
        let over = [b"a: ", &[b'x'; 127][..]].concat();
        assert_eq!(labels(&over).0, Err(TooLong));
        assert_eq!(ok(&b"a: b\n".repeat(32)).len(), 127);
        assert_eq!(labels(&b"a: b\n".repeat(33)).0, Err(TooLong));
        let mut small = heapless::String::<7>::new();
        assert_eq!(node_labels(b"a: b\nc: d", &mut small, &mut |_| {}), Ok(()));
        assert_eq!(
            node_labels(b"a: b\nc: d\ne:", &mut small.clone(), &mut |_| {}),
            Err(TooLong)
        );
        assert_eq!(
            node_labels(b"a:", &mut heapless::String::<0>::new(), &mut |_| {}),
            Err(TooLong)
        );
        assert_eq!(
            node_labels(b"#", &mut heapless::String::<0>::new(), &mut |_| {}),
            Ok(())
        );
        // A huge file of comments and bad lines is not an error.
        let (out, warnings) = labels(&b"# c\nbad line\n".repeat(100_000));
        assert_eq!((out.unwrap().len(), warnings.len()), (0, 100_000));
        assert_eq!(warnings.last(), Some(&(200_000, "no `:` in label line")));
    }
}
