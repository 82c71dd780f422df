//! Quickstart: the whole SDK on the embedded default — the SQLite store and a tantivy
//! search index on disk — with a generated demo company, no server and no outside files.
//!
//! ```sh
//! cargo run --release --example quickstart            # data in ./wc-data
//! cargo run --release --example quickstart -- /tmp/wc # or elsewhere
//! ```
//!
//! The first run generates a company (300 employees, 3,000 posts with hashtags, mentions,
//! replies and reactions) and indexes it; later runs reuse it. Then it prints what one
//! employee sees: her ranked home feed with the reason for each item, her notifications,
//! trending hashtags, a Dutch search, and that a private group's post reaches her nowhere.
//! The logic lives in `watercooler_workspace::demo` (also run by `tests/quickstart.rs`);
//! this file only prints.

use std::error::Error;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use watercooler::watercooler_text::{EntityKind, Extractor};
use watercooler::{NotificationKind, Post};
use watercooler_workspace::demo::{self, Options, Report};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("wc-data"), PathBuf::from);
    let shown = std::path::absolute(&dir).unwrap_or_else(|_| dir.clone());
    println!(
        "watercooler quickstart — data directory: {}",
        shown.display()
    );

    let report = demo::run(&Options::new(dir)).await?;
    print_setup(&report);
    print_feed(&report);
    print_notifications(&report);
    print_trends(&report);
    print_search(&report);
    print_privacy(&report);
    println!("\ndone in {:.1?}", started.elapsed());
    Ok(())
}

fn print_setup(r: &Report) {
    if r.reused {
        println!("reused the demo company already in this directory (delete it to start over)");
    } else {
        println!("generated a new demo company (seed-based: the same on every machine)");
    }
    let c = &r.counts;
    println!(
        "{} employees, {} groups, {} follows, {} posts, {} replies, {} reactions",
        c.people, c.groups, c.follows, c.posts, c.replies, c.reactions
    );
    for s in &r.steps {
        println!("  {:>9.1?}  {}", s.took, s.name);
    }
    let v = &r.viewer;
    println!(
        "\nLogged in as {} (@{}, {}), at {} (the demo's clock)",
        v.name,
        v.handle,
        v.department.as_deref().unwrap_or("-"),
        r.now.format("%a %d %b %Y %H:%M UTC")
    );
}

/// One line of a post's text, at most `max` characters.
fn line(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn heading(title: &str) {
    println!(
        "\n── {title} {}",
        "─".repeat(70usize.saturating_sub(title.len()))
    );
}

fn print_feed(r: &Report) {
    heading("Home feed, ranked, with why each post is there");
    for (i, item) in r.feed.iter().enumerate() {
        let p = &item.post.post;
        println!(
            "{:>2}. {} · {} · score {:.3} · {} · {}",
            i + 1,
            r.name(&p.author),
            p.created_at.format("%a %H:%M"),
            item.score,
            count(item.post.stats.total_reactions(), "reaction", "reactions"),
            count(item.post.stats.replies, "reply", "replies")
        );
        println!("    {}", line(&p.text, 110));
        for part in &item.explanation.parts {
            println!("      {:+7.3}  {}", part.contribution, part.label);
        }
        if let Some(reply) = item.replies.last() {
            println!(
                "      ↳ {}: {}",
                r.name(&reply.post.author),
                line(&reply.post.text, 80)
            );
        }
    }
}

fn print_notifications(r: &Report) {
    heading("Notifications");
    for n in &r.notifications {
        let who = match n.actors.as_slice() {
            [] => String::from("someone"),
            [one] => r.name(one).to_owned(),
            [first, rest @ ..] => format!("{} and {} others", r.name(first), rest.len()),
        };
        let what = match n.kind {
            NotificationKind::Mention => "mentioned you",
            NotificationKind::Reply => "replied to your post",
            NotificationKind::Reaction => "reacted to your post",
            _ => "did something",
        };
        let seen = if n.seen { "" } else { " •" };
        println!(
            "  {} {what} ({}){seen}",
            who,
            n.updated_at.format("%a %H:%M")
        );
    }
}

fn print_trends(r: &Report) {
    heading("Trending hashtags she may see");
    if r.trends.is_empty() {
        println!("  nothing stands out today");
    }
    for t in &r.trends {
        println!(
            "  #{:<16} {:>3} people today against {:.0} expected (score {:.1})",
            t.display, t.authors, t.expected, t.score
        );
    }
}

fn print_search(r: &Report) {
    let s = &r.search;
    heading(&format!(
        "Search \"{}\" (Dutch stemming: finds vergadering too)",
        s.query
    ));
    println!(
        "  {} posts match; the best {}:",
        s.results.total,
        s.results.hits.len()
    );
    for h in &s.results.hits {
        let p = &h.view.post;
        println!(
            "  {} ({}, {}): {}",
            r.name(&p.author),
            p.language.as_str(),
            p.created_at.format("%a %d %b"),
            // The snippet is HTML (matches in <em>); on a terminal, show them in bold.
            terminal(&h.snippet)
        );
    }
}

/// The snippet's `<em>` as bold on a terminal (as `[…]` elsewhere), and its few HTML
/// escapes back as characters.
fn terminal(html: &str) -> String {
    let (on, off) = if std::io::stdout().is_terminal() {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    html.replace("<em>", on)
        .replace("</em>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn print_privacy(r: &Report) {
    let p = &r.privacy;
    heading(&format!(
        "Privacy: a post in the private group \"{}\"",
        p.group
    ));
    println!(
        "  {} wrote: {}",
        r.name(&p.post.author),
        line(&p.post.text, 120)
    );
    println!("  mentions resolved: {}", mentions(&p.post));
    println!(
        "  {} follows the author and #{}, and is @mentioned — but is not a member.\n",
        p.outsider.name,
        watercooler_workspace::demo::company::PRIVATE_TAG
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!(
        "  {:<40} {:>12} {:>12}",
        "",
        first(&p.member.name),
        first(&p.outsider.name)
    );
    let rows = [
        (
            "in the home feed (all pages)",
            yes(p.in_feed.0),
            yes(p.in_feed.1),
        ),
        ("can open it by id", yes(p.can_open.0), yes(p.can_open.1)),
        ("#tag trends", yes(p.trending.0), yes(p.trending.1)),
        (
            "#tag suggested while typing",
            yes(p.suggested.0),
            yes(p.suggested.1),
        ),
    ];
    for (what, a, b) in rows {
        println!("  {what:<40} {a:>12} {b:>12}");
    }
    println!(
        "  {:<40} {:>12} {:>12}",
        format!("search hits for \"{}\"", p.query),
        p.search_hits.0,
        p.search_hits.1
    );
    println!(
        "  {:<40} {:>12} {:>12}",
        "notified of the @mention",
        "-",
        yes(p.outsider_notified)
    );
    // demo::run already failed if anything leaked; say so.
    assert!(!p.leaked(), "run() refuses a leak");
    println!(
        "\n  ✓ invisible to {} in feed, search, trends, suggestions and notifications",
        p.outsider.name
    );
}

fn first(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}

/// The post's @mentions that resolved to people (a mention of someone who may not see the
/// post stays plain text).
fn mentions(post: &Post) -> String {
    let typed = Extractor::default()
        .extract(&post.text)
        .iter()
        .filter(|e| e.kind() == EntityKind::Mention)
        .count();
    format!(
        "{} of {typed} (a mention never grants access)",
        post.mentions.len()
    )
}
