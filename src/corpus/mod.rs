//! Loads the shared synthetic corpus (`../shared/corpus`, see its README) into a
//! [`MemoryDirectory`] and any [`Store`], building each post the way publishing would:
//! NFC, validation, extraction, mention resolution with visibility. Posts that mention
//! someone or reply to someone are stored with the notifications publishing would have
//! made. Everything goes in through the store's batch calls ([`Store::follow_many`],
//! [`Store::insert_posts_with_notifications`], [`Store::add_reactions`]), so a durable
//! store pays one transaction per batch rather than one per item.

pub mod generate;
pub mod jsonl;
pub mod rng;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flate2::read::GzDecoder;
use serde::Deserialize;
use watercooler::watercooler_text::hashtag_key;
use watercooler::{
    FollowTarget, Group, GroupId, GroupKind, ImportedPost, Language, ManualClock, MemoryDirectory,
    NewNotification, NewPost, ParentRef, Person, PersonId, Post, PostId, Reaction, ReactionKind,
    Store, TenantId, Visibility, Watercooler,
};

/// Where the corpus lives in this checkout.
pub const DEFAULT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

/// The corpus's "now": the end of its last day.
pub const CORPUS_END: &str = "2013-02-05T23:59:59Z";

/// Follows added per [`Store::follow_many`] call.
const FOLLOW_BATCH: usize = 5_000;
/// Posts (with their notifications) inserted per
/// [`Store::insert_posts_with_notifications`] call.
const POST_BATCH: usize = 2_000;
/// Reactions added per [`Store::add_reactions`] call.
const REACTION_BATCH: usize = 5_000;

/// The default corpus directory.
pub fn default_dir() -> PathBuf {
    PathBuf::from(DEFAULT_DIR)
}

/// Why loading failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CorpusError {
    /// A file could not be read.
    Io {
        /// The file.
        file: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not what the README describes.
    Line {
        /// The file.
        file: &'static str,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The directory or store refused something.
    Service(watercooler::Error),
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Io { file, source } => write!(f, "reading {}: {source}", file.display()),
            CorpusError::Line { file, line, reason } => write!(f, "{file}:{line}: {reason}"),
            CorpusError::Service(e) => write!(f, "watercooler: {e}"),
        }
    }
}

impl std::error::Error for CorpusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CorpusError::Io { source, .. } => Some(source),
            CorpusError::Service(e) => Some(e),
            CorpusError::Line { .. } => None,
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

#[derive(Deserialize)]
struct PersonLine {
    tenant: String,
    id: String,
    handle: String,
    name: String,
    department: Option<String>,
    locale: Option<String>,
    manager: Option<String>,
}

#[derive(Deserialize)]
struct GroupLine {
    tenant: String,
    id: String,
    name: String,
    kind: String,
    private: bool,
}

#[derive(Deserialize)]
struct MemberLine {
    tenant: String,
    group: String,
    person: String,
}

#[derive(Deserialize)]
struct FollowLine {
    tenant: String,
    follower: String,
    kind: String,
    target: String,
}

#[derive(Deserialize)]
struct PostLine {
    tenant: String,
    id: String,
    author: String,
    created_at: DateTime<Utc>,
    lang: String,
    text: String,
    visibility: Visibility,
    reply_to: Option<String>,
}

#[derive(Deserialize)]
struct ReactionLine {
    tenant: String,
    post: String,
    person: String,
    kind: String,
    at: DateTime<Utc>,
}

/// Calls `f` with each parsed line of a gzipped JSON Lines file, and its 1-based number.
fn each_line<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    name: &'static str,
    mut f: impl FnMut(T, usize) -> Result<(), CorpusError>,
) -> Result<(), CorpusError> {
    let path = dir.join(name);
    let file = File::open(&path).map_err(|source| CorpusError::Io {
        file: path.clone(),
        source,
    })?;
    let reader = BufReader::with_capacity(1 << 16, GzDecoder::new(file));
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| CorpusError::Io {
            file: path.clone(),
            source,
        })?;
        let parsed = serde_json::from_str(&line).map_err(|e| CorpusError::Line {
            file: name,
            line: i + 1,
            reason: e.to_string(),
        })?;
        f(parsed, i + 1)?;
    }
    Ok(())
}

fn bad(file: &'static str, line: usize, reason: impl Into<String>) -> CorpusError {
    CorpusError::Line {
        file,
        line,
        reason: reason.into(),
    }
}

