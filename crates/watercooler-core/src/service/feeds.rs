//! Feeds: the ranked home feed and the chronological group, hashtag and profile feeds.
//!
//! Ranked pagination (see `docs/ranking.md`): the first page fixes a snapshot — the largest
//! candidate id and the ranking time — and every cursor carries it together with the
//! (score, id) of the last item served. A later page gathers the candidates again under the
//! snapshot, ranks them again (deterministically, at the snapshot's time) and serves what
//! ranks after that boundary. Posts published meanwhile are above the snapshot's id and wait
//! for the next refresh, so pages neither repeat nor skip.

use std::collections::{HashMap, HashSet};

use watercooler_text::{TagKey, check_hashtag_key, parse_hashtag, try_hashtag_key};

use super::Watercooler;
use super::traced::traced;
use crate::access::{Access, Viewer};
use crate::error::Result;
use crate::ids::{GroupId, PersonId, PostId, TenantId};
use crate::model::{FollowTarget, MuteTarget, PostView};
use crate::page::{MAX_PAGE_SIZE, Page, PageRequest};
use crate::rank::cursor::RankCursor;
use crate::rank::{
    FeedItem, FeedOptions, FeedPage, LabelLanguage, Muted, Ranked, Ranker, ViewerContext,
    cmp_ranked,
};
use crate::store::{Candidate, CandidateQuery, Order, PostFilter};

/// How many store pages one chronological feed page may read while it skips muted posts.
/// Bounds the work of one call; a page may then come back short (with a cursor).
const MAX_FILL_READS: usize = 8;

impl Watercooler {
    /// The viewer's ranked home feed, with the ranker and [`FeedOptions`] set on the
    /// builder ([`DefaultRanker`](crate::rank::DefaultRanker) and the default options unless changed): posts by people
    /// they follow, in their groups, with hashtags they follow, mentioning them, pinned
    /// announcements, and a few popular posts from the rest of the organisation. Each item
    /// is a thread root with its latest replies and an explanation of its score. Muted
    /// people, words and hashtags are left out; posts the viewer has seen rank lower.
    ///
    /// Pass [`PageRequest::first`] for the first page and [`PageRequest::after`] with
    /// [`FeedPage::next`] for the following ones; the pages of one snapshot neither repeat
    /// nor skip items while new posts are published. A cursor that is not one this method
    /// made is [`Error::Invalid`](crate::Error::Invalid), and so is a limit outside
    /// 1..=[`MAX_PAGE_SIZE`].
    pub async fn home_feed(&self, viewer: &Viewer, page: &PageRequest) -> Result<FeedPage> {
        let inner = &self.inner;
        self.home_feed_with(viewer, &*inner.ranker, &inner.options.feed, page)
            .await
    }

