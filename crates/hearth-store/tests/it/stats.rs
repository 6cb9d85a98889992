//! `StatsStore`: listening statistics and system health, on every backend.

use hearth_core::ids::ProfileId;
use hearth_core::model::*;
use hearth_store::{DynStore, FeatureAttributes, NewJob};

const T0: i64 = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

fn listen(profile: ProfileId, artist: &str, title: &str, ts: i64, skipped: bool) -> NewListen {
    NewListen {
        skipped,
        ..crate::support::listen(profile, artist, title, ts)
    }
}

crate::contract_tests!(
    listening_stats_count_windows_profiles_tops_and_feedback,
    listening_stats_of_an_empty_store_are_zero,
    system_health_reports_backlog_and_size,
);

async fn listening_stats_count_windows_profiles_tops_and_feedback(store: DynStore) {
    let d = store.get_profile("default").await.unwrap().unwrap().id;
    let a = store.create_profile("ann", None, T0).await.unwrap().id;
    let b = store.create_profile("ben", None, T0).await.unwrap().id;
    let batch = vec![
        // ann: 3 listens of "X – one" (2 within 7 days), 1 skipped "Y – two" 20 days ago.
        listen(a, "X", "one", T0 - DAY, false),
        listen(a, "X", "one", T0 - 2 * DAY, false),
        listen(a, "X", "one", T0 - 40 * DAY, false),
        listen(a, "Y", "two", T0 - 20 * DAY, true),
        // ben: one listen of "Y – two" today, one of "Z – three" long ago.
        listen(b, "Y", "two", T0 - 1000, false),
        listen(b, "Z", "three", T0 - 100 * DAY, false),
        // default: one in the future of `now` (not in any window).
        listen(d, "Z", "three", T0 + DAY, false),
    ];
    store.record_listens(&batch, 60_000).await.unwrap();
    let one = store.search_tracks("one", 1).await.unwrap()[0].id;
    for (p, kind) in [
        (a, FeedbackKind::Like),
        (a, FeedbackKind::Like),
        (b, FeedbackKind::Skip),
    ] {
        store
            .add_feedback(&Feedback {
                profile_id: p,
                track_id: one,
                kind,
                rating: None,
                vibe: None,
                ts: T0,
            })
            .await
            .unwrap();
    }

    let all = store.listening_stats(None, T0, 10).await.unwrap();
    assert_eq!(
        (
            all.listens_total,
            all.listens_7d,
            all.listens_30d,
            all.skipped
        ),
        (7, 3, 4, 1)
    );
    assert!((all.skip_rate().unwrap() - 1.0 / 7.0).abs() < 1e-9);
    let per: Vec<(&str, i64, i64, i64)> = all
        .per_profile
        .iter()
        .map(|p| {
            (
                p.profile.as_str(),
                p.listens_total,
                p.listens_30d,
                p.skipped,
            )
        })
        .collect();
    assert_eq!(
        per,
        vec![("ann", 4, 3, 1), ("ben", 2, 1, 0), ("default", 1, 0, 0)]
    );
    let artists: Vec<(&str, i64)> = all
        .top_artists
        .iter()
        .map(|x| (x.artist.as_str(), x.plays))
        .collect();
    assert_eq!(artists, vec![("X", 3), ("Y", 2), ("Z", 2)]);
    assert_eq!(all.top_tracks[0].title, "one");
    assert_eq!(all.top_tracks[0].plays, 3);
    assert_eq!(all.top_tracks[0].track_id, one);
    let fb: Vec<(&str, i64)> = all
        .feedback
        .iter()
        .map(|f| (f.kind.as_str(), f.count))
        .collect();
    assert_eq!(fb, vec![("like", 2), ("skip", 1)]);

    // One profile; `top_n` bounds the lists.
    let ann = store.listening_stats(Some(a), T0, 1).await.unwrap();
    assert_eq!((ann.listens_total, ann.listens_7d, ann.skipped), (4, 2, 1));
    assert_eq!(ann.per_profile.len(), 1);
    assert_eq!(ann.top_artists.len(), 1);
    assert_eq!(ann.top_artists[0].artist, "X");
    assert_eq!(ann.top_tracks.len(), 1);
    assert_eq!(ann.feedback.len(), 1);
    assert_eq!(ann.feedback[0].count, 2);
    let def = store.listening_stats(Some(d), T0, 10).await.unwrap();
    assert_eq!(def.listens_total, 1);
    assert!(def.feedback.is_empty());
}

async fn listening_stats_of_an_empty_store_are_zero(store: DynStore) {
    let s = store.listening_stats(None, T0, 10).await.unwrap();
    assert_eq!(s.listens_total, 0);
    assert_eq!(s.skip_rate(), None);
    assert!(s.per_profile.is_empty() && s.top_artists.is_empty() && s.top_tracks.is_empty());
    assert!(s.feedback.is_empty());
}

async fn system_health_reports_backlog_and_size(store: DynStore) {
    let (t, _) = store
        .upsert_track(&TrackInput::new("A", "1"), TrackOrigin::Library, T0)
        .await
        .unwrap();
    store
        .upsert_track(&TrackInput::new("A", "2"), TrackOrigin::Library, T0)
        .await
        .unwrap();
    store
        .save_audio_features(t, 1, &[0.5, 0.25], &FeatureAttributes::default(), T0)
        .await
        .unwrap();
    store
        .save_audio_features(t, 2, &[0.5, 0.25, 1.0], &FeatureAttributes::default(), T0)
        .await
        .unwrap();
    for i in 0..2 {
        store
            .enqueue(
                &NewJob {
                    kind: "analyze".into(),
                    payload: serde_json::json!({ "i": i }),
                    max_attempts: 1,
                    run_after: T0,
                    dedup_key: None,
                },
                T0,
            )
            .await
            .unwrap();
    }
    let job = store.claim(&["analyze"], "w", T0).await.unwrap().unwrap();
    store.fail(job.id, "w", "boom", T0 + 1, T0).await.unwrap();
    let h = store.system_health().await.unwrap();
    assert_eq!(h.backend, store.backend());
    assert!(h.db_size_bytes > 0);
    assert_eq!(
        (
            h.profiles,
            h.tracks,
            h.analysed,
            h.queued_jobs,
            h.running_jobs,
            h.failed_jobs
        ),
        (1, 2, 1, 1, 0, 1)
    );
}
