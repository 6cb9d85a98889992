//! Each page's HTML, snapshotted with the fixed household at the fixed clock.

use super::fixture::{household, XSS_TITLE};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, String, String) {
    let res = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, ct, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn index_page_snapshot() {
    let h = household().await;
    let router = hearth_server::router(h.state.clone());
    let (status, ct, html) = get(&router, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    // The probe title is escaped, never emitted as a tag.
    assert!(!html.contains(XSS_TITLE));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    insta::assert_snapshot!("index", html);
}

#[tokio::test]
async fn index_page_with_profile_and_vibe_snapshot() {
    let h = household().await;
    let router = hearth_server::router(h.state.clone());
    let (status, _, html) = get(&router, "/?profile=bob&vibe=calm+acoustic&alpha=0.3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<q>calm acoustic</q>"));
    insta::assert_snapshot!("index_bob_calm", html);
}

#[tokio::test]
async fn profile_page_snapshot() {
    let h = household().await;
    let router = hearth_server::router(h.state.clone());
    let (status, _, html) = get(&router, "/profiles/alice").await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_snapshot!("profile_alice", html);
}

#[tokio::test]
async fn unknown_profile_page_is_a_404_page() {
    let h = household().await;
    let router = hearth_server::router(h.state.clone());
    let (status, ct, html) = get(&router, "/profiles/%3Cb%3Enobody").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("text/html"));
    assert!(html.contains("&lt;b&gt;nobody"));
    insta::assert_snapshot!("profile_not_found", html);
}

#[tokio::test]
async fn bad_alpha_is_reported_in_the_section() {
    let h = household().await;
    let router = hearth_server::router(h.state.clone());
    let (status, _, html) = get(&router, "/?alpha=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("alpha &quot;2&quot; must be a number in [0, 1]"),
        "{html}"
    );
}

#[tokio::test]
async fn static_assets_are_served() {
    let h = household().await;
    let router = hearth_server::router(h.state.clone());
    let (status, ct, js) = get(&router, hearth_server::dashboard::SCRIPT_PATH).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/javascript"));
    assert!(js.contains("/api/feedback"));
    let (status, ct, css) = get(&router, hearth_server::dashboard::STYLE_PATH).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/css"));
    assert!(css.contains("@media"));
}
