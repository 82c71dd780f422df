//! The JSON endpoints. Each handler authenticates with the host's [`crate::Authenticate`],
//! calls one method of [`watercooler::Watercooler`] and converts its answer to a DTO; the
//! service has already removed whatever the viewer may not see.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use watercooler::watercooler_text::parse_hashtag;
use watercooler::{
    Cursor, Error, FollowTarget, GroupId, Language, MuteTarget, NewPost, PageRequest, PersonId,
    PostId, ReactionKind, RequestKey,
};

use crate::ApiState;
use crate::auth::Authed;
use crate::dto::*;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};

/// The header of a client's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Default page size when a request names none.
const DEFAULT_LIMIT: u64 = 20;
/// Default number of suggestions.
const DEFAULT_SUGGESTIONS: u64 = 10;

type ApiResult<T> = Result<T, ApiError>;

fn limit(l: Option<u64>, default: u64) -> usize {
    usize::try_from(l.unwrap_or(default)).unwrap_or(usize::MAX)
}

fn page(q: &PageQuery) -> PageRequest {
    let limit = limit(q.limit, DEFAULT_LIMIT);
    match &q.cursor {
        Some(c) => PageRequest::after(Cursor::new(c.clone()), limit),
        None => PageRequest::first(limit),
    }
}

/// A post id from a path: one that cannot be a post id names no post.
fn post_id(s: &str) -> ApiResult<PostId> {
    s.parse().map_err(|_| ApiError::NotFound)
}

fn request_key(headers: &HeaderMap) -> ApiResult<Option<RequestKey>> {
    match headers.get(IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(v) => {
            let s = v
                .to_str()
                .map_err(|_| Error::invalid("Idempotency-Key", "not visible ASCII"))?;
            Ok(Some(RequestKey::new(s)?))
        }
    }
}

/// Publishes a post.
#[utoipa::path(
    post, path = "/v1/posts", tag = "posts",
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Makes the call safe to retry: the same key with the same body returns the first post")),
    request_body = PublishRequest,
    responses((status = 201, description = "Published", body = PostDto))
)]
pub async fn publish(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PublishRequest>,
) -> ApiResult<impl IntoResponse> {
    let mut post = NewPost::new(body.text);
    match (body.group, body.recipients) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid("group", "give a group or recipients, not both").into());
        }
        (Some(g), None) => post = post.in_group(GroupId::new(g)),
        (None, Some(r)) => post = post.direct_to(r.into_iter().map(PersonId::new)),
        (None, None) => {}
    }
    if let Some(l) = body.language {
        post = post.language(Language::new(&l));
    }
    if body.announcement {
        post = post.announcement();
    }
    if let Some(key) = request_key(&headers)? {
        post = post.request_key(key);
    }
    let made = s.wc.publish(&viewer, post).await?;
    Ok((StatusCode::CREATED, Json(PostDto::from(&made))))
}

/// Replies to a post.
#[utoipa::path(
    post, path = "/v1/posts/{id}/replies", tag = "posts",
    params(("id" = String, Path, description = "The post replied to"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry")),
    request_body = TextRequest,
    responses((status = 201, description = "Replied", body = PostDto))
)]
pub async fn reply(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(id): PathParams<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TextRequest>,
) -> ApiResult<impl IntoResponse> {
    let key = request_key(&headers)?;
    let parent = post_id(&id)?;
    let made = match key {
        Some(key) => s.wc.reply_once(&viewer, &parent, &body.text, key).await?,
        None => s.wc.reply(&viewer, &parent, &body.text).await?,
    };
    Ok((StatusCode::CREATED, Json(PostDto::from(&made))))
}

