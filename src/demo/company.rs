//! The demo company's HR data: people with Dutch and English names in departments, a
//! private project group, and who follows whom. This is what a host's own HR system would
//! provide; the demo regenerates it from the seed at every run (it is not stored by
//! watercooler).

use std::collections::{HashMap, HashSet};

use watercooler::watercooler_text::hashtag_key;
use watercooler::{
    FollowTarget, Group, GroupId, GroupKind, MemoryDirectory, Person, PersonId, TenantId,
};

use super::rng::Rng;

/// The demo's tenant id.
pub const TENANT: &str = "willemsen";
/// The private group's id.
pub const PRIVATE_GROUP: &str = "project-nova";
/// The hashtag used only inside the private group.
pub const PRIVATE_TAG: &str = "projectnova";

/// Departments: a display name and the slug of their group id.
pub(super) const DEPARTMENTS: &[(&str, &str)] = &[
    ("Klantenservice", "klantenservice"),
    ("Engineering", "engineering"),
    ("Marketing", "marketing"),
    ("Finance", "finance"),
    ("HR", "hr"),
    ("Sales", "sales"),
    ("Operations", "operations"),
];

const DUTCH_FIRST: &[&str] = &[
    "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Lotte", "Bram", "Fleur", "Thijs", "Noor",
    "Jesse", "Anouk", "Ruben", "Eva", "Milan", "Sophie", "Lars", "Femke", "Joost", "Marieke",
    "Pieter", "Annelies", "Wouter", "Ilse", "Niels", "Kim", "Jeroen", "Maaike", "Stijn",
];
const DUTCH_LAST: &[&str] = &[
    "de Vries",
    "Jansen",
    "de Jong",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "van Dijk",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
];
const ENGLISH_FIRST: &[&str] = &[
    "Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Emily", "Noah", "Grace",
    "James", "Chloe", "William", "Lily",
];
const ENGLISH_LAST: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White",
];

/// Hashtags people follow (and post with; see `posts.rs`).
pub(super) const FOLLOWED_TAGS: &[&str] = &[
    "vrijdagborrel",
    "hackathon",
    "duurzaamheid",
    "sinterklaas",
    "klantdag",
    "security",
    "onboarding",
];

/// The generated HR data.
#[derive(Debug, Clone)]
pub struct Company {
    /// The tenant.
    pub tenant: TenantId,
    /// Everyone, the demo employee first and the private group's member second.
    pub people: Vec<Person>,
    /// Department of each person (index into the department list), by position.
    pub(super) department: Vec<usize>,
    /// The groups: one per department and the private project group.
    pub groups: Vec<Group>,
    /// Members of each group, by group id.
    pub members: HashMap<GroupId, Vec<PersonId>>,
    /// Who follows what.
    pub follows: Vec<(PersonId, FollowTarget)>,
}

impl Company {
    /// Generates a company of `size` people (at least 20) from `rng`.
    pub fn generate(rng: &mut Rng, size: usize) -> Company {
        let size = size.max(20);
        let mut people = Vec::with_capacity(size);
        let mut department = Vec::with_capacity(size);
        let mut handles: HashSet<String> = HashSet::with_capacity(size);
        // The demo employee (not in the private group) and a member of it, fixed so the
        // quickstart can always show the same two perspectives.
        let fixed = [
            ("Sanne", "de Vries", 0, "nl-NL"),
            ("Oliver", "Smith", 1, "en-GB"),
        ];
        for (i, &(first, last, dept, locale)) in fixed.iter().enumerate() {
            people.push(person(i, first, last, dept, locale, &mut handles));
            department.push(dept);
        }
        for i in fixed.len()..size {
            // Mostly Dutch names, as in a Dutch company with international colleagues.
            let (first, last, locale) = if rng.chance(0.7) {
                (DUTCH_FIRST, DUTCH_LAST, "nl-NL")
            } else {
                (ENGLISH_FIRST, ENGLISH_LAST, "en-GB")
            };
            let first = rng.pick(first).copied().unwrap_or("Alex");
            let last = rng.pick(last).copied().unwrap_or("Jansen");
            let dept = rng.below(DEPARTMENTS.len());
            people.push(person(i, first, last, dept, locale, &mut handles));
            department.push(dept);
        }
        // The first person of each department heads it; everyone else reports to them.
        let mut heads: Vec<Option<PersonId>> = vec![None; DEPARTMENTS.len()];
        for (p, &d) in people.iter_mut().zip(&department) {
            match &heads[d] {
                Some(head) => p.manager = Some(head.clone()),
                None => heads[d] = Some(p.id.clone()),
            }
        }
        // The head of HR may publish and pin announcements (the intranet example pins one);
        // a company of people without an admin could show none.
        let hr = DEPARTMENTS.iter().position(|&(_, slug)| slug == "hr");
        if let Some(Some(head)) = hr.map(|d| heads[d].clone())
            && let Some(p) = people.iter_mut().find(|p| p.id == head)
        {
            p.admin = true;
        }

        let mut groups = Vec::new();
        let mut members: HashMap<GroupId, Vec<PersonId>> = HashMap::new();
        for (d, (name, slug)) in DEPARTMENTS.iter().enumerate() {
            let id = GroupId::new(format!("dept-{slug}"));
            groups.push(Group {
                id: id.clone(),
                name: (*name).to_owned(),
                kind: GroupKind::Department,
                private: false,
            });
            let ids = people
                .iter()
                .zip(&department)
                .filter(|&(_, &pd)| pd == d)
                .map(|(p, _)| p.id.clone())
                .collect();
            members.insert(id, ids);
        }
        // The private group: Oliver and a handful of engineers; never the demo employee.
        let nova = GroupId::new(PRIVATE_GROUP);
        groups.push(Group {
            id: nova.clone(),
            name: "Project Nova".to_owned(),
            kind: GroupKind::Team,
            private: true,
        });
        // Engineers first, then anyone else, so even a tiny company has a group of 8.
        let engineers = (2..size).filter(|&i| department[i] == 1);
        let others = (2..size).filter(|&i| department[i] != 1);
        let nova_members: Vec<PersonId> = std::iter::once(1)
            .chain(engineers)
            .chain(others)
            .take(8)
            .map(|i| people[i].id.clone())
            .collect();
        members.insert(nova, nova_members);

        let follows = follows(rng, &people, &department);
        Company {
            tenant: TenantId::new(TENANT),
            people,
            department,
            groups,
            members,
            follows,
        }
    }

