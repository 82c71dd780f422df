//! Differential test: seeded random sequences of store calls run against the in-memory
//! reference ([`MemoryStore`]) and [`SqliteStore`] side by side; every result and every
//! read path must be equal. Both stores start empty, so even the change-log and
//! notification sequence numbers must agree.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::store::{CandidateQuery, Order, PostFilter, PostUpdate};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, Error, FollowTarget, GroupId, HashtagRef, Language, MemoryStore, MentionRef,
    MuteTarget, NewNotification, NotificationKind, PersonId, Post, PostEdit, PostId,
    PostIdGenerator, Reaction, ReactionKind, Store, TenantId, Visibility,
};
use watercooler_sqlite::SqliteStore;

use common::{Rng, all_pages};

const PEOPLE: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];
const TAGS: [&str; 6] = ["Café", "CAFÉ", "Cafe\u{301}", "rust", "Rust", "日本"];

/// Group memberships: g0 = p0, p1, p3; g1 = p2, p3.
fn groups_of(person: &str) -> Vec<GroupId> {
    match person {
        "p0" | "p1" => vec![GroupId::new("g0")],
        "p2" => vec![GroupId::new("g1")],
        "p3" => vec![GroupId::new("g0"), GroupId::new("g1")],
        _ => Vec::new(),
    }
}

fn access(tenant: &TenantId, person: &str) -> Access {
    Access::new(
        tenant.clone(),
        PersonId::new(person),
        groups_of(person),
        person == "p0",
    )
}

/// The two stores and what the sequence has made so far.
struct World {
    mem: MemoryStore,
    sql: SqliteStore,
    rng: Rng,
    ids: PostIdGenerator,
    now: DateTime<Utc>,
    tenants: [TenantId; 2],
    /// Every post id ever made (deleted ones included: reads of them must agree too).
    posts: Vec<(TenantId, PostId)>,
}

/// Equal results, or errors of the same kind.
#[track_caller]
fn same<T: PartialEq + std::fmt::Debug>(
    a: watercooler_core::Result<T>,
    b: watercooler_core::Result<T>,
    what: &str,
) -> Option<T> {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{what}: memory (left) and sqlite (right) differ");
            Some(a)
        }
        (Err(a), Err(b)) => {
            assert_eq!(kind(&a), kind(&b), "{what}: different errors {a:?} / {b:?}");
            None
        }
        (a, b) => panic!("{what}: memory gave {a:?}, sqlite gave {b:?}"),
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::NotFound { .. } => "not found",
        Error::Forbidden { .. } => "forbidden",
        Error::Invalid { .. } => "invalid",
        Error::AlreadyExists(_) => "already_exists",
        Error::Backend { .. } => "backend",
        _ => "other",
    }
}

impl World {
    async fn new(seed: u64) -> World {
        World {
            mem: MemoryStore::new(),
            sql: SqliteStore::memory().await.expect("open in-memory sqlite"),
            rng: Rng::new(seed),
            ids: PostIdGenerator::new(seed),
            now: DateTime::from_timestamp(1_740_992_400, 0).expect("start time"),
            tenants: [TenantId::new("t-a"), TenantId::new("t-b")],
            posts: Vec::new(),
        }
    }

    fn person(&mut self) -> PersonId {
        PersonId::new(*self.rng.pick(&PEOPLE))
    }

    fn tick(&mut self) {
        // Sub-second steps, so nanoseconds must survive the round trip.
        self.now += Duration::milliseconds(self.rng.below(90_000) as i64 + 1)
            + Duration::nanoseconds(self.rng.below(1000) as i64);
    }

    fn entities(&mut self, text: &mut String) -> (Vec<HashtagRef>, Vec<MentionRef>) {
        let mut tags = Vec::new();
        for _ in 0..self.rng.below(3) {
            let t = *self.rng.pick(&TAGS);
            let start = text.len() + 1;
            text.push_str(&format!(" #{t}"));
            tags.push(HashtagRef {
                key: hashtag_key(t),
                display: t.to_owned(),
                range: start..text.len(),
            });
        }
        let mut mentions = Vec::new();
        if self.rng.below(3) == 0 {
            let p = self.person();
            let start = text.len() + 1;
            text.push_str(&format!(" @{p}"));
            mentions.push(MentionRef {
                person: p.clone(),
                handle: p.to_string(),
                range: start..text.len(),
            });
        }
        (tags, mentions)
    }

