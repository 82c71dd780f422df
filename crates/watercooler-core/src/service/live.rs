//! Live updates for one viewer: [`Watercooler::subscribe`] and the task that turns the
//! shared follower's batches into the viewer's events.
//!
//! Every batch is judged against the directory as it is when the batch is delivered: the
//! viewer's [`Access`] and mutes are resolved again per batch, posts are read through
//! [`crate::Store::get_posts`] with that access (the store's visibility filter) and checked
//! once more with [`Access::can_see`], and counts go through
//! [`Watercooler::counts_for_viewer`] — the same functions the reads use. A removal names
//! only a post the subscription delivered or was asked to watch, and only while its stored
//! visibility still admits the viewer, so an id never tells anyone that a post they could
//! not see existed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use watercooler_text::TagKey;

use super::Watercooler;
use crate::access::{Access, Viewer};
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{PersonId, PostId, Seq};
use crate::live::{
    Event, FOLLOW_BATCH, Feed, LiveSources, MAX_WATCHING, Registration, ResyncReason,
    SubscribeOptions, Subscription,
};
use crate::model::{Change, ChangeKind, FollowTarget, PostView, Visibility};
use crate::page::{MAX_PAGE_SIZE, PageRequest};
use crate::rank::Muted;
use crate::store::PostFilter;

/// Notifications read per check: the newest page, as a client would show it.
const NOTIFICATION_PAGE: usize = 50;

impl Watercooler {
    /// Subscribes `viewer` to their live events (see [`Event`]): posts that enter their
    /// home-feed sources, edits and removals of posts they were shown, their notifications,
    /// heartbeats, and [`Event::Resync`] when they must reload.
    ///
    /// Visibility and mutes are checked per event, at delivery, against the directory as it
    /// is then: someone removed from a group receives nothing more of it from that moment.
    /// With [`SubscribeOptions::after`] the events after that position are replayed from
    /// the change log, each exactly once, then the stream goes on live; a position outside
    /// the retention window starts with [`Event::Resync`].
    ///
    /// Needs a tokio runtime (the subscription runs as a task). An unknown viewer is
    /// [`Error::Forbidden`], as on every call.
    pub async fn subscribe(
        &self,
        viewer: &Viewer,
        options: SubscribeOptions,
    ) -> Result<Subscription> {
        let access = self.access(viewer).await?;
        let mut watching = options.watching.clone();
        watching.truncate(MAX_WATCHING);
        let mut known = HashMap::new();
        for chunk in watching.chunks(MAX_PAGE_SIZE) {
            for v in self.inner.store.get_posts(&access, chunk).await? {
                if access.can_see(&v.post) {
                    known.insert(v.post.id, Shown::of(&v));
                }
            }
        }
        let notified = self
            .inner
            .store
            .notifications(&viewer.tenant, &viewer.person, &PageRequest::first(1))
            .await?
            .items
            .first()
            .map_or(0, |n| n.seq);
        let registration = self
            .inner
            .live
            .register(&self.inner.store.0, options.buffer)
            .await?;
        let (tx, events) = mpsc::channel(options.buffer.max(1));
        let run = Run {
            wc: self.clone(),
            viewer: viewer.clone(),
            options,
            known,
            notified,
            out: tx,
        };
        let task = tokio::spawn(run.run(registration));
        Ok(Subscription { events, task })
    }
}

/// What the subscription remembers of a post it delivered: enough to decide, after the
/// post is gone, whether the viewer may still learn of its removal.
#[derive(Debug, Clone)]
struct Shown {
    author: PersonId,
    visibility: Visibility,
}

impl Shown {
    fn of(v: &PostView) -> Shown {
        Shown {
            author: v.post.author.clone(),
            visibility: v.post.visibility.clone(),
        }
    }
}

/// The consumer is gone: stop.
struct Closed;

/// One subscription's state, owned by its task.
struct Run {
    wc: Watercooler,
    viewer: Viewer,
    options: SubscribeOptions,
    /// Posts delivered or watched (see [`Shown`]).
    known: HashMap<PostId, Shown>,
    /// The newest notification seq delivered (or present at subscribe time).
    notified: u64,
    out: mpsc::Sender<Event>,
}

/// What the viewer follows and mutes, resolved per batch.
struct Interests {
    access: Access,
    muted: Muted,
    people: HashSet<PersonId>,
    tags: HashSet<TagKey>,
}

