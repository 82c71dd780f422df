//! The synthetic intranet corpus, generated: deterministic from a seed (the same bytes on every
//! machine, see [`super::rng`]), streamed (posts, their reactions and the follows are
//! iterators; only people, groups and memberships are held in memory), in three sizes
//! ([`Size`]).
//!
//! It reproduces the shape of the 200,000-post corpus the workspace used to read from the
//! shared data set beside the repository (made by a Python script with `wordfreq` and
//! `faker`; `docs/benchmarks.md`, "Generated corpus", compares the two): Dutch and English
//! text drawn by real word frequencies, names, departments and managers, private and open
//! groups, follows of people and tags, hashtags typed in different case and Unicode forms,
//! mentions of colleagues, of unknown handles and of people who cannot see the post, e-mail
//! addresses, URLs, emoji with skin tones and ZWJ sequences, line breaks, replies with their
//! thread's visibility, and Zipf/Pareto-skewed authors, tags and reactions, in several tenants
//! that share handles. The word and name lists are in `src/corpus/data/` (sources and
//! licences in its README). docs/benchmarks.md ("Generated corpus") compares the two.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use watercooler::{GroupId, PersonId, Visibility};

use super::rng::{Rng, Weighted, pow};

/// The default seed: the date the seed article was posted, as in the Python original.
pub const SEED: u64 = 20130205;

/// The corpus's last day: posts run up to 09:00 UTC of this day (plus a few minutes), so
/// [`super::CORPUS_END`] is after every post.
const END_TIMESTAMP: i64 = 1_360_054_800; // 2013-02-05T09:00:00Z

/// The preset sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Size {
    /// 5,000 posts, 336 people, 3 tenants: seconds in a debug build, for tests.
    Small,
    /// 200,000 posts, 1,960 people, 3 tenants: the benchmarks' corpus.
    Standard,
    /// 10,000,000 posts, 100,000 people, 2,000 groups, 5 tenants (one of 60,000 people).
    Scale,
}

impl Size {
    /// Every size, smallest first.
    pub const ALL: [Size; 3] = [Size::Small, Size::Standard, Size::Scale];

    /// The size's name on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Standard => "standard",
            Size::Scale => "scale",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Size, String> {
        Size::ALL
            .into_iter()
            .find(|z| z.name() == s)
            .ok_or_else(|| format!("unknown size {s:?} (small, standard or scale)"))
    }
}

/// A tenant's language: its text, departments and name lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Dutch.
    Nl,
    /// English.
    En,
}

impl Lang {
    /// The language code the posts carry.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Nl => 0,
            Lang::En => 1,
        }
    }
}

/// One tenant of the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantSpec {
    /// The tenant id (also the prefix of its people's, groups' and posts' ids).
    pub id: String,
    /// Its main language.
    pub lang: Lang,
    /// How many people.
    pub people: usize,
    /// Its relative share of the posts.
    pub post_weight: f64,
    /// Team groups beside the departments and communities (each within one department).
    pub teams: usize,
}

impl TenantSpec {
    fn new(id: &str, lang: Lang, people: usize, post_weight: f64, teams: usize) -> TenantSpec {
        TenantSpec {
            id: id.to_owned(),
            lang,
            people,
            post_weight,
            teams,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Every random choice follows from this.
    pub seed: u64,
    /// Posts and replies in all.
    pub posts: u64,
    /// The tenants.
    pub tenants: Vec<TenantSpec>,
    /// Days of activity, ending on 2013-02-05.
    pub days: u32,
    /// Compound hashtags made from the word list, per language, beside the fixed ones.
    pub compound_tags: usize,
}

impl Config {
    /// The preset for `size`, with the default [`SEED`].
    pub fn new(size: Size) -> Config {
        match size {
            Size::Small => Config {
                seed: SEED,
                posts: 5_000,
                tenants: vec![
                    TenantSpec::new("willemsen", Lang::Nl, 240, 0.75, 4),
                    TenantSpec::new("acme", Lang::En, 80, 0.20, 0),
                    TenantSpec::new("kleinbedrijf", Lang::Nl, 16, 0.05, 0),
                ],
                days: 365,
                compound_tags: 40,
            },
            Size::Standard => Config {
                seed: SEED,
                posts: 200_000,
                tenants: vec![
                    TenantSpec::new("willemsen", Lang::Nl, 1_500, 0.75, 0),
                    TenantSpec::new("acme", Lang::En, 400, 0.20, 0),
                    TenantSpec::new("kleinbedrijf", Lang::Nl, 60, 0.05, 0),
                ],
                days: 365,
                compound_tags: 160,
            },
            // 97 department, community and leadership groups plus 1,903 teams: 2,000 groups.
            Size::Scale => Config {
                seed: SEED,
                posts: 10_000_000,
                tenants: vec![
                    TenantSpec::new("willemsen", Lang::Nl, 60_000, 0.60, 1_142),
                    TenantSpec::new("acme", Lang::En, 20_000, 0.20, 381),
                    TenantSpec::new("zorggroep", Lang::Nl, 12_000, 0.11, 228),
                    TenantSpec::new("northwind", Lang::En, 6_000, 0.06, 114),
                    TenantSpec::new("kleinbedrijf", Lang::Nl, 2_000, 0.03, 38),
                ],
                days: 365,
                compound_tags: 2_000,
            },
        }
    }

    /// The [`Size::Small`] preset.
    pub fn small() -> Config {
        Config::new(Size::Small)
    }

    /// The [`Size::Standard`] preset.
    pub fn standard() -> Config {
        Config::new(Size::Standard)
    }

    /// The [`Size::Scale`] preset.
    pub fn scale() -> Config {
        Config::new(Size::Scale)
    }

    /// People in all tenants.
    pub fn people(&self) -> usize {
        self.tenants.iter().map(|t| t.people).sum()
    }
}

// ----- records: the JSON Lines format of the corpus ------------------------------------------

/// A person (`people.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Tenant id.
    pub tenant: String,
    /// Person id, unique across tenants.
    pub id: String,
    /// Handle, unique within the tenant only.
    pub handle: String,
    /// Display name.
    pub name: String,
    /// Department name.
    pub department: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// `nl` or `en`.
    pub locale: Option<String>,
    /// The manager's person id.
    pub manager: Option<String>,
    /// When they joined (RFC 3339).
    pub joined: Option<String>,
}

/// A group (`groups.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// Tenant id.
    pub tenant: String,
    /// Group id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `department`, `team` or `community`.
    pub kind: String,
    /// Whether only members see its posts' existence.
    pub private: bool,
}

