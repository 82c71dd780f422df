//! Trending hashtags: pure math over per-bucket counts of distinct authors, Mastodon style.
//!
//! For each tag key and each recent bucket `b`:
//!
//! ```text
//! observed = distinct authors in b
//! expected = max(1, mean distinct authors over the `history` buckets before b)
//! raw      = 0                                  if observed < min_authors or expected > observed
//!          = (observed − expected)² / expected  otherwise
//! score_b  = raw · 0.5^(age_b / half_life)      age_b = time since b ended (0 while b is open)
//! ```
//!
//! and the tag's score is the best `score_b` over the last `peak_buckets` buckets (so a peak
//! is kept for a while, fading). Tags scoring below `min_score` are left out.
//!
//! Counting distinct authors, not uses, keeps one enthusiast from making a trend. The
//! counts come from [`crate::Store::tag_activity`], which counts only posts the viewer may
//! see: a tag used only inside a group never trends for non-members, and the numbers shown
//! never include invisible posts.

use chrono::{DateTime, Duration, Utc};
use watercooler_text::TagKey;

use crate::error::{Error, Result};
use crate::store::TagBucket;

/// How trends are computed. Defaults follow Mastodon (daily buckets, yesterday as the
/// baseline, a 4-hour half-life, a 2-day peak, hidden below 1) with a lower minimum of
/// distinct authors (3) for intranet-sized audiences.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct TrendOptions {
    /// Length of a bucket, in seconds (default 86 400: one day).
    pub bucket_seconds: i64,
    /// How many buckets before a bucket make its baseline (default 1: yesterday).
    pub history: u32,
    /// How many recent buckets may hold a tag's peak (default 2: today and yesterday).
    pub peak_buckets: u32,
    /// Fewer distinct authors than this in a bucket never trend (default 3).
    pub min_authors: u32,
    /// Half-life of a peak after its bucket ended, in seconds (default 14 400: 4 hours).
    pub half_life_seconds: i64,
    /// Trends scoring below this are left out (default 1.0).
    pub min_score: f64,
    /// At most this many trends (default 10).
    pub limit: usize,
}

impl Default for TrendOptions {
    fn default() -> Self {
        TrendOptions {
            bucket_seconds: 86_400,
            history: 1,
            peak_buckets: 2,
            min_authors: 3,
            half_life_seconds: 4 * 3600,
            min_score: 1.0,
            limit: 10,
        }
    }
}

/// Chainable setters, for building options outside this crate (the struct is
/// `#[non_exhaustive]`, so it has no public literal):
/// `TrendOptions::default().bucket_seconds(…)`. Each sets the field of the same name.
/// ```
/// use watercooler_core::TrendOptions;
/// let options = TrendOptions::default().bucket_seconds(3600).limit(5);
/// assert_eq!((options.bucket_seconds, options.limit), (3600, 5));
/// ```
impl TrendOptions {
    /// Sets the `bucket_seconds` field.
    pub fn bucket_seconds(mut self, bucket_seconds: i64) -> Self {
        self.bucket_seconds = bucket_seconds;
        self
    }

    /// Sets the `history` field.
    pub fn history(mut self, history: u32) -> Self {
        self.history = history;
        self
    }

    /// Sets the `peak_buckets` field.
    pub fn peak_buckets(mut self, peak_buckets: u32) -> Self {
        self.peak_buckets = peak_buckets;
        self
    }

    /// Sets the `min_authors` field.
    pub fn min_authors(mut self, min_authors: u32) -> Self {
        self.min_authors = min_authors;
        self
    }

    /// Sets the `half_life_seconds` field.
    pub fn half_life_seconds(mut self, half_life_seconds: i64) -> Self {
        self.half_life_seconds = half_life_seconds;
        self
    }

    /// Sets the `min_score` field.
    pub fn min_score(mut self, min_score: f64) -> Self {
        self.min_score = min_score;
        self
    }

    /// Sets the `limit` field.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
}

/// Longest bucket accepted: a year.
const MAX_BUCKET_SECONDS: i64 = 366 * 86_400;
/// Most buckets one request may span (history plus peak), so a request reads a bounded
/// stretch of activity.
const MAX_BUCKETS: u32 = 1_000;

impl TrendOptions {
    /// Checks the options; [`Error::Invalid`] names the first bad field.
    pub fn validate(&self) -> Result<()> {
        let bad = |why: String| Err(Error::invalid("trend options", why));
        if !(60..=MAX_BUCKET_SECONDS).contains(&self.bucket_seconds) {
            return bad(format!(
                "bucket_seconds must be in [60, {MAX_BUCKET_SECONDS}]"
            ));
        }
        if self.history == 0 || self.peak_buckets == 0 {
            return bad("history and peak_buckets must be at least 1".into());
        }
        if self.history.saturating_add(self.peak_buckets) > MAX_BUCKETS {
            return bad(format!(
                "history + peak_buckets must be at most {MAX_BUCKETS}"
            ));
        }
        if !(1..=MAX_BUCKET_SECONDS).contains(&self.half_life_seconds) {
            return bad(format!(
                "half_life_seconds must be in [1, {MAX_BUCKET_SECONDS}]"
            ));
        }
        if !self.min_score.is_finite() || self.min_score < 0.0 {
            return bad("min_score must be finite and not negative".into());
        }
        if self.limit == 0 || self.limit > crate::MAX_PAGE_SIZE {
            return bad(format!("limit must be in [1, {}]", crate::MAX_PAGE_SIZE));
        }
        Ok(())
    }