    /// [`Watercooler::home_feed`] with a ranker and options of the caller's choice for
    /// this call, overriding the builder's. A cursor made under other options or another
    /// ranker pages on without error, but pages may then repeat or skip items.
    pub async fn home_feed_with(
        &self,
        viewer: &Viewer,
        ranker: &dyn Ranker,
        options: &FeedOptions,
        page: &PageRequest,
    ) -> Result<FeedPage> {
        traced("home_feed", &viewer.tenant, async {
            page.validate()?;
            let snapshot = page.cursor.as_ref().map(RankCursor::decode).transpose()?;
            let access = self.access(viewer).await?;
            // A snapshot never claims a time after now: a cursor can only narrow.
            let clock_now = self.inner.clock.now();
            let now = snapshot.map_or(clock_now, |s| s.now.min(clock_now));

            let mut ctx = self.viewer_context(&access, options).await?;
            let query = CandidateQuery {
                authors: ctx.follows.iter().cloned().collect(),
                groups: access.groups().to_vec(),
                hashtags: ctx.followed_tags.iter().cloned().collect(),
                mentioning_viewer: true,
                since: now - options.window,
                max_id: snapshot.map_or(PostId::MAX, |s| s.max_id),
                per_source: options.per_source,
                popular: options.popular,
                now,
            };
            let mut candidates = self.inner.store.feed_candidates(&access, &query).await?;
            // Before ranking: engagement signals and explanations use these counts.
            for c in candidates.iter_mut() {
                self.count_for_viewer(&access, &mut c.view).await?;
            }
            // The store already filters by visibility; checking again is cheap and means a
            // faulty backend cannot leak a post into a feed. Replies are shown inside their
            // thread, never as items.
            candidates.retain(|c| {
                let p = &c.view.post;
                access.can_see(p) && !p.is_reply() && p.id <= query.max_id && !ctx.muted.hides(p)
            });
            candidates.sort_unstable_by_key(|c| c.view.post.id);
            candidates.dedup_by(|a, b| a.view.post.id == b.view.post.id);
            if candidates.is_empty() {
                return Ok(FeedPage {
                    items: Vec::new(),
                    next: None,
                });
            }
            let max_id = snapshot.map_or_else(
                || candidates.last().map_or(PostId::MIN, |c| c.view.post.id),
                |s| s.max_id,
            );
            self.complete_context(&access, &candidates, &mut ctx)
                .await?;

            let ranked = sanitize(ranker.rank(&ctx, &candidates, now), &candidates);
            let (served, more) = select_page(ranked, snapshot.as_ref(), &ctx.seen, page.limit);

            // Explain while the candidates are whole, then move the page's posts out of
            // them rather than cloning.
            let explanations: Vec<_> = served
                .iter()
                .map(|r| ranker.explain(&ctx, &candidates[r.index], r, now))
                .collect();
            let mut slots: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
            let mut items = Vec::with_capacity(served.len());
            for (r, explanation) in served.iter().zip(explanations) {
                // `sanitize` kept each index once and in range.
                let Some(c) = slots.get_mut(r.index).and_then(Option::take) else {
                    continue;
                };
                let replies = self
                    .latest_replies(&access, &c.view, &ctx.muted, options)
                    .await?;
                items.push(FeedItem {
                    post: c.view,
                    replies,
                    sources: c.sources,
                    score: r.score,
                    explanation,
                });
            }
            let next = match served.last() {
                Some(last) if more => Some(
                    RankCursor {
                        max_id,
                        now,
                        score: last.score,
                        post: last.post,
                    }
                    .encode(),
                ),
                _ => None,
            };
            Ok(FeedPage { items, next })
        })
        .await
    }

    /// A group's posts the viewer may see, newest first (roots only; muted ones left out).
    /// A group the viewer is not a member of, or that does not exist, gives an empty page
    /// either way, so the answer does not reveal whether a private group exists.
    pub async fn group_feed(
        &self,
        viewer: &Viewer,
        group: &GroupId,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        group.check()?;
        let filter = PostFilter {
            group: Some(group.clone()),
            ..PostFilter::default()
        };
        self.chronological("group_feed", viewer, &filter, page, true)
            .await
    }

    /// Posts with a hashtag the viewer may see, newest first (roots only; muted ones left
    /// out). Every spelling of the tag counts (`#Café`, `#CAFÉ`, `#cafe\u{301}`): the
    /// tag is matched by its key.
    ///
    /// `tag` is a tag name as [`watercooler_text::parse_hashtag`] reads it (`#`/`＃`
    /// optional, then exactly one hashtag), or a key exactly as [`Watercooler::follows`]
    /// returns it. Anything else — empty, `hello world`, `.abc`, a key over the limit — is
    /// [`Error::Invalid`](crate::Error::Invalid) of the field `tag`: no post can carry such
    /// a tag.
    pub async fn hashtag_feed(
        &self,
        viewer: &Viewer,
        tag: &str,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        let key = feed_tag_key(tag)?;
        let filter = PostFilter {
            hashtag: Some(key),
            ..PostFilter::default()
        };
        self.chronological("hashtag_feed", viewer, &filter, page, true)
            .await
    }