/// A membership (`memberships.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipRecord {
    /// Tenant id.
    pub tenant: String,
    /// Group id.
    pub group: String,
    /// Person id.
    pub person: String,
}

/// A follow (`follows.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowRecord {
    /// Tenant id.
    pub tenant: String,
    /// Person id of the follower.
    pub follower: String,
    /// `person` or `hashtag`.
    pub kind: String,
    /// A person id, or a tag as typed (without `#`).
    pub target: String,
}

/// A post or reply (`posts.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRecord {
    /// Tenant id.
    pub tenant: String,
    /// Post id, unique across tenants.
    pub id: String,
    /// Author's person id.
    pub author: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// `nl` or `en`.
    pub lang: String,
    /// The text as typed.
    pub text: String,
    /// Who may see it (a reply has its parent's).
    pub visibility: Visibility,
    /// The parent's post id, for a reply.
    pub reply_to: Option<String>,
}

/// A reaction (`reactions.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionRecord {
    /// Tenant id.
    pub tenant: String,
    /// Post id.
    pub post: String,
    /// Person id of who reacted.
    pub person: String,
    /// `like`, `celebrate`, `support`, `insightful` or `funny`.
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A post with the reactions it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedPost {
    /// The post.
    pub post: PostRecord,
    /// Its reactions, by distinct people who may see it.
    pub reactions: Vec<ReactionRecord>,
}

// ----- fixed vocabulary ------------------------------------------------------------------------

