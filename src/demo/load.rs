//! Stores the generated company: follows, then posts through the import path
//! ([`Watercooler::prepare_import`] and batched [`watercooler::Store::insert_posts`]),
//! reactions in bulk, a little live activity through the service API, and waits for the
//! search index — which follows the store's change log all along — to catch up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use watercooler::search::{SearchIndex, TantivyIndex};
use watercooler::{
    ImportedPost, ManualClock, NewPost, ParentRef, Post, PostId, Reaction, ReactionKind, Viewer,
    Watercooler,
};

use super::DemoError;
use super::company::Company;
use super::marker::Counts;
use super::posts::Activity;

/// Posts per [`watercooler::Store::insert_posts`] call.
const POST_BATCH: usize = 500;
/// Reactions per [`watercooler::Store::add_reactions`] call.
const REACTION_BATCH: usize = 2_000;

pub(super) struct Loader<'a> {
    pub(super) wc: &'a Watercooler,
    pub(super) company: &'a Company,
    pub(super) clock: &'a ManualClock,
    pub(super) index: &'a Arc<TantivyIndex>,
    pub(super) progress: bool,
    pub(super) now: DateTime<Utc>,
}

impl Loader<'_> {
    /// A progress bar on stderr (hidden when it is not a terminal); cleared when done, as
    /// the caller prints the steps' times afterwards.
    fn bar(&self, len: usize, what: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let style = ProgressStyle::with_template(
            "{prefix:>10} [{bar:32.cyan/blue}] {pos:>5}/{len:5} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        ProgressBar::new(len as u64)
            .with_style(style)
            .with_prefix(what.to_owned())
    }

    /// Stores everything; records each step's time with `step`.
    pub(super) async fn load(
        &self,
        activity: &Activity,
        step: &mut impl FnMut(&str, Instant),
    ) -> Result<Counts, DemoError> {
        let mut counts = Counts {
            people: self.company.people.len(),
            groups: self.company.groups.len(),
            ..Counts::default()
        };
        let t = Instant::now();
        counts.follows = self.follows().await?;
        step("store follows", t);
        let t = Instant::now();
        let ids = self.posts(activity, &mut counts).await?;
        step("store posts (import path)", t);
        let t = Instant::now();
        counts.reactions = self.reactions(activity, &ids).await?;
        step("store reactions", t);
        let t = Instant::now();
        let live = self.live().await?;
        counts.posts += live.0;
        counts.replies += live.1;
        counts.reactions += live.2;
        step("live activity through the service API", t);
        let t = Instant::now();
        self.index_catch_up().await?;
        step(
            "search index catch-up (it indexed while posts were stored)",
            t,
        );
        Ok(counts)
    }

    async fn follows(&self) -> Result<usize, DemoError> {
        let store = self.wc.store();
        let bar = self.bar(self.company.follows.len(), "follows");
        let mut n = 0;
        for (person, target) in &self.company.follows {
            n += usize::from(store.follow(&self.company.tenant, person, target).await?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(n)
    }

    /// Imports the posts in time order: a post that notifies someone (a mention, a reply)
    /// goes in alone with its notifications, the others in batches.
    async fn posts(
        &self,
        activity: &Activity,
        counts: &mut Counts,
    ) -> Result<Vec<PostId>, DemoError> {
        let store = self.wc.store();
        let tenant = &self.company.tenant;
        let bar = self.bar(activity.posts.len(), "posts");
        let mut parents: Vec<ParentRef> = Vec::with_capacity(activity.posts.len());
        let mut batch: Vec<Post> = Vec::with_capacity(POST_BATCH);
        for p in &activity.posts {
            let parent = match p.parent {
                Some(i) => Some(parents.get(i).cloned().ok_or_else(|| {
                    DemoError::Internal(format!("reply {} precedes its parent", p.id))
                })?),
                None => None,
            };
            let mut new = NewPost::new(p.text.clone()).language(p.language.clone());
            new.visibility = p.visibility.clone();
            let item = ImportedPost {
                id: p.id,
                author: self.company.people[p.author].id.clone(),
                created_at: p.at,
                post: new,
                parent,
            };
            let (post, notes) = self.wc.prepare_import(tenant, item).await?;
            parents.push(ParentRef::of(&post));
            if post.is_reply() {
                counts.replies += 1;
            } else {
                counts.posts += 1;
            }
            if notes.is_empty() {
                batch.push(post);
                if batch.len() == POST_BATCH {
                    store.insert_posts(&batch).await?;
                    bar.inc(batch.len() as u64);
                    batch.clear();
                }
            } else {
                // Keep the time order: what is batched so far goes first.
                if !batch.is_empty() {
                    store.insert_posts(&batch).await?;
                    bar.inc(batch.len() as u64);
                    batch.clear();
                }
                store.insert_post(&post, &notes).await?;
                bar.inc(1);
            }
        }
        if !batch.is_empty() {
            store.insert_posts(&batch).await?;
            bar.inc(batch.len() as u64);
        }
        bar.finish_and_clear();
        Ok(parents.into_iter().map(|p| p.id).collect())
    }

    async fn reactions(&self, activity: &Activity, ids: &[PostId]) -> Result<usize, DemoError> {
        let store = self.wc.store();
        let bar = self.bar(activity.reactions.len(), "reactions");
        let mut n = 0;
        for chunk in activity.reactions.chunks(REACTION_BATCH) {
            let batch: Vec<Reaction> = chunk
                .iter()
                .filter_map(|r| {
                    Some(Reaction {
                        post: *ids.get(r.post)?,
                        person: self.company.people.get(r.person)?.id.clone(),
                        kind: r.kind,
                        at: r.at,
                    })
                })
                .collect();
            n += store.add_reactions(&self.company.tenant, &batch).await?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(n)
    }

    /// The last minutes before the demo's clock, through the service as an application
    /// would call it: the demo employee posts, colleagues react and reply, someone mentions
    /// her. Returns the posts, replies and reactions made.
    async fn live(&self) -> Result<(usize, usize, usize), DemoError> {
        let tenant = self.company.tenant.as_str();
        let as_viewer = |i: usize| Viewer::new(tenant, self.company.people[i].id.as_str());
        let minute = chrono::Duration::minutes(1);
        self.clock.set(self.now - minute * 20);
        let sanne = &self.company.viewer().handle;
        let mine = self
            .wc
            .publish(
                &as_viewer(0),
                NewPost::new(
                    "Wie heeft de notulen van de vergadering van dinsdag? Ik wil ze delen met \
                     het team. #klantdag",
                )
                .language(watercooler::Language::dutch()),
            )
            .await?;
        let mut reactions = 0;
        // People 2.. are ordinary colleagues (0 is the demo employee, 1 the group member).
        let colleagues: Vec<usize> = (2..self.company.people.len()).step_by(7).take(4).collect();
        for (k, &c) in colleagues.iter().enumerate() {
            self.clock.advance(minute);
            let kind = if k % 2 == 0 {
                ReactionKind::Like
            } else {
                ReactionKind::Celebrate
            };
            reactions += usize::from(self.wc.react(&as_viewer(c), &mine.id, kind).await?);
        }
        self.clock.advance(minute);
        let helper = colleagues.first().copied().unwrap_or(2);
        self.wc
            .reply(
                &as_viewer(helper),
                &mine.id,
                &format!("Ik stuur ze je zo, @{sanne}. Ze staan ook op het intranet."),
            )
            .await?;
        self.clock.advance(minute);
        let mentioner = colleagues.last().copied().unwrap_or(3);
        self.wc
            .publish(
                &as_viewer(mentioner),
                NewPost::new(format!(
                    "Welcome to the #duurzaamheid working group, @{sanne}! First meeting on Monday."
                ))
                .language(watercooler::Language::english()),
            )
            .await?;
        self.clock.set(self.now);
        Ok((2, 1, reactions))
    }

    /// Waits until everything stored is searchable, showing the index's progress.
    async fn index_catch_up(&self) -> Result<(), DemoError> {
        let target = self.wc.store().last_seq().await?;
        let bar = self.bar(target.0 as usize, "index");
        bar.set_message("change-log entries");
        let index = self.index.clone();
        let task = tokio::spawn(async move { index.refresh().await });
        while !task.is_finished() {
            bar.set_position(self.index.searchable_seq().0.min(target.0));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let seq = task
            .await
            .map_err(|e| DemoError::Internal(format!("index task failed: {e}")))??;
        bar.set_position(seq.0.min(target.0));
        bar.finish_and_clear();
        Ok(())
    }
}
