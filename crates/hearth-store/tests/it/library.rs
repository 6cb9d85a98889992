//! The library port: `library_files` rows and the analysis counts, on both backends.

use hearth_core::ids::TrackId;
use hearth_core::model::{TrackInput, TrackOrigin};
use hearth_store::{DynStore, FeatureAttributes, LibraryFileStatus, NewJob, StoreError};
use serde_json::json;

const T0: i64 = 1_700_000_000_000;

async fn track(store: &DynStore, title: &str) -> TrackId {
    store
        .upsert_track(&TrackInput::new("Scanner", title), TrackOrigin::Library, T0)
        .await
        .unwrap()
        .0
}

crate::contract_tests!(
    library_files_put_replace_and_status,
    library_files_report_features_of_the_asked_version,
    library_counts_and_running_analyze_jobs,
);

async fn library_files_put_replace_and_status(store: DynStore) {
    let t = track(&store, "One").await;
    assert_eq!(store.library_file("/m/a.flac").await.unwrap(), None);
    let f = store
        .put_library_file("/m/a.flac", 100, 5, t, T0)
        .await
        .unwrap();
    assert_eq!(
        (f.status, f.track_id, f.size_bytes, f.mtime_ms),
        (LibraryFileStatus::Pending, Some(t), 100, 5)
    );
    // Outcome for a stale size/mtime is ignored; the current one is recorded.
    assert!(!store
        .set_library_file_status(
            "/m/a.flac",
            99,
            5,
            LibraryFileStatus::Analysed,
            None,
            T0 + 1
        )
        .await
        .unwrap());
    assert!(store
        .set_library_file_status(
            "/m/a.flac",
            100,
            5,
            LibraryFileStatus::Failed,
            Some("cannot decode: bad header"),
            T0 + 1
        )
        .await
        .unwrap());
    let f = store.library_file("/m/a.flac").await.unwrap().unwrap();
    assert_eq!(f.status, LibraryFileStatus::Failed);
    assert_eq!(f.error.as_deref(), Some("cannot decode: bad header"));
    // A changed file is pending again, its error cleared, its track replaced.
    let t2 = track(&store, "Two").await;
    let f = store
        .put_library_file("/m/a.flac", 120, 9, t2, T0 + 2)
        .await
        .unwrap();
    assert_eq!(
        (
            f.status,
            f.error,
            f.track_id,
            f.size_bytes,
            f.mtime_ms,
            f.scanned_at
        ),
        (LibraryFileStatus::Pending, None, Some(t2), 120, 9, T0 + 2)
    );
    assert!(matches!(
        store
            .put_library_file("/m/b.flac", 1, 1, TrackId(987_654), T0)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.put_library_file("", 1, 1, t, T0).await,
        Err(StoreError::InvalidInput { .. })
    ));
}

async fn library_files_report_features_of_the_asked_version(store: DynStore) {
    let (a, b) = (track(&store, "A").await, track(&store, "B").await);
    store
        .put_library_file("/m/b.ogg", 1, 1, b, T0)
        .await
        .unwrap();
    store
        .put_library_file("/m/a.ogg", 1, 1, a, T0)
        .await
        .unwrap();
    store
        .save_audio_features(a, 1, &[0.5, 0.25], &FeatureAttributes::default(), T0)
        .await
        .unwrap();
    let v1 = store.library_files(1).await.unwrap();
    let seen: Vec<(&str, bool)> = v1
        .iter()
        .map(|s| (s.file.path.as_str(), s.has_features))
        .collect();
    assert_eq!(seen, vec![("/m/a.ogg", true), ("/m/b.ogg", false)]);
    let v2 = store.library_files(2).await.unwrap();
    assert!(v2.iter().all(|s| !s.has_features), "a version bump: none");
}

async fn library_counts_and_running_analyze_jobs(store: DynStore) {
    let t = track(&store, "C").await;
    for (i, p) in ["/m/1.wav", "/m/2.wav", "/m/3.wav"].iter().enumerate() {
        store.put_library_file(p, 1, i as i64, t, T0).await.unwrap();
    }
    store
        .set_library_file_status("/m/1.wav", 1, 0, LibraryFileStatus::Analysed, None, T0)
        .await
        .unwrap();
    store
        .set_library_file_status("/m/2.wav", 1, 1, LibraryFileStatus::Failed, Some("x"), T0)
        .await
        .unwrap();
    for k in ["analyze:a", "analyze:b", "discover:c"] {
        let kind = k.split(':').next().unwrap();
        store
            .enqueue(
                &NewJob {
                    kind: kind.into(),
                    payload: json!({}),
                    max_attempts: 3,
                    run_after: T0,
                    dedup_key: Some(k.into()),
                },
                T0,
            )
            .await
            .unwrap();
    }
    store
        .claim(&["discover"], "w-d", T0)
        .await
        .unwrap()
        .unwrap();
    let running = store
        .claim(&["analyze"], "host/123/w0", T0)
        .await
        .unwrap()
        .unwrap();
    let c = store.library_counts().await.unwrap();
    assert_eq!(
        (
            c.files_total,
            c.files_pending,
            c.files_analysed,
            c.files_failed
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(
        (c.analyze_queued, c.analyze_running, c.analyze_failed),
        (1, 1, 0)
    );
    let jobs = store.running_jobs("analyze").await.unwrap();
    assert_eq!(jobs.len(), 1, "only running analyze jobs");
    assert_eq!(jobs[0].id, running.id);
    assert_eq!(jobs[0].locked_by.as_deref(), Some("host/123/w0"));
}