const DEPARTMENTS_NL: &[&str] = &[
    "HR",
    "Financiën",
    "Marketing",
    "Verkoop",
    "IT",
    "Logistiek",
    "Juridische Zaken",
    "Klantenservice",
    "Inkoop",
    "Communicatie",
    "Facilitair",
    "Productie",
];
const DEPARTMENTS_EN: &[&str] = &[
    "People",
    "Finance",
    "Marketing",
    "Sales",
    "Engineering",
    "Operations",
    "Legal",
    "Customer Success",
    "Procurement",
    "Comms",
];
const INTERESTS_NL: &[&str] = &[
    "Hardlopen",
    "Vrijdagmiddagborrel",
    "Duurzaamheid",
    "Social Media Ambassadeurs",
    "Innovatiedagen",
    "Fotografie",
    "Nieuwe Collega's",
    "Thuiswerken",
];
const INTERESTS_EN: &[&str] = &[
    "Running Club",
    "Book Club",
    "Green Team",
    "Social Media Champions",
    "Hackathon",
    "Parents at Work",
];
/// The same tag in several cases and Unicode forms (`café`, `Café`, `CAFÉ`), Japanese and
/// Cyrillic tags, and the usual intranet topics; most frequent first (the draw is Zipf).
const BASE_TAGS: &[&str] = &[
    "socialmedia",
    "intranet",
    "innovatie",
    "innovation",
    "welkom",
    "welcome",
    "onboarding",
    "duurzaamheid",
    "sustainability",
    "HR",
    "MVO",
    "koffie",
    "coffee",
    "vrijdagmiddagborrel",
    "thuiswerken",
    "remotework",
    "teamwork",
    "kudos",
    "bedankt",
    "thanks",
    "klantenservice",
    "verkoop",
    "sales",
    "marketing",
    "IT",
    "security",
    "privacy",
    "AVG",
    "GDPR",
    "training",
    "leren",
    "learning",
    "webinar",
    "townhall",
    "nieuws",
    "news",
    "vacature",
    "hiring",
    "jubileum",
    "anniversary",
    "verjaardag",
    "birthday",
    "hardlopen",
    "running",
    "fotografie",
    "kerst",
    "christmas",
    "zomer",
    "summer",
    "strategie",
    "strategy",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "OKR",
    "lean",
    "agile",
    "scrum",
    "hackathon",
    "AI",
    "data",
    "cloud",
    "één",
    "Café",
    "ÜberCool",
    "crème",
    "naïef",
    "logistiek",
    "logistics",
    "veiligheid",
    "safety",
    "diversiteit",
    "inclusie",
    "diversity",
    "inclusion",
    "wellbeing",
    "gezondheid",
    "日本語",
    "東京",
    "Москва",
    "café",
    "CAFÉ",
    "Innovatie",
    "INNOVATIE",
    "SocialMedia",
];
/// Skin tones, a ZWJ sequence (woman technologist), a flag and a variation selector.
const EMOJI: &[&str] = &[
    "🎉",
    "👍",
    "☕",
    "🚀",
    "💡",
    "🙌",
    "👏",
    "😊",
    "🔥",
    "❤️",
    "👩‍💻",
    "🇳🇱",
    "👍🏽",
];
const REACTIONS: &[&str] = &["like", "celebrate", "support", "insightful", "funny"];
const REACTION_WEIGHTS: &[u32] = &[70, 12, 8, 6, 4];
const URL_HOSTS: &[&str] = &[
    "intranet.example.com",
    "www.example.nl",
    "docs.example.org",
    "example.com",
];
/// Handles nobody has (and a very common first name that may or may not be one).
const UNKNOWN_HANDLES: &[&str] = &["onbekend", "nobody.here", "ceo", "jan"];

const WORDS_NL: &str = include_str!("data/words_nl.tsv");
const WORDS_EN: &str = include_str!("data/words_en.tsv");
const FIRST_NL: &str = include_str!("data/first_names_nl.txt");
const LAST_NL: &str = include_str!("data/last_names_nl.txt");
const FIRST_EN: &str = include_str!("data/first_names_en.txt");
const LAST_EN: &str = include_str!("data/last_names_en.txt");
const JOB_TITLES: &str = include_str!("data/job_titles.txt");

/// Words of one language with their frequencies.
struct Vocabulary {
    words: Vec<&'static str>,
    weights: Weighted,
}

impl Vocabulary {
    fn parse(tsv: &'static str) -> Vocabulary {
        let mut words = Vec::new();
        let mut freq = Vec::new();
        for line in tsv.lines() {
            // The files are ours and checked by a test; a malformed line is skipped rather
            // than panicking in library code.
            if let Some((w, f)) = line.split_once('\t')
                && let Ok(f) = f.parse::<u64>()
            {
                words.push(w);
                freq.push(f as f64);
            }
        }
        Vocabulary {
            words,
            weights: Weighted::new(freq),
        }
    }

    fn sample(&self, rng: &mut Rng) -> &'static str {
        self.words[self.weights.sample(rng)]
    }
}

fn lines(s: &'static str) -> Vec<&'static str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// The ASCII handle of a name: accents folded, other characters to spaces, lowercase,
/// `first.rest` (`Jan-Willem van den Berg` → `jan.willemvandenberg`).
pub fn ascii_handle(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let mut parts = folded.split_whitespace();
    match parts.next() {
        Some(first) => {
            let rest: String = parts.collect();
            if rest.is_empty() {
                first.to_owned()
            } else {
                format!("{first}.{rest}")
            }
        }
        None => "x".to_owned(),
    }
}

/// Capitalises the first character.
fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ----- the world: people, groups, memberships --------------------------------------------------

/// A person as the generator keeps them.
#[derive(Debug, Clone)]
struct Person {
    handle: String,
    /// The handle before de-duplication: the e-mail address's local part.
    handle_base: String,
    name: String,
    department: usize,
    locale: Lang,
    manager: Option<usize>,
    title: &'static str,
    joined_day: i64,
    /// Indices of this tenant's groups they belong to.
    groups: Vec<u32>,
}

#[derive(Debug, Clone)]
struct GroupInfo {
    name: String,
    kind: &'static str,
    private: bool,
    /// Member indices, ascending.
    members: Vec<u32>,
}

#[derive(Debug)]
struct Tenant {
    spec: TenantSpec,
    departments: &'static [&'static str],
    people: Vec<Person>,
    /// Per department, its people.
    by_department: Vec<Vec<u32>>,
    groups: Vec<GroupInfo>,
    /// Who posts how much: Zipf over a shuffled order of the people.
    activity: Weighted,
}

