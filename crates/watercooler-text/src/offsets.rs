//! Conversion between byte offsets and code-point or UTF-16 offsets.
//!
//! Entities carry byte ranges. Clients that index text differently (JavaScript and Java count
//! UTF-16 units, Ruby and Python code points) convert on request: [`convert_ranges`] converts
//! a whole batch in one forward pass over the text when the ranges are sorted (as
//! [`crate::Extractor::extract`] returns them), so converting every entity of a post costs
//! O(length of the text), not O(entities × length).

use std::ops::Range;

/// How offsets into a text are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OffsetUnit {
    /// UTF-8 bytes (Rust's own string indices).
    Byte,
    /// Unicode scalar values (Ruby, Python, twitter-text's Ruby port).
    CodePoint,
    /// UTF-16 code units (JavaScript, Java, twitter-text's JS and Java ports).
    Utf16,
}

/// Why an offset could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OffsetError {
    /// The offset lies past the end of the text.
    #[error("offset {offset} is past the end of the text ({len} in that unit)")]
    OutOfBounds {
        /// The offset asked for.
        offset: usize,
        /// Length of the text in the same unit.
        len: usize,
    },
    /// The byte offset falls inside a multi-byte character.
    #[error("byte offset {offset} is not on a character boundary")]
    NotCharBoundary {
        /// The offset asked for.
        offset: usize,
    },
    /// The UTF-16 offset falls between the two halves of a surrogate pair.
    #[error("UTF-16 offset {offset} falls inside a surrogate pair")]
    InsideSurrogatePair {
        /// The offset asked for.
        offset: usize,
    },
}

/// Number of `unit`s in `bytes` (valid UTF-8: a slice of a `str` between char boundaries).
fn count(bytes: &[u8], unit: OffsetUnit) -> usize {
    // Per byte: 1 if it starts a code point (is not a continuation byte), plus 1 more for UTF-16
    // if it starts a four-byte (astral) sequence. Summed in byte lanes over 64-byte chunks (at
    // most 128 per chunk, so a `u8` cannot overflow), which the compiler vectorises.
    let per_byte = |b: u8| -> u8 {
        let starts = u8::from(b & 0xC0 != 0x80);
        match unit {
            OffsetUnit::Utf16 => starts + u8::from(b >= 0xF0),
            _ => starts,
        }
    };
    if unit == OffsetUnit::Byte {
        return bytes.len();
    }
    let mut total = 0usize;
    let mut chunks = bytes.chunks_exact(64);
    for chunk in &mut chunks {
        total += usize::from(
            chunk
                .iter()
                .fold(0u8, |acc, &b| acc.wrapping_add(per_byte(b))),
        );
    }
    total
        + chunks
            .remainder()
            .iter()
            .map(|&b| usize::from(per_byte(b)))
            .sum::<usize>()
}

/// A position that only moves forward, so a sorted batch converts in one pass.
struct Cursor<'t> {
    text: &'t str,
    unit: OffsetUnit,
    byte: usize,
    units: usize,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str, unit: OffsetUnit) -> Self {
        Cursor {
            text,
            unit,
            byte: 0,
            units: 0,
        }
    }

    /// The offset in `unit` of the byte offset `byte`.
    fn unit_at(&mut self, byte: usize) -> Result<usize, OffsetError> {
        if byte > self.text.len() {
            return Err(OffsetError::OutOfBounds {
                offset: byte,
                len: self.text.len(),
            });
        }
        if !self.text.is_char_boundary(byte) {
            return Err(OffsetError::NotCharBoundary { offset: byte });
        }
        if byte < self.byte {
            // Unsorted input: still correct, just no longer a single pass.
            self.byte = 0;
            self.units = 0;
        }
        let bytes = self.text.as_bytes().get(self.byte..byte).unwrap_or(&[]);
        self.units += count(bytes, self.unit);
        self.byte = byte;
        Ok(self.units)
    }

    /// The byte offset of the offset `offset` counted in `unit`.
    fn byte_at(&mut self, offset: usize) -> Result<usize, OffsetError> {
        if offset < self.units {
            self.byte = 0;
            self.units = 0;
        }
        let bytes = self.text.as_bytes();
        while self.units < offset {
            let Some(&lead) = bytes.get(self.byte) else {
                return Err(OffsetError::OutOfBounds {
                    offset,
                    len: self.units + count(bytes.get(self.byte..).unwrap_or(&[]), self.unit),
                });
            };
            let (char_len, units) = match lead {
                0x00..=0x7F => (1, 1),
                0xC0..=0xDF => (2, 1),
                0xE0..=0xEF => (3, 1),
                _ => (4, if self.unit == OffsetUnit::Utf16 { 2 } else { 1 }),
            };
            let (char_len, units) = if self.unit == OffsetUnit::Byte {
                (1, 1)
            } else {
                (char_len, units)
            };
            if self.units + units > offset {
                return Err(OffsetError::InsideSurrogatePair { offset });
            }
            self.byte += char_len;
            self.units += units;
        }
        if !self.text.is_char_boundary(self.byte) {
            return Err(OffsetError::NotCharBoundary { offset });
        }
        Ok(self.byte)
    }
}

