//! A stable hash of everything about a post that the search index holds.
//!
//! The index keeps each document's fingerprint; the service recomputes it from the post it
//! reads back from the store. A difference means the index has not caught up with an edit
//! (old text would be matching), so the service makes it catch up before answering.
//!
//! FNV-1a with fixed parameters: unlike `std`'s `DefaultHasher`, its output never changes
//! between Rust releases, which matters because fingerprints are stored on disk.

use crate::model::{Post, Visibility};

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(PRIME);
        }
    }

    /// A length-prefixed field, so that `("ab", "c")` and `("a", "bc")` differ.
    fn field(&mut self, b: &[u8]) {
        self.bytes(&(b.len() as u64).to_le_bytes());
        self.bytes(b);
    }
}

/// The fingerprint of the searchable content of `post`: text, language, author, tenant,
/// visibility, creation time, hashtag keys, resolved mentions and whether it has links.
pub fn fingerprint(post: &Post) -> u64 {
    let mut h = Fnv(OFFSET);
    h.field(post.tenant.as_str().as_bytes());
    h.field(&post.id.to_bytes());
    h.field(post.author.as_str().as_bytes());
    h.field(post.text.as_bytes());
    h.field(post.language.as_str().as_bytes());
    h.field(&post.created_at.timestamp_millis().to_le_bytes());
    match &post.visibility {
        Visibility::Organization => h.field(b"o"),
        Visibility::Group { group } => {
            h.field(b"g");
            h.field(group.as_str().as_bytes());
        }
        Visibility::Direct { recipients } => {
            h.field(b"d");
            for r in recipients {
                h.field(r.as_str().as_bytes());
            }
        }
    }
    h.field(b"#");
    for t in &post.hashtags {
        h.field(t.key.as_str().as_bytes());
        h.field(t.display.as_bytes());
    }
    h.field(b"@");
    for m in &post.mentions {
        h.field(m.person.as_str().as_bytes());
    }
    h.field(&[u8::from(!post.urls.is_empty())]);
    h.0
}
