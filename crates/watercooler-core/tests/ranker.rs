//! The default ranker as a pure function: each signal moves scores the documented way, the
//! order is total and deterministic, and explanations add up.

use chrono::{DateTime, Duration, Utc};
use watercooler_core::rank::{
    DefaultRanker, Explanation, LabelLanguage, Ranked, Ranker, RankerConfig, Signal, Signals,
    ViewerContext, cmp_ranked, flags,
};
use watercooler_core::store::{Candidate, CandidateSources};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    GroupId, HashtagRef, Language, MentionRef, Post, PostId, PostStats, PostView, Visibility,
};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000, 0).unwrap()
}

fn post(n: u64, author: &str, age: Duration) -> Post {
    let created_at = now() - age;
    Post {
        id: PostId::from_parts(created_at, n),
        tenant: "t".into(),
        author: author.into(),
        text: String::new(),
        language: Language::unknown(),
        created_at,
        edited_at: None,
        visibility: Visibility::Organization,
        reply_to: None,
        thread_root: None,
        announcement: false,
        pinned_until: None,
        hashtags: Vec::new(),
        mentions: Vec::new(),
        urls: Vec::new(),
    }
}

fn cand(post: Post) -> Candidate {
    Candidate {
        view: PostView {
            post,
            stats: PostStats::default(),
        },
        sources: CandidateSources::default(),
    }
}

fn ctx() -> ViewerContext {
    ViewerContext::new("me")
}

fn rank(ctx: &ViewerContext, cands: &[Candidate]) -> Vec<Ranked> {
    DefaultRanker::default().rank(ctx, cands, now())
}

/// The score of a lone candidate.
fn score_of(ctx: &ViewerContext, c: Candidate) -> f64 {
    rank(ctx, &[c])[0].score
}

fn explain(ctx: &ViewerContext, cands: &[Candidate], r: &Ranked) -> Explanation {
    DefaultRanker::default().explain(ctx, &cands[r.index], r, now())
}

fn assert_adds_up(e: &Explanation) {
    let tol = 1e-9 * e.total.abs().max(1.0);
    assert!((e.sum() - e.total).abs() <= tol, "{e:?}");
}

#[test]
fn recency_halves_per_half_life() {
    let c = ctx();
    let fresh = score_of(&c, cand(post(1, "a", Duration::zero())));
    let day = score_of(&c, cand(post(1, "a", Duration::hours(24))));
    let two = score_of(&c, cand(post(1, "a", Duration::hours(48))));
    assert!((day / fresh - 0.5).abs() < 1e-12, "{fresh} {day}");
    assert!((two / fresh - 0.25).abs() < 1e-12);
    // A post from the future (clock skew) is treated as brand new, not as a bonus.
    let future = score_of(&c, cand(post(1, "a", Duration::hours(-5))));
    assert_eq!(future, fresh);
}

#[test]
fn a_reply_weighs_more_than_a_reaction_and_engagement_is_time_normalised() {
    let c = ctx();
    let with = |reactions: u32, replies: u32, age: Duration| {
        let mut x = cand(post(1, "a", age));
        x.view.stats.reactions[0] = reactions;
        x.view.stats.replies = replies;
        score_of(&c, x)
    };
    let none = with(0, 0, Duration::zero());
    let one_reaction = with(1, 0, Duration::zero());
    let one_reply = with(0, 1, Duration::zero());
    assert!(none < one_reaction && one_reaction < one_reply);
    // 4 reactions equal one reply (reply_weight 4).
    assert!((with(4, 0, Duration::zero()) - one_reply).abs() < 1e-12);
    // The engagement *part* of an old post is smaller than that of a fresh one with the
    // same counts, beyond the recency decay applied to everything.
    let part = |age: Duration| {
        let mut x = cand(post(1, "a", age));
        x.view.stats.reactions[0] = 100;
        let cands = [x];
        let r = rank(&c, &cands)[0];
        let e = explain(&c, &cands, &r);
        let p = e
            .parts
            .iter()
            .find(|p| p.signal == Signal::Engagement)
            .unwrap()
            .contribution;
        let recency = e
            .parts
            .iter()
            .find(|p| p.signal == Signal::Recency)
            .unwrap()
            .contribution;
        p / recency
    };
    assert!(part(Duration::hours(72)) < part(Duration::zero()) / 1.9);
}

