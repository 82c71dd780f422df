//! Statistics of a corpus in JSON Lines (what `examples/corpus.rs` writes, or any directory
//! in that format, gzipped or not), to compare generated corpora with each other and with
//! the 200,000-post corpus the benchmarks used before (docs/benchmarks.md, "Generated
//! corpus").
//!
//! ```sh
//! cargo run --release --example corpus_stats -- DIR
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::de::DeserializeOwned;
use watercooler::Visibility;
use watercooler::watercooler_text::{EntityKind, Extractor, hashtag_key};
use watercooler_workspace::corpus::generate::{
    FollowRecord, GroupRecord, MembershipRecord, PersonRecord, PostRecord, ReactionRecord,
};

fn each<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    mut f: impl FnMut(T),
) -> Result<(), Box<dyn Error>> {
    let gz = dir.join(format!("{name}.jsonl.gz"));
    let reader: Box<dyn BufRead> = if gz.exists() {
        Box::new(BufReader::new(flate2::read::GzDecoder::new(File::open(
            gz,
        )?)))
    } else {
        Box::new(BufReader::new(File::open(
            dir.join(format!("{name}.jsonl")),
        )?))
    };
    for line in reader.lines() {
        f(serde_json::from_str(&line?)?);
    }
    Ok(())
}

fn pct(a: usize, b: usize) -> String {
    format!("{:.1} %", 100.0 * a as f64 / b.max(1) as f64)
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: corpus_stats DIR")?;
    let dir = Path::new(&dir);

    let mut people: BTreeMap<String, usize> = BTreeMap::new();
    let mut all_people: Vec<String> = Vec::new();
    each(dir, "people", |p: PersonRecord| {
        *people.entry(p.tenant).or_default() += 1;
        all_people.push(p.id);
    })?;
    let (mut groups, mut private) = (0, 0);
    each(dir, "groups", |g: GroupRecord| {
        groups += 1;
        private += usize::from(g.private);
    })?;
    let mut memberships = 0;
    each(dir, "memberships", |_: MembershipRecord| memberships += 1)?;
    let (mut follow_people, mut follow_tags) = (0, 0);
    each(dir, "follows", |f: FollowRecord| {
        if f.kind == "hashtag" {
            follow_tags += 1;
        } else {
            follow_people += 1;
        }
    })?;

    let extractor = Extractor::default();
    let mut per_tenant: BTreeMap<String, usize> = BTreeMap::new();
    let (mut posts, mut org, mut group, mut direct, mut replies) = (0, 0, 0, 0, 0);
    let (mut text_bytes, mut tag_uses, mut mention_uses, mut newlines) = (0, 0, 0, 0);
    let mut by_author: HashMap<String, usize> = HashMap::new();
    let mut tags: HashMap<String, usize> = HashMap::new();
    let mut forms: HashMap<String, HashSet<String>> = HashMap::new();
    each(dir, "posts", |p: PostRecord| {
        posts += 1;
        *per_tenant.entry(p.tenant.clone()).or_default() += 1;
        match p.visibility {
            Visibility::Organization => org += 1,
            Visibility::Group { .. } => group += 1,
            Visibility::Direct { .. } => direct += 1,
        }
        replies += usize::from(p.reply_to.is_some());
        text_bytes += p.text.len();
        newlines += usize::from(p.text.contains('\n'));
        *by_author.entry(p.author).or_default() += 1;
        for e in extractor.extract(&p.text).iter() {
            match e.kind() {
                EntityKind::Hashtag => {
                    tag_uses += 1;
                    let typed = e.value(&p.text);
                    let key = hashtag_key(typed);
                    *tags.entry(key.as_str().to_owned()).or_default() += 1;
                    forms
                        .entry(key.as_str().to_owned())
                        .or_default()
                        .insert(typed.to_owned());
                }
                EntityKind::Mention => mention_uses += 1,
                _ => {}
            }
        }
    })?;
    let mut reactions_per_post: HashMap<String, usize> = HashMap::new();
    let mut reactions = 0;
    each(dir, "reactions", |r: ReactionRecord| {
        reactions += 1;
        *reactions_per_post.entry(r.post).or_default() += 1;
    })?;

    println!(
        "people {} in {} tenants: {people:?}",
        all_people.len(),
        people.len()
    );
    println!("groups {groups} ({private} private), memberships {memberships}");
    println!("follows: {follow_people} of people, {follow_tags} of hashtags");
    println!("posts {posts}: per tenant {per_tenant:?}");
    println!(
        "visibility: organisation {} / group {} / direct {}; replies {}",
        pct(org, posts),
        pct(group, posts),
        pct(direct, posts),
        pct(replies, posts)
    );
    println!(
        "text: {:.0} bytes a post, {} with a line break; {:.2} hashtags and {:.2} mentions a post",
        text_bytes as f64 / posts as f64,
        pct(newlines, posts),
        tag_uses as f64 / posts as f64,
        mention_uses as f64 / posts as f64
    );
    let mut counts: Vec<usize> = tags.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top10: usize = counts.iter().take(10).sum();
    let multi_form = forms.values().filter(|f| f.len() > 1).count();
    println!(
        "tags: {} distinct keys ({} typed in 2+ forms), top-10 share {} of {tag_uses} uses",
        counts.len(),
        multi_form,
        pct(top10, tag_uses)
    );
    // Authors: everyone counts, people who never post as 0.
    let mut per_person: Vec<usize> = all_people
        .iter()
        .map(|p| by_author.get(p).copied().unwrap_or(0))
        .collect();
    per_person.sort_unstable();
    let n = per_person.len();
    let total: usize = per_person.iter().sum();
    let weighted: f64 = per_person
        .iter()
        .enumerate()
        .map(|(i, x)| (2 * (i + 1)) as f64 * *x as f64)
        .sum();
    let gini = weighted / (n as f64 * total as f64) - (n + 1) as f64 / n as f64;
    let top1: usize = per_person.iter().rev().take(n.div_ceil(100)).sum();
    let silent = per_person.iter().filter(|x| **x == 0).count();
    println!(
        "authors: Gini {gini:.3}, top 1 % write {}, {} never post",
        pct(top1, total),
        pct(silent, n)
    );
    let mut rp: Vec<usize> = vec![0; posts - reactions_per_post.len().min(posts)];
    rp.extend(reactions_per_post.values().copied());
    rp.sort_unstable();
    let q = |f: f64| rp[((rp.len() - 1) as f64 * f) as usize];
    println!(
        "reactions {reactions}: {:.2} a post; none on {}; p50 {}, p90 {}, p99 {}, max {}",
        reactions as f64 / posts as f64,
        pct(rp.iter().filter(|x| **x == 0).count(), rp.len()),
        q(0.5),
        q(0.9),
        q(0.99),
        q(1.0)
    );
    Ok(())
}
