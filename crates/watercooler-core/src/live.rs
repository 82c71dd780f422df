//! Live updates: the types of [`crate::Watercooler::subscribe`] and the shared follower
//! that reads the change log once per service and fans it out to the subscriptions.
//!
//! The change log is the source of truth. One follower per [`crate::Watercooler`] reads it in
//! order and hands every batch to each subscription's bounded queue; each subscription's
//! own task then decides, per batch and against the directory as it is at that moment,
//! what its viewer may receive (see `service/live.rs`). A queue that is full when a batch
//! arrives drops its subscription with [`ResyncReason::Lagged`]: a slow consumer never
//! blocks the follower, publishers or other subscribers, and never grows memory.
//! `docs/architecture.md` ("Live updates") describes the whole design.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::ids::{PostId, Seq, TenantId};
use crate::model::{Change, Notification, PostView};
use crate::store::Store;

/// Change-log entries the follower reads per store call (and the largest batch it fans out).
pub(crate) const FOLLOW_BATCH: usize = 256;

/// The longest the follower waits in [`Store::wait_for_change`] before it looks again. The
/// store wakes it earlier on a change; this only bounds how long an idle service keeps a
/// dropped store alive.
const IDLE_WAIT: Duration = Duration::from_secs(5);

/// The longest pause after a failing read of the change log (it doubles from 50 ms).
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How a subscription starts and behaves. Build it with [`SubscribeOptions::new`] and the
/// setters; every field has a default.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeOptions {
    /// Resume after this change-log position (the `seq` of the last event the client
    /// handled). `None` (the default) starts at the newest entry: only later changes are
    /// delivered.
    pub after: Option<Seq>,
    /// Events (and, before filtering, batches of change-log entries) held for a slow
    /// consumer before the subscription is dropped with a [`Event::Resync`]. Default 256,
    /// at least 1.
    pub buffer: usize,
    /// A [`Event::Heartbeat`] this often when nothing else was sent, so that clients and
    /// proxies can tell a quiet stream from a dead one. Default 30 s; `None` for none.
    pub heartbeat: Option<Duration>,
    /// The retention window by count: a resume position more than this many entries behind
    /// the newest one starts with [`Event::Resync`] instead of a replay. Default 100,000.
    pub max_replay: u64,
    /// The retention window by age: a resume position whose next entry is older than this
    /// starts with [`Event::Resync`]. Default 24 hours.
    pub max_replay_age: Duration,
    /// Posts the client shows already (loaded from a feed before subscribing, or kept over
    /// a reconnect): edits and removals of these are delivered too. Only the ones the
    /// viewer may see at subscribe time count; at most [`crate::MAX_PAGE_SIZE`] × 10.
    pub watching: Vec<PostId>,
}

/// The most posts a subscription watches from [`SubscribeOptions::watching`].
pub(crate) const MAX_WATCHING: usize = crate::MAX_PAGE_SIZE * 10;

impl Default for SubscribeOptions {
    fn default() -> Self {
        SubscribeOptions {
            after: None,
            buffer: 256,
            heartbeat: Some(Duration::from_secs(30)),
            max_replay: 100_000,
            max_replay_age: Duration::from_secs(24 * 3600),
            watching: Vec::new(),
        }
    }
}

impl SubscribeOptions {
    /// The defaults.
    pub fn new() -> Self {
        SubscribeOptions::default()
    }

    /// Resume after `seq` ([`SubscribeOptions::after`]).
    pub fn after(mut self, seq: Seq) -> Self {
        self.after = Some(seq);
        self
    }

    /// Sets [`SubscribeOptions::buffer`].
    pub fn buffer(mut self, events: usize) -> Self {
        self.buffer = events;
        self
    }

    /// Sets [`SubscribeOptions::heartbeat`].
    pub fn heartbeat(mut self, every: Option<Duration>) -> Self {
        self.heartbeat = every;
        self
    }

    /// Sets [`SubscribeOptions::max_replay`].
    pub fn max_replay(mut self, entries: u64) -> Self {
        self.max_replay = entries;
        self
    }

    /// Sets [`SubscribeOptions::max_replay_age`].
    pub fn max_replay_age(mut self, age: Duration) -> Self {
        self.max_replay_age = age;
        self
    }

    /// Sets [`SubscribeOptions::watching`].
    pub fn watching(mut self, posts: impl IntoIterator<Item = PostId>) -> Self {
        self.watching = posts.into_iter().collect();
        self
    }
}

/// Why a post reached the viewer live: the home-feed sources it belongs to (several may be
/// true).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct LiveSources {
    /// The viewer wrote it (on another device, say).
    pub own: bool,
    /// By a person the viewer follows.
    pub followed_author: bool,
    /// In a group the viewer is a member of.
    pub group: bool,
    /// Carries a hashtag the viewer follows.
    pub hashtag: bool,
    /// Mentions the viewer.
    pub mention: bool,
    /// A reply in a thread the viewer started or replied in.
    pub thread: bool,
}

