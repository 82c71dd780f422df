//! Deterministic inputs shared by the ranking benchmarks (criterion and instruction
//! counts), so both measure the same candidates.

use chrono::{DateTime, Duration, Utc};
use watercooler::rank::ViewerContext;
use watercooler::store::{Candidate, CandidateSources};
use watercooler::watercooler_text::hashtag_key;
use watercooler::{
    GroupId, HashtagRef, Language, MentionRef, Post, PostId, PostStats, PostView, Visibility,
};

/// A small deterministic generator (no RNG dependency, no OS entropy): SplitMix64.
pub struct Mix(pub u64);

impl Mix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The end of the corpus ([`crate::corpus::CORPUS_END`]): the "now" of the ranking inputs.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_108_799, 0).expect("valid time")
}

/// Candidates and a viewer context like a corpus home feed: 150 authors, 20 groups.
pub fn candidates(n: usize) -> (ViewerContext, Vec<Candidate>) {
    let mut m = Mix(7);
    let mut ctx = ViewerContext::new("viewer");
    ctx.department = Some("HR".into());
    for a in 0..150 {
        let id = format!("u{a}");
        if m.below(3) == 0 {
            ctx.follows.insert(id.as_str().into());
        }
        if m.below(5) == 0 {
            ctx.interactions
                .insert(id.as_str().into(), m.below(20) as u32);
        }
        ctx.departments
            .insert(id.into(), if m.below(8) == 0 { "HR" } else { "IT" }.into());
    }
    for g in 0..5 {
        ctx.groups.insert(GroupId::from(format!("g{g}")));
    }
    ctx.followed_tags.insert(hashtag_key("duurzaamheid"));
    ctx.manager_chain = vec!["u1".into(), "u2".into()];
    let cands = (0..n)
        .map(|i| {
            let created_at = now() - Duration::minutes(m.below(14 * 24 * 60) as i64);
            let mut stats = PostStats::default();
            stats.reactions[0] = m.below(20) as u32;
            stats.replies = m.below(4) as u32;
            let post = Post {
                id: PostId::from_parts(created_at, i as u64),
                tenant: "t".into(),
                author: format!("u{}", m.below(150)).into(),
                text: String::new(),
                language: Language::unknown(),
                created_at,
                edited_at: None,
                visibility: if m.below(4) == 0 {
                    Visibility::group(format!("g{}", m.below(20)))
                } else {
                    Visibility::Organization
                },
                reply_to: None,
                thread_root: None,
                announcement: false,
                pinned_until: None,
                hashtags: if m.below(6) == 0 {
                    vec![HashtagRef {
                        key: hashtag_key("duurzaamheid"),
                        display: "duurzaamheid".into(),
                        range: 0..13,
                    }]
                } else {
                    Vec::new()
                },
                mentions: if m.below(30) == 0 {
                    vec![MentionRef {
                        person: "viewer".into(),
                        handle: "viewer".into(),
                        range: 0..7,
                    }]
                } else {
                    Vec::new()
                },
                urls: Vec::new(),
            };
            Candidate {
                view: PostView { post, stats },
                sources: CandidateSources::default(),
            }
        })
        .collect();
    (ctx, cands)
}
