//! Trending hashtags: the pure formula, then the service with adversarial visibility.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::store::TagBucket;
use watercooler_core::trends::{TrendOptions, compute_trends, decay, trend_score};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Group, GroupKind, ManualClock, MemoryDirectory, MemoryStore, MuteTarget, NewPost, Person,
    Store, TenantId, Viewer, Watercooler, WatercoolerBuilder,
};

const DAY: i64 = 86_400;

/// Noon of a day, so "today" has an open bucket.
fn noon() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000 / DAY * DAY + DAY / 2, 0).unwrap()
}

fn bucket(key: &str, days_ago: i64, authors: u32) -> TagBucket {
    let start = noon().timestamp() / DAY * DAY - days_ago * DAY;
    TagBucket {
        key: hashtag_key(key),
        display: key.to_owned(),
        bucket_start: DateTime::from_timestamp(start, 0).unwrap(),
        authors,
    }
}

// ----- the pure formula ------------------------------------------------------------------

#[test]
fn mastodon_score() {
    // Below the minimum of distinct authors: nothing.
    assert_eq!(trend_score(2, 1.0, 3), 0.0);
    // Fewer than expected: nothing.
    assert_eq!(trend_score(5, 6.0, 3), 0.0);
    // (observed − expected)² / expected.
    assert_eq!(trend_score(10, 2.0, 3), 32.0);
    // Expected is at least 1.
    assert_eq!(trend_score(5, 0.0, 3), 16.0);
    assert_eq!(trend_score(5, f64::NAN, 3), 16.0);
    // Equal: zero, but not negative.
    assert_eq!(trend_score(4, 4.0, 3), 0.0);
}

#[test]
fn decay_halves_per_half_life() {
    let hl = Duration::hours(4);
    assert_eq!(decay(Duration::zero(), hl), 1.0);
    assert_eq!(decay(Duration::hours(-3), hl), 1.0);
    assert!((decay(Duration::hours(4), hl) - 0.5).abs() < 1e-12);
    assert!((decay(Duration::hours(8), hl) - 0.25).abs() < 1e-12);
}

#[test]
fn a_sudden_rise_trends_and_a_steady_tag_does_not() {
    let o = TrendOptions::default();
    let buckets = [
        bucket("steady", 2, 10),
        bucket("steady", 1, 10),
        bucket("steady", 0, 10),
        bucket("rising", 1, 1),
        bucket("rising", 0, 6),
        bucket("few", 0, 2),
    ];
    let t = compute_trends(&buckets, noon(), &o);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].key, hashtag_key("rising"));
    assert_eq!(t[0].authors, 6);
    assert_eq!(t[0].expected, 1.0);
    assert_eq!(t[0].score, 25.0);
    assert_eq!(t[0].peak_at, bucket("rising", 0, 0).bucket_start);
}

#[test]
fn yesterdays_peak_is_kept_but_fades() {
    let o = TrendOptions::default();
    // Peaked yesterday (8 against 1 the day before), quiet today.
    let buckets = [bucket("peak", 2, 1), bucket("peak", 1, 8)];
    let t = compute_trends(&buckets, noon(), &o);
    assert_eq!(t.len(), 1);
    // Yesterday's bucket ended 12 hours ago: three half-lives of 4 hours.
    assert!((t[0].score - 49.0 / 8.0).abs() < 1e-9, "{}", t[0].score);
    // Two days later the peak is out of the window.
    let later = noon() + Duration::days(1);
    assert!(compute_trends(&buckets, later, &o).is_empty());
}

#[test]
fn order_limit_min_score_and_out_of_window_buckets() {
    let mut o = TrendOptions::default();
    o.limit = 2;
    let buckets = [
        bucket("a", 0, 5),   // 16
        bucket("b", 0, 10),  // 81
        bucket("c", 0, 7),   // 36
        bucket("d", 5, 50),  // long ago: ignored
        bucket("e", -3, 50), // in the future: ignored
    ];
    let t = compute_trends(&buckets, noon(), &o);
    let keys: Vec<&str> = t.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["b", "c"]);
    o.limit = 10;
    o.min_score = 20.0;
    let keys: Vec<String> = compute_trends(&buckets, noon(), &o)
        .into_iter()
        .map(|t| t.key.into_string())
        .collect();
    assert_eq!(keys, ["b", "c"]);
}

#[test]
fn longer_history_uses_the_mean_as_baseline() {
    let mut o = TrendOptions::default();
    o.history = 3;
    let buckets = [
        bucket("x", 3, 2),
        bucket("x", 2, 4),
        bucket("x", 1, 6),
        bucket("x", 0, 12),
    ];
    let t = compute_trends(&buckets, noon(), &o);
    assert_eq!(t[0].expected, 4.0);
    assert_eq!(t[0].score, 16.0);
}

