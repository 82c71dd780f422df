//! The intranet: server-rendered pages over the SDK, `watercooler-axum`'s HTTP API for the
//! page's scripts (publishing, reactions, suggestions, notifications, the live stream), and
//! the files in `static/`. See `docs/web-demo.md`.

mod html;
mod i18n;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use watercooler::watercooler_text::handle_key;
use watercooler::{
    Cursor, Error, ErrorKind, GroupId, Language, NewPost, PageRequest, Person, PersonId, PostView,
    RequestKey, Viewer, Watercooler,
};
use watercooler_axum::http::request::Parts;
use watercooler_axum::{AuthError, Authenticate, async_trait};
use watercooler_workspace::demo::company::Company;
use watercooler_workspace::demo::{self, Demo, DemoError, Options};

use html::{Card, Frame, attr, seg, text};
use i18n::Words;

/// The demo sign-in cookie: `tenant/person`.
pub const COOKIE: &str = "wc_demo_viewer";

/// The Content-Security-Policy of every response: scripts, styles and connections from
/// this origin only, no inline code, no plugins, no framing, and Trusted Types, so that
/// the only way to put HTML into the page from script is the one policy in `app.js`.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types wc-fragments";

const APP_JS: &str = include_str!("static/app.js");
const APP_CSS: &str = include_str!("static/app.css");

/// How long the welcome announcement stays pinned after the demo's "now".
const PINNED_DAYS: i64 = 30;
const WELCOME: &str = "Welkom op het nieuwe intranet! Stel je voor met #onboarding, \
    en kijk bij Trending wat er speelt. Welcome to the new intranet, colleagues!";

/// The demo company, open, with the intranet on top.
pub struct Intranet {
    demo: Demo,
    app: App,
}

impl Intranet {
    /// Creates (or reuses) the demo company in `options.data_dir`, with a pinned welcome
    /// announcement by the company's admin.
    pub async fn open(options: &Options) -> Result<Intranet, DemoError> {
        let demo = demo::open(options).await?;
        welcome(&demo).await?;
        let people: HashMap<PersonId, Person> = demo
            .company
            .people
            .iter()
            .map(|p| (p.id.clone(), p.clone()))
            .collect();
        let by_handle = demo
            .company
            .people
            .iter()
            .map(|p| (handle_key(&p.handle).as_str().to_owned(), p.id.clone()))
            .collect();
        let app = App(Arc::new(Inner {
            wc: demo.wc.clone(),
            company: demo.company.clone(),
            now: demo.now,
            people,
            by_handle,
        }));
        Ok(Intranet { demo, app })
    }

    /// The company's people, the demo employee first and a member of the private group
    /// second.
    pub fn company(&self) -> &Company {
        &self.demo.company
    }

    /// The whole site: pages, static files, and the HTTP API under `/v1`.
    pub fn router(&self) -> Router {
        let api =
            watercooler_axum::Builder::new(self.app.0.wc.clone(), Arc::new(DemoCookie)).build();
        Router::new()
            .route("/", get(home))
            .route("/sign-in", get(sign_in_page).post(sign_in))
            .route("/sign-out", post(sign_out))
            .route("/posts/{id}", get(thread_page))
            .route("/search", get(search_page))
            .route("/tags/{tag}", get(tag_page))
            .route("/groups/{group}", get(group_page))
            .route("/people/{handle}", get(profile_page))
            .route("/notifications", get(notifications_page))
            .route("/fragments/posts/{id}", get(post_fragment))
            .route(
                "/static/app.js",
                get(|| async { asset("text/javascript", APP_JS) }),
            )
            .route(
                "/static/app.css",
                get(|| async { asset("text/css", APP_CSS) }),
            )
            .with_state(self.app.clone())
            .merge(api)
            .layer(middleware::from_fn(guard))
    }

    /// Releases the search index and the store.
    pub async fn close(self) -> Result<(), DemoError> {
        self.demo.close().await
    }
}