/// Converts one byte offset of `text` into `unit`.
///
/// ```
/// use watercooler_text::{byte_to_offset, OffsetUnit};
/// let text = "é🙂x";
/// assert_eq!(byte_to_offset(text, 6, OffsetUnit::CodePoint), Ok(2));
/// assert_eq!(byte_to_offset(text, 6, OffsetUnit::Utf16), Ok(3));
/// ```
pub fn byte_to_offset(text: &str, byte: usize, unit: OffsetUnit) -> Result<usize, OffsetError> {
    Cursor::new(text, unit).unit_at(byte)
}

/// Converts one offset of `text` counted in `unit` into a byte offset.
///
/// ```
/// use watercooler_text::{offset_to_byte, OffsetUnit};
/// let text = "é🙂x";
/// assert_eq!(offset_to_byte(text, 3, OffsetUnit::Utf16), Ok(6));
/// assert!(offset_to_byte(text, 2, OffsetUnit::Utf16).is_err()); // inside the emoji
/// ```
pub fn offset_to_byte(text: &str, offset: usize, unit: OffsetUnit) -> Result<usize, OffsetError> {
    Cursor::new(text, unit).byte_at(offset)
}

/// Converts a batch of byte ranges of `text` into `unit`: one forward pass over the text when
/// the ranges are sorted by start with non-decreasing ends (as non-overlapping entities are);
/// still correct, but slower, otherwise.
///
/// ```
/// use watercooler_text::{convert_ranges, Extractor, OffsetUnit};
/// let text = "🙂 #tag";
/// let ranges: Vec<_> = Extractor::default().extract(text).iter().map(|e| e.range()).collect();
/// assert_eq!(convert_ranges(text, &ranges, OffsetUnit::Utf16), Ok(vec![3..7]));
/// ```
pub fn convert_ranges(
    text: &str,
    ranges: &[Range<usize>],
    unit: OffsetUnit,
) -> Result<Vec<Range<usize>>, OffsetError> {
    let mut out = Vec::with_capacity(ranges.len());
    convert_ranges_into(text, ranges, unit, &mut out)?;
    Ok(out)
}

/// Like [`convert_ranges`], into a buffer the caller reuses (`out` is cleared first). On error
/// `out` holds the ranges converted before the failing one.
pub fn convert_ranges_into(
    text: &str,
    ranges: &[Range<usize>],
    unit: OffsetUnit,
    out: &mut Vec<Range<usize>>,
) -> Result<(), OffsetError> {
    out.clear();
    let mut cursor = Cursor::new(text, unit);
    for r in ranges {
        let start = cursor.unit_at(r.start)?;
        let end = cursor.unit_at(r.end)?;
        out.push(start..end);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_each_unit() {
        let t = "aé中🙂b";
        // bytes: a=0, é=1..3, 中=3..6, 🙂=6..10, b=10..11
        assert_eq!(byte_to_offset(t, 10, OffsetUnit::Byte), Ok(10));
        assert_eq!(byte_to_offset(t, 10, OffsetUnit::CodePoint), Ok(4));
        assert_eq!(byte_to_offset(t, 10, OffsetUnit::Utf16), Ok(5));
        assert_eq!(byte_to_offset(t, 11, OffsetUnit::Utf16), Ok(6));
        assert_eq!(offset_to_byte(t, 4, OffsetUnit::CodePoint), Ok(10));
        assert_eq!(offset_to_byte(t, 5, OffsetUnit::Utf16), Ok(10));
        assert_eq!(offset_to_byte(t, 0, OffsetUnit::Utf16), Ok(0));
    }

    #[test]
    fn rejects_bad_offsets() {
        let t = "é🙂";
        assert_eq!(
            byte_to_offset(t, 1, OffsetUnit::CodePoint),
            Err(OffsetError::NotCharBoundary { offset: 1 })
        );
        assert_eq!(
            byte_to_offset(t, 7, OffsetUnit::Utf16),
            Err(OffsetError::OutOfBounds { offset: 7, len: 6 })
        );
        assert_eq!(
            offset_to_byte(t, 2, OffsetUnit::Utf16),
            Err(OffsetError::InsideSurrogatePair { offset: 2 })
        );
        assert_eq!(
            offset_to_byte(t, 4, OffsetUnit::Utf16),
            Err(OffsetError::OutOfBounds { offset: 4, len: 3 })
        );
        assert_eq!(
            offset_to_byte(t, 3, OffsetUnit::Byte),
            Err(OffsetError::NotCharBoundary { offset: 3 })
        );
    }

    #[test]
    fn unsorted_batches_are_still_correct() {
        let t = "ab🙂cd🙂ef";
        let ranges = [6..8, 0..2, 2..6];
        assert_eq!(
            convert_ranges(t, &ranges, OffsetUnit::Utf16),
            Ok(vec![4..6, 0..2, 2..4])
        );
    }
}