    /// A person's posts, as much as the viewer may see of them, newest first (roots only).
    /// Visiting a profile is explicit, so mutes do not apply. Someone unknown gives an
    /// empty page.
    pub async fn profile_feed(
        &self,
        viewer: &Viewer,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        person.check()?;
        let filter = PostFilter {
            author: Some(person.clone()),
            ..PostFilter::default()
        };
        self.chronological("profile_feed", viewer, &filter, page, false)
            .await
    }

    /// A chronological page through [`crate::Store::list_posts`]. With `apply_mutes`, muted
    /// posts are skipped and further store pages read (at most [`MAX_FILL_READS`]) to fill
    /// the page; the store's own cursor is handed back, so paging stays stable.
    async fn chronological(
        &self,
        op: &'static str,
        viewer: &Viewer,
        filter: &PostFilter,
        page: &PageRequest,
        apply_mutes: bool,
    ) -> Result<Page<PostView>> {
        traced(op, &viewer.tenant, async {
            page.validate()?;
            let access = self.access(viewer).await?;
            let muted = if apply_mutes {
                self.load_muted(
                    access.tenant(),
                    access.person(),
                    self.inner.options.feed.max_follows,
                )
                .await?
            } else {
                Muted::new()
            };
            let mut items = Vec::with_capacity(page.limit);
            let mut request = page.clone();
            for _ in 0..MAX_FILL_READS {
                let got = self
                    .inner
                    .store
                    .list_posts(&access, filter, &request)
                    .await?;
                items.extend(
                    got.items
                        .into_iter()
                        .filter(|v| access.can_see(&v.post) && !muted.hides(&v.post)),
                );
                match got.next {
                    Some(next) if items.len() < page.limit => {
                        request = PageRequest::after(next, page.limit - items.len());
                    }
                    next => {
                        self.counts_for_viewer(&access, &mut items).await?;
                        return Ok(Page { items, next });
                    }
                }
            }
            self.counts_for_viewer(&access, &mut items).await?;
            Ok(Page {
                items,
                next: request.cursor,
            })
        })
        .await
    }

    /// What the ranker needs to know about the viewer, except what depends on the
    /// candidates (see [`Watercooler::complete_context`]).
    async fn viewer_context(
        &self,
        access: &Access,
        options: &FeedOptions,
    ) -> Result<ViewerContext> {
        let (tenant, person) = (access.tenant(), access.person());
        let store = &self.inner.store;
        let dir = &self.inner.directory;
        let mut ctx = ViewerContext::new(person.clone());
        ctx.groups = access.groups().iter().cloned().collect();

        let me = dir.person(tenant, person).await?;
        if let Some(me) = &me {
            ctx.department = me.department.clone();
            ctx.language = LabelLanguage::from_locale(me.locale.as_deref());
            // Walk up the manager chain, stopping at the depth limit or a cycle in the
            // host's data.
            let mut next = me.manager.clone();
            while let Some(m) = next.take() {
                if ctx.manager_chain.len() >= options.manager_depth
                    || m == *person
                    || ctx.manager_chain.contains(&m)
                {
                    break;
                }
                next = dir.person(tenant, &m).await?.and_then(|p| p.manager);
                ctx.manager_chain.push(m);
            }
        }

        let mut request = PageRequest::first(MAX_PAGE_SIZE);
        let mut read = 0;
        while read < options.max_follows {
            let page = store.follows(tenant, person, &request).await?;
            read += page.items.len();
            for f in page.items {
                match f {
                    FollowTarget::Person(p) => {
                        ctx.follows.insert(p);
                    }
                    FollowTarget::Hashtag(t) => {
                        ctx.followed_tags.insert(t);
                    }
                    // Member groups are candidates already; following a group one is not a
                    // member of grants nothing.
                    FollowTarget::Group(_) => {}
                }
            }
            match page.next {
                Some(c) => request = PageRequest::after(c, MAX_PAGE_SIZE),
                None => break,
            }
        }
        ctx.follows.remove(person);
        ctx.muted = self.load_muted(tenant, person, options.max_follows).await?;
        ctx.interactions = store
            .interactions(tenant, person, options.max_interactions)
            .await?
            .into_iter()
            .collect();
        Ok(ctx)
    }

