//! PgStore against the reference: the same seeded random sequence of writes goes to a
//! `MemoryStore` and to a `PgStore` on a fresh schema, every call must answer the same, and
//! every read path must then show the same state to every viewer of both tenants.
//!
//! A fresh schema starts its sequences at 1 like the memory store, so change-log seqs and
//! notification seqs are compared exactly too.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::store::{CandidateQuery, Order, PostFilter};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, Error, FollowTarget, GroupId, HashtagRef, MemoryStore, MentionRef, MuteTarget,
    NewNotification, NotificationKind, Page, PageRequest, PersonId, Post, PostEdit, PostId,
    PostIdGenerator, Reaction, ReactionKind, Result, Store, TenantId, UrlRef, Visibility,
};

use crate::common::{Schema, connect};

/// A small deterministic generator (xorshift64*), so a failing seed replays exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const TENANTS: [&str; 2] = ["acme", "globex"];
const PEOPLE: [&str; 6] = ["ann", "bob", "cy", "di", "ed", "fay"];
/// (group, members)
const GROUPS: [(&str, &[&str]); 2] = [("eng", &["ann", "bob", "cy"]), ("hr", &["di"])];
/// Tags as typed: several spellings of some keys.
const TAGS: [&str; 7] = ["Café", "café", "CAFÉ", "news", "News", "ß", "tag"];

/// The key of a random tag.
fn tag_key(rng: &mut Rng) -> watercooler_core::watercooler_text::TagKey {
    let typed: &str = TAGS[rng.below(TAGS.len())];
    hashtag_key(typed)
}

fn access(tenant: &str, person: &str) -> Access {
    let groups = GROUPS
        .iter()
        .filter(|(_, members)| members.contains(&person))
        .map(|(g, _)| GroupId::new(*g));
    Access::new(TenantId::new(tenant), PersonId::new(person), groups, false)
}

/// Both stores, side by side.
struct Pair {
    mem: MemoryStore,
    pg: watercooler_postgres::PgStore,
}

