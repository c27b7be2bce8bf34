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
pub struct Warning<'a> {
    /// The line number, 1-based.
    pub line: usize,
    /// Why it was dropped.
    pub reason: &'static str,
    /// The label's name when the line was a valid label that did not fit
    /// (reason [`TOO_LONG`]); empty otherwise.
    pub name: &'a [u8],
}

/// The reason of a valid label dropped because it would not fit.
/// (A console line shows the label's name right after it.)
pub const TOO_LONG: &str = "label does not fit in --node-labels: ";

/// Appends `name=value` pairs joined by `,` to `out`. `# comment` lines, blank lines, `name: value`
/// with any whitespace (spaces/tabs) around name and value, end-of-line `# comments`.
/// A line with no `:`, an empty name, or any character outside [A-Za-z0-9._/-] in name or value
/// is dropped whole with a warning (never let another character through: no argument injection,
/// no `,` or `=` smuggling). An empty value is allowed (`name=`). A label that would not fit in
/// what is left of `out` is dropped whole with a warning naming it ([`TOO_LONG`]); the labels
/// before it are kept, and a shorter one after it still goes in.
pub fn node_labels<'f, const N: usize>(file: &'f [u8], out: &mut heapless::String<N>, warn: &mut dyn FnMut(Warning<'f>)) {
    append(file, out.as_mut_view(), warn);
}

/// [`node_labels`] for any capacity (one copy of the code in the binary).
fn append<'f>(file: &'f [u8], out: &mut StringView, warn: &mut dyn FnMut(Warning<'f>)) {
    let mut first = true;
    for (index, line) in file.split(|&b| b == b'\n').enumerate() {
        let line_number = index.wrapping_add(1); // a line index cannot be usize::MAX
        let (name, value) = match label(line) {
            Ok(Some(pair)) => pair,
            Ok(None) => continue,
            Err(reason) => {
                warn(Warning { line: line_number, reason, name: b"" });
                continue;
            }
        };
        // `,name=value`: a few bytes each, far from overflowing.
        let needed = usize::from(!first).wrapping_add(name.len()).wrapping_add(1).wrapping_add(value.len());
        if needed > out.capacity().saturating_sub(out.len()) {
            warn(Warning { line: line_number, reason: TOO_LONG, name });
            continue;
        }
        if !first {
            push(out, b",");
        }
        first = false;
        push(out, name);
        push(out, b"=");
        push(out, value);
    }
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

/// Appends label bytes (ASCII, checked by [`label`]; the room for them
/// was checked by [`append`]).
fn push(out: &mut StringView, bytes: &[u8]) {
    for &b in bytes {
        // `& 0x7f` keeps them as they are and lets the compiler see one-byte chars.
        let _ = out.push(char::from(b & 0x7f));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // a failing test may panic
mod tests {
    use super::*;

    type Out = heapless::String<128>;

    fn labels(file: &[u8]) -> (Out, Vec<(usize, &'static str)>) {
        let mut warnings = Vec::new();
        let mut out = Out::new();
        node_labels(file, &mut out, &mut |w| warnings.push((w.line, w.reason)));
        (out, warnings)
    }

    fn ok(file: &[u8]) -> String {
        let (out, warnings) = labels(file);
        assert_eq!(warnings, [], "{file:?}");
        out.as_str().into()
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
        node_labels(b"a: b\nc: d", &mut out, &mut |_| panic!());
        assert_eq!(out.as_str(), "keepa=b,c=d");
    }

    #[test]
    fn bad_lines_dropped_with_warning() {
        let file = b"ok: 1\nno colon\n: value\n  \t: v\na: b c\na: b,c=d\na=b: c\n-- --kubeconfig: /x\na: \"q\"\na: b: c\n\xc3\xa9: x\nz: \x00\nlast: 2";
        let (out, warnings) = labels(file);
        assert_eq!(out.as_str(), "ok=1,last=2");
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
                assert_eq!(warnings.is_empty(), allowed, "{b:#x}");
                assert!(out
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._/-=".contains(&c)));
            }
        }
    }

    #[test]
    fn labels_that_do_not_fit_are_dropped_one_by_one() {
        let full = [b"a: ", &[b'x'; 126][..]].concat();
        assert_eq!(ok(&full).len(), 128);
        let over = [b"a: ", &[b'x'; 127][..]].concat();
        assert_eq!(labels(&over), (Out::new(), vec![(1, TOO_LONG)]));
        assert_eq!(ok(&b"a: b\n".repeat(32)).len(), 127);
        let (out, warnings) = labels(&b"a: b\n".repeat(33));
        assert_eq!((out.len(), warnings), (127, vec![(33, TOO_LONG)]));
        // The labels that fit are kept, a shorter one after a long one too,
        // and each dropped one is named.
        let file = [&b"first: 1\nlong: "[..], &[b'y'; 200][..], b"\nbad line\nshort: 2\nlong2: ", &[b'z'; 120][..], b"\n"].concat();
        let mut names = Vec::new();
        let mut out = Out::new();
        node_labels(&file, &mut out, &mut |w| names.push((w.line, w.reason, w.name.to_vec())));
        assert_eq!(out.as_str(), "first=1,short=2");
        assert_eq!(
            names,
            [(2, TOO_LONG, b"long".to_vec()), (3, "no `:` in label line", vec![]), (5, TOO_LONG, b"long2".to_vec())]
        );
        let mut small = heapless::String::<7>::new();
        node_labels(b"a: b\nc: d\ne:", &mut small, &mut |_| {});
        assert_eq!(small.as_str(), "a=b,c=d");
        let mut none = heapless::String::<0>::new();
        node_labels(b"a:", &mut none, &mut |w| assert_eq!(w.reason, TOO_LONG));
        // A huge file of comments and bad lines is not an error.
        let (out, warnings) = labels(&b"# c\nbad line\n".repeat(100_000));
        assert_eq!((out.len(), warnings.len()), (0, 100_000));
        assert_eq!(warnings.last(), Some(&(200_000, "no `:` in label line")));
    }
}
