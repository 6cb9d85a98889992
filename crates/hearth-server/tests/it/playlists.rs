//! `/api/playlists`: generate (profile, guest vibe-only, errors, duration), list, get, the three
//! export formats, and `auto_play` against fake playback targets.

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use hearth_core::clock::ManualClock;
use hearth_core::config::Config;
use hearth_core::ids::{ProfileId, TrackId};
use hearth_core::model::{Feedback, FeedbackKind, NewListen, TrackInput, TrackOrigin};
use hearth_play::{PlayError, PlayItem, PlayReport, PlaybackTarget};
use hearth_server::AppState;
use hearth_store::{DynStore, FeatureAttributes};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const T0: i64 = crate::support::T0;
const DAY: i64 = 86_400_000;
const ARTISTS: usize = 12;
const PER_ARTIST: usize = 5;

/// What a fake target was asked to play.
type Calls = Arc<Mutex<Vec<(String, Vec<PlayItem>)>>>;

/// Records every call; succeeds, or fails with a timeout when `fail` is set.
struct FakeTarget {
    calls: Calls,
    fail: bool,
}

#[async_trait]
impl PlaybackTarget for FakeTarget {
    async fn play(
        &self,
        speaker_entity: &str,
        items: &[PlayItem],
    ) -> Result<PlayReport, PlayError> {
        self.calls
            .lock()
            .unwrap()
            .push((speaker_entity.to_string(), items.to_vec()));
        if self.fail {
            return Err(PlayError::Timeout {
                target: "home_assistant",
                after_ms: 10_000,
            });
        }
        Ok(PlayReport {
            target: "home_assistant".into(),
            speaker_entity: speaker_entity.into(),
            queued: items.len(),
            not_queued: Vec::new(),
        })
    }
}