/// Loads people, groups and memberships into a new directory.
pub fn load_directory(
    dir: &Path,
) -> Result<(MemoryDirectory, BTreeMap<TenantId, Counts>), CorpusError> {
    let directory = MemoryDirectory::new();
    let mut per: BTreeMap<TenantId, Counts> = BTreeMap::new();
    each_line(dir, "people.jsonl.gz", |p: PersonLine, _| {
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
        Ok(())
    })?;
    each_line(dir, "groups.jsonl.gz", |g: GroupLine, line| {
        let kind = match g.kind.as_str() {
            "department" => GroupKind::Department,
            "team" => GroupKind::Team,
            "community" => GroupKind::Community,
            other => {
                return Err(bad(
                    "groups.jsonl.gz",
                    line,
                    format!("unknown kind {other}"),
                ));
            }
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
        Ok(())
    })?;
    each_line(dir, "memberships.jsonl.gz", |m: MemberLine, _| {
        let tenant = TenantId::new(m.tenant);
        directory.add_member(&tenant, &GroupId::new(m.group), &PersonId::new(m.person))?;
        per.entry(tenant).or_default().memberships += 1;
        Ok(())
    })?;
    Ok((directory, per))
}

/// Loads the whole corpus from `dir` into `store` and a new directory.
pub async fn load(dir: &Path, store: Arc<dyn Store>) -> Result<Corpus, CorpusError> {
    let (directory, mut per_tenant) = load_directory(dir)?;
    let directory = Arc::new(directory);
    // The clock is set to the corpus's end once the posts are in.
    let end = CORPUS_END.parse::<DateTime<Utc>>().unwrap_or_default();
    let clock = Arc::new(ManualClock::new(end));
    let service = Watercooler::builder(store.clone(), directory.clone())
        .clock(clock.clone())
        .id_salt(0)
        .build();

    // Follows go straight to the store: the corpus only follows people of the same tenant.
    let mut follows: BTreeMap<TenantId, Vec<(PersonId, FollowTarget)>> = BTreeMap::new();
    each_line(dir, "follows.jsonl.gz", |f: FollowLine, line| {
        let target = match f.kind.as_str() {
            "person" => FollowTarget::Person(f.target.into()),
            "hashtag" => FollowTarget::Hashtag(hashtag_key(&f.target)),
            other => {
                return Err(bad(
                    "follows.jsonl.gz",
                    line,
                    format!("unknown kind {other}"),
                ));
            }
        };
        follows
            .entry(f.tenant.into())
            .or_default()
            .push((f.follower.into(), target));
        Ok(())
    })?;
    for (tenant, follows) in follows {
        for chunk in follows.chunks(FOLLOW_BATCH) {
            store.follow_many(&tenant, chunk).await?;
        }
        per_tenant.entry(tenant).or_default().follows += follows.len();
    }

    let (parents, newest) = load_posts(dir, &service, &*store, &mut per_tenant).await?;
    let now = end.max(newest);
    clock.set(now);
    let post_ids: HashMap<String, PostId> = parents.into_iter().map(|(k, p)| (k, p.id)).collect();
    load_reactions(dir, &*store, &post_ids, &mut per_tenant).await?;

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

/// Reads every post line first (the reader is synchronous), then prepares and stores them
/// in file order, so that parents always precede their replies.
async fn load_posts(
    dir: &Path,
    service: &Watercooler,
    store: &dyn Store,
    per_tenant: &mut BTreeMap<TenantId, Counts>,
) -> Result<(HashMap<String, ParentRef>, DateTime<Utc>), CorpusError> {
    let mut lines: Vec<PostLine> = Vec::with_capacity(200_000);
    each_line(dir, "posts.jsonl.gz", |p: PostLine, _| {
        lines.push(p);
        Ok(())
    })?;
    let mut parents: HashMap<String, ParentRef> = HashMap::with_capacity(lines.len());
    let mut newest = DateTime::<Utc>::MIN_UTC;
    let mut batch: Vec<(Post, Vec<NewNotification>)> = Vec::with_capacity(POST_BATCH);
    for (i, p) in lines.into_iter().enumerate() {
        let line = i + 1;
        let parent = match &p.reply_to {
            Some(r) => Some(
                parents
                    .get(r)
                    .cloned()
                    .ok_or_else(|| bad("posts.jsonl.gz", line, format!("unknown parent {r}")))?,
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
            .map_err(|e| bad("posts.jsonl.gz", line, e.to_string()))?;
        parents.insert(p.id, ParentRef::of(&post));
        per_tenant.entry(tenant).or_default().posts += 1;
        // In file order, so a reply's parent is stored before it or earlier in its batch.
        batch.push((post, notes));
        if batch.len() == POST_BATCH {
            store.insert_posts_with_notifications(&batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.insert_posts_with_notifications(&batch).await?;
    }
    Ok((parents, newest))
}

async fn load_reactions(
    dir: &Path,
    store: &dyn Store,
    post_ids: &HashMap<String, PostId>,
    per_tenant: &mut BTreeMap<TenantId, Counts>,
) -> Result<(), CorpusError> {
    let mut by_tenant: BTreeMap<TenantId, Vec<Reaction>> = BTreeMap::new();
    each_line(dir, "reactions.jsonl.gz", |r: ReactionLine, line| {
        let post = *post_ids.get(&r.post).ok_or_else(|| {
            bad(
                "reactions.jsonl.gz",
                line,
                format!("unknown post {}", r.post),
            )
        })?;
        let kind = ReactionKind::parse(&r.kind).ok_or_else(|| {
            bad(
                "reactions.jsonl.gz",
                line,
                format!("unknown kind {}", r.kind),
            )
        })?;
        let reaction = Reaction {
            post,
            person: r.person.into(),
            kind,
            at: r.at,
        };
        by_tenant.entry(r.tenant.into()).or_default().push(reaction);
        Ok(())
    })?;
    for (tenant, reactions) in by_tenant {
        for chunk in reactions.chunks(REACTION_BATCH) {
            store.add_reactions(&tenant, chunk).await?;
        }
        per_tenant.entry(tenant).or_default().reactions += reactions.len();
    }
    Ok(())
}
