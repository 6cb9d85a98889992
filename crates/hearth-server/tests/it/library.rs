//! The library scanner and the analysis workers, on synthesised WAV files in temp folders.

use crate::support::TestApp;
use hearth_core::clock::{Clock, SystemClock};
use hearth_core::model::{NewListen, TrackInput, TrackOrigin};
use hearth_server::pipeline::analyze::{FeatureSink, StoreSink};
use hearth_server::pipeline::library::{scan_and_analyse, LibraryReport};
use hearth_server::pipeline::scan::{walk_roots, LibraryProgress, ScanOptions};
use hearth_store::{DynStore, JobStatus, LibraryFileStatus};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes a 16-bit mono PCM WAV of `seconds` of a `freq_hz` tone with a click every half second.
pub fn write_wav(path: &Path, seconds: f32, freq_hz: f32) {
    const RATE: u32 = 22_050;
    let n = (seconds * RATE as f32) as u32;
    let mut data = Vec::with_capacity(n as usize * 2);
    for i in 0..n {
        let t = i as f32 / RATE as f32;
        let click = if i % (RATE / 2) < 200 { 0.5 } else { 0.0 };
        let s = 0.3 * (2.0 * std::f32::consts::PI * freq_hz * t).sin() + click;
        data.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32_000.0) as i16).to_le_bytes());
    }
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, out).unwrap();
}

fn opts(root: &Path, version: i32) -> ScanOptions {
    ScanOptions {
        roots: vec![root.to_path_buf()],
        features_version: version,
        max_attempts: 3,
    }
}

async fn run(store: &DynStore, root: &Path) -> LibraryReport {
    run_version(store, root, 1).await
}

async fn run_version(store: &DynStore, root: &Path, version: i32) -> LibraryReport {
    let sink: Arc<dyn FeatureSink> = Arc::new(StoreSink(store.clone()));
    scan_and_analyse(
        store.clone(),
        sink,
        Arc::new(SystemClock),
        opts(root, version),
        2,
        Arc::new(LibraryProgress::default()),
    )
    .await
    .unwrap()
}

fn canon(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[cfg(unix)]
#[test]
fn symlinks_outside_the_root_are_not_followed_and_loops_end() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write_wav(&outside.path().join("secret/leak.wav"), 0.2, 440.0);
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write_wav(&r.join("Artist/Album/01 - Song.wav"), 0.2, 440.0);
    std::fs::write(r.join("Artist/Album/cover.jpg"), b"not audio").unwrap();
    write_wav(&r.join("shared/inside.wav"), 0.2, 330.0);
    symlink(outside.path().join("secret"), r.join("to-outside-dir")).unwrap();
    symlink(outside.path().join("secret/leak.wav"), r.join("leak.wav")).unwrap();
    symlink(r.join("shared"), r.join("Artist/link-to-shared")).unwrap();
    symlink(r.join("shared/inside.wav"), r.join("Artist/alias.wav")).unwrap();
    symlink(r, r.join("Artist/loop")).unwrap();
    symlink(r.join("missing.wav"), r.join("dangling.wav")).unwrap();

    let walk = walk_roots(&[r.to_path_buf()]).unwrap();
    let files: Vec<String> = walk
        .files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        vec![
            canon(&r.join("Artist/Album/01 - Song.wav")),
            canon(&r.join("shared/inside.wav")),
        ],
        "inside links are followed to one canonical file; outside ones are not"
    );
    let mut outside_links = walk.outside_links.clone();
    outside_links.sort();
    assert_eq!(
        outside_links,
        vec![r.join("leak.wav"), r.join("to-outside-dir")]
    );
    assert_eq!(walk.unreadable.len(), 1, "{:?}", walk.unreadable);
    assert!(walk.unreadable[0].0.ends_with("dangling.wav"));
}