    /// Fills in what depends on the candidates: which of them the viewer has seen, and the
    /// departments of their authors.
    async fn complete_context(
        &self,
        access: &Access,
        candidates: &[Candidate],
        ctx: &mut ViewerContext,
    ) -> Result<()> {
        let (tenant, person) = (access.tenant(), access.person());
        let ids: Vec<PostId> = candidates.iter().map(|c| c.view.post.id).collect();
        ctx.seen = self
            .inner
            .store
            .seen_posts(tenant, person, &ids)
            .await?
            .into_iter()
            .collect();
        if ctx.department.is_some() {
            let authors: HashSet<&PersonId> =
                candidates.iter().map(|c| &c.view.post.author).collect();
            let authors: Vec<PersonId> = authors.into_iter().cloned().collect();
            ctx.departments = self
                .inner
                .directory
                .people(tenant, &authors)
                .await?
                .into_iter()
                .filter_map(|p| Some((p.id, p.department?)))
                .collect::<HashMap<_, _>>();
        }
        Ok(())
    }

    /// Everything `person` muted (at most `max` entries).
    pub(super) async fn load_muted(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        max: usize,
    ) -> Result<Muted> {
        let mut muted = Muted::new();
        let mut request = PageRequest::first(MAX_PAGE_SIZE);
        let mut read = 0;
        while read < max {
            let page = self.inner.store.mutes(tenant, person, &request).await?;
            read += page.items.len();
            page.items.iter().for_each(|m: &MuteTarget| muted.insert(m));
            match page.next {
                Some(c) => request = PageRequest::after(c, MAX_PAGE_SIZE),
                None => break,
            }
        }
        Ok(muted)
    }

    /// The latest replies of a thread the viewer may see, oldest first, muted ones left out.
    async fn latest_replies(
        &self,
        access: &Access,
        root: &PostView,
        muted: &Muted,
        options: &FeedOptions,
    ) -> Result<Vec<PostView>> {
        let want = options.replies_per_item.min(MAX_PAGE_SIZE);
        if want == 0 || root.stats.replies == 0 {
            return Ok(Vec::new());
        }
        let filter = PostFilter {
            thread: Some(root.post.id),
            order: Order::NewestFirst,
            ..PostFilter::default()
        };
        // Two extra absorb a muted reply or two without a second read.
        let limit = (want + 2).min(MAX_PAGE_SIZE);
        let page = self
            .inner
            .store
            .list_posts(access, &filter, &PageRequest::first(limit))
            .await?;
        let mut replies: Vec<PostView> = page
            .items
            .into_iter()
            .filter(|v| access.can_see(&v.post) && !muted.hides(&v.post))
            .take(want)
            .collect();
        self.counts_for_viewer(access, &mut replies).await?;
        replies.reverse();
        Ok(replies)
    }
}

/// The `limit` items of a ranking that come after the cursor's boundary, and whether more
/// follow. A post seen since the snapshot ranks lower now; if it would rank above the
/// boundary unseen, it was most likely served already and counts as such, so marking pages
/// seen while paging never brings a post back.
fn select_page(
    ranked: Vec<Ranked>,
    boundary: Option<&RankCursor>,
    seen: &HashSet<PostId>,
    limit: usize,
) -> (Vec<Ranked>, bool) {
    let after = |r: &Ranked| match boundary {
        None => true,
        Some(b) => {
            let below = |score: f64| score.total_cmp(&b.score).then(r.post.cmp(&b.post)).is_lt();
            below(r.score) && (!seen.contains(&r.post) || below(r.unseen_score))
        }
    };
    let mut rest = ranked.into_iter().filter(after);
    let page: Vec<Ranked> = rest.by_ref().take(limit).collect();
    let more = rest.next().is_some();
    (page, more)
}