struct App {
    router: Router,
    store: DynStore,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

async fn app(player: Option<Arc<dyn PlaybackTarget>>) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = hearth_store::open(&format!("sqlite:{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let clock = ManualClock::new(T0);
    let mut state = AppState::new(store.clone(), Config::defaults(), Arc::new(clock.clone()));
    if let Some(p) = player {
        state = state.with_player(p);
    }
    App {
        router: hearth_server::router(state),
        store,
        clock,
        _dir: dir,
    }
}

impl App {
    async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (s, _, bytes) = self.raw(method, uri, body).await;
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (s, v)
    }

    async fn raw(
        &self,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, String, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(uri);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(
                body.map(|b| Body::from(b.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, ct, bytes)
    }
}

/// A catalogue of `ARTISTS × PER_ARTIST` analysed tracks (two sound clusters), a profile
/// `alice` who played, liked and hated some of them. Returns alice's liked-long-ago and hated
/// track ids.
async fn seed(app: &App) -> (Vec<TrackId>, TrackId) {
    let mut ids = Vec::new();
    for a in 0..ARTISTS {
        for i in 0..PER_ARTIST {
            let n = a * PER_ARTIST + i;
            let mut t = TrackInput::new(format!("Artist {a}"), format!("Song {n}"));
            t.duration_ms = Some(150_000 + (n as i64 * 37 % 180) * 1000);
            t.album = Some(format!("Album {a}"));
            if n % 3 == 0 {
                t.spotify_id = Some(format!("sp{n}"));
            }
            if n % 4 == 0 {
                t.file_path = Some(format!("/music/a{a}/{n}.flac"));
            }
            let (id, _) = app
                .store
                .upsert_track(&t, TrackOrigin::Library, T0 - 400 * DAY)
                .await
                .unwrap();
            let calm = a % 2 == 0;
            let v: Vec<f32> = (0..8)
                .map(|d| {
                    let hot = if (calm && d < 4) || (!calm && d >= 4) {
                        1.0
                    } else {
                        0.0
                    };
                    hot + 0.05 * ((n * 5 + d * 3) as f32).sin()
                })
                .collect();
            let attrs = FeatureAttributes {
                energy: Some(if calm { 0.2 } else { 0.85 } + 0.01 * i as f64),
                acousticness: Some(if calm { 0.85 } else { 0.1 }),
                danceability: Some(if calm { 0.3 } else { 0.7 }),
                tempo_bpm: Some(if calm { 72.0 } else { 150.0 } + i as f64),
                mode: Some(if calm { "major" } else { "minor" }.into()),
                ..Default::default()
            };
            app.store
                .save_audio_features(id, 1, &v, &attrs, T0 - 400 * DAY)
                .await
                .unwrap();
            ids.push(id);
        }
    }
    let alice = app.store.create_profile("alice", None, T0).await.unwrap();
    // Alice plays the first twelve tracks of the energetic artists (odd), long ago and lately.
    let played: Vec<TrackId> = (0..ARTISTS)
        .filter(|a| a % 2 == 1)
        .flat_map(|a| (0..2).map(move |i| a * PER_ARTIST + i))
        .map(|n| ids[n])
        .collect();
    let mut batch = Vec::new();
    for (k, id) in played.iter().enumerate() {
        let ts = if k < 4 { T0 - 120 * DAY } else { T0 - 2 * DAY };
        let t = app.store.get_track(*id).await.unwrap().unwrap();
        for rep in 0..3 {
            batch.push(listen(alice.id, &t.artist, &t.title, ts + rep * 3_600_000));
        }
    }
    app.store.record_listens(&batch, 60_000).await.unwrap();
    let liked = played[..3].to_vec();
    for id in &liked {
        feedback(app, alice.id, *id, FeedbackKind::Love, T0 - 119 * DAY).await;
    }
    let hated = played[5];
    feedback(app, alice.id, hated, FeedbackKind::Hate, T0 - DAY).await;
    (liked, hated)
}

fn listen(profile: ProfileId, artist: &str, title: &str, ts: i64) -> NewListen {
    NewListen {
        track: TrackInput::new(artist, title),
        profile_id: profile,
        ts,
        source: "test".into(),
        speaker_name: None,
        ms_played: None,
        skipped: false,
        reason_end: None,
        dedup_key: None,
    }
}

async fn feedback(app: &App, profile: ProfileId, track: TrackId, kind: FeedbackKind, ts: i64) {
    app.store
        .add_feedback(&Feedback {
            profile_id: profile,
            track_id: track,
            kind,
            rating: None,
            vibe: None,
            ts,
        })
        .await
        .unwrap();
}

fn track_ids(v: &Value) -> Vec<i64> {
    v["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["track_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn generate_for_a_profile_mixes_known_and_discoveries_and_saves() {
    let app = app(None).await;
    let (liked, hated) = seed(&app).await;
    let (s, v) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 10, "known_pct": 30, "profile": "alice", "seed": 3})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["profile"], "alice");
    assert_eq!(v["total_tracks"], 10);
    assert_eq!(v["known_count"], 3);
    assert_eq!(v["discovery_count"], 7);
    assert_eq!(v["playback"], Value::Null);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        v["exports"]["m3u8"],
        format!("/api/playlists/{id}.m3u8").as_str()
    );
    let tracks = v["tracks"].as_array().unwrap();
    let mut artists: Vec<&str> = Vec::new();
    for (p, t) in tracks.iter().enumerate() {
        assert_eq!(t["position"], p as i64);
        assert!(["known", "discovery"].contains(&t["kind"].as_str().unwrap()));
        assert!(!t["reasons"].as_array().unwrap().is_empty(), "{t}");
        assert!(t["title"].as_str().unwrap().starts_with("Song "));
        artists.push(t["artist"].as_str().unwrap());
    }
    // No artist more than twice; the same artist at least five positions apart.
    for (i, a) in artists.iter().enumerate() {
        assert!(artists.iter().filter(|b| *b == a).count() <= 2);
        for b in artists.iter().skip(i + 1).take(4) {
            assert_ne!(a, b, "{artists:?}");
        }
    }
    let got: HashSet<i64> = track_ids(&v).into_iter().collect();
    assert!(!got.contains(&hated.0), "a hated track was chosen");
    // The three liked-and-dormant favourites are the known part.
    let known: HashSet<i64> = tracks
        .iter()
        .filter(|t| t["kind"] == "known")
        .map(|t| t["track_id"].as_i64().unwrap())
        .collect();
    assert_eq!(known, liked.iter().map(|t| t.0).collect::<HashSet<_>>());
    let k = tracks.iter().find(|t| t["kind"] == "known").unwrap();
    assert!(
        k["reasons"][0]
            .as_str()
            .unwrap()
            .contains("not played for 119 days"),
        "{k}"
    );
    assert!(v["duration_ms"].as_i64().unwrap() > 0);

    // Saved: the same view comes back, and it is listed.
    let (s, g) = app.call("GET", &format!("/api/playlists/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(g["tracks"], v["tracks"]);
    assert_eq!(g["known_count"], 3);
    let (s, l) = app.call("GET", "/api/playlists?profile=alice", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(l["count"], 1);
    assert_eq!(l["playlists"][0]["id"], id);
    assert_eq!(l["playlists"][0]["track_count"], 10);
    assert_eq!(l["playlists"][0]["kind"], "generated");

    // Same seed, same candidates → the same playlist.
    let (_, again) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 10, "known_pct": 30, "profile": "alice", "seed": 3})),
        )
        .await;
    assert_eq!(track_ids(&again), track_ids(&v));
    let (_, l) = app.call("GET", "/api/playlists", None).await;
    assert_eq!(l["count"], 2);
    assert_eq!(l["playlists"][0]["id"], again["id"], "newest first");
    // The seed also fixes the ranker's exploration noise: ten minutes later (nothing new heard)
    // the same seed still gives the same playlist.
    app.clock.advance_ms(10 * 60_000);
    let (_, later) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 10, "known_pct": 30, "profile": "alice", "seed": 3})),
        )
        .await;
    assert_eq!(track_ids(&later), track_ids(&v));
}

