//! Containment of explicit bidi controls (Trojan Source, CVE-2021-42574).
//!
//! Explicit controls are the embeddings and overrides U+202A..U+202E (LRE RLE PDF LRO RLO)
//! and the isolates U+2066..U+2069 (LRI RLI FSI PDI). Marks (LRM, RLM, ALM) have no scope
//! and are left alone.
//!
//! A piece of text is made harmless by putting it in its own isolate (`<bdi>`): the bidi
//! algorithm closes every embedding, override and isolate opened inside an isolate at its
//! end, and a PDF inside cannot close anything outside. The one character that can still
//! escape is an unmatched PDI: it closes the `<bdi>` itself (browsers model the element as
//! FSI … PDI), letting the rest of the piece, and the unclosed controls in it, out. So before
//! every unmatched PDI an FSI is inserted, making an empty isolate of it. Nothing else of the
//! text changes.

/// FIRST STRONG ISOLATE, inserted to pair an unmatched PDI.
pub(crate) const FSI: char = '\u{2068}';

/// Counts the isolates open in a piece of text, to find the PDIs that close none.
#[derive(Debug, Default)]
pub(crate) struct IsolateBalance {
    open: usize,
}

impl IsolateBalance {
    /// An isolate initiator (LRI, RLI, FSI) was written.
    ///
    /// Counted whatever the nesting depth: past the bidi algorithm's depth limit (125) they
    /// become overflow isolates, which a PDI still matches.
    pub(crate) fn open(&mut self) {
        self.open += 1;
    }

    /// A PDI is about to be written: returns `true` if it closes nothing, so an FSI must go
    /// before it.
    pub(crate) fn close_needs_fsi(&mut self) -> bool {
        if self.open == 0 {
            true
        } else {
            self.open -= 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unmatched_pdis_need_an_fsi() {
        let mut b = IsolateBalance::default();
        assert!(b.close_needs_fsi());
        b.open();
        b.open();
        assert!(!b.close_needs_fsi());
        assert!(!b.close_needs_fsi());
        assert!(b.close_needs_fsi());
    }
}
