use std::ops::Range;

use chrono::{DateTime, Utc};
use watercooler_text::TagKey;

use crate::ids::{GroupId, PersonId, PostId, TenantId};
use crate::model::ReactionKind;

/// Who may see a post. A reply always has its thread root's visibility.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Visibility {
    /// Everyone in the tenant.
    Organization,
    /// Members of the group only (a mention never grants access).
    Group {
        /// The group.
        group: GroupId,
    },
    /// The author and the recipients only. Recipients are kept sorted and without
    /// duplicates.
    Direct {
        /// The recipients.
        recipients: Vec<PersonId>,
    },
}

impl Visibility {
    /// A group visibility.
    pub fn group(id: impl Into<GroupId>) -> Self {
        Visibility::Group { group: id.into() }
    }

    /// A direct visibility; sorts and deduplicates the recipients.
    pub fn direct(recipients: impl IntoIterator<Item = PersonId>) -> Self {
        let mut recipients: Vec<PersonId> = recipients.into_iter().collect();
        recipients.sort();
        recipients.dedup();
        Visibility::Direct { recipients }
    }

    /// Checks the group or recipient ids with [`crate::check_id`].
    pub fn check_ids(&self) -> crate::Result<()> {
        match self {
            Visibility::Organization => Ok(()),
            Visibility::Group { group } => group.check(),
            Visibility::Direct { recipients } => recipients.iter().try_for_each(|p| p.check()),
        }
    }

    /// The visibility of a reply to a post by `parent_author` with this visibility. A reply
    /// has its thread's visibility; for a direct thread the parent's author joins the
    /// recipients, because the thread's author is not among its own recipients and would
    /// otherwise lose sight of the replies to their own message.
    pub fn for_reply_to(&self, parent_author: &PersonId) -> Self {
        match self {
            Visibility::Direct { recipients } => Visibility::direct(
                recipients
                    .iter()
                    .cloned()
                    .chain(std::iter::once(parent_author.clone())),
            ),
            other => other.clone(),
        }
    }
}

/// A post's language, as a short lowercase tag (`nl`, `en`, `ja`, `und` for unknown). Search
/// chooses its stemmer by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Language(String);

impl Language {
    /// Dutch.
    pub fn dutch() -> Self {
        Language("nl".into())
    }
    /// English.
    pub fn english() -> Self {
        Language("en".into())
    }
    /// Unknown.
    pub fn unknown() -> Self {
        Language("und".into())
    }
    /// A language from a BCP 47-ish tag: only the primary subtag is kept, lowercased
    /// (`nl-BE` → `nl`); anything that is not 2–8 ASCII letters becomes `und`.
    pub fn new(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if (2..=8).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            Language(primary.to_ascii_lowercase())
        } else {
            Language::unknown()
        }
    }
    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Language {
    fn default() -> Self {
        Language::unknown()
    }
}

/// A hashtag in a post: its key (shared by every spelling) and the form the author typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HashtagRef {
    /// The normalised key.
    pub key: TagKey,
    /// The tag as typed, without the sigil.
    pub display: String,
    /// Byte range in the post's text, sigil included.
    pub range: Range<usize>,
}

/// A mention of a person who exists in the tenant and may see the post. Mentions of unknown
/// handles, of other tenants' people, or of people who may not see the post are not stored:
/// they stay plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MentionRef {
    /// The person mentioned.
    pub person: PersonId,
    /// The handle as typed, without the sigil.
    pub handle: String,
    /// Byte range in the post's text, sigil included.
    pub range: Range<usize>,
}

/// A URL in a post.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UrlRef {
    /// The URL as typed.
    pub url: String,
    /// Byte range in the post's text.
    pub range: Range<usize>,
}

/// A post (or, with `reply_to`, a comment in a thread).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Post {
    /// Time-ordered id.
    pub id: PostId,
    /// The tenant.
    pub tenant: TenantId,
    /// Who wrote it.
    pub author: PersonId,
    /// The text as typed, in Unicode NFC.
    pub text: String,
    /// Its language.
    pub language: Language,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// Who may see it.
    pub visibility: Visibility,
    /// The post this replies to.
    pub reply_to: Option<PostId>,
    /// The root of the thread this reply belongs to (`None` for a root post).
    pub thread_root: Option<PostId>,
    /// Whether this is an announcement (only admins publish those).
    pub announcement: bool,
    /// An announcement pinned on top of feeds until this time (`None`: not pinned).
    pub pinned_until: Option<DateTime<Utc>>,
    /// Hashtags, in text order.
    pub hashtags: Vec<HashtagRef>,
    /// Resolved mentions, in text order.
    pub mentions: Vec<MentionRef>,
    /// URLs, in text order.
    pub urls: Vec<UrlRef>,
}

impl Post {
    /// Whether this is a reply.
    pub fn is_reply(&self) -> bool {
        self.reply_to.is_some()
    }

    /// The id of the thread this post belongs to (its root, or itself).
    pub fn thread_id(&self) -> PostId {
        self.thread_root.unwrap_or(self.id)
    }

    /// Whether the post is pinned at `now`.
    pub fn is_pinned_at(&self, now: DateTime<Utc>) -> bool {
        self.pinned_until.is_some_and(|until| until > now)
    }