impl LiveSources {
    /// Whether any source holds.
    pub fn any(&self) -> bool {
        self.own
            || self.followed_author
            || self.group
            || self.hashtag
            || self.mention
            || self.thread
    }
}

/// Why a subscription asks its client to reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ResyncReason {
    /// The resume position is outside the retention window (or not a position of this
    /// log); the stream goes on from the newest entry.
    TooOld,
    /// The consumer fell behind by more than its buffer; the stream ends after this event.
    Lagged,
    /// The store failed while the stream was being prepared; the stream ends after this
    /// event.
    Unavailable,
}

/// What a subscription delivers. Every event the viewer may receive, and nothing they may
/// not see: visibility and mutes are checked when the event is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "type", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Event {
    /// A post in the viewer's home-feed sources became visible: published, or brought into
    /// a source by an edit.
    Posted {
        /// Its change-log position.
        seq: Seq,
        /// The post with its counts as the viewer may see them.
        post: PostView,
        /// Why it is delivered.
        sources: LiveSources,
    },
    /// A post the viewer may see, and was delivered or is watching, changed.
    Edited {
        /// Its change-log position.
        seq: Seq,
        /// The new version, counts as the viewer may see them.
        post: PostView,
    },
    /// A post the viewer was delivered or is watching was deleted or erased: remove it.
    Removed {
        /// Its change-log position.
        seq: Seq,
        /// The post's id.
        post: PostId,
    },
    /// A new notification for the viewer, or one that got a new actor, shown under the same
    /// rules as [`crate::Watercooler::notifications`].
    Notification {
        /// The change-log position the subscription had reached when it found it.
        /// Notifications are not replayed on resume: reload the list on (re)connect.
        seq: Seq,
        /// The notification.
        notification: Notification,
    },
    /// Nothing happened the viewer may see; the position is where the stream stands (a
    /// client may resume from it).
    Heartbeat {
        /// The change-log position the subscription has handled.
        seq: Seq,
    },
    /// The client must reload what it shows (feeds, notifications) and may go on from
    /// `seq`.
    Resync {
        /// The position to resume from after reloading.
        seq: Seq,
        /// Why.
        reason: ResyncReason,
    },
}

impl Event {
    /// The change-log position the event carries.
    pub fn seq(&self) -> Seq {
        match self {
            Event::Posted { seq, .. }
            | Event::Edited { seq, .. }
            | Event::Removed { seq, .. }
            | Event::Notification { seq, .. }
            | Event::Heartbeat { seq }
            | Event::Resync { seq, .. } => *seq,
        }
    }
}

/// A viewer's live events: a [`futures_core::Stream`] of [`Event`]s, also readable with
/// [`Subscription::next`]. The stream ends when the viewer leaves the directory, after a
/// [`ResyncReason::Lagged`] or [`ResyncReason::Unavailable`], or when the service's
/// runtime shuts down. Dropping it stops its work at once.
#[derive(Debug)]
pub struct Subscription {
    pub(crate) events: mpsc::Receiver<Event>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Subscription {
    /// The next event, or `None` when the stream has ended.
    pub async fn next(&mut self) -> Option<Event> {
        self.events.recv().await
    }
}

impl futures_core::Stream for Subscription {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the follower hands a subscription.
#[derive(Debug, Clone)]
pub(crate) enum Feed {
    /// Change-log entries, in order, all tenants.
    Changes(Arc<[Change]>),
    /// A write of this tenant that may have created notifications without a change-log
    /// entry (a reaction): check them.
    Notifications(TenantId),
}

/// A subscription's end of the fan-out.
pub(crate) struct Registration {
    pub(crate) feed: mpsc::Receiver<Feed>,
    /// Everything after this position arrives through `feed`.
    pub(crate) position: Seq,
    /// Set when the follower dropped the subscription for a full queue.
    pub(crate) lagged: Arc<AtomicBool>,
}

struct Slot {
    tx: mpsc::Sender<Feed>,
    lagged: Arc<AtomicBool>,
}

#[derive(Default)]
struct HubState {
    /// The last entry fanned out.
    position: Seq,
    slots: Vec<Slot>,
}

impl HubState {
    /// Hands `feed` to every subscription; drops the closed ones and, with
    /// [`ResyncReason::Lagged`], the full ones.
    fn fan_out(&mut self, feed: &Feed) {
        self.slots.retain(|s| match s.tx.try_send(feed.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                s.lagged.store(true, Ordering::Release);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }
}

struct HubShared {
    state: Mutex<HubState>,
}

/// The per-service fan-out: started on the first subscription.
pub(crate) struct Hub {
    shared: Arc<HubShared>,
    /// Wakes the follower: the service's own writes, and dropping the hub.
    wake: Arc<Notify>,
    /// Whether a follower was ever started (the service's writes wake it only then).
    started: AtomicBool,
    /// The follower task. A follower ends with the runtime it was spawned on; a service
    /// used from another runtime afterwards starts a new one where the last stopped.
    follower: tokio::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            shared: Arc::new(HubShared {
                state: Mutex::new(HubState::default()),
            }),
            wake: Arc::new(Notify::new()),
            started: AtomicBool::new(false),
            follower: tokio::sync::Mutex::new(None),
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        // The follower holds only a weak reference: woken, it finds the hub gone and ends.
        self.wake.notify_one();
    }
}

impl Hub {
    /// After a write of the service: the follower reads the log now rather than when the
    /// store's wake-up arrives.
    pub(crate) fn wake(&self) {
        if self.started.load(Ordering::Acquire) {
            self.wake.notify_one();
        }
    }