    fn new_post(&mut self, tenant: &TenantId, parent: Option<&Post>) -> Post {
        self.tick();
        let author = self.person();
        let mut text = format!("post {} by {author}", self.posts.len());
        if self.rng.below(8) == 0 {
            // SQLite stores NUL inside text; it must survive every read path.
            text.push_str(" nul\u{0}here \u{202E}bidi \"quoted\" \\ é");
        }
        let (hashtags, mentions) = self.entities(&mut text);
        let visibility = match parent {
            Some(p) => p.visibility.clone(),
            None => match self.rng.below(4) {
                0 => Visibility::group(if self.rng.below(2) == 0 { "g0" } else { "g1" }),
                1 => Visibility::direct([self.person(), self.person()]),
                _ => Visibility::Organization,
            },
        };
        let id = self.ids.next(self.now);
        Post {
            id,
            tenant: tenant.clone(),
            author,
            text,
            language: Language::new(if self.rng.below(2) == 0 { "nl" } else { "en" }),
            created_at: self.now,
            edited_at: None,
            visibility,
            reply_to: parent.map(|p| p.id),
            thread_root: parent.map(|p| p.thread_root.unwrap_or(p.id)),
            announcement: self.rng.below(10) == 0,
            pinned_until: None,
            hashtags,
            mentions,
            urls: Vec::new(),
        }
    }

