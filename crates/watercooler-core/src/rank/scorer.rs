//! The default ranker: a pure, synchronous, deterministic function of the candidates, the
//! viewer's context and an injected time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::config::RankerConfig;
use super::context::ViewerContext;
use super::explain::{Explanation, LabelFacts, Part, label};
use super::signals::{Signal, Signals, flags};
use super::{Ranked, Ranker, cmp_ranked};
use crate::error::Result;
use crate::ids::PersonId;
use crate::store::Candidate;

/// The default [`Ranker`]: recency, engagement, affinity, mentions, followed hashtags,
/// seen posts, author diversity and pinned announcements, weighted by a [`RankerConfig`].
#[derive(Debug, Clone, Default)]
pub struct DefaultRanker {
    config: RankerConfig,
}

impl DefaultRanker {
    /// A ranker with these weights; [`crate::Error::Invalid`] if they fail
    /// [`RankerConfig::validate`].
    pub fn new(config: RankerConfig) -> Result<Self> {
        config.validate()?;
        Ok(DefaultRanker { config })
    }

    /// The weights.
    pub fn config(&self) -> &RankerConfig {
        &self.config
    }

    /// `0.5^(age / half-life)`.
    #[inline]
    fn decay(&self, s: &Signals) -> f64 {
        (-s.age_hours / self.config.half_life_hours).exp2()
    }

    /// The engagement signal before its weight: `√(weighted count / (1 + age/norm))`. The
    /// square root damps the heavy tail (one viral post must not bury everything), as
    /// Stream's `popularity ^ 0.5` does.
    #[inline]
    fn engagement_value(&self, s: &Signals) -> f64 {
        let c = &self.config;
        let weighted = f64::from(s.reactions) + c.reply_weight * f64::from(s.replies);
        (weighted / (1.0 + s.age_hours / c.engagement_norm_hours)).sqrt()
    }

    #[inline]
    fn interaction_value(&self, s: &Signals) -> f64 {
        let n = f64::from(s.interactions);
        n / (n + self.config.interactions_half)
    }

    #[inline]
    fn tag_value(&self, s: &Signals) -> f64 {
        f64::from(u32::from(s.followed_tags).min(self.config.followed_hashtag_cap))
    }

    /// The score before seen, diversity and pinning: freshness times relevance.
    #[inline]
    pub fn organic(&self, s: &Signals) -> f64 {
        let c = &self.config;
        let bit = |f: u16| if s.has(f) { 1.0 } else { 0.0 };
        let relevance = c.base
            + c.engagement * self.engagement_value(s)
            + c.followed_author * bit(flags::FOLLOWED_AUTHOR)
            + c.group * bit(flags::GROUP)
            + c.department * bit(flags::DEPARTMENT)
            + c.manager_chain * bit(flags::MANAGER_CHAIN)
            + c.interactions * self.interaction_value(s)
            + c.mention * bit(flags::MENTION)
            + c.followed_hashtag * self.tag_value(s);
        self.decay(s) * relevance
    }

    /// The multiplier of an author's `k`-th post in a ranking (`k = 0` for their first):
    /// `(1 − floor)·decay^k + floor` (0.75·0.5^k + 0.25 by default, as Twitter's home mixer).
    #[inline]
    pub fn diversity_factor(&self, k: u32) -> f64 {
        let c = &self.config;
        let k = i32::try_from(k).unwrap_or(i32::MAX);
        (1.0 - c.diversity_floor) * c.diversity_decay.powi(k) + c.diversity_floor
    }

    /// The full score of one candidate that is its author's `k`-th in the ranking. Pure
    /// arithmetic on [`Signals`]: no allocation, no lookups.
    #[inline]
    pub fn score(&self, s: &Signals, k: u32) -> f64 {
        self.score_parts(s, k, s.has(flags::SEEN))
    }

    /// [`DefaultRanker::score`], with the seen penalty applied or not.
    #[inline]
    fn score_parts(&self, s: &Signals, k: u32, seen: bool) -> f64 {
        let c = &self.config;
        let mut organic = self.organic(s);
        if !s.has(flags::PINNED) {
            organic *= self.diversity_factor(k);
        }
        if seen {
            organic *= c.seen;
        }
        if s.has(flags::PINNED) {
            organic + c.pinned_boost
        } else {
            organic
        }
    }
}

