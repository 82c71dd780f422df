//! The pages, written as HTML strings.
//!
//! Two rules keep them safe. Everything people typed (posts, names, group names, a search
//! query shown back) goes through watercooler-text: [`text`] for names and labels,
//! [`post_html`] for a post's text with its entities linked, and search snippets come
//! from the SDK already escaped. Attribute values go through [`attr`]. No page has an
//! inline script or style: the Content-Security-Policy forbids them.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use watercooler::watercooler_text::{
    Entity, EntityKind, HandleKey, LinkBuilder, NoLinks, TagKey, render_html,
};
use watercooler::{Explanation, Person, Post, PostView, ReactionKind, Visibility};

use super::i18n::Words;

/// User text (a name, a group name, a label) as safe HTML: watercooler-text's renderer with
/// no entities escapes it and isolates bidi controls.
pub fn text(s: &str) -> String {
    render_html(s, &[], &NoLinks)
}

/// A value for a double-quoted attribute.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A path segment, percent-encoded (ids and keys go into URLs).
pub fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Hashtags link to the tag's page, mentions to the person's profile (by handle key).
struct Links;

impl LinkBuilder for Links {
    fn hashtag(&self, _tag: &str, key: &TagKey) -> Option<String> {
        (!key.is_empty()).then(|| format!("/tags/{}", seg(key.as_str())))
    }
    fn mention(&self, _handle: &str, key: &HandleKey, _list: Option<&str>) -> Option<String> {
        (!key.is_empty()).then(|| format!("/people/{}", seg(key.as_str())))
    }
}

/// A post's text as safe HTML, with the entities the SDK stored (resolved mentions only:
/// an `@name` that names nobody stays text) linked. URLs with a scheme other than http(s)
/// (`javascript:`) are never links: the renderer refuses them.
pub fn post_html(post: &Post) -> String {
    let sigil = |r: &std::ops::Range<usize>| {
        let first = post.text[r.clone()]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        (r.start + first)..r.end
    };
    let mut entities: Vec<Entity> = Vec::new();
    for h in &post.hashtags {
        entities.push(Entity::new(
            EntityKind::Hashtag,
            h.range.clone(),
            sigil(&h.range),
            None,
        ));
    }
    for m in &post.mentions {
        entities.push(Entity::new(
            EntityKind::Mention,
            m.range.clone(),
            sigil(&m.range),
            None,
        ));
    }
    for u in &post.urls {
        entities.push(Entity::new(
            EntityKind::Url,
            u.range.clone(),
            u.range.clone(),
            None,
        ));
    }
    entities.sort_by_key(|e| e.range().start);
    render_html(&post.text, &entities, &Links)
}

/// `2026-11-27 15:00` in a `<time>` element.
pub fn time(t: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        t.to_rfc3339(),
        t.format("%Y-%m-%d %H:%M")
    )
}

/// What a post card needs to know about the page it is on.
pub struct Card<'a> {
    pub w: &'static Words,
    pub now: DateTime<Utc>,
    /// The author, when the directory knows them.
    pub author: Option<&'a Person>,
    /// The display name of the post's group, if it is in one.
    pub group: Option<&'a str>,
    /// The ranker's explanation (home feed only).
    pub why: Option<&'a Explanation>,
    /// Replies shown under the post (home feed: the latest few).
    pub replies: Vec<String>,
}

/// One post as an `<article>`: author, audience, time, text, reactions, thread link and,
/// in the home feed, the "why am I seeing this" disclosure.
pub fn card(view: &PostView, c: &Card<'_>) -> String {
    let p = &view.post;
    let w = c.w;
    let id = p.id.to_string();
    let mut out = String::new();
    let classes = if p.is_reply() { "post reply" } else { "post" };
    let _ = write!(
        out,
        "<article class=\"{classes}\" id=\"post-{id}\" data-post=\"{id}\" \
         aria-labelledby=\"by-{id}\">"
    );
    out.push_str("<header class=\"post-head\">");
    match c.author {
        Some(a) => {
            let _ = write!(
                out,
                "<a class=\"author\" id=\"by-{id}\" href=\"/people/{}\">{}</a>",
                seg(&a.handle),
                text(&a.name)
            );
        }
        None => {
            let _ = write!(
                out,
                "<span class=\"author\" id=\"by-{id}\">{}</span>",
                text(p.author.as_str())
            );
        }
    }
    match &p.visibility {
        Visibility::Group { group } => {
            let _ = write!(
                out,
                " <span class=\"meta\">{} <a href=\"/groups/{}\">{}</a></span>",
                w.in_group,
                seg(group.as_str()),
                text(c.group.unwrap_or(group.as_str()))
            );
        }
        Visibility::Direct { .. } => {
            let _ = write!(out, " <span class=\"badge\">{}</span>", w.direct);
        }
        _ => {}
    }
    let _ = write!(
        out,
        " <a class=\"meta when\" href=\"/posts/{id}\">{}</a>",
        time(p.created_at)
    );
    if p.is_pinned_at(c.now) {
        let _ = write!(out, " <span class=\"badge pinned\">{}</span>", w.pinned);
    } else if p.announcement {
        let _ = write!(out, " <span class=\"badge\">{}</span>", w.announcement);
    }
    out.push_str("</header>");
    let _ = write!(
        out,
        "<div class=\"post-text\" dir=\"auto\">{}</div>",
        post_html(p)
    );
    let _ = write!(
        out,
        "<footer class=\"post-foot\"><div class=\"reactions\" role=\"group\" \
         aria-label=\"{}\">",
        w.reactions_label
    );
    for kind in ReactionKind::ALL {
        let n = view.stats.reactions[kind.index()];
        // The name is in the button's text (for screen readers); the emoji is for eyes.
        let name = w.reaction_names[kind.index()];
        let _ = write!(
            out,
            "<button type=\"button\" class=\"react\" data-kind=\"{}\" title=\"{name}\">\
             <span aria-hidden=\"true\">{}</span> <span class=\"sr-only\">{name}</span> \
             <span class=\"count\">{n}</span></button>",
            kind.as_str(),
            emoji(kind)
        );
    }
    out.push_str("</div>");
    if !p.is_reply() {
        let _ = write!(
            out,
            "<a class=\"thread-link\" href=\"/posts/{id}\">{} {}</a>",
            view.stats.replies,
            if view.stats.replies == 1 {
                w.reply_one
            } else {
                w.replies_link
            }
        );
    }
    out.push_str("</footer>");
    if let Some(why) = c.why {
        let _ = write!(
            out,
            "<details class=\"why\"><summary>{}</summary><ul>",
            w.why
        );
        for part in why.parts.iter().filter(|p| p.contribution > 0.0) {
            let _ = write!(
                out,
                "<li>{} <span class=\"score\">+{:.2}</span></li>",
                text(&part.label),
                part.contribution
            );
        }
        out.push_str("</ul></details>");
    }
    if !c.replies.is_empty() {
        out.push_str("<div class=\"replies\">");
        for r in &c.replies {
            out.push_str(r);
        }
        out.push_str("</div>");
    }
    out.push_str("</article>");
    out
}