/// A [`Config`] the generator cannot follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corpus configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// People, groups and memberships of every tenant (held in memory: 100,000 people take a
/// few tens of MB), and the shared tags and word lists. Posts and follows stream from it.
pub struct World {
    config: Config,
    tenants: Vec<Tenant>,
    vocab: [Vocabulary; 2],
    tags: Vec<String>,
    tag_weights: Weighted,
    tenant_weights: Weighted,
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("World")
            .field("config", &self.config)
            .field("tags", &self.tags.len())
            .finish_non_exhaustive()
    }
}

impl World {
    /// Builds the people, groups and memberships of `config`. Fails when a tenant has no
    /// people, no tenant has a positive post weight, or there are no days.
    pub fn new(config: &Config) -> Result<World, ConfigError> {
        if config.tenants.is_empty() || config.tenants.iter().all(|t| t.post_weight <= 0.0) {
            return Err(ConfigError("no tenant with a positive post weight".into()));
        }
        if let Some(t) = config.tenants.iter().find(|t| t.people == 0) {
            return Err(ConfigError(format!("tenant {} has no people", t.id)));
        }
        if config.days == 0 {
            return Err(ConfigError("days must be at least 1".into()));
        }
        let vocab = [Vocabulary::parse(WORDS_NL), Vocabulary::parse(WORDS_EN)];
        let tags = make_tags(config, &vocab);
        let tag_weights = Weighted::zipf(tags.len(), 1.1);
        let names = [
            (lines(FIRST_NL), lines(LAST_NL)),
            (lines(FIRST_EN), lines(LAST_EN)),
        ];
        let titles = lines(JOB_TITLES);
        let tenants = config
            .tenants
            .iter()
            .enumerate()
            .map(|(ti, spec)| build_tenant(config.seed, ti as u64, spec, &names, &titles))
            .collect();
        Ok(World {
            config: config.clone(),
            tenants,
            vocab,
            tags,
            tag_weights,
            tenant_weights: Weighted::new(config.tenants.iter().map(|t| t.post_weight.max(0.0))),
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every person, tenant by tenant.
    pub fn people(&self) -> impl Iterator<Item = PersonRecord> + '_ {
        self.tenants.iter().flat_map(|t| {
            t.people.iter().enumerate().map(move |(i, p)| PersonRecord {
                tenant: t.spec.id.clone(),
                id: person_id(t, i),
                handle: p.handle.clone(),
                name: p.name.clone(),
                department: Some(t.departments[p.department].to_owned()),
                title: Some(p.title.to_owned()),
                locale: Some(p.locale.code().to_owned()),
                manager: p.manager.map(|m| person_id(t, m)),
                joined: Some(
                    DateTime::from_timestamp(1_199_145_600 + p.joined_day * 86_400, 0)
                        .unwrap_or_default()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            })
        })
    }

    /// Every group, tenant by tenant.
    pub fn groups(&self) -> impl Iterator<Item = GroupRecord> + '_ {
        self.tenants.iter().flat_map(|t| {
            t.groups.iter().enumerate().map(move |(i, g)| GroupRecord {
                tenant: t.spec.id.clone(),
                id: group_id(t, i),
                name: g.name.clone(),
                kind: g.kind.to_owned(),
                private: g.private,
            })
        })
    }

    /// Every membership, group by group.
    pub fn memberships(&self) -> impl Iterator<Item = MembershipRecord> + '_ {
        self.tenants.iter().flat_map(|t| {
            t.groups.iter().enumerate().flat_map(move |(gi, g)| {
                g.members.iter().map(move |p| MembershipRecord {
                    tenant: t.spec.id.clone(),
                    group: group_id(t, gi),
                    person: person_id(t, *p as usize),
                })
            })
        })
    }

    /// Every follow, person by person: colleagues of the same department mostly, some
    /// others, and a few hashtags as typed.
    pub fn follows(&self) -> Follows<'_> {
        Follows {
            world: self,
            tenant: 0,
            person: 0,
            rng: Rng::stream(self.config.seed, "follows", 0),
            buf: VecDeque::new(),
        }
    }

    /// Every post in time order, each with its reactions.
    pub fn posts(&self) -> Posts<'_> {
        Posts {
            world: self,
            rng: Rng::stream(self.config.seed, "posts", 0),
            next: 0,
            recent: vec![VecDeque::new(); self.tenants.len()],
            start: END_TIMESTAMP - i64::from(self.config.days) * 86_400,
        }
    }
}

fn person_id(t: &Tenant, i: usize) -> String {
    format!("{}:u{i}", t.spec.id)
}

fn group_id(t: &Tenant, i: usize) -> String {
    format!("{}:g{i}", t.spec.id)
}

