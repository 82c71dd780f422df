//! "Why am I seeing this": a score broken down by signal, with a human label per part.

use super::context::LabelLanguage;
use super::signals::Signal;

/// One part of a score.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Part {
    /// Which signal.
    pub signal: Signal,
    /// What it adds to the score (negative for [`Signal::Seen`] and [`Signal::Diversity`]).
    pub contribution: f64,
    /// A short label for people, in the viewer's language ("mentions you").
    pub label: String,
}

/// A score broken down by signal. The contributions of `parts` add up to `total` (up to
/// floating-point rounding); signals that contribute nothing are left out.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Explanation {
    /// The score.
    pub total: f64,
    /// Its parts, largest contribution first.
    pub parts: Vec<Part>,
}

impl Explanation {
    /// The sum of the parts' contributions (equal to `total` up to rounding).
    pub fn sum(&self) -> f64 {
        self.parts.iter().map(|p| p.contribution).sum()
    }

    /// The labels of the parts that add to the score, largest first: what a "why am I
    /// seeing this" popover shows.
    pub fn reasons(&self) -> impl Iterator<Item = &str> {
        self.parts
            .iter()
            .filter(|p| p.contribution > 0.0)
            .map(|p| p.label.as_str())
    }

    /// Sorts the parts by contribution, largest first (ties by signal, for a stable order).
    pub(crate) fn sort(&mut self) {
        self.parts.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then(a.signal.cmp(&b.signal))
        });
    }
}

/// The facts a label may mention beyond its signal.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LabelFacts<'a> {
    pub age_hours: f64,
    pub reactions: u32,
    pub replies: u32,
    pub popular: bool,
    /// The typed form of a followed hashtag on the post, and how many more there are.
    pub followed_tag: Option<(&'a str, usize)>,
}

/// The label of `signal` in `lang`.
pub(crate) fn label(signal: Signal, lang: LabelLanguage, f: &LabelFacts<'_>) -> String {
    let nl = lang == LabelLanguage::Dutch;
    match signal {
        Signal::Recency => {
            let age = age_text(f.age_hours, nl);
            if nl {
                format!("{age} geleden geplaatst")
            } else {
                format!("posted {age} ago")
            }
        }
        Signal::Engagement if f.popular => if nl {
            "populair in de organisatie"
        } else {
            "popular in the organisation"
        }
        .into(),
        Signal::Engagement => {
            let (r, c) = (f.reactions, f.replies);
            let reactions = match (nl, r) {
                (_, 0) => None,
                (true, 1) => Some("1 reactie".to_owned()),
                (true, _) => Some(format!("{r} reacties")),
                (false, 1) => Some("1 reaction".to_owned()),
                (false, _) => Some(format!("{r} reactions")),
            };
            let replies = match (nl, c) {
                (_, 0) => None,
                (true, 1) => Some("1 antwoord".to_owned()),
                (true, _) => Some(format!("{c} antwoorden")),
                (false, 1) => Some("1 reply".to_owned()),
                (false, _) => Some(format!("{c} replies")),
            };
            match (reactions, replies) {
                (Some(a), Some(b)) => format!("{a} {} {b}", if nl { "en" } else { "and" }),
                (Some(a), None) | (None, Some(a)) => a,
                // Engagement contributes nothing then, so the part is left out anyway.
                (None, None) => if nl { "geen reacties" } else { "no reactions" }.into(),
            }
        }
        Signal::FollowedAuthor => if nl {
            "van iemand die je volgt"
        } else {
            "from someone you follow"
        }
        .into(),
        Signal::Group => if nl {
            "uit je groep"
        } else {
            "from your group"
        }
        .into(),
        Signal::Department => if nl {
            "van je afdeling"
        } else {
            "from your department"
        }
        .into(),
        Signal::ManagerChain => if nl {
            "van je leidinggevende"
        } else {
            "from your management"
        }
        .into(),
        Signal::Interactions => if nl {
            "je reageert vaak op deze collega"
        } else {
            "you often interact with them"
        }
        .into(),
        Signal::Mention => if nl { "noemt jou" } else { "mentions you" }.into(),
        Signal::FollowedHashtag => match f.followed_tag {
            Some((tag, 0)) => {
                if nl {
                    format!("#{tag}, dat je volgt")
                } else {
                    format!("#{tag}, which you follow")
                }
            }
            Some((tag, more)) => {
                if nl {
                    format!("#{tag} en {more} andere die je volgt")
                } else {
                    format!("#{tag} and {more} more you follow")
                }
            }
            None => if nl {
                "een hashtag die je volgt"
            } else {
                "a hashtag you follow"
            }
            .into(),
        },
        Signal::Seen => if nl {
            "al gezien"
        } else {
            "you have seen this"
        }
        .into(),
        Signal::Diversity => if nl {
            "meer van dezelfde persoon"
        } else {
            "more from the same person"
        }
        .into(),
        Signal::Pinned => if nl {
            "vastgezette mededeling"
        } else {
            "pinned announcement"
        }
        .into(),
    }
}

/// "5 min", "3 h" / "3 uur", "2 days" / "2 dagen".
fn age_text(hours: f64, nl: bool) -> String {
    // Float-to-int `as` casts saturate, so absurd ages cannot overflow.
    let minutes = (hours * 60.0) as u64;
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes < 48 * 60 {
        let h = minutes / 60;
        if nl {
            format!("{h} uur")
        } else {
            format!("{h} h")
        }
    } else {
        let d = minutes / (24 * 60);
        if nl {
            format!("{d} dagen")
        } else {
            format!("{d} days")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_both_languages() {
        let f = LabelFacts {
            followed_tag: Some(("duurzaamheid", 0)),
            ..LabelFacts::default()
        };
        assert_eq!(
            label(Signal::FollowedHashtag, LabelLanguage::English, &f),
            "#duurzaamheid, which you follow"
        );
        assert_eq!(
            label(Signal::FollowedHashtag, LabelLanguage::Dutch, &f),
            "#duurzaamheid, dat je volgt"
        );
        let f = LabelFacts {
            age_hours: 3.5,
            ..LabelFacts::default()
        };
        assert_eq!(
            label(Signal::Recency, LabelLanguage::English, &f),
            "posted 3 h ago"
        );
        assert_eq!(
            label(Signal::Recency, LabelLanguage::Dutch, &f),
            "3 uur geleden geplaatst"
        );
        let f = LabelFacts {
            popular: true,
            ..LabelFacts::default()
        };
        assert_eq!(
            label(Signal::Engagement, LabelLanguage::English, &f),
            "popular in the organisation"
        );
        let f = LabelFacts {
            reactions: 1,
            replies: 2,
            ..LabelFacts::default()
        };
        assert_eq!(
            label(Signal::Engagement, LabelLanguage::English, &f),
            "1 reaction and 2 replies"
        );
        assert_eq!(
            label(Signal::Engagement, LabelLanguage::Dutch, &f),
            "1 reactie en 2 antwoorden"
        );
    }

    #[test]
    fn absurd_ages_do_not_panic() {
        for h in [f64::MAX, 1e300, 0.0, 1e-9] {
            assert!(!age_text(h, false).is_empty());
        }
    }
}
