//! Quickstart: from the text of a post to safe HTML.
//!
//! For a few Dutch and English posts: validate the text, extract its entities (with byte and
//! UTF-16 ranges, the latter for JavaScript clients), compute the keys hashtags and mentions
//! are stored and looked up by, and render the post as safe HTML.
//!
//! Run with `cargo run --release --example quickstart`.

use std::ops::Range;

use watercooler_text::{
    Entity, EntityKind, Extractor, Limits, OffsetUnit, PathLinks, convert_ranges, handle_key,
    hashtag_key, render_html,
};

/// Posts chosen to show what can go wrong: case and accents, decomposed Unicode, HTML in the
/// text, a bidi override, zero-width characters, right-to-left script and line breaks.
const POSTS: &[&str] = &[
    "Goedemorgen @anna_devries! Vrijdag borrel in de kantine 🍻 #Vrijdagborrel #café \
     aanmelden via intranet.willemsen.nl/borrel",
    "Great demo by @JamesW today. Slides: https://acme.example.com/demo?id=42&lang=en #Innovation #CAFÉ",
    "Wie gaat er mee naar het Cafe\u{301}? #Cafe\u{301} #STRAẞENFEST",
    "<script>alert('x')</script> @mallory says: \u{202E}moc.elgoog\u{202C} #Trojan\u{200B}Source",
    "Welkom @sara!\nשלום #שלום\nZie ook www.example.org.",
];

fn main() {
    let extractor = Extractor::default();
    let limits = Limits::default();
    let links = PathLinks::new("/tags/", "/people/");

    for (i, text) in POSTS.iter().enumerate() {
        println!(
            "── post {} ─────────────────────────────────────────",
            i + 1
        );
        println!("text:  {text:?}");
        // Validate before extracting: an oversized text is never parsed.
        if let Err(e) = limits.check_text(text) {
            println!("refused: {e}");
            continue;
        }
        let entities = extractor.extract(text);
        if let Err(e) = limits.check_entities(text, &entities) {
            println!("refused: {e}");
            continue;
        }
        // One pass over the text converts all ranges (entities come sorted).
        let bytes: Vec<Range<usize>> = entities.iter().map(Entity::range).collect();
        let utf16 = convert_ranges(text, &bytes, OffsetUnit::Utf16)
            .expect("extracted ranges lie on character boundaries");
        for (entity, utf16) in entities.iter().zip(utf16) {
            print_entity(text, entity, utf16);
        }
        println!("html:  {}", render_html(text, &entities, &links));
        println!();
    }
}

/// One line per entity: kind, byte range, UTF-16 range, text as typed, key.
fn print_entity(text: &str, entity: &Entity, utf16: Range<usize>) {
    let bytes = entity.range();
    let key = match entity.kind() {
        EntityKind::Hashtag => format!("key {:?}", hashtag_key(entity.value(text)).as_str()),
        EntityKind::Mention => format!("key {:?}", handle_key(entity.value(text)).as_str()),
        _ => String::new(),
    };
    println!(
        "  {:<8} bytes {:>3}..{:<3} utf16 {:>3}..{:<3} {:<40} {key}",
        format!("{:?}", entity.kind()),
        bytes.start,
        bytes.end,
        utf16.start,
        utf16.end,
        format!("{:?}", entity.as_str(text)),
    );
}
