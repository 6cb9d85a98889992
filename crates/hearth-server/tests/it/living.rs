//! The living playlist (`/api/dynamic/…`) and the approval queue (`/api/queue/…`) over HTTP:
//! the change bound across refreshes, snapshots on schedule (manual clock), exact rollback,
//! verdicts that change the queue and the feedback, and the error cases.

use crate::support::{TestApp, T0};
use axum::http::StatusCode;
use hearth_core::clock::Clock;
use hearth_core::ids::TrackId;
use hearth_core::model::{FeedbackKind, NewListen, TrackInput, TrackOrigin};
use hearth_store::FeatureAttributes;
use serde_json::Value;
use std::collections::HashSet;

const DAY: i64 = 86_400_000;
const DIM: usize = 8;
const TRACKS: usize = 120;
const KNOWN: usize = 50;

/// Target 20 tracks (14 core, 4 exploration, 2 discovery); budget 3 at aggressiveness 5.
async fn app() -> TestApp {
    TestApp::with_env(&[
        ("HEARTH_PLAYLIST_TARGET_SIZE", "20"),
        ("HEARTH_DISCOVERY_CANDIDATES_PER_REFRESH", "8"),
    ])
    .await
}

fn vector(i: usize) -> Vec<f32> {
    (0..DIM)
        .map(|d| ((i * 13 + d * 7) as f32 * 0.37).sin() + if d == i % DIM { 1.0 } else { 0.0 })
        .collect()
}

fn listen(profile: hearth_core::ids::ProfileId, i: usize, ts: i64, skipped: bool) -> NewListen {
    NewListen {
        track: TrackInput::new(format!("Artist {}", i % 17), format!("Song {i}")),
        profile_id: profile,
        ts,
        source: "test".into(),
        speaker_name: None,
        ms_played: None,
        skipped,
        reason_end: None,
        dedup_key: Some(format!("{}-{i}-{ts}-{skipped}", profile.0)),
    }
}

/// An analysed catalogue of `TRACKS` tracks and a profile `alice` who played the first `KNOWN`
/// (more plays for lower numbers) over the 90 days before T0.
async fn household(app: &TestApp) -> (hearth_core::ids::ProfileId, Vec<TrackId>) {
    let (s, _) = app
        .call("POST", "/api/profiles", Some(r#"{"name":"alice"}"#))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let alice = app.store.get_profile("alice").await.unwrap().unwrap();
    let mut ids = Vec::new();
    for i in 0..TRACKS {
        let (id, _) = app
            .store
            .upsert_track(
                &TrackInput::new(format!("Artist {}", i % 17), format!("Song {i}")),
                TrackOrigin::Library,
                T0 - 100 * DAY,
            )
            .await
            .unwrap();
        let attrs = FeatureAttributes {
            energy: Some((i % 10) as f64 / 10.0),
            tempo_bpm: Some(80.0 + i as f64),
            ..Default::default()
        };
        app.store
            .save_audio_features(id, 1, &vector(i), &attrs, T0 - 100 * DAY)
            .await
            .unwrap();
        ids.push(id);
    }
    let mut batch = Vec::new();
    for i in 0..KNOWN {
        for k in 0..(1 + (KNOWN - i) / 10) {
            batch.push(listen(
                alice.id,
                i,
                T0 - 90 * DAY + (i * 7 + k * 11) as i64 * DAY / 10,
                false,
            ));
        }
    }
    app.store.import_listens(&batch).await.unwrap();
    (alice.id, ids)
}

fn track_ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["track_id"].as_i64().unwrap())
        .collect()
}

