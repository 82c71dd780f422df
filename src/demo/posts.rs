//! The demo company's activity: a few thousand posts and replies in Dutch and English with
//! hashtags and mentions over the two weeks before the demo's clock, and reactions, all
//! drawn from the seeded generator. Two hashtags surge on the last day so that trends have
//! something to show, and the private group discusses something confidential.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Timelike, Utc};
use watercooler::{GroupId, Language, PostId, ReactionKind, Visibility};

use super::company::{Company, FOLLOWED_TAGS, PRIVATE_GROUP, PRIVATE_TAG};
use super::rng::Rng;

/// The word only the private group's confidential post contains (the privacy demo searches
/// for it).
pub const SECRET_WORD: &str = "overname";

/// Days of history before the demo's clock.
const DAYS: i64 = 14;

/// One generated post or reply.
#[derive(Debug, Clone)]
pub struct DemoPost {
    /// Its id (from its time and position, so it is the same at every generation).
    pub id: PostId,
    /// Index of the author in [`Company::people`].
    pub author: usize,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// The text.
    pub text: String,
    /// Its language.
    pub language: Language,
    /// Who may see it (a reply takes its parent's).
    pub visibility: Visibility,
    /// Index of the parent in [`Activity::posts`] (always an earlier one), for a reply.
    pub parent: Option<usize>,
}

/// One generated reaction.
#[derive(Debug, Clone, Copy)]
pub struct DemoReaction {
    /// Index of the post in [`Activity::posts`].
    pub post: usize,
    /// Index of the person in [`Company::people`].
    pub person: usize,
    /// The kind.
    pub kind: ReactionKind,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything that happened, oldest first.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Posts and replies, in time order (parents before their replies).
    pub posts: Vec<DemoPost>,
    /// Reactions.
    pub reactions: Vec<DemoReaction>,
    /// Index of the confidential post in the private group.
    pub secret_post: usize,
}

const NL_TOPICS: &[&str] = &[
    "het nieuwe CRM",
    "de klanttevredenheid",
    "het kwartaalplan",
    "de verhuizing naar Utrecht",
    "het thuiswerkbeleid",
    "de roadmap voor 2027",
    "de kerstactie",
    "het datawarehouse",
];
const EN_TOPICS: &[&str] = &[
    "the new CRM",
    "the Q1 roadmap",
    "customer onboarding",
    "the office move",
    "the data platform",
    "hybrid working",
    "the pricing page",
];
const NL_DAYS: &[&str] = &["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag"];
const EN_DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
/// Everyday hashtags (beside [`FOLLOWED_TAGS`]).
const EVERYDAY_TAGS: &[&str] = &[
    "koffie",
    "lunch",
    "welkom",
    "teamuitje",
    "innovation",
    "roadmap",
];
/// The hashtags that surge on the last day (the surge templates below use them).
pub const SURGING: &[&str] = &["sinterklaas", "hackathon"];