/// What an error looks like for comparison: its kind and, where typed, its field.
fn shape<T: std::fmt::Debug>(r: &Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(Error::NotFound { what }) => format!("NotFound({what})"),
        Err(Error::Invalid { field, .. }) => format!("Invalid({field})"),
        Err(Error::AlreadyExists(_)) => "AlreadyExists".to_owned(),
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// Runs the same call on both stores and asserts the same answer.
macro_rules! same {
    ($pair:expr, $what:expr, |$s:ident| $call:expr) => {{
        let a = {
            let $s: &dyn Store = &$pair.mem;
            $call.await
        };
        let b = {
            let $s: &dyn Store = &$pair.pg;
            $call.await
        };
        assert_eq!(
            shape(&b),
            shape(&a),
            "{}: PgStore differs from MemoryStore",
            $what
        );
    }};
}

struct World {
    rng: Rng,
    ids: PostIdGenerator,
    now: DateTime<Utc>,
    /// Every post id ever made, per tenant (deleted ones too: reads of them must agree).
    made: Vec<(TenantId, PostId)>,
    n: usize,
}

impl World {
    fn tick(&mut self) -> DateTime<Utc> {
        self.now += Duration::seconds(1 + self.rng.below(600) as i64);
        self.now
    }

    fn tenant(&mut self) -> TenantId {
        TenantId::new(*self.rng.pick(&TENANTS))
    }

    fn person(&mut self) -> PersonId {
        PersonId::new(*self.rng.pick(&PEOPLE))
    }

    /// Text, hashtags and mentions of a new text.
    fn text(&mut self) -> (String, Vec<HashtagRef>, Vec<MentionRef>, Vec<UrlRef>) {
        self.n += 1;
        let mut text = format!("post {}", self.n);
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
        for _ in 0..self.rng.below(3) {
            let p = *self.rng.pick(&PEOPLE);
            let start = text.len() + 1;
            text.push_str(&format!(" @{p}"));
            mentions.push(MentionRef {
                person: PersonId::new(p),
                handle: p.to_owned(),
                range: start..text.len(),
            });
        }
        let mut urls = Vec::new();
        if self.rng.chance(20) {
            let start = text.len() + 1;
            text.push_str(" https://example.nl/x");
            urls.push(UrlRef {
                url: "https://example.nl/x".into(),
                range: start..text.len(),
            });
        }
        (text, tags, mentions, urls)
    }

    fn visibility(&mut self) -> Visibility {
        match self.rng.below(10) {
            0..=5 => Visibility::Organization,
            6..=7 => Visibility::group(*self.rng.pick(&["eng", "hr"])),
            _ => {
                let n = 1 + self.rng.below(2);
                Visibility::direct((0..n).map(|_| self.person()))
            }
        }
    }

    fn root(&mut self, tenant: &TenantId) -> Post {
        let now = self.tick();
        let (text, hashtags, mentions, urls) = self.text();
        let author = self.person();
        let announcement = self.rng.chance(10);
        let id = self.ids.next(now);
        self.made.push((tenant.clone(), id));
        Post {
            id,
            tenant: tenant.clone(),
            author,
            text,
            language: watercooler_core::Language::dutch(),
            created_at: now,
            edited_at: None,
            visibility: self.visibility(),
            reply_to: None,
            thread_root: None,
            announcement,
            pinned_until: announcement.then(|| now + Duration::days(2)),
            hashtags,
            mentions,
            urls,
        }
    }

    fn reply(&mut self, parent: &Post) -> Post {
        let mut p = self.root(&parent.tenant);
        p.visibility = parent.visibility.clone();
        p.reply_to = Some(parent.id);
        p.thread_root = Some(parent.thread_id());
        p.announcement = false;
        p.pinned_until = None;
        p
    }
}

/// Live posts of a tenant, per the reference.
async fn live(mem: &MemoryStore, tenant: &TenantId) -> Vec<Post> {
    mem.scan_posts(Some((tenant.clone(), PostId::MIN)), 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| &p.tenant == tenant)
        .collect()
}

fn mention_notes(p: &Post) -> Vec<NewNotification> {
    p.mentions
        .iter()
        .filter(|m| m.person != p.author)
        .map(|m| NewNotification {
            recipient: m.person.clone(),
            kind: NotificationKind::Mention,
            post: p.id,
            actor: p.author.clone(),
            at: p.created_at,
            subject: None,
        })
        .collect()
}

/// One random write, applied to both.
async fn step(pair: &Pair, w: &mut World) {
    let tenant = w.tenant();
    let posts = live(&pair.mem, &tenant).await;
    let any = |w: &mut World| -> Option<Post> {
        (!posts.is_empty()).then(|| posts[w.rng.below(posts.len())].clone())
    };
    match w.rng.below(100) {
        0..=24 => {
            let p = w.root(&tenant);
            let notes = mention_notes(&p);
            same!(pair, "insert_post", |s| s.insert_post(&p, &notes));
        }
        25..=39 => {
            if let Some(parent) = any(w) {
                let p = w.reply(&parent);
                let mut notes = mention_notes(&p);
                notes.push(NewNotification {
                    recipient: parent.author.clone(),
                    kind: NotificationKind::Reply,
                    post: parent.id,
                    actor: p.author.clone(),
                    at: p.created_at,
                    subject: None,
                });
                same!(pair, "insert_post (reply)", |s| s.insert_post(&p, &notes));
            }
        }
        40..=41 => {
            // A batch, sometimes with a duplicate id (all or nothing).
            let mut batch: Vec<Post> = (0..3).map(|_| w.root(&tenant)).collect();
            let reply = w.reply(&batch[0]);
            batch.push(reply);
            if w.rng.chance(30) {
                batch.push(batch[1].clone());
            }
            same!(pair, "insert_posts", |s| s.insert_posts(&batch));
        }
        42..=56 => {
            if let Some(p) = any(w) {
                let r = Reaction {
                    post: p.id,
                    person: w.person(),
                    kind: *w.rng.pick(&ReactionKind::ALL),
                    at: w.tick(),
                };
                let note = NewNotification {
                    recipient: p.author.clone(),
                    kind: NotificationKind::Reaction,
                    post: p.id,
                    actor: r.person.clone(),
                    at: r.at,
                    subject: None,
                };
                let note = (r.person != p.author).then_some(note);
                same!(pair, "add_reaction", |s| s.add_reaction(
                    &tenant,
                    &r,
                    note.as_ref()
                ));
            }
        }
        57..=58 => {
            let mut batch = Vec::new();
            for _ in 0..4 {
                if let Some(p) = any(w) {
                    let kind = *w.rng.pick(&ReactionKind::ALL);
                    batch.push(Reaction {
                        post: p.id,
                        person: w.person(),
                        kind,
                        at: w.tick(),
                    });
                }
            }
            if let Some(r) = batch.first().cloned() {
                batch.push(r);
            }
            same!(pair, "add_reactions", |s| s.add_reactions(&tenant, &batch));
        }
        59..=64 => {
            if let Some(p) = any(w) {
                let (person, kind) = (w.person(), *w.rng.pick(&ReactionKind::ALL));
                same!(pair, "remove_reaction", |s| s
                    .remove_reaction(&tenant, &p.id, &person, kind));
            }
        }
        65..=69 => {
            if let Some(p) = any(w) {
                let (text, hashtags, mentions, urls) = w.text();
                let edit = PostEdit {
                    id: p.id,
                    text,
                    edited_at: w.tick(),
                    hashtags,
                    mentions,
                    urls,
                };
                let mut q = p.clone();
                q.mentions = edit.mentions.clone();
                q.created_at = edit.edited_at;
                let notes = mention_notes(&q);
                same!(pair, "update_post", |s| s.update_post(
                    &tenant,
                    &watercooler_core::store::PostUpdate::text(edit.clone(), notes.clone())
                ));
            }
        }
        70..=73 => {
            if let Some(p) = any(w) {
                let at = w.tick();
                same!(pair, "delete_post", |s| s.delete_post(&tenant, &p.id, at));
            }
        }
        74..=75 => {
            if let Some(p) = any(w) {
                let at = w.tick();
                let until = w
                    .rng
                    .chance(60)
                    .then(|| at + Duration::hours(1 + w.rng.below(48) as i64));
                same!(pair, "set_pinned", |s| s
                    .set_pinned(&tenant, &p.id, until, at));
            }
        }
        76..=83 => {
            let person = w.person();
            let target = match w.rng.below(3) {
                0 => FollowTarget::Person(w.person()),
                1 => FollowTarget::Hashtag(tag_key(&mut w.rng)),
                _ => FollowTarget::Group(GroupId::new(*w.rng.pick(&["eng", "hr"]))),
            };
            if w.rng.chance(70) {
                same!(pair, "follow", |s| s.follow(&tenant, &person, &target));
            } else {
                same!(pair, "unfollow", |s| s.unfollow(&tenant, &person, &target));
            }
        }
        84..=88 => {
            let person = w.person();
            let target = match w.rng.below(3) {
                0 => MuteTarget::Person(w.person()),
                1 => MuteTarget::Word(format!("w{}", w.rng.below(3))),
                _ => MuteTarget::Hashtag(tag_key(&mut w.rng)),
            };
            if w.rng.chance(70) {
                same!(pair, "mute", |s| s.mute(&tenant, &person, &target));
            } else {
                same!(pair, "unmute", |s| s.unmute(&tenant, &person, &target));
            }
        }
        89..=92 => {
            let person = w.person();
            let ids: Vec<PostId> = (0..3).filter_map(|_| any(w).map(|p| p.id)).collect();
            same!(pair, "mark_posts_seen", |s| s
                .mark_posts_seen(&tenant, &person, &ids));
        }
        93..=96 => {
            let person = w.person();
            // Often everything so far, else a prefix of it.
            let up_to = if w.rng.chance(40) {
                u64::MAX
            } else {
                w.rng.below(4 * w.n + 1) as u64
            };
            same!(pair, "mark_notifications_seen", |s| s
                .mark_notifications_seen(&tenant, &person, up_to));
        }
        _ => {
            if w.rng.chance(40) {
                let person = w.person();
                let at = w.tick();
                same!(pair, "erase_person", |s| s
                    .erase_person(&tenant, &person, at));
            }
        }
    }
}

/// Every page of a list, with a small page size so cursors are exercised.
async fn pages<T>(what: &str, mut f: impl AsyncFnMut(PageRequest) -> Result<Page<T>>) -> Vec<T> {
    let mut out = Vec::new();
    let mut req = PageRequest::first(3);
    for _ in 0..10_000 {
        let page = f(req.clone())
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        out.extend(page.items);
        match page.next {
            Some(c) => req = PageRequest::after(c, 3),
            None => return out,
        }
    }
    panic!("{what}: cursor loop");
}

/// Compares every read path for every viewer.
async fn compare_reads(pair: &Pair, w: &World) {
    let stores: [(&str, &dyn Store); 2] = [("memory", &pair.mem), ("postgres", &pair.pg)];
    let all_ids: Vec<PostId> = w.made.iter().map(|(_, id)| *id).collect();
    let mut views = Vec::new();
    for (name, s) in stores {
        let mut v: Vec<String> = Vec::new();
        let mut push = |label: String, value: String| v.push(format!("{label}: {value}"));
        push(
            "last_seq".into(),
            format!("{:?}", s.last_seq().await.unwrap()),
        );
        push(
            "changes".into(),
            format!(
                "{:?}",
                s.changes(watercooler_core::Seq(0), 100_000).await.unwrap()
            ),
        );
        let scanned = {
            let mut out = Vec::new();
            let mut after = None;
            loop {
                let batch = s.scan_posts(after.clone(), 7).await.unwrap();
                let Some(last) = batch.last() else { break };
                after = Some((last.tenant.clone(), last.id));
                out.extend(batch);
            }
            out
        };
        push("scan".into(), format!("{scanned:?}"));
        for tenant in TENANTS {
            let t = TenantId::new(tenant);
            let tenant_ids: Vec<PostId> = w
                .made
                .iter()
                .filter(|(tt, _)| tt == &t)
                .map(|(_, id)| *id)
                .collect();
            push(
                format!("{tenant} indexing"),
                format!("{:?}", s.posts_for_indexing(&t, &all_ids).await.unwrap()),
            );
            let mut viewers: Vec<&str> = PEOPLE.to_vec();
            viewers.push("stranger");
            for person in viewers {
                let a = access(tenant, person);
                let p = PersonId::new(person);
                let ctx = format!("{name} {tenant}/{person}");
                push(
                    format!("{ctx} get_posts"),
                    format!("{:?}", s.get_posts(&a, &tenant_ids).await.unwrap()),
                );
                let mut filters = vec![
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
                ];
                for who in PEOPLE {
                    filters.push(PostFilter {
                        author: Some(PersonId::new(who)),
                        include_replies: true,
                        ..Default::default()
                    });
                }
                for g in ["eng", "hr"] {
                    filters.push(PostFilter {
                        group: Some(GroupId::new(g)),
                        ..Default::default()
                    });
                }
                for tag in ["café", "news", "ss", "tag"] {
                    filters.push(PostFilter {
                        hashtag: Some(hashtag_key(tag)),
                        include_replies: true,
                        ..Default::default()
                    });
                }
                for id in tenant_ids.iter().take(6) {
                    filters.push(PostFilter {
                        thread: Some(*id),
                        order: Order::OldestFirst,
                        ..Default::default()
                    });
                }
                for f in &filters {
                    let got = pages(&ctx, async |req| s.list_posts(&a, f, &req).await).await;
                    push(format!("{ctx} list {f:?}"), format!("{got:?}"));
                }
                for id in &tenant_ids {
                    push(
                        format!("{ctx} revisions {id}"),
                        format!("{:?}", s.revisions(&a, id).await.unwrap()),
                    );
                    let r = pages(&ctx, async |req| s.reactions(&a, id, &req).await).await;
                    push(format!("{ctx} reactions {id}"), format!("{r:?}"));
                }
                for (since_days, per, popular) in [(400, 5, 3), (3, 2, 1), (1, 0, 5)] {
                    let q = CandidateQuery {
                        authors: vec![PersonId::new("ann"), PersonId::new("ed")],
                        groups: vec![GroupId::new("eng"), GroupId::new("hr")],
                        hashtags: vec![hashtag_key("café"), hashtag_key("tag")],
                        mentioning_viewer: true,
                        since: w.now - Duration::days(since_days),
                        max_id: PostId::MAX,
                        per_source: per,
                        popular,
                        now: w.now,
                    };
                    push(
                        format!("{ctx} candidates {since_days}"),
                        format!("{:?}", s.feed_candidates(&a, &q).await.unwrap()),
                    );
                }
                for bucket in [3600, 86_400] {
                    let since = w.now - Duration::days(30);
                    push(
                        format!("{ctx} activity {bucket}"),
                        format!("{:?}", s.tag_activity(&a, since, bucket).await.unwrap()),
                    );
                }
                for prefix in ["", "c", "caf", "n", "zz"] {
                    // The display is the reference's "most recently stored" spelling, which
                    // may come from a post the viewer cannot see; ours takes the newest
                    // visible one. Keys and counts must agree.
                    let got: Vec<(String, u32)> = s
                        .suggest_tags(&a, prefix, 10)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|t| (t.key.into_string(), t.posts))
                        .collect();
                    push(format!("{ctx} suggest {prefix:?}"), format!("{got:?}"));
                }
                let f = pages(&ctx, async |req| s.follows(&t, &p, &req).await).await;
                push(format!("{ctx} follows"), format!("{f:?}"));
                let m = pages(&ctx, async |req| s.mutes(&t, &p, &req).await).await;
                push(format!("{ctx} mutes"), format!("{m:?}"));
                let n = pages(&ctx, async |req| s.notifications(&t, &p, &req).await).await;
                push(format!("{ctx} notifications"), format!("{n:?}"));
                push(
                    format!("{ctx} interactions"),
                    format!("{:?}", s.interactions(&t, &p, 100).await.unwrap()),
                );
                push(
                    format!("{ctx} seen"),
                    format!("{:?}", s.seen_posts(&t, &p, &tenant_ids).await.unwrap()),
                );
                push(
                    format!("{ctx} export"),
                    format!("{:?}", s.export_person(&t, &p).await.unwrap()),
                );
            }
        }
        views.push(v);
    }
    let (mem, pg) = (&views[0], &views[1]);
    assert_eq!(mem.len(), pg.len());
    for (a, b) in mem.iter().zip(pg) {
        let a = a.replacen("memory ", "", 1);
        let b = b.replacen("postgres ", "", 1);
        assert_eq!(b, a, "PgStore (left) differs from MemoryStore (right)");
    }
}

