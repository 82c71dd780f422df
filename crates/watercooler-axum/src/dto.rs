//! The JSON request and response types of the HTTP API, with their OpenAPI schemas.
//!
//! Responses are made from the core's types by `From`; they leave out what a client has no
//! use for (the tenant, which is always the viewer's) and nothing else: the core has
//! already removed whatever the viewer may not see.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use watercooler::search::{SearchHit, SearchResults, Suggestion};
use watercooler::trends::Trend;
use watercooler::{
    Explanation, FeedItem, FeedPage, Notification, Page, Post, PostView, Thread, Visibility,
};

/// A byte range in a post's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TextRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl From<&std::ops::Range<usize>> for TextRange {
    fn from(r: &std::ops::Range<usize>) -> Self {
        TextRange {
            start: r.start,
            end: r.end,
        }
    }
}

/// Who may see a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VisibilityDto {
    /// Everyone in the organisation.
    Organization,
    /// Members of a group.
    Group {
        /// The group id.
        group: String,
    },
    /// The author and these people.
    Direct {
        /// Person ids.
        recipients: Vec<String>,
    },
}

impl From<&Visibility> for VisibilityDto {
    fn from(v: &Visibility) -> Self {
        match v {
            Visibility::Organization => VisibilityDto::Organization,
            Visibility::Group { group } => VisibilityDto::Group {
                group: group.to_string(),
            },
            Visibility::Direct { recipients } => VisibilityDto::Direct {
                recipients: recipients.iter().map(ToString::to_string).collect(),
            },
        }
    }
}

/// A hashtag in a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HashtagDto {
    /// The tag's key (what feeds and follows match on).
    pub key: String,
    /// As typed.
    pub display: String,
    /// Where in the text.
    pub range: TextRange,
}

/// A mention in a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MentionDto {
    /// The person mentioned.
    pub person: String,
    /// The handle as typed.
    pub handle: String,
    /// Where in the text.
    pub range: TextRange,
}

/// A link in a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UrlDto {
    /// The URL.
    pub url: String,
    /// Where in the text.
    pub range: TextRange,
}

/// A post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostDto {
    /// Its id.
    pub id: String,
    /// The author's person id.
    pub author: String,
    /// The text (NFC).
    pub text: String,
    /// Language tag (`und` when unknown).
    pub language: String,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// Who may see it.
    pub visibility: VisibilityDto,
    /// The post it replies to.
    pub reply_to: Option<String>,
    /// Its thread's root, for a reply.
    pub thread_root: Option<String>,
    /// An announcement.
    pub announcement: bool,
    /// Pinned until then.
    pub pinned_until: Option<DateTime<Utc>>,
    /// Its hashtags.
    pub hashtags: Vec<HashtagDto>,
    /// Its mentions.
    pub mentions: Vec<MentionDto>,
    /// Its links.
    pub urls: Vec<UrlDto>,
}

impl From<&Post> for PostDto {
    fn from(p: &Post) -> Self {
        PostDto {
            id: p.id.to_string(),
            author: p.author.to_string(),
            text: p.text.clone(),
            language: p.language.as_str().to_owned(),
            created_at: p.created_at,
            edited_at: p.edited_at,
            visibility: (&p.visibility).into(),
            reply_to: p.reply_to.map(|id| id.to_string()),
            thread_root: p.thread_root.map(|id| id.to_string()),
            announcement: p.announcement,
            pinned_until: p.pinned_until,
            hashtags: p
                .hashtags
                .iter()
                .map(|h| HashtagDto {
                    key: h.key.as_str().to_owned(),
                    display: h.display.clone(),
                    range: (&h.range).into(),
                })
                .collect(),
            mentions: p
                .mentions
                .iter()
                .map(|m| MentionDto {
                    person: m.person.to_string(),
                    handle: m.handle.clone(),
                    range: (&m.range).into(),
                })
                .collect(),
            urls: p
                .urls
                .iter()
                .map(|u| UrlDto {
                    url: u.url.clone(),
                    range: (&u.range).into(),
                })
                .collect(),
        }
    }
}

/// Counts of a post, as the viewer may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatsDto {
    /// Reactions by kind: like, celebrate, support, insightful, funny.
    pub reactions: Vec<u32>,
    /// Replies.
    pub replies: u32,
    /// Last reply or reaction.
    pub last_activity: Option<DateTime<Utc>>,
}

/// A post with its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostViewDto {
    /// The post.
    pub post: PostDto,
    /// Its counts.
    pub stats: StatsDto,
}

