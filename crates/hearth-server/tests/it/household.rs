//! Issue #6 end to end over HTTP: a household with opposite tastes, feedback that moves the
//! ranking, and a guest vibe request.

use crate::support::TestApp;
use axum::http::StatusCode;
use hearth_core::ids::TrackId;
use hearth_core::model::{TrackInput, TrackOrigin};
use hearth_store::FeatureAttributes;
use serde_json::Value;
use std::collections::HashMap;

const DIM: usize = 8;
const PER_CLUSTER: usize = 20;

/// A deterministic vector near `base` (two hot dimensions) with small spread.
fn vector(base: usize, i: usize) -> Vec<f32> {
    (0..DIM)
        .map(|d| {
            let hot = if d == base || d == base + 1 { 1.0 } else { 0.0 };
            hot + 0.1 * ((i * 7 + d * 3) as f32).sin()
        })
        .collect()
}

struct Catalogue {
    metal: Vec<TrackId>,
    ballads: Vec<TrackId>,
    vectors: HashMap<TrackId, Vec<f32>>,
}

async fn catalogue(app: &TestApp) -> Catalogue {
    let mut cat = Catalogue {
        metal: Vec::new(),
        ballads: Vec::new(),
        vectors: HashMap::new(),
    };
    for i in 0..PER_CLUSTER {
        for metal in [true, false] {
            let (artist, title) = if metal {
                (format!("Iron Band {}", i % 5), format!("Thunder {i}"))
            } else {
                (format!("Soft Singer {}", i % 5), format!("Lullaby {i}"))
            };
            let (id, _) = app
                .store
                .upsert_track(
                    &TrackInput::new(&artist, &title),
                    TrackOrigin::History,
                    crate::support::T0,
                )
                .await
                .unwrap();
            let v = vector(if metal { 0 } else { 4 }, i);
            let attrs = if metal {
                FeatureAttributes {
                    energy: Some(0.9),
                    acousticness: Some(0.05),
                    danceability: Some(0.5),
                    tempo_bpm: Some(170.0),
                    mode: Some("minor".into()),
                    ..Default::default()
                }
            } else {
                FeatureAttributes {
                    energy: Some(0.15),
                    acousticness: Some(0.9),
                    danceability: Some(0.3),
                    tempo_bpm: Some(68.0),
                    mode: Some("major".into()),
                    ..Default::default()
                }
            };
            app.store
                .save_audio_features(id, 1, &v, &attrs, crate::support::T0)
                .await
                .unwrap();
            cat.vectors.insert(id, v);
            if metal {
                cat.metal.push(id)
            } else {
                cat.ballads.push(id)
            }
        }
    }
    cat
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    d / (a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt())
}

