//! Loads the generated corpus (`small`: 5,000 posts in 3 tenants) into the memory store and
//! checks what must hold at scale:
//! the counts, and visibility on the read path (authors, group non-members, direct
//! non-recipients, mentions and mention notifications), then home feeds and trends for a
//! sample of every tenant's people against an oracle built from the directory alone.
//! Linear: each post is checked against a fixed, deterministic handful of people.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use watercooler::watercooler_text::{EntityKind, Extractor, TagKey, handle_key};
use watercooler::{
    Access, Directory, GroupId, MemoryStore, NotificationKind, PageRequest, PersonId, Post,
    TenantId, TrendOptions, Viewer, Visibility,
};
use watercooler_workspace::corpus::{self, Corpus};

/// How many non-members (or non-recipients) each private post is tried against.
const OUTSIDERS_PER_POST: usize = 3;

struct Checker<'a> {
    c: &'a Corpus,
    access: HashMap<(TenantId, PersonId), Access>,
    people: BTreeMap<TenantId, Vec<PersonId>>,
    members: HashMap<(TenantId, GroupId), HashSet<PersonId>>,
    /// Non-members of each group, sorted.
    outsiders: HashMap<(TenantId, GroupId), Vec<PersonId>>,
}

impl<'a> Checker<'a> {
    async fn new(c: &'a Corpus) -> Self {
        let mut people = BTreeMap::new();
        let mut members = HashMap::new();
        let mut outsiders = HashMap::new();
        for tenant in c.directory.tenants().unwrap() {
            let everyone = c.directory.person_ids(&tenant).unwrap();
            for g in c.directory.groups(&tenant).unwrap() {
                let m: HashSet<PersonId> = c
                    .directory
                    .members(&tenant, &g.id)
                    .unwrap()
                    .into_iter()
                    .collect();
                let out: Vec<PersonId> = everyone
                    .iter()
                    .filter(|p| !m.contains(*p))
                    .cloned()
                    .collect();
                outsiders.insert((tenant.clone(), g.id.clone()), out);
                members.insert((tenant.clone(), g.id), m);
            }
            people.insert(tenant, everyone);
        }
        Checker {
            c,
            access: HashMap::new(),
            people,
            members,
            outsiders,
        }
    }

    async fn access(&mut self, tenant: &TenantId, person: &PersonId) -> Access {
        let key = (tenant.clone(), person.clone());
        if let Some(a) = self.access.get(&key) {
            return a.clone();
        }
        let a = self
            .c
            .service
            .access(&Viewer::new(tenant.clone(), person.clone()))
            .await
            .unwrap();
        self.access.insert(key, a.clone());
        a
    }

    async fn can_read(&mut self, post: &Post, person: &PersonId) -> bool {
        let a = self.access(&post.tenant, person).await;
        self.c.store.get_post(&a, &post.id).await.unwrap().is_some()
    }