/// Publishes the welcome announcement once (its request key makes a second run return the
/// first post) and pins it.
async fn welcome(demo: &Demo) -> Result<(), DemoError> {
    let Some(admin) = demo.company.admin() else {
        return Ok(());
    };
    let viewer = Viewer::new(demo.company.tenant.clone(), admin.id.clone());
    let post = NewPost::new(WELCOME)
        .language(Language::dutch())
        .announcement()
        .request_key(RequestKey::new("intranet-welcome")?);
    let post = demo.wc.publish(&viewer, post).await?;
    if post.pinned_until.is_none() {
        let until = demo.now + Duration::days(PINNED_DAYS);
        demo.wc.pin(&viewer, &post.id, until).await?;
    }
    Ok(())
}

#[derive(Clone)]
struct App(Arc<Inner>);

struct Inner {
    wc: Watercooler,
    company: Company,
    now: DateTime<Utc>,
    people: HashMap<PersonId, Person>,
    /// Handle key → person, for `/people/{handle}` and mention links.
    by_handle: HashMap<String, PersonId>,
}

/// The viewer named by the demo cookie. **Not authentication**: anyone can set it to
/// anyone. A real host reads its own session here.
fn cookie_viewer(headers: &HeaderMap) -> Option<Viewer> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .and_then(|(_, v)| v.split_once('/'))
        .filter(|(t, p)| !t.is_empty() && !p.is_empty())
        .map(|(t, p)| Viewer::new(t, p))
}

/// The HTTP API's authenticator: the same cookie as the pages.
struct DemoCookie;

#[async_trait]
impl Authenticate for DemoCookie {
    async fn viewer(&self, parts: &Parts) -> Result<Viewer, AuthError> {
        cookie_viewer(&parts.headers).ok_or(AuthError::Unauthenticated)
    }
}