/// Puts a ranker's answer in the feed order, keeping each candidate once and dropping
/// out-of-range indexes and non-finite scores, so that a faulty ranker can neither panic
/// the service nor break the cursor's total order.
fn sanitize(mut ranked: Vec<Ranked>, candidates: &[Candidate]) -> Vec<Ranked> {
    let mut taken = vec![false; candidates.len()];
    ranked.retain_mut(|r| {
        let ok = r.score.is_finite()
            && r.index < candidates.len()
            && !std::mem::replace(&mut taken[r.index], true);
        if ok {
            // The id comes from the candidate, not the ranker, so the tie-break is true.
            r.post = candidates[r.index].view.post.id;
            if !r.unseen_score.is_finite() || r.unseen_score < r.score {
                r.unseen_score = r.score;
            }
        }
        ok
    });
    ranked.sort_unstable_by(cmp_ranked);
    ranked
}

/// The key of a host-supplied tag name. A stored key is taken as it is, because a few keys
/// are no longer a hashtag to the extractor (`～` is keyed `~`) and hosts link to feeds by
/// the keys they list.
fn feed_tag_key(tag: &str) -> Result<TagKey> {
    match parse_hashtag(tag) {
        Ok(key) => Ok(key),
        Err(e) => match try_hashtag_key(tag) {
            Ok(key) if key.as_str() == tag && check_hashtag_key(&key).is_ok() => Ok(key),
            _ => Err(e.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    //! Crafted cursors: well-formed (checksum and all) but made up. They can position a
    //! feed anywhere, never widen it.

    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::directory::MemoryDirectory;
    use crate::model::{Group, GroupKind, Person};
    use crate::service::NewPost;
    use crate::store::MemoryStore;

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_360_000_000, 0).unwrap()
    }

    #[tokio::test]
    async fn crafted_cursors_never_reveal_invisible_posts() {
        let t = TenantId::new("t");
        let dir = MemoryDirectory::new();
        for p in ["me", "a", "b"] {
            dir.add_person(&t, Person::new(p, p, p)).unwrap();
        }
        let secret = Group {
            id: "secret".into(),
            name: "Secret".into(),
            kind: GroupKind::Team,
            private: true,
        };
        dir.add_group(&t, secret).unwrap();
        dir.add_member(&t, &"secret".into(), &"a".into()).unwrap();
        let clock = Arc::new(ManualClock::new(start()));
        let wc = Watercooler::builder(Arc::new(MemoryStore::new()), Arc::new(dir))
            .clock(clock.clone())
            .id_salt(5)
            .build();
        let me = Viewer::new("t", "me");
        let (a, b) = (Viewer::new("t", "a"), Viewer::new("t", "b"));
        wc.follow(&me, FollowTarget::Person("a".into()))
            .await
            .unwrap();
        let mut invisible = HashSet::new();
        for i in 0..10 {
            clock.advance(Duration::minutes(5));
            wc.publish(&a, NewPost::new(format!("open {i}")))
                .await
                .unwrap();
            let g = wc.publish(
                &a,
                NewPost::new(format!("@me secret {i}")).in_group("secret"),
            );
            invisible.insert(g.await.unwrap().id);
            let d = NewPost::new(format!("dm {i}")).direct_to([PersonId::from("a")]);
            invisible.insert(wc.publish(&b, d).await.unwrap().id);
        }
        let access = wc.access(&me).await.unwrap();
        let times = [
            DateTime::from_timestamp_millis(0).unwrap(),
            start(),
            clock.now(),
            clock.now() + Duration::days(10_000),
        ];
        let scores = [f64::MAX, 1e6, 1.0, 0.0, -1.0, f64::MIN];
        let ids = [PostId::MIN, PostId::MAX];
        let mut shown = 0;
        for now in times {
            for score in scores {
                for max_id in ids {
                    for post in ids {
                        let c = RankCursor {
                            max_id,
                            now,
                            score,
                            post,
                        }
                        .encode();
                        let request = PageRequest::after(c, MAX_PAGE_SIZE);
                        let page = wc.home_feed(&me, &request).await.unwrap();
                        for item in &page.items {
                            let p = &item.post.post;
                            assert!(access.can_see(p) && !invisible.contains(&p.id), "{p:?}");
                            shown += 1;
                        }
                    }
                }
            }
        }
        assert!(
            shown > 0,
            "the crafted cursors did position feeds with items"
        );
    }
}