#[test]
fn each_affinity_signal_raises_the_score_and_is_explained() {
    let mut c = ctx();
    c.follows.insert("followed".into());
    c.groups.insert(GroupId::new("g"));
    c.department = Some("HR".into());
    c.departments.insert("colleague".into(), "HR".into());
    c.departments.insert("other".into(), "IT".into());
    c.manager_chain = vec!["boss".into(), "bigboss".into()];
    c.interactions.insert("friend".into(), 5);
    c.followed_tags.insert(hashtag_key("duurzaamheid"));

    let base = score_of(&c, cand(post(1, "other", Duration::hours(1))));
    let mut in_group = post(1, "other", Duration::hours(1));
    in_group.visibility = Visibility::group("g");
    let mut mentions = post(1, "other", Duration::hours(1));
    mentions.mentions.push(MentionRef {
        person: "me".into(),
        handle: "me".into(),
        range: 0..3,
    });
    let mut tagged = post(1, "other", Duration::hours(1));
    tagged.text = "#Duurzaamheid".into();
    tagged.hashtags.push(HashtagRef {
        key: hashtag_key("Duurzaamheid"),
        display: "Duurzaamheid".into(),
        range: 0..13,
    });
    let cases = [
        (
            post(1, "followed", Duration::hours(1)),
            Signal::FollowedAuthor,
            "from someone you follow",
        ),
        (in_group, Signal::Group, "from your group"),
        (
            post(1, "colleague", Duration::hours(1)),
            Signal::Department,
            "from your department",
        ),
        (
            post(1, "bigboss", Duration::hours(1)),
            Signal::ManagerChain,
            "from your management",
        ),
        (
            post(1, "friend", Duration::hours(1)),
            Signal::Interactions,
            "you often interact with them",
        ),
        (mentions, Signal::Mention, "mentions you"),
        (
            tagged,
            Signal::FollowedHashtag,
            "#Duurzaamheid, which you follow",
        ),
    ];
    for (p, signal, label) in cases {
        let cands = [cand(p)];
        let r = rank(&c, &cands)[0];
        assert!(r.score > base, "{signal:?}: {} <= {base}", r.score);
        let e = explain(&c, &cands, &r);
        assert_adds_up(&e);
        let part = e
            .parts
            .iter()
            .find(|p| p.signal == signal)
            .expect("part present");
        assert!(part.contribution > 0.0);
        assert_eq!(part.label, label);
        // Interaction weight at the half point is half the weight, decayed by one hour.
        if signal == Signal::Interactions {
            let decay = (-1.0f64 / 24.0).exp2();
            assert!((part.contribution - 0.5 * decay).abs() < 1e-12);
        }
    }
}

#[test]
fn the_viewers_own_posts_get_no_affinity() {
    let mut c = ctx();
    c.follows.insert("me".into());
    c.interactions.insert("me".into(), 100);
    c.manager_chain = vec!["me".into()];
    c.department = Some("HR".into());
    c.departments.insert("me".into(), "HR".into());
    let own = cand(post(1, "me", Duration::zero()));
    let s = Signals::of(&c, &own, now());
    assert_eq!(s.flags & !flags::SEEN, 0);
    assert_eq!(s.interactions, 0);
}

#[test]
fn dutch_labels() {
    let mut c = ctx();
    c.language = LabelLanguage::Dutch;
    c.follows.insert("a".into());
    let cands = [cand(post(1, "a", Duration::hours(3)))];
    let r = rank(&c, &cands)[0];
    let e = explain(&c, &cands, &r);
    let reasons: Vec<&str> = e.reasons().collect();
    assert!(reasons.contains(&"van iemand die je volgt"), "{reasons:?}");
    assert!(reasons.contains(&"3 uur geleden geplaatst"), "{reasons:?}");
    assert_eq!(
        LabelLanguage::from_locale(Some("nl-BE")),
        LabelLanguage::Dutch
    );
    assert_eq!(
        LabelLanguage::from_locale(Some("en")),
        LabelLanguage::English
    );
    assert_eq!(LabelLanguage::from_locale(None), LabelLanguage::English);
}

#[test]
fn pinned_announcements_stay_on_top_until_they_expire() {
    let c = ctx();
    let mut pinned = post(1, "admin", Duration::days(10));
    pinned.announcement = true;
    pinned.pinned_until = Some(now() + Duration::hours(1));
    let mut viral = cand(post(2, "star", Duration::zero()));
    viral.view.stats.reactions[0] = 1_000_000;
    viral.view.stats.replies = 100_000;
    let cands = [viral.clone(), cand(pinned.clone())];
    let r = rank(&c, &cands);
    assert_eq!(r[0].index, 1, "pinned first");
    let e = explain(&c, &cands, &r[0]);
    assert_eq!(e.parts[0].signal, Signal::Pinned);
    assert_eq!(e.parts[0].label, "pinned announcement");
    assert_adds_up(&e);

    // Expired: an old post, below the fresh viral one.
    let mut expired = pinned;
    expired.pinned_until = Some(now());
    let cands = [viral, cand(expired)];
    assert_eq!(rank(&c, &cands)[0].index, 0);
}