/// A post and its counts.
#[utoipa::path(
    get, path = "/v1/posts/{id}", tag = "posts",
    params(("id" = String, Path, description = "Post id")),
    responses((status = 200, description = "The post", body = PostViewDto))
)]
pub async fn get_post(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<PostViewDto>> {
    let view = s.wc.post(&viewer, &post_id(&id)?).await?;
    Ok(Json((&view).into()))
}

/// Edits the viewer's own post.
#[utoipa::path(
    patch, path = "/v1/posts/{id}", tag = "posts",
    params(("id" = String, Path, description = "Post id")),
    request_body = TextRequest,
    responses((status = 200, description = "Edited", body = PostDto))
)]
pub async fn edit(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<TextRequest>,
) -> ApiResult<Json<PostDto>> {
    let post = s.wc.edit(&viewer, &post_id(&id)?, &body.text).await?;
    Ok(Json((&post).into()))
}

/// Deletes the viewer's own post.
#[utoipa::path(
    delete, path = "/v1/posts/{id}", tag = "posts",
    params(("id" = String, Path, description = "Post id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    s.wc.delete(&viewer, &post_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A thread: its root and a page of replies, oldest first.
#[utoipa::path(
    get, path = "/v1/posts/{id}/thread", tag = "posts",
    params(("id" = String, Path, description = "The root or any reply"), PageQuery),
    responses((status = 200, description = "The thread", body = ThreadDto))
)]
pub async fn thread(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<ThreadDto>> {
    let t = s.wc.thread(&viewer, &post_id(&id)?, &page(&q)).await?;
    Ok(Json((&t).into()))
}

fn reaction(kind: &str) -> ApiResult<ReactionKind> {
    ReactionKind::parse(kind).ok_or_else(|| {
        Error::invalid("kind", "one of like, celebrate, support, insightful, funny").into()
    })
}

/// Reacts to a post.
#[utoipa::path(
    put, path = "/v1/posts/{id}/reactions/{kind}", tag = "social",
    params(("id" = String, Path, description = "Post id"),
        ("kind" = ReactionName, Path, description = "The reaction")),
    responses((status = 200, description = "Whether it was new", body = Changed))
)]
pub async fn react(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams((id, kind)): PathParams<(String, String)>,
) -> ApiResult<Json<Changed>> {
    let id = post_id(&id)?;
    let changed = s.wc.react(&viewer, &id, reaction(&kind)?).await?;
    Ok(Json(Changed { changed }))
}

/// Takes a reaction back.
#[utoipa::path(
    delete, path = "/v1/posts/{id}/reactions/{kind}", tag = "social",
    params(("id" = String, Path, description = "Post id"),
        ("kind" = ReactionName, Path, description = "The reaction")),
    responses((status = 200, description = "Whether there was one", body = Changed))
)]
pub async fn unreact(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams((id, kind)): PathParams<(String, String)>,
) -> ApiResult<Json<Changed>> {
    let id = post_id(&id)?;
    let changed = s.wc.unreact(&viewer, &id, reaction(&kind)?).await?;
    Ok(Json(Changed { changed }))
}

fn follow_target(kind: &str, target: String) -> ApiResult<FollowTarget> {
    match kind {
        "person" => Ok(FollowTarget::Person(PersonId::new(target))),
        "group" => Ok(FollowTarget::Group(GroupId::new(target))),
        "hashtag" => Ok(FollowTarget::Hashtag(
            parse_hashtag(&target).map_err(Error::from)?,
        )),
        _ => Err(ApiError::NotFound),
    }
}

fn mute_target(kind: &str, target: String) -> ApiResult<MuteTarget> {
    match kind {
        "person" => Ok(MuteTarget::Person(PersonId::new(target))),
        "word" => Ok(MuteTarget::Word(target)),
        "hashtag" => Ok(MuteTarget::Hashtag(
            parse_hashtag(&target).map_err(Error::from)?,
        )),
        _ => Err(ApiError::NotFound),
    }
}

