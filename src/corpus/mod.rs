//! The synthetic intranet corpus of the tests and benchmarks: [`generate`] makes it from a
//! seed (no files needed), [`jsonl`] writes it as JSON Lines for other tools, and [`load`]
//! puts it into a [`MemoryDirectory`] and any [`Store`], building each post the way
//! publishing would: NFC, validation, extraction, mention resolution with visibility. Posts
//! that mention someone or reply to someone are stored with the notifications publishing
//! would have made. Everything goes in through the store's batch calls
//! ([`Store::follow_many`], [`Store::insert_posts_with_notifications`],
//! [`Store::add_reactions`]), so a durable store pays one transaction per batch rather than
//! one per item.

pub mod generate;
pub mod jsonl;
pub mod rng;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use watercooler::watercooler_text::hashtag_key;
use watercooler::{
    FollowTarget, Group, GroupId, GroupKind, ImportedPost, Language, ManualClock, MemoryDirectory,
    NewNotification, NewPost, ParentRef, Person, PersonId, Post, PostId, Reaction, ReactionKind,
    Store, TenantId, Watercooler,
};

pub use generate::{Config, Size};

/// The corpus's "now": the end of its last day.
pub const CORPUS_END: &str = "2013-02-05T23:59:59Z";

/// Follows added per [`Store::follow_many`] call.
const FOLLOW_BATCH: usize = 5_000;
/// Posts (with their notifications) inserted per
/// [`Store::insert_posts_with_notifications`] call.
const POST_BATCH: usize = 2_000;

/// Why loading failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CorpusError {
    /// A generated record is not what the loader expects.
    Record {
        /// The record's id (`willemsen:p12`, `acme:g3`).
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// The directory or store refused something.
    Service(watercooler::Error),
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Record { id, reason } => write!(f, "{id}: {reason}"),
            CorpusError::Service(e) => write!(f, "watercooler: {e}"),
        }
    }
}

impl std::error::Error for CorpusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CorpusError::Service(e) => Some(e),
            CorpusError::Record { .. } => None,
        }
    }
}

impl From<watercooler::Error> for CorpusError {
    fn from(e: watercooler::Error) -> Self {
        CorpusError::Service(e)
    }
}

/// How many of each thing were loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// People.
    pub people: usize,
    /// Groups.
    pub groups: usize,
    /// Group memberships.
    pub memberships: usize,
    /// Follow lines (two spellings of one tag by one person are one stored follow).
    pub follows: usize,
    /// Posts and replies.
    pub posts: usize,
    /// Reactions.
    pub reactions: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.people += o.people;
        self.groups += o.groups;
        self.memberships += o.memberships;
        self.follows += o.follows;
        self.posts += o.posts;
        self.reactions += o.reactions;
    }
}

/// The loaded corpus and a service over it.
pub struct Corpus {
    /// A service over the directory and store, on a clock standing at [`Corpus::now`].
    pub service: Watercooler,
    /// The people and groups.
    pub directory: Arc<MemoryDirectory>,
    /// The store the posts went into.
    pub store: Arc<dyn Store>,
    /// The service's clock.
    pub clock: Arc<ManualClock>,
    /// Corpus post id (`willemsen:p12`) → our id.
    pub post_ids: HashMap<String, PostId>,
    /// Totals.
    pub counts: Counts,
    /// Per tenant.
    pub per_tenant: BTreeMap<TenantId, Counts>,
    /// The corpus's "now": [`CORPUS_END`] or the newest post, whichever is later.
    pub now: DateTime<Utc>,
}

impl fmt::Debug for Corpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Corpus")
            .field("counts", &self.counts)
            .field("per_tenant", &self.per_tenant)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

fn bad(id: &str, reason: impl Into<String>) -> CorpusError {
    CorpusError::Record {
        id: id.to_owned(),
        reason: reason.into(),
    }
}

/// Loads people, groups and memberships of `world` into a new directory.
pub fn load_directory(
    world: &generate::World,
) -> Result<(MemoryDirectory, BTreeMap<TenantId, Counts>), CorpusError> {
    let directory = MemoryDirectory::new();
    let mut per: BTreeMap<TenantId, Counts> = BTreeMap::new();
    for p in world.people() {
        let tenant = TenantId::new(p.tenant);
        let person = Person {
            id: p.id.into(),
            handle: p.handle,
            name: p.name,
            department: p.department,
            manager: p.manager.map(PersonId::new),
            locale: p.locale,
            admin: false,
        };
        directory.add_person(&tenant, person)?;
        per.entry(tenant).or_default().people += 1;
    }
    for g in world.groups() {
        let kind = match g.kind.as_str() {
            "department" => GroupKind::Department,
            "team" => GroupKind::Team,
            "community" => GroupKind::Community,
            other => return Err(bad(&g.id, format!("unknown group kind {other}"))),
        };
        let tenant = TenantId::new(g.tenant);
        let group = Group {
            id: g.id.into(),
            name: g.name,
            kind,
            private: g.private,
        };
        directory.add_group(&tenant, group)?;
        per.entry(tenant).or_default().groups += 1;
    }
    for m in world.memberships() {
        let tenant = TenantId::new(m.tenant);
        directory.add_member(&tenant, &GroupId::new(m.group), &PersonId::new(m.person))?;
        per.entry(tenant).or_default().memberships += 1;
    }
    Ok((directory, per))
}

