//! Behaviour every store adapter must have.

use hearth_core::ids::{ProfileId, TrackId};
use hearth_core::model::*;
use hearth_store::{
    DynStore, FeatureAttributes, JobStatus, MoodOverride, NewJob, StoreError, StoredTaste,
};
use serde_json::json;
use std::collections::HashSet;

const T0: i64 = 1_700_000_000_000;
const WINDOW: i64 = 60_000;

use crate::support::listen;

async fn default_id(store: &DynStore) -> ProfileId {
    store
        .get_profile("default")
        .await
        .unwrap()
        .expect("default profile is seeded")
        .id
}

crate::contract_tests!(
    default_profile_is_seeded_and_protected,
    profiles_create_conflict_and_validation,
    speakers_replace_and_move_between_profiles,
    listens_dedup_within_window_per_profile_and_track,
    import_keys_make_listens_idempotent,
    concurrent_identical_listens_store_once,
    track_identity_merges_variants_and_fills_fields,
    a_bad_listen_rolls_back_its_whole_batch,
    deleting_a_profile_reassigns_history_to_default,
    recent_listens_newest_first_with_profile_filter,
    preferences_and_tokens_round_trip,
    feedback_is_stored_per_profile,
    jobs_claim_complete_retry_and_give_up,
    jobs_left_running_by_a_dead_worker_are_requeued,
    concurrent_claims_take_each_job_once,
    status_counts_reflect_contents,
    track_search_is_case_insensitive_and_escapes_wildcards,
    bulk_import_resolves_tracks_and_is_idempotent,
    import_session_commits_many_batches_and_drop_rolls_back,
    audio_features_round_trip_and_upsert,
    taste_profiles_round_trip_per_model,
    mood_overrides_expire,
    listening_days_are_distinct_unskipped_baskets,
);

async fn default_profile_is_seeded_and_protected(store: DynStore) {
    let d = store.get_profile("default").await.unwrap().unwrap();
    assert_eq!(d.name, "default");
    match store.delete_profile("default").await {
        Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "name"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(store.get_profile("default").await.unwrap().is_some());
    store.ping().await.unwrap();
}

async fn profiles_create_conflict_and_validation(store: DynStore) {
    let p = store
        .create_profile("antialias", Some("Me"), T0)
        .await
        .unwrap();
    assert_eq!(p.display_name.as_deref(), Some("Me"));
    assert!(matches!(
        store.create_profile("antialias", None, T0).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.create_profile("Bad Name", None, T0).await,
        Err(StoreError::InvalidInput { .. })
    ));
    let (again, created) = store.ensure_profile("antialias", T0).await.unwrap();
    assert_eq!((again.id, created), (p.id, false));
    let (guest, created) = store.ensure_profile("guest", T0).await.unwrap();
    assert!(created);
    let names: Vec<String> = store
        .list_profiles()
        .await
        .unwrap()
        .into_iter()
        .map(|(p, _)| p.name)
        .collect();
    assert_eq!(names, vec!["antialias", "default", "guest"]);
    assert_eq!(store.get_profile("nobody").await.unwrap(), None);
    assert_ne!(guest.id, p.id);
}

async fn speakers_replace_and_move_between_profiles(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let b = store.create_profile("b", None, T0).await.unwrap();
    store
        .set_speakers(
            a.id,
            &["Study speaker".into(), "Master bathroom speaker".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        store.speakers(a.id).await.unwrap(),
        vec!["Master bathroom speaker", "Study speaker"]
    );
    store
        .set_speakers(b.id, &["Study speaker".into()])
        .await
        .unwrap();
    assert_eq!(
        store.speakers(a.id).await.unwrap(),
        vec!["Master bathroom speaker"]
    );
    assert_eq!(
        store
            .profile_for_speaker("Study speaker")
            .await
            .unwrap()
            .unwrap()
            .name,
        "b"
    );
    store.set_speakers(a.id, &[]).await.unwrap();
    assert!(store.speakers(a.id).await.unwrap().is_empty());
    assert!(store
        .profile_for_speaker("Master bathroom speaker")
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store.set_speakers(a.id, &["  ".into()]).await,
        Err(StoreError::InvalidInput { .. })
    ));
    assert_eq!(
        store.profile_stats(b.id).await.unwrap().speakers,
        vec!["Study speaker"]
    );
}

async fn listens_dedup_within_window_per_profile_and_track(store: DynStore) {
    let d = default_id(&store).await;
    let a = store.create_profile("a", None, T0).await.unwrap().id;
    let out = store
        .record_listens(
            &[
                listen(d, "Radiohead", "Paranoid Android", T0),
                listen(d, "Radiohead", "Paranoid Android (Remastered)", T0 + 59_000),
                listen(a, "Radiohead", "Paranoid Android", T0 + 1_000),
                listen(d, "Radiohead", "Karma Police", T0 + 2_000),
            ],
            WINDOW,
        )
        .await
        .unwrap();
    assert!(matches!(
        out[0],
        ListenOutcome::Stored {
            new_track: true,
            ..
        }
    ));
    assert!(
        matches!(out[1], ListenOutcome::Duplicate { .. }),
        "same recording within 60 s: {out:?}"
    );
    assert!(
        matches!(
            out[2],
            ListenOutcome::Stored {
                new_track: false,
                ..
            }
        ),
        "another profile is not a duplicate"
    );
    assert!(matches!(out[3], ListenOutcome::Stored { .. }));
    let later = store
        .record_listens(
            &[listen(d, "Radiohead", "Paranoid Android", T0 + 61_000)],
            WINDOW,
        )
        .await
        .unwrap();
    assert!(
        matches!(later[0], ListenOutcome::Stored { .. }),
        "61 s later it is a new listen"
    );
    assert_eq!(store.status_counts().await.unwrap().listens, 4);
}

async fn import_keys_make_listens_idempotent(store: DynStore) {
    let d = default_id(&store).await;
    let rows: Vec<NewListen> = (0..20)
        .map(|i| NewListen {
            dedup_key: Some(format!("spotify:{i}")),
            ..listen(d, "A", &format!("Song {}", i % 5), T0 + i * 1000)
        })
        .collect();
    let first = store.record_listens(&rows, WINDOW).await.unwrap();
    assert!(
        first
            .iter()
            .all(|o| matches!(o, ListenOutcome::Stored { .. })),
        "import keys bypass the 60-s window"
    );
    let second = store.record_listens(&rows, WINDOW).await.unwrap();
    assert!(second
        .iter()
        .all(|o| matches!(o, ListenOutcome::Duplicate { .. })));
    assert_eq!(store.status_counts().await.unwrap().listens, 20);
}

async fn concurrent_identical_listens_store_once(store: DynStore) {
    let d = default_id(&store).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_listens(&[listen(d, "Muse", "Hysteria", T0)], WINDOW)
                    .await
            })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        if let Ok(Ok(v)) = t.await {
            if matches!(v[0], ListenOutcome::Stored { .. }) {
                stored += 1;
            }
        }
    }
    assert_eq!(stored, 1);
    assert_eq!(store.status_counts().await.unwrap().listens, 1);
}