#[test]
fn options_are_validated() {
    let cases: [fn(&mut TrendOptions); 6] = [
        |o| o.bucket_seconds = 0,
        |o| o.history = 0,
        |o| o.peak_buckets = 0,
        |o| o.half_life_seconds = -1,
        |o| o.min_score = f64::NAN,
        |o| o.limit = 0,
    ];
    for f in cases {
        let mut o = TrendOptions::default();
        f(&mut o);
        assert!(
            matches!(o.validate(), Err(watercooler_core::Error::Invalid { .. })),
            "{o:?}"
        );
    }
    TrendOptions::default().validate().unwrap();
}

// ----- the service, adversarially ----------------------------------------------------------

struct World {
    wc: Watercooler,
    clock: Arc<ManualClock>,
    store: Arc<MemoryStore>,
}

fn t() -> TenantId {
    TenantId::new("acme")
}

fn v(p: &str) -> Viewer {
    Viewer::new("acme", p)
}

/// 12 people: m0..m7 are members of the private group "secret", o0..o3 are not.
fn world() -> World {
    world_with(|b| b)
}

/// [`world`] with a service configured by `configure`.
fn world_with(configure: impl FnOnce(WatercoolerBuilder) -> WatercoolerBuilder) -> World {
    let dir = MemoryDirectory::new();
    for p in (0..8)
        .map(|i| format!("m{i}"))
        .chain((0..4).map(|i| format!("o{i}")))
    {
        dir.add_person(&t(), Person::new(p.as_str(), p.as_str(), p.as_str()))
            .unwrap();
    }
    dir.add_group(
        &t(),
        Group {
            id: "secret".into(),
            name: "Secret".into(),
            kind: GroupKind::Team,
            private: true,
        },
    )
    .unwrap();
    for i in 0..8 {
        dir.add_member(&t(), &"secret".into(), &format!("m{i}").into())
            .unwrap();
    }
    // Another tenant with the same tag, used by many: must not leak across tenants.
    let other = TenantId::new("other");
    for i in 0..10 {
        dir.add_person(
            &other,
            Person::new(format!("x{i}").as_str(), format!("x{i}"), "X"),
        )
        .unwrap();
    }
    let clock = Arc::new(ManualClock::new(noon()));
    let store = Arc::new(MemoryStore::new());
    let builder = Watercooler::builder(store.clone(), Arc::new(dir))
        .clock(clock.clone())
        .id_salt(1);
    let wc = configure(builder).build();
    World { wc, clock, store }
}

/// Two people use #klein today: too few for the default options (three authors).
async fn two_authors(w: &World) {
    w.clock.set(noon() - Duration::hours(1));
    for p in ["o0", "o1"] {
        w.wc.publish(&v(p), NewPost::new("#klein")).await.unwrap();
    }
    w.clock.set(noon());
}

#[tokio::test]
async fn the_builders_trend_options_score_trends_and_a_call_may_override_them() {
    let plain = world();
    two_authors(&plain).await;
    assert!(
        plain
            .wc
            .trending_hashtags(&v("o2"))
            .await
            .unwrap()
            .is_empty()
    );

    let mut two = TrendOptions::default();
    two.min_authors = 2;
    two.min_score = 0.5;
    let w = world_with(|b| b.trend_options(two));
    two_authors(&w).await;
    let trends = w.wc.trending_hashtags(&v("o2")).await.unwrap();
    assert_eq!(trends.len(), 1, "two authors are enough now: {trends:?}");
    assert_eq!(trends[0].key, hashtag_key("klein"));

    let default = TrendOptions::default();
    let overridden = w.wc.trending_hashtags_with(&v("o2"), &default).await;
    assert!(overridden.unwrap().is_empty(), "the call's options win");

    // The builder cannot refuse options; the call that uses them does.
    let mut bad = TrendOptions::default();
    bad.bucket_seconds = 0;
    let w = world_with(|b| b.trend_options(bad));
    assert!(matches!(
        w.wc.trending_hashtags(&v("o2")).await,
        Err(watercooler_core::Error::Invalid { .. })
    ));
}