// Templates: {topic}, {day}, {who} (a mention), {tag}.
const NL_POSTS: &[&str] = &[
    "Goedemorgen allemaal! De vergadering over {topic} is verplaatst naar {day}. #{tag}",
    "Dank je wel @{who} voor de hulp met {topic}! #{tag}",
    "Wie heeft er tips voor {topic}? @{who} misschien? #{tag}",
    "Deze week bespreken we {topic} in het teamoverleg. Input is welkom. #{tag}",
    "Vanmiddag vrijdagborrel in de kantine, iedereen welkom 🍻 #vrijdagborrel",
    "De koffieautomaat op de derde verdieping doet het weer ☕ #koffie",
    "Goed gesprek gehad met klanten over {topic}. Volgende stap: een demo op {day}. #klantdag",
    "Met de nieuwe zonnepanelen besparen we 20% energie. Mooi werk @{who}! #duurzaamheid",
    "Wie gaat er mee lunchen? Om 12:30 bij de kantine. #lunch",
    "Korte vergadering om 15:00 over {topic}, de agenda staat op het intranet. #{tag}",
];
const EN_POSTS: &[&str] = &[
    "Great meeting today about {topic}, thanks @{who}! #{tag}",
    "Reminder: the meetings on {topic} move to {day}. #{tag}",
    "Who's joining the Friday drinks? #vrijdagborrel",
    "Shipped a first version of {topic}, feedback welcome. #{tag}",
    "Security tip: lock your screen when you leave your desk. #security",
    "Welcome to our new colleagues! @{who} will show you around. #onboarding #welkom",
    "Our customers loved the demo of {topic}. #klantdag",
];
const NL_SURGE: &[&str] = &[
    "Sinterklaas komt op 5 december langs op kantoor! Zet je schoen maar klaar. #sinterklaas",
    "Wie helpt er mee met de surprises? @{who} heeft al inpakpapier. #sinterklaas",
    "Ons hackathon-idee voor {topic} staat op de wiki, wie doet mee? #hackathon",
    "Nog twee plekken vrij in het hackathon-team van @{who}. #hackathon #innovation",
];
const EN_SURGE: &[&str] = &[
    "Pepernoten in the kitchen for Sinterklaas! #sinterklaas",
    "Our hackathon team is looking for a designer for {topic}. #hackathon #innovation",
    "Hackathon demo at 16:00, come and vote! @{who} is presenting. #hackathon",
];
const NOVA_POSTS: &[&str] = &[
    "Stand-up van Project Nova: de integratie loopt op schema. #projectnova",
    "Nova milestone 2 is done, thanks @{who}! #projectnova",
    "Vergadering Nova verplaatst naar {day}, zelfde tijd. #projectnova",
];
const NL_REPLIES: &[&str] = &[
    "Goed idee, @{who}!",
    "Ik doe mee 👍",
    "Top, dank je wel!",
    "Kunnen we dit maandag bespreken?",
    "Ik zit tot drie uur in overleg, daarna kan ik.",
    "Helemaal mee eens.",
];
const EN_REPLIES: &[&str] = &[
    "Count me in!",
    "Great idea @{who}",
    "Thanks for sharing.",
    "Can we discuss this at the next meeting?",
    "Nice work, team.",
];

/// The confidential post: a group post mentioning the demo employee, who is not a member
/// (the mention stays plain text and notifies nobody).
fn secret_text(viewer_handle: &str) -> String {
    format!(
        "Vertrouwelijk: de {SECRET_WORD} van Zeeman Logistiek is rond. We bespreken het in de \
         vergadering van maandag; @{viewer_handle} weet nog van niks. #{PRIVATE_TAG}"
    )
}

/// Fills a template.
fn fill(rng: &mut Rng, template: &str, dutch: bool, who: &str, tag: &str) -> String {
    let (topics, days) = if dutch {
        (NL_TOPICS, NL_DAYS)
    } else {
        (EN_TOPICS, EN_DAYS)
    };
    let topic = rng.pick(topics).copied().unwrap_or_default();
    let day = rng.pick(days).copied().unwrap_or_default();
    template
        .replace("{topic}", topic)
        .replace("{day}", day)
        .replace("{who}", who)
        .replace("{tag}", tag)
}

/// A root post before ids and ordering are assigned.
struct Draft {
    author: usize,
    at: DateTime<Utc>,
    text: String,
    dutch: bool,
    visibility: Visibility,
    parent: Option<usize>,
}

/// Who may see a post with `visibility`: everyone, or the group's members (as indexes).
fn audience(company: &Company, visibility: &Visibility) -> Vec<usize> {
    match visibility {
        Visibility::Group { group } => {
            let members: HashSet<&str> = company
                .members_of(group)
                .iter()
                .map(|p| p.as_str())
                .collect();
            (0..company.people.len())
                .filter(|&i| members.contains(company.people[i].id.as_str()))
                .collect()
        }
        _ => (0..company.people.len()).collect(),
    }
}

/// A random time on working hours `days_ago` days before `now`'s day, before `now`.
fn time_on(rng: &mut Rng, now: DateTime<Utc>, days_ago: i64) -> DateTime<Utc> {
    let midnight = now - Duration::seconds(i64::from(now.num_seconds_from_midnight()));
    let start = midnight - Duration::days(days_ago) + Duration::hours(7);
    let end = (start + Duration::hours(11)).min(now - Duration::minutes(5));
    let span = (end - start).num_seconds().max(1) as usize;
    start + Duration::seconds(rng.below(span) as i64)
}

