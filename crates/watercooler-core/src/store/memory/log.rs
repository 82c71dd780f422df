//! The store-wide change log.

use chrono::{DateTime, Utc};

use crate::ids::{PostId, Seq, TenantId};
use crate::model::{Change, ChangeKind};

/// Entries per chunk. The log grows in fixed chunks rather than one `Vec` that doubles, so
/// an append never copies the whole log (which showed as multi-millisecond publish tails
/// at a few hundred thousand entries).
const CHUNK: usize = 4096;

/// Every change, in order. Entry `i` has seq `i + 1`, so seqs are strictly increasing
/// across tenants and a lookup by seq is an index.
#[derive(Debug, Default)]
pub(super) struct ChangeLog {
    chunks: Vec<Vec<Change>>,
    len: usize,
}

impl ChangeLog {
    /// Appends an entry; returns its seq.
    pub(super) fn push(
        &mut self,
        tenant: &TenantId,
        post: PostId,
        kind: ChangeKind,
        at: DateTime<Utc>,
    ) -> Seq {
        let seq = Seq(self.len as u64 + 1);
        let change = Change {
            seq,
            tenant: tenant.clone(),
            post,
            kind,
            at,
        };
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(change),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(change);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
        seq
    }

    /// Entries with seq above `after`, at most `limit`.
    pub(super) fn after(&self, after: Seq, limit: usize) -> Vec<Change> {
        // Seq `s` sits at index `s - 1`, so the first entry after `after` is at `after`.
        let start = usize::try_from(after.0).unwrap_or(usize::MAX).min(self.len);
        let end = start.saturating_add(limit).min(self.len);
        (start..end)
            .filter_map(|i| self.chunks.get(i / CHUNK)?.get(i % CHUNK).cloned())
            .collect()
    }

    /// The newest seq (0 when empty).
    pub(super) fn last(&self) -> Seq {
        Seq(self.len as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seqs_are_contiguous_across_chunks() {
        let mut log = ChangeLog::default();
        let t = TenantId::new("t");
        let at = DateTime::from_timestamp(0, 0).unwrap();
        for i in 0..(CHUNK as u64 * 2 + 5) {
            assert_eq!(
                log.push(&t, PostId::from_u128(i.into()), ChangeKind::Created, at),
                Seq(i + 1)
            );
        }
        let page = log.after(Seq(CHUNK as u64 - 2), 4);
        let seqs: Vec<u64> = page.iter().map(|c| c.seq.0).collect();
        let c = CHUNK as u64;
        assert_eq!(seqs, vec![c - 1, c, c + 1, c + 2]);
        assert!(log.after(log.last(), 10).is_empty());
        assert!(log.after(Seq(u64::MAX), 10).is_empty());
        assert_eq!(log.after(Seq(0), usize::MAX).len(), CHUNK * 2 + 5);
    }
}