    /// Checks every host id the post holds — tenant, author, group, recipients, mentioned
    /// people — with [`crate::check_id`]. Stores call it before writing a post, so an id
    /// one store or the search index could not keep whole is refused alike everywhere.
    pub fn check_ids(&self) -> crate::Result<()> {
        self.tenant.check()?;
        self.author.check()?;
        self.visibility.check_ids()?;
        self.mentions.iter().try_for_each(|m| m.person.check())
    }
}

impl Post {
    /// A builder of a post, for imports, tests and stores: organisation-wide, created `at`
    /// by `author`, with the id [`PostId::from_parts`]`(at, 0)`, no text, language, thread
    /// or entities until set. The builder extracts nothing from the text: the service does
    /// that when it publishes ([`crate::Watercooler::publish`]); here hashtags, mentions
    /// and URLs are whatever the caller adds.
    pub fn builder(
        tenant: impl Into<TenantId>,
        author: impl Into<PersonId>,
        at: DateTime<Utc>,
    ) -> PostBuilder {
        PostBuilder {
            post: Post {
                id: PostId::from_parts(at, 0),
                tenant: tenant.into(),
                author: author.into(),
                text: String::new(),
                language: Language::unknown(),
                created_at: at,
                edited_at: None,
                visibility: Visibility::Organization,
                reply_to: None,
                thread_root: None,
                announcement: false,
                pinned_until: None,
                hashtags: Vec::new(),
                mentions: Vec::new(),
                urls: Vec::new(),
            },
        }
    }

    /// A post for unit tests: [`Post::builder`] with the id from `at` and `n`.
    #[cfg(test)]
    pub(crate) fn for_test(tenant: &str, author: &str, at: DateTime<Utc>, n: u64) -> Post {
        Post::builder(tenant, author, at)
            .id(PostId::from_parts(at, n))
            .build()
    }
}

/// Builds a [`Post`]; see [`Post::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PostBuilder {
    post: Post,
}

impl PostBuilder {
    /// Its id (by default [`PostId::from_parts`]`(created_at, 0)`).
    pub fn id(mut self, id: PostId) -> Self {
        self.post.id = id;
        self
    }

    /// Its text.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.post.text = text.into();
        self
    }

    /// The language of its text.
    pub fn language(mut self, language: Language) -> Self {
        self.post.language = language;
        self
    }

    /// Who may see it (by default the whole organisation).
    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.post.visibility = visibility;
        self
    }

    /// Makes it a reply to `parent`, in the thread that starts at `root`.
    pub fn reply_to(mut self, parent: PostId, root: PostId) -> Self {
        self.post.reply_to = Some(parent);
        self.post.thread_root = Some(root);
        self
    }

    /// When it was last edited.
    pub fn edited_at(mut self, at: DateTime<Utc>) -> Self {
        self.post.edited_at = Some(at);
        self
    }

    /// Makes it an announcement, pinned until `until` if given.
    pub fn announcement(mut self, pinned_until: Option<DateTime<Utc>>) -> Self {
        self.post.announcement = true;
        self.post.pinned_until = pinned_until;
        self
    }

    /// Adds a hashtag entity.
    pub fn hashtag(mut self, tag: HashtagRef) -> Self {
        self.post.hashtags.push(tag);
        self
    }

    /// Adds a mention entity.
    pub fn mention(mut self, mention: MentionRef) -> Self {
        self.post.mentions.push(mention);
        self
    }

    /// Adds a URL entity.
    pub fn url(mut self, url: UrlRef) -> Self {
        self.post.urls.push(url);
        self
    }

    /// The post.
    pub fn build(self) -> Post {
        self.post
    }
}

/// A new text for a post, with its entities re-extracted: what the service hands the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostEdit {
    /// The post.
    pub id: PostId,
    /// The new text (NFC).
    pub text: String,
    /// When.
    pub edited_at: DateTime<Utc>,
    /// New hashtags.
    pub hashtags: Vec<HashtagRef>,
    /// New resolved mentions.
    pub mentions: Vec<MentionRef>,
    /// New URLs.
    pub urls: Vec<UrlRef>,
}

/// An earlier text of an edited post. Seen by exactly those who may see the post.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Revision {
    /// The post.
    pub post: PostId,
    /// 0 for the first text, then 1, 2, ...
    pub number: u32,
    /// The text as it was.
    pub text: String,
    /// Until when it was the current text.
    pub replaced_at: DateTime<Utc>,
}

/// Engagement counters of a post, kept by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PostStats {
    /// Reactions per kind, indexed by [`ReactionKind::index`].
    pub reactions: [u32; 5],
    /// Visible replies in the thread (for a root) or direct replies (for a reply).
    pub replies: u32,
    /// The latest reply or reaction, if any.
    pub last_activity: Option<DateTime<Utc>>,
}

impl PostStats {
    /// All reactions together.
    pub fn total_reactions(&self) -> u32 {
        self.reactions.iter().sum()
    }

    /// Reactions of one kind.
    pub fn reactions_of(&self, kind: ReactionKind) -> u32 {
        self.reactions[kind.index()]
    }
}

/// A post as read: the post and its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PostView {
    /// The post.
    pub post: Post,
    /// Its counters.
    pub stats: PostStats,
}