/// Security headers on every response, and a same-origin check on every write: the
/// cookie is `SameSite=Strict` already; this is the defence in depth `docs/http.md` asks
/// for, since bodiless writes (reactions) have no content type to protect them.
async fn guard(req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write {
        let fetch_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok());
        if matches!(fetch_site, Some(s) if s != "same-origin" && s != "none") {
            return (StatusCode::FORBIDDEN, "cross-site write refused").into_response();
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(if kind == "text/css" {
                    "text/css; charset=utf-8"
                } else {
                    "text/javascript; charset=utf-8"
                }),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// Who is looking, in which language.
struct Me {
    viewer: Viewer,
    person: Person,
    w: &'static Words,
}

impl App {
    fn me(&self, headers: &HeaderMap) -> Option<Me> {
        let viewer = cookie_viewer(headers)?;
        if viewer.tenant != self.0.company.tenant {
            return None;
        }
        let person = self.0.people.get(&viewer.person)?.clone();
        let w = i18n::words(person.locale.as_deref());
        Some(Me { viewer, person, w })
    }

    fn person(&self, id: &PersonId) -> Option<&Person> {
        self.0.people.get(id)
    }

    fn group_name(&self, id: &GroupId) -> Option<&str> {
        self.0
            .company
            .groups
            .iter()
            .find(|g| &g.id == id)
            .map(|g| g.name.as_str())
    }

    fn card(&self, me: &Me, view: &PostView) -> String {
        self.card_with(me, view, None, Vec::new())
    }

    fn card_with(
        &self,
        me: &Me,
        view: &PostView,
        why: Option<&watercooler::Explanation>,
        replies: Vec<String>,
    ) -> String {
        let group = match &view.post.visibility {
            watercooler::Visibility::Group { group } => self.group_name(group),
            _ => None,
        };
        html::card(
            view,
            &Card {
                w: me.w,
                now: self.0.now,
                author: self.person(&view.post.author),
                group,
                why,
                replies,
            },
        )
    }

    async fn unread(&self, me: &Me) -> usize {
        self.0
            .wc
            .notifications(&me.viewer, &PageRequest::first(50))
            .await
            .map_or(0, |p| p.items.iter().filter(|n| !n.seen).count())
    }

    async fn page(&self, me: &Me, title: &str, current: &str, main: &str) -> Response {
        let frame = Frame {
            w: me.w,
            title,
            me: &me.person,
            unread: self.unread(me).await,
            current,
        };
        html_response(StatusCode::OK, html::page(&frame, main))
    }

    async fn fail(&self, me: &Me, e: &Error) -> Response {
        let (status, msg) = match e.kind() {
            ErrorKind::NotFound | ErrorKind::Forbidden => (StatusCode::NOT_FOUND, me.w.not_found),
            ErrorKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, me.w.error),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, me.w.error),
        };
        let mut res = self
            .page(me, msg, "", &format!("<h1>{msg}</h1>"))
            .await
            .into_response();
        *res.status_mut() = status;
        res
    }

    /// The sidebar: trending hashtags and the groups.
    async fn aside(&self, me: &Me) -> String {
        let w = me.w;
        let mut out = format!(
            "<aside class=\"side\"><section aria-labelledby=\"trending-h\">\
             <h2 id=\"trending-h\">{}</h2>",
            w.trending
        );
        let trends = self
            .0
            .wc
            .trending_hashtags(&me.viewer)
            .await
            .unwrap_or_default();
        if trends.is_empty() {
            out.push_str(&format!("<p>{}</p>", w.no_trends));
        } else {
            out.push_str("<ol class=\"trends\">");
            for t in trends.iter().take(8) {
                out.push_str(&format!(
                    "<li><a href=\"/tags/{}\">#{}</a></li>",
                    seg(t.key.as_str()),
                    text(&t.display)
                ));
            }
            out.push_str("</ol>");
        }
        out.push_str(&format!(
            "</section><section aria-labelledby=\"groups-h\"><h2 id=\"groups-h\">{}</h2><ul class=\"groups\">",
            w.groups
        ));
        for g in &self.0.company.groups {
            let member = self.0.company.members_of(&g.id).contains(&me.person.id);
            let mut notes = Vec::new();
            if g.private {
                notes.push(w.private);
            }
            if member {
                notes.push(w.member);
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"meta\">({})</span>", notes.join(", "))
            };
            out.push_str(&format!(
                "<li><a href=\"/groups/{}\">{}</a>{notes}</li>",
                seg(g.id.as_str()),
                text(&g.name)
            ));
        }
        out.push_str("</ul></section></aside>");
        out
    }

    /// The composer: a textarea with `@`/`#` autocomplete (app.js), and who it is for.
    fn composer(&self, me: &Me) -> String {
        let w = me.w;
        let mut groups = String::new();
        for g in &self.0.company.groups {
            if self.0.company.members_of(&g.id).contains(&me.person.id) {
                groups.push_str(&format!(
                    "<option value=\"group:{}\">{}</option>",
                    attr(g.id.as_str()),
                    text(&g.name)
                ));
            }
        }
        format!(
            "<form id=\"composer\" class=\"composer\" data-language=\"{lang}\">\
             <label for=\"compose-text\">{label}</label>\
             <p id=\"compose-hint\" class=\"hint\">{hint}</p>\
             <div class=\"ac\"><textarea id=\"compose-text\" name=\"text\" rows=\"3\" required \
             aria-describedby=\"compose-hint\" aria-autocomplete=\"list\" \
             aria-controls=\"compose-suggestions\"></textarea>\
             <ul id=\"compose-suggestions\" class=\"suggestions\" role=\"listbox\" \
             aria-label=\"{label}\" hidden></ul></div>\
             <div class=\"row\"><label for=\"audience\">{aud}</label>\
             <select id=\"audience\" name=\"audience\"><option value=\"everyone\">{everyone}</option>\
             {groups}<option value=\"direct\">{named}</option></select>\
             <span id=\"recipients-row\" hidden><label for=\"recipients\">{rec}</label>\
             <input id=\"recipients\" name=\"recipients\" aria-describedby=\"recipients-hint\">\
             <span id=\"recipients-hint\" class=\"hint\">{rec_hint}</span></span>\
             <button type=\"submit\">{publish}</button></div>\
             <p class=\"form-status\" role=\"status\"></p></form>",
            lang = me.w.lang,
            label = w.compose_label,
            hint = w.compose_hint,
            aud = w.audience,
            everyone = w.everyone,
            named = w.named,
            rec = w.recipients,
            rec_hint = w.recipients_hint,
            publish = w.publish,
        )
    }

    /// A list of posts with an "older" link.
    fn post_list(&self, me: &Me, items: &[PostView], next: Option<&Cursor>, base: &str) -> String {
        let mut out = String::from("<div class=\"feed\">");
        for v in items {
            out.push_str(&self.card(me, v));
        }
        if items.is_empty() {
            out.push_str(&format!("<p>{}</p>", me.w.nothing));
        }
        out.push_str("</div>");
        out.push_str(&older(me.w, base, next));
        out
    }
}