#[test]
fn seen_posts_drop() {
    let mut c = ctx();
    let a = cand(post(1, "a", Duration::hours(1)));
    let b = cand(post(2, "b", Duration::hours(2)));
    let cands = [a.clone(), b];
    assert_eq!(rank(&c, &cands)[0].index, 0);
    c.seen.insert(a.view.post.id);
    let r = rank(&c, &cands);
    assert_eq!(
        r[0].index, 1,
        "the seen post dropped below an older unseen one"
    );
    let seen = r.iter().find(|r| r.index == 0).unwrap();
    assert!((seen.score - 0.25 * seen.unseen_score).abs() < 1e-12);
    let e = explain(&c, &cands, seen);
    assert!(
        e.parts
            .iter()
            .any(|p| p.signal == Signal::Seen && p.contribution < 0.0)
    );
    assert_adds_up(&e);
}

#[test]
fn author_diversity_follows_the_home_mixer_curve() {
    let c = ctx();
    // Four posts by one author at the same age, and one by another.
    let cands: Vec<Candidate> = (0..4)
        .map(|i| cand(post(10 + i, "prolific", Duration::hours(1))))
        .collect();
    let lone = score_of(&c, cands[0].clone());
    let r = rank(&c, &cands);
    let factors: Vec<f64> = r.iter().map(|r| r.score / lone).collect();
    let expected = [1.0, 0.625, 0.4375, 0.34375];
    for (f, e) in factors.iter().zip(expected) {
        assert!((f - e).abs() < 1e-12, "{factors:?}");
    }
    assert_eq!(
        r.iter().map(|r| r.author_rank).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // Among equal base scores the newer id wins the first place.
    assert_eq!(r[0].post, cands[3].view.post.id);
    for x in &r {
        let e = explain(&c, &cands, x);
        assert_adds_up(&e);
        assert_eq!(
            e.parts.iter().any(|p| p.signal == Signal::Diversity),
            x.author_rank > 0
        );
    }

    // A frequent poster does not bury others: a second author's post slips in as second.
    let mut mixed = cands.clone();
    mixed.push(cand(post(5, "quiet", Duration::hours(2))));
    let r = rank(&c, &mixed);
    assert_eq!(r[1].index, 4, "{r:?}");
}

#[test]
fn ties_break_by_id_and_ranking_is_deterministic() {
    let c = ctx();
    let cands: Vec<Candidate> = (0..50)
        .map(|i| cand(post(i, &format!("p{i}"), Duration::hours(3))))
        .collect();
    let a = rank(&c, &cands);
    let b = rank(&c, &cands);
    assert_eq!(a, b);
    for w in a.windows(2) {
        assert!(cmp_ranked(&w[0], &w[1]).is_lt());
        assert_eq!(w[0].score, w[1].score);
        assert!(w[0].post > w[1].post);
    }
    // Input order does not matter.
    let mut rev = cands.clone();
    rev.reverse();
    let posts = |r: &[Ranked]| r.iter().map(|r| r.post).collect::<Vec<_>>();
    assert_eq!(posts(&rank(&c, &rev)), posts(&a));
}

#[test]
fn empty_input_gives_empty_output() {
    assert!(rank(&ctx(), &[]).is_empty());
}

#[test]
fn invalid_configs_are_rejected() {
    let mut cfg = RankerConfig::default();
    cfg.half_life_hours = -1.0;
    assert!(matches!(
        DefaultRanker::new(cfg),
        Err(watercooler_core::Error::Invalid { .. })
    ));
    let mut cfg = RankerConfig::default();
    cfg.mention = f64::NAN;
    assert!(DefaultRanker::new(cfg).is_err());
    assert!(DefaultRanker::new(RankerConfig::default()).is_ok());
}

#[test]
fn weights_are_configuration() {
    let mut cfg = RankerConfig::default();
    cfg.mention = 0.0;
    let r = DefaultRanker::new(cfg).unwrap();
    let mut p = post(1, "a", Duration::zero());
    p.mentions.push(MentionRef {
        person: "me".into(),
        handle: "me".into(),
        range: 0..3,
    });
    let with = [cand(p)];
    let without = [cand(post(1, "a", Duration::zero()))];
    let c = ctx();
    assert_eq!(
        r.rank(&c, &with, now())[0].score,
        r.rank(&c, &without, now())[0].score
    );
    let e = r.explain(&c, &with[0], &r.rank(&c, &with, now())[0], now());
    assert!(
        e.parts.iter().all(|p| p.signal != Signal::Mention),
        "zero parts are left out"
    );
}

#[cfg(feature = "serde")]
#[test]
fn config_reads_from_json_with_defaults_and_rejects_unknown_fields() {
    let cfg: RankerConfig =
        serde_json::from_str(r#"{"mention": 5.0, "half_life_hours": 12}"#).unwrap();
    assert_eq!(cfg.mention, 5.0);
    assert_eq!(cfg.half_life_hours, 12.0);
    assert_eq!(cfg.engagement, RankerConfig::default().engagement);
    assert!(serde_json::from_str::<RankerConfig>(r#"{"mentoin": 5.0}"#).is_err());
    let back: RankerConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(back, cfg);
}

#[test]
fn signals_are_compact() {
    assert!(std::mem::size_of::<Signals>() <= 24);
}