/// Generates `count` posts and replies (at least 40) and their reactions, up to `now`.
pub fn generate(rng: &mut Rng, company: &Company, count: usize, now: DateTime<Utc>) -> Activity {
    let count = count.max(40);
    let people = company.people.len();
    let handle = |i: usize| company.people[i].handle.clone();
    let dutch_person = |i: usize| company.people[i].locale.as_deref() == Some("nl-NL");
    let nova = GroupId::new(PRIVATE_GROUP);
    let nova_members = audience(company, &Visibility::group(nova.clone()));
    let roots = count * 2 / 3;
    let mut drafts: Vec<Draft> = Vec::with_capacity(count + 8);

    for _ in 0..roots {
        let days_ago = rng.below(DAYS as usize) as i64;
        let at = time_on(rng, now, days_ago);
        let kind = rng.below(100);
        let (author, visibility) = if kind < 3 {
            let a = rng.pick(&nova_members).copied().unwrap_or(1);
            (a, Visibility::group(nova.clone()))
        } else if kind < 10 {
            let a = rng.below(people);
            (
                a,
                Visibility::Group {
                    group: company.department_group(a),
                },
            )
        } else {
            (rng.below(people), Visibility::Organization)
        };
        let dutch = if dutch_person(author) {
            rng.chance(0.85)
        } else {
            rng.chance(0.2)
        };
        let seen_by = audience(company, &visibility);
        // Someone else to mention; the demo employee often, so she has notifications.
        let who = if rng.chance(0.03) && seen_by.contains(&0) {
            0
        } else {
            rng.pick(&seen_by).copied().unwrap_or(0)
        };
        let everyday = if rng.chance(0.5) {
            FOLLOWED_TAGS
        } else {
            EVERYDAY_TAGS
        };
        let tag = rng.pick(everyday).copied().unwrap_or("koffie");
        // The surging tags are rare on ordinary days: the baseline trends compare against.
        let surge = matches!(visibility, Visibility::Organization) && rng.chance(0.01);
        let templates = match (&visibility, surge, dutch) {
            (Visibility::Group { group }, _, _) if *group == nova => NOVA_POSTS,
            (_, true, true) => NL_SURGE,
            (_, true, false) => EN_SURGE,
            (_, false, true) => NL_POSTS,
            (_, false, false) => EN_POSTS,
        };
        let template = rng.pick(templates).copied().unwrap_or("#koffie");
        let text = fill(rng, template, dutch, &handle(who), tag);
        drafts.push(Draft {
            author,
            at,
            text,
            dutch,
            visibility,
            parent: None,
        });
    }
    // The surge: on the last day many people post about the surging tags (a twentieth of
    // the posts, at least a dozen), so they trend for everyone.
    for k in 0..(roots / 20).max(12) {
        let author = rng.below(people);
        let dutch = dutch_person(author);
        let tag = format!("#{}", SURGING[k % SURGING.len()]);
        let templates: Vec<&str> = (if dutch { NL_SURGE } else { EN_SURGE })
            .iter()
            .copied()
            .filter(|t| t.contains(&tag))
            .collect();
        let template = rng.pick(&templates).copied().unwrap_or("#hackathon");
        let who = handle(rng.below(people));
        drafts.push(Draft {
            author,
            at: time_on(rng, now, 0),
            text: fill(rng, template, dutch, &who, ""),
            dutch,
            visibility: Visibility::Organization,
            parent: None,
        });
    }
    // The private group's own surge today: five members post about the project, so
    // #projectnova trends for members — and, as the quickstart shows, for no one else.
    for (k, &a) in nova_members.iter().take(5).enumerate() {
        let at = now - Duration::minutes(40 + 17 * k as i64);
        let template = NOVA_POSTS[k % NOVA_POSTS.len()];
        let who = handle(nova_members[(k + 1) % nova_members.len()]);
        drafts.push(Draft {
            author: a,
            at,
            text: fill(rng, template, true, &who, PRIVATE_TAG),
            dutch: true,
            visibility: Visibility::group(nova.clone()),
            parent: None,
        });
    }
    let secret = drafts.len();
    drafts.push(Draft {
        author: 1,
        at: now - Duration::minutes(30),
        text: secret_text(&handle(0)),
        dutch: true,
        visibility: Visibility::group(nova.clone()),
        parent: None,
    });

    // Replies, to posts of the last week; a tenth to the demo employee's own posts.
    let root_count = drafts.len();
    let recent: Vec<usize> = (0..root_count)
        .filter(|&i| {
            now - drafts[i].at < Duration::days(7) && now - drafts[i].at > Duration::minutes(10)
        })
        .collect();
    let own: Vec<usize> = recent
        .iter()
        .copied()
        .filter(|&i| drafts[i].author == 0)
        .collect();
    for _ in 0..count.saturating_sub(root_count) {
        let parent = if !own.is_empty() && rng.chance(0.1) {
            rng.pick(&own).copied()
        } else {
            rng.pick(&recent).copied()
        };
        let Some(parent) = parent else { break };
        let p = &drafts[parent];
        let seen_by = audience(company, &p.visibility);
        let author = rng.pick(&seen_by).copied().unwrap_or(0);
        let room = ((now - p.at).num_minutes() - 2).clamp(1, 600) as usize;
        let at = p.at + Duration::minutes(rng.between(1, room) as i64);
        let dutch = p.dutch;
        let templates = if dutch { NL_REPLIES } else { EN_REPLIES };
        let template = rng.pick(templates).copied().unwrap_or("👍");
        let text = fill(rng, template, dutch, &handle(p.author), "");
        let visibility = p.visibility.clone();
        drafts.push(Draft {
            author,
            at,
            text,
            dutch,
            visibility,
            parent: Some(parent),
        });
    }

    // Time order; a reply is always later than its parent, so parents come first.
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|&i| (drafts[i].at, i));
    let mut position = vec![0; drafts.len()];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = pos;
    }
    let posts: Vec<DemoPost> = order
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let d = &drafts[i];
            DemoPost {
                id: PostId::from_parts(d.at, pos as u64),
                author: d.author,
                at: d.at,
                text: d.text.clone(),
                language: if d.dutch {
                    Language::dutch()
                } else {
                    Language::english()
                },
                visibility: d.visibility.clone(),
                parent: d.parent.map(|p| position[p]),
            }
        })
        .collect();

    let reactions = reactions(rng, company, &posts, now);
    Activity {
        posts,
        reactions,
        secret_post: position[secret],
    }
}