    /// A live post of `tenant`, as the memory store has it.
    async fn live(&mut self, tenant: &TenantId) -> Option<Post> {
        let ids: Vec<PostId> = self
            .posts
            .iter()
            .filter(|(t, _)| t == tenant)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            return None;
        }
        let id = *self.rng.pick(&ids);
        self.mem.posts_for_indexing(tenant, &[id]).await.ok()?.pop()
    }

    fn mention_events(&self, post: &Post) -> Vec<NewNotification> {
        post.mentions
            .iter()
            .filter(|m| m.person != post.author)
            .map(|m| NewNotification {
                recipient: m.person.clone(),
                kind: NotificationKind::Mention,
                post: post.id,
                actor: post.author.clone(),
                at: post.created_at,
                subject: None,
            })
            .collect()
    }

    async fn step(&mut self) {
        let tenant = self.tenants[usize::from(self.rng.below(5) == 0)].clone();
        match self.rng.below(20) {
            0..=4 => {
                let post = self.new_post(&tenant, None);
                let events = self.mention_events(&post);
                let a = self.mem.insert_post(&post, &events).await;
                let b = self.sql.insert_post(&post, &events).await;
                same(a, b, "insert_post");
                self.posts.push((tenant, post.id));
            }
            5..=7 => {
                let Some(parent) = self.live(&tenant).await else {
                    return;
                };
                let post = self.new_post(&tenant, Some(&parent));
                let mut events = self.mention_events(&post);
                if parent.author != post.author {
                    events.push(NewNotification {
                        recipient: parent.author.clone(),
                        kind: NotificationKind::Reply,
                        post: parent.id,
                        actor: post.author.clone(),
                        at: post.created_at,
                        subject: None,
                    });
                }
                same(
                    self.mem.insert_post(&post, &events).await,
                    self.sql.insert_post(&post, &events).await,
                    "reply",
                );
                self.posts.push((tenant, post.id));
            }
            8 => {
                // A batch: roots and replies to roots of the same batch.
                let mut batch: Vec<Post> = Vec::new();
                for _ in 0..self.rng.below(6) {
                    let parent = if !batch.is_empty() && self.rng.below(3) == 0 {
                        Some(batch[0].clone())
                    } else {
                        None
                    };
                    batch.push(self.new_post(&tenant, parent.as_ref()));
                }
                if self.rng.below(6) == 0 && !batch.is_empty() {
                    // A duplicate makes the whole batch a conflict: nothing may be stored.
                    batch.push(batch[0].clone());
                }
                let a = self.mem.insert_posts(&batch).await;
                let b = self.sql.insert_posts(&batch).await;
                if same(a, b, "insert_posts").is_some() {
                    self.posts
                        .extend(batch.iter().map(|p| (tenant.clone(), p.id)));
                }
            }
            9 => {
                let Some(post) = self.live(&tenant).await else {
                    return;
                };
                self.tick();
                let mut text = format!("edited {}", post.text.len());
                let (hashtags, mentions) = self.entities(&mut text);
                let edit = PostEdit {
                    id: post.id,
                    text,
                    edited_at: self.now,
                    hashtags,
                    mentions,
                    urls: Vec::new(),
                };
                let events: Vec<NewNotification> = edit
                    .mentions
                    .iter()
                    .map(|m| NewNotification {
                        recipient: m.person.clone(),
                        kind: NotificationKind::Mention,
                        post: post.id,
                        actor: post.author.clone(),
                        at: self.now,
                        subject: None,
                    })
                    .collect();
                let update = PostUpdate::text(edit, events);
                same(
                    self.mem.update_post(&tenant, &update).await,
                    self.sql.update_post(&tenant, &update).await,
                    "update_post",
                );
            }
            10 => {
                let Some(post) = self.live(&tenant).await else {
                    return;
                };
                self.tick();
                let until = (self.rng.below(2) == 0).then(|| self.now + Duration::hours(2));
                same(
                    self.mem
                        .set_pinned(&tenant, &post.id, until, self.now)
                        .await,
                    self.sql
                        .set_pinned(&tenant, &post.id, until, self.now)
                        .await,
                    "set_pinned",
                );
            }
            11 => {
                // Sometimes a post that is already gone: both must say NotFound.
                let Some((t, id)) = self.rng.maybe_pick(&self.posts).cloned() else {
                    return;
                };
                self.tick();
                same(
                    self.mem.delete_post(&t, &id, self.now).await,
                    self.sql.delete_post(&t, &id, self.now).await,
                    "delete_post",
                );
            }
            12..=14 => {
                let Some(post) = self.live(&tenant).await else {
                    return;
                };
                self.tick();
                let person = self.person();
                let r = Reaction {
                    post: post.id,
                    person: person.clone(),
                    kind: *self.rng.pick(&ReactionKind::ALL),
                    at: self.now,
                };
                let n = (person != post.author).then(|| NewNotification {
                    recipient: post.author.clone(),
                    kind: NotificationKind::Reaction,
                    post: post.id,
                    actor: person.clone(),
                    at: self.now,
                    subject: None,
                });
                same(
                    self.mem.add_reaction(&tenant, &r, n.as_ref()).await,
                    self.sql.add_reaction(&tenant, &r, n.as_ref()).await,
                    "add_reaction",
                );
            }
            15 => {
                let mut batch = Vec::new();
                for _ in 0..self.rng.below(8) {
                    let Some(post) = self.live(&tenant).await else {
                        return;
                    };
                    self.tick();
                    batch.push(Reaction {
                        post: post.id,
                        person: self.person(),
                        kind: *self.rng.pick(&ReactionKind::ALL),
                        at: self.now,
                    });
                }
                same(
                    self.mem.add_reactions(&tenant, &batch).await,
                    self.sql.add_reactions(&tenant, &batch).await,
                    "add_reactions",
                );
            }
            16 => {
                let Some(post) = self.live(&tenant).await else {
                    return;
                };
                let person = self.person();
                let k = *self.rng.pick(&ReactionKind::ALL);
                same(
                    self.mem
                        .remove_reaction(&tenant, &post.id, &person, k)
                        .await,
                    self.sql
                        .remove_reaction(&tenant, &post.id, &person, k)
                        .await,
                    "remove_reaction",
                );
            }
            17 => {
                let person = self.person();
                let target = match self.rng.below(3) {
                    0 => FollowTarget::Person(self.person()),
                    1 => FollowTarget::Hashtag(hashtag_key(TAGS[self.rng.below(6) as usize])),
                    _ => FollowTarget::Group(GroupId::new("g0")),
                };
                let mute = match self.rng.below(3) {
                    0 => MuteTarget::Person(self.person()),
                    1 => MuteTarget::Word("lunch".into()),
                    _ => MuteTarget::Hashtag(hashtag_key("rust")),
                };
                if self.rng.below(3) == 0 {
                    same(
                        self.mem.unfollow(&tenant, &person, &target).await,
                        self.sql.unfollow(&tenant, &person, &target).await,
                        "unfollow",
                    );
                    same(
                        self.mem.unmute(&tenant, &person, &mute).await,
                        self.sql.unmute(&tenant, &person, &mute).await,
                        "unmute",
                    );
                } else {
                    same(
                        self.mem.follow(&tenant, &person, &target).await,
                        self.sql.follow(&tenant, &person, &target).await,
                        "follow",
                    );
                    same(
                        self.mem.mute(&tenant, &person, &mute).await,
                        self.sql.mute(&tenant, &person, &mute).await,
                        "mute",
                    );
                }
            }
            18 => {
                let person = self.person();
                let up_to = self.rng.below(200);
                same(
                    self.mem
                        .mark_notifications_seen(&tenant, &person, up_to)
                        .await,
                    self.sql
                        .mark_notifications_seen(&tenant, &person, up_to)
                        .await,
                    "mark_notifications_seen",
                );
                let ids: Vec<PostId> = (0..3)
                    .filter_map(|_| self.rng.maybe_pick(&self.posts).map(|p| p.1))
                    .collect();
                same(
                    self.mem.mark_posts_seen(&tenant, &person, &ids).await,
                    self.sql.mark_posts_seen(&tenant, &person, &ids).await,
                    "mark_posts_seen",
                );
            }
            _ => {
                if self.rng.below(4) != 0 {
                    return;
                }
                let person = self.person();
                self.tick();
                same(
                    self.mem.erase_person(&tenant, &person, self.now).await,
                    self.sql.erase_person(&tenant, &person, self.now).await,
                    "erase_person",
                );
            }
        }
    }

    /// Every read path, for every person of both tenants.
    async fn compare_reads(&mut self) {
        same(
            self.mem.last_seq().await,
            self.sql.last_seq().await,
            "last_seq",
        );
        same(
            self.mem.changes(watercooler_core::Seq(0), 100_000).await,
            self.sql.changes(watercooler_core::Seq(0), 100_000).await,
            "changes",
        );
        same(
            self.mem.scan_posts(None, 100_000).await,
            self.sql.scan_posts(None, 100_000).await,
            "scan_posts",
        );
        let all: Vec<PostId> = self.posts.iter().map(|p| p.1).collect();
        for tenant in self.tenants.clone() {
            let mine: Vec<PostId> = self
                .posts
                .iter()
                .filter(|p| p.0 == tenant)
                .map(|p| p.1)
                .collect();
            same(
                self.mem.posts_for_indexing(&tenant, &all).await,
                self.sql.posts_for_indexing(&tenant, &all).await,
                "posts_for_indexing",
            );
            for person in PEOPLE {
                let acc = access(&tenant, person);
                let p = PersonId::new(person);
                let what = |s: &str| format!("{s} as {tenant}/{person}");
                same(
                    self.mem.get_posts(&acc, &all).await,
                    self.sql.get_posts(&acc, &all).await,
                    &what("get_posts"),
                );
                // Single-post reads for a member of both groups and an outsider; the
                // others are covered by get_posts and the lists.
                let singles: &[PostId] = if person == "p3" || person == "p5" {
                    &mine
                } else {
                    &[]
                };
                for id in singles {
                    same(
                        self.mem.get_post(&acc, id).await,
                        self.sql.get_post(&acc, id).await,
                        &what("get_post"),
                    );
                    same(
                        self.mem.revisions(&acc, id).await,
                        self.sql.revisions(&acc, id).await,
                        &what("revisions"),
                    );
                    let a = all_pages(2, async |pg| self.mem.reactions(&acc, id, &pg).await).await;
                    let b = all_pages(2, async |pg| self.sql.reactions(&acc, id, &pg).await).await;
                    assert_eq!(a, b, "{}", what("reactions"));
                }
                for filter in filters(&mine) {
                    let a = all_pages(3, async |pg| self.mem.list_posts(&acc, &filter, &pg).await)
                        .await;
                    let b = all_pages(3, async |pg| self.sql.list_posts(&acc, &filter, &pg).await)
                        .await;
                    assert_eq!(a, b, "{} {filter:?}", what("list_posts"));
                }
                let q = CandidateQuery {
                    authors: vec![PersonId::new("p1"), PersonId::new("p2")],
                    groups: vec![GroupId::new("g0"), GroupId::new("g1")],
                    hashtags: vec![hashtag_key("café")],
                    mentioning_viewer: true,
                    since: self.now - Duration::hours(6),
                    max_id: PostId::MAX,
                    per_source: 4,
                    popular: 3,
                    now: self.now,
                };
                same(
                    self.mem.feed_candidates(&acc, &q).await,
                    self.sql.feed_candidates(&acc, &q).await,
                    &what("feed_candidates"),
                );
                let since = self.now - Duration::days(2);
                same(
                    self.mem.tag_activity(&acc, since, 3600).await,
                    self.sql.tag_activity(&acc, since, 3600).await,
                    &what("tag_activity"),
                );
                for prefix in ["", "c", "ru", "日"] {
                    let a = self.mem.suggest_tags(&acc, prefix, 10).await;
                    let b = self.sql.suggest_tags(&acc, prefix, 10).await;
                    // The display form is "a recent spelling": the stores may pick different
                    // ones when several are in use; keys and counts must agree.
                    let strip = |r: watercooler_core::Result<
                        Vec<watercooler_core::store::TagSuggestion>,
                    >| {
                        r.map(|v| v.into_iter().map(|s| (s.key, s.posts)).collect::<Vec<_>>())
                    };
                    same(strip(a), strip(b), &what("suggest_tags"));
                }
                let a =
                    all_pages(2, async |pg| self.mem.notifications(&tenant, &p, &pg).await).await;
                let b =
                    all_pages(2, async |pg| self.sql.notifications(&tenant, &p, &pg).await).await;
                assert_eq!(a, b, "{}", what("notifications"));
                let a = all_pages(2, async |pg| self.mem.follows(&tenant, &p, &pg).await).await;
                let b = all_pages(2, async |pg| self.sql.follows(&tenant, &p, &pg).await).await;
                assert_eq!(a, b, "{}", what("follows"));
                let a = all_pages(2, async |pg| self.mem.mutes(&tenant, &p, &pg).await).await;
                let b = all_pages(2, async |pg| self.sql.mutes(&tenant, &p, &pg).await).await;
                assert_eq!(a, b, "{}", what("mutes"));
                same(
                    self.mem.interactions(&tenant, &p, 100).await,
                    self.sql.interactions(&tenant, &p, 100).await,
                    &what("interactions"),
                );
                same(
                    self.mem.seen_posts(&tenant, &p, &all).await,
                    self.sql.seen_posts(&tenant, &p, &all).await,
                    &what("seen_posts"),
                );
                same(
                    self.mem.export_person(&tenant, &p).await,
                    self.sql.export_person(&tenant, &p).await,
                    &what("export_person"),
                );
            }
        }
    }
}

