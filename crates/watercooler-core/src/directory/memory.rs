//! [`MemoryDirectory`]: a [`Directory`] held in memory, loaded by the host (or a test) from
//! its HR data. Handles are indexed by [`handle_key`]; autocomplete uses sorted prefix
//! indexes so a lookup costs `O(log n + limit)`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use watercooler_text::{HandleKey, handle_key};

use super::Directory;
use crate::error::{Error, Result};
use crate::ids::{GroupId, PersonId, TenantId};
use crate::model::{Group, Person};

/// The most people one [`Directory::suggest_people`] call returns, whatever `limit` asks.
const MAX_SUGGESTIONS: usize = 200;

/// An in-memory employee directory, scoped by tenant. All methods take `&self` (the data is
/// behind a lock), so it can be filled and changed while a service shares it.
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    tenants: RwLock<HashMap<TenantId, TenantDirectory>>,
}

/// One tenant's people, groups and indexes.
#[derive(Debug, Default)]
struct TenantDirectory {
    people: HashMap<PersonId, Person>,
    by_handle: HashMap<HandleKey, PersonId>,
    groups: HashMap<GroupId, Group>,
    members: HashMap<GroupId, BTreeSet<PersonId>>,
    groups_of: HashMap<PersonId, BTreeSet<GroupId>>,
    /// Autocomplete tiers, best first: handle keys, whole names, then each word of a name
    /// (people search colleagues by surname). Each maps a lowercased term to its people.
    suggest: [BTreeMap<String, BTreeSet<PersonId>>; 3],
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        MemoryDirectory::default()
    }

    /// A directory filled from plain data: people, groups and `(tenant, group, person)`
    /// memberships. Fails like [`MemoryDirectory::add_person`] and
    /// [`MemoryDirectory::add_member`] do.
    pub fn from_parts(
        people: impl IntoIterator<Item = (TenantId, Person)>,
        groups: impl IntoIterator<Item = (TenantId, Group)>,
        memberships: impl IntoIterator<Item = (TenantId, GroupId, PersonId)>,
    ) -> Result<Self> {
        let dir = MemoryDirectory::new();
        for (tenant, person) in people {
            dir.add_person(&tenant, person)?;
        }
        for (tenant, group) in groups {
            dir.add_group(&tenant, group)?;
        }
        for (tenant, group, person) in memberships {
            dir.add_member(&tenant, &group, &person)?;
        }
        Ok(dir)
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, HashMap<TenantId, TenantDirectory>>> {
        self.tenants
            .read()
            .map_err(|_| Error::backend("memory directory lock poisoned"))
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, HashMap<TenantId, TenantDirectory>>> {
        self.tenants
            .write()
            .map_err(|_| Error::backend("memory directory lock poisoned"))
    }

    /// Adds a person, or replaces the person with the same id (keeping their memberships).
    /// [`Error::AlreadyExists`] if another person of the tenant has a handle with the same key;
    /// [`Error::Invalid`] if the handle's key is empty or an id fails [`crate::check_id`].
    pub fn add_person(&self, tenant: &TenantId, person: Person) -> Result<()> {
        tenant.check()?;
        person.id.check()?;
        let key = handle_key(&person.handle);
        if key.is_empty() {
            return Err(Error::invalid("handle", "empty after normalisation"));
        }
        let mut tenants = self.write()?;
        let t = tenants.entry(tenant.clone()).or_default();
        if let Some(owner) = t.by_handle.get(&key)
            && owner != &person.id
        {
            return Err(Error::AlreadyExists(format!(
                "handle {key} is taken in tenant {tenant}"
            )));
        }
        if let Some(old) = t.people.remove(&person.id) {
            t.unindex(&old);
        }
        t.index(&person, key);
        t.people.insert(person.id.clone(), person);
        Ok(())
    }

    /// Removes a person and their memberships; returns whether they existed.
    pub fn remove_person(&self, tenant: &TenantId, person: &PersonId) -> Result<bool> {
        let mut tenants = self.write()?;
        let Some(t) = tenants.get_mut(tenant) else {
            return Ok(false);
        };
        let Some(old) = t.people.remove(person) else {
            return Ok(false);
        };
        t.unindex(&old);
        for group in t.groups_of.remove(person).unwrap_or_default() {
            if let Some(m) = t.members.get_mut(&group) {
                m.remove(person);
            }
        }
        Ok(true)
    }

    /// Adds a group, or replaces the group with the same id (keeping its members).
    /// [`Error::Invalid`] if an id fails [`crate::check_id`].
    pub fn add_group(&self, tenant: &TenantId, group: Group) -> Result<()> {
        tenant.check()?;
        group.id.check()?;
        let mut tenants = self.write()?;
        let t = tenants.entry(tenant.clone()).or_default();
        t.members.entry(group.id.clone()).or_default();
        t.groups.insert(group.id.clone(), group);
        Ok(())
    }

    /// Makes `person` a member of `group`; returns `false` if they already were.
    /// [`Error::NotFound`] if either is unknown in the tenant.
    pub fn add_member(
        &self,
        tenant: &TenantId,
        group: &GroupId,
        person: &PersonId,
    ) -> Result<bool> {
        let mut tenants = self.write()?;
        let t = tenants.get_mut(tenant).ok_or(Error::not_found("group"))?;
        if !t.groups.contains_key(group) {
            return Err(Error::not_found("group"));
        }
        if !t.people.contains_key(person) {
            return Err(Error::not_found("person"));
        }
        let added = t
            .members
            .entry(group.clone())
            .or_default()
            .insert(person.clone());
        t.groups_of
            .entry(person.clone())
            .or_default()
            .insert(group.clone());
        Ok(added)
    }

    /// Removes `person` from `group`; returns whether they were a member.
    pub fn remove_member(
        &self,
        tenant: &TenantId,
        group: &GroupId,
        person: &PersonId,
    ) -> Result<bool> {
        let mut tenants = self.write()?;
        let Some(t) = tenants.get_mut(tenant) else {
            return Ok(false);
        };
        let removed = t.members.get_mut(group).is_some_and(|m| m.remove(person));
        if let Some(g) = t.groups_of.get_mut(person) {
            g.remove(group);
        }
        Ok(removed)
    }

    /// The members of a group, sorted (empty if the group is unknown).
    pub fn members(&self, tenant: &TenantId, group: &GroupId) -> Result<Vec<PersonId>> {
        let tenants = self.read()?;
        Ok(tenants
            .get(tenant)
            .and_then(|t| t.members.get(group))
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default())
    }

    /// Every person id of a tenant, sorted.
    pub fn person_ids(&self, tenant: &TenantId) -> Result<Vec<PersonId>> {
        let tenants = self.read()?;
        let mut ids: Vec<PersonId> = tenants
            .get(tenant)
            .map(|t| t.people.keys().cloned().collect())
            .unwrap_or_default();
        ids.sort();
        Ok(ids)
    }

    /// Every group of a tenant, sorted by id.
    pub fn groups(&self, tenant: &TenantId) -> Result<Vec<Group>> {
        let tenants = self.read()?;
        let mut groups: Vec<Group> = tenants
            .get(tenant)
            .map(|t| t.groups.values().cloned().collect())
            .unwrap_or_default();
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(groups)
    }

    /// The tenants that have people or groups, sorted.
    pub fn tenants(&self) -> Result<Vec<TenantId>> {
        let mut ids: Vec<TenantId> = self.read()?.keys().cloned().collect();
        ids.sort();
        Ok(ids)
    }
}

/// Lowercases a term for the autocomplete index. Plain Unicode lowercasing is enough for a
/// prefix match on names; handles already go through [`handle_key`].
fn fold(s: &str) -> String {
    s.to_lowercase()
}

impl TenantDirectory {
    fn index(&mut self, person: &Person, key: HandleKey) {
        let id = &person.id;
        self.suggest[0]
            .entry(key.as_str().to_owned())
            .or_default()
            .insert(id.clone());
        self.suggest[1]
            .entry(fold(&person.name))
            .or_default()
            .insert(id.clone());
        for word in name_words(&person.name) {
            self.suggest[2]
                .entry(fold(word))
                .or_default()
                .insert(id.clone());
        }
        self.by_handle.insert(key, id.clone());
    }

    fn unindex(&mut self, person: &Person) {
        let key = handle_key(&person.handle);
        let terms = [(0, key.as_str().to_owned()), (1, fold(&person.name))]
            .into_iter()
            .chain(name_words(&person.name).map(|w| (2, fold(w))));
        for (tier, term) in terms {
            if let Some(ids) = self.suggest[tier].get_mut(&term) {
                ids.remove(&person.id);
                if ids.is_empty() {
                    self.suggest[tier].remove(&term);
                }
            }
        }
        if self.by_handle.get(&key) == Some(&person.id) {
            self.by_handle.remove(&key);
        }
    }
}

/// The words of a name after the first (the whole name is indexed on its own): "Linn de
/// Jonge-Otte" gives "de", "Jonge-Otte" and "Otte".
fn name_words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .skip(1)
        .chain(name.split_whitespace().skip(1).filter(|w| w.contains('-')))
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn person(&self, tenant: &TenantId, id: &PersonId) -> Result<Option<Person>> {
        Ok(self
            .read()?
            .get(tenant)
            .and_then(|t| t.people.get(id))
            .cloned())
    }

    async fn people(&self, tenant: &TenantId, ids: &[PersonId]) -> Result<Vec<Person>> {
        let tenants = self.read()?;
        let Some(t) = tenants.get(tenant) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .iter()
            .filter_map(|id| t.people.get(id))
            .cloned()
            .collect())
    }

    async fn resolve_handles(
        &self,
        tenant: &TenantId,
        handles: &[HandleKey],
    ) -> Result<Vec<Person>> {
        let tenants = self.read()?;
        let Some(t) = tenants.get(tenant) else {
            return Ok(Vec::new());
        };
        Ok(handles
            .iter()
            .filter_map(|h| t.by_handle.get(h))
            .filter_map(|id| t.people.get(id))
            .cloned()
            .collect())
    }

    async fn groups_of(&self, tenant: &TenantId, person: &PersonId) -> Result<Vec<GroupId>> {
        let tenants = self.read()?;
        Ok(tenants
            .get(tenant)
            .and_then(|t| t.groups_of.get(person))
            .map(|g| g.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn group(&self, tenant: &TenantId, id: &GroupId) -> Result<Option<Group>> {
        Ok(self
            .read()?
            .get(tenant)
            .and_then(|t| t.groups.get(id))
            .cloned())
    }

    async fn is_member(
        &self,
        tenant: &TenantId,
        group: &GroupId,
        person: &PersonId,
    ) -> Result<bool> {
        Ok(self
            .read()?
            .get(tenant)
            .and_then(|t| t.members.get(group))
            .is_some_and(|m| m.contains(person)))
    }

    async fn suggest_people(
        &self,
        tenant: &TenantId,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Person>> {
        let limit = limit.min(MAX_SUGGESTIONS);
        let tenants = self.read()?;
        let Some(t) = tenants.get(tenant) else {
            return Ok(Vec::new());
        };
        // A typed `@` is not part of the handle.
        let prefix = prefix.trim().trim_start_matches(['@', '＠']);
        let handle_prefix = handle_key(prefix);
        let name_prefix = fold(prefix);
        let mut chosen: Vec<&PersonId> = Vec::with_capacity(limit);
        let mut seen: HashSet<&PersonId> = HashSet::with_capacity(limit);
        'tiers: for (tier, index) in t.suggest.iter().enumerate() {
            let p = if tier == 0 {
                handle_prefix.as_str()
            } else {
                name_prefix.as_str()
            };
            let start: (Bound<&str>, Bound<&str>) = (Bound::Included(p), Bound::Unbounded);
            // The index is sorted, so the matches are one contiguous run from `p` on; the
            // scan stops at the first term that does not match or once `limit` are chosen.
            for (term, ids) in index.range::<str, _>(start) {
                if !term.starts_with(p) {
                    break;
                }
                for id in ids {
                    if chosen.len() >= limit {
                        break 'tiers;
                    }
                    if seen.insert(id) {
                        chosen.push(id);
                    }
                }
            }
        }
        Ok(chosen
            .into_iter()
            .filter_map(|id| t.people.get(id))
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GroupKind;

    fn t() -> TenantId {
        TenantId::new("t")
    }

    fn dir() -> MemoryDirectory {
        let d = MemoryDirectory::new();
        d.add_person(&t(), Person::new("1", "linn.dejonge", "Linn de Jonge-Otte"))
            .unwrap();
        d.add_person(&t(), Person::new("2", "Lisa", "Lisa Zoë Bakker"))
            .unwrap();
        d.add_person(&t(), Person::new("3", "bram", "Bram Linnaeus"))
            .unwrap();
        d.add_person(
            &"u".into(),
            Person::new("1", "linn.dejonge", "Someone Else"),
        )
        .unwrap();
        let g = Group {
            id: "g".into(),
            name: "G".into(),
            kind: GroupKind::Team,
            private: true,
        };
        d.add_group(&t(), g).unwrap();
        d.add_member(&t(), &"g".into(), &"2".into()).unwrap();
        d
    }

    fn ids(v: Vec<Person>) -> Vec<String> {
        v.into_iter().map(|p| p.id.as_str().to_owned()).collect()
    }

    #[tokio::test]
    async fn handles_resolve_by_key_within_the_tenant() {
        let d = dir();
        let keys = [
            handle_key("@LISA"),
            handle_key("Linn.DeJonge"),
            handle_key("nobody"),
        ];
        assert_eq!(
            ids(d.resolve_handles(&t(), &keys).await.unwrap()),
            ["2", "1"]
        );
        let other = d.resolve_handles(&"u".into(), &keys).await.unwrap();
        assert_eq!(other[0].name, "Someone Else");
        assert!(
            d.resolve_handles(&"v".into(), &keys)
                .await
                .unwrap()
                .is_empty()
        );
        // A second person with the same handle key conflicts; the owner may re-add.
        let dup = d.add_person(&t(), Person::new("9", "lisa", "Other Lisa"));
        assert!(matches!(dup, Err(Error::AlreadyExists(_))));
        d.add_person(&t(), Person::new("2", "lisa2", "Lisa Zoë Bakker"))
            .unwrap();
        assert!(
            d.resolve_handles(&t(), &[handle_key("lisa")])
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            d.add_person(&t(), Person::new("8", "@", "x")),
            Err(Error::Invalid { .. })
        ));
    }

    #[tokio::test]
    async fn memberships_and_groups() {
        let d = dir();
        assert_eq!(
            d.groups_of(&t(), &"2".into()).await.unwrap(),
            vec![GroupId::new("g")]
        );
        assert!(d.is_member(&t(), &"g".into(), &"2".into()).await.unwrap());
        assert!(
            !d.is_member(&"u".into(), &"g".into(), &"2".into())
                .await
                .unwrap()
        );
        assert!(matches!(
            d.add_member(&t(), &"nope".into(), &"2".into()),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            d.add_member(&t(), &"g".into(), &"nope".into()),
            Err(Error::NotFound { .. })
        ));
        assert!(d.remove_member(&t(), &"g".into(), &"2".into()).unwrap());
        assert!(d.groups_of(&t(), &"2".into()).await.unwrap().is_empty());
        d.add_member(&t(), &"g".into(), &"3".into()).unwrap();
        assert!(d.remove_person(&t(), &"3".into()).unwrap());
        assert!(d.members(&t(), &"g".into()).unwrap().is_empty());
        assert!(d.person(&t(), &"3".into()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn suggestions_rank_handles_then_names_then_surnames() {
        let d = dir();
        let s = |p: &str, n| {
            let d = &d;
            let p = p.to_owned();
            async move { ids(d.suggest_people(&t(), &p, n).await.unwrap()) }
        };
        // "li": handles linn.dejonge and lisa first; Bram Linnaeus by surname last.
        assert_eq!(s("li", 10).await, ["1", "2", "3"]);
        assert_eq!(s("@LI", 10).await, ["1", "2", "3"]);
        assert_eq!(s("li", 2).await, ["1", "2"]);
        assert_eq!(s("otte", 10).await, ["1"]);
        assert_eq!(s("jonge-o", 10).await, ["1"]);
        assert_eq!(s("zoë", 10).await, ["2"]);
        assert_eq!(s("ZOË", 10).await, ["2"]);
        assert!(s("x", 10).await.is_empty());
        assert!(s("li", 0).await.is_empty());
        assert_eq!(s("", 2).await.len(), 2);
        assert_eq!(
            ids(d.suggest_people(&"u".into(), "li", 10).await.unwrap()),
            ["1"]
        );
    }

    #[test]
    fn from_parts_fills_everything() {
        let g = Group {
            id: "g".into(),
            name: "G".into(),
            kind: GroupKind::Team,
            private: false,
        };
        let d = MemoryDirectory::from_parts(
            [(t(), Person::new("1", "a", "A"))],
            [(t(), g)],
            [(t(), "g".into(), "1".into())],
        )
        .unwrap();
        assert_eq!(
            d.members(&t(), &"g".into()).unwrap(),
            vec![PersonId::new("1")]
        );
        assert_eq!(d.tenants().unwrap(), vec![t()]);
        assert_eq!(d.groups(&t()).unwrap().len(), 1);
        assert_eq!(d.person_ids(&t()).unwrap(), vec![PersonId::new("1")]);
        let bad = MemoryDirectory::from_parts([], [], [(t(), "g".into(), "1".into())]);
        assert!(bad.is_err());
    }
}
