//! Getting started: the program `docs/getting-started.md` walks through. Wire your HR data
//! in as a `Directory`, pick a store, publish, read a feed, search.
//!
//! ```sh
//! cargo run --example getting_started                    # SQLite file in the temp directory
//! cargo run --example getting_started -- memory          # in memory
//! cargo run --example getting_started -- postgres://...  # PostgreSQL
//! ```

use std::error::Error;
use std::sync::Arc;

use watercooler::postgres::{PgOptions, PgStore};
use watercooler::search::{SearchIndex, TantivyIndex, TantivyOptions};
use watercooler::sqlite::SqliteStore;
use watercooler::{
    Event, FollowTarget, Group, GroupKind, Language, MemoryDirectory, MemoryStore, NewPost,
    PageRequest, Person, RequestKey, Store, SubscribeOptions, TenantId, Viewer, Watercooler,
};

/// Rows of your HR system: id, handle, name, department.
const EMPLOYEES: &[(&str, &str, &str, &str)] = &[
    ("e1", "jan.devries", "Jan de Vries", "Sales"),
    ("e2", "emma.jansen", "Emma Jansen", "Sales"),
    ("e3", "noah.smith", "Noah Smith", "Finance"),
];

/// Your HR data as watercooler's directory: people, and groups with their members.
fn directory(tenant: &TenantId) -> watercooler::Result<MemoryDirectory> {
    let dir = MemoryDirectory::new();
    let sales = Group {
        id: "sales".into(),
        name: "Sales".into(),
        kind: GroupKind::Department,
        private: false,
    };
    dir.add_group(tenant, sales)?;
    for &(id, handle, name, department) in EMPLOYEES {
        let mut person = Person::new(id, handle, name);
        person.department = Some(department.to_owned());
        dir.add_person(tenant, person)?;
        if department == "Sales" {
            dir.add_member(tenant, &"sales".into(), &id.into())?;
        }
    }
    Ok(dir)
}

/// The store: in memory, a SQLite file, or a PostgreSQL database.
async fn open_store(choice: &str) -> watercooler::Result<Arc<dyn Store>> {
    Ok(match choice {
        "memory" => Arc::new(MemoryStore::new()),
        url if url.starts_with("postgres://") => {
            Arc::new(PgStore::connect(PgOptions::new(url)).await?)
        }
        path => Arc::new(SqliteStore::open(path).await?),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let default_db = std::env::temp_dir().join("watercooler-getting-started.db");
    let choice = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default_db.display().to_string());
    let acme = TenantId::new("acme");
    let store = open_store(&choice).await?;

    // Search: a tantivy index that follows the store's change log (in memory here; use
    // `TantivyOptions::in_directory` to keep it on disk beside a durable store).
    let index = TantivyIndex::open(store.clone(), TantivyOptions::in_memory()).await?;
    let wc = Watercooler::builder(store, Arc::new(directory(&acme)?))
        .search(index.clone())
        .build();

    let jan = Viewer::new("acme", "e1");
    let emma = Viewer::new("acme", "e2");
    wc.follow(&emma, FollowTarget::Person("e1".into())).await?;
    let post = wc
        .publish(
            &jan,
            NewPost::new("De vergadering over #duurzaamheid is morgen om tien uur, @emma.jansen!")
                .language(Language::dutch()),
        )
        .await?;
    wc.reply(&emma, &post.id, "Ik ben erbij 👍").await?;
    wc.publish(
        &jan,
        NewPost::new("Team lunch on Friday?").in_group("sales"),
    )
    .await?;

    // Emma's ranked home feed, with why each post is in it.
    let feed = wc.home_feed(&emma, &PageRequest::first(20)).await?;
    for item in &feed.items {
        println!("{} (score {:.2})", item.post.post.text, item.score);
        for reason in item.explanation.reasons() {
            println!("    because {reason}");
        }
    }
    // Every list pages the same way: hand the page's cursor back for the next one.
    if let Some(next) = feed.next {
        let more = wc.home_feed(&emma, &PageRequest::after(next, 20)).await?;
        println!("{} more in the feed", more.items.len());
    }

    // A publish retried with the same request key returns the first post.
    let key = RequestKey::new("5b0c2f9e-1d7a-4c52-9a61-3f8e2c7b4d10")?;
    let first = wc
        .publish(&jan, NewPost::new("Koffie?").request_key(key.clone()))
        .await?;
    let again = wc
        .publish(&jan, NewPost::new("Koffie?").request_key(key))
        .await?;
    assert_eq!(first.id, again.id);

    // Emma follows Jan, so his next post reaches her subscription as it is published.
    let mut events = wc.subscribe(&emma, SubscribeOptions::new()).await?;
    wc.publish(&jan, NewPost::new("Welkom, nieuwe collega's! #welkom"))
        .await?;
    if let Some(Event::Posted { post, .. }) = events.next().await {
        println!("live: {}", post.post.text);
    }

    // New posts become searchable within the index's poll interval; refresh() makes
    // them searchable now. The Dutch plural finds the singular.
    index.refresh().await?;
    let results = wc
        .search(&emma, "vergaderingen", &PageRequest::first(10))
        .await?;
    for hit in &results.hits {
        println!("found: {}", hit.snippet);
    }
    index.close().await?;
    Ok(())
}
