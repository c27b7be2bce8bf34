//! Static text known by one pointer: its end is marked by a control byte
//! after it, so a console format (`log::Format`, whose level byte follows
//! its printable text) travels as a pointer alone.

/// A `'static` text, as a pointer to its first byte: the text runs up to
/// its first byte below 0x20, its end mark (not part of the text).
#[derive(Clone, Copy)]
pub struct MarkedText(*const u8);

impl MarkedText {
    /// `text` up to its first byte below 0x20, which it must hold (a
    /// compile error in a `const` block otherwise).
    pub const fn new(text: &'static [u8]) -> MarkedText {
        let mut rest = text;
        while let [first, tail @ ..] = rest {
            if *first < 0x20 {
                break;
            }
            rest = tail;
        }
        assert!(!rest.is_empty(), "a marked text has no end mark");
        MarkedText(text.as_ptr())
    }

    /// The text and its end mark.
    pub fn split(self) -> (&'static [u8], u8) {
        let mut len = 0;
        // SAFETY: `new` took the pointer from a `'static` slice holding a
        // byte below 0x20: each byte read here, up to and including the
        // first such byte, is within that slice, which is never written.
        unsafe {
            while *self.0.add(len) >= 0x20 {
                len += 1;
            }
            (core::slice::from_raw_parts(self.0, len), *self.0.add(len))
        }
    }
}
