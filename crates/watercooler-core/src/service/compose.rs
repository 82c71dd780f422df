//! Turning typed text into a post's text and entities: NFC, validation, extraction, and
//! resolution of mentions within the tenant (kept only for people who may see the post).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::{DateTime, Utc};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use watercooler_text::{EntityKind, HandleKey, handle_key, hashtag_key};

use super::Watercooler;
use crate::access::Access;
use crate::error::Result;
use crate::ids::{PersonId, PostId, TenantId};
use crate::model::{HashtagRef, MentionRef, NewNotification, NotificationKind, UrlRef, Visibility};

/// NFC never shrinks text by more than 3× (three Hangul jamo compose to one syllable), so
/// typed text longer than this many times the limit cannot pass it: it is refused before
/// normalising.
const MAX_NFC_SHRINK: usize = 3;

/// A validated text with its entities; mentions not yet resolved.
#[derive(Debug)]
pub(crate) struct Composed {
    pub(crate) text: String,
    pub(crate) hashtags: Vec<HashtagRef>,
    pub(crate) urls: Vec<UrlRef>,
    /// (key, handle as typed, range) of each `@mention`, in text order.
    mentions: Vec<(HandleKey, Range<usize>, Range<usize>)>,
}

impl Watercooler {
    /// Normalises `raw` to NFC, validates it against the limits and extracts its entities.
    /// Any problem is [`crate::Error::Invalid`] with the typed text error.
    pub(crate) fn compose(&self, raw: &str) -> Result<Composed> {
        let limits = &self.inner.options.limits;
        if raw.len() > limits.max_bytes.saturating_mul(MAX_NFC_SHRINK + 1) {
            // The cheapest check of `check_text` is the byte length: it reports the size.
            limits.check_text(raw)?;
        }
        let text: String = if is_nfc_quick(raw.chars()) == IsNormalized::Yes {
            raw.to_owned()
        } else {
            raw.nfc().collect()
        };
        // Text first, so an oversized text is never parsed; then the entities.
        limits.check_text(&text)?;
        let entities = self.inner.options.extractor.extract(&text);
        limits.check_entities(&text, &entities)?;

        let mut hashtags = Vec::new();
        let mut urls = Vec::new();
        let mut mentions = Vec::new();
        for e in &entities {
            let value = e.value(&text);
            match e.kind() {
                EntityKind::Hashtag => {
                    let key = hashtag_key(value);
                    if !key.is_empty() {
                        hashtags.push(HashtagRef {
                            key,
                            display: value.to_owned(),
                            range: e.range(),
                        });
                    }
                }
                EntityKind::Mention => {
                    let key = handle_key(value);
                    if !key.is_empty() {
                        mentions.push((key, e.value_range(), e.range()));
                    }
                }
                EntityKind::Url => urls.push(UrlRef {
                    url: value.to_owned(),
                    range: e.range(),
                }),
                // Cashtags are not part of the model.
                _ => {}
            }
        }
        Ok(Composed {
            text,
            hashtags,
            urls,
            mentions,
        })
    }

    /// Resolves the mentions of `c` to people of `tenant`, keeping only those who may see
    /// a post by `author` with `visibility` (a mention never grants access; the others stay
    /// plain text).
    pub(crate) async fn resolve_mentions(
        &self,
        tenant: &TenantId,
        author: &PersonId,
        visibility: &Visibility,
        c: &Composed,
    ) -> Result<Vec<MentionRef>> {
        if c.mentions.is_empty() {
            return Ok(Vec::new());
        }
        let mut keys: Vec<HandleKey> = c.mentions.iter().map(|m| m.0.clone()).collect();
        keys.sort_unstable();
        keys.dedup();
        let dir = &self.inner.directory;
        let people = dir.resolve_handles(tenant, &keys).await?;
        // handle key → person, only for those who may see the post.
        let mut allowed: HashMap<HandleKey, PersonId> = HashMap::with_capacity(people.len());
        for person in people {
            // Group membership matters only for a group post; skip the lookup otherwise.
            let groups = match visibility {
                Visibility::Group { .. } => dir.groups_of(tenant, &person.id).await?,
                _ => Vec::new(),
            };
            let access = Access::new(tenant.clone(), person.id.clone(), groups, false);
            if access.can_see_parts(tenant, author, visibility) {
                allowed.insert(handle_key(&person.handle), person.id);
            }
        }
        Ok(c.mentions
            .iter()
            .filter_map(|(key, handle, range)| {
                Some(MentionRef {
                    person: allowed.get(key)?.clone(),
                    handle: c.text.get(handle.clone())?.to_owned(),
                    range: range.clone(),
                })
            })
            .collect())
    }
}

/// Mention notifications for the distinct people in `mentions`, except the author and
/// those in `skip` (already mentioned before an edit).
pub(crate) fn mention_notifications(
    post: PostId,
    author: &PersonId,
    mentions: &[MentionRef],
    skip: &[MentionRef],
    at: DateTime<Utc>,
) -> Vec<NewNotification> {
    let mut done: HashSet<&PersonId> = skip.iter().map(|m| &m.person).collect();
    done.insert(author);
    let mut out: Vec<NewNotification> = Vec::new();
    for m in mentions {
        if !done.insert(&m.person) {
            continue;
        }
        out.push(NewNotification {
            recipient: m.person.clone(),
            kind: NotificationKind::Mention,
            post,
            actor: author.clone(),
            at,
            subject: None,
        });
    }
    out
}
