//! Every example request of the haunt-fm README (`seeds/001_*.txt`) and the named-profiles design
//! (`seeds/000_*.txt`) that belongs to the foundation, sent verbatim.

use crate::support::TestApp;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn named_profiles_walkthrough_verbatim() {
    let app = TestApp::new().await;
    // curl -X POST /api/profiles -d '{"name":"antialias","display_name":"Me"}'
    let (s, p) = app
        .call(
            "POST",
            "/api/profiles",
            Some(r#"{"name":"antialias","display_name":"Me"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(
        (p["name"].as_str(), p["display_name"].as_str()),
        (Some("antialias"), Some("Me"))
    );
    // curl -X PUT /api/profiles/antialias/speakers -d '{"speakers":["Study speaker","Master bathroom speaker"]}'
    let (s, sp) = app
        .call(
            "PUT",
            "/api/profiles/antialias/speakers",
            Some(r#"{"speakers":["Study speaker","Master bathroom speaker"]}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        sp,
        json!({"speakers": ["Master bathroom speaker", "Study speaker"]})
    );
    // GET /api/profiles/{name}/speakers — "List speaker mappings"
    let (s, sp) = app
        .call("GET", "/api/profiles/antialias/speakers", None)
        .await;
    assert_eq!(
        (s, sp["speakers"].as_array().unwrap().len()),
        (StatusCode::OK, 2)
    );
    // curl -X POST /api/history/webhook -d '{"title":"Song","artist":"Artist","profile":"antialias"}'
    let (s, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Song","artist":"Artist","profile":"antialias"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["status"].as_str(),
            r["profile"].as_str(),
            r["profile_source"].as_str()
        ),
        (Some("ok"), Some("antialias"), Some("explicit"))
    );
    // Speaker inference: a listen from a mapped speaker belongs to that profile.
    let (_, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Other","artist":"Artist","speaker_name":"Study speaker"}"#),
        )
        .await;
    assert_eq!(
        (r["profile"].as_str(), r["profile_source"].as_str()),
        (Some("antialias"), Some("speaker"))
    );
    // No profile, unmapped speaker → default.
    let (_, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Third","artist":"Artist","speaker_name":"Kitchen stereo"}"#),
        )
        .await;
    assert_eq!(
        (r["profile"].as_str(), r["profile_source"].as_str()),
        (Some("default"), Some("default"))
    );
    // GET /api/profiles — list all profiles with stats
    let (s, list) = app.call("GET", "/api/profiles", None).await;
    assert_eq!(s, StatusCode::OK);
    let me = list["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "antialias")
        .unwrap()
        .clone();
    assert_eq!(
        (me["event_count"].as_i64(), me["track_count"].as_i64()),
        (Some(2), Some(2))
    );
    // GET /api/profiles/{name} — details + stats (event count, track count, last listen)
    let (s, d) = app.call("GET", "/api/profiles/antialias", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["event_count"], 2);
    assert!(d["last_listen"]
        .as_str()
        .unwrap()
        .starts_with("2023-11-14T"));
    assert_eq!(d["preferences"]["tempo_preference"], "medium");
    // GET /api/history/recent?limit=20&profile=name
    let (s, recent) = app
        .call(
            "GET",
            "/api/history/recent?limit=20&profile=antialias",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let events = recent["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert!(events
        .iter()
        .all(|e| e["profile"] == "antialias" && e["track_id"].is_i64()));
    // DELETE /api/profiles/{name} — reassigns events to default
    let (s, del) = app.call("DELETE", "/api/profiles/antialias", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(del["reassigned_to"], "default");
    let (_, d) = app.call("GET", "/api/profiles/default", None).await;
    assert_eq!(d["event_count"], 3);
    let (s, _) = app.call("GET", "/api/profiles/antialias", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn readme_operations_verbatim() {
    let app = TestApp::new().await;
    // curl http://…:8321/health
    let (s, h) = app.call("GET", "/health", None).await;
    assert_eq!(
        (s, h),
        (StatusCode::OK, json!({"status": "ok", "db": "ok"}))
    );
    // curl -X POST /api/history/webhook -d '{"title":"Paranoid Android","artist":"Radiohead","album":"OK Computer"}'
    let (s, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Paranoid Android","artist":"Radiohead","album":"OK Computer"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            r["status"].as_str(),
            r["profile"].as_str(),
            r["new_track"].as_bool()
        ),
        (Some("ok"), Some("default"), Some(true))
    );
    let (_, t) = app
        .call("GET", &format!("/api/tracks/{}", r["track_id"]), None)
        .await;
    assert_eq!(
        (t["title"].as_str(), t["album"].as_str()),
        (Some("Paranoid Android"), Some("OK Computer"))
    );
    // "Deduplicates events within 60 seconds."
    let (_, r2) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Paranoid Android","artist":"Radiohead","album":"OK Computer"}"#),
        )
        .await;
    assert_eq!(r2["status"], "duplicate");
    // curl http://…:8321/api/status
    let (s, st) = app.call("GET", "/api/status", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            st["listens"].as_i64(),
            st["tracks"].as_i64(),
            st["profiles"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(st["backend"], "sqlite");
    // GET /api/history/recent?limit=20 (no profile: everyone's)
    let (s, recent) = app.call("GET", "/api/history/recent?limit=20", None).await;
    assert_eq!((s, recent["count"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(recent["events"][0]["profile"], "default");
}

#[tokio::test]
async fn unknown_explicit_profile_is_created_on_the_fly() {
    let app = TestApp::new().await;
    let (s, r) = app
        .call(
            "POST",
            "/api/history/webhook",
            Some(r#"{"title":"Song","artist":"Artist","profile":"guest-42"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (r["profile"].as_str(), r["profile_created"].as_bool()),
        (Some("guest-42"), Some(true))
    );
    let (s, _) = app.call("GET", "/api/profiles/guest-42", None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn preferences_get_put_with_qfzz_validation() {
    let app = TestApp::new().await;
    app.call("POST", "/api/profiles", Some(r#"{"name":"alice"}"#))
        .await;
    let (s, p) = app
        .call("GET", "/api/profiles/alice/preferences", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (p["energy_level"].as_f64(), p["discovery_factor"].as_f64()),
        (Some(0.5), Some(0.3))
    );
    let body = r#"{"genres":{"jazz":0.9,"blues":0.8},"energy_level":0.4,"discovery_factor":0.2,"tempo_preference":"slow"}"#;
    let (s, p) = app
        .call("PUT", "/api/profiles/alice/preferences", Some(body))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (_, p) = app
        .call("GET", "/api/profiles/alice/preferences", None)
        .await;
    assert_eq!(
        (p["genres"]["jazz"].as_f64(), p["tempo_preference"].as_str()),
        (Some(0.9), Some("slow"))
    );
    for (bad, field) in [
        (r#"{"energy_level":1.5}"#, "energy_level"),
        (r#"{"tempo_preference":"lively"}"#, "tempo_preference"),
        (r#"{"genres":{"rock":-1}}"#, "genres.rock"),
        (r#"{"discovery_factor":"lots"}"#, "discovery_factor"),
    ] {
        let (s, e) = app
            .call("PUT", "/api/profiles/alice/preferences", Some(bad))
            .await;
        assert_eq!(
            (s, e["error"].as_str(), e["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid-value"),
                Some(field)
            ),
            "{bad}"
        );
    }
    let (_, p) = app
        .call("GET", "/api/profiles/alice/preferences", None)
        .await;
    assert_eq!(p["energy_level"], 0.4, "a refused update changed nothing");
    let (s, e) = app
        .call("GET", "/api/profiles/nobody/preferences", None)
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("profile-not-found"))
    );
}