fn make_tags(config: &Config, vocab: &[Vocabulary; 2]) -> Vec<String> {
    let mut rng = Rng::stream(config.seed, "tags", 0);
    let mut tags: Vec<String> = BASE_TAGS.iter().map(|t| (*t).to_owned()).collect();
    for v in vocab {
        let long: Vec<&str> = v.words[200.min(v.words.len())..]
            .iter()
            .filter(|w| w.chars().count() > 4 && w.chars().all(char::is_alphabetic))
            .copied()
            .collect();
        if long.is_empty() {
            continue;
        }
        for _ in 0..config.compound_tags {
            let (a, b) = (*rng.pick(&long), *rng.pick(&long));
            tags.push(if rng.chance(0.5) {
                capitalize(a) + &capitalize(b)
            } else {
                format!("{a}{b}")
            });
        }
    }
    tags
}

type NameLists = (Vec<&'static str>, Vec<&'static str>);

fn build_tenant(
    seed: u64,
    index: u64,
    spec: &TenantSpec,
    names: &[NameLists; 2],
    titles: &[&'static str],
) -> Tenant {
    let mut rng = Rng::stream(seed, "people", index);
    let departments = match spec.lang {
        Lang::Nl => DEPARTMENTS_NL,
        Lang::En => DEPARTMENTS_EN,
    };
    let (first, last) = &names[spec.lang.index()];
    let mut used = std::collections::HashSet::new();
    let mut people = Vec::with_capacity(spec.people);
    for i in 0..spec.people {
        // Every 20th person has the name (so the handle) of the same-numbered person of
        // every other tenant of the language: handles shared across tenants, on purpose.
        let mut shared = Rng::stream(seed, "shared-names", i as u64);
        let rng_name = if i % 20 == 0 { &mut shared } else { &mut rng };
        let name = if rng_name.chance(0.1) {
            // Double-barrelled, as faker does now and then.
            format!(
                "{} {}-{}",
                rng_name.pick(first),
                rng_name.pick(last),
                rng_name.pick(last)
            )
        } else {
            format!("{} {}", rng_name.pick(first), rng_name.pick(last))
        };
        let base = ascii_handle(&name);
        let mut handle = base.clone();
        let mut k = 2;
        while !used.insert(handle.clone()) {
            handle = format!("{base}{k}");
            k += 1;
        }
        let locale = if rng.chance(0.85) {
            spec.lang
        } else {
            spec.lang.other()
        };
        people.push(Person {
            handle,
            handle_base: base,
            name,
            department: rng.below(departments.len()),
            locale,
            manager: None,
            title: titles[rng.below(titles.len())],
            joined_day: rng.below(1_800) as i64,
            groups: Vec::new(),
        });
    }
    let mut by_department: Vec<Vec<u32>> = vec![Vec::new(); departments.len()];
    for (i, p) in people.iter().enumerate() {
        by_department[p.department].push(i as u32);
    }
    // Managers come from the first eighth of the company, within the department.
    let pool_end = (spec.people / 8).max(1) as u32;
    for i in 0..people.len() {
        if rng.chance(0.97) {
            let d = &by_department[people[i].department];
            let peers: Vec<u32> = d
                .iter()
                .copied()
                .take_while(|q| *q < pool_end)
                .filter(|q| *q as usize != i)
                .collect();
            if !peers.is_empty() {
                people[i].manager = Some(*rng.pick(&peers) as usize);
            }
        }
    }

    let mut groups = Vec::new();
    for (d, name) in departments.iter().enumerate() {
        groups.push(GroupInfo {
            name: (*name).to_owned(),
            kind: "department",
            private: false,
            members: by_department[d].clone(),
        });
    }
    // Teams split a department; each person of the department is in one of its teams.
    let first_team = groups.len();
    let mut teams_of: Vec<Vec<usize>> = vec![Vec::new(); departments.len()];
    for j in 0..spec.teams {
        let d = j % departments.len();
        teams_of[d].push(groups.len());
        groups.push(GroupInfo {
            name: format!("{} {}", departments[d], j / departments.len() + 1),
            kind: "team",
            private: rng.chance(0.2),
            members: Vec::new(),
        });
    }
    if spec.teams > 0 {
        for (d, members) in by_department.iter().enumerate() {
            if teams_of[d].is_empty() {
                continue;
            }
            for p in members {
                let g = teams_of[d][rng.below(teams_of[d].len())];
                groups[g].members.push(*p);
            }
        }
    }
    debug_assert!(groups.len() == first_team + spec.teams);
    let interests = match spec.lang {
        Lang::Nl => INTERESTS_NL,
        Lang::En => INTERESTS_EN,
    };
    for name in interests {
        let private = rng.chance(0.3);
        let members = (0..spec.people as u32)
            .filter(|_| rng.chance(0.12))
            .collect();
        groups.push(GroupInfo {
            name: (*name).to_owned(),
            kind: "community",
            private,
            members,
        });
    }
    groups.push(GroupInfo {
        name: match spec.lang {
            Lang::Nl => "Directie",
            Lang::En => "Leadership",
        }
        .to_owned(),
        kind: "community",
        private: true,
        members: (0..(spec.people / 50).max(3).min(spec.people) as u32).collect(),
    });
    for (gi, g) in groups.iter().enumerate() {
        for p in &g.members {
            people[*p as usize].groups.push(gi as u32);
        }
    }

    let mut order: Vec<usize> = (0..spec.people).collect();
    rng.shuffle(&mut order);
    // Zipf activity: rank r of the law goes to person order[r].
    let mut weights = vec![0.0; spec.people];
    for (r, p) in order.iter().enumerate() {
        weights[*p] = 1.0 / pow((r + 1) as f64, 0.9);
    }
    Tenant {
        spec: spec.clone(),
        departments,
        people,
        by_department,
        groups,
        activity: Weighted::new(weights),
    }
}

// ----- follows ---------------------------------------------------------------------------------

/// The follows of a [`World`], person by person; see [`World::follows`].
pub struct Follows<'w> {
    world: &'w World,
    tenant: usize,
    person: usize,
    rng: Rng,
    buf: VecDeque<FollowRecord>,
}

