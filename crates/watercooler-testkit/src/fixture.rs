//! The world each behaviour runs in: a fresh tenant (or two) with a small cast of people and
//! groups in a [`MemoryDirectory`], and a [`Watercooler`] service over the store under test
//! with a [`ManualClock`].
//!
//! Tenant ids are unique per process run and per behaviour, so behaviours can share one
//! database, run in parallel, and run again against a database that kept the last run's data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Duration, Utc};
use watercooler_core::{
    Access, Group, GroupId, GroupKind, ManualClock, MemoryDirectory, NewPost, Person, PersonId,
    Post, PostId, Store, TenantId, Viewer, Watercooler,
};

use crate::check::ok;

/// Monday 2025-03-03 09:00:00 UTC: on an hour boundary, so trend buckets line up.
const START_UNIX: i64 = 1_740_992_400;

/// Makes every tenant id of this process distinct, even when created in the same nanosecond.
static NEXT_TENANT: AtomicU64 = AtomicU64::new(0);

/// The members of the standard cast: `(id = handle, name, admin)`.
pub(crate) const CAST: [(&str, &str, bool); 4] = [
    ("alice", "Alice Admin", true),
    ("bob", "Bob Builder", false),
    ("carol", "Carol Personnel", false),
    ("dave", "Dave Outsider", false),
];

/// `eng` (open team: alice, bob) and `hr` (private department: carol).
pub(crate) const GROUPS: [(&str, &str, bool, &[&str]); 2] = [
    ("eng", "Engineering", false, &["alice", "bob"]),
    ("hr", "Human Resources", true, &["carol"]),
];

/// A tenant id no other behaviour, process or earlier run uses: a readable label, the
/// process id, the wall-clock nanoseconds (different between runs against a persistent
/// database) and a process-wide counter (different between behaviours of one run).
pub(crate) fn unique_tenant(label: &str) -> TenantId {
    let n = NEXT_TENANT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    TenantId::new(format!(
        "wct-{label}-{:x}-{:x}-{n}",
        std::process::id(),
        (nanos as u64) & 0xffff_ffff_ffff
    ))
}

/// The store under test, a directory, a service and a clock, plus the tenant a behaviour
/// works in.
pub(crate) struct Fixture {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// The directory the service resolves people and groups through.
    pub dir: Arc<MemoryDirectory>,
    /// The service over `store` and `dir`.
    pub wc: Watercooler,
    /// The service's clock: stands still until a behaviour moves it.
    pub clock: Arc<ManualClock>,
    /// The behaviour's main tenant, filled with the standard cast.
    pub tenant: TenantId,
}

impl Fixture {
    /// A fixture over `store` with one fresh tenant holding the standard cast.
    pub async fn new(store: Arc<dyn Store>, label: &str) -> Fixture {
        let dir = Arc::new(MemoryDirectory::new());
        let clock = Arc::new(ManualClock::new(start()));
        let wc = Watercooler::builder(Arc::clone(&store), dir.clone())
            .clock(clock.clone())
            .build();
        let tenant = unique_tenant(label);
        let fx = Fixture {
            store,
            dir,
            wc,
            clock,
            tenant,
        };
        fx.fill_tenant(&fx.tenant);
        fx
    }

    /// Another fresh tenant in the same directory with exactly the same person ids, handles,
    /// names and group ids as the main one: the adversarial set-up for isolation tests.
    pub fn twin_tenant(&self, label: &str) -> TenantId {
        let t = unique_tenant(label);
        self.fill_tenant(&t);
        t
    }

    fn fill_tenant(&self, tenant: &TenantId) {
        for (id, name, admin) in CAST {
            let mut p = Person::new(id, id, name);
            p.admin = admin;
            ok(self.dir.add_person(tenant, p), "directory: add person");
        }
        for (id, name, private, members) in GROUPS {
            let kind = if private {
                GroupKind::Department
            } else {
                GroupKind::Team
            };
            let g = Group {
                id: GroupId::new(id),
                name: name.into(),
                kind,
                private,
            };
            ok(self.dir.add_group(tenant, g), "directory: add group");
            for m in members {
                ok(
                    self.dir
                        .add_member(tenant, &GroupId::new(id), &PersonId::new(*m)),
                    "directory: add member",
                );
            }
        }
    }

    /// Adds `n` people `{prefix}{i}` (handle the same) to the main tenant; returns their ids.
    pub fn add_people(&self, prefix: &str, n: usize) -> Vec<PersonId> {
        (0..n)
            .map(|i| {
                let id = format!("{prefix}{i}");
                ok(
                    self.dir.add_person(
                        &self.tenant,
                        Person::new(id.as_str(), id.as_str(), id.as_str()),
                    ),
                    "directory: add person",
                );
                PersonId::new(id)
            })
            .collect()
    }

    /// `person` of the main tenant as a viewer.
    pub fn viewer(&self, person: &str) -> Viewer {
        Viewer::new(self.tenant.clone(), person)
    }

    /// The company-wide calls (erase, export, import) of the main tenant, as alice, the
    /// cast's admin.
    pub async fn admin(&self) -> watercooler_core::Admin<'_> {
        ok(
            self.wc.admin(&self.viewer("alice")).await,
            "service: alice's admin handle",
        )
    }

    /// `person` of the main tenant resolved through the directory (groups, admin flag).
    pub async fn access(&self, person: &str) -> Access {
        self.access_of(&self.viewer(person)).await
    }

    /// Any viewer resolved through the directory.
    pub async fn access_of(&self, viewer: &Viewer) -> Access {
        ok(
            self.wc.access(viewer).await,
            "service: resolve the viewer's access",
        )
    }

    /// An access for the author of `post`: the one viewer who may always see it.
    pub fn author_access(post: &Post) -> Access {
        Access::new(post.tenant.clone(), post.author.clone(), Vec::new(), false)
    }

    /// The clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        watercooler_core::Clock::now(&*self.clock)
    }

    /// Moves the clock one second on, so that successive writes get distinct times.
    pub fn tick(&self) {
        self.clock.advance(Duration::seconds(1));
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Publishes as `person` of the main tenant, one second after the previous write.
    pub async fn publish(&self, person: &str, post: NewPost) -> Post {
        self.publish_as(&self.viewer(person), post).await
    }

    /// Publishes as any viewer, one second after the previous write.
    pub async fn publish_as(&self, viewer: &Viewer, post: NewPost) -> Post {
        self.tick();
        let what = format!(
            "publish as {}/{}: {:?}",
            viewer.tenant, viewer.person, post.text
        );
        ok(self.wc.publish(viewer, post).await, &what)
    }

    /// Replies as `person` of the main tenant, one second after the previous write.
    pub async fn reply(&self, person: &str, parent: &PostId, text: &str) -> Post {
        self.tick();
        ok(
            self.wc.reply(&self.viewer(person), parent, text).await,
            &format!("reply as {person} to {parent}: {text:?}"),
        )
    }

    /// Edits as `person` of the main tenant, one second after the previous write.
    pub async fn edit(&self, person: &str, id: &PostId, text: &str) -> Post {
        self.tick();
        ok(
            self.wc.edit(&self.viewer(person), id, text).await,
            &format!("edit as {person} of {id}: {text:?}"),
        )
    }
}

/// The time every fixture's clock starts at.
pub(crate) fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(START_UNIX, 0).unwrap_or_default()
}
