//! The live stream as Server-Sent Events: `GET /v1/events`.
//!
//! Each event of [`watercooler::Watercooler::subscribe`] is one SSE event whose `id:` is its
//! change-log position and whose `event:` is its type (`posted`, `edited`, `removed`,
//! `notification`, `resync`); its `data:` is an [`EventDto`]. A browser's `EventSource`
//! sends the last `id:` it saw as `Last-Event-ID` when it reconnects, and the stream
//! resumes right after it: no event is lost or repeated. Heartbeats are SSE comments.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use watercooler::{Event, ResyncReason, Seq, SubscribeOptions};

use crate::ApiState;
use crate::auth::Authed;
use crate::dto::{LiveSourcesDto, NotificationDto, PostViewDto};
use crate::error::ApiError;

/// What a live event's `data:` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventDto {
    /// A post entered the viewer's sources (their feed, a group or hashtag they follow, a
    /// thread they are in).
    Posted {
        /// Change-log position.
        seq: u64,
        /// The post.
        post: PostViewDto,
        /// Why it reached the viewer.
        sources: LiveSourcesDto,
    },
    /// A post the viewer was shown was edited.
    Edited {
        /// Change-log position.
        seq: u64,
        /// The post as it is now.
        post: PostViewDto,
    },
    /// A post the viewer was shown was deleted or erased: remove it.
    Removed {
        /// Change-log position.
        seq: u64,
        /// The post id.
        post: String,
    },
    /// A new or folded notification.
    Notification {
        /// Change-log position.
        seq: u64,
        /// The notification.
        notification: NotificationDto,
    },
    /// Reload: the resume position is too old, or the client was too slow. The stream ends.
    Resync {
        /// Change-log position.
        seq: u64,
        /// `too_old`, `lagged` or `unavailable`.
        reason: String,
    },
}

impl EventDto {
    /// The DTO of an event; `None` for heartbeats (sent as comments) and kinds this API
    /// version does not know.
    pub fn of(e: &Event) -> Option<Self> {
        Some(match e {
            Event::Posted { seq, post, sources } => EventDto::Posted {
                seq: seq.0,
                post: post.into(),
                sources: sources.into(),
            },
            Event::Edited { seq, post } => EventDto::Edited {
                seq: seq.0,
                post: post.into(),
            },
            Event::Removed { seq, post } => EventDto::Removed {
                seq: seq.0,
                post: post.to_string(),
            },
            Event::Notification { seq, notification } => EventDto::Notification {
                seq: seq.0,
                notification: notification.into(),
            },
            Event::Resync { seq, reason } => EventDto::Resync {
                seq: seq.0,
                reason: match reason {
                    ResyncReason::TooOld => "too_old",
                    ResyncReason::Lagged => "lagged",
                    _ => "unavailable",
                }
                .to_owned(),
            },
            _ => return None,
        })
    }

    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            EventDto::Posted { .. } => "posted",
            EventDto::Edited { .. } => "edited",
            EventDto::Removed { .. } => "removed",
            EventDto::Notification { .. } => "notification",
            EventDto::Resync { .. } => "resync",
        }
    }
}

fn to_sse(e: &Event) -> Option<SseEvent> {
    if matches!(e, Event::Heartbeat { .. }) {
        return Some(SseEvent::default().comment("heartbeat"));
    }
    let dto = EventDto::of(e)?;
    let data = serde_json::to_string(&dto).ok()?;
    Some(
        SseEvent::default()
            .id(e.seq().0.to_string())
            .event(dto.name())
            .data(data),
    )
}

/// The viewer's live events as Server-Sent Events.
#[utoipa::path(
    get, path = "/v1/events", tag = "live",
    params(("Last-Event-ID" = Option<String>, Header,
        description = "Resume after this position (the last `id:` received)")),
    responses((status = 200, description = "A stream of events; each `data:` is an EventDto",
        content_type = "text/event-stream", body = String))
)]
pub async fn events(
    State(s): State<ApiState>,
    Authed(viewer): Authed,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut options = SubscribeOptions::new().heartbeat(Some(s.heartbeat));
    if let Some(v) = headers.get("last-event-id") {
        let after = v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::Malformed("Last-Event-ID is not a position".to_owned()))?;
        options = options.after(Seq(after));
    }
    let subscription = s.wc.subscribe(&viewer, options).await?;
    let stream =
        subscription.filter_map(|e| std::future::ready(to_sse(&e).map(Ok::<_, Infallible>)));
    let mut response = Sse::new(stream).into_response();
    let h = response.headers_mut();
    // nginx and similar proxies buffer responses unless told not to.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
