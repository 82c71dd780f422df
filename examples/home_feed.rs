//! Prints a person's ranked home feed from the generated corpus (`standard`), with "why am I seeing this"
//! explanations, then the trending hashtags they see.
//!
//! ```sh
//! cargo run --release --example home_feed                     # willemsen:u0
//! cargo run --release --example home_feed -- acme acme:u12    # someone else
//! ```
//!
//! Generating and loading the 200,000-post corpus into the memory store takes a few seconds.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use watercooler::{Directory, MemoryStore, PageRequest, Viewer};
use watercooler_workspace::corpus;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let tenant = args.next().unwrap_or_else(|| "willemsen".into());
    let person = args.next().unwrap_or_else(|| format!("{tenant}:u0"));

    let t = Instant::now();
    let c = corpus::load(&corpus::Config::standard(), Arc::new(MemoryStore::new())).await?;
    eprintln!("loaded {} posts in {:.1?}", c.counts.posts, t.elapsed());

    let viewer = Viewer::new(tenant.as_str(), person.as_str());
    let who = c
        .directory
        .person(&viewer.tenant, &viewer.person)
        .await?
        .ok_or_else(|| format!("{person} is not in {tenant}"))?;
    println!(
        "Home feed of {} ({}, {}), at {}\n",
        who.name,
        who.department.as_deref().unwrap_or("no department"),
        who.locale.as_deref().unwrap_or("?"),
        c.now.format("%Y-%m-%d %H:%M UTC")
    );

    let page = c
        .service
        .home_feed(&viewer, &PageRequest::first(10))
        .await?;
    for (i, item) in page.items.iter().enumerate() {
        let post = &item.post.post;
        let author = c.directory.person(&viewer.tenant, &post.author).await?;
        let name = author.map_or_else(|| post.author.to_string(), |p| p.name);
        // One line per post: line breaks in the text become spaces.
        let text: String = post
            .text
            .chars()
            .take(100)
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let more = if post.text.chars().count() > 100 {
            "…"
        } else {
            ""
        };
        println!(
            "{:>2}. {name} — {}",
            i + 1,
            post.created_at.format("%d %b %H:%M")
        );
        println!("    {text}{more}");
        let (reactions, replies) = (item.post.stats.total_reactions(), item.post.stats.replies);
        println!(
            "    {reactions} {}, {replies} {}; score {:.3}",
            if reactions == 1 {
                "reaction"
            } else {
                "reactions"
            },
            if replies == 1 { "reply" } else { "replies" },
            item.score
        );
        for part in &item.explanation.parts {
            println!("      {:+8.3}  {}", part.contribution, part.label);
        }
        for reply in &item.replies {
            let text: String = reply
                .post
                .text
                .chars()
                .take(70)
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect();
            let by = c
                .directory
                .person(&viewer.tenant, &reply.post.author)
                .await?;
            let by = by.map_or_else(|| reply.post.author.to_string(), |p| p.name);
            println!("      ↳ {by}: {text}");
        }
        println!();
    }
    if page.next.is_some() {
        println!("(more pages: pass FeedPage::next back to home_feed)\n");
    }

    let trends = c.service.trending_hashtags(&viewer).await?;
    println!("Trending for {}:", who.name);
    if trends.is_empty() {
        println!("  nothing stands out today");
    }
    for t in trends {
        println!(
            "  #{} — {} people on {} against {:.0} expected (score {:.1})",
            t.display,
            t.authors,
            t.peak_at.format("%d %b"),
            t.expected,
            t.score
        );
    }
    Ok(())
}