    /// The start of the oldest bucket the trends at `now` read: pass it to
    /// [`crate::Store::tag_activity`] as `since`.
    pub fn since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let first = bucket_index(now, self.bucket_seconds)
            - i64::from(self.peak_buckets - 1)
            - i64::from(self.history);
        bucket_start(first, self.bucket_seconds)
    }
}

/// A trending hashtag.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Trend {
    /// The tag key.
    pub key: TagKey,
    /// A typed form, for display (the most recent).
    pub display: String,
    /// The trend score (higher first).
    pub score: f64,
    /// Distinct authors, in posts the viewer may see, in the bucket of the peak.
    pub authors: u32,
    /// The baseline the peak was measured against.
    pub expected: f64,
    /// Start of the bucket of the peak.
    pub peak_at: DateTime<Utc>,
}

/// The raw Mastodon score: 0 when `observed < min_authors` or `expected > observed`, else
/// `(observed − expected)² / expected`. `expected` is raised to at least 1.
pub fn trend_score(observed: u32, expected: f64, min_authors: u32) -> f64 {
    let expected = if expected.is_nan() {
        1.0
    } else {
        expected.max(1.0)
    };
    let observed_f = f64::from(observed);
    if observed < min_authors || expected > observed_f {
        return 0.0;
    }
    (observed_f - expected).powi(2) / expected
}

/// `0.5^(age / half_life)`, 1 for ages not above zero.
pub fn decay(age: Duration, half_life: Duration) -> f64 {
    let age = age.num_milliseconds();
    let hl = half_life.num_milliseconds().max(1);
    if age <= 0 {
        1.0
    } else {
        (-(age as f64) / hl as f64).exp2()
    }
}

fn bucket_index(t: DateTime<Utc>, bucket_seconds: i64) -> i64 {
    t.timestamp().div_euclid(bucket_seconds)
}

fn bucket_start(index: i64, bucket_seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(index.saturating_mul(bucket_seconds), 0).unwrap_or_default()
}

/// Trends at `now` from per-bucket activity (any order; buckets outside the window are
/// ignored), best first, ties by more authors then by key. `options` must be valid.
pub fn compute_trends(
    buckets: &[TagBucket],
    now: DateTime<Utc>,
    options: &TrendOptions,
) -> Vec<Trend> {
    let len = options.bucket_seconds;
    let current = bucket_index(now, len);
    let first_peak = current - i64::from(options.peak_buckets) + 1;
    let first = first_peak - i64::from(options.history);
    let span = usize::try_from(current - first + 1).unwrap_or(0);
    let half_life = Duration::seconds(options.half_life_seconds);

    let mut sorted: Vec<&TagBucket> = buckets
        .iter()
        .filter(|b| (first..=current).contains(&bucket_index(b.bucket_start, len)))
        .collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key).then(a.bucket_start.cmp(&b.bucket_start)));

    let mut trends = Vec::new();
    let mut counts = vec![0u32; span];
    for group in sorted.chunk_by(|a, b| a.key == b.key) {
        counts.fill(0);
        for b in group {
            // In range by the filter above, so the index fits.
            let i = (bucket_index(b.bucket_start, len) - first) as usize;
            // A store may split one bucket in several rows; distinct authors across rows
            // are unknown, so the largest row is the safe (never inflated) count.
            counts[i] = counts[i].max(b.authors);
        }
        let history = options.history as usize;
        let mut best: Option<(f64, u32, f64, i64)> = None;
        for i in history..span {
            let observed = counts[i];
            let expected = (counts[i - history..i]
                .iter()
                .map(|&c| f64::from(c))
                .sum::<f64>()
                / history as f64)
                .max(1.0);
            let raw = trend_score(observed, expected, options.min_authors);
            if raw == 0.0 {
                continue;
            }
            let index = first + i as i64;
            let ended = bucket_start(index + 1, len);
            let score = raw * decay(now - ended, half_life);
            if best.is_none_or(|(s, ..)| score > s) {
                best = Some((score, observed, expected, index));
            }
        }
        if let Some((score, authors, expected, index)) = best
            && score >= options.min_score
            && let Some(last) = group.last()
        {
            trends.push(Trend {
                key: last.key.clone(),
                display: last.display.clone(),
                score,
                authors,
                expected,
                peak_at: bucket_start(index, len),
            });
        }
    }
    trends.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.authors.cmp(&a.authors))
            .then(a.key.cmp(&b.key))
    });
    trends.truncate(options.limit);
    trends
}