fn older(w: &Words, base: &str, next: Option<&Cursor>) -> String {
    next.map_or_else(String::new, |c| {
        let sep = if base.contains('?') { '&' } else { '?' };
        format!(
            "<p><a class=\"older\" href=\"{}{sep}cursor={}\">{}</a></p>",
            attr(base),
            seg(c.as_str()),
            w.older
        )
    })
}

#[derive(Deserialize)]
struct PageParams {
    cursor: Option<String>,
}

impl PageParams {
    fn page(&self, limit: usize) -> PageRequest {
        match &self.cursor {
            Some(c) => PageRequest::after(Cursor::new(c.clone()), limit),
            None => PageRequest::first(limit),
        }
    }
}

macro_rules! me_or_sign_in {
    ($app:expr, $headers:expr) => {
        match $app.me(&$headers) {
            Some(me) => me,
            None => return Redirect::to("/sign-in").into_response(),
        }
    };
}

async fn home(State(app): State<App>, headers: HeaderMap, Query(q): Query<PageParams>) -> Response {
    let me = me_or_sign_in!(app, headers);
    let page = PageRequest {
        cursor: q.cursor.clone().map(Cursor::new),
        limit: 20,
    };
    let feed = match app.0.wc.home_feed(&me.viewer, &page).await {
        Ok(f) => f,
        Err(e) => return app.fail(&me, &e).await,
    };
    let mut main = String::from("<div class=\"columns\"><div class=\"primary\">");
    main.push_str(&app.composer(&me));
    main.push_str(&format!(
        "<h1 id=\"feed-h\">{}</h1>\
         <button type=\"button\" id=\"new-posts\" class=\"new-posts\" hidden></button>\
         <div id=\"feed\" class=\"feed\" aria-labelledby=\"feed-h\">",
        me.w.feed_heading
    ));
    for item in &feed.items {
        let replies = item.replies.iter().map(|r| app.card(&me, r)).collect();
        main.push_str(&app.card_with(&me, &item.post, Some(&item.explanation), replies));
    }
    if feed.items.is_empty() {
        main.push_str(&format!("<p>{}</p>", me.w.nothing));
    }
    main.push_str("</div>");
    main.push_str(&older(me.w, "/", feed.next.as_ref()));
    main.push_str("</div>");
    main.push_str(&app.aside(&me).await);
    main.push_str("</div>");
    app.page(&me, me.w.home, "home", &main).await
}

