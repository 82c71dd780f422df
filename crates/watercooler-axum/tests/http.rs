//! The router driven in-process (no network): status codes, bodies, idempotency, privacy
//! and the SSE stream with resume.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use watercooler::{
    Group, GroupKind, MemoryDirectory, MemoryStore, Person, TenantId, Viewer, Watercooler,
};
use watercooler_axum::http::{Request, StatusCode, request::Parts};
use watercooler_axum::{AuthError, Authenticate, Builder, async_trait};

/// Test authentication: the `x-test-viewer: person` header, tenant `acme`.
struct TestAuth;

#[async_trait]
impl Authenticate for TestAuth {
    async fn viewer(&self, parts: &Parts) -> Result<Viewer, AuthError> {
        let person = parts
            .headers
            .get("x-test-viewer")
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthError::Unauthenticated)?;
        Ok(Viewer::new("acme", person))
    }
}

fn app() -> Router {
    let acme = TenantId::new("acme");
    let dir = MemoryDirectory::new();
    for (id, handle) in [("ann", "ann"), ("bob", "bob"), ("eve", "eve")] {
        dir.add_person(&acme, Person::new(id, handle, handle))
            .unwrap();
    }
    let mut boss = Person::new("boss", "boss", "The Boss");
    boss.admin = true;
    dir.add_person(&acme, boss).unwrap();
    dir.add_group(
        &acme,
        Group {
            id: "hr".into(),
            name: "HR".into(),
            kind: GroupKind::Team,
            private: true,
        },
    )
    .unwrap();
    dir.add_member(&acme, &"hr".into(), &"ann".into()).unwrap();
    let wc = Watercooler::builder(Arc::new(MemoryStore::new()), Arc::new(dir)).build();
    Builder::new(wc, Arc::new(TestAuth))
        .heartbeat(Duration::from_millis(200))
        .build()
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    who: &str,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("x-test-viewer", who);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v)
}

/// Publishes as `who`.
async fn publish(app: &Router, who: &str, body: Value) -> (StatusCode, Value) {
    call(app, "POST", "/v1/posts", who, Some(body), &[]).await
}

/// GETs `uri` as `who`.
async fn get(app: &Router, uri: &str, who: &str) -> (StatusCode, Value) {
    call(app, "GET", uri, who, None, &[]).await
}

#[tokio::test]
async fn publish_then_read() {
    let app = app();
    let (st, post) = publish(&app, "ann", json!({"text": "Hello #team @bob"})).await;
    assert_eq!(st, StatusCode::CREATED, "{post}");
    let id = post["id"].as_str().unwrap();
    assert_eq!(post["hashtags"][0]["key"], "team");
    let (st, view) = get(&app, &format!("/v1/posts/{id}"), "bob").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(view["post"]["text"], "Hello #team @bob");
    let (st, feed) = get(&app, "/v1/feeds/home", "bob").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(feed["items"][0]["post"]["post"]["id"], id);
    assert!(
        !feed["items"][0]["explanation"]["parts"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (st, notes) = get(&app, "/v1/notifications", "bob").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(notes["items"][0]["kind"], "mention");
}

#[tokio::test]
async fn forbidden_and_missing_are_the_same_404() {
    let app = app();
    let (_, post) = publish(&app, "ann", json!({"text": "salaries", "group": "hr"})).await;
    let id = post["id"].as_str().unwrap();
    let (st_forbidden, body_forbidden) = get(&app, &format!("/v1/posts/{id}"), "eve").await;
    let missing = "00000000000000000000000000";
    let (st_missing, body_missing) = get(&app, &format!("/v1/posts/{missing}"), "eve").await;
    assert_eq!(st_forbidden, StatusCode::NOT_FOUND);
    assert_eq!(st_missing, StatusCode::NOT_FOUND);
    assert_eq!(body_forbidden, body_missing);
    let (st, _) = get(&app, "/v1/posts/not-an-id", "eve").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn non_member_never_gets_a_private_group_post() {
    let app = app();
    let (_, post) = publish(
        &app,
        "ann",
        json!({"text": "secret #payroll", "group": "hr"}),
    )
    .await;
    let id = post["id"].as_str().unwrap().to_owned();
    for uri in [
        "/v1/feeds/home".to_owned(),
        "/v1/feeds/groups/hr".to_owned(),
        "/v1/feeds/hashtags/payroll".to_owned(),
        "/v1/feeds/people/ann".to_owned(),
        format!("/v1/posts/{id}/thread"),
        "/v1/trends".to_owned(),
        "/v1/suggestions?prefix=%23pay".to_owned(),
    ] {
        let (_, body) = get(&app, &uri, "eve").await;
        let text = body.to_string();
        assert!(
            !text.contains(&id) && !text.contains("secret"),
            "{uri}: {text}"
        );
    }
    let (st, _) = call(
        &app,
        "POST",
        &format!("/v1/posts/{id}/replies"),
        "eve",
        Some(json!({"text": "hi"})),
        &[],
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, body) = get(&app, "/v1/feeds/groups/hr", "ann").await;
    assert!(body.to_string().contains(&id));
}

#[tokio::test]
async fn error_bodies() {
    let app = app();
    let (st, body) = publish(&app, "ann", json!({"text": ""})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["kind"], "invalid");
    assert_eq!(body["error"]["field"], "text");
    assert!(body["error"]["message"].is_string());

    let req = Request::post("/v1/posts")
        .header("x-test-viewer", "ann")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let (st, body) = get(&app, "/v1/feeds/home?limit=0", "ann").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "limit");

    let req = Request::get("/v1/feeds/home").body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let big = "x".repeat(100 * 1024);
    let (st, body) = publish(&app, "ann", json!({"text": big})).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["kind"], "too_large");

    // Admin endpoints: a non-admin gets the plain 404.
    let (st, _) = get(&app, "/v1/admin/people/bob/export", "ann").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn idempotency_key_retry_returns_the_same_post() {
    let app = app();
    let key = [("idempotency-key", "k-1")];
    let body = json!({"text": "only once"});
    let (st1, first) = call(&app, "POST", "/v1/posts", "ann", Some(body.clone()), &key).await;
    let (st2, second) = call(&app, "POST", "/v1/posts", "ann", Some(body), &key).await;
    assert_eq!((st1, st2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], second["id"]);
    let (st, conflict) = call(
        &app,
        "POST",
        "/v1/posts",
        "ann",
        Some(json!({"text": "other"})),
        &key,
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{conflict}");
    let (_, feed) = get(&app, "/v1/feeds/people/ann", "ann").await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = app();
    let (st, doc) = get(&app, "/openapi.json", "ann").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["paths"].as_object().unwrap().len(), 19);
    assert!(doc["paths"]["/v1/posts"]["post"]["responses"]["422"].is_object());
    let links = &doc["paths"]["/v1/posts"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["get_post"]["operationId"], "get_post");
    for op in [
        "get_post", "edit", "delete", "reply", "thread", "react", "unreact",
    ] {
        let found = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| p.as_object().unwrap().values())
            .any(|o| o["operationId"] == op);
        assert!(found, "no operation {op}");
    }
    // Every reference resolves (a path parameter's schema is not collected by itself).
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").expect(&r);
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "unresolved {r}"
        );
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Reads SSE frames until `want` events with an `id:` arrived or the timeout passes.
async fn read_events(body: &mut Body, want: usize) -> Vec<(u64, Value)> {
    let mut got = Vec::new();
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got.len() < want {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("timed out waiting for events")
            .expect("stream ended")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            buf.push_str(std::str::from_utf8(&data).unwrap());
        }
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(v).ok();
                }
            }
            if let (Some(id), Some(data)) = (id, data) {
                got.push((id, data));
            }
        }
    }
    got
}