/// The list filters worth comparing.
fn filters(posts: &[PostId]) -> Vec<PostFilter> {
    let mut v = vec![
        PostFilter::default(),
        PostFilter {
            include_replies: true,
            ..Default::default()
        },
        PostFilter {
            include_replies: true,
            order: Order::OldestFirst,
            ..Default::default()
        },
        PostFilter {
            author: Some(PersonId::new("p1")),
            include_replies: true,
            ..Default::default()
        },
        PostFilter {
            group: Some(GroupId::new("g0")),
            ..Default::default()
        },
        PostFilter {
            group: Some(GroupId::new("g1")),
            include_replies: true,
            order: Order::OldestFirst,
            ..Default::default()
        },
        PostFilter {
            hashtag: Some(hashtag_key("café")),
            include_replies: true,
            ..Default::default()
        },
        PostFilter {
            hashtag: Some(hashtag_key("rust")),
            author: Some(PersonId::new("p3")),
            ..Default::default()
        },
    ];
    let roots: BTreeSet<PostId> = posts.iter().copied().take(5).collect();
    for r in roots {
        v.push(PostFilter {
            thread: Some(r),
            order: Order::OldestFirst,
            ..Default::default()
        });
    }
    v
}

async fn run(seed: u64, steps: usize) {
    let mut w = World::new(seed).await;
    for i in 0..steps {
        w.step().await;
        if i % 40 == 39 {
            w.compare_reads().await;
        }
    }
    w.compare_reads().await;
}

#[tokio::test]
async fn sqlite_matches_the_memory_reference_seed_1() {
    run(1, 400).await;
}

#[tokio::test]
async fn sqlite_matches_the_memory_reference_seed_2() {
    run(2, 400).await;
}

#[tokio::test]
async fn sqlite_matches_the_memory_reference_seed_3() {
    run(0x5eed, 400).await;
}
