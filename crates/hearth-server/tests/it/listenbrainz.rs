//! `/1/submit-listens` and `/1/validate-token`: ListenBrainz's payloads, limits and error shape.

use crate::support::TestApp;
use axum::http::StatusCode;
use hearth_core::token::hash_token;
use serde_json::json;

async fn app_with_token(profile: &str, token: &str) -> TestApp {
    let app = TestApp::new().await;
    let (p, _) = app
        .store
        .ensure_profile(profile, crate::support::T0)
        .await
        .unwrap();
    app.store
        .set_token_hash(p.id, &hash_token(token))
        .await
        .unwrap();
    app
}

fn listen(ts: i64, title: &str) -> serde_json::Value {
    json!({"listened_at": ts, "track_metadata": {"artist_name": "Boards of Canada", "track_name": title, "release_name": "Geogaddi"}})
}

#[tokio::test]
async fn validate_token_answers_like_listenbrainz() {
    let app = app_with_token("alice", "tok-alice").await;
    let (s, v) = app
        .call_with(
            "GET",
            "/1/validate-token",
            None,
            &[("authorization", "Token tok-alice")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"code": 200, "message": "Token valid.", "valid": true, "user_name": "alice"})
    );
    let (s, v) = app
        .call("GET", "/1/validate-token?token=tok-alice", None)
        .await;
    assert_eq!((s, v["valid"].clone()), (StatusCode::OK, json!(true)));
    let (s, v) = app
        .call_with(
            "GET",
            "/1/validate-token",
            None,
            &[("authorization", "Token nope")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"code": 200, "message": "Token invalid.", "valid": false})
    );
    let (s, v) = app.call("GET", "/1/validate-token", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        v,
        json!({"code": 401, "error": "You need to provide an Authorization token."})
    );
}

#[tokio::test]
async fn submit_single_import_and_playing_now() {
    let app = app_with_token("alice", "tok-alice").await;
    let auth = [("authorization", "Token tok-alice")];
    let single =
        json!({"listen_type": "single", "payload": [listen(1_699_990_000, "Dawn Chorus")]})
            .to_string();
    let (s, v) = app
        .call_with("POST", "/1/submit-listens", Some(&single), &auth)
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({"status": "ok"})));
    // Re-sending the same listen (a client retry) stores nothing new.
    let (s, _) = app
        .call_with("POST", "/1/submit-listens", Some(&single), &auth)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.listens().await, 1);
    let import = json!({"listen_type": "import", "payload": [listen(1_699_980_000, "Julie and Candy"), listen(1_699_970_000, "Alpha and Omega")]}).to_string();
    let (s, _) = app
        .call_with("POST", "/1/submit-listens", Some(&import), &auth)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.listens().await, 3);
    let now = json!({"listen_type": "playing_now", "payload": [{"track_metadata": {"artist_name": "Boards of Canada", "track_name": "Music Is Math"}}]}).to_string();
    let (s, v) = app
        .call_with("POST", "/1/submit-listens", Some(&now), &auth)
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({"status": "ok"})));
    assert_eq!(app.listens().await, 3, "playing_now is not stored");
    let p = app.store.get_profile("alice").await.unwrap().unwrap();
    let recent = app.store.recent_listens(Some(p.id), 10).await.unwrap();
    assert_eq!(recent.len(), 3, "the listens land on the token's profile");
    assert!(recent.iter().all(|l| l.source == "listenbrainz-api"));
}

#[tokio::test]
async fn errors_use_listenbrainz_shape() {
    let app = app_with_token("alice", "tok-alice").await;
    let body =
        json!({"listen_type": "single", "payload": [listen(1_699_990_000, "X")]}).to_string();
    let (s, v) = app.call("POST", "/1/submit-listens", Some(&body)).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNAUTHORIZED,
            json!({"code": 401, "error": "You need to provide an Authorization header."})
        )
    );
    let (s, v) = app
        .call_with(
            "POST",
            "/1/submit-listens",
            Some(&body),
            &[("authorization", "Token wrong")],
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNAUTHORIZED,
            json!({"code": 401, "error": "Invalid authorization token."})
        )
    );
    let auth = [("authorization", "Token tok-alice")];
    let (s, v) = app
        .call_with("POST", "/1/submit-listens", Some("{not json"), &auth)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with("Cannot parse JSON document"),
        "{v}"
    );
    let empty_artist = json!({"listen_type": "single", "payload": [{"listened_at": 1_699_990_000, "track_metadata": {"artist_name": "", "track_name": "T"}}]}).to_string();
    let (s, v) = app
        .call_with("POST", "/1/submit-listens", Some(&empty_artist), &auth)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], 400);
    assert!(v.get("message").is_none(), "not Hearth's error shape: {v}");
    assert_eq!(app.listens().await, 0);
}

#[tokio::test]
async fn submit_is_exempt_from_the_write_token_but_needs_a_profile_token() {
    let app = TestApp::with_env(&[("HEARTH_API_TOKEN", "admin-secret")]).await;
    let (p, _) = app
        .store
        .ensure_profile("bob", crate::support::T0)
        .await
        .unwrap();
    app.store
        .set_token_hash(p.id, &hash_token("tok-bob"))
        .await
        .unwrap();
    let body =
        json!({"listen_type": "single", "payload": [listen(1_699_990_000, "Roygbiv")]}).to_string();
    let (s, _) = app
        .call_with(
            "POST",
            "/1/submit-listens",
            Some(&body),
            &[("authorization", "Token tok-bob")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.listens().await, 1);
}