async fn subscribe(app: &Router, who: &str, last: Option<u64>) -> Body {
    let mut req = Request::get("/v1/events").header("x-test-viewer", who);
    if let Some(l) = last {
        req = req.header("last-event-id", l.to_string());
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-accel-buffering"], "no");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    resp.into_body()
}

#[tokio::test]
async fn sse_delivers_and_resumes_without_duplicates() {
    let app = app();
    // Bob follows Ann so her posts are his events.
    let (st, _) = call(&app, "PUT", "/v1/follows/person/ann", "bob", None, &[]).await;
    assert_eq!(st, StatusCode::OK);
    let mut stream = subscribe(&app, "bob", None).await;
    let mut eve = subscribe(&app, "eve", None).await;
    let (_, p1) = publish(&app, "ann", json!({"text": "first"})).await;
    let got = read_events(&mut stream, 1).await;
    assert_eq!(got[0].1["type"], "posted");
    assert_eq!(got[0].1["post"]["post"]["id"], p1["id"]);
    assert_eq!(got[0].1["sources"]["followed_author"], true);
    let last = got[0].0;
    drop(stream);

    // Published while Bob is away: one in the open, one he may not see.
    publish(&app, "ann", json!({"text": "private", "group": "hr"})).await;
    let (_, p2) = publish(&app, "ann", json!({"text": "second"})).await;
    let mut resumed = subscribe(&app, "bob", Some(last)).await;
    let (_, p3) = publish(&app, "ann", json!({"text": "third"})).await;
    let got = read_events(&mut resumed, 2).await;
    let ids: Vec<&Value> = got.iter().map(|(_, e)| &e["post"]["post"]["id"]).collect();
    assert_eq!(ids, vec![&p2["id"], &p3["id"]], "{got:?}");
    assert!(got.iter().all(|(seq, _)| *seq > last));

    // Eve, who follows nobody, received nothing of the private post either way.
    let none = tokio::time::timeout(Duration::from_millis(300), async {
        loop {
            match eve.frame().await {
                Some(Ok(f)) => {
                    if let Ok(d) = f.into_data() {
                        let s = String::from_utf8_lossy(&d).to_string();
                        if s.contains("private") {
                            return s;
                        }
                    }
                }
                _ => return String::new(),
            }
        }
    })
    .await;
    assert!(
        none.is_err() || none.as_ref().is_ok_and(String::is_empty),
        "{none:?}"
    );

    let (st, _) = call(
        &app,
        "GET",
        "/v1/events",
        "bob",
        None,
        &[("last-event-id", "x")],
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn admin_endpoints_need_the_directory_admin_flag() {
    let app = app();
    publish(&app, "bob", json!({"text": "mine"})).await;
    let (st, _) = get(&app, "/v1/admin/people/bob/export", "ann").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, doc) = get(&app, "/v1/admin/people/bob/export", "boss").await;
    assert_eq!(st, StatusCode::OK, "{doc}");
    assert_eq!(doc["person"], "bob");
    assert!(doc.to_string().contains("mine"));
    let (st, report) = call(
        &app,
        "POST",
        "/v1/admin/people/bob/erase",
        "boss",
        None,
        &[],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{report}");
    assert_eq!(report["posts"], 1);
    let (_, feed) = get(&app, "/v1/feeds/people/bob", "ann").await;
    assert!(feed["items"].as_array().unwrap().is_empty());
}
