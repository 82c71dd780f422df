//! The corpus generator: the same bytes from the same seed (a recorded digest, so a change
//! of platform, toolchain or dependency that alters the corpus is caught), the shape the
//! tests rely on, and JSON Lines that read back as what was generated.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use sha2::{Digest, Sha256};
use watercooler::Visibility;
use watercooler_workspace::corpus::generate::{Config, PostRecord, Size, World, census};
use watercooler_workspace::corpus::jsonl;

/// SHA-256 of every record of the `small` corpus as JSON Lines, in writing order.
fn digest(config: &Config) -> String {
    let world = World::new(config).expect("a valid config");
    let mut h = Sha256::new();
    let mut line = |v: &dyn erased::Json| {
        h.update(v.json());
        h.update(b"\n");
    };
    world.people().for_each(|r| line(&r));
    world.groups().for_each(|r| line(&r));
    world.memberships().for_each(|r| line(&r));
    world.follows().for_each(|r| line(&r));
    for g in world.posts() {
        line(&g.post);
        g.reactions.iter().for_each(|r| line(r));
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

mod erased {
    pub trait Json {
        fn json(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Vec<u8> {
            serde_json::to_vec(self).expect("records serialise")
        }
    }
}

/// Change only on purpose (a generator change), and say so in the commit: every corpus and
/// every benchmark figure on it changes with it.
const SMALL_DIGEST: &str = "d0d0c58bd0083e5317d67cf9196df1e6af019c631fdddfd1fe15b46c5251c972";

#[test]
fn the_small_corpus_is_the_same_bytes_everywhere() {
    let config = Config::small();
    let d = digest(&config);
    assert_eq!(d, digest(&config), "two runs differ");
    assert_eq!(d, SMALL_DIGEST, "the small corpus changed");
    let mut other = config.clone();
    other.seed += 1;
    assert_ne!(digest(&other), d, "the seed is used");
}

#[test]
fn the_small_corpus_has_every_feature_the_tests_rely_on() {
    let config = Config::new(Size::Small);
    let world = World::new(&config).expect("a valid config");
    let handles: HashMap<String, HashSet<String>> =
        world.people().fold(HashMap::new(), |mut m, p| {
            m.entry(p.handle).or_default().insert(p.tenant);
            m
        });
    assert!(
        handles.values().any(|t| t.len() > 1),
        "some handle exists in two tenants"
    );
    let groups: Vec<_> = world.groups().collect();
    assert!(groups.iter().any(|g| g.private) && groups.iter().any(|g| !g.private));
    assert!(groups.iter().any(|g| g.kind == "team"));
    assert!(world.people().any(|p| p.manager.is_some()));
    assert!(world.follows().any(|f| f.kind == "hashtag"));

    let mut seen: HashMap<String, PostRecord> = HashMap::new();
    let mut found: HashSet<&str> = HashSet::new();
    let mut reactions = 0;
    for g in world.posts() {
        let p = g.post;
        let t = &p.text;
        let checks: [(&'static str, bool); 12] = [
            ("line break", t.contains('\n')),
            (
                "decomposed café",
                t.contains("#cafe\u{301}") || t.contains("#Cafe\u{301}"),
            ),
            ("#CAFÉ", t.contains("#CAFÉ")),
            ("Japanese tag", t.contains("#日本語") || t.contains("#東京")),
            ("Cyrillic tag", t.contains("#Москва")),
            ("ZWJ emoji", t.contains('\u{200d}')),
            ("skin tone", t.contains('\u{1f3fd}')),
            ("e-mail", t.contains("@example.com")),
            ("URL", t.contains("https://")),
            (
                "unknown handle",
                t.contains("@nobody.here") || t.contains("@onbekend"),
            ),
            (
                "group post",
                matches!(p.visibility, Visibility::Group { .. }),
            ),
            (
                "direct post",
                matches!(p.visibility, Visibility::Direct { .. }),
            ),
        ];
        for (what, yes) in checks {
            if yes {
                found.insert(what);
            }
        }
        if let Some(parent) = &p.reply_to {
            found.insert("reply");
            let parent = &seen[parent];
            assert_eq!(
                parent.visibility, p.visibility,
                "{}: thread visibility",
                p.id
            );
            assert_eq!(parent.tenant, p.tenant);
            assert!(parent.created_at < p.created_at, "{} answers later", p.id);
        }
        for r in &g.reactions {
            reactions += 1;
            assert!(r.at > p.created_at);
            if let (Visibility::Direct { recipients }, None) = (&p.visibility, &p.reply_to) {
                assert!(r.person == p.author || recipients.iter().any(|x| x.as_str() == r.person));
            }
        }
        seen.insert(p.id.clone(), p);
    }
    assert_eq!(found.len(), 13, "missing: {found:?}");
    assert!(reactions > seen.len() / 2);
    let c = census(&config).expect("a valid config");
    assert_eq!(c.values().map(|t| t.posts).sum::<usize>(), 5_000);
    assert_eq!(c.len(), 3);
}

#[test]
fn json_lines_read_back_as_generated() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("corpus-jsonl-{}", std::process::id()));
    let mut config = Config::small();
    config.posts = 500;
    let written = jsonl::write(&config, &dir, true).expect("write");
    let names: Vec<&str> = written.lines.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "people.jsonl.gz",
            "groups.jsonl.gz",
            "memberships.jsonl.gz",
            "follows.jsonl.gz",
            "posts.jsonl.gz",
            "reactions.jsonl.gz"
        ]
    );
    let file = std::fs::File::open(dir.join("posts.jsonl.gz")).expect("posts");
    let read: Vec<PostRecord> = std::io::BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("gzip")).expect("a post"))
        .collect();
    let generated: Vec<PostRecord> = World::new(&config)
        .expect("a valid config")
        .posts()
        .map(|g| g.post)
        .collect();
    assert_eq!(read, generated);
    let _ = std::fs::remove_dir_all(&dir);
}
