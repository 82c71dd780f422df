//! Trending hashtags of a tenant, as one viewer may see them.

use super::Watercooler;
use super::traced::traced;
use crate::access::Viewer;
use crate::error::Result;
use crate::trends::{Trend, TrendOptions, compute_trends};

impl Watercooler {
    /// The hashtags trending in the viewer's tenant, best first, scored with the
    /// [`TrendOptions`] set on the builder (see [`crate::trends`] for the formula). Only
    /// posts the viewer may see are counted — a tag used only inside a group never trends
    /// for non-members, and the author counts shown never include invisible posts.
    /// Hashtags the viewer muted, or that are a word they muted, are left out. Invalid
    /// options are [`crate::Error::Invalid`].
    pub async fn trending_hashtags(&self, viewer: &Viewer) -> Result<Vec<Trend>> {
        self.trending_hashtags_with(viewer, &self.inner.options.trends)
            .await
    }

    /// [`Watercooler::trending_hashtags`] with options of the caller's choice for this
    /// call, overriding the builder's.
    pub async fn trending_hashtags_with(
        &self,
        viewer: &Viewer,
        options: &TrendOptions,
    ) -> Result<Vec<Trend>> {
        traced("trending_hashtags", &viewer.tenant, async {
            options.validate()?;
            let access = self.access(viewer).await?;
            let now = self.inner.clock.now();
            let mut buckets = self
                .inner
                .store
                .tag_activity(&access, options.since(now), options.bucket_seconds)
                .await?;
            let muted = self
                .load_muted(
                    access.tenant(),
                    access.person(),
                    self.inner.options.feed.max_follows,
                )
                .await?;
            buckets
                .retain(|b| !muted.tags.contains(&b.key) && !muted.words.matches(b.key.as_str()));
            Ok(compute_trends(&buckets, now, options))
        })
        .await
    }
}