impl Ranker for DefaultRanker {
    fn rank(
        &self,
        ctx: &ViewerContext,
        candidates: &[Candidate],
        now: DateTime<Utc>,
    ) -> Vec<Ranked> {
        let signals: Vec<Signals> = candidates
            .iter()
            .map(|c| Signals::of(ctx, c, now))
            .collect();

        // Authors as small numbers, so diversity counts in a flat array.
        let mut author_ids: HashMap<&PersonId, u32> = HashMap::new();
        let authors: Vec<u32> = candidates
            .iter()
            .map(|c| {
                let next = u32::try_from(author_ids.len()).unwrap_or(u32::MAX);
                *author_ids.entry(&c.view.post.author).or_insert(next)
            })
            .collect();

        // First pass: order by the score without diversity and without the seen penalty,
        // to know which of an author's posts is their first, second, ... (pinned posts stay
        // out of the count). Leaving the seen state out means marking one post seen changes
        // no other post's score, which keeps feed cursors stable while the host marks pages
        // seen.
        let mut ranked: Vec<Ranked> = signals
            .iter()
            .enumerate()
            .map(|(i, s)| Ranked {
                index: i,
                post: candidates[i].view.post.id,
                score: self.score_parts(s, 0, false),
                unseen_score: 0.0,
                author_rank: 0,
            })
            .collect();
        ranked.sort_unstable_by(cmp_ranked);
        let mut counts = vec![0u32; author_ids.len()];
        for r in &mut ranked {
            let s = &signals[r.index];
            if !s.has(flags::PINNED) {
                let count = &mut counts[authors[r.index] as usize];
                r.author_rank = *count;
                *count = count.saturating_add(1);
            }
            r.score = self.score(s, r.author_rank);
            r.unseen_score = self.score_parts(s, r.author_rank, false);
        }
        ranked.sort_unstable_by(cmp_ranked);
        ranked
    }

    fn explain(
        &self,
        ctx: &ViewerContext,
        candidate: &Candidate,
        ranked: &Ranked,
        now: DateTime<Utc>,
    ) -> Explanation {
        let s = Signals::of(ctx, candidate, now);
        let c = &self.config;
        let post = &candidate.view.post;
        let decay = self.decay(&s);
        let facts = LabelFacts {
            age_hours: s.age_hours,
            reactions: s.reactions,
            replies: s.replies,
            popular: s.has(flags::POPULAR),
            followed_tag: post
                .hashtags
                .iter()
                .find(|h| ctx.followed_tags.contains(&h.key))
                .map(|h| {
                    (
                        h.display.as_str(),
                        usize::from(s.followed_tags.saturating_sub(1)),
                    )
                }),
        };
        let bit = |f: u16| if s.has(f) { 1.0 } else { 0.0 };
        // Each term of `organic` times the decay: together they add up to `organic`.
        let organic_parts = [
            (Signal::Recency, c.base),
            (Signal::Engagement, c.engagement * self.engagement_value(&s)),
            (
                Signal::FollowedAuthor,
                c.followed_author * bit(flags::FOLLOWED_AUTHOR),
            ),
            (Signal::Group, c.group * bit(flags::GROUP)),
            (Signal::Department, c.department * bit(flags::DEPARTMENT)),
            (
                Signal::ManagerChain,
                c.manager_chain * bit(flags::MANAGER_CHAIN),
            ),
            (
                Signal::Interactions,
                c.interactions * self.interaction_value(&s),
            ),
            (Signal::Mention, c.mention * bit(flags::MENTION)),
            (
                Signal::FollowedHashtag,
                c.followed_hashtag * self.tag_value(&s),
            ),
        ];
        let mut parts: Vec<(Signal, f64)> = organic_parts
            .iter()
            .map(|&(sig, w)| (sig, decay * w))
            .collect();
        let mut organic = self.organic(&s);
        if !s.has(flags::PINNED) {
            let factor = self.diversity_factor(ranked.author_rank);
            parts.push((Signal::Diversity, (factor - 1.0) * organic));
            organic *= factor;
        }
        if s.has(flags::SEEN) {
            parts.push((Signal::Seen, (c.seen - 1.0) * organic));
        }
        if s.has(flags::PINNED) {
            parts.push((Signal::Pinned, c.pinned_boost));
        }
        let mut e = Explanation {
            total: self.score(&s, ranked.author_rank),
            parts: parts
                .into_iter()
                .filter(|&(_, v)| v != 0.0)
                .map(|(signal, contribution)| Part {
                    signal,
                    contribution,
                    label: label(signal, ctx.language, &facts),
                })
                .collect(),
        };
        e.sort();
        e
    }
}