async fn setup_profile(app: &TestApp, name: &str, speaker: &str) {
    let (s, _) = app
        .call(
            "POST",
            "/api/profiles",
            Some(&format!(r#"{{"name":"{name}"}}"#)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app
        .call(
            "PUT",
            &format!("/api/profiles/{name}/speakers"),
            Some(&format!(r#"{{"speakers":["{speaker}"]}}"#)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

async fn listen(app: &TestApp, speaker: &str, artist: &str, title: &str) {
    let body =
        serde_json::json!({"title": title, "artist": artist, "speaker_name": speaker}).to_string();
    let (s, r) = app.call("POST", "/api/history/webhook", Some(&body)).await;
    assert!(s.is_success(), "{s} {r}");
}

/// Hooks run after the webhook replies; wait (bounded) until the profile has seen `n` events.
async fn wait_for_events(app: &TestApp, profile: &str, n: u64) -> Value {
    for _ in 0..200 {
        let (s, v) = app
            .call("GET", &format!("/api/profiles/{profile}/taste"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["taste"]["n_events"].as_u64() == Some(n) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("profile {profile} never reached {n} taste events");
}

async fn recommend(app: &TestApp, query: &str) -> Value {
    let (s, v) = app
        .call("GET", &format!("/api/recommendations?{query}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["recommendations"].as_array().unwrap();
    assert_eq!(v["count"].as_u64().unwrap() as usize, items.len());
    for it in items {
        let reasons = it["reasons"].as_array().unwrap();
        assert!(
            !reasons.is_empty() && reasons.iter().all(|r| !r.as_str().unwrap().is_empty()),
            "reasons on every item: {it}"
        );
    }
    v
}

fn ids(v: &Value) -> Vec<TrackId> {
    v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| TrackId(i["track_id"].as_i64().unwrap()))
        .collect()
}

/// Score without the exploration term (the noise is seeded per request minute).
fn base_score(v: &Value, id: TrackId) -> Option<f64> {
    v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["track_id"].as_i64() == Some(id.0))
        .map(|i| i["score"].as_f64().unwrap() - i["components"]["noise"].as_f64().unwrap())
}

#[tokio::test]
async fn household_tastes_feedback_and_guest_vibes() {
    let app = TestApp::new().await;
    let cat = catalogue(&app).await;
    setup_profile(&app, "alice", "Kitchen Speaker").await;
    setup_profile(&app, "bob", "Bedroom Speaker").await;
    for i in 0..8 {
        listen(
            &app,
            "Kitchen Speaker",
            &format!("Iron Band {}", i % 5),
            &format!("Thunder {i}"),
        )
        .await;
        listen(
            &app,
            "Bedroom Speaker",
            &format!("Soft Singer {}", i % 5),
            &format!("Lullaby {i}"),
        )
        .await;
    }
    let alice_taste = wait_for_events(&app, "alice", 8).await;
    wait_for_events(&app, "bob", 8).await;
    let alice_known: Vec<TrackId> = cat.metal[..8].to_vec();
    let bob_known: Vec<TrackId> = cat.ballads[..8].to_vec();

    // The incremental profile agrees with a full rebuild.
    let (s, rebuilt) = app
        .call("POST", "/api/profiles/alice/build-taste", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (a, b) = (&alice_taste["taste"], &rebuilt["taste"]);
    assert_eq!(a["known_tracks"], b["known_tracks"]);
    assert_eq!(a["n_events"], b["n_events"]);
    let (ca, cb) = (
        a["clusters"].as_array().unwrap(),
        b["clusters"].as_array().unwrap(),
    );
    let total = |c: &[Value]| c.iter().map(|x| x["mass"].as_f64().unwrap()).sum::<f64>();
    assert!(
        (total(ca) - total(cb)).abs() < 1e-6,
        "same total taste mass: {a} vs {b}"
    );
    // One tight cluster of metal: both assign every track to it, so the sums agree exactly.
    assert_eq!(ca.len(), cb.len(), "{a} vs {b}");
    for (x, y) in ca.iter().zip(cb) {
        assert!(
            (x["mass"].as_f64().unwrap() - y["mass"].as_f64().unwrap()).abs() < 1e-6,
            "{x} vs {y}"
        );
        assert!((x["share"].as_f64().unwrap() - y["share"].as_f64().unwrap()).abs() < 1e-6);
    }

    // Opposite tastes, different recommendations, each dominated by its own cluster.
    let ra = recommend(&app, "profile=alice&limit=10").await;
    let rb = recommend(&app, "profile=bob&limit=10").await;
    let (ia, ib) = (ids(&ra), ids(&rb));
    assert_eq!(ia.len(), 10);
    assert_ne!(ia, ib);
    let metal_share = |l: &[TrackId]| l.iter().filter(|id| cat.metal.contains(id)).count();
    assert!(metal_share(&ia) >= 8, "alice gets metal: {ia:?}");
    assert!(metal_share(&ib) <= 2, "bob gets ballads: {ib:?}");
    assert!(
        ia.iter().all(|id| !alice_known.contains(id)),
        "known tracks are excluded"
    );
    assert!(ib.iter().all(|id| !bob_known.contains(id)));
    assert!(
        ia[..5].iter().all(|id| cat.metal.contains(id)),
        "alice's top five are metal"
    );

    // A dislike of alice's top recommendation pushes its nearest neighbours down.
    let top = ia[0];
    let full = recommend(&app, "profile=alice&limit=40").await;
    let mut neighbours: Vec<(f32, TrackId)> = ids(&full)
        .into_iter()
        .filter(|id| *id != top)
        .map(|id| (cosine(&cat.vectors[&top], &cat.vectors[&id]), id))
        .collect();
    neighbours.sort_by(|a, b| b.0.total_cmp(&a.0));
    let near: Vec<TrackId> = neighbours.iter().take(3).map(|n| n.1).collect();
    let before: Vec<f64> = near
        .iter()
        .map(|id| base_score(&full, *id).unwrap())
        .collect();
    let body = format!(
        r#"{{"track_id":{},"profile":"alice","kind":"dislike"}}"#,
        top.0
    );
    let (s, r) = app.call("POST", "/api/feedback", Some(&body)).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let after_resp = recommend(&app, "profile=alice&limit=40").await;
    assert!(
        !ids(&after_resp).contains(&top),
        "the disliked track is now known and excluded"
    );
    for (id, b) in near.iter().zip(&before) {
        let a = base_score(&after_resp, *id).expect("neighbour still a candidate");
        assert!(
            a < *b,
            "neighbour {id} should rank lower after the dislike: {b} -> {a}"
        );
    }
    // The QFZZ preferences learned it too: the disliked artist's weight fell below neutral.
    let (_, prefs) = app
        .call("GET", "/api/profiles/alice/preferences", None)
        .await;
    let artist = app.store.get_track(top).await.unwrap().unwrap().artist;
    let w = prefs["artists"][&artist]
        .as_f64()
        .or_else(|| prefs["preferences"]["artists"][&artist].as_f64())
        .expect("artist weight stored");
    assert!(w < 0.5, "{prefs}");

    // A guest vibe request: no profile, vibe-only over the whole catalogue.
    let g = recommend(&app, "vibe=calm+acoustic&limit=10").await;
    assert!(g["profile"].is_null(), "{g}");
    let gi = ids(&g);
    assert_eq!(gi.len(), 10);
    assert!(
        gi.iter().all(|id| cat.ballads.contains(id)),
        "calm acoustic → ballads: {gi:?}"
    );
    let reasons: Vec<String> = g["recommendations"][0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("vibe")), "{reasons:?}");

    // Similar tracks come from the same cluster.
    let (s, sim) = app
        .call(
            "GET",
            &format!("/api/tracks/{}/similar?limit=5", cat.ballads[0].0),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let sim_ids: Vec<i64> = sim["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["track_id"].as_i64().unwrap())
        .collect();
    assert_eq!(sim_ids.len(), 5);
    assert!(
        sim_ids.iter().all(|id| cat.ballads.contains(&TrackId(*id))),
        "{sim}"
    );
}

#[tokio::test]
async fn recommendation_parameters_are_validated() {
    let app = TestApp::new().await;
    for (q, field) in [
        ("alpha=1.5", "alpha"),
        ("alpha=x", "alpha"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        let (s, v) = app
            .call("GET", &format!("/api/recommendations?{q}"), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
        assert!(v.to_string().contains(field), "{q}: {v}");
    }
    let (s, v) = app
        .call("GET", "/api/recommendations?profile=nobody", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = app.call("GET", "/api/tracks/424242/similar", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A track without a vector: 200, empty, with a note.
    let (id, _) = app
        .store
        .upsert_track(
            &TrackInput::new("A", "Unanalysed"),
            TrackOrigin::History,
            crate::support::T0,
        )
        .await
        .unwrap();
    let (s, v) = app
        .call("GET", &format!("/api/tracks/{}/similar", id.0), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["count"], 0);
    assert!(v["note"].as_str().unwrap().contains("no audio vector"));
}

#[tokio::test]
async fn explicit_mood_is_stored_with_expiry_and_detected_mood_reflects_listening() {
    let app = TestApp::new().await;
    let cat = catalogue(&app).await;
    let _ = cat;
    for i in 0..5 {
        let body = serde_json::json!({"title": format!("Thunder {i}"), "artist": format!("Iron Band {}", i % 5)}).to_string();
        app.call("POST", "/api/history/webhook", Some(&body)).await;
    }
    let (s, m) = app.call("GET", "/api/profiles/default/mood", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["detected"]["window_listens"], 5);
    assert!(
        m["detected"]["words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "energetic"),
        "{m}"
    );
    assert!(m["explicit"].is_null());
    let (s, m) = app
        .call(
            "PUT",
            "/api/profiles/default/mood",
            Some(r#"{"mood":"calm acoustic","hours":2}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["explicit"]["mood"], "calm acoustic");
    // While set, it is the default vibe of the profile's recommendations.
    let r = recommend(&app, "profile=default&limit=5").await;
    assert_eq!(r["vibe"], "calm acoustic");
    app.clock.advance_ms(3 * 3_600_000);
    let (_, m) = app.call("GET", "/api/profiles/default/mood", None).await;
    assert!(m["explicit"].is_null(), "expired: {m}");
    let (s, _) = app
        .call(
            "PUT",
            "/api/profiles/default/mood",
            Some(r#"{"mood":"x","hours":0}"#),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.call("GET", "/api/profiles/nobody/mood", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Components of one recommended item.
fn item(v: &Value, id: TrackId) -> Option<&Value> {
    v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["track_id"].as_i64() == Some(id.0))
}

#[tokio::test]
async fn household_co_listening_lifts_what_others_play_alongside() {
    // Bob plays Thunder 0, 1 and 17 on the same day; Alice plays Thunder 0 and 1. Thunder 17
    // sounds no closer to Alice's taste than the other metal tracks, but the household's
    // co-listening lifts it for her — and only while `collaborative_weight` is on.
    for (weight, expect_lift) in [("0.1", true), ("0", false)] {
        let app = TestApp::with_env(&[("HEARTH_SCORING_COLLABORATIVE_WEIGHT", weight)]).await;
        let cat = catalogue(&app).await;
        setup_profile(&app, "alice", "Kitchen Speaker").await;
        setup_profile(&app, "bob", "Bedroom Speaker").await;
        for i in [0, 1, 17] {
            let artist = format!("Iron Band {}", i % 5);
            listen(&app, "Bedroom Speaker", &artist, &format!("Thunder {i}")).await;
        }
        for i in [0, 1] {
            let artist = format!("Iron Band {}", i % 5);
            listen(&app, "Kitchen Speaker", &artist, &format!("Thunder {i}")).await;
        }
        wait_for_events(&app, "alice", 2).await;
        wait_for_events(&app, "bob", 3).await;
        let lifted = cat.metal[17];
        let r = recommend(&app, "profile=alice&limit=40").await;
        let it = item(&r, lifted).expect("every unknown track is a candidate");
        let z = &it["components"]["evidence"]["collaborative"];
        let said = it["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("often played alongside"));
        if expect_lift {
            assert!(z.as_f64().unwrap() > 3.0, "a clear outlier: {it}");
            assert!(said, "the reason says why: {it}");
            let others = cat.metal[2..17].iter().chain(&cat.metal[18..]);
            let best_other = others
                .filter_map(|id| base_score(&r, *id))
                .fold(f64::MIN, f64::max);
            assert!(
                base_score(&r, lifted).unwrap() > best_other,
                "co-listened track ranks above every other metal track: {r}"
            );
        } else {
            assert!(z.is_null(), "no evidence without the weight: {it}");
            assert!(!said, "{it}");
        }
    }
}