impl fmt::Debug for Follows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Follows")
            .field("tenant", &self.tenant)
            .field("person", &self.person)
            .finish_non_exhaustive()
    }
}

impl Follows<'_> {
    fn fill(&mut self) -> bool {
        let w = self.world;
        while self.tenant < w.tenants.len() {
            let t = &w.tenants[self.tenant];
            if self.person >= t.people.len() {
                self.tenant += 1;
                self.person = 0;
                continue;
            }
            let i = self.person;
            self.person += 1;
            let rng = &mut self.rng;
            let same = &t.by_department[t.people[i].department];
            let n_same = rng.range(5, 40).min(same.len());
            let n_any = rng.range(0, 25).min(t.people.len());
            let mut seen: Vec<u32> = Vec::with_capacity(n_same + n_any);
            let picks = rng
                .distinct(same.len(), n_same)
                .into_iter()
                .map(|k| same[k])
                .chain(
                    rng.distinct(t.people.len(), n_any)
                        .into_iter()
                        .map(|k| k as u32),
                );
            for q in picks {
                if q as usize == i || seen.contains(&q) {
                    continue;
                }
                seen.push(q);
                self.buf.push_back(FollowRecord {
                    tenant: t.spec.id.clone(),
                    follower: person_id(t, i),
                    kind: "person".to_owned(),
                    target: person_id(t, q as usize),
                });
            }
            let mut tags: Vec<&str> = (0..rng.range(0, 4))
                .map(|_| w.tags[w.tag_weights.sample(rng)].as_str())
                .collect();
            tags.sort_unstable();
            tags.dedup();
            for tag in tags {
                self.buf.push_back(FollowRecord {
                    tenant: t.spec.id.clone(),
                    follower: person_id(t, i),
                    kind: "hashtag".to_owned(),
                    target: tag.to_owned(),
                });
            }
            if !self.buf.is_empty() {
                return true;
            }
        }
        false
    }
}

impl Iterator for Follows<'_> {
    type Item = FollowRecord;

    fn next(&mut self) -> Option<FollowRecord> {
        if self.buf.is_empty() && !self.fill() {
            return None;
        }
        self.buf.pop_front()
    }
}

// ----- posts -----------------------------------------------------------------------------------

/// A recent post a reply may answer.
#[derive(Debug, Clone)]
struct Recent {
    index: u64,
    created_at: DateTime<Utc>,
    visibility: Visibility,
    audience: Audience,
}

/// Who may see a post, as indices into the tenant's people or groups.
#[derive(Debug, Clone)]
enum Audience {
    Everyone,
    Group(u32),
    /// The author and the recipients.
    Direct(Vec<u32>),
}

/// The posts of a [`World`] in time order; see [`World::posts`].
pub struct Posts<'w> {
    world: &'w World,
    rng: Rng,
    next: u64,
    /// Per tenant, its latest posts (at most [`RECENT`]).
    recent: Vec<VecDeque<Recent>>,
    start: i64,
}

/// Recent posts kept per tenant for replies to answer.
const RECENT: usize = 2_000;

impl fmt::Debug for Posts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Posts")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl Iterator for Posts<'_> {
    type Item = GeneratedPost;

    fn next(&mut self) -> Option<GeneratedPost> {
        let total = self.world.config.posts;
        if self.next >= total {
            return None;
        }
        let i = self.next;
        self.next += 1;
        Some(self.make(i, total))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.world.config.posts - self.next) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Posts<'_> {}