    /// After a write that may have created notifications without a change-log entry.
    pub(crate) fn notifications_changed(&self, tenant: &TenantId) {
        if self.started.load(Ordering::Acquire)
            && let Ok(mut state) = self.shared.state.lock()
        {
            state.fan_out(&Feed::Notifications(tenant.clone()));
        }
    }

    /// Registers a subscription, starting the follower first if needed.
    pub(crate) async fn register(
        &self,
        store: &Arc<dyn Store>,
        buffer: usize,
    ) -> Result<Registration> {
        {
            let mut follower = self.follower.lock().await;
            if follower.as_ref().is_none_or(JoinHandle::is_finished) {
                let start = match follower.as_ref() {
                    None => {
                        let start = store.last_seq().await?;
                        self.lock()?.position = start;
                        start
                    }
                    // Subscriptions registered before are behind this position already.
                    Some(_) => self.lock()?.position,
                };
                *follower = Some(tokio::spawn(follow(
                    Arc::clone(store),
                    Arc::downgrade(&self.shared),
                    Arc::clone(&self.wake),
                    start,
                )));
                self.started.store(true, Ordering::Release);
            }
        }
        let (tx, feed) = mpsc::channel(buffer.max(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let mut state = self.lock()?;
        state.slots.push(Slot {
            tx,
            lagged: Arc::clone(&lagged),
        });
        Ok(Registration {
            feed,
            position: state.position,
            lagged,
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HubState>> {
        self.shared
            .state
            .lock()
            .map_err(|_| Error::backend("live hub lock poisoned"))
    }
}

/// The follower: reads the log after `position` and fans it out, until the hub is gone.
/// Each round reads at most [`FOLLOW_BATCH`] entries or waits at most [`IDLE_WAIT`].
async fn follow(store: Arc<dyn Store>, hub: Weak<HubShared>, wake: Arc<Notify>, start: Seq) {
    let mut position = start;
    let mut backoff = Duration::from_millis(50);
    loop {
        if hub.strong_count() == 0 {
            return;
        }
        match store.changes(position, FOLLOW_BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                let last = batch.last().map_or(position, |c| c.seq);
                if last <= position {
                    // A store that does not move forward must not spin the follower.
                    tracing::error!(%position, "change log did not advance; live follower waits");
                    tokio::time::sleep(MAX_BACKOFF).await;
                    continue;
                }
                let Some(shared) = hub.upgrade() else { return };
                let feed = Feed::Changes(batch.into());
                if let Ok(mut state) = shared.state.lock() {
                    state.position = last;
                    state.fan_out(&feed);
                }
                position = last;
                backoff = Duration::from_millis(50);
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "live follower could not read the change log");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        }
        tokio::select! {
            r = store.wait_for_change(position, IDLE_WAIT) => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "live follower could not wait for changes");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            _ = wake.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full queue drops its subscription and marks it lagged; the others keep receiving,
    /// and the follower never waits.
    #[test]
    fn a_full_queue_is_dropped_as_lagged() {
        let mut state = HubState::default();
        let (fast_tx, mut fast) = mpsc::channel(8);
        let (slow_tx, mut slow) = mpsc::channel(1);
        let (fast_lag, slow_lag) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        state.slots.push(Slot {
            tx: fast_tx,
            lagged: fast_lag.clone(),
        });
        state.slots.push(Slot {
            tx: slow_tx,
            lagged: slow_lag.clone(),
        });
        let feed = Feed::Notifications(TenantId::new("t"));
        for _ in 0..3 {
            state.fan_out(&feed);
        }
        assert_eq!(state.slots.len(), 1);
        assert!(slow_lag.load(Ordering::Acquire) && !fast_lag.load(Ordering::Acquire));
        // The slow one holds what fitted, then its queue ends.
        assert!(slow.try_recv().is_ok());
        assert!(matches!(
            slow.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        for _ in 0..3 {
            assert!(fast.try_recv().is_ok());
        }
        // A dropped receiver is removed at the next fan-out, without being marked lagged.
        drop(fast);
        state.fan_out(&feed);
        assert!(state.slots.is_empty() && !fast_lag.load(Ordering::Acquire));
    }
}
