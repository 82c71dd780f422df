//! The default ranker's weights: plain numbers with documented defaults (see
//! `docs/ranking.md` for the reasoning behind each one).

use crate::error::{Error, Result};

/// The largest weight accepted. Keeping every weight far below `f64::MAX` keeps every score
/// finite (a product of a huge weight and a huge engagement could otherwise overflow to
/// infinity, and `0 × ∞` is NaN), which the total order of the feed relies on.
pub const MAX_WEIGHT: f64 = 1e9;

/// Weights and shapes of the default ranker's signals.
///
/// A score is
///
/// ```text
/// organic = decay(age) × ( base
///                        + engagement × √(reactions + reply_weight·replies) / (1 + age/engagement_norm_hours)
///                        + followed_author·[author followed]
///                        + group·[posted in one of your groups]
///                        + department·[author in your department]
///                        + manager_chain·[author in your manager chain]
///                        + interactions·n/(n + interactions_half)
///                        + mention·[mentions you]
///                        + followed_hashtag·min(followed tags on the post, followed_hashtag_cap) )
/// organic ×= (1−diversity_floor)·diversity_decay^k + diversity_floor
///                            for the author's k-th post in the ranking (k = 0, 1, …,
///                            counted in the order before seen posts drop)
/// organic ×= seen            if you have seen the post
/// score   = organic + pinned_boost·[pinned announcement]
/// ```
///
/// with `decay(age) = 0.5^(age / half_life_hours)`. With the `serde` feature it reads from
/// any serde format; missing fields take their defaults, unknown fields are an error.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct RankerConfig {
    /// Half-life of freshness, in hours (default 24: yesterday's post counts half).
    pub half_life_hours: f64,
    /// What any candidate is worth before other signals (default 1).
    pub base: f64,
    /// Weight of the engagement signal (default 0.5).
    pub engagement: f64,
    /// How many reactions one reply is worth (default 4).
    pub reply_weight: f64,
    /// Engagement is divided by `1 + age / engagement_norm_hours`: a rate per this many
    /// hours, so old posts do not win on accumulated counts alone (default 24).
    pub engagement_norm_hours: f64,
    /// The author is someone you follow (default 1.5).
    pub followed_author: f64,
    /// Posted in a group you are a member of (default 1).
    pub group: f64,
    /// The author works in your department (default 0.75).
    pub department: f64,
    /// The author is your manager or higher up your manager chain (default 1).
    pub manager_chain: f64,
    /// Weight of how often you interacted with the author (default 1), saturating.
    pub interactions: f64,
    /// Interactions at which the interaction signal reaches half its weight (default 5).
    pub interactions_half: f64,
    /// The post mentions you (default 3).
    pub mention: f64,
    /// Per hashtag you follow on the post (default 1).
    pub followed_hashtag: f64,
    /// At most this many followed hashtags count (default 2).
    pub followed_hashtag_cap: u32,
    /// Multiplier for posts you have seen, in `[0, 1]` (default 0.25).
    pub seen: f64,
    /// What an author's later posts keep at least, in `[0, 1]` (default 0.25).
    pub diversity_floor: f64,
    /// How fast an author's later posts lose weight, in `[0, 1]` (default 0.5).
    pub diversity_decay: f64,
    /// Added to pinned announcements so they stay on top until they expire (default 1e6).
    pub pinned_boost: f64,
}

impl Default for RankerConfig {
    fn default() -> Self {
        RankerConfig {
            half_life_hours: 24.0,
            base: 1.0,
            engagement: 0.5,
            reply_weight: 4.0,
            engagement_norm_hours: 24.0,
            followed_author: 1.5,
            group: 1.0,
            department: 0.75,
            manager_chain: 1.0,
            interactions: 1.0,
            interactions_half: 5.0,
            mention: 3.0,
            followed_hashtag: 1.0,
            followed_hashtag_cap: 2,
            seen: 0.25,
            diversity_floor: 0.25,
            diversity_decay: 0.5,
            pinned_boost: 1e6,
        }
    }
}

impl RankerConfig {
    /// Checks every field: weights finite and in `[0, MAX_WEIGHT]`, lengths of time and the
    /// interaction half point positive, multipliers in `[0, 1]`. A config that passes yields
    /// finite scores for every input.
    pub fn validate(&self) -> Result<()> {
        let weights = [
            ("base", self.base),
            ("engagement", self.engagement),
            ("reply_weight", self.reply_weight),
            ("followed_author", self.followed_author),
            ("group", self.group),
            ("department", self.department),
            ("manager_chain", self.manager_chain),
            ("interactions", self.interactions),
            ("mention", self.mention),
            ("followed_hashtag", self.followed_hashtag),
            ("pinned_boost", self.pinned_boost),
        ];
        for (name, w) in weights {
            if !(0.0..=MAX_WEIGHT).contains(&w) {
                return Err(invalid(format!(
                    "{name} must be in [0, {MAX_WEIGHT}], got {w}"
                )));
            }
        }
        let positive = [
            ("half_life_hours", self.half_life_hours),
            ("engagement_norm_hours", self.engagement_norm_hours),
            ("interactions_half", self.interactions_half),
        ];
        for (name, v) in positive {
            // A lower bound well above zero keeps `age / v` finite for any age.
            if !(1e-6..=MAX_WEIGHT).contains(&v) {
                return Err(invalid(format!(
                    "{name} must be in [1e-6, {MAX_WEIGHT}], got {v}"
                )));
            }
        }
        let unit = [
            ("seen", self.seen),
            ("diversity_floor", self.diversity_floor),
            ("diversity_decay", self.diversity_decay),
        ];
        for (name, v) in unit {
            if !(0.0..=1.0).contains(&v) {
                return Err(invalid(format!("{name} must be in [0, 1], got {v}")));
            }
        }
        if self.followed_hashtag_cap > 255 {
            return Err(invalid(format!(
                "followed_hashtag_cap must be at most 255, got {}",
                self.followed_hashtag_cap
            )));
        }
        Ok(())
    }
}

fn invalid(reason: String) -> Error {
    Error::invalid("ranker config", reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        RankerConfig::default().validate().unwrap();
    }

    #[test]
    fn nan_infinite_negative_and_out_of_range_values_are_rejected() {
        let bad: [fn(&mut RankerConfig); 7] = [
            |c| c.engagement = f64::NAN,
            |c| c.mention = f64::INFINITY,
            |c| c.group = -1.0,
            |c| c.half_life_hours = 0.0,
            |c| c.seen = 1.5,
            |c| c.diversity_decay = f64::NAN,
            |c| c.followed_hashtag_cap = 1000,
        ];
        for f in bad {
            let mut c = RankerConfig::default();
            f(&mut c);
            assert!(matches!(c.validate(), Err(Error::Invalid { .. })), "{c:?}");
        }
    }
}
