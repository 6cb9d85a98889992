//! The import pipeline end to end through the store, on every real export sample: exact counts
//! (imported = the parser's listens minus in-file duplicates), rejected rows kept with their
//! location, re-imports adding nothing, wrong formats refused before any write, and the listen
//! hooks seeing exactly the stored listens. SQLite always; PostgreSQL when `HEARTH_TEST_PG_URL`
//! is set.

use crate::support::{pg_store, shared_data, sqlite_store};
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_server::hooks::{ListenHook, ListenHooks, StoredListen};
use hearth_server::pipeline::import::{run_import, ImportProgress, PipelineError};
use hearth_sources::{FormatRequest, ImportError, RowLocation};
use hearth_store::DynStore;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const T0: UnixMs = 1_700_000_000_000;

/// (file, listens the parser yields, distinct row keys in the file, rows skipped, rows rejected).
/// The parser-side numbers are those asserted (and explained per file) in hearth-sources'
/// `real_samples.rs`; here they are checked through the store.
const CASES: &[(&str, u64, u64, u64, u64)] = &[
    (
        "spotify-extended-streaming-history/efrrowini/Streaming_History_Audio_2022.json",
        35,
        34,
        0,
        0,
    ),
    (
        "spotify-extended-streaming-history/efrrowini/Streaming_History_Audio_2023.json",
        1457,
        1457,
        13,
        0,
    ),
    (
        "spotify-extended-streaming-history/efrrowini/Streaming_History_Video_2023.json",
        0,
        0,
        16,
        0,
    ),
    (
        "spotify-extended-streaming-history/listenbrainz-testdata/spotify_skipped_tracks.json",
        13,
        12,
        1,
        1,
    ),
    (
        "spotify-extended-streaming-history/listenbrainz-testdata/spotify_streaming_2023.json",
        5,
        5,
        0,
        0,
    ),
    (
        "spotify-extended-streaming-history/listenbrainz-testdata/spotify_streaming_endsong_0.json",
        5,
        5,
        0,
        0,
    ),
    (
        "spotify-account-streaming-history/averydata/StreamingHistory0.json",
        345,
        345,
        0,
        0,
    ),
    (
        "spotify-account-streaming-history/averydata/StreamingHistory0_NEW.json",
        8022,
        8022,
        32,
        0,
    ),
    (
        "spotify-account-streaming-history/hobbies-w-erin/StreamingHistory_music_0.json",
        9959,
        9959,
        41,
        0,
    ),
    (
        "spotify-account-streaming-history/hobbies-w-erin/StreamingHistory_podcast_0.json",
        0,
        0,
        597,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/rockbox.scrobbler.log",
        3,
        3,
        1,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/librefm.csv",
        3,
        3,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/librefm_no_album_column.csv",
        2,
        2,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/librefm_via_maloja.csv",
        3,
        3,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/librefm_with_comments.csv",
        3,
        3,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/listenbrainz_listens.jsonl",
        2,
        2,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/listenbrainz_mixed_validity.jsonl",
        3,
        3,
        0,
        2,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/listenbrainz_all_invalid.jsonl",
        0,
        0,
        0,
        3,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/user_export_test.json",
        3,
        3,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/valid_import.json",
        2,
        2,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/valid_single.json",
        1,
        1,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/additional_info.json",
        1,
        1,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/valid_playing_now.json",
        0,
        0,
        0,
        1,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/maloja.json",
        2,
        2,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/maloja_malformed.json",
        0,
        0,
        0,
        3,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/panoscrobbler.jsonl",
        2,
        2,
        0,
        0,
    ),
    (
        "listen-import-formats/listenbrainz-testdata/spinitron_sample.csv",
        3,
        3,
        0,
        2,
    ),
];

/// Remembers every listen the hooks were told about.
#[derive(Default)]
struct Recorder(Mutex<Vec<StoredListen>>);

#[async_trait]
impl ListenHook for Recorder {
    async fn on_listens(&self, listens: &[StoredListen]) {
        self.0.lock().unwrap().extend_from_slice(listens);
    }
}

async fn import_file(
    store: &DynStore,
    hooks: &ListenHooks,
    path: PathBuf,
    request: FormatRequest,
) -> Result<hearth_server::pipeline::import::ImportReport, PipelineError> {
    let (p, _) = store.ensure_profile("alice", T0).await.unwrap();
    run_import(
        store.clone(),
        hooks.clone(),
        vec![path],
        request,
        p.id,
        |_| {},
    )
    .await
}

