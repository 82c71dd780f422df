use chrono::{DateTime, Utc};

use crate::ids::{PersonId, PostId};

/// The longest [`RequestKey`], in bytes: room for a UUID or a ULID with a prefix.
pub const MAX_REQUEST_KEY_BYTES: usize = 128;

/// A client's idempotency key for one write (publish, reply): the same key sent again with
/// the same request returns the first result and stores nothing new, so a client whose
/// call timed out can retry safely. Chosen by the client, unique per person (a UUID).
///
/// ```
/// use watercooler_core::RequestKey;
/// assert!(RequestKey::new("3f1c0a52-6a4e-4c11-9d7e-1b2b8f0e7c44").is_ok());
/// assert!(RequestKey::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct RequestKey(String);

impl RequestKey {
    /// A key: 1 to [`MAX_REQUEST_KEY_BYTES`] bytes, no control characters
    /// ([`crate::Error::Invalid`] otherwise).
    pub fn new(key: impl Into<String>) -> crate::Result<Self> {
        let key = key.into();
        if key.len() > MAX_REQUEST_KEY_BYTES {
            return Err(crate::Error::invalid(
                "request key",
                format!("{} bytes, at most {MAX_REQUEST_KEY_BYTES}", key.len()),
            ));
        }
        crate::check_id("request key", &key)?;
        Ok(RequestKey(key))
    }

    /// The key as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RequestKey {
    type Error = crate::Error;
    fn try_from(s: String) -> crate::Result<Self> {
        RequestKey::new(s)
    }
}

impl From<RequestKey> for String {
    fn from(k: RequestKey) -> String {
        k.0
    }
}

/// What a store keeps of a keyed write: who sent which key, a fingerprint of the request,
/// and the post it made. Kept as long as that post (deleted with it and with its author's
/// erasure).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RequestRecord {
    /// Who sent the request (the post's author).
    pub person: PersonId,
    /// The client's key.
    pub key: RequestKey,
    /// A fingerprint of the request's content: a retry must match it, or it is
    /// [`crate::Error::Conflict`].
    pub fingerprint: u64,
    /// The post the request made.
    pub post: PostId,
    /// When the request was first carried out.
    pub at: DateTime<Utc>,
}

impl RequestRecord {
    /// The error a store gives when `person` already has a request with this key
    /// ([`crate::Error::AlreadyExists`]; see `Store::insert_post_once`).
    pub fn already_exists(&self) -> crate::Error {
        crate::Error::AlreadyExists(format!(
            "request key {} of {}",
            self.key.as_str(),
            self.person
        ))
    }
}

/// A stable 64-bit FNV-1a fingerprint of a request's parts (each part is length-prefixed,
/// so `["ab", "c"]` and `["a", "bc"]` differ). Stable across builds and platforms: a retry
/// after an upgrade compares equal.
pub fn request_fingerprint<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for part in parts {
        eat(&(part.len() as u64).to_le_bytes());
        eat(part);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_parts_apart() {
        let a = request_fingerprint([&b"ab"[..], b"c"]);
        let b = request_fingerprint([&b"a"[..], b"bc"]);
        assert_ne!(a, b);
        assert_eq!(a, request_fingerprint([&b"ab"[..], b"c"]));
    }

    #[test]
    fn keys_are_checked() {
        assert!(RequestKey::new("k".repeat(MAX_REQUEST_KEY_BYTES)).is_ok());
        assert!(RequestKey::new("k".repeat(MAX_REQUEST_KEY_BYTES + 1)).is_err());
        assert!(RequestKey::new("a\0b").is_err());
    }
}