async fn track_identity_merges_variants_and_fills_fields(store: DynStore) {
    let (id, new) = store
        .upsert_track(
            &TrackInput::new("The Beatles", "Let It Be"),
            TrackOrigin::History,
            T0,
        )
        .await
        .unwrap();
    assert!(new);
    let richer = TrackInput {
        album: Some("Let It Be (Remastered)".into()),
        spotify_id: Some("7iN1s7xHE4ifF5povM6A48".into()),
        duration_ms: Some(243_026),
        ..TrackInput::new("THE BEATLES", "Let It Be - Remastered 2009")
    };
    let (id2, new2) = store
        .upsert_track(&richer, TrackOrigin::Library, T0)
        .await
        .unwrap();
    assert_eq!((id2, new2), (id, false));
    let other_album = TrackInput {
        album: Some("Past Masters".into()),
        ..TrackInput::new("The Beatles", "Let It Be [Explicit]")
    };
    store
        .upsert_track(&other_album, TrackOrigin::History, T0)
        .await
        .unwrap();
    let t = store.get_track(id).await.unwrap().unwrap();
    assert_eq!(t.title, "Let It Be", "the first spelling stays");
    assert_eq!(
        t.album.as_deref(),
        Some("Let It Be (Remastered)"),
        "known fields are never overwritten"
    );
    assert_eq!(t.duration_ms, Some(243_026));
    assert_eq!(t.origin, TrackOrigin::History);
    assert_eq!(t.norm_key, "the beatles|let it be");
    assert_eq!(store.get_track(TrackId(999_999)).await.unwrap(), None);
}

async fn a_bad_listen_rolls_back_its_whole_batch(store: DynStore) {
    let d = default_id(&store).await;
    let res = store
        .record_listens(
            &[
                listen(d, "Good", "Song", T0),
                listen(d, "", "No artist", T0),
            ],
            WINDOW,
        )
        .await;
    assert!(
        matches!(res, Err(StoreError::InvalidInput { .. })),
        "{res:?}"
    );
    let c = store.status_counts().await.unwrap();
    assert_eq!(
        (c.listens, c.tracks),
        (0, 0),
        "nothing of the failed batch was written"
    );
}

