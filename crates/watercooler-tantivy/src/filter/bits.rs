//! A set of one segment's documents as 64-bit words, for membership tests in hot loops
//! and for combining whole sets a word at a time.
//!
//! tantivy's `BitSet` reads a word through a method that is not inlined into another
//! crate, so a loop over its words costs a call per word; combining the sets a filter-only
//! query needs (see [`crate::dense`]) word by word was slower than reading postings.

use std::ops::Range;

use tantivy::DocId;

/// Documents `0..max_doc` of one segment, a bit each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DocBits {
    words: Box<[u64]>,
}

impl DocBits {
    /// The empty set of a segment of `max_doc` documents.
    pub(crate) fn new(max_doc: DocId) -> DocBits {
        DocBits {
            words: vec![0; (max_doc as usize).div_ceil(64)].into_boxed_slice(),
        }
    }

    /// Adds `doc` (ignored beyond the segment: postings never hold such a document).
    #[inline]
    pub(crate) fn insert(&mut self, doc: DocId) {
        if let Some(w) = self.words.get_mut((doc / 64) as usize) {
            *w |= 1 << (doc % 64);
        }
    }

    /// Whether `doc` is in the set.
    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.word((doc / 64) as usize) & (1 << (doc % 64)) != 0
    }

    /// Word `i`: documents `64 i .. 64 i + 64`, the lowest bit first (0 beyond the end).
    #[inline]
    pub(crate) fn word(&self, i: usize) -> u64 {
        self.words.get(i).copied().unwrap_or(0)
    }

    /// The words (see [`Self::word`]).
    pub(crate) fn words(&self) -> &[u64] {
        &self.words
    }

    /// The members, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| Ones {
            word: w,
            base: (i as DocId) * 64,
        })
    }

    /// Heap bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.words.len() * 8
    }
}

/// The set bits of one word, ascending.
struct Ones {
    word: u64,
    base: DocId,
}

impl Iterator for Ones {
    type Item = DocId;

    #[inline]
    fn next(&mut self) -> Option<DocId> {
        if self.word == 0 {
            return None;
        }
        let bit = self.word.trailing_zeros();
        self.word &= self.word - 1;
        Some(self.base + bit)
    }
}

/// The set bits of `word`, highest first, as documents of word `index`.
#[inline]
pub(crate) fn descending(mut word: u64, index: usize) -> impl Iterator<Item = DocId> {
    let base = (index as DocId) * 64;
    std::iter::from_fn(move || {
        if word == 0 {
            return None;
        }
        let bit = 63 - word.leading_zeros();
        word &= !(1u64 << bit);
        Some(base + bit)
    })
}

/// The words of a [`DocBits`] that hold the documents `docs`.
pub(crate) fn words_of(docs: Range<DocId>) -> Range<usize> {
    if docs.is_empty() {
        return 0..0;
    }
    docs.start as usize / 64..(docs.end as usize).div_ceil(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_words_and_order() {
        let mut b = DocBits::new(130);
        assert_eq!(b.words().len(), 3);
        for doc in [0, 63, 64, 129, 500] {
            b.insert(doc);
        }
        assert!(b.contains(0) && b.contains(63) && b.contains(64) && b.contains(129));
        assert!(!b.contains(1) && !b.contains(500) && !b.contains(u32::MAX));
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 63, 64, 129]);
        assert_eq!(b.word(1), 1);
        assert_eq!(b.word(9), 0);
        let down: Vec<DocId> = (0..b.words().len())
            .rev()
            .flat_map(|i| descending(b.word(i), i))
            .collect();
        assert_eq!(down, vec![129, 64, 63, 0]);
        assert_eq!(DocBits::new(0).iter().count(), 0);
    }
}