impl Posts<'_> {
    fn make(&mut self, i: u64, total: u64) -> GeneratedPost {
        let w = self.world;
        let rng = &mut self.rng;
        let ti = w.tenant_weights.sample(rng);
        let t = &w.tenants[ti];

        // A reply answers a recent post of the tenant and is written by someone who can
        // see it; it has its thread's visibility.
        let pool = &self.recent[ti];
        let parent = if !pool.is_empty() && rng.chance(0.25) {
            let back = rng.range(1, pool.len().min(400));
            Some(pool[pool.len() - back].clone())
        } else {
            None
        };
        let author = match parent.as_ref().map(|p| &p.audience) {
            None | Some(Audience::Everyone) => t.activity.sample(rng),
            Some(Audience::Group(g)) => match t.groups[*g as usize].members.as_slice() {
                [] => t.activity.sample(rng),
                members => *rng.pick(members) as usize,
            },
            Some(Audience::Direct(people)) => *rng.pick(people) as usize,
        };
        let me = &t.people[author];
        let lang = me.locale;

        // Evenly over the days, then into working hours.
        let span = i64::from(w.config.days) * 86_400;
        let mut at = self.start
            + (i128::from(span) * i128::from(i) / i128::from(total)) as i64
            + rng.below(600) as i64;
        let hour = at.rem_euclid(86_400) / 3_600;
        if !(7..=19).contains(&hour) {
            at += (rng.range(8, 17) as i64 - hour) * 3_600;
        }
        let mut created_at = DateTime::from_timestamp(at, 0).unwrap_or_default();

        let text = self.text(t, me, lang);
        let rng = &mut self.rng;

        let r = rng.f64();
        let (visibility, audience) = if let Some(p) = &parent {
            // The working-hours shift can move a post before the one it answers.
            created_at = created_at.max(p.created_at + chrono::Duration::minutes(1));
            (p.visibility.clone(), p.audience.clone())
        } else if r < 0.80 || me.groups.is_empty() {
            (Visibility::Organization, Audience::Everyone)
        } else if r < 0.95 {
            let g = *rng.pick(&me.groups);
            (
                Visibility::Group {
                    group: GroupId::new(group_id(t, g as usize)),
                },
                Audience::Group(g),
            )
        } else {
            let mut recipients: Vec<u32> = Vec::with_capacity(2);
            while recipients.len() < 2.min(t.people.len().saturating_sub(1)) {
                let q = rng.below(t.people.len()) as u32;
                if q as usize != author && !recipients.contains(&q) {
                    recipients.push(q);
                }
            }
            recipients.sort_unstable();
            let ids = recipients
                .iter()
                .map(|q| PersonId::new(person_id(t, *q as usize)))
                .collect();
            recipients.push(author as u32);
            (
                Visibility::Direct { recipients: ids },
                Audience::Direct(recipients),
            )
        };
        let reply_to = parent.map(|p| format!("{}:p{}", t.spec.id, p.index));
        let pool = &mut self.recent[ti];
        let id = format!("{}:p{i}", t.spec.id);

        // Reactions: Pareto-many, by distinct people who may see the post.
        let wanted = (rng.pareto(1.6) as usize).saturating_sub(1).min(60);
        let audience_ids: &[u32] = match &audience {
            Audience::Everyone => &[],
            Audience::Group(g) => &t.groups[*g as usize].members,
            Audience::Direct(people) => people,
        };
        let size = match audience {
            Audience::Everyone => t.people.len(),
            _ => audience_ids.len(),
        };
        let mut reactions = Vec::with_capacity(wanted.min(size));
        if wanted > 0 {
            for k in rng.distinct(size, wanted) {
                let who = match audience {
                    Audience::Everyone => k,
                    _ => audience_ids[k] as usize,
                };
                let kind = REACTIONS[rng.weighted(REACTION_WEIGHTS)];
                let minutes = rng.range(1, 4_000) as i64;
                reactions.push(ReactionRecord {
                    tenant: t.spec.id.clone(),
                    post: id.clone(),
                    person: person_id(t, who),
                    kind: kind.to_owned(),
                    at: created_at + chrono::Duration::minutes(minutes),
                });
            }
        }

        pool.push_back(Recent {
            index: i,
            created_at,
            visibility: visibility.clone(),
            audience,
        });
        if pool.len() > RECENT {
            pool.pop_front();
        }
        GeneratedPost {
            post: PostRecord {
                tenant: t.spec.id.clone(),
                id,
                author: person_id(t, author),
                created_at,
                lang: lang.code().to_owned(),
                text,
                visibility,
                reply_to,
            },
            reactions,
        }
    }

    /// Words by frequency, then hashtags, mentions, a URL, an e-mail address, an emoji and a
    /// line break mixed in.
    fn text(&mut self, t: &Tenant, me: &Person, lang: Lang) -> String {
        let w = self.world;
        let rng = &mut self.rng;
        let vocab = &w.vocab[lang.index()];
        let n_words = (rng.lognormal(2.8, 0.6) as usize).clamp(3, 120);
        let mut pieces: Vec<std::borrow::Cow<'static, str>> = Vec::with_capacity(n_words + 6);
        for k in 0..n_words {
            let word = vocab.sample(rng);
            pieces.push(if k == 0 {
                capitalize(word).into()
            } else {
                word.into()
            });
        }
        let url_word = pieces[rng.below(n_words)].to_lowercase();
        for _ in 0..rng.weighted(&[40, 30, 18, 9, 3]) {
            let tag = &w.tags[w.tag_weights.sample(rng)];
            let typed = if tag.to_lowercase() == "café" && rng.chance(0.5) {
                // The same tag, decomposed: `e` + U+0301.
                tag.nfd().collect::<String>()
            } else {
                tag.clone()
            };
            let pos = if rng.chance(0.4) {
                rng.below(pieces.len() + 1)
            } else {
                pieces.len()
            };
            pieces.insert(pos, format!("#{typed}").into());
        }
        for _ in 0..rng.weighted(&[75, 20, 5]) {
            let target = if rng.chance(0.93) {
                t.people[rng.below(t.people.len())].handle.clone()
            } else {
                (*rng.pick(UNKNOWN_HANDLES)).to_owned()
            };
            let pos = rng.below(pieces.len() + 1);
            pieces.insert(pos, format!("@{target}").into());
        }
        if rng.chance(0.05) {
            pieces.push(
                format!(
                    "https://{}/{url_word}/{}",
                    rng.pick(URL_HOSTS),
                    rng.range(1, 9_998)
                )
                .into(),
            );
        }
        if rng.chance(0.02) {
            pieces.push(format!("{}@example.com", me.handle_base).into());
        }
        if rng.chance(0.08) {
            pieces.push((*rng.pick(EMOJI)).into());
        }
        let mut text = pieces.join(" ");
        if rng.chance(0.15)
            && let Some(p) = text.find(' ')
        {
            text.replace_range(p..p + 1, "\n");
        }
        text
    }
}