    /// The demo employee whose feed the quickstart shows (not in the private group).
    pub fn viewer(&self) -> &Person {
        &self.people[0]
    }

    /// A member of the private group.
    pub fn insider(&self) -> &Person {
        &self.people[1]
    }

    /// The company's admin (the head of HR), who may publish and pin announcements.
    pub fn admin(&self) -> Option<&Person> {
        self.people.iter().find(|p| p.admin)
    }

    /// The members of `group` (empty for an unknown group).
    pub fn members_of(&self, group: &GroupId) -> &[PersonId] {
        self.members.get(group).map_or(&[], Vec::as_slice)
    }

    /// The department group of the person at `index`.
    pub(super) fn department_group(&self, index: usize) -> GroupId {
        let slug = DEPARTMENTS[self.department[index] % DEPARTMENTS.len()].1;
        GroupId::new(format!("dept-{slug}"))
    }

    /// A directory holding these people and groups.
    pub fn directory(&self) -> watercooler::Result<MemoryDirectory> {
        let dir = MemoryDirectory::new();
        for p in &self.people {
            dir.add_person(&self.tenant, p.clone())?;
        }
        for g in &self.groups {
            dir.add_group(&self.tenant, g.clone())?;
            for m in self.members_of(&g.id) {
                dir.add_member(&self.tenant, &g.id, m)?;
            }
        }
        Ok(dir)
    }
}

/// One person; the handle is `first.last` in ASCII lower case, numbered when taken.
fn person(
    i: usize,
    first: &str,
    last: &str,
    dept: usize,
    locale: &str,
    taken: &mut HashSet<String>,
) -> Person {
    let base: String = format!("{first}.{last}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect::<String>()
        .to_ascii_lowercase();
    let mut handle = base.clone();
    let mut n = 2;
    while !taken.insert(handle.clone()) {
        handle = format!("{base}{n}");
        n += 1;
    }
    let mut p = Person::new(format!("e{i:04}"), handle, format!("{first} {last}"));
    p.department = Some(DEPARTMENTS[dept].0.to_owned());
    p.locale = Some(locale.to_owned());
    p
}

/// Each person follows 5–12 colleagues (mostly in their own department) and 1–3 hashtags.
/// The demo employee also follows the private group's member and tag: the quickstart shows
/// that following grants no access.
fn follows(
    rng: &mut Rng,
    people: &[Person],
    department: &[usize],
) -> Vec<(PersonId, FollowTarget)> {
    let mut by_dept: Vec<Vec<usize>> = vec![Vec::new(); DEPARTMENTS.len()];
    for (i, &d) in department.iter().enumerate() {
        by_dept[d].push(i);
    }
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let mut chosen: HashSet<usize> = HashSet::new();
        let want = rng.between(5, 12);
        // Bounded attempts: a tiny department cannot loop forever.
        for _ in 0..want * 4 {
            if chosen.len() == want {
                break;
            }
            let j = if rng.chance(0.7) {
                rng.pick(&by_dept[department[i]]).copied().unwrap_or(0)
            } else {
                rng.below(people.len())
            };
            if j != i {
                chosen.insert(j);
            }
        }
        if i == 0 {
            chosen.insert(1);
        }
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        for j in chosen {
            out.push((p.id.clone(), FollowTarget::Person(people[j].id.clone())));
        }
        let mut tags: Vec<&str> = (0..rng.between(1, 3))
            .filter_map(|_| rng.pick(FOLLOWED_TAGS).copied())
            .collect();
        if i == 0 {
            tags.push(PRIVATE_TAG);
        }
        tags.sort_unstable();
        tags.dedup();
        for t in tags {
            out.push((p.id.clone(), FollowTarget::Hashtag(hashtag_key(t))));
        }
    }
    out
}
