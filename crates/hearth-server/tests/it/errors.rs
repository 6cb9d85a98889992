//! Every error path answers with the documented status and body, and writes nothing.

use crate::support::TestApp;
use axum::http::StatusCode;

async fn assert_nothing_written(app: &TestApp) {
    let c = app.store.status_counts().await.unwrap();
    assert_eq!(
        (c.listens, c.tracks, c.profiles),
        (0, 0, 1),
        "no row written"
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::new().await;
    for body in [r#"{"title": "x", "artist": }"#, "not json", "[1,2]", ""] {
        let (s, e) = app.call("POST", "/api/history/webhook", Some(body)).await;
        assert_eq!(
            (s, e["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid-json")),
            "{body:?}: {e}"
        );
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_nothing_written(&app).await;
}

#[tokio::test]
async fn missing_or_empty_title_and_artist_are_422_naming_the_field() {
    let app = TestApp::new().await;
    for (body, field) in [
        (r#"{"artist":"Radiohead"}"#, "title"),
        (r#"{"title":"Creep"}"#, "artist"),
        (r#"{"title":"  ","artist":"Radiohead"}"#, "title"),
        (r#"{"title":"Creep","artist":""}"#, "artist"),
        (r#"{"title":42,"artist":"Radiohead"}"#, "title"),
        (
            r#"{"title":"Creep","artist":"Radiohead","ms_played":-5}"#,
            "ms_played",
        ),
        (
            r#"{"title":"Creep","artist":"Radiohead","timestamp":"yesterday"}"#,
            "timestamp",
        ),
    ] {
        let (s, e) = app.call("POST", "/api/history/webhook", Some(body)).await;
        assert_eq!(
            (s, e["error"].as_str(), e["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid-value"),
                Some(field)
            ),
            "{body}: {e}"
        );
    }
    assert_nothing_written(&app).await;
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let app = TestApp::with_env(&[("HEARTH_SERVER_BODY_LIMIT_BYTES", "2048")]).await;
    let big = format!(r#"{{"title":"{}","artist":"A"}}"#, "x".repeat(4096));
    let (s, e) = app.call("POST", "/api/history/webhook", Some(&big)).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload-too-large")),
        "{e}"
    );
    assert_nothing_written(&app).await;
    // The default limit is 1 MiB.
    let app = TestApp::new().await;
    let big = format!(
        r#"{{"title":"{}","artist":"A"}}"#,
        "x".repeat(1024 * 1024 + 1)
    );
    let (s, _) = app.call("POST", "/api/history/webhook", Some(&big)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn invalid_profile_names_are_422() {
    let app = TestApp::new().await;
    for name in ["Alice", "-x", "a b", "../etc", &"a".repeat(65)] {
        let body = serde_json::json!({"title": "Song", "artist": "A", "profile": name}).to_string();
        let (s, e) = app.call("POST", "/api/history/webhook", Some(&body)).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("profile")),
            "{name}"
        );
        let body = serde_json::json!({"name": name}).to_string();
        let (s, e) = app.call("POST", "/api/profiles", Some(&body)).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("name")),
            "{name}"
        );
    }
    assert_nothing_written(&app).await;
}

#[tokio::test]
async fn unknown_profile_on_a_read_is_404() {
    let app = TestApp::new().await;
    for uri in [
        "/api/profiles/nobody",
        "/api/profiles/nobody/speakers",
        "/api/history/recent?profile=nobody",
    ] {
        let (s, e) = app.call("GET", uri, None).await;
        assert_eq!(
            (s, e["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("profile-not-found")),
            "{uri}"
        );
    }
    let (s, e) = app
        .call(
            "PUT",
            "/api/profiles/nobody/speakers",
            Some(r#"{"speakers":["x"]}"#),
        )
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("profile-not-found"))
    );
    let (s, _) = app.call("DELETE", "/api/profiles/nobody", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_nothing_written(&app).await;
}

#[tokio::test]
async fn deleting_default_is_409_and_keeps_it() {
    let app = TestApp::new().await;
    let (s, e) = app.call("DELETE", "/api/profiles/default", None).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let (s, _) = app.call("GET", "/api/profiles/default", None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn creating_an_existing_profile_is_409() {
    let app = TestApp::new().await;
    assert_eq!(
        app.call("POST", "/api/profiles", Some(r#"{"name":"bob"}"#))
            .await
            .0,
        StatusCode::CREATED
    );
    let (s, e) = app
        .call("POST", "/api/profiles", Some(r#"{"name":"bob"}"#))
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let (s, e) = app
        .call("POST", "/api/profiles", Some(r#"{"name":"default"}"#))
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
}

#[tokio::test]
async fn bad_query_parameters_are_422() {
    let app = TestApp::new().await;
    let (s, e) = app
        .call("GET", "/api/history/recent?limit=lots", None)
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
        "{e}"
    );
}

#[tokio::test]
async fn unknown_routes_are_404_in_the_error_shape() {
    let app = TestApp::new().await;
    let (s, e) = app.call("GET", "/api/nothing-here", None).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not-found"))
    );
}

#[tokio::test]
async fn write_token_protects_writes_only() {
    let app = TestApp::with_env(&[("HEARTH_API_TOKEN", "s3cret")]).await;
    let body = r#"{"title":"Song","artist":"A"}"#;
    let (s, e) = app.call("POST", "/api/history/webhook", Some(body)).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, _) = app
        .call_with(
            "POST",
            "/api/history/webhook",
            Some(body),
            &[("authorization", "Bearer wrong")],
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_nothing_written(&app).await;
    let (s, _) = app
        .call_with(
            "POST",
            "/api/history/webhook",
            Some(body),
            &[("authorization", "Bearer s3cret")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call("GET", "/api/history/recent", None).await;
    assert_eq!(s, StatusCode::OK, "reads stay open");
}
