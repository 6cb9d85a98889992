//! Listen ingestion: deduplication under concurrency and the injected clock.

use crate::support::TestApp;
use axum::http::StatusCode;
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_identical_listens_are_stored_once_then_again_after_61s() {
    let app = TestApp::new().await;
    let body = r#"{"title":"Hysteria","artist":"Muse","speaker_name":"Study speaker"}"#;
    let results =
        join_all((0..50).map(|_| app.call("POST", "/api/history/webhook", Some(body)))).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::OK));
    let stored = results.iter().filter(|(_, r)| r["status"] == "ok").count();
    let dups = results
        .iter()
        .filter(|(_, r)| r["status"] == "duplicate")
        .count();
    assert_eq!((stored, dups), (1, 49));
    assert_eq!(app.listens().await, 1);

    app.clock.advance_ms(30_000);
    let (_, r) = app.call("POST", "/api/history/webhook", Some(body)).await;
    assert_eq!(r["status"], "duplicate", "still inside the 60-s window");
    app.clock.advance_ms(31_000);
    let (_, r) = app.call("POST", "/api/history/webhook", Some(body)).await;
    assert_eq!(
        r["status"], "ok",
        "61 s after the first listen it is stored again"
    );
    assert_eq!(app.listens().await, 2);
}

#[tokio::test]
async fn dedup_is_per_profile_and_per_recording() {
    let app = TestApp::new().await;
    let (_, a) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Song","artist":"A","profile":"alice"}"#),
        )
        .await;
    let (_, b) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Song","artist":"A","profile":"bob"}"#),
        )
        .await;
    let (_, c) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Song (Remastered 2011)","artist":"A","profile":"alice"}"#),
        )
        .await;
    assert_eq!(
        (
            a["status"].as_str(),
            b["status"].as_str(),
            c["status"].as_str()
        ),
        (Some("ok"), Some("ok"), Some("duplicate"))
    );
    assert_eq!(
        a["track_id"], c["track_id"],
        "a remaster is the same recording"
    );
}

#[tokio::test]
async fn explicit_timestamps_and_short_plays() {
    let app = TestApp::new().await;
    let (s, r) = app
        .call("POST", "/api/history/webhook", Some(r#"{"title":"Old","artist":"A","timestamp":"2024-01-15T10:30:00Z","ms_played":12000,"duration_ms":200000}"#))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, recent) = app.call("GET", "/api/history/recent", None).await;
    let e = &recent["events"][0];
    assert_eq!(e["listened_at"], "2024-01-15T10:30:00.000Z");
    assert_eq!(
        e["skipped"], true,
        "a 12-s play of a 200-s track is a skip signal"
    );
    let (_, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Epoch","artist":"A","timestamp":1705314600}"#),
        )
        .await;
    assert_eq!(r["status"], "ok");
}

#[tokio::test]
async fn feedback_targets_the_named_profile() {
    let app = TestApp::new().await;
    let (_, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Song","artist":"A","profile":"alice"}"#),
        )
        .await;
    let track = r["track_id"].as_i64().unwrap();
    let body = serde_json::json!({"track_id": track, "profile": "alice", "kind": "like", "vibe": "late-night jazz"}).to_string();
    let (s, f) = app.call("POST", "/api/feedback", Some(&body)).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert_eq!(
        (f["profile"].as_str(), f["vibe"].as_str()),
        (Some("alice"), Some("late-night jazz"))
    );
    let alice = app.store.get_profile("alice").await.unwrap().unwrap();
    assert_eq!(
        app.store.feedback_of_profile(alice.id).await.unwrap().len(),
        1
    );
    for (body, status, field) in [
        (
            serde_json::json!({"track_id": track, "kind": "meh"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("kind"),
        ),
        (
            serde_json::json!({"track_id": track, "kind": "play", "rating": 2.0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("rating"),
        ),
        (
            serde_json::json!({"track_id": 999_999, "kind": "like"}),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            serde_json::json!({"track_id": track, "kind": "like", "profile": "nobody"}),
            StatusCode::NOT_FOUND,
            None,
        ),
    ] {
        let (s, e) = app
            .call("POST", "/api/feedback", Some(&body.to_string()))
            .await;
        assert_eq!((s, e["field"].as_str()), (status, field), "{body}");
    }
    assert_eq!(app.store.status_counts().await.unwrap().feedback, 1);
}