#[tokio::test]
async fn guest_vibe_playlist_is_discoveries_only() {
    let app = app(None).await;
    seed(&app).await;
    let (s, v) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 8, "vibe": "calm acoustic", "seed": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["profile"], Value::Null);
    assert_eq!(v["vibe"], "calm acoustic");
    assert_eq!(v["known_count"], 0);
    assert_eq!(v["total_tracks"], 8);
    // The calm cluster is the even artists.
    for t in v["tracks"].as_array().unwrap() {
        assert_eq!(t["kind"], "discovery");
        let a: usize = t["artist"].as_str().unwrap()[7..].parse().unwrap();
        assert_eq!(a % 2, 0, "{t}");
    }
}

#[tokio::test]
async fn unknown_profile_is_404_and_bad_bodies_name_the_field() {
    let app = app(None).await;
    seed(&app).await;
    let (s, v) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"profile": "nobody"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "profile-not-found");
    for (body, field) in [
        (json!({"total_tracks": "many"}), "total_tracks"),
        (json!({"total_tracks": 0}), "total_tracks"),
        (json!({"known_pct": 130}), "known_pct"),
        (json!({"alpha": 2.0}), "alpha"),
        (json!({"arc": "sideways"}), "arc"),
        (json!({"duration_min": -5}), "duration_min"),
        (json!({"auto_play": true}), "speaker_entity"),
        (json!({"total_trakcs": 5}), "total_trakcs"),
    ] {
        let (s, v) = app
            .call("POST", "/api/playlists/generate", Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {v}");
        assert_eq!(v["field"], field, "{body} → {v}");
    }
    let (s, v) = app.call("GET", "/api/playlists/999", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app.call("GET", "/api/playlists/1.pls", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "format");
}

#[tokio::test]
async fn duration_min_sets_the_length() {
    let app = app(None).await;
    seed(&app).await;
    let (s, v) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"profile": "alice", "duration_min": 45, "arc": "wind_down", "seed": 9})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let total = v["duration_ms"].as_i64().unwrap();
    assert!(
        (total - 45 * 60_000).abs() <= 45 * 60_000 / 20,
        "{total} ms is not within 5 % of 45 minutes ({} tracks)",
        v["total_tracks"]
    );
    assert!(
        v["unmet"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["rule"] != "duration_min"),
        "{}",
        v["unmet"]
    );
}