async fn refresh(app: &TestApp, profile: &str) -> Value {
    let (s, v) = app
        .call("POST", &format!("/api/dynamic/{profile}/refresh"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn list(app: &TestApp, profile: &str) -> Value {
    let (s, v) = app
        .call("GET", &format!("/api/dynamic/{profile}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Plays the core tracks of the current list six times each "today", so they go stale and the
/// next refresh wants to cycle them out.
async fn wear_out_core(app: &TestApp, profile: hearth_core::ids::ProfileId, current: &Value) {
    let now = app.clock.now_ms();
    let mut batch = Vec::new();
    for item in current["items"].as_array().unwrap() {
        if item["section"] != "core" {
            continue;
        }
        let title = item["title"].as_str().unwrap();
        let i: usize = title.trim_start_matches("Song ").parse().unwrap();
        for k in 0..6 {
            batch.push(listen(profile, i, now - (k + 1) * 3_600_000, false));
        }
    }
    app.store.import_listens(&batch).await.unwrap();
}

#[tokio::test]
async fn ten_refreshes_never_change_more_than_the_bound() {
    let app = app().await;
    let (alice, _) = household(&app).await;
    let first = refresh(&app, "alice").await;
    assert_eq!(
        first["refresh"]["budget"],
        Value::Null,
        "the first build is unbounded"
    );
    let mut current = list(&app, "alice").await;
    assert_eq!(current["items"].as_array().unwrap().len(), 20);
    assert_eq!(current["quotas"]["core"], 14);
    assert_eq!(current["counts"]["core"], 14);
    assert_eq!(current["counts"]["exploration"], 4);
    assert_eq!(current["counts"]["discovery"], 2, "{current}");
    for item in current["items"].as_array().unwrap() {
        assert!(!item["reasons"].as_array().unwrap().is_empty(), "{item}");
        assert!(["core", "exploration", "discovery"].contains(&item["section"].as_str().unwrap()));
    }
    let mut changed_total = 0;
    for k in 0..10 {
        if k == 5 {
            let (s, v) = app
                .call(
                    "PUT",
                    "/api/dynamic/alice/cycling",
                    Some(r#"{"aggressiveness":10}"#),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert_eq!(v["max_changes_per_refresh"], 6);
        }
        let bound = if k < 5 { 3 } else { 6 };
        wear_out_core(&app, alice, &current).await;
        app.clock.advance_ms(DAY);
        let r = refresh(&app, "alice").await;
        let added = r["refresh"]["added"].as_array().unwrap().len();
        let removed = r["refresh"]["removed"].as_array().unwrap().len();
        assert_eq!(r["refresh"]["budget"], bound);
        assert!(
            added <= bound && removed <= bound,
            "refresh {k}: +{added} -{removed} > {bound}"
        );
        let next = list(&app, "alice").await;
        let before: HashSet<i64> = track_ids(&current).into_iter().collect();
        let after: HashSet<i64> = track_ids(&next).into_iter().collect();
        assert_eq!(after.difference(&before).count(), added, "refresh {k}");
        assert_eq!(before.difference(&after).count(), removed, "refresh {k}");
        assert!(after.len() <= 20);
        for rm in r["refresh"]["removed"].as_array().unwrap() {
            assert!(rm["reason_code"].is_string(), "{rm}");
        }
        changed_total += added;
        current = next;
    }
    assert!(
        changed_total >= 10,
        "the list cycles: {changed_total} additions in ten refreshes"
    );
    let (s, h) = app
        .call("GET", "/api/dynamic/alice/history?limit=50", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["refreshes"].as_array().unwrap().len(), 11);
    assert_eq!(h["refreshes"][0]["kind"], "refresh");
}

#[tokio::test]
async fn a_snapshot_is_taken_on_schedule() {
    let app = app().await;
    household(&app).await;
    let r = refresh(&app, "alice").await;
    assert_eq!(r["snapshot"], Value::Null);
    app.clock.advance_ms(29 * DAY);
    assert_eq!(refresh(&app, "alice").await["snapshot"], Value::Null);
    app.clock.advance_ms(2 * DAY); // 31 days after the first build
    let r = refresh(&app, "alice").await;
    let snap = &r["snapshot"];
    assert!(snap.is_object(), "{r}");
    assert_eq!(snap["refresh_id"], r["refresh"]["id"]);
    assert_eq!(snap["track_count"], 20);
    let live = list(&app, "alice").await;
    app.clock.advance_ms(DAY);
    assert_eq!(
        refresh(&app, "alice").await["snapshot"],
        Value::Null,
        "not again a day later"
    );
    let (s, v) = app.call("GET", "/api/dynamic/alice/snapshots", None).await;
    assert_eq!(s, StatusCode::OK);
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0]["id"], snap["id"]);
    assert!(snaps[0]["name"]
        .as_str()
        .unwrap()
        .starts_with("Living alice "));
    // The snapshot froze the list as it was then: rolling back to it restores it exactly.
    let (s, v) = app
        .call(
            "POST",
            "/api/dynamic/alice/rollback",
            Some(&format!(r#"{{"snapshot_id":{}}}"#, snap["id"])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["refresh"]["restored_from"]["snapshot_id"], snap["id"]);
    let back = list(&app, "alice").await;
    assert_eq!(back["items"], live["items"]);
}

#[tokio::test]
async fn a_rollback_restores_the_exact_earlier_list() {
    let app = app().await;
    let (alice, _) = household(&app).await;
    let first = refresh(&app, "alice").await;
    let first_id = first["refresh"]["id"].as_i64().unwrap();
    let original = list(&app, "alice").await;
    let mut current = original.clone();
    for _ in 0..4 {
        wear_out_core(&app, alice, &current).await;
        app.clock.advance_ms(DAY);
        refresh(&app, "alice").await;
        current = list(&app, "alice").await;
    }
    assert_ne!(track_ids(&current), track_ids(&original), "the list moved");
    let (s, v) = app
        .call(
            "POST",
            "/api/dynamic/alice/rollback",
            Some(&format!(r#"{{"refresh_id":{first_id}}}"#)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["refresh"]["kind"], "rollback");
    assert_eq!(v["refresh"]["budget"], Value::Null);
    let restored = list(&app, "alice").await;
    assert_eq!(
        restored["items"], original["items"],
        "same tracks, order, sections, reasons"
    );
    let removed: HashSet<i64> = v["refresh"]["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["track_id"].as_i64().unwrap())
        .collect();
    let expected: HashSet<i64> = track_ids(&current)
        .into_iter()
        .filter(|t| !track_ids(&original).contains(t))
        .collect();
    assert_eq!(removed, expected);
    let (_, h) = app.call("GET", "/api/dynamic/alice/history", None).await;
    assert_eq!(h["refreshes"][0]["kind"], "rollback");
    assert_eq!(h["refreshes"][0]["restored_from"]["refresh_id"], first_id);

    for (body, status) in [
        (r#"{"refresh_id":999999}"#, StatusCode::NOT_FOUND),
        (r#"{"snapshot_id":999999}"#, StatusCode::NOT_FOUND),
        (r#"{}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (
            r#"{"refresh_id":1,"snapshot_id":1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (r#"{"refresh_id":"one"}"#, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (s, v) = app
            .call("POST", "/api/dynamic/alice/rollback", Some(body))
            .await;
        assert_eq!(s, status, "{body}: {v}");
    }
}

#[tokio::test]
async fn queue_verdicts_change_the_queue_and_the_feedback() {
    let app = app().await;
    let (alice, _) = household(&app).await;
    let (s, v) = app.call("GET", "/api/queue/next?profile=alice", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c1 = v["candidate"].clone();
    assert_eq!(c1["source"], "recommendation");
    assert!(c1["predicted_score"].is_number());
    assert!(!c1["reasons"].as_array().unwrap().is_empty());
    assert_eq!(c1["verdict_due"], false);
    assert_eq!(c1["trial_listens_before_decision"], 3);
    assert!(c1["title"].as_str().unwrap().starts_with("Song "));
    let c1_track = c1["track_id"].as_i64().unwrap();
    assert!(c1_track as usize > 0);

    // Approve: status approved, a `like` feedback, and the next candidate is another one.
    let (s, v) = app
        .call("POST", &format!("/api/queue/{}/approve", c1["id"]), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["candidate"]["status"], "approved");
    assert_eq!(v["feedback"]["kind"], "like");
    let fb = app.store.feedback_of_profile(alice).await.unwrap();
    assert_eq!(fb.len(), 1);
    assert_eq!(
        (fb[0].kind, fb[0].track_id.0),
        (FeedbackKind::Like, c1_track)
    );
    let (s, v) = app
        .call("POST", &format!("/api/queue/{}/approve", c1["id"]), None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Reject: a `bad_recommendation` feedback and never suggested again.
    let (_, v) = app.call("GET", "/api/queue/next?profile=alice", None).await;
    let c2 = v["candidate"].clone();
    assert_ne!(c2["id"], c1["id"]);
    let (s, v) = app
        .call("POST", &format!("/api/queue/{}/reject", c2["id"]), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["candidate"]["status"], "rejected");
    assert_eq!(v["feedback"]["kind"], "bad_recommendation");
    let fb = app.store.feedback_of_profile(alice).await.unwrap();
    assert_eq!(fb.last().unwrap().kind, FeedbackKind::BadRecommendation);

    // Skip: no feedback, back of the queue.
    let (_, v) = app.call("GET", "/api/queue/next?profile=alice", None).await;
    let c3 = v["candidate"].clone();
    let (s, v) = app
        .call("POST", &format!("/api/queue/{}/skip", c3["id"]), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["candidate"]["status"], "skipped");
    assert_eq!(v["feedback"], Value::Null);
    assert_eq!(app.store.feedback_of_profile(alice).await.unwrap().len(), 2);
    let (_, v) = app.call("GET", "/api/queue/next?profile=alice", None).await;
    assert_ne!(
        v["candidate"]["id"], c3["id"],
        "a skipped candidate waits behind the others"
    );

    // Walk the whole queue by skipping: the rejected track never comes back, refreshes included.
    refresh(&app, "alice").await;
    let mut seen = HashSet::new();
    for _ in 0..40 {
        let (_, v) = app.call("GET", "/api/queue/next?profile=alice", None).await;
        let c = &v["candidate"];
        assert_ne!(c["track_id"], c2["track_id"]);
        if !seen.insert(c["id"].as_i64().unwrap()) {
            break;
        }
        app.call("POST", &format!("/api/queue/{}/skip", c["id"]), None)
            .await;
    }
    let live = list(&app, "alice").await;
    assert!(!track_ids(&live).contains(&c2["track_id"].as_i64().unwrap()));
}

#[tokio::test]
async fn a_trial_asks_for_a_verdict_after_three_trial_listens() {
    let app = app().await;
    let (alice, _) = household(&app).await;
    refresh(&app, "alice").await;
    let live = list(&app, "alice").await;
    let trial = live["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["section"] == "discovery")
        .expect("a discovery track")
        .clone();
    let i: usize = trial["title"]
        .as_str()
        .unwrap()
        .trim_start_matches("Song ")
        .parse()
        .unwrap();
    app.clock.advance_ms(DAY);
    let now = app.clock.now_ms();
    app.store
        .import_listens(&[
            listen(alice, i, now - 3000, false),
            listen(alice, i, now - 2000, true),
            listen(alice, i, now - 1000, false),
        ])
        .await
        .unwrap();
    let (_, v) = app.call("GET", "/api/queue/next?profile=alice", None).await;
    let c = &v["candidate"];
    assert_eq!(
        c["track_id"], trial["track_id"],
        "a due verdict comes first: {v}"
    );
    assert_eq!(c["status"], "trial");
    assert_eq!(
        (c["trial_plays"].as_i64(), c["trial_skips"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(c["verdict_due"], true);
}

#[tokio::test]
async fn unknown_profiles_bad_values_and_unknown_candidates() {
    let app = app().await;
    for (m, uri, body) in [
        ("GET", "/api/dynamic/nobody", None),
        ("POST", "/api/dynamic/nobody/refresh", None),
        ("GET", "/api/dynamic/nobody/snapshots", None),
        ("GET", "/api/dynamic/nobody/history", None),
        (
            "POST",
            "/api/dynamic/nobody/rollback",
            Some(r#"{"refresh_id":1}"#),
        ),
        (
            "PUT",
            "/api/dynamic/nobody/cycling",
            Some(r#"{"aggressiveness":5}"#),
        ),
        ("GET", "/api/queue/next?profile=nobody", None),
    ] {
        let (s, v) = app.call(m, uri, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {uri}: {v}");
        assert_eq!(v["error"], "profile-not-found", "{m} {uri}");
    }
    for body in [
        r#"{"aggressiveness":0}"#,
        r#"{"aggressiveness":11}"#,
        r#"{"aggressiveness":-3}"#,
        r#"{"aggressiveness":"high"}"#,
        r#"{}"#,
    ] {
        let (s, v) = app
            .call("PUT", "/api/dynamic/default/cycling", Some(body))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["field"], "aggressiveness", "{body}: {v}");
    }
    let (s, v) = app
        .call(
            "PUT",
            "/api/dynamic/default/cycling",
            Some(r#"{"aggressiveness":2}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["max_changes_per_refresh"], 1);
    let (_, v) = app.call("GET", "/api/dynamic/default", None).await;
    assert_eq!(v["aggressiveness"], 2);
    assert_eq!(v["playlist_id"], Value::Null);
    assert_eq!(v["items"], serde_json::json!([]));
    let (s, _) = app
        .call("GET", "/api/dynamic/default/history?limit=0", None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for action in ["approve", "reject", "skip"] {
        let (s, v) = app
            .call("POST", &format!("/api/queue/424242/{action}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{action}: {v}");
        let (s, v) = app
            .call("POST", &format!("/api/queue/abc/{action}"), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {v}");
        assert_eq!(v["field"], "id");
    }
    // Nothing analysed yet: an empty queue is an answer, not an error.
    let (s, v) = app.call("GET", "/api/queue/next", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["profile"], "default");
    assert_eq!(v["candidate"], Value::Null);
    // An empty profile refreshes to an empty list.
    let r = refresh(&app, "default").await;
    assert_eq!(r["refresh"]["track_count"], 0);
}

/// The scheduler's job (`refresh_all`) refreshes every profile; verdicts move tracks between the
/// pool's sections: approved → core, rejected → nowhere.
#[tokio::test]
async fn refresh_all_and_verdicts_shape_the_pool() {
    use hearth_core::config::ConfigBuilder;
    use hearth_server::living::{LivingService, Verdict};
    use hearth_server::reco::RecoService;
    use std::sync::Arc;
    let app = app().await;
    let (alice, _) = household(&app).await;
    let config = Arc::new(
        ConfigBuilder::new()
            .env([("HEARTH_PLAYLIST_TARGET_SIZE", "20")])
            .unwrap()
            .build()
            .unwrap(),
    );
    let reco = Arc::new(RecoService::new(app.store.clone(), &config));
    let svc = LivingService::new(app.store.clone(), config, reco);
    let now = app.clock.now_ms();
    assert_eq!(svc.refresh_all(now).await.unwrap(), 2, "default and alice");
    let live = app.store.living_playlist(alice).await.unwrap().unwrap();
    assert_eq!(live.items.len(), 20);
    assert!(app
        .store
        .living_playlist(app.store.get_profile("default").await.unwrap().unwrap().id)
        .await
        .unwrap()
        .is_some());

    let first = svc.next(alice, now).await.unwrap().unwrap();
    let second = {
        svc.decide(first.id, Verdict::Approve, now).await.unwrap();
        svc.next(alice, now).await.unwrap().unwrap()
    };
    svc.decide(second.id, Verdict::Reject, now).await.unwrap();
    let pool = svc.pool(alice, now + 1).await.unwrap();
    let has = |items: &[hearth_core::dynamic::PoolItem], t: TrackId| {
        items.iter().any(|i| i.track_id == t)
    };
    assert!(
        has(&pool.core, first.track_id),
        "approved joins the core pool"
    );
    assert!(!has(&pool.discovery, first.track_id));
    for section in [&pool.core, &pool.exploration, &pool.discovery] {
        assert!(
            !has(section, second.track_id),
            "rejected leaves every section"
        );
    }
    let err = svc.decide(second.id, Verdict::Skip, now).await.unwrap_err();
    assert!(err.to_string().contains("already rejected"), "{err}");
}
