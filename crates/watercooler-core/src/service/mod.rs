//! The [`Watercooler`] service: what an integrator calls. It validates, extracts, resolves
//! through the [`Directory`], checks permissions, writes through the [`Store`] and keeps
//! derived state (notifications, search) in step. Each concern lives in its own file as an
//! `impl Watercooler` block.

mod admin;
mod compose;
mod counts;
mod feeds;
mod import;
mod live;
mod notifications;
mod posts;
mod privacy;
mod search;
mod social;
mod traced;
mod trends;

pub use admin::Admin;
pub use import::{ImportedPost, ParentRef};
pub use posts::{NewPost, Thread};
pub use privacy::PersonExport;

use std::sync::Arc;

use watercooler_text::{Extractor, Limits};

use crate::access::{Access, Viewer};
use crate::clock::{Clock, SystemClock};
use crate::directory::Directory;
use crate::error::{Error, Result};
use crate::ids::PostIdGenerator;
use crate::rank::{DefaultRanker, FeedOptions, Ranker};
use crate::search::SearchIndex;
use crate::store::Store;
use crate::trends::TrendOptions;

/// Knobs of the service, with sensible defaults.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// How post text is scanned (the intranet profile by default).
    pub extractor: Extractor,
    /// Length and entity limits of a post.
    pub limits: Limits,
    /// How [`Watercooler::home_feed`] gathers candidates, and how many follows and mutes
    /// any call reads.
    pub feed: FeedOptions,
    /// How [`Watercooler::trending_hashtags`] scores trends. Checked on each call:
    /// invalid ones make it [`Error::Invalid`].
    pub trends: TrendOptions,
}

/// The SDK's entry point. Cheap to clone (everything inside is shared); `Send + Sync`.
#[derive(Clone)]
pub struct Watercooler {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: StoreRef,
    pub(crate) directory: Arc<dyn Directory>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) options: Options,
    /// The ranker of [`Watercooler::home_feed`].
    pub(crate) ranker: Arc<dyn Ranker>,
    pub(crate) ids: PostIdGenerator,
    /// The full-text index, if the host configured one (see `service/search.rs`).
    pub(crate) search: Option<Arc<dyn SearchIndex>>,
    /// The live-update fan-out, started by the first subscription.
    pub(crate) live: crate::live::Hub,
}

/// The service's store. Calls through it go straight to the store's vtable: `Arc<S>` is a
/// [`Store`] too (forwarding every method), and calling through that impl would box each
/// call's future twice.
pub(crate) struct StoreRef(pub(crate) Arc<dyn Store>);

impl std::ops::Deref for StoreRef {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        &*self.0
    }
}

impl std::fmt::Debug for Watercooler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watercooler")
            .field("options", &self.inner.options)
            .field("ranker", &self.inner.ranker)
            .finish_non_exhaustive()
    }
}

impl Watercooler {
    /// Starts building a service over a store and the host's directory.
    pub fn builder(store: Arc<dyn Store>, directory: Arc<dyn Directory>) -> WatercoolerBuilder {
        WatercoolerBuilder {
            store,
            directory,
            clock: Arc::new(SystemClock),
            options: Options::default(),
            ranker: Arc::new(DefaultRanker::default()),
            ids: None,
            search: None,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store.0
    }

    /// The directory.
    pub fn directory(&self) -> &Arc<dyn Directory> {
        &self.inner.directory
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The ranker of [`Watercooler::home_feed`].
    pub fn ranker(&self) -> &Arc<dyn Ranker> {
        &self.inner.ranker
    }

    /// Now, as stores keep it ([`crate::stored_precision`]): every time the service
    /// creates goes through here, so a returned post equals the one read back.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::clock::stored_precision(self.inner.clock.now())
    }

    /// Resolves a viewer through the directory: their groups and admin flag. A person the
    /// directory does not know gives [`Error::Forbidden`].
    ///
    /// Ids that cannot be ids (empty, too long, control characters: see
    /// [`crate::check_id`]) give [`Error::Invalid`] before anything is looked up.
    pub async fn access(&self, viewer: &Viewer) -> Result<Access> {
        viewer.tenant.check()?;
        viewer.person.check()?;
        let dir = &self.inner.directory;
        let person = dir
            .person(&viewer.tenant, &viewer.person)
            .await?
            .ok_or(Error::forbidden("viewer is not in the directory"))?;
        let mut groups = dir.groups_of(&viewer.tenant, &viewer.person).await?;
        // A host directory may hold a group id no store can keep (see `check_id`): no post
        // can be in such a group, and a store must never be asked about it.
        groups.retain(|g| {
            let ok = g.check().is_ok();
            if !ok {
                tracing::warn!(tenant = %viewer.tenant, "directory returned an invalid group id; ignored");
            }
            ok
        });
        Ok(Access::new(
            viewer.tenant.clone(),
            viewer.person.clone(),
            groups,
            person.admin,
        ))
    }
}

/// Builds a [`Watercooler`].
pub struct WatercoolerBuilder {
    store: Arc<dyn Store>,
    directory: Arc<dyn Directory>,
    clock: Arc<dyn Clock>,
    options: Options,
    ranker: Arc<dyn Ranker>,
    ids: Option<PostIdGenerator>,
    search: Option<Arc<dyn SearchIndex>>,
}

impl WatercoolerBuilder {
    /// Uses this clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses these options.
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// Uses this extractor.
    pub fn extractor(mut self, extractor: Extractor) -> Self {
        self.options.extractor = extractor;
        self
    }

    /// Uses these limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// Ranks [`Watercooler::home_feed`] with this ranker (default:
    /// [`DefaultRanker::default`]). [`Watercooler::home_feed_with`] still takes another
    /// for one call.
    pub fn ranker(mut self, ranker: Arc<dyn Ranker>) -> Self {
        self.ranker = ranker;
        self
    }

    /// Gathers [`Watercooler::home_feed`]'s candidates with these options (default:
    /// [`FeedOptions::default`]); their follow and mute bounds hold for every feed and
    /// for trends. [`Watercooler::home_feed_with`] still takes others for one call.
    pub fn feed_options(mut self, options: FeedOptions) -> Self {
        self.options.feed = options;
        self
    }

    /// Scores [`Watercooler::trending_hashtags`] with these options (default:
    /// [`TrendOptions::default`]). [`Watercooler::trending_hashtags_with`] still takes
    /// others for one call.
    pub fn trend_options(mut self, options: TrendOptions) -> Self {
        self.options.trends = options;
        self
    }

    /// Distinguishes this server's post ids from other servers' sharing the store
    /// (default: derived from the time and process id).
    pub fn id_salt(mut self, salt: u64) -> Self {
        self.ids = Some(PostIdGenerator::new(salt));
        self
    }

    /// Uses this full-text index for [`Watercooler::search`] and `#` suggestions (for
    /// example a `watercooler::search::TantivyIndex` following the same store). Without one,
    /// search is unavailable.
    pub fn search(mut self, index: Arc<dyn SearchIndex>) -> Self {
        self.search = Some(index);
        self
    }

    /// Builds the service.
    pub fn build(self) -> Watercooler {
        Watercooler {
            inner: Arc::new(Inner {
                store: StoreRef(self.store),
                directory: self.directory,
                clock: self.clock,
                options: self.options,
                ranker: self.ranker,
                ids: self.ids.unwrap_or_default(),
                search: self.search,
                live: crate::live::Hub::default(),
            }),
        }
    }
}
