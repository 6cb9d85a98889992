//! `hearth playlist generate | list | show | export` on a store seeded by the test.

use crate::support::hearth;
use hearth_core::model::{Feedback, FeedbackKind, NewListen, TrackInput, TrackOrigin};
use hearth_store::FeatureAttributes;
use serde_json::Value;
use std::path::Path;

const NOW_ISH: i64 = 1_700_000_000_000;

/// Eight artists × four analysed tracks with durations; profile `alice` played and loved a few.
fn seed(dir: &Path) {
    let url = format!("sqlite:{}/hearth.db", dir.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = hearth_store::open(&url).await.unwrap();
        let alice = store.create_profile("alice", None, NOW_ISH).await.unwrap();
        let mut played = Vec::new();
        for a in 0..8 {
            for i in 0..4 {
                let n = a * 4 + i;
                let mut t = TrackInput::new(format!("Band {a}"), format!("Tune {n}"));
                t.duration_ms = Some(180_000 + n as i64 * 1000);
                t.file_path = Some(format!("/music/band{a}/tune {n}.flac"));
                let (id, _) = store
                    .upsert_track(&t, TrackOrigin::Library, NOW_ISH)
                    .await
                    .unwrap();
                let v: Vec<f32> = (0..6)
                    .map(|d| {
                        if d == a % 3 {
                            1.0
                        } else {
                            0.1 * ((n + d) as f32).cos()
                        }
                    })
                    .collect();
                let attrs = FeatureAttributes {
                    energy: Some(0.1 + 0.1 * a as f64),
                    tempo_bpm: Some(80.0 + 10.0 * a as f64),
                    ..Default::default()
                };
                store
                    .save_audio_features(id, 1, &v, &attrs, NOW_ISH)
                    .await
                    .unwrap();
                if i == 0 {
                    played.push((id, t));
                }
            }
        }
        let batch: Vec<NewListen> = played
            .iter()
            .map(|(_, t)| NewListen {
                track: t.clone(),
                profile_id: alice.id,
                ts: NOW_ISH,
                source: "test".into(),
                speaker_name: None,
                ms_played: None,
                skipped: false,
                reason_end: None,
                dedup_key: None,
            })
            .collect();
        store.record_listens(&batch, 60_000).await.unwrap();
        for (id, _) in played.iter().take(2) {
            store
                .add_feedback(&Feedback {
                    profile_id: alice.id,
                    track_id: *id,
                    kind: FeedbackKind::Love,
                    rating: None,
                    vibe: None,
                    ts: NOW_ISH,
                })
                .await
                .unwrap();
        }
    });
}

#[test]
fn generate_list_show_and_export() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let run = |args: &[&str]| {
        let out = hearth()
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "hearth {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let out = run(&[
        "playlist",
        "generate",
        "--profile",
        "alice",
        "--tracks",
        "8",
        "--known-pct",
        "25",
        "--seed",
        "5",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["profile"], "alice");
    assert_eq!(v["total_tracks"], 8);
    assert_eq!(v["known_count"], 2);
    let id = v["id"].as_i64().unwrap();
    for t in v["tracks"].as_array().unwrap() {
        assert!(!t["reasons"].as_array().unwrap().is_empty());
    }

    // The table names the kinds and reasons.
    let table = run(&["playlist", "show", &id.to_string()]);
    assert!(
        table.contains("known") && table.contains("discovery"),
        "{table}"
    );
    assert!(table.contains("a favourite you liked"), "{table}");

    let listed = run(&["playlist", "list", "--json"]);
    let l: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(l[0]["id"], id);
    assert_eq!(l[0]["track_count"], 8);

    let file = dir.path().join("out.xspf");
    run(&[
        "playlist",
        "export",
        &id.to_string(),
        "--format",
        "xspf",
        "-o",
        file.to_str().unwrap(),
    ]);
    let x = std::fs::read_to_string(&file).unwrap();
    assert!(x.contains("xmlns=\"http://xspf.org/ns/0/\""));
    assert_eq!(x.matches("<track>").count(), 8);
    assert!(x.contains("<location>file:///music/band"), "{x}");

    let m3u = run(&["playlist", "export", &id.to_string(), "--format", "m3u8"]);
    assert!(m3u.starts_with("#EXTM3U\n"));
    assert_eq!(m3u.matches("#EXTINF:").count(), 8);
    assert!(m3u.contains("\n/music/band"), "{m3u}");

    let bad = hearth()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["playlist", "export", &id.to_string(), "--format", "pls"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--format \"pls\""));
}