/// Reactions: most posts get a few, one in ten gets many. Only people who may see a post
/// react to it, never its author, at most once per kind.
fn reactions(
    rng: &mut Rng,
    company: &Company,
    posts: &[DemoPost],
    now: DateTime<Utc>,
) -> Vec<DemoReaction> {
    let everyone: Vec<usize> = (0..company.people.len()).collect();
    let mut out = Vec::new();
    let mut seen: HashSet<(usize, usize, ReactionKind)> = HashSet::new();
    for (i, p) in posts.iter().enumerate() {
        let n = if rng.chance(0.1) {
            rng.between(5, 15)
        } else {
            rng.below(4)
        };
        let members;
        let seen_by = match &p.visibility {
            Visibility::Organization => &everyone,
            v => {
                members = audience(company, v);
                &members
            }
        };
        for _ in 0..n {
            let Some(&person) = rng.pick(seen_by) else {
                break;
            };
            let kind = if rng.chance(0.6) {
                ReactionKind::Like
            } else {
                rng.pick(&ReactionKind::ALL)
                    .copied()
                    .unwrap_or(ReactionKind::Like)
            };
            let room = (now - p.at).num_minutes().clamp(1, 24 * 60) as usize;
            let at = p.at + Duration::minutes(rng.below(room) as i64);
            if person != p.author && seen.insert((i, person, kind)) {
                out.push(DemoReaction {
                    post: i,
                    person,
                    kind,
                    at: at.min(now),
                });
            }
        }
    }
    out
}