async fn thread_page(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Response {
    let me = me_or_sign_in!(app, headers);
    let Ok(id) = id.parse() else {
        return app.fail(&me, &Error::not_found("post")).await;
    };
    let thread = match app.0.wc.thread(&me.viewer, &id, &q.page(50)).await {
        Ok(t) => t,
        Err(e) => return app.fail(&me, &e).await,
    };
    let root = thread.root.post.id.to_string();
    let mut main = format!(
        "<h1>{}</h1><div class=\"thread\" id=\"thread\" data-root=\"{root}\">{}",
        me.w.thread,
        app.card(&me, &thread.root)
    );
    main.push_str("<div id=\"replies\" class=\"replies\">");
    for r in &thread.replies.items {
        main.push_str(&app.card(&me, r));
    }
    main.push_str("</div></div>");
    main.push_str(&older(
        me.w,
        &format!("/posts/{root}"),
        thread.replies.next.as_ref(),
    ));
    main.push_str(&format!(
        "<form id=\"reply-form\" class=\"composer\" data-root=\"{root}\">\
         <label for=\"reply-text\">{}</label>\
         <textarea id=\"reply-text\" rows=\"2\" required aria-autocomplete=\"list\" \
         aria-controls=\"reply-suggestions\"></textarea>\
         <ul id=\"reply-suggestions\" class=\"suggestions\" role=\"listbox\" aria-label=\"{}\" hidden></ul>\
         <button type=\"submit\">{}</button><p class=\"form-status\" role=\"status\"></p></form>",
        me.w.reply_label, me.w.reply_label, me.w.reply
    ));
    app.page(&me, me.w.thread, "", &main).await
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

async fn search_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<SearchParams>,
) -> Response {
    let me = me_or_sign_in!(app, headers);
    let w = me.w;
    let mut main = format!(
        "<h1>{}</h1><form class=\"search\" role=\"search\" action=\"/search\" method=\"get\">\
         <label for=\"q\">{}</label> <input type=\"search\" id=\"q\" name=\"q\" value=\"{}\" \
         aria-describedby=\"syntax\"> <button type=\"submit\">{}</button></form>\
         <details id=\"syntax\" class=\"syntax\"><summary>{}</summary><dl>",
        w.search,
        w.search_label,
        attr(&q.q),
        w.search_button,
        w.search_help
    );
    for (form, meaning) in w.search_syntax {
        main.push_str(&format!(
            "<dt><code>{}</code></dt><dd>{meaning}</dd>",
            text(form)
        ));
    }
    main.push_str("</dl></details>");
    if !q.q.trim().is_empty() {
        let page = PageParams {
            cursor: q.cursor.clone(),
        }
        .page(20);
        let results = match app.0.wc.search(&me.viewer, &q.q, &page).await {
            Ok(r) => r,
            Err(e) => return app.fail(&me, &e).await,
        };
        main.push_str(&format!(
            "<p id=\"result-count\">{} {}</p><ol class=\"results\">",
            results.total, w.results
        ));
        for hit in &results.hits {
            let p = &hit.view.post;
            let author = app
                .person(&p.author)
                .map_or_else(|| text(p.author.as_str()), |a| text(&a.name));
            let thread = p.thread_id();
            // The snippet is the SDK's: escaped text with the hits in <em>.
            main.push_str(&format!(
                "<li class=\"hit\"><p class=\"hit-head\"><a href=\"/posts/{thread}#post-{}\">{author}</a> \
                 {}</p><p class=\"snippet\" dir=\"auto\">{}</p></li>",
                p.id,
                html::time(p.created_at),
                hit.snippet
            ));
        }
        main.push_str("</ol>");
        main.push_str(&older(
            w,
            &format!("/search?q={}", seg(&q.q)),
            results.next.as_ref(),
        ));
    }
    app.page(&me, w.search, "search", &main).await
}

async fn tag_page(
    State(app): State<App>,
    headers: HeaderMap,
    Path(tag): Path<String>,
    Query(q): Query<PageParams>,
) -> Response {
    let me = me_or_sign_in!(app, headers);
    let posts = match app.0.wc.hashtag_feed(&me.viewer, &tag, &q.page(20)).await {
        Ok(p) => p,
        Err(e) => return app.fail(&me, &e).await,
    };
    let title = format!("#{tag}");
    let main = format!(
        "<h1>{}</h1>{}",
        text(&title),
        app.post_list(
            &me,
            &posts.items,
            posts.next.as_ref(),
            &format!("/tags/{}", seg(&tag))
        )
    );
    app.page(&me, &title, "", &main).await
}

async fn group_page(
    State(app): State<App>,
    headers: HeaderMap,
    Path(group): Path<String>,
    Query(q): Query<PageParams>,
) -> Response {
    let me = me_or_sign_in!(app, headers);
    let id = GroupId::new(group);
    let Some(g) = app.0.company.groups.iter().find(|g| g.id == id) else {
        return app.fail(&me, &Error::not_found("group")).await;
    };
    let members = app.0.company.members_of(&id);
    let is_member = members.contains(&me.person.id);
    let posts = match app.0.wc.group_feed(&me.viewer, &id, &q.page(20)).await {
        Ok(p) => p,
        Err(e) => return app.fail(&me, &e).await,
    };
    let w = me.w;
    let mut main = format!(
        "<h1>{}</h1><p class=\"meta\">{} {}{}</p>",
        text(&g.name),
        members.len(),
        w.members,
        if g.private {
            format!(" · {}", w.private)
        } else {
            String::new()
        }
    );
    if g.private && !is_member {
        main.push_str(&format!(
            "<p class=\"notice\" id=\"private-notice\">{}</p>",
            w.private_notice
        ));
    }
    main.push_str(&app.post_list(
        &me,
        &posts.items,
        posts.next.as_ref(),
        &format!("/groups/{}", seg(id.as_str())),
    ));
    app.page(&me, &g.name, "", &main).await
}

async fn profile_page(
    State(app): State<App>,
    headers: HeaderMap,
    Path(handle): Path<String>,
    Query(q): Query<PageParams>,
) -> Response {
    let me = me_or_sign_in!(app, headers);
    let person = app
        .0
        .by_handle
        .get(handle_key(&handle).as_str())
        .and_then(|id| app.person(id))
        .cloned();
    let Some(person) = person else {
        return app.fail(&me, &Error::not_found("person")).await;
    };
    let posts = match app
        .0
        .wc
        .profile_feed(&me.viewer, &person.id, &q.page(20))
        .await
    {
        Ok(p) => p,
        Err(e) => return app.fail(&me, &e).await,
    };
    let w = me.w;
    let mut main = format!(
        "<h1>{}</h1><dl class=\"facts\"><dt>Handle</dt><dd>@{}</dd>",
        text(&person.name),
        text(&person.handle)
    );
    if let Some(d) = &person.department {
        main.push_str(&format!("<dt>{}</dt><dd>{}</dd>", w.department, text(d)));
    }
    if let Some(m) = person.manager.as_ref().and_then(|m| app.person(m)) {
        main.push_str(&format!(
            "<dt>{}</dt><dd><a href=\"/people/{}\">{}</a></dd>",
            w.manager,
            seg(&m.handle),
            text(&m.name)
        ));
    }
    main.push_str(&format!("</dl><h2>{}</h2>", w.profile_posts));
    main.push_str(&app.post_list(
        &me,
        &posts.items,
        posts.next.as_ref(),
        &format!("/people/{}", seg(&person.handle)),
    ));
    app.page(&me, &person.name, "", &main).await
}

async fn notifications_page(State(app): State<App>, headers: HeaderMap) -> Response {
    let me = me_or_sign_in!(app, headers);
    let w = me.w;
    let notes = match app
        .0
        .wc
        .notifications(&me.viewer, &PageRequest::first(50))
        .await
    {
        Ok(n) => n,
        Err(e) => return app.fail(&me, &e).await,
    };
    let newest = notes.items.iter().map(|n| n.seq).max().unwrap_or(0);
    let mut main = format!(
        "<h1>{}</h1><ol class=\"notifications\" id=\"notifications\" data-newest=\"{newest}\">",
        w.notifications
    );
    for n in &notes.items {
        let actors: Vec<String> = n
            .actors
            .iter()
            .take(3)
            .map(|a| {
                app.person(a)
                    .map_or_else(|| text(a.as_str()), |p| text(&p.name))
            })
            .collect();
        let verb = match n.kind.as_str() {
            "mention" => w.notif_mention,
            "reply" => w.notif_reply,
            _ => w.notif_reaction,
        };
        let preview = match app.0.wc.post(&me.viewer, &n.post).await {
            Ok(v) => format!(
                "<blockquote dir=\"auto\">{}</blockquote>",
                html::post_html(&v.post)
            ),
            Err(_) => String::new(),
        };
        let unseen = if n.seen { "" } else { " unseen" };
        main.push_str(&format!(
            "<li class=\"notification{unseen}\">{} {verb} <a href=\"/posts/{}\">{}</a> {}{preview}</li>",
            actors.join(", "),
            n.post,
            w.thread.to_lowercase(),
            html::time(n.updated_at)
        ));
    }
    main.push_str("</ol>");
    if notes.items.is_empty() {
        main.push_str(&format!("<p>{}</p>", w.no_notifications));
    }
    app.page(&me, w.notifications, "notifications", &main).await
}

/// One post as the card HTML the pages use, for the page's script to insert when the
/// live stream announces it. The SDK checks visibility: a post the viewer may not see is
/// a 404 like a missing one.
async fn post_fragment(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = app.me(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(id) = id.parse() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app.0.wc.post(&me.viewer, &id).await {
        Ok(view) => html_response(StatusCode::OK, app.card(&me, &view)),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn sign_in_page(State(app): State<App>) -> Response {
    let c = &app.0.company;
    let mut main = String::from(
        "<h1>Willemsen intranet</h1>\
         <p class=\"notice\"><strong>Demo sign-in — this is not authentication.</strong> \
         Pick any employee of the demo company to see the intranet as them; anyone can pick \
         anyone. <span lang=\"nl\">Demo-aanmelding, geen echte beveiliging.</span></p>\
         <form method=\"post\" action=\"/sign-in\" class=\"sign-in\">\
         <label for=\"person\">Who are you? <span lang=\"nl\">Wie ben je?</span></label>\
         <select id=\"person\" name=\"person\">",
    );
    let mut by_dept: Vec<(&str, Vec<&Person>)> = Vec::new();
    for p in &c.people {
        let d = p.department.as_deref().unwrap_or("");
        match by_dept.iter_mut().find(|(name, _)| *name == d) {
            Some((_, list)) => list.push(p),
            None => by_dept.push((d, vec![p])),
        }
    }
    for (dept, people) in &by_dept {
        main.push_str(&format!("<optgroup label=\"{}\">", attr(dept)));
        for p in people {
            let note = if p.id == c.viewer().id {
                " — not in Project Nova"
            } else if p.id == c.insider().id {
                " — in Project Nova"
            } else if p.admin {
                " — admin"
            } else {
                ""
            };
            main.push_str(&format!(
                "<option value=\"{}\">{} (@{}){note}</option>",
                attr(p.id.as_str()),
                text(&p.name),
                text(&p.handle)
            ));
        }
        main.push_str("</optgroup>");
    }
    main.push_str("</select> <button type=\"submit\">Sign in</button></form>");
    html_response(StatusCode::OK, html::bare("en", "Sign in", &main))
}

#[derive(Deserialize)]
struct SignIn {
    person: String,
}

async fn sign_in(State(app): State<App>, Form(f): Form<SignIn>) -> Response {
    let id = PersonId::new(f.person);
    if app.person(&id).is_none() {
        return Redirect::to("/sign-in").into_response();
    }
    // The value is `tenant/person`: ids of the demo are plain ASCII, safe in a cookie.
    let cookie = format!(
        "{COOKIE}={}/{}; Path=/; HttpOnly; SameSite=Strict",
        app.0.company.tenant, id
    );
    let mut res = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

async fn sign_out() -> Response {
    let mut res = Redirect::to("/sign-in").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        ))
        .unwrap_or(HeaderValue::from_static("")),
    );
    res
}