#[tokio::test]
async fn exports_have_their_content_types_and_shapes() {
    let app = app(None).await;
    seed(&app).await;
    let (_, v) = app
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 6, "profile": "alice", "name": "Tom & \"Jerry\" <mix>"})),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
    let n = v["tracks"].as_array().unwrap().len();

    let (s, ct, body) = app
        .raw("GET", &format!("/api/playlists/{id}.m3u8"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, "audio/x-mpegurl; charset=utf-8");
    let m3u = String::from_utf8(body).unwrap();
    assert!(
        m3u.starts_with("#EXTM3U\n#PLAYLIST:Tom & \"Jerry\" <mix>\n"),
        "{m3u}"
    );
    let entries = m3u.lines().filter(|l| l.starts_with("#EXTINF:")).count()
        + m3u
            .lines()
            .filter(|l| l.starts_with("# not available"))
            .count();
    assert_eq!(entries, n, "{m3u}");

    let (s, ct, body) = app
        .raw("GET", &format!("/api/playlists/{id}.xspf"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, "application/xspf+xml");
    let x = String::from_utf8(body).unwrap();
    assert!(x.contains("<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">"));
    assert!(
        x.contains("<title>Tom &amp; &quot;Jerry&quot; &lt;mix&gt;</title>"),
        "{x}"
    );
    assert_eq!(x.matches("<track>").count(), n);

    let (s, ct, body) = app
        .raw("GET", &format!("/api/playlists/{id}.jspf"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, "application/jspf+json");
    let j: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(j["playlist"]["title"], "Tom & \"Jerry\" <mix>");
    assert_eq!(j["playlist"]["creator"], "Hearth (profile alice)");
    let tracks = j["playlist"]["track"].as_array().unwrap();
    assert_eq!(tracks.len(), n);
    for (t, view) in tracks.iter().zip(v["tracks"].as_array().unwrap()) {
        assert_eq!(t["title"], view["title"]);
        assert_eq!(t["creator"], view["artist"]);
        assert_eq!(t["duration"], view["duration_ms"]);
        assert!(t["identifier"].is_array());
    }
}

#[tokio::test]
async fn auto_play_reports_the_target_and_keeps_the_playlist_on_failure() {
    // Success: the fake target gets the items in order with their URIs.
    let calls: Calls = Arc::default();
    let ok = app(Some(Arc::new(FakeTarget {
        calls: calls.clone(),
        fail: false,
    })))
    .await;
    seed(&ok).await;
    let (s, v) = ok
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 6, "profile": "alice", "speaker_entity": "media_player.study_2", "auto_play": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["playback"]["target"], "home_assistant");
    assert_eq!(v["playback"]["speaker_entity"], "media_player.study_2");
    assert_eq!(v["playback"]["queued"], 6);
    let recorded = calls.lock().unwrap().clone();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].0, "media_player.study_2");
    let sent: Vec<i64> = recorded[0].1.iter().map(|i| i.track_id).collect();
    assert_eq!(sent, track_ids(&v));
    for item in &recorded[0].1 {
        let t = ok
            .store
            .get_track(TrackId(item.track_id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            item.provider_uri,
            t.spotify_id.map(|s| format!("spotify:track:{s}"))
        );
        assert_eq!(item.file_path, t.file_path.map(std::path::PathBuf::from));
    }

    // Failure: the error is in `playback`, the playlist is saved anyway.
    let calls: Calls = Arc::default();
    let bad = app(Some(Arc::new(FakeTarget {
        calls: calls.clone(),
        fail: true,
    })))
    .await;
    seed(&bad).await;
    let (s, v) = bad
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 6, "profile": "alice", "speaker_entity": "media_player.x", "auto_play": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["playback"]["error"], "timeout");
    assert!(v["playback"]["message"]
        .as_str()
        .unwrap()
        .contains("10000 ms"));
    assert_eq!(calls.lock().unwrap().len(), 1);
    let (s, _) = bad
        .call("GET", &format!("/api/playlists/{}", v["id"]), None)
        .await;
    assert_eq!(s, StatusCode::OK);

    // No target configured.
    let none = app(None).await;
    seed(&none).await;
    let (s, v) = none
        .call(
            "POST",
            "/api/playlists/generate",
            Some(json!({"total_tracks": 4, "profile": "alice", "speaker_entity": "media_player.x", "auto_play": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["playback"]["error"], "not_configured");
    assert_eq!(v["total_tracks"], 4);
}