impl Run {
    async fn run(mut self, reg: Registration) {
        let Registration {
            mut feed,
            position: live_from,
            lagged,
        } = reg;
        let mut position = match self.start(live_from).await {
            Ok(p) => p,
            Err(Closed) => return,
        };
        let mut heartbeat = self.options.heartbeat.map(|every| {
            let every = every.max(std::time::Duration::from_millis(10));
            let mut i = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            i
        });
        loop {
            let tick = async {
                match heartbeat.as_mut() {
                    Some(i) => {
                        i.tick().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let step = tokio::select! {
                got = feed.recv() => match got {
                    Some(Feed::Changes(batch)) => {
                        self.deliver(&batch, &mut position).await
                    }
                    Some(Feed::Notifications(tenant)) => {
                        if tenant == self.viewer.tenant {
                            self.check_notifications(position).await
                        } else {
                            Ok(())
                        }
                    }
                    None => {
                        if lagged.load(Ordering::Acquire) {
                            let _ = self
                                .send(Event::Resync { seq: position, reason: ResyncReason::Lagged })
                                .await;
                        }
                        return;
                    }
                },
                () = tick => self.send(Event::Heartbeat { seq: position }).await,
            };
            if step.is_err() {
                return;
            }
        }
    }

    /// Replays from the resume position up to where the live feed starts; returns the
    /// position the live feed continues from.
    async fn start(&mut self, live_from: Seq) -> std::result::Result<Seq, Closed> {
        let Some(after) = self.options.after else {
            return Ok(live_from);
        };
        match self.in_retention(after, live_from).await {
            Ok(true) => {}
            Ok(false) => {
                self.send(Event::Resync {
                    seq: live_from,
                    reason: ResyncReason::TooOld,
                })
                .await?;
                return Ok(live_from);
            }
            Err(e) => return self.unavailable(e, after).await,
        }
        let mut position = after;
        // Each round moves `position` forward by at least one entry, up to `live_from`.
        while position < live_from {
            let batch = match self.wc.inner.store.changes(position, FOLLOW_BATCH).await {
                Ok(b) => b,
                Err(e) => return self.unavailable(e, position).await,
            };
            let batch: Vec<Change> = batch.into_iter().filter(|c| c.seq <= live_from).collect();
            if batch.last().is_none_or(|c| c.seq <= position) {
                break;
            }
            self.deliver(&batch, &mut position).await?;
        }
        Ok(position.max(live_from))
    }

    /// Whether a resume after `after` can be replayed: within the count and age windows,
    /// and not ahead of the log.
    async fn in_retention(&self, after: Seq, live_from: Seq) -> Result<bool> {
        let newest = self.wc.inner.store.last_seq().await?.max(live_from);
        if after > newest || newest.0 - after.0 > self.options.max_replay {
            return Ok(false);
        }
        let next = self.wc.inner.store.changes(after, 1).await?;
        let Some(first) = next.first() else {
            return Ok(true);
        };
        let age = self.wc.inner.clock.now() - first.at;
        Ok(age
            .to_std()
            .map_or(true, |age| age <= self.options.max_replay_age))
    }

    async fn unavailable(&self, e: Error, seq: Seq) -> std::result::Result<Seq, Closed> {
        tracing::warn!(error = %e, "live subscription could not replay the change log");
        let _ = self
            .send(Event::Resync {
                seq,
                reason: ResyncReason::Unavailable,
            })
            .await;
        Err(Closed)
    }

    async fn send(&self, event: Event) -> std::result::Result<(), Closed> {
        self.out.send(event).await.map_err(|_| Closed)
    }

    /// Delivers what the viewer may receive of `batch` (all tenants, in order), and moves
    /// `position` past it.
    async fn deliver(
        &mut self,
        batch: &[Change],
        position: &mut Seq,
    ) -> std::result::Result<(), Closed> {
        let mine: Vec<&Change> = batch
            .iter()
            .filter(|c| c.seq > *position && c.tenant == self.viewer.tenant)
            .collect();
        let end = batch.last().map_or(*position, |c| c.seq).max(*position);
        if mine.is_empty() {
            *position = end;
            return Ok(());
        }
        let interests = match self.interests().await {
            Ok(i) => i,
            // Someone the directory no longer knows left the company: the stream ends.
            Err(e) if e.kind() == ErrorKind::Forbidden => return Err(Closed),
            Err(e) => {
                let _ = self.unavailable(e, *position).await;
                return Err(Closed);
            }
        };
        let events = match self.events(&interests, &mine).await {
            Ok(events) => events,
            Err(e) => {
                let _ = self.unavailable(e, *position).await;
                return Err(Closed);
            }
        };
        for event in events {
            self.send(event).await?;
        }
        *position = end;
        if mine
            .iter()
            .any(|c| matches!(c.kind, ChangeKind::Created | ChangeKind::Edited))
        {
            self.check_notifications(end).await?;
        }
        Ok(())
    }

    /// The viewer's access, mutes and follows, as the directory and store say now.
    async fn interests(&self) -> Result<Interests> {
        let wc = &self.wc;
        let access = wc.access(&self.viewer).await?;
        let max = wc.inner.options.feed.max_follows;
        let muted = wc.load_muted(access.tenant(), access.person(), max).await?;
        let (mut people, mut tags) = (HashSet::new(), HashSet::new());
        let mut request = PageRequest::first(MAX_PAGE_SIZE);
        let mut read = 0;
        while read < max {
            let page = wc
                .inner
                .store
                .follows(access.tenant(), access.person(), &request)
                .await?;
            read += page.items.len().max(1);
            for f in page.items {
                match f {
                    FollowTarget::Person(p) => {
                        people.insert(p);
                    }
                    FollowTarget::Hashtag(t) => {
                        tags.insert(t);
                    }
                    // Member groups are sources already; following a group grants nothing.
                    FollowTarget::Group(_) => {}
                }
            }
            match page.next {
                Some(c) => request = PageRequest::after(c, MAX_PAGE_SIZE),
                None => break,
            }
        }
        Ok(Interests {
            access,
            muted,
            people,
            tags,
        })
    }

    /// The events of the viewer's entries of one batch, in log order.
    async fn events(&mut self, it: &Interests, mine: &[&Change]) -> Result<Vec<Event>> {
        let access = &it.access;
        let mut ids: Vec<PostId> = mine
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Created | ChangeKind::Edited))
            .map(|c| c.post)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut views: HashMap<PostId, PostView> = HashMap::new();
        for chunk in ids.chunks(MAX_PAGE_SIZE) {
            let mut got = self.wc.inner.store.get_posts(access, chunk).await?;
            // A faulty backend must not leak a post: the rule is checked here again.
            got.retain(|v| access.can_see(&v.post) && chunk.contains(&v.post.id));
            self.wc.counts_for_viewer(access, &mut got).await?;
            views.extend(got.into_iter().map(|v| (v.post.id, v)));
        }
        let mut events = Vec::new();
        for c in mine {
            match c.kind {
                ChangeKind::Created | ChangeKind::Edited => {
                    let Some(view) = views.get(&c.post) else {
                        continue;
                    };
                    if it.muted.hides(&view.post) {
                        continue;
                    }
                    let sources = self.sources(it, view).await?;
                    let was_known = self.known.contains_key(&c.post);
                    if c.kind == ChangeKind::Edited && was_known {
                        events.push(Event::Edited {
                            seq: c.seq,
                            post: view.clone(),
                        });
                    } else if sources.any() {
                        events.push(Event::Posted {
                            seq: c.seq,
                            post: view.clone(),
                            sources,
                        });
                    } else {
                        continue;
                    }
                    self.known.insert(c.post, Shown::of(view));
                }
                ChangeKind::Deleted | ChangeKind::Erased => {
                    let Some(shown) = self.known.remove(&c.post) else {
                        continue;
                    };
                    if access.can_see_parts(access.tenant(), &shown.author, &shown.visibility) {
                        events.push(Event::Removed {
                            seq: c.seq,
                            post: c.post,
                        });
                    }
                }
            }
        }
        Ok(events)
    }

    /// Which home-feed sources `view` (visible to the viewer) belongs to.
    async fn sources(&self, it: &Interests, view: &PostView) -> Result<LiveSources> {
        let post = &view.post;
        let me = it.access.person();
        let mut s = LiveSources {
            own: &post.author == me,
            followed_author: it.people.contains(&post.author),
            group: matches!(&post.visibility, Visibility::Group { group } if it.access.is_member(group)),
            hashtag: post.hashtags.iter().any(|h| it.tags.contains(&h.key)),
            mention: post.mentions.iter().any(|m| &m.person == me),
            thread: false,
        };
        if let Some(root) = post.thread_root
            && !s.any()
        {
            s.thread = self.took_part(&it.access, root).await?;
        }
        Ok(s)
    }

    /// Whether the viewer started the thread `root` or replied in it.
    async fn took_part(&self, access: &Access, root: PostId) -> Result<bool> {
        let store = &self.wc.inner.store;
        let me = access.person();
        if store
            .get_posts(access, &[root])
            .await?
            .iter()
            .any(|v| &v.post.author == me)
        {
            return Ok(true);
        }
        let filter = PostFilter {
            author: Some(me.clone()),
            thread: Some(root),
            ..PostFilter::default()
        };
        let page = store
            .list_posts(access, &filter, &PageRequest::first(1))
            .await?;
        Ok(page.items.iter().any(|v| &v.post.author == me))
    }

    /// Delivers the viewer's notifications newer than the last one delivered, through
    /// [`Watercooler::notifications`] (so under exactly its rules), oldest first.
    async fn check_notifications(&mut self, seq: Seq) -> std::result::Result<(), Closed> {
        let page = match self
            .wc
            .notifications(&self.viewer, &PageRequest::first(NOTIFICATION_PAGE))
            .await
        {
            Ok(p) => p,
            Err(e) if e.kind() == ErrorKind::Forbidden => return Err(Closed),
            Err(e) => {
                tracing::warn!(error = %e, "live subscription could not read notifications");
                return Ok(());
            }
        };
        let mut fresh: Vec<_> = page
            .items
            .into_iter()
            .filter(|n| n.seq > self.notified)
            .collect();
        fresh.sort_by_key(|n| n.seq);
        for n in fresh {
            self.notified = self.notified.max(n.seq);
            self.send(Event::Notification {
                seq,
                notification: n,
            })
            .await?;
        }
        Ok(())
    }
}