/// Generates the corpus of `config` and loads it into `store` and a new directory.
pub async fn load(config: &Config, store: Arc<dyn Store>) -> Result<Corpus, CorpusError> {
    let world = generate::World::new(config).map_err(|e| bad("config", e.to_string()))?;
    let (directory, mut per_tenant) = load_directory(&world)?;
    let directory = Arc::new(directory);
    // The clock is set to the corpus's end once the posts are in.
    let end = CORPUS_END.parse::<DateTime<Utc>>().unwrap_or_default();
    let clock = Arc::new(ManualClock::new(end));
    let service = Watercooler::builder(store.clone(), directory.clone())
        .clock(clock.clone())
        .id_salt(0)
        .build();

    // Follows go straight to the store: the corpus only follows people of the same tenant.
    // They come tenant by tenant, so a batch never mixes tenants.
    let mut batch: Vec<(PersonId, FollowTarget)> = Vec::with_capacity(FOLLOW_BATCH);
    let mut batch_tenant: Option<TenantId> = None;
    for f in world.follows() {
        let target = match f.kind.as_str() {
            "person" => FollowTarget::Person(f.target.into()),
            "hashtag" => FollowTarget::Hashtag(hashtag_key(&f.target)),
            other => return Err(bad(&f.follower, format!("unknown follow kind {other}"))),
        };
        let tenant = TenantId::new(f.tenant);
        if batch_tenant.as_ref() != Some(&tenant) || batch.len() == FOLLOW_BATCH {
            if let Some(t) = batch_tenant.take() {
                store.follow_many(&t, &batch).await?;
                batch.clear();
            }
            batch_tenant = Some(tenant.clone());
        }
        batch.push((f.follower.into(), target));
        per_tenant.entry(tenant).or_default().follows += 1;
    }
    if let Some(t) = batch_tenant {
        store.follow_many(&t, &batch).await?;
    }

    let (post_ids, newest) = load_posts(&world, &service, &*store, &mut per_tenant).await?;
    let now = end.max(newest);
    clock.set(now);

    let mut counts = Counts::default();
    for c in per_tenant.values() {
        counts.add(c);
    }
    Ok(Corpus {
        service,
        directory,
        store,
        clock,
        post_ids,
        counts,
        per_tenant,
        now,
    })
}

/// Prepares and stores the posts in generated (time) order, so that parents always precede
/// their replies; each batch's reactions follow the batch.
async fn load_posts(
    world: &generate::World,
    service: &Watercooler,
    store: &dyn Store,
    per_tenant: &mut BTreeMap<TenantId, Counts>,
) -> Result<(HashMap<String, PostId>, DateTime<Utc>), CorpusError> {
    let posts = world.posts();
    // Replies only answer recent posts, but any post may be a reaction's target in a test.
    let mut parents: HashMap<String, ParentRef> = HashMap::with_capacity(posts.len());
    let mut newest = DateTime::<Utc>::MIN_UTC;
    let mut batch: Vec<(Post, Vec<NewNotification>)> = Vec::with_capacity(POST_BATCH);
    let mut reactions: BTreeMap<TenantId, Vec<Reaction>> = BTreeMap::new();
    for (i, g) in posts.enumerate() {
        let p = g.post;
        let parent = match &p.reply_to {
            Some(r) => Some(
                parents
                    .get(r)
                    .cloned()
                    .ok_or_else(|| bad(&p.id, format!("unknown parent {r}")))?,
            ),
            None => None,
        };
        newest = newest.max(p.created_at);
        let tenant = TenantId::new(p.tenant);
        let mut new = NewPost::new(p.text).language(Language::new(&p.lang));
        new.visibility = p.visibility;
        let item = ImportedPost {
            id: PostId::from_parts(p.created_at, i as u64),
            author: p.author.into(),
            created_at: p.created_at,
            post: new,
            parent,
        };
        let (post, notes) = service
            .prepare_import(&tenant, item)
            .await
            .map_err(|e| bad(&p.id, e.to_string()))?;
        for r in g.reactions {
            let kind = ReactionKind::parse(&r.kind)
                .ok_or_else(|| bad(&p.id, format!("unknown reaction kind {}", r.kind)))?;
            reactions.entry(tenant.clone()).or_default().push(Reaction {
                post: post.id,
                person: r.person.into(),
                kind,
                at: r.at,
            });
        }
        let counts = per_tenant.entry(tenant).or_default();
        counts.posts += 1;
        parents.insert(p.id, ParentRef::of(&post));
        // In generated order, so a reply's parent is stored before it or earlier in its batch.
        batch.push((post, notes));
        if batch.len() == POST_BATCH {
            flush(store, &mut batch, &mut reactions, per_tenant).await?;
        }
    }
    flush(store, &mut batch, &mut reactions, per_tenant).await?;
    let post_ids = parents.into_iter().map(|(k, p)| (k, p.id)).collect();
    Ok((post_ids, newest))
}

/// Stores a batch of posts, then the reactions to them.
async fn flush(
    store: &dyn Store,
    batch: &mut Vec<(Post, Vec<NewNotification>)>,
    reactions: &mut BTreeMap<TenantId, Vec<Reaction>>,
    per_tenant: &mut BTreeMap<TenantId, Counts>,
) -> Result<(), CorpusError> {
    if !batch.is_empty() {
        store.insert_posts_with_notifications(batch).await?;
        batch.clear();
    }
    for (tenant, list) in std::mem::take(reactions) {
        if !list.is_empty() {
            store.add_reactions(&tenant, &list).await?;
            per_tenant.entry(tenant).or_default().reactions += list.len();
        }
    }
    Ok(())
}