impl From<&PostView> for PostViewDto {
    fn from(v: &PostView) -> Self {
        PostViewDto {
            post: (&v.post).into(),
            stats: StatsDto {
                reactions: v.stats.reactions.to_vec(),
                replies: v.stats.replies,
                last_activity: v.stats.last_activity,
            },
        }
    }
}

/// A page of posts, newest first (or oldest first in a thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostPage {
    /// The posts.
    pub items: Vec<PostViewDto>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

impl From<&Page<PostView>> for PostPage {
    fn from(p: &Page<PostView>) -> Self {
        PostPage {
            items: p.items.iter().map(Into::into).collect(),
            next: p.next.as_ref().map(|c| c.as_str().to_owned()),
        }
    }
}

/// One part of a feed item's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExplanationPart {
    /// The signal (`follows_author`, `in_group`, ...).
    pub signal: String,
    /// Its contribution to the score.
    pub contribution: f64,
    /// A human label ("you follow the author").
    pub label: String,
}

/// Why a post is in the home feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExplanationDto {
    /// The score.
    pub total: f64,
    /// Its parts.
    pub parts: Vec<ExplanationPart>,
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

impl From<&Explanation> for ExplanationDto {
    fn from(e: &Explanation) -> Self {
        ExplanationDto {
            total: finite(e.total),
            parts: e
                .parts
                .iter()
                .map(|p| ExplanationPart {
                    signal: serde_json::to_value(p.signal)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    contribution: finite(p.contribution),
                    label: p.label.clone(),
                })
                .collect(),
        }
    }
}

/// A home-feed item: a thread root, its latest replies and why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedItemDto {
    /// The thread root.
    pub post: PostViewDto,
    /// Its latest replies.
    pub replies: Vec<PostViewDto>,
    /// The ranking score.
    pub score: f64,
    /// The score broken down.
    pub explanation: ExplanationDto,
}

impl From<&FeedItem> for FeedItemDto {
    fn from(i: &FeedItem) -> Self {
        FeedItemDto {
            post: (&i.post).into(),
            replies: i.replies.iter().map(Into::into).collect(),
            score: finite(i.score),
            explanation: (&i.explanation).into(),
        }
    }
}

/// A page of the ranked home feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedPageDto {
    /// The items, best first.
    pub items: Vec<FeedItemDto>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

impl From<&FeedPage> for FeedPageDto {
    fn from(p: &FeedPage) -> Self {
        FeedPageDto {
            items: p.items.iter().map(Into::into).collect(),
            next: p.next.as_ref().map(|c| c.as_str().to_owned()),
        }
    }
}

/// A thread: its root and a page of replies, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ThreadDto {
    /// The root.
    pub root: PostViewDto,
    /// Replies.
    pub replies: PostPage,
}

impl From<&Thread> for ThreadDto {
    fn from(t: &Thread) -> Self {
        ThreadDto {
            root: (&t.root).into(),
            replies: (&t.replies).into(),
        }
    }
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchHitDto {
    /// The post.
    pub post: PostViewDto,
    /// An HTML-safe snippet with `<mark>` highlights.
    pub snippet: String,
    /// Relevance.
    pub score: f64,
}

impl From<&SearchHit> for SearchHitDto {
    fn from(h: &SearchHit) -> Self {
        SearchHitDto {
            post: (&h.view).into(),
            snippet: h.snippet.clone(),
            score: finite(f64::from(h.score)),
        }
    }
}

/// Search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResultsDto {
    /// Hits, best first.
    pub hits: Vec<SearchHitDto>,
    /// About how many posts match.
    pub total: u64,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

impl From<&SearchResults> for SearchResultsDto {
    fn from(r: &SearchResults) -> Self {
        SearchResultsDto {
            hits: r.hits.iter().map(Into::into).collect(),
            total: r.total,
            next: r.next.as_ref().map(|c| c.as_str().to_owned()),
        }
    }
}

/// An autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SuggestionDto {
    /// A person, for `@…`.
    Person {
        /// Person id.
        id: String,
        /// Handle.
        handle: String,
        /// Display name.
        name: String,
    },
    /// A hashtag, for `#…`.
    Tag {
        /// The tag key.
        key: String,
        /// A typed form.
        display: String,
        /// Posts with it that the viewer may see.
        posts: u32,
    },
}

