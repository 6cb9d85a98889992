//! A small deterministic household for the dashboard tests: three profiles with speakers, two
//! clusters of analysed tracks, listens at fixed times (one titled like an XSS probe), feedback
//! and a job. Everything is written straight to the store, so pages rendered at the fixed clock
//! are byte-for-byte stable.

use hearth_core::clock::ManualClock;
use hearth_core::config::Config;
use hearth_core::ids::{ProfileId, TrackId};
use hearth_core::model::{Feedback, FeedbackKind, NewListen, TrackInput};
use hearth_server::AppState;
use hearth_store::{DynStore, FeatureAttributes, NewJob};
use std::sync::Arc;

pub const T0: i64 = 1_700_000_000_000;
pub const XSS_TITLE: &str = "<script>alert(1)</script>";
const DIM: usize = 8;
const MIN_MS: i64 = 60_000;

pub struct Household {
    pub state: AppState,
    pub store: DynStore,
    pub alice: ProfileId,
    pub bob: ProfileId,
    /// Track of alice's newest listen (the XSS-titled one).
    pub xss_track: TrackId,
    pub tracks: Vec<TrackId>,
    _dir: tempfile::TempDir,
}

fn vector(base: usize, i: usize) -> Vec<f32> {
    (0..DIM)
        .map(|d| {
            let hot = if d == base || d == base + 1 { 1.0 } else { 0.0 };
            hot + 0.1 * ((i * 7 + d * 3) as f32).sin()
        })
        .collect()
}

fn listen(track: TrackInput, profile: ProfileId, ts: i64, speaker: Option<&str>) -> NewListen {
    NewListen {
        track,
        profile_id: profile,
        ts,
        source: "webhook".into(),
        speaker_name: speaker.map(str::to_string),
        ms_played: Some(180_000),
        skipped: false,
        reason_end: None,
        dedup_key: None,
    }
}

pub async fn household() -> Household {
    let dir = tempfile::tempdir().unwrap();
    let store = hearth_store::open(&format!("sqlite:{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let clock = ManualClock::new(T0);
    let state = AppState::new(store.clone(), Config::defaults(), Arc::new(clock.clone()));
    let start = T0 - 3 * 86_400_000;
    let alice = store
        .create_profile("alice", Some("Alice"), start)
        .await
        .unwrap();
    let bob = store.create_profile("bob", None, start).await.unwrap();
    let carol = store
        .create_profile("carol", Some("Carol <the \"guest\">"), start)
        .await
        .unwrap();
    store
        .set_speakers(alice.id, &["media_player.kitchen".into()])
        .await
        .unwrap();
    store
        .set_speakers(
            bob.id,
            &["media_player.garage".into(), "Bob's phone".into()],
        )
        .await
        .unwrap();

    // Two clusters: loud fast rock (alice) and quiet slow folk (bob).
    let mut tracks = Vec::new();
    let mut inputs = Vec::new();
    for i in 0..12 {
        for rock in [true, false] {
            let mut t = if rock {
                TrackInput::new(format!("Iron Band {}", i % 3), format!("Thunder {i}"))
            } else {
                TrackInput::new(format!("Soft Singer {}", i % 3), format!("Lullaby {i}"))
            };
            t.album = Some(if rock { "Volume" } else { "Hush" }.into());
            t.duration_ms = Some(200_000);
            t.tags = if rock {
                vec!["rock".into(), "energetic".into()]
            } else {
                vec!["folk".into(), "acoustic".into()]
            };
            let (id, _) = store
                .upsert_track(&t, hearth_core::model::TrackOrigin::Library, start)
                .await
                .unwrap();
            let attrs = FeatureAttributes {
                tempo_bpm: Some(if rock { 160.0 } else { 72.0 }),
                energy: Some(if rock { 0.9 } else { 0.2 }),
                acousticness: Some(if rock { 0.1 } else { 0.9 }),
                danceability: Some(0.5),
                mode: Some(if rock { "minor" } else { "major" }.into()),
                key: Some((i % 12) as i32),
                ..FeatureAttributes::default()
            };
            store
                .save_audio_features(id, 1, &vector(if rock { 0 } else { 4 }, i), &attrs, start)
                .await
                .unwrap();
            tracks.push(id);
            inputs.push((rock, t));
        }
    }
    // Listens: alice the first half of the rock tracks, bob of the folk ones, carol nothing.
    let mut batch = Vec::new();
    let mut minute = 0;
    for (rock, t) in inputs.iter().filter(|(_, t)| {
        let n: usize = t.title.rsplit(' ').next().unwrap().parse().unwrap();
        n < 6
    }) {
        minute += 7;
        let (p, speaker) = if *rock {
            (alice.id, "media_player.kitchen")
        } else {
            (bob.id, "media_player.garage")
        };
        batch.push(listen(t.clone(), p, start + minute * MIN_MS, Some(speaker)));
    }
    // Bob skips a rock track; alice's newest listen has a title that looks like markup.
    let mut skip = listen(inputs[0].1.clone(), bob.id, T0 - 30 * MIN_MS, None);
    skip.skipped = true;
    skip.ms_played = Some(8_000);
    batch.push(skip);
    batch.push(listen(
        TrackInput::new("Mallory & \"Friends\"", XSS_TITLE),
        alice.id,
        T0 - 5 * MIN_MS,
        Some("media_player.kitchen"),
    ));
    store
        .record_listens(&batch, hearth_core::model::LISTEN_DEDUP_WINDOW_MS)
        .await
        .unwrap();
    let xss_track = store
        .search_tracks("alert(1)", 1)
        .await
        .unwrap()
        .first()
        .unwrap()
        .id;
    store
        .add_feedback(&Feedback {
            profile_id: alice.id,
            track_id: tracks[2],
            kind: FeedbackKind::Love,
            rating: None,
            vibe: Some("workout".into()),
            ts: T0 - 60 * MIN_MS,
        })
        .await
        .unwrap();
    store
        .enqueue(
            &NewJob {
                kind: "analyze".into(),
                payload: serde_json::json!({"track_id": xss_track.0}),
                max_attempts: 3,
                run_after: T0 - 10 * MIN_MS,
                dedup_key: None,
            },
            T0 - 10 * MIN_MS,
        )
        .await
        .unwrap();
    let _ = carol;
    Household {
        state,
        store,
        alice: alice.id,
        bob: bob.id,
        xss_track,
        tracks,
        _dir: dir,
    }
}