/// Follows a person, group or hashtag.
#[utoipa::path(
    put, path = "/v1/follows/{kind}/{target}", tag = "social",
    params(("kind" = FollowKind, Path, description = "What `target` names"),
        ("target" = String, Path, description = "Person id, group id or hashtag")),
    responses((status = 200, description = "Whether it was new", body = Changed))
)]
pub async fn follow(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams((kind, target)): PathParams<(String, String)>,
) -> ApiResult<Json<Changed>> {
    let changed = s.wc.follow(&viewer, follow_target(&kind, target)?).await?;
    Ok(Json(Changed { changed }))
}

/// Unfollows.
#[utoipa::path(
    delete, path = "/v1/follows/{kind}/{target}", tag = "social",
    params(("kind" = FollowKind, Path, description = "What `target` names"),
        ("target" = String, Path, description = "Person id, group id or hashtag")),
    responses((status = 200, description = "Whether it was followed", body = Changed))
)]
pub async fn unfollow(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams((kind, target)): PathParams<(String, String)>,
) -> ApiResult<Json<Changed>> {
    let changed =
        s.wc.unfollow(&viewer, &follow_target(&kind, target)?)
            .await?;
    Ok(Json(Changed { changed }))
}

/// Mutes a person, word or hashtag.
#[utoipa::path(
    put, path = "/v1/mutes/{kind}/{target}", tag = "social",
    params(("kind" = MuteKind, Path, description = "What `target` names"),
        ("target" = String, Path, description = "Person id, word or hashtag")),
    responses((status = 200, description = "Whether it was new", body = Changed))
)]
pub async fn mute(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams((kind, target)): PathParams<(String, String)>,
) -> ApiResult<Json<Changed>> {
    let changed = s.wc.mute(&viewer, mute_target(&kind, target)?).await?;
    Ok(Json(Changed { changed }))
}

/// Unmutes.
#[utoipa::path(
    delete, path = "/v1/mutes/{kind}/{target}", tag = "social",
    params(("kind" = MuteKind, Path, description = "What `target` names"),
        ("target" = String, Path, description = "Person id, word or hashtag")),
    responses((status = 200, description = "Whether it was muted", body = Changed))
)]
pub async fn unmute(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams((kind, target)): PathParams<(String, String)>,
) -> ApiResult<Json<Changed>> {
    let changed = s.wc.unmute(&viewer, &mute_target(&kind, target)?).await?;
    Ok(Json(Changed { changed }))
}

/// The viewer's ranked home feed, with an explanation per item.
#[utoipa::path(
    get, path = "/v1/feeds/home", tag = "feeds",
    params(PageQuery),
    responses((status = 200, description = "A page of the feed", body = FeedPageDto))
)]
pub async fn home_feed(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<FeedPageDto>> {
    let feed = s.wc.home_feed(&viewer, &page(&q)).await?;
    Ok(Json((&feed).into()))
}

/// A group's posts (empty for a group the viewer is not in).
#[utoipa::path(
    get, path = "/v1/feeds/groups/{group}", tag = "feeds",
    params(("group" = String, Path, description = "Group id"), PageQuery),
    responses((status = 200, description = "A page of posts", body = PostPage))
)]
pub async fn group_feed(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(group): PathParams<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let p =
        s.wc.group_feed(&viewer, &GroupId::new(group), &page(&q))
            .await?;
    Ok(Json((&p).into()))
}

/// Posts with a hashtag.
#[utoipa::path(
    get, path = "/v1/feeds/hashtags/{tag}", tag = "feeds",
    params(("tag" = String, Path, description = "The tag, with or without `#`"), PageQuery),
    responses((status = 200, description = "A page of posts", body = PostPage))
)]
pub async fn hashtag_feed(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(tag): PathParams<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let p = s.wc.hashtag_feed(&viewer, &tag, &page(&q)).await?;
    Ok(Json((&p).into()))
}