#[test]
fn a_missing_root_is_an_error_naming_it() {
    let e = walk_roots(&[PathBuf::from("/no/such/hearth/root")]).unwrap_err();
    assert!(e.to_string().contains("/no/such/hearth/root"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescan_skips_unchanged_files_and_requeues_a_touched_one() {
    let app = TestApp::new().await;
    let root = tempfile::tempdir().unwrap();
    for i in 0..4 {
        write_wav(
            &root.path().join(format!("Band/Record/0{i} - Tune {i}.wav")),
            1.0,
            220.0 + 50.0 * i as f32,
        );
    }
    let first = run(&app.store, root.path()).await;
    assert_eq!((first.scan.new, first.scan.queued), (4, 4));
    assert_eq!((first.analysed, first.failed), (4, 0));
    assert_eq!(first.scan.tracks_created, 4);

    let second = run(&app.store, root.path()).await;
    assert_eq!(
        (second.scan.unchanged, second.scan.queued, second.analysed),
        (4, 0, 0),
        "nothing changed, nothing analysed"
    );

    // Rewrite one file (new size and mtime) and add one.
    let touched = root.path().join("Band/Record/02 - Tune 2.wav");
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_wav(&touched, 1.5, 500.0);
    write_wav(&root.path().join("Band/Record/09 - New.wav"), 1.0, 600.0);
    let third = run(&app.store, root.path()).await;
    assert_eq!(
        (third.scan.unchanged, third.scan.changed, third.scan.new),
        (3, 1, 1)
    );
    assert_eq!((third.scan.queued, third.analysed), (2, 2));
    let row = app
        .store
        .library_file(&canon(&touched))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, LibraryFileStatus::Analysed);
    assert_eq!(
        row.size_bytes,
        std::fs::metadata(&touched).unwrap().len() as i64
    );
    let jobs = app.store.list_jobs(100).await.unwrap();
    assert_eq!(jobs.len(), 6, "one job per file version");
    assert!(jobs
        .iter()
        .all(|j| j.status == JobStatus::Done && j.attempts == 1));

    // A descriptor version bump makes every analysed file due again.
    let bumped = run_version(&app.store, root.path(), 2).await;
    assert_eq!((bumped.scan.requeued, bumped.scan.queued), (5, 5));
    assert_eq!(bumped.failed, 0);

    // /api/status reports the library.
    let (status, body) = app.call("GET", "/api/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["library"]["files_total"], 5);
    assert_eq!(body["library"]["files_analysed"], 5);
    assert_eq!(body["library"]["analysis_queued"], 0);
    assert_eq!(body["analysed"], 5, "existing fields stay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_file_is_recorded_failed_while_the_others_are_analysed() {
    let app = TestApp::new().await;
    let root = tempfile::tempdir().unwrap();
    for i in 0..3 {
        write_wav(
            &root.path().join(format!("ok{i}.wav")),
            1.0,
            300.0 + i as f32,
        );
    }
    let bad = root.path().join("Broken - Noise.mp3");
    std::fs::write(&bad, vec![0x5a; 4096]).unwrap();
    let report = run(&app.store, root.path()).await;
    assert_eq!((report.analysed, report.failed), (3, 1));
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].0, canon(&bad));
    let row = app.store.library_file(&canon(&bad)).await.unwrap().unwrap();
    assert_eq!(row.status, LibraryFileStatus::Failed);
    let reason = row.error.unwrap();
    assert!(
        reason.contains("Broken - Noise.mp3"),
        "reason names the file: {reason}"
    );
    // The bad file got its track from the file name, without features.
    let t = app
        .store
        .tracks_by_ids(&[row.track_id.unwrap()])
        .await
        .unwrap();
    assert_eq!(
        (t[0].artist.as_str(), t[0].title.as_str()),
        ("Broken", "Noise")
    );
    let features = app
        .store
        .track_features(&[row.track_id.unwrap()], 1)
        .await
        .unwrap();
    assert!(features.is_empty());
    assert_eq!(app.store.audio_vectors(1).await.unwrap().len(), 3);
    // A rescan does not retry a file that failed and did not change.
    let again = run(&app.store, root.path()).await;
    assert_eq!((again.scan.unchanged, again.scan.queued), (4, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_track_known_from_history_gains_its_file() {
    let app = TestApp::new().await;
    let default = app.store.get_profile("default").await.unwrap().unwrap();
    let listen = NewListen {
        track: TrackInput::new("Massive Attack", "Teardrop"),
        profile_id: default.id,
        ts: SystemClock.now_ms(),
        source: "test".into(),
        speaker_name: None,
        ms_played: None,
        skipped: false,
        reason_end: None,
        dedup_key: None,
    };
    app.store.record_listens(&[listen], 60_000).await.unwrap();
    let root = tempfile::tempdir().unwrap();
    // Untagged: identity from "Artist - Title"; case and spacing differ from the listen.
    let file = root.path().join("massive attack -  TEARDROP.wav");
    write_wav(&file, 1.0, 440.0);
    let report = run(&app.store, root.path()).await;
    assert_eq!((report.scan.tracks_created, report.analysed), (0, 1));
    let tracks = app.store.search_tracks("teardrop", 10).await.unwrap();
    assert_eq!(tracks.len(), 1, "no duplicate track");
    assert_eq!(tracks[0].file_path.as_deref(), Some(canon(&file).as_str()));
    assert_eq!(
        tracks[0].origin,
        TrackOrigin::History,
        "origin stays history"
    );
    let features = app.store.track_features(&[tracks[0].id], 1).await.unwrap();
    assert_eq!(features.len(), 1, "the history track is now analysed");
}