impl SuggestionDto {
    /// The DTO of a suggestion; `None` for kinds this API version does not know.
    pub fn of(s: &Suggestion) -> Option<Self> {
        match s {
            Suggestion::Person(p) => Some(SuggestionDto::Person {
                id: p.id.to_string(),
                handle: p.handle.clone(),
                name: p.name.clone(),
            }),
            Suggestion::Tag(t) => Some(SuggestionDto::Tag {
                key: t.key.as_str().to_owned(),
                display: t.display.clone(),
                posts: t.posts,
            }),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// A trending hashtag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendDto {
    /// The tag key.
    pub key: String,
    /// A typed form.
    pub display: String,
    /// The trend score.
    pub score: f64,
    /// Distinct authors in the peak.
    pub authors: u32,
    /// The baseline.
    pub expected: f64,
    /// Start of the peak's bucket.
    pub peak_at: DateTime<Utc>,
}

impl From<&Trend> for TrendDto {
    fn from(t: &Trend) -> Self {
        TrendDto {
            key: t.key.as_str().to_owned(),
            display: t.display.clone(),
            score: finite(t.score),
            authors: t.authors,
            expected: finite(t.expected),
            peak_at: t.peak_at,
        }
    }
}

/// A notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotificationDto {
    /// Its position (pass to `POST /v1/notifications/seen`).
    pub seq: u64,
    /// `mention`, `reply` or `reaction`.
    pub kind: String,
    /// The post it is about.
    pub post: String,
    /// Who did it, most recent first.
    pub actors: Vec<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Marked seen.
    pub seen: bool,
}

impl From<&Notification> for NotificationDto {
    fn from(n: &Notification) -> Self {
        NotificationDto {
            seq: n.seq,
            kind: n.kind.as_str().to_owned(),
            post: n.post.to_string(),
            actors: n.actors.iter().map(ToString::to_string).collect(),
            updated_at: n.updated_at,
            seen: n.seen,
        }
    }
}

/// A page of notifications, most recent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    /// Notifications.
    pub items: Vec<NotificationDto>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

/// A post to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The text.
    pub text: String,
    /// Post in this group (members only). Not together with `recipients`.
    #[serde(default)]
    pub group: Option<String>,
    /// Send to these people only. Not together with `group`.
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
    /// Language tag (`nl`, `en`).
    #[serde(default)]
    pub language: Option<String>,
    /// An announcement (admins only).
    #[serde(default)]
    pub announcement: bool,
}

/// A text: a reply or an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    /// The text.
    pub text: String,
}

/// Marks notifications seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeenRequest {
    /// Up to and including this notification `seq`.
    pub up_to: u64,
}

/// Whether a write changed anything (`false`: it was already so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Changed {
    /// Whether anything changed.
    pub changed: bool,
}

/// How many things a write changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Count {
    /// How many.
    pub count: u64,
}

/// A page request: `?limit=20&cursor=...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1..=200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
}

/// A search: `?q=...&limit=20&cursor=...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQueryParams {
    /// The query, as typed (see the search syntax in the SDK's docs).
    pub q: String,
    /// Items per page, 1..=200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
}

/// An autocomplete request: `?prefix=@ja&limit=10`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// `@` and a name or handle prefix, or `#` and a tag prefix.
    pub prefix: String,
    /// At most this many, 1..=200 (default 10).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A reaction, as a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReactionName {
    /// 👍
    Like,
    /// 🎉
    Celebrate,
    /// 💪
    Support,
    /// 💡
    Insightful,
    /// 😄
    Funny,
}

/// What a follow names, as a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowKind {
    /// A person id.
    Person,
    /// A group id.
    Group,
    /// A hashtag, with or without `#`.
    Hashtag,
}

/// What a mute names, as a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MuteKind {
    /// A person id.
    Person,
    /// A word.
    Word,
    /// A hashtag, with or without `#`.
    Hashtag,
}

/// Why a live post reached the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveSourcesDto {
    /// Their own post.
    pub own: bool,
    /// By someone they follow.
    pub followed_author: bool,
    /// In one of their groups or a group they follow.
    pub group: bool,
    /// With a hashtag they follow.
    pub hashtag: bool,
    /// Mentions them.
    pub mention: bool,
    /// In a thread they take part in.
    pub thread: bool,
}

impl From<&watercooler::LiveSources> for LiveSourcesDto {
    fn from(s: &watercooler::LiveSources) -> Self {
        LiveSourcesDto {
            own: s.own,
            followed_author: s.followed_author,
            group: s.group,
            hashtag: s.hashtag,
            mention: s.mention,
            thread: s.thread,
        }
    }
}
