//! Identifiers. Tenants, people and groups are named by the host's own strings; posts get
//! time-ordered 128-bit ids (UUIDv7 layout) so that ordering and cursors are cheap.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

/// The longest tenant, person or group id, in UTF-8 bytes. HR keys are far shorter; the
/// limit keeps every id well inside what every store and the search index keep whole
/// (tantivy cuts indexed terms at 65,535 bytes, and every index term holds a tenant id).
pub const MAX_ID_BYTES: usize = 256;

/// Checks a host-supplied id (see [`MAX_ID_BYTES`] and `docs/storage.md`, "Identifiers"):
/// not empty, at most [`MAX_ID_BYTES`] bytes of UTF-8, and no control characters (NUL,
/// line breaks, tabs, DEL, C1): PostgreSQL cannot store NUL in text, and control characters
/// in ids only ever come from bugs or attacks. Any other Unicode is allowed and compared
/// byte for byte (no normalisation: `é` and `e` + combining accent are different ids).
///
/// `what` names the id in the error ("tenant id", "person id", "group id").
pub fn check_id(what: &'static str, id: &str) -> crate::Result<()> {
    if id.is_empty() {
        return Err(crate::Error::invalid(what, "empty"));
    }
    if id.len() > MAX_ID_BYTES {
        return Err(crate::Error::invalid(
            what,
            format!("{} bytes, at most {MAX_ID_BYTES}", id.len()),
        ));
    }
    if let Some((at, c)) = id.char_indices().find(|(_, c)| c.is_control()) {
        return Err(crate::Error::invalid(
            what,
            format!("control character U+{:04X} at byte {at}", u32::from(c)),
        ));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        pub struct $name(String);

        impl $name {
            /// Wraps the host's identifier.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The identifier as the host gave it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Checks the id with [`check_id`]: [`crate::Error::Invalid`] naming the id
            /// and why when it is empty, too long or holds a control character.
            pub fn check(&self) -> crate::Result<()> {
                check_id($what, &self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// One client company. Every call and every stored row is scoped to a tenant.
    TenantId,
    "tenant id"
);
string_id!(
    /// A person, by the host's HR id. Unique within a tenant only.
    PersonId,
    "person id"
);
string_id!(
    /// A group (department, team or community), by the host's id. Unique within a tenant only.
    GroupId,
    "group id"
);

/// A post's id: 48 bits of Unix milliseconds followed by 80 bits that keep ids made in the
/// same millisecond unique and increasing (the UUIDv7 layout). Sorting ids sorts posts by
/// creation time, which is what chronological feeds and their cursors rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostId(u128);

impl PostId {
    /// The smallest id: before every post.
    pub const MIN: PostId = PostId(0);
    /// The largest id: after every post.
    pub const MAX: PostId = PostId(u128::MAX);

    /// Builds an id from a creation time and a discriminator that makes it unique within
    /// that millisecond. The version and variant bits of UUIDv7 are set.
    pub fn from_parts(created_at: DateTime<Utc>, discriminator: u64) -> Self {
        let ms = created_at.timestamp_millis().clamp(0, (1 << 48) - 1) as u128;
        // 12 bits of rand_a and 62 bits of rand_b carry the discriminator's low 74 bits
        // (only 64 exist), keeping order within a millisecond.
        let d = discriminator as u128;
        let rand_a = (d >> 62) & 0xfff;
        let rand_b = d & ((1u128 << 62) - 1);
        PostId((ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)
    }

    /// The millisecond timestamp encoded in the id.
    pub fn timestamp_millis(self) -> i64 {
        (self.0 >> 80) as i64
    }

    /// The creation time encoded in the id (millisecond precision).
    pub fn created_at(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.timestamp_millis()).unwrap_or_default()
    }

    /// The id as a 128-bit number.
    pub fn as_u128(self) -> u128 {
        self.0
    }

    /// Rebuilds an id from its 128-bit number (as stored by a backend).
    pub fn from_u128(v: u128) -> Self {
        PostId(v)
    }

    /// The 16 big-endian bytes (sorts like the id).
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// Rebuilds an id from 16 big-endian bytes.
    pub fn from_bytes(b: [u8; 16]) -> Self {
        PostId(u128::from_be_bytes(b))
    }

    /// The id as a `uuid::Uuid`.
    pub fn to_uuid(self) -> uuid::Uuid {
        uuid::Uuid::from_u128(self.0)
    }
}

impl fmt::Display for PostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&uuid::Uuid::from_u128(self.0).hyphenated(), f)
    }
}

impl std::str::FromStr for PostId {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s)
            .map(|u| PostId(u.as_u128()))
            .map_err(|_| crate::Error::invalid("post id", "not a UUID"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PostId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PostId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Makes post ids that strictly increase within this process, even when the clock stands
/// still or steps back (a fixed test clock, NTP adjustments).
#[derive(Debug)]
pub struct PostIdGenerator {
    last: AtomicU64,
    salt: u64,
}

impl PostIdGenerator {
    /// A generator whose ids from different processes are told apart by `salt` (a random
    /// value, or a server number). The salt fills the low bits of the discriminator.
    pub fn new(salt: u64) -> Self {
        PostIdGenerator {
            last: AtomicU64::new(0),
            salt,
        }
    }

    /// The next id for a post created at `now`.
    ///
    /// The counter is kept in units of 2^20 per millisecond: the high 44 bits are the
    /// millisecond (kept monotonic), the low 20 bits count within it, and the salt goes into
    /// the remaining discriminator bits.
    pub fn next(&self, now: DateTime<Utc>) -> PostId {
        let ms = now.timestamp_millis().clamp(0, (1 << 44) - 1) as u64;
        let floor = ms << 20;
        let mut prev = self.last.load(Ordering::Relaxed);
        let next = loop {
            let candidate = floor.max(prev + 1);
            match self.last.compare_exchange_weak(
                prev,
                candidate,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break candidate,
                Err(p) => prev = p,
            }
        };
        let ms_used = (next >> 20) as i64;
        let counter = next & 0xfffff;
        let at = DateTime::from_timestamp_millis(ms_used).unwrap_or(now);
        PostId::from_parts(at, (counter << 44) | (self.salt & ((1 << 44) - 1)))
    }
}

impl Default for PostIdGenerator {
    fn default() -> Self {
        // Distinguish processes without a random-number dependency: time and pid suffice to
        // make collisions between two servers publishing in the same millisecond unlikely,
        // and the store's primary key turns the rare collision into `AlreadyExists` (the call
        // fails and stores nothing; publishing again makes a new id).
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        PostIdGenerator::new(t ^ ((std::process::id() as u64) << 32))
    }
}

/// A change-log sequence number: strictly increasing across the whole store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Seq(pub u64);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ids_are_checked() {
        assert!(TenantId::new("acme").check().is_ok());
        assert!(PersonId::new("émile.dupont@acme.nl").check().is_ok());
        assert!(GroupId::new("g".repeat(MAX_ID_BYTES)).check().is_ok());
        let long = GroupId::new("g".repeat(MAX_ID_BYTES + 1))
            .check()
            .unwrap_err();
        assert!(long.to_string().contains("group id"), "{long}");
        assert!(long.to_string().contains("257 bytes"), "{long}");
        let nul = GroupId::new("g-\0secret").check().unwrap_err();
        assert!(nul.to_string().contains("U+0000 at byte 2"), "{nul}");
        assert!(PersonId::new("").check().is_err());
        assert!(TenantId::new("a\nb").check().is_err());
        assert!(TenantId::new("a\u{85}b").check().is_err());
        // Multi-byte characters count in bytes: 129 × 2 bytes is over the limit.
        assert!(PersonId::new("é".repeat(129)).check().is_err());
    }

    #[test]
    fn ids_increase_even_with_a_stopped_clock() {
        let g = PostIdGenerator::new(42);
        let now = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
        let mut last = PostId::MIN;
        for _ in 0..10_000 {
            let id = g.next(now);
            assert!(id > last);
            last = id;
        }
        // The clock stepping back does not make ids go back.
        let earlier = DateTime::from_timestamp(1_000_000_000, 0).unwrap();
        assert!(g.next(earlier) > last);
    }

    #[test]
    fn id_round_trips_through_text_and_keeps_time() {
        let now = DateTime::from_timestamp_millis(1_360_000_000_123).unwrap();
        let id = PostIdGenerator::new(7).next(now);
        assert_eq!(id.created_at(), now);
        let s = id.to_string();
        assert_eq!(s.parse::<PostId>().unwrap(), id);
        assert_eq!(id.to_uuid().get_version_num(), 7);
    }
}