#[tokio::test]
async fn a_group_only_tag_trends_for_members_and_never_for_anyone_else() {
    let w = world();
    // Yesterday: one public use of #launch.
    w.clock.set(noon() - Duration::days(1));
    w.wc.publish(&v("o0"), NewPost::new("planning the #launch"))
        .await
        .unwrap();
    // Today: all eight members use #Launch in the private group, and #geheim only there.
    w.clock.set(noon() - Duration::hours(2));
    for i in 0..8 {
        let text = format!("ready for the #Launch and #geheim {i}");
        w.wc.publish(&v(&format!("m{i}")), NewPost::new(text).in_group("secret"))
            .await
            .unwrap();
    }
    // Another tenant shouts #geheim too.
    for i in 0..10 {
        w.wc.publish(
            &Viewer::new("other", format!("x{i}")),
            NewPost::new("#geheim!"),
        )
        .await
        .unwrap();
    }
    w.clock.set(noon());
    let o = TrendOptions::default();

    let member = w.wc.trending_hashtags_with(&v("m3"), &o).await.unwrap();
    let keys: Vec<&str> = member.iter().map(|t| t.key.as_str()).collect();
    assert!(
        keys.contains(&"launch") && keys.contains(&"geheim"),
        "{member:?}"
    );
    let geheim = member
        .iter()
        .find(|t| t.key == hashtag_key("geheim"))
        .unwrap();
    assert_eq!(geheim.authors, 8, "other tenants never count");

    for outsider in ["o0", "o1", "o2", "o3"] {
        let seen = w.wc.trending_hashtags_with(&v(outsider), &o).await.unwrap();
        assert!(seen.is_empty(), "{outsider} sees {seen:?}");
        // Not even with every threshold at its lowest.
        let mut loose = TrendOptions::default();
        loose.min_authors = 0;
        loose.min_score = 0.0;
        let seen =
            w.wc.trending_hashtags_with(&v(outsider), &loose)
                .await
                .unwrap();
        assert!(
            seen.iter().all(|t| t.key != hashtag_key("geheim")),
            "{seen:?}"
        );
        assert!(
            seen.iter().all(|t| t.authors <= 1),
            "counts include invisible posts: {seen:?}"
        );
    }
}

#[tokio::test]
async fn counts_shown_only_include_visible_posts() {
    let w = world();
    w.clock.set(noon() - Duration::hours(3));
    // Three outsiders in public, five members in the group: members see 8 authors today,
    // outsiders see 3.
    for i in 0..3 {
        w.wc.publish(&v(&format!("o{i}")), NewPost::new("#koffie"))
            .await
            .unwrap();
    }
    for i in 0..5 {
        w.wc.publish(
            &v(&format!("m{i}")),
            NewPost::new("#koffie").in_group("secret"),
        )
        .await
        .unwrap();
    }
    w.clock.set(noon());
    let o = TrendOptions::default();
    let member = w.wc.trending_hashtags_with(&v("m0"), &o).await.unwrap();
    assert_eq!(member[0].authors, 8);
    let outsider = w.wc.trending_hashtags_with(&v("o3"), &o).await.unwrap();
    assert_eq!(outsider.len(), 1);
    assert_eq!(outsider[0].authors, 3);
    assert_eq!(outsider[0].score, 4.0);
}

#[tokio::test]
async fn distinct_authors_not_uses() {
    let w = world();
    w.clock.set(noon() - Duration::hours(1));
    for _ in 0..50 {
        w.wc.publish(&v("o0"), NewPost::new("#spam #spam"))
            .await
            .unwrap();
    }
    for i in 1..4 {
        w.wc.publish(&v(&format!("o{i}")), NewPost::new("#echt"))
            .await
            .unwrap();
    }
    w.clock.set(noon());
    let t = w.wc.trending_hashtags(&v("m0")).await.unwrap();
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].key, hashtag_key("echt"));
    assert_eq!(t[0].authors, 3);
}

#[tokio::test]
async fn muted_tags_and_words_do_not_trend_for_the_muter() {
    let w = world();
    w.clock.set(noon() - Duration::hours(1));
    for i in 0..4 {
        w.wc.publish(&v(&format!("o{i}")), NewPost::new("#Voetbal #lunch"))
            .await
            .unwrap();
    }
    w.clock.set(noon());
    let o = TrendOptions::default();
    w.store
        .mute(
            &t(),
            &"m0".into(),
            &MuteTarget::Hashtag(hashtag_key("voetbal")),
        )
        .await
        .unwrap();
    w.store
        .mute(&t(), &"m1".into(), &MuteTarget::Word("LUNCH".into()))
        .await
        .unwrap();
    let keys = |v: Vec<watercooler_core::trends::Trend>| {
        let mut k: Vec<String> = v.into_iter().map(|t| t.key.into_string()).collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(w.wc.trending_hashtags_with(&v("m2"), &o).await.unwrap()),
        ["lunch", "voetbal"]
    );
    assert_eq!(
        keys(w.wc.trending_hashtags_with(&v("m0"), &o).await.unwrap()),
        ["lunch"]
    );
    assert_eq!(
        keys(w.wc.trending_hashtags_with(&v("m1"), &o).await.unwrap()),
        ["voetbal"]
    );
}

#[tokio::test]
async fn unknown_viewers_and_bad_options_are_refused() {
    let w = world();
    let o = TrendOptions::default();
    assert!(matches!(
        w.wc.trending_hashtags_with(&v("nobody"), &o).await,
        Err(watercooler_core::Error::Forbidden { .. })
    ));
    let mut bad = TrendOptions::default();
    bad.bucket_seconds = -5;
    assert!(matches!(
        w.wc.trending_hashtags_with(&v("o0"), &bad).await,
        Err(watercooler_core::Error::Invalid { .. })
    ));
}
