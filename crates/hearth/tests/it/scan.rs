//! `hearth scan`: resumable after SIGKILL (every file analysed exactly once), and sane features
//! on real music installed from a Debian package (HEARTH_TEST_MUSIC_DIR, set by scripts/test.sh).

use crate::support::hearth;
use hearth_store::{DynStore, JobStatus};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Writes a 16-bit mono 22.05-kHz WAV: `seconds` of a tone with clicks at `bpm`.
fn write_wav(path: &Path, seconds: f32, freq_hz: f32, bpm: f32) {
    const RATE: u32 = 22_050;
    let n = (seconds * RATE as f32) as u32;
    let beat = (60.0 / bpm * RATE as f32) as u32;
    let mut data = Vec::with_capacity(n as usize * 2);
    for i in 0..n {
        let t = i as f32 / RATE as f32;
        let click = if i % beat < 150 { 0.6 } else { 0.0 };
        let s = 0.25 * (2.0 * std::f32::consts::PI * freq_hz * t).sin() + click;
        data.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32_000.0) as i16).to_le_bytes());
    }
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    for v in [1u16, 1] {
        out.extend_from_slice(&v.to_le_bytes()); // PCM, mono
    }
    for v in [RATE, RATE * 2] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in [2u16, 16] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, out).unwrap();
}

async fn open_store(data_dir: &Path) -> DynStore {
    hearth_store::open(&format!("sqlite:{}/hearth.db", data_dir.display()))
        .await
        .unwrap()
}

fn scan_json(data_dir: &Path, root: &Path) -> Value {
    let out = hearth()
        .arg("--data-dir")
        .arg(data_dir)
        .arg("scan")
        .arg(root)
        .args(["--workers", "2", "--json", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hearth scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_scan_then_rerun_analyses_every_file_exactly_once() {
    const FILES: usize = 300;
    let music = tempfile::tempdir().unwrap();
    for i in 0..FILES {
        let path = music.path().join(format!(
            "Artist {}/Album {}/{:02} - Piece {i}.wav",
            i % 7,
            i % 13,
            i % 20
        ));
        write_wav(&path, 2.0, 110.0 + i as f32, 80.0 + (i % 90) as f32);
    }
    let data = tempfile::tempdir().unwrap();
    // Create (and migrate) the store first, so the test's reader never races the child's
    // migration.
    let store = open_store(data.path()).await;
    let mut child = hearth()
        .arg("--data-dir")
        .arg(data.path())
        .arg("scan")
        .arg(music.path())
        .args(["--workers", "2", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Kill it once some files are analysed, well before all are.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "scan made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "hearth scan finished before it could be killed"
        );
        if store.library_counts().await.unwrap().files_analysed >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = store.library_counts().await.unwrap();
    assert!(
        (before.files_analysed as usize) < FILES,
        "killed mid-scan: {before:?}"
    );

    let report = scan_json(data.path(), music.path());
    let after = store.library_counts().await.unwrap();
    assert_eq!(after.files_total as usize, FILES);
    assert_eq!(after.files_analysed as usize, FILES, "{after:?}");
    assert_eq!((after.files_failed, after.files_pending), (0, 0));
    assert_eq!(
        (
            after.analyze_queued,
            after.analyze_running,
            after.analyze_failed
        ),
        (0, 0, 0)
    );
    // No file analysed before the kill was analysed again.
    assert_eq!(
        report["analysed"].as_u64().unwrap() as i64,
        FILES as i64 - before.files_analysed,
        "{report}"
    );
    assert_eq!(report["failed"], 0);
    assert_eq!(store.audio_vectors(1).await.unwrap().len(), FILES);
    let jobs = store.list_jobs(10_000).await.unwrap();
    assert_eq!(jobs.len(), FILES, "one analysis job per file");
    assert!(jobs.iter().all(|j| j.status == JobStatus::Done));
    let analysed_outcomes = jobs
        .iter()
        .filter(|j| j.result.as_ref().unwrap()["outcome"] == "analysed")
        .count();
    let skipped = jobs.len() - analysed_outcomes;
    assert!(
        skipped <= 2,
        "only jobs cut between marking and completing may be skipped, got {skipped}"
    );
    // Only the jobs in flight at the kill (one per worker) ran twice.
    let retried = jobs.iter().filter(|j| j.attempts > 1).count();
    assert!(retried <= 2, "{retried} jobs retried");

    // A third run finds nothing to do.
    let again = scan_json(data.path(), music.path());
    assert_eq!(again["scan"]["unchanged"], FILES);
    assert_eq!(again["analysed"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debian_music_is_analysed_with_sane_features() {
    let Some(dir) = std::env::var_os("HEARTH_TEST_MUSIC_DIR") else {
        println!("skipped: HEARTH_TEST_MUSIC_DIR not set (Debian music package)");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let report = scan_json(data.path(), Path::new(&dir));
    let found = report["scan"]["files_found"].as_u64().unwrap();
    assert!(found >= 5, "expected the package's tracks: {report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["analysed"].as_u64().unwrap(), found);

    let store = open_store(data.path()).await;
    let files = store.library_files(1).await.unwrap();
    assert_eq!(files.len() as u64, found);
    let ids: Vec<_> = files.iter().map(|f| f.file.track_id.unwrap()).collect();
    let tracks = store.tracks_by_ids(&ids).await.unwrap();
    let features = store.track_features(&ids, 1).await.unwrap();
    assert_eq!(features.len(), ids.len(), "every file analysed");
    for (_, v) in store.audio_vectors(1).await.unwrap() {
        assert!(v.iter().all(|x| x.is_finite()));
    }
    let mut silent = 0;
    for (id, f) in &features {
        let track = tracks.iter().find(|t| t.id == *id).unwrap();
        for x in [
            f.tempo_bpm,
            f.tempo_confidence,
            f.energy,
            f.danceability,
            f.acousticness,
            f.brightness,
            f.loudness_db,
        ] {
            let x = x.unwrap();
            assert!(x.is_finite(), "{}: NaN/inf feature", track.title);
        }
        let tempo = f.tempo_bpm.unwrap();
        // Silence has no beat: excluded from the tempo range check, counted below.
        if tempo == 0.0 || f.loudness_db.unwrap() <= -99.0 {
            silent += 1;
        } else {
            assert!(
                (40.0..=220.0).contains(&tempo),
                "{}: tempo {tempo}",
                track.title
            );
        }
        let decoded_ms = f.details["duration_ms"].as_i64().unwrap();
        let tagged_ms = track
            .duration_ms
            .unwrap_or_else(|| panic!("{}: no duration in the tags", track.title));
        assert!(
            (decoded_ms - tagged_ms).abs() <= 1_000,
            "{}: decoded {decoded_ms} ms vs tagged {tagged_ms} ms",
            track.title
        );
    }
    assert!(
        silent * 5 <= features.len(),
        "{silent} of {} files silent",
        features.len()
    );
    println!(
        "analysed {} real tracks ({silent} silent) at {:.0}× real time",
        features.len(),
        report["realtime_factor"].as_f64().unwrap()
    );
}