/// A person's posts, as much as the viewer may see.
#[utoipa::path(
    get, path = "/v1/feeds/people/{person}", tag = "feeds",
    params(("person" = String, Path, description = "Person id"), PageQuery),
    responses((status = 200, description = "A page of posts", body = PostPage))
)]
pub async fn profile_feed(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(person): PathParams<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let p =
        s.wc.profile_feed(&viewer, &PersonId::new(person), &page(&q))
            .await?;
    Ok(Json((&p).into()))
}

/// Full-text search over the posts the viewer may see.
#[utoipa::path(
    get, path = "/v1/search", tag = "search",
    params(SearchQueryParams),
    responses((status = 200, description = "Results", body = SearchResultsDto))
)]
pub async fn search(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    QueryParams(q): QueryParams<SearchQueryParams>,
) -> ApiResult<Json<SearchResultsDto>> {
    let p = page(&PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    });
    let r = s.wc.search(&viewer, &q.q, &p).await?;
    Ok(Json((&r).into()))
}

/// Composer autocomplete: `@…` people, `#…` hashtags.
#[utoipa::path(
    get, path = "/v1/suggestions", tag = "search",
    params(SuggestQuery),
    responses((status = 200, description = "Suggestions", body = Vec<SuggestionDto>))
)]
pub async fn suggestions(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    QueryParams(q): QueryParams<SuggestQuery>,
) -> ApiResult<Json<Vec<SuggestionDto>>> {
    let found =
        s.wc.suggest(&viewer, &q.prefix, limit(q.limit, DEFAULT_SUGGESTIONS))
            .await?;
    Ok(Json(found.iter().filter_map(SuggestionDto::of).collect()))
}

/// Trending hashtags, as the viewer may see them.
#[utoipa::path(
    get, path = "/v1/trends", tag = "search",
    responses((status = 200, description = "Trends, best first", body = Vec<TrendDto>))
)]
pub async fn trends(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
) -> ApiResult<Json<Vec<TrendDto>>> {
    let t = s.wc.trending_hashtags(&viewer).await?;
    Ok(Json(t.iter().map(Into::into).collect()))
}

/// The viewer's notifications, most recent first.
#[utoipa::path(
    get, path = "/v1/notifications", tag = "notifications",
    params(PageQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationPage))
)]
pub async fn notifications(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<NotificationPage>> {
    let p = s.wc.notifications(&viewer, &page(&q)).await?;
    Ok(Json(NotificationPage {
        items: p.items.iter().map(Into::into).collect(),
        next: p.next.as_ref().map(|c| c.as_str().to_owned()),
    }))
}

/// Marks the viewer's notifications up to `up_to` seen.
#[utoipa::path(
    post, path = "/v1/notifications/seen", tag = "notifications",
    request_body = SeenRequest,
    responses((status = 200, description = "How many changed", body = Count))
)]
pub async fn mark_seen(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    JsonBody(body): JsonBody<SeenRequest>,
) -> ApiResult<Json<Count>> {
    let n = s.wc.mark_notifications_seen(&viewer, body.up_to).await?;
    Ok(Json(Count {
        count: u64::try_from(n).unwrap_or(u64::MAX),
    }))
}

/// Erases everything about a person of the admin's tenant (GDPR). Admins only.
#[utoipa::path(
    post, path = "/v1/admin/people/{person}/erase", tag = "admin",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "What was erased (counts)", body = Object))
)]
pub async fn erase(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(person): PathParams<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let admin = s.wc.admin(&viewer).await?;
    let report = admin.erase_person(&PersonId::new(person)).await?;
    to_json(&report)
}

/// Exports everything about a person of the admin's tenant (GDPR). Admins only.
#[utoipa::path(
    get, path = "/v1/admin/people/{person}/export", tag = "admin",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "The export document", body = Object))
)]
pub async fn export(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    PathParams(person): PathParams<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let admin = s.wc.admin(&viewer).await?;
    let doc = admin.export_person(&PersonId::new(person)).await?;
    to_json(&doc)
}

fn to_json<T: serde::Serialize>(v: &T) -> ApiResult<Json<serde_json::Value>> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| Error::backend(e).into())
}