/// The text of the first `limit` posts of `config`'s corpus: the input of the text
/// benchmarks.
pub fn post_texts(config: &Config, limit: usize) -> Result<Vec<String>, ConfigError> {
    Ok(World::new(config)?
        .posts()
        .take(limit)
        .map(|g| g.post.text)
        .collect())
}

// ----- census ----------------------------------------------------------------------------------

/// How many of each thing one tenant of a generated corpus has, counted by running the
/// generator: what a loader must end up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TenantCensus {
    /// People.
    pub people: usize,
    /// Groups.
    pub groups: usize,
    /// Memberships.
    pub memberships: usize,
    /// Follow records.
    pub follows: usize,
    /// Posts and replies.
    pub posts: usize,
    /// Replies.
    pub replies: usize,
    /// Posts visible to a group only.
    pub group_posts: usize,
    /// Posts to named recipients only.
    pub direct_posts: usize,
    /// Reactions.
    pub reactions: usize,
}

/// Counts everything `config` generates, per tenant id.
pub fn census(config: &Config) -> Result<BTreeMap<String, TenantCensus>, ConfigError> {
    let world = World::new(config)?;
    let mut out: BTreeMap<String, TenantCensus> = BTreeMap::new();
    for p in world.people() {
        out.entry(p.tenant).or_default().people += 1;
    }
    for g in world.groups() {
        out.entry(g.tenant).or_default().groups += 1;
    }
    for m in world.memberships() {
        out.entry(m.tenant).or_default().memberships += 1;
    }
    for f in world.follows() {
        out.entry(f.tenant).or_default().follows += 1;
    }
    for g in world.posts() {
        let c = out.entry(g.post.tenant).or_default();
        c.posts += 1;
        c.replies += usize::from(g.post.reply_to.is_some());
        match g.post.visibility {
            Visibility::Organization => {}
            Visibility::Group { .. } => c.group_posts += 1,
            Visibility::Direct { .. } => c.direct_posts += 1,
        }
        c.reactions += g.reactions.len();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_folded_ascii() {
        assert_eq!(
            ascii_handle("Jan-Willem van den Berg"),
            "jan.willemvandenberg"
        );
        assert_eq!(ascii_handle("Zoë Çelik"), "zoe.celik");
        assert_eq!(ascii_handle("'s Gravensande"), "s.gravensande");
    }

    #[test]
    fn the_word_and_name_lists_parse() {
        for tsv in [WORDS_NL, WORDS_EN] {
            let v = Vocabulary::parse(tsv);
            assert_eq!(
                v.words.len(),
                tsv.lines().count(),
                "every line is word TAB count"
            );
            assert!(v.words.len() >= 4_000);
        }
        for list in [FIRST_NL, LAST_NL, FIRST_EN, LAST_EN, JOB_TITLES] {
            assert!(lines(list).len() >= 100);
        }
    }

    #[test]
    fn sizes_parse_by_name() {
        for s in Size::ALL {
            assert_eq!(s.name().parse::<Size>(), Ok(s));
        }
        assert!("huge".parse::<Size>().is_err());
        assert_eq!(Config::scale().people(), 100_000);
        let groups: usize = Config::scale()
            .tenants
            .iter()
            .map(|t| {
                let base = match t.lang {
                    Lang::Nl => DEPARTMENTS_NL.len() + INTERESTS_NL.len(),
                    Lang::En => DEPARTMENTS_EN.len() + INTERESTS_EN.len(),
                };
                base + 1 + t.teams
            })
            .sum();
        assert_eq!(groups, 2_000);
    }
}