fn emoji(kind: ReactionKind) -> &'static str {
    match kind {
        ReactionKind::Like => "👍",
        ReactionKind::Celebrate => "🎉",
        ReactionKind::Support => "💪",
        ReactionKind::Insightful => "💡",
        ReactionKind::Funny => "😄",
    }
}

/// The page around `main`: header with navigation, the unread count, who you are.
pub struct Frame<'a> {
    pub w: &'static Words,
    pub title: &'a str,
    pub me: &'a Person,
    pub unread: usize,
    /// `home`, `search`, `notifications` or empty: marks the current link.
    pub current: &'a str,
}

/// A whole page.
pub fn page(f: &Frame<'_>, main: &str) -> String {
    let w = f.w;
    let cur = |name: &str| {
        if f.current == name {
            " aria-current=\"page\""
        } else {
            ""
        }
    };
    let hidden = if f.unread == 0 { " hidden" } else { "" };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Willemsen intranet</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\">\
         <script src=\"/static/app.js\" defer></script></head>\
         <body data-me=\"{me_id}\" data-new-one=\"{new_one}\" data-new-many=\"{new_many}\" \
         data-unread=\"{unread_t}\" data-suggestions=\"{sugg}\" data-failed=\"{failed}\" \
         data-unknown-handle=\"{unknown}\" data-published=\"{published}\">\
         <a class=\"skip\" href=\"#main\">{skip}</a>\
         <header class=\"top\"><nav aria-label=\"{nav}\"><ul>\
         <li><a href=\"/\"{c_home}>{home}</a></li>\
         <li><a href=\"/search\"{c_search}>{search}</a></li>\
         <li><a href=\"/notifications\"{c_notes}>{notes} <span id=\"unread\" class=\"count-badge\"{hidden}>\
         <span id=\"unread-n\">{unread}</span> <span class=\"sr-only\">{unread_word}</span></span></a></li>\
         </ul></nav>\
         <div class=\"who\"><span>{you} <a href=\"/people/{me_handle}\">{me_name}</a></span>\
         <form method=\"post\" action=\"/sign-out\"><button type=\"submit\">{sign_out}</button></form></div>\
         <p class=\"demo-notice\">{notice}</p></header>\
         <div id=\"live-status\" class=\"sr-only\" role=\"status\" aria-live=\"polite\"></div>\
         <main id=\"main\" tabindex=\"-1\">{main}</main></body></html>",
        lang = w.lang,
        title = text(f.title),
        me_id = attr(f.me.id.as_str()),
        new_one = attr(w.js_new_one),
        new_many = attr(w.js_new_many),
        unread_t = attr(w.js_unread),
        sugg = attr(w.js_suggestions),
        failed = attr(w.js_failed),
        unknown = attr(w.js_unknown_handle),
        published = attr(w.js_published),
        skip = w.skip,
        nav = w.nav_label,
        c_home = cur("home"),
        home = w.home,
        c_search = cur("search"),
        search = w.search,
        c_notes = cur("notifications"),
        notes = w.notifications,
        unread = f.unread,
        unread_word = w.unread,
        you = w.signed_in_as,
        me_handle = seg(&f.me.handle),
        me_name = text(&f.me.name),
        sign_out = w.sign_out,
        notice = w.demo_notice,
    )
}

/// A bare page (sign-in, errors) without the signed-in header.
pub fn bare(lang: &str, title: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Willemsen intranet</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><main id=\"main\">{main}</main></body></html>",
        text(title)
    )
}