async fn run(seed: u64, steps: usize) {
    run_with(seed, steps, false).await;
}

/// A differential run on a fresh schema, with row-level security on or off.
pub async fn run_with(seed: u64, steps: usize, rls: bool) {
    let schema = Schema::new("diff");
    let pg = if rls {
        connect(schema.rls_options().await).await
    } else {
        schema.store().await
    };
    let pair = Pair {
        mem: MemoryStore::new(),
        pg,
    };
    let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let mut w = World {
        rng: Rng::new(seed),
        ids: PostIdGenerator::new(seed),
        now: start,
        made: Vec::new(),
        n: 0,
    };
    for i in 0..steps {
        step(&pair, &mut w).await;
        if i == steps / 2 {
            compare_reads(&pair, &w).await;
        }
    }
    compare_reads(&pair, &w).await;
    let kinds: BTreeSet<String> = pair
        .mem
        .changes(watercooler_core::Seq(0), 100_000)
        .await
        .unwrap()
        .iter()
        .map(|c| format!("{:?}", c.kind))
        .collect();
    // The run must have exercised every kind of change, or it proves less than it claims.
    assert_eq!(kinds.len(), 4, "seed {seed} made only {kinds:?}");
    pair.pg.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_answers_as_the_memory_store_seed_1() {
    run(1, 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_answers_as_the_memory_store_seed_2() {
    run(2, 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_answers_as_the_memory_store_seed_3() {
    run(3, 300).await;
}
