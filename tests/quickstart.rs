//! The quickstart's code path (`watercooler_workspace::demo::run`) on a small company in a
//! temporary directory: what the demo employee sees, the private-group demonstration, and
//! that a second run reuses the data instead of generating it again.

use std::path::PathBuf;

use watercooler::NotificationKind;
use watercooler::watercooler_text::hashtag_key;
use watercooler_workspace::demo::company::PRIVATE_TAG;
use watercooler_workspace::demo::posts::SURGING;
use watercooler_workspace::demo::{self, DemoError, Options, Report};

/// A fresh directory under the target directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("quickstart-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn small(dir: &TempDir) -> Options {
    Options::new(&dir.0).size(60, 400).progress(false)
}

/// Everything a report shows that must not depend on whether the data was generated now.
fn visible(r: &Report) -> (Vec<String>, Vec<String>, Vec<String>, u64) {
    let feed = r.feed.iter().map(|i| i.post.post.id.to_string()).collect();
    let notes = r
        .notifications
        .iter()
        .map(|n| format!("{:?} {}", n.kind, n.post))
        .collect();
    let trends = r.trends.iter().map(|t| t.key.as_str().to_owned()).collect();
    (feed, notes, trends, r.search.results.total)
}

fn check(r: &Report) {
    let me = &r.viewer.id;
    // The ranked feed: items with explanations that add up to the score.
    assert!(r.feed.len() >= 5, "feed has {} items", r.feed.len());
    for item in &r.feed {
        assert!(!item.explanation.parts.is_empty());
        assert!((item.explanation.sum() - item.score).abs() < 1e-6);
        assert!(!item.post.post.is_reply());
    }
    // Notifications from the import path (mentions, replies) and the live API (reactions).
    let kinds: Vec<NotificationKind> = r.notifications.iter().map(|n| n.kind).collect();
    assert!(kinds.contains(&NotificationKind::Reaction), "{kinds:?}");
    assert!(kinds.contains(&NotificationKind::Reply), "{kinds:?}");
    assert!(kinds.contains(&NotificationKind::Mention), "{kinds:?}");
    assert!(r.notifications.iter().all(|n| n.recipient == *me));
    let reacted = r
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::Reaction)
        .map_or(0, |n| n.actors.len());
    assert!(
        reacted >= 2,
        "reactions fold into one notification: {reacted}"
    );
    // Trends: the last day's surge shows; the private group's tag does not.
    let keys: Vec<&str> = r.trends.iter().map(|t| t.key.as_str()).collect();
    for tag in SURGING {
        assert!(keys.contains(tag), "#{tag} trends: {keys:?}");
    }
    assert!(!keys.contains(&hashtag_key(PRIVATE_TAG).as_str()));
    // Search: the Dutch plural finds the singular, highlighted.
    assert_eq!(r.search.query, "vergaderingen");
    assert!(!r.search.results.hits.is_empty());
    let singular = r
        .search
        .results
        .hits
        .iter()
        .any(|h| h.snippet.to_lowercase().contains("<em>vergadering</em>"));
    assert!(singular, "{:#?}", r.search.results.hits);
    // Privacy: the member sees the post everywhere, the outsider nowhere.
    let p = &r.privacy;
    assert_eq!(p.outsider.id, *me);
    assert_eq!(p.in_feed, (true, false));
    assert_eq!(p.can_open, (true, false));
    assert_eq!(p.trending, (true, false));
    assert_eq!(p.suggested, (true, false));
    assert!(p.search_hits.0 >= 1);
    assert_eq!(p.search_hits.1, 0);
    assert!(!p.outsider_notified);
    assert!(!p.leaked() && p.member_sees_it());
    // The outsider's @mention in the group post did not resolve: a mention grants nothing.
    assert!(p.post.text.contains(&format!("@{}", r.viewer.handle)));
    assert!(p.post.mentions.iter().all(|m| m.person != *me));
    assert!(r.feed.iter().all(|i| i.post.post.id != p.post.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_generates_tours_and_reuses() {
    let dir = TempDir::new("reuse");
    let first = demo::run(&small(&dir)).await.unwrap();
    assert!(!first.reused);
    assert_eq!(first.counts.people, 60);
    assert!(first.counts.posts + first.counts.replies >= 400);
    assert!(first.counts.replies > 0 && first.counts.reactions > 0 && first.counts.follows > 0);
    assert!(dir.0.join(demo::STORE_FILE).is_file());
    assert!(dir.0.join(demo::INDEX_DIR).is_dir());
    check(&first);

    let second = demo::run(&small(&dir)).await.unwrap();
    assert!(second.reused, "the second run reuses the data");
    assert!(
        !second
            .steps
            .iter()
            .any(|s| s.name.starts_with("store posts"))
    );
    assert_eq!(second.counts, first.counts);
    check(&second);
    assert_eq!(visible(&second), visible(&first));

    // Another size in the same directory is refused rather than mixed in.
    let other = Options::new(&dir.0).size(61, 400).progress(false);
    assert!(matches!(
        demo::run(&other).await,
        Err(DemoError::Mismatch(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_starts_over() {
    let dir = TempDir::new("partial");
    // What a run killed while storing posts leaves: a store and an index, no marker.
    demo::run(&small(&dir)).await.unwrap();
    std::fs::remove_file(dir.0.join("demo.json")).unwrap();
    let again = demo::run(&small(&dir)).await.unwrap();
    assert!(!again.reused);
    check(&again);
}

/// Every Rust block of `docs/getting-started.md` is a run of whole lines of
/// `examples/getting_started.rs`, which CI compiles: the guide's code cannot rot.
#[test]
fn getting_started_guide_shows_the_compiled_example() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/getting-started.md")).unwrap();
    let example = std::fs::read_to_string(format!("{root}/examples/getting_started.rs")).unwrap();
    let example_lines: Vec<&str> = example.lines().collect();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```rust") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), l) => block.push(l),
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "unclosed code block");
    assert!(blocks.len() >= 6, "{} rust blocks", blocks.len());
    for block in &blocks {
        let found = example_lines
            .windows(block.len())
            .any(|w| w.iter().map(|l| l.trim_end()).eq(block.iter().copied()));
        assert!(
            found,
            "not in examples/getting_started.rs:\n{}",
            block.join("\n")
        );
    }
}
