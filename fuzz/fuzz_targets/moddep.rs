//! moddep: `names`, `parse_line`, `module_name`, `same_name`,
//! `is_compressed` on arbitrary text, and `find_line` streaming it through
//! a small buffer in small reads, checked against a plain search of the
//! whole text. Input: buffer size, read size, name length, the name, then
//! the file.
#![no_main]
use kios::moddep::{find_line, is_compressed, module_name, names, parse_line, same_name, Line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [size, chunk, name_len, rest @ ..] = input else { return };
    let (size, chunk) = (usize::from(*size), usize::from(*chunk).max(1));
    let (name, file) = rest.split_at(usize::from(*name_len).min(rest.len()));

    for item in names(file) {
        assert!(!item.is_empty() && !item.contains(&b','));
    }
    for text in file.split(|&b| b == b'\n') {
        let Some(line) = parse_line(text) else { continue };
        let path = line.path;
        assert!(!path.is_empty() && !path.contains(&b':'), "{path:?}");
        assert!(!path[0].is_ascii_whitespace() && !path[path.len() - 1].is_ascii_whitespace());
        for dep in line.load_order() {
            assert!(!dep.is_empty() && !dep.iter().any(u8::is_ascii_whitespace), "{dep:?}");
        }
        let module = module_name(path);
        assert!(!module.contains(&b'/') && !module.contains(&b'.'));
        assert!(line.is(module) && same_name(module, module));
        assert_eq!(same_name(module, name), same_name(name, module));
        if is_compressed(path) {
            assert!(!path.ends_with(b".ko"));
        }
    }

    // find_line against the first line under `size` bytes that names the module.
    let expected: Option<Line> = file
        .split(|&b| b == b'\n')
        .filter(|text| text.len() < size)
        .filter_map(parse_line)
        .find(|line| line.is(name));
    let mut unread = file;
    let mut read = |out: &mut [u8]| -> Result<usize, ()> {
        let n = chunk.min(out.len()).min(unread.len());
        out[..n].copy_from_slice(&unread[..n]);
        unread = &unread[n..];
        Ok(n)
    };
    let mut buf = vec![0u8; size];
    let found = find_line(&mut buf, &mut read, name).unwrap();
    assert_eq!(found, expected, "buffer {size}, reads of {chunk}");
    if let (Some(found), Some(expected)) = (found, expected) {
        assert!(found.load_order().eq(expected.load_order()));
    }
});