    /// `n` people from `pool` other than `except`, picked deterministically from `seed`.
    fn pick(pool: &[PersonId], seed: usize, n: usize, except: &[&PersonId]) -> Vec<PersonId> {
        let mut out = Vec::new();
        if pool.is_empty() {
            return out;
        }
        for k in 0..pool.len() {
            if out.len() == n {
                break;
            }
            let p = &pool[(seed.wrapping_mul(7919) + k * 104_729) % pool.len()];
            if !except.contains(&p) && !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_full_corpus_loads_and_keeps_every_visibility_promise() {
    let t0 = std::time::Instant::now();
    let store = Arc::new(MemoryStore::new());
    let config = corpus::Config::small();
    let c = corpus::load(&config, store.clone()).await.unwrap();
    // What the generator made, counted without a store: the loader must keep all of it.
    let census = corpus::generate::census(&config).unwrap();
    let expect =
        |f: fn(&corpus::generate::TenantCensus) -> usize| -> usize { census.values().map(f).sum() };
    let total_posts = expect(|t| t.posts);

    // Counts, in total and per tenant.
    let n = c.counts;
    assert_eq!(
        (
            n.people,
            n.groups,
            n.memberships,
            n.follows,
            n.posts,
            n.reactions
        ),
        (
            expect(|t| t.people),
            expect(|t| t.groups),
            expect(|t| t.memberships),
            expect(|t| t.follows),
            total_posts,
            expect(|t| t.reactions)
        )
    );
    let posts_per: Vec<(&str, usize)> = c
        .per_tenant
        .iter()
        .map(|(t, n)| (t.as_str(), n.posts))
        .collect();
    let census_posts: Vec<(&str, usize)> =
        census.iter().map(|(t, n)| (t.as_str(), n.posts)).collect();
    assert_eq!(posts_per, census_posts);
    assert_eq!(posts_per.len(), 3, "three tenants");
    let people_per: Vec<usize> = c.per_tenant.values().map(|n| n.people).collect();
    let census_people: Vec<usize> = census.values().map(|n| n.people).collect();
    assert_eq!(people_per, census_people);
    assert_eq!(c.post_ids.len(), total_posts);
    assert_eq!(
        c.now,
        corpus::CORPUS_END
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    );

    eprintln!("TIMING load {:?}", t0.elapsed());
    let mut check = Checker::new(&c).await;
    let extractor = Extractor::default();
    let mut scanned: BTreeMap<TenantId, usize> = BTreeMap::new();
    let (mut group_posts, mut direct_posts, mut mentions, mut dropped) = (0, 0, 0, 0);
    let mut tag_uses: HashMap<(TenantId, TagKey), Vec<TagUse>> = HashMap::new();
    let mut after = None;
    loop {
        let batch = c.store.scan_posts(after.clone(), 5_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some((last.tenant.clone(), last.id));
        for (i, post) in batch.iter().enumerate() {
            *scanned.entry(post.tenant.clone()).or_default() += 1;
            for tag in &post.hashtags {
                tag_uses
                    .entry((post.tenant.clone(), tag.key.clone()))
                    .or_default()
                    .push(TagUse {
                        at: post.created_at,
                        author: post.author.clone(),
                        visibility: post.visibility.clone(),
                    });
            }
            assert!(
                check.can_read(post, &post.author).await,
                "author cannot read {}",
                post.id
            );
            let seed = post.id.as_u128() as usize ^ i;
            match &post.visibility {
                Visibility::Organization => {}
                Visibility::Group { group } => {
                    group_posts += 1;
                    let key = (post.tenant.clone(), group.clone());
                    let pool = check.outsiders[&key].clone();
                    for p in Checker::pick(&pool, seed, OUTSIDERS_PER_POST, &[&post.author]) {
                        assert!(
                            !check.can_read(post, &p).await,
                            "non-member {p} reads {}",
                            post.id
                        );
                    }
                    let member = check.members[&key].iter().next().cloned();
                    if let Some(m) = member {
                        assert!(
                            check.can_read(post, &m).await,
                            "member {m} cannot read {}",
                            post.id
                        );
                    }
                }
                Visibility::Direct { recipients } => {
                    direct_posts += 1;
                    let pool = check.people[&post.tenant].clone();
                    let mut except: Vec<&PersonId> = recipients.iter().collect();
                    except.push(&post.author);
                    for p in Checker::pick(&pool, seed, OUTSIDERS_PER_POST, &except) {
                        assert!(
                            !check.can_read(post, &p).await,
                            "non-recipient {p} reads {}",
                            post.id
                        );
                    }
                    for r in recipients {
                        assert!(
                            check.can_read(post, r).await,
                            "recipient {r} cannot read {}",
                            post.id
                        );
                    }
                }
            }
            // Every resolved mention is of someone who may read the post.
            for m in &post.mentions {
                mentions += 1;
                assert!(
                    check.can_read(post, &m.person).await,
                    "mentioned {} cannot read {}",
                    m.person,
                    post.id
                );
            }
            // And every typed mention of a known person who may not read it was dropped.
            if post.visibility != Visibility::Organization && post.text.contains('@') {
                for e in extractor
                    .extract(&post.text)
                    .iter()
                    .filter(|e| e.kind() == EntityKind::Mention)
                {
                    let key = handle_key(e.value(&post.text));
                    let found = c
                        .directory
                        .resolve_handles(&post.tenant, &[key])
                        .await
                        .unwrap();
                    for person in found {
                        if !check.can_read(post, &person.id).await {
                            dropped += 1;
                            assert!(post.mentions.iter().all(|m| m.person != person.id));
                        }
                    }
                }
            }
        }
    }
    eprintln!("TIMING scan {:?}", t0.elapsed());
    let scanned_total: usize = scanned.values().sum();
    assert_eq!(scanned_total, total_posts);
    for (tenant, n) in &scanned {
        assert_eq!(*n, c.per_tenant[tenant].posts, "{tenant}");
    }
    // The corpus holds all of these on purpose; a zero would mean the checks checked nothing.
    assert_eq!(
        (group_posts, direct_posts),
        (expect(|t| t.group_posts), expect(|t| t.direct_posts))
    );
    assert!(group_posts > 0 && direct_posts > 0);
    // Thresholds scale with the corpus (the 200,000-post one had 10,000 and 100).
    assert!(mentions > total_posts / 20, "{mentions}");
    assert!(dropped > total_posts / 2_000, "{dropped}");
    eprintln!("COUNTS mentions {mentions} dropped {dropped}");

    // Mention notifications go only to people who may read the post.
    let mut mention_notes = 0;
    for (tenant, people) in check.people.clone() {
        for person in people {
            let a = check.access(&tenant, &person).await;
            let mut req = PageRequest::first(200);
            loop {
                let page = c.store.notifications(&tenant, &person, &req).await.unwrap();
                let ids: Vec<_> = page
                    .items
                    .iter()
                    .filter(|n| n.kind == NotificationKind::Mention)
                    .map(|n| n.post)
                    .collect();
                mention_notes += ids.len();
                let readable = c.store.get_posts(&a, &ids).await.unwrap();
                assert_eq!(
                    readable.len(),
                    ids.len(),
                    "{person} notified about a post they cannot read"
                );
                match page.next {
                    Some(cur) => req = PageRequest::after(cur, 200),
                    None => break,
                }
            }
        }
    }
    assert!(mention_notes > total_posts / 20, "{mention_notes}");

    // Feeds and trends, for a deterministic sample of every tenant's people, against an
    // oracle built from the directory alone (not from the store's own visibility code).
    let oracle = Oracle {
        members: &check.members,
    };
    let mut loose = TrendOptions::default();
    loose.bucket_seconds = 7 * 86_400;
    loose.history = 4;
    loose.min_authors = 2;
    let (mut feed_items, mut trends_seen) = (0, 0);
    for (tenant, people) in &check.people {
        for person in people.iter().step_by(9) {
            let viewer = Viewer::new(tenant.clone(), person.clone());
            let mut request = PageRequest::first(20);
            for _ in 0..3 {
                let page = c.service.home_feed(&viewer, &request).await.unwrap();
                for item in &page.items {
                    for view in std::iter::once(&item.post).chain(&item.replies) {
                        feed_items += 1;
                        assert!(
                            oracle.sees(&viewer, &view.post),
                            "{person} of {tenant} gets {} in their home feed",
                            view.post.id
                        );
                    }
                }
                match page.next {
                    Some(next) => request = PageRequest::after(next, 20),
                    None => break,
                }
            }
            for options in [&TrendOptions::default(), &loose] {
                for trend in c
                    .service
                    .trending_hashtags_with(&viewer, options)
                    .await
                    .unwrap()
                {
                    trends_seen += 1;
                    let from = trend.peak_at;
                    let to = from + chrono::Duration::seconds(options.bucket_seconds);
                    let visible_authors: HashSet<&PersonId> = tag_uses
                        [&(tenant.clone(), trend.key.clone())]
                        .iter()
                        .filter(|u| u.at >= from && u.at < to)
                        .filter(|u| oracle.sees_parts(&viewer, &u.author, &u.visibility))
                        .map(|u| &u.author)
                        .collect();
                    assert!(
                        trend.authors as usize <= visible_authors.len()
                            && trend.authors >= options.min_authors,
                        "{person} of {tenant}: #{} claims {} authors, {} visible",
                        trend.display,
                        trend.authors,
                        visible_authors.len()
                    );
                }
            }
        }
    }
    // Zero would mean the loop checked nothing.
    eprintln!("COUNTS notes {mention_notes} feed {feed_items} trends {trends_seen}");
    assert!(feed_items > total_posts / 40, "{feed_items}");
    assert!(trends_seen > 50, "{trends_seen}");

    leavers_learn_nothing_of_replies(&c).await;
}

/// How many of the busiest group threads the leaver scenario takes.
const LEAVER_THREADS: usize = 40;

/// People change department: the authors of the busiest group threads leave the group.
/// Each still sees their own post, but no reply notification about it, and its reply count
/// and thread hold only their own replies; after rejoining they see every reply again.
async fn leavers_learn_nothing_of_replies(c: &Corpus) {
    // root → (replies, by whom), for group roots.
    let mut threads: HashMap<(TenantId, watercooler::PostId), Vec<Post>> = HashMap::new();
    let mut roots: HashMap<(TenantId, watercooler::PostId), Post> = HashMap::new();
    let mut after = None;
    loop {
        let batch = c.store.scan_posts(after.clone(), 5_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some((last.tenant.clone(), last.id));
        for post in batch {
            if !matches!(post.visibility, Visibility::Group { .. }) {
                continue;
            }
            let key = (post.tenant.clone(), post.thread_id());
            if post.thread_root.is_some() {
                threads.entry(key).or_default().push(post);
            } else {
                roots.insert(key, post);
            }
        }
    }
    let mut busiest: Vec<(&Post, &Vec<Post>)> = roots
        .iter()
        .filter_map(|(key, root)| Some((root, threads.get(key)?)))
        .filter(|(root, replies)| replies.iter().any(|r| r.author != root.author))
        .collect();
    busiest.sort_by_key(|(root, replies)| (std::cmp::Reverse(replies.len()), root.id));

    let mut checked = 0;
    let mut seen_authors: HashSet<(TenantId, PersonId)> = HashSet::new();
    for (root, replies) in busiest {
        let Visibility::Group { group } = &root.visibility else {
            continue;
        };
        let (tenant, author) = (&root.tenant, &root.author);
        // One thread per author: leaving changes what they see of all their threads.
        if !seen_authors.insert((tenant.clone(), author.clone()))
            || !c.directory.remove_member(tenant, group, author).unwrap()
        {
            continue;
        }
        let viewer = Viewer::new(tenant.clone(), author.clone());
        let own = replies.iter().filter(|r| &r.author == author).count() as u32;
        let view = c.service.post(&viewer, &root.id).await.unwrap();
        assert_eq!(
            view.stats.replies, own,
            "{author} left {group}: {} counts replies they may not see",
            root.id
        );
        let thread = c
            .service
            .thread(&viewer, &root.id, &PageRequest::first(100))
            .await
            .unwrap();
        assert!(
            thread
                .replies
                .items
                .iter()
                .all(|r| &r.post.author == author),
            "{author} left {group}: the thread of {} shows others' replies",
            root.id
        );
        let mut page = PageRequest::first(100);
        loop {
            let notes = c.service.notifications(&viewer, &page).await.unwrap();
            assert!(
                !notes
                    .items
                    .iter()
                    .any(|n| n.kind == NotificationKind::Reply && n.post == root.id),
                "{author} left {group}: a reply notification about {} is shown",
                root.id
            );
            match notes.next {
                Some(next) => page = PageRequest::after(next, 100),
                None => break,
            }
        }
        c.directory.add_member(tenant, group, author).unwrap();
        let back = c.service.post(&viewer, &root.id).await.unwrap();
        assert_eq!(
            back.stats.replies as usize,
            replies.len(),
            "{author} rejoined {group}: every reply of {} counts again",
            root.id
        );
        checked += 1;
        if checked == LEAVER_THREADS {
            break;
        }
    }
    assert!(checked >= 20, "only {checked} leaver threads were checked");
}

/// One use of a tag, as the scan saw it.
struct TagUse {
    at: chrono::DateTime<chrono::Utc>,
    author: PersonId,
    visibility: Visibility,
}

/// Who may see what, from the directory's memberships only.
struct Oracle<'a> {
    members: &'a HashMap<(TenantId, GroupId), HashSet<PersonId>>,
}

impl Oracle<'_> {
    fn sees(&self, viewer: &Viewer, post: &Post) -> bool {
        post.tenant == viewer.tenant && self.sees_parts(viewer, &post.author, &post.visibility)
    }

    /// Within the viewer's tenant.
    fn sees_parts(&self, viewer: &Viewer, author: &PersonId, visibility: &Visibility) -> bool {
        match visibility {
            Visibility::Organization => true,
            Visibility::Group { group } => self
                .members
                .get(&(viewer.tenant.clone(), group.clone()))
                .is_some_and(|m| m.contains(&viewer.person)),
            Visibility::Direct { recipients } => {
                author == &viewer.person || recipients.contains(&viewer.person)
            }
        }
    }
}