async fn every_sample_imports_exactly(
    backend: &str,
    fresh: impl Fn() -> futures::future::BoxFuture<
        'static,
        Option<(DynStore, Box<dyn std::any::Any + Send>)>,
    >,
) {
    let Some(data) = shared_data("every_sample_imports_exactly") else {
        return;
    };
    for &(rel, listens, distinct, skipped, rejected) in CASES {
        // A fresh store per file: row keys are global, so samples that share listens with
        // another sample would otherwise count as duplicates.
        let Some((store, _guard)) = fresh().await else {
            return;
        };
        let recorder = Arc::new(Recorder::default());
        let hooks = ListenHooks::default();
        hooks.add(recorder.clone());
        let first = import_file(&store, &hooks, data.join(rel), FormatRequest::Auto)
            .await
            .unwrap_or_else(|e| panic!("{backend} {rel}: {e}"));
        assert_eq!(first.files.len(), 1, "{backend} {rel}");
        let f = &first.files[0];
        assert_eq!(
            (f.listens, f.imported, f.duplicate),
            (listens, distinct, listens - distinct),
            "{backend} {rel}: listens / imported / duplicate"
        );
        assert_eq!(
            (f.skipped_total(), f.rejected),
            (skipped, rejected),
            "{backend} {rel}: skipped / rejected"
        );
        assert_eq!(
            store.status_counts().await.unwrap().listens as u64,
            distinct,
            "{backend} {rel}: stored"
        );
        let notified = recorder.0.lock().unwrap().clone();
        assert_eq!(
            notified.len() as u64,
            distinct,
            "{backend} {rel}: hooks see every stored listen once"
        );
        let skip_events = notified.iter().filter(|l| l.skipped).count() as u64;
        assert!(skip_events <= f.skip_events, "{backend} {rel}");

        let again = import_file(&store, &hooks, data.join(rel), FormatRequest::Auto)
            .await
            .unwrap();
        assert_eq!(
            (again.total.imported, again.total.duplicate),
            (0, listens),
            "{backend} {rel}: a second import adds nothing"
        );
        assert_eq!(
            store.status_counts().await.unwrap().listens as u64,
            distinct,
            "{backend} {rel}: stored after re-import"
        );
        assert_eq!(
            recorder.0.lock().unwrap().len() as u64,
            distinct,
            "{backend} {rel}: no hook calls for duplicates"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_imports_exactly_sqlite() {
    every_sample_imports_exactly("sqlite", || Box::pin(async { Some(sqlite_store().await) })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_imports_exactly_postgres() {
    if std::env::var("HEARTH_TEST_PG_URL").is_err() {
        println!("skipped every_sample_imports_exactly_postgres: HEARTH_TEST_PG_URL not set");
        return;
    }
    every_sample_imports_exactly("postgres", || {
        Box::pin(pg_store("every_sample_imports_exactly"))
    })
    .await;
}

async fn folder_and_mixed_validity(backend: &str, store: DynStore) {
    let Some(data) = shared_data("folder_and_mixed_validity") else {
        return;
    };
    let hooks = ListenHooks::default();
    // A folder: every export in it, the non-export files (SOURCE.txt) listed as ignored.
    let dir = data.join("listen-import-formats/listenbrainz-testdata");
    let (p, _) = store.ensure_profile("bob", T0).await.unwrap();
    let mut seen: Vec<ImportProgress> = Vec::new();
    let report = run_import(
        store.clone(),
        hooks.clone(),
        vec![dir.clone()],
        FormatRequest::Auto,
        p.id,
        |pr| seen.push(pr.clone()),
    )
    .await
    .unwrap();
    let mixed = report
        .files
        .iter()
        .find(|f| f.file.ends_with("listenbrainz_mixed_validity.jsonl"))
        .unwrap();
    let locs: Vec<(RowLocation, &str)> = mixed
        .errors
        .iter()
        .map(|e| (e.location, e.reason.as_str()))
        .collect();
    assert_eq!(
        locs,
        [
            (
                RowLocation::Line(2),
                "field track_metadata.artist_name is empty."
            ),
            (
                RowLocation::Line(4),
                "field track_metadata.track_name is empty."
            )
        ],
        "{backend}"
    );
    assert_eq!(
        mixed.listens, 3,
        "{backend}: valid rows around the bad ones are kept"
    );
    assert!(
        mixed.errors[0]
            .file
            .ends_with("listenbrainz_mixed_validity.jsonl"),
        "{backend}: the error names the file"
    );
    let stored = store.status_counts().await.unwrap().listens as u64;
    assert_eq!(stored, report.total.imported, "{backend}");
    assert_eq!(
        report.total.imported + report.total.duplicate,
        report.total.listens,
        "{backend}"
    );
    let last = seen.last().expect("progress reported");
    assert_eq!(
        (last.file_index, last.files_total),
        (report.files.len(), report.files.len()),
        "{backend}"
    );
    assert_eq!(last.imported, report.total.imported, "{backend}");
    assert!(
        last.bytes_read > 0 && last.bytes_read <= last.bytes_total,
        "{backend}: {last:?}"
    );
    let recent = store.recent_listens(Some(p.id), 10_000).await.unwrap();
    assert_eq!(
        recent.len() as u64,
        stored,
        "{backend}: the listens land on the profile"
    );

    // A wrong-format file among good ones: refused before anything is written.
    let (q, _) = store.ensure_profile("carol", T0).await.unwrap();
    let good = data.join(
        "spotify-extended-streaming-history/listenbrainz-testdata/spotify_streaming_2023.json",
    );
    let wrong = dir.join("librefm.csv");
    let before = store.status_counts().await.unwrap().listens;
    let err = run_import(
        store.clone(),
        hooks,
        vec![good, wrong],
        FormatRequest::Exact(hearth_sources::Format::SpotifyExtended),
        q.id,
        |_| {},
    )
    .await
    .unwrap_err();
    match err {
        PipelineError::Source(ImportError::WrongFormat { file, .. }) => {
            assert!(file.ends_with("librefm.csv"), "{backend}: {file}")
        }
        other => panic!("{backend}: expected WrongFormat, got {other:?}"),
    }
    assert_eq!(
        store.status_counts().await.unwrap().listens,
        before,
        "{backend}: nothing written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_and_mixed_validity_sqlite() {
    let (store, _g) = sqlite_store().await;
    folder_and_mixed_validity("sqlite", store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_and_mixed_validity_postgres() {
    let Some((store, _g)) = pg_store("folder_and_mixed_validity").await else {
        return;
    };
    folder_and_mixed_validity("postgres", store).await;
}