async fn deleting_a_profile_reassigns_history_to_default(store: DynStore) {
    let d = default_id(&store).await;
    let a = store.create_profile("alice", None, T0).await.unwrap();
    store.set_speakers(a.id, &["Kitchen".into()]).await.unwrap();
    let out = store
        .record_listens(
            &[listen(a.id, "X", "Y", T0), listen(a.id, "X", "Z", T0)],
            WINDOW,
        )
        .await
        .unwrap();
    let ListenOutcome::Stored { track_id, .. } = out[0] else {
        panic!()
    };
    store
        .add_feedback(&Feedback {
            profile_id: a.id,
            track_id,
            kind: FeedbackKind::Like,
            rating: None,
            vibe: Some("chill".into()),
            ts: T0,
        })
        .await
        .unwrap();
    store.delete_profile("alice").await.unwrap();
    assert!(store.get_profile("alice").await.unwrap().is_none());
    assert!(store
        .profile_for_speaker("Kitchen")
        .await
        .unwrap()
        .is_none());
    let stats = store.profile_stats(d).await.unwrap();
    assert_eq!(stats.event_count, 2);
    assert_eq!(store.feedback_of_profile(d).await.unwrap().len(), 1);
    assert!(store
        .recent_listens(Some(d), 10)
        .await
        .unwrap()
        .iter()
        .all(|l| l.profile == "default"));
    assert!(matches!(
        store.delete_profile("alice").await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn recent_listens_newest_first_with_profile_filter(store: DynStore) {
    let d = default_id(&store).await;
    let b = store.create_profile("bob", None, T0).await.unwrap().id;
    let batch: Vec<NewListen> = (0..5)
        .map(|i| {
            let mut l = listen(
                if i % 2 == 0 { d } else { b },
                "Artist",
                &format!("T{i}"),
                T0 + i * 100_000,
            );
            l.speaker_name = Some("Study speaker".into());
            l
        })
        .collect();
    store.record_listens(&batch, WINDOW).await.unwrap();
    let all = store.recent_listens(None, 3).await.unwrap();
    assert_eq!(
        all.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
        vec!["T4", "T3", "T2"]
    );
    assert_eq!(all[1].profile, "bob");
    assert_eq!(all[0].speaker_name.as_deref(), Some("Study speaker"));
    let bobs = store.recent_listens(Some(b), 10).await.unwrap();
    assert_eq!(
        bobs.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
        vec!["T3", "T1"]
    );
    let history = store.listens_of_profile(d).await.unwrap();
    assert_eq!(
        history.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
        vec!["T0", "T2", "T4"]
    );
    let s = store.profile_stats(b).await.unwrap();
    assert_eq!(
        (s.event_count, s.track_count, s.last_listen),
        (2, 2, Some(T0 + 300_000))
    );
}

async fn preferences_and_tokens_round_trip(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    assert_eq!(store.preferences(a.id).await.unwrap(), json!({}));
    let prefs = json!({"genres": {"jazz": 0.9}, "energy_level": 0.4});
    store.set_preferences(a.id, &prefs).await.unwrap();
    assert_eq!(store.preferences(a.id).await.unwrap(), prefs);
    store.set_token_hash(a.id, "abc123").await.unwrap();
    assert_eq!(
        store
            .profile_by_token_hash("abc123")
            .await
            .unwrap()
            .unwrap()
            .name,
        "a"
    );
    store.set_token_hash(a.id, "def456").await.unwrap();
    assert!(
        store
            .profile_by_token_hash("abc123")
            .await
            .unwrap()
            .is_none(),
        "rotation revokes the old token"
    );
    assert!(matches!(
        store.preferences(ProfileId(987_654)).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn feedback_is_stored_per_profile(store: DynStore) {
    let a = store.create_profile("a", None, T0).await.unwrap();
    let (t, _) = store
        .upsert_track(&TrackInput::new("A", "B"), TrackOrigin::History, T0)
        .await
        .unwrap();
    for (kind, rating) in [
        (FeedbackKind::Like, None),
        (FeedbackKind::Skip, None),
        (FeedbackKind::Play, Some(0.9)),
    ] {
        store
            .add_feedback(&Feedback {
                profile_id: a.id,
                track_id: t,
                kind,
                rating,
                vibe: None,
                ts: T0,
            })
            .await
            .unwrap();
    }
    let bad = Feedback {
        profile_id: a.id,
        track_id: t,
        kind: FeedbackKind::Play,
        rating: Some(1.5),
        vibe: None,
        ts: T0,
    };
    assert!(matches!(
        store.add_feedback(&bad).await,
        Err(StoreError::InvalidInput { .. })
    ));
    let fb = store.feedback_of_profile(a.id).await.unwrap();
    assert_eq!(
        fb.iter().map(|f| f.kind).collect::<Vec<_>>(),
        vec![FeedbackKind::Like, FeedbackKind::Skip, FeedbackKind::Play]
    );
    assert_eq!(fb[2].rating, Some(0.9));
}

fn job(kind: &str, max_attempts: i64) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: json!({"path": "/music/a.flac"}),
        max_attempts,
        run_after: T0,
        dedup_key: None,
    }
}

async fn jobs_claim_complete_retry_and_give_up(store: DynStore) {
    let id = store.enqueue(&job("analyze", 2), T0).await.unwrap();
    assert!(
        store
            .claim(&["discover"], "w1", T0)
            .await
            .unwrap()
            .is_none(),
        "other kinds are not claimed"
    );
    assert!(
        store
            .claim(&["analyze"], "w1", T0 - 1)
            .await
            .unwrap()
            .is_none(),
        "not before run_after"
    );
    let j = store.claim(&["analyze"], "w1", T0).await.unwrap().unwrap();
    assert_eq!((j.id, j.status, j.attempts), (id, JobStatus::Running, 1));
    assert!(
        store.claim(&["analyze"], "w2", T0).await.unwrap().is_none(),
        "a running job is not claimed twice"
    );
    store
        .heartbeat(id, "w1", &json!({"done": 3, "total": 10}), T0 + 10)
        .await
        .unwrap();
    assert!(matches!(
        store.heartbeat(id, "w2", &json!({}), T0).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store
            .fail(id, "w1", "decoder exploded", T0 + 5_000, T0 + 20)
            .await
            .unwrap(),
        JobStatus::Queued
    );
    assert!(
        store
            .claim(&["analyze"], "w1", T0 + 4_999)
            .await
            .unwrap()
            .is_none(),
        "backoff is honoured"
    );
    let j = store
        .claim(&["analyze"], "w2", T0 + 5_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.attempts, 2);
    assert_eq!(j.last_error.as_deref(), Some("decoder exploded"));
    assert_eq!(j.progress, json!({"done": 3, "total": 10}));
    assert_eq!(
        store
            .fail(id, "w2", "again", T0 + 10_000, T0 + 5_001)
            .await
            .unwrap(),
        JobStatus::Failed,
        "gives up after max_attempts"
    );
    assert!(store
        .claim(&["analyze"], "w1", T0 + 99_999)
        .await
        .unwrap()
        .is_none());

    let ok = store.enqueue(&job("analyze", 3), T0).await.unwrap();
    let j = store.claim(&["analyze"], "w1", T0).await.unwrap().unwrap();
    assert_eq!(j.id, ok);
    store
        .complete(ok, "w1", &json!({"tracks": 1}), T0 + 1)
        .await
        .unwrap();
    let done = store.get_job(ok).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.result),
        (JobStatus::Done, Some(json!({"tracks": 1})))
    );

    let k1 = store
        .enqueue(
            &NewJob {
                dedup_key: Some("analyze:/a".into()),
                ..job("analyze", 3)
            },
            T0,
        )
        .await
        .unwrap();
    let k2 = store
        .enqueue(
            &NewJob {
                dedup_key: Some("analyze:/a".into()),
                ..job("analyze", 3)
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(k1, k2, "a dedup key makes enqueueing idempotent");
    assert_eq!(store.list_jobs(10).await.unwrap().len(), 3);
}

async fn jobs_left_running_by_a_dead_worker_are_requeued(store: DynStore) {
    let id = store.enqueue(&job("analyze", 5), T0).await.unwrap();
    store
        .claim(&["analyze"], "dead-worker", T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.requeue_stale(T0 - 1, T0 + 1).await.unwrap(),
        0,
        "a fresh lease stays"
    );
    assert_eq!(
        store.requeue_stale(T0 + 60_000, T0 + 60_001).await.unwrap(),
        1
    );
    let j = store
        .claim(&["analyze"], "w2", T0 + 60_002)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((j.id, j.attempts), (id, 2));
    assert!(
        matches!(
            store.complete(id, "dead-worker", &json!({}), T0).await,
            Err(StoreError::Conflict { .. })
        ),
        "the old worker lost its lease"
    );
}

async fn concurrent_claims_take_each_job_once(store: DynStore) {
    for _ in 0..40 {
        store.enqueue(&job("analyze", 3), T0).await.unwrap();
    }
    let tasks: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(j) = store
                    .claim(&["analyze"], &format!("w{w}"), T0)
                    .await
                    .unwrap()
                {
                    got.push(j.id);
                    store
                        .complete(j.id, &format!("w{w}"), &json!({}), T0)
                        .await
                        .unwrap();
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), unique.len()), (40, 40));
}

async fn status_counts_reflect_contents(store: DynStore) {
    let d = default_id(&store).await;
    store
        .record_listens(&[listen(d, "A", "1", T0), listen(d, "A", "2", T0)], WINDOW)
        .await
        .unwrap();
    store.enqueue(&job("analyze", 3), T0).await.unwrap();
    let c = store.status_counts().await.unwrap();
    assert_eq!(
        (c.listens, c.tracks, c.profiles, c.queued_jobs, c.analysed),
        (2, 2, 1, 1, 0)
    );
    assert!(matches!(store.backend(), "sqlite" | "postgres"));
}

async fn track_search_is_case_insensitive_and_escapes_wildcards(store: DynStore) {
    for (a, t) in [
        ("Miles Davis", "So What"),
        ("John Coltrane", "Giant Steps"),
        ("Weird", "100% Pure"),
    ] {
        store
            .upsert_track(&TrackInput::new(a, t), TrackOrigin::History, T0)
            .await
            .unwrap();
    }
    let found = store.search_tracks("miles", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title, "So What");
    assert_eq!(store.search_tracks("100%", 10).await.unwrap().len(), 1);
    assert_eq!(
        store.search_tracks("%", 10).await.unwrap().len(),
        1,
        "% is literal"
    );
    assert_eq!(store.search_tracks("", 10).await.unwrap().len(), 3);
}

async fn bulk_import_resolves_tracks_and_is_idempotent(store: DynStore) {
    let d = default_id(&store).await;
    let (known, _) = store
        .upsert_track(&TrackInput::new("Known", "Song"), TrackOrigin::Library, T0)
        .await
        .unwrap();
    let mut rows: Vec<NewListen> = (0..1_200)
        .map(|i| NewListen {
            dedup_key: Some(format!("row-{i}")),
            track: TrackInput {
                album: Some("Alb".into()),
                ..TrackInput::new(format!("Artist {}", i % 7), format!("Title {}", i % 450))
            },
            ..listen(d, "", "", T0 + i)
        })
        .collect();
    rows.push(NewListen {
        dedup_key: Some("known-1".into()),
        ..listen(d, "KNOWN", "Song (Remastered)", T0)
    });
    // Repeats of a key stored by an earlier statement of the batch (row 0) and by the same one
    // (row 1,100; SQLite inserts 1,000 rows per statement, PostgreSQL 300).
    rows.push(NewListen {
        dedup_key: Some("row-0".into()),
        ..listen(d, "Repeat", "In batch", T0)
    });
    rows.push(NewListen {
        dedup_key: Some("row-1100".into()),
        ..listen(d, "Repeat", "In chunk", T0)
    });
    let first = store.import_listens(&rows).await.unwrap();
    assert_eq!(first.stored.len(), 1_201);
    assert_eq!(
        first.duplicates, 2,
        "a key repeated inside the batch is stored once"
    );
    assert_eq!(
        first.stored_rows,
        (0..1_201).collect::<Vec<usize>>(),
        "stored rows point back into the batch, first occurrence wins"
    );
    assert_eq!(
        first.new_tracks.len(),
        distinct_pairs(),
        "one track per distinct recording"
    );
    assert!(
        first.stored.iter().any(|(_, t)| *t == known),
        "an existing track is reused"
    );
    // The reported ids are the stored rows' own ids (the SQLite adapter derives them from the
    // insert instead of reading each row back).
    let by_id: std::collections::HashMap<i64, ListenEvent> = store
        .listens_of_profile(d)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    for (&(id, track), &row) in first.stored.iter().zip(&first.stored_rows) {
        let l = &by_id[&id];
        assert_eq!((l.track_id, l.ts), (track, rows[row].ts), "listen {id}");
    }
    let again = store.import_listens(&rows).await.unwrap();
    assert_eq!(
        (again.stored.len(), again.duplicates, again.new_tracks.len()),
        (0, rows.len(), 0)
    );
    assert_eq!(store.status_counts().await.unwrap().listens, 1_201);
    let bad = vec![listen(d, "No", "Key", T0)];
    assert!(matches!(
        store.import_listens(&bad).await,
        Err(StoreError::InvalidInput { .. })
    ));
}

/// An import session: batches accumulate in one transaction until `commit`, keys and tracks
/// from earlier batches of the session count as stored, and dropping it rolls back whatever
/// was written since its last commit.
async fn import_session_commits_many_batches_and_drop_rolls_back(store: DynStore) {
    let d = default_id(&store).await;
    let row = |i: i64| NewListen {
        dedup_key: Some(format!("s:{i}")),
        ..listen(
            d,
            &format!("Artist {}", i % 3),
            &format!("Title {}", i % 5),
            T0 + i,
        )
    };
    let first: Vec<NewListen> = (0..1_500).map(row).collect();
    // Overlaps the first batch by 500 keys; same 15 recordings.
    let second: Vec<NewListen> = (1_000..2_500).map(row).collect();
    let mut session = store.begin_import().await.unwrap();
    let a = session.import_listens(&first).await.unwrap();
    assert_eq!(
        (a.stored.len(), a.duplicates, a.new_tracks.len()),
        (1_500, 0, 15)
    );
    let b = session.import_listens(&second).await.unwrap();
    assert_eq!(
        (b.stored.len(), b.duplicates, b.new_tracks.len()),
        (1_000, 500, 0),
        "keys and tracks written earlier in the session are known"
    );
    assert_eq!(b.stored_rows, (500..1_500).collect::<Vec<usize>>());
    session.commit().await.unwrap();
    assert_eq!(store.status_counts().await.unwrap().listens, 2_500);
    // Still usable after a commit; what is not committed is rolled back on drop.
    let third: Vec<NewListen> = (2_500..3_000).map(row).collect();
    let c = session.import_listens(&third).await.unwrap();
    assert_eq!(c.stored.len(), 500);
    drop(session);
    assert_eq!(store.status_counts().await.unwrap().listens, 2_500);
    let again = store.import_listens(&third).await.unwrap();
    assert_eq!(
        again.stored.len(),
        500,
        "the rolled-back batch imports again"
    );
    // The ids a session reports are the stored rows' own.
    let by_id: std::collections::HashMap<i64, ListenEvent> = store
        .listens_of_profile(d)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    for (&(id, track), &r) in b.stored.iter().zip(&b.stored_rows) {
        assert_eq!((by_id[&id].track_id, by_id[&id].ts), (track, second[r].ts));
    }
}

/// Distinct (artist, title) pairs among the generated rows, plus the "Repeat" row's recording.
/// Tracks the bulk-import batch creates: its distinct (artist, title) pairs plus the two
/// "Repeat" rows' recordings (their listens are duplicates, their tracks are still resolved).
fn distinct_pairs() -> usize {
    let pairs: HashSet<(usize, usize)> = (0..1_200).map(|i| (i % 7, i % 450)).collect();
    pairs.len() + 2
}

async fn audio_features_round_trip_and_upsert(store: DynStore) {
    let (a, _) = store
        .upsert_track(&TrackInput::new("A", "One"), TrackOrigin::History, T0)
        .await
        .unwrap();
    let (b, _) = store
        .upsert_track(&TrackInput::new("B", "Two"), TrackOrigin::History, T0)
        .await
        .unwrap();
    let attrs = FeatureAttributes {
        tempo_bpm: Some(128.0),
        energy: Some(0.9),
        key: Some(4),
        mode: Some("minor".into()),
        details: json!({"rms": 0.3}),
        ..Default::default()
    };
    store
        .save_audio_features(a, 1, &[0.5, -1.25, 3.0e-7], &attrs, T0)
        .await
        .unwrap();
    store
        .save_audio_features(b, 1, &[1.0, 0.0, 0.0], &FeatureAttributes::default(), T0)
        .await
        .unwrap();
    store
        .save_audio_features(b, 2, &[9.0; 5], &FeatureAttributes::default(), T0)
        .await
        .unwrap();
    // Upsert replaces vector and attributes.
    let attrs2 = FeatureAttributes {
        energy: Some(0.1),
        ..Default::default()
    };
    store
        .save_audio_features(b, 1, &[0.0, 1.0, 0.0], &attrs2, T0 + 1)
        .await
        .unwrap();

    let v1 = store.audio_vectors(1).await.unwrap();
    assert_eq!(
        v1,
        vec![(a, vec![0.5, -1.25, 3.0e-7]), (b, vec![0.0, 1.0, 0.0])],
        "vectors are bit-exact"
    );
    assert_eq!(
        store.audio_vectors(2).await.unwrap(),
        vec![(b, vec![9.0; 5])]
    );
    let f = store
        .track_features(&[b, a, TrackId(999_999)], 1)
        .await
        .unwrap();
    assert_eq!(
        f,
        vec![
            (a, attrs.clone()),
            (
                b,
                FeatureAttributes {
                    details: json!({}),
                    ..attrs2
                }
            )
        ]
    );
    assert_eq!(store.all_track_features(1).await.unwrap().len(), 2);
    assert_eq!(store.status_counts().await.unwrap().analysed, 2);

    match store
        .save_audio_features(a, 1, &[f32::NAN], &FeatureAttributes::default(), T0)
        .await
    {
        Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "vector"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    let bad_mode = FeatureAttributes {
        mode: Some("dorian".into()),
        ..Default::default()
    };
    match store.save_audio_features(a, 1, &[1.0], &bad_mode, T0).await {
        Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "mode"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    match store
        .save_audio_features(
            TrackId(999_999),
            1,
            &[1.0],
            &FeatureAttributes::default(),
            T0,
        )
        .await
    {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    let named = store.tracks_by_ids(&[b, a]).await.unwrap();
    assert_eq!(
        named.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        ["One", "Two"]
    );
}

async fn taste_profiles_round_trip_per_model(store: DynStore) {
    let d = default_id(&store).await;
    assert_eq!(store.load_taste_profile(d, "dsp-v1").await.unwrap(), None);
    let t = StoredTaste {
        profile_id: d,
        model: "dsp-v1".into(),
        state: json!({"dim": 3, "n": [1.5, 2]}),
        n_events: 7,
        built_at: T0,
    };
    store.save_taste_profile(&t).await.unwrap();
    assert_eq!(
        store.load_taste_profile(d, "dsp-v1").await.unwrap(),
        Some(t.clone())
    );
    assert_eq!(store.load_taste_profile(d, "clap-v1").await.unwrap(), None);
    let t2 = StoredTaste {
        state: json!({"dim": 3}),
        n_events: 8,
        built_at: T0 + 5,
        ..t
    };
    store.save_taste_profile(&t2).await.unwrap();
    assert_eq!(
        store.load_taste_profile(d, "dsp-v1").await.unwrap(),
        Some(t2)
    );
    let ghost = StoredTaste {
        profile_id: ProfileId(999_999),
        model: "dsp-v1".into(),
        state: json!({}),
        n_events: 0,
        built_at: T0,
    };
    assert!(matches!(
        store.save_taste_profile(&ghost).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn mood_overrides_expire(store: DynStore) {
    let d = default_id(&store).await;
    assert_eq!(store.mood_override(d, T0).await.unwrap(), None);
    let m = MoodOverride {
        text: "calm acoustic".into(),
        set_at: T0,
        expires_at: T0 + 3_600_000,
    };
    store.set_mood_override(d, &m).await.unwrap();
    assert_eq!(
        store.mood_override(d, T0 + 1).await.unwrap(),
        Some(m.clone())
    );
    assert_eq!(
        store.mood_override(d, T0 + 3_600_000).await.unwrap(),
        None,
        "expired at expires_at"
    );
    let m2 = MoodOverride {
        text: "party".into(),
        set_at: T0 + 10,
        expires_at: T0 + 20,
    };
    store.set_mood_override(d, &m2).await.unwrap();
    assert_eq!(store.mood_override(d, T0 + 15).await.unwrap(), Some(m2));
    let empty = MoodOverride {
        text: " ".into(),
        set_at: T0,
        expires_at: T0 + 1,
    };
    assert!(matches!(
        store.set_mood_override(d, &empty).await,
        Err(StoreError::InvalidInput { .. })
    ));
}

async fn listening_days_are_distinct_unskipped_baskets(store: DynStore) {
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    let day0 = T0 / DAY + 1;
    let base = day0 * DAY;
    let d = default_id(&store).await;
    let b = store.create_profile("bob", None, T0).await.unwrap().id;
    let mut skipped = listen(d, "Artist", "C", base + 4 * HOUR);
    skipped.skipped = true;
    let batch = vec![
        listen(d, "Artist", "A", base + HOUR),
        listen(d, "Artist", "A", base + 2 * HOUR),
        listen(d, "Artist", "B", base + 3 * HOUR),
        skipped,
        listen(d, "Artist", "A", base + DAY + HOUR),
        listen(b, "Artist", "B", base + HOUR),
    ];
    let out = store.record_listens(&batch, WINDOW).await.unwrap();
    let id = |i: usize| match out[i] {
        ListenOutcome::Stored { track_id, .. } => track_id,
        ListenOutcome::Duplicate { track_id } => track_id,
    };
    let (a, bt) = (id(0), id(2));
    assert!(a < bt);
    let days = store.listening_days().await.unwrap();
    let got: Vec<(ProfileId, i64, TrackId)> = days
        .iter()
        .map(|x| (x.profile_id, x.day, x.track_id))
        .collect();
    assert_eq!(
        got,
        vec![(d, day0, a), (d, day0, bt), (d, day0 + 1, a), (b, day0, bt),]
    );
}

/// Listens as an older version stored them, before migration 0006: `(ts, dedup_key)`.
const PRE_0006_KEYS: [(i64, &str); 4] = [
    (
        1_700_000_000_123,
        "spotify-extended:a68db4f2088b5822836dbc7999d7b182",
    ),
    (5, "lastfm-csv:0123456789abcdef0123456789abcdef"),
    (-5, "x:ffffffffffffffffffffffffffffffff"),
    // Not a row key (the demo's own keys): left alone.
    (T0, "demo:old:7"),
];

/// The same rows keyed as `row_key` keys them now (`<source>:<ts padded to 13>:<hash>`).
const POST_0006_KEYS: [&str; 4] = [
    "spotify-extended:1700000000123:a68db4f2088b5822836dbc7999d7b182",
    "lastfm-csv:0000000000005:0123456789abcdef0123456789abcdef",
    "x:-000000000005:ffffffffffffffffffffffffffffffff",
    "demo:old:7",
];

/// Statements writing [`PRE_0006_KEYS`] into a database migrated up to 0005 (the SQL is the
/// same on both backends).
fn pre_0006_listens_sql() -> Vec<String> {
    let mut sql = vec![
        "INSERT INTO tracks (title, artist, norm_key, origin, added_at) \
                        VALUES ('Old', 'Import', 'import|old', 'history', 0)"
            .to_string(),
    ];
    for (ts, key) in PRE_0006_KEYS {
        sql.push(format!(
            "INSERT INTO listen_events (track_id, profile_id, ts, source, dedup_key) VALUES \
             ((SELECT id FROM tracks WHERE norm_key = 'import|old'), \
              (SELECT id FROM profiles WHERE name = 'default'), {ts}, 'old', '{key}')"
        ));
    }
    sql
}

/// After migration 0006, re-importing the old rows under their new-format keys stores nothing
/// (idempotency survives the key format change) and new rows still go in.
async fn reimport_after_0006_is_idempotent(store: DynStore) {
    let d = default_id(&store).await;
    let mut rows: Vec<NewListen> = PRE_0006_KEYS
        .iter()
        .zip(POST_0006_KEYS)
        .map(|(&(ts, _), key)| NewListen {
            dedup_key: Some(key.to_string()),
            ..listen(d, "Import", "Old", ts)
        })
        .collect();
    let first = store.import_listens(&rows).await.unwrap();
    assert_eq!(
        (first.stored.len(), first.duplicates),
        (0, rows.len()),
        "every pre-0006 key was rewritten to the current format"
    );
    rows.push(NewListen {
        dedup_key: Some("x:0000000000006:ffffffffffffffffffffffffffffffff".into()),
        ..listen(d, "Import", "Old", 6)
    });
    let second = store.import_listens(&rows).await.unwrap();
    assert_eq!((second.stored.len(), second.duplicates), (1, 4));
    assert_eq!(store.status_counts().await.unwrap().listens, 5);
}

/// Migrations up to (not including) `version`, from the store's own migration directory.
async fn migrator_before(backend: &str, version: i64) -> sqlx::migrate::Migrator {
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut m = sqlx::migrate::Migrator::new(std::path::Path::new(&dir))
        .await
        .unwrap();
    let older: Vec<_> = m
        .migrations
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect();
    assert!(!older.is_empty());
    m.migrations = older.into();
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migration_0006_rewrites_old_row_keys() {
    let (url, _guard) = crate::support::sqlite_url();
    {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        migrator_before("sqlite", 6).await.run(&pool).await.unwrap();
        for sql in pre_0006_listens_sql() {
            sqlx::query(&sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = hearth_store::SqliteStore::open(&url).await.unwrap();
    reimport_after_0006_is_idempotent(std::sync::Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migration_0006_rewrites_old_row_keys() {
    let Some((url, _guard)) = crate::support::postgres_url().await else {
        return;
    };
    {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        migrator_before("postgres", 6)
            .await
            .run(&pool)
            .await
            .unwrap();
        for sql in pre_0006_listens_sql() {
            sqlx::query(&sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = hearth_store::PgStore::open(&url).await.unwrap();
    reimport_after_0006_is_idempotent(std::sync::Arc::new(store)).await;
}
