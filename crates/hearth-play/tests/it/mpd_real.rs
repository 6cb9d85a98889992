//! A real MPD (started by `scripts/ci/mpd.sh`, null audio output) over a folder of WAV clips this
//! test writes: a playlist is queued and playing, and MPD's own `status` and `playlistinfo` say
//! so. Skipped (one line) when `HEARTH_TEST_MPD_SCRIPT` is not set; `scripts/test.sh` sets it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hearth_play::mpd::PlayerState;
use hearth_play::{Mpd, PlayItem, PlaybackTarget};

use crate::item;

const SAMPLE_RATE_HZ: u32 = 8_000;
const CLIP_SECONDS: u32 = 6;

/// Writes a mono 16-bit PCM WAV of a sine tone (RIFF header + `data` chunk).
fn write_wav(path: &Path, freq_hz: f64) {
    let frames = SAMPLE_RATE_HZ * CLIP_SECONDS;
    let data_bytes = frames * 2;
    let mut out = Vec::with_capacity(44 + data_bytes as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE_HZ.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE_HZ * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_bytes.to_le_bytes());
    for n in 0..frames {
        let t = f64::from(n) / f64::from(SAMPLE_RATE_HZ);
        let s = (t * freq_hz * std::f64::consts::TAU).sin() * 0.3 * f64::from(i16::MAX);
        out.extend_from_slice(&(s as i16).to_le_bytes());
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, out).unwrap();
}

/// Stops the MPD instance when the test ends, passed or failed.
struct MpdGuard {
    script: PathBuf,
    state_dir: PathBuf,
}

impl Drop for MpdGuard {
    fn drop(&mut self) {
        let status = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.state_dir)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!(
                "mpd.sh stop {} failed: {status:?}",
                self.state_dir.display()
            );
        }
    }
}

fn start_mpd(script: &Path, state_dir: &Path, music_dir: &Path) -> (MpdGuard, String) {
    let out = Command::new("bash")
        .arg(script)
        .arg("start")
        .arg(state_dir)
        .arg(music_dir)
        .output()
        .expect("run mpd.sh");
    // Even a failed start may have left a daemon or a state dir behind: the guard cleans up.
    let guard = MpdGuard {
        script: script.to_path_buf(),
        state_dir: state_dir.to_path_buf(),
    };
    assert!(
        out.status.success(),
        "mpd.sh start failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entity = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(entity.starts_with("mpd://127.0.0.1:"), "{entity:?}");
    (guard, entity)
}

/// Rescans MPD's database and waits until the rescan job is gone from `status`.
async fn update_and_wait(mpd: &Mpd, entity: &str) {
    mpd.update_database(entity).await.unwrap();
    for _ in 0..600 {
        if mpd.status(entity).await.unwrap().updating_db.is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("MPD's database update did not finish within 30 s");
}

fn with_file(id: i64, title: &str, path: PathBuf) -> PlayItem {
    let mut it = item(id, "Artist", title);
    it.file_path = Some(path);
    it
}

#[tokio::test]
async fn a_playlist_plays_on_real_mpd() {
    let Some(script) = std::env::var_os("HEARTH_TEST_MPD_SCRIPT") else {
        println!("a_playlist_plays_on_real_mpd: skipped, HEARTH_TEST_MPD_SCRIPT is not set");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let music = tmp.path().join("music");
    let clips = [
        ("Aphex Twin/01 Xtal.wav", 220.0),
        ("Björk/\"Jóga\" (live) \\ edit.wav", 330.0),
        ("Can/Vitamin C.wav", 440.0),
    ];
    for (rel, freq) in clips {
        write_wav(&music.join(rel), freq);
    }
    let elsewhere = tmp.path().join("elsewhere/stray.wav");
    write_wav(&elsewhere, 550.0);

    let (_guard, entity) = start_mpd(Path::new(&script), &tmp.path().join("mpd-state"), &music);
    let mpd = Mpd::new(Some(music.clone()), Duration::from_secs(10)).unwrap();
    update_and_wait(&mpd, &entity).await;

    let items = vec![
        with_file(1, "Xtal", music.join(clips[0].0)),
        item(2, "Nobody", "No local file"),
        with_file(3, "Jóga", music.join(clips[1].0)),
        with_file(4, "Stray", elsewhere),
        // Under music_dir but never written: MPD's database does not have it.
        with_file(5, "Ghost", music.join("Ghost/never written.wav")),
        with_file(6, "Vitamin C", music.join(clips[2].0)),
    ];
    let report = mpd.play(&entity, &items).await.unwrap();
    assert_eq!(report.target, "mpd");
    assert_eq!(report.queued, 3, "{report:?}");
    let not_queued: Vec<i64> = report.not_queued.iter().map(|n| n.track_id).collect();
    assert_eq!(not_queued, vec![2, 4, 5], "{report:?}");
    assert_eq!(report.not_queued[0].reason, "no local file");
    assert!(report.not_queued[1]
        .reason
        .contains("outside the MPD music_dir"));
    assert!(
        report.not_queued[2]
            .reason
            .contains("Ghost/never written.wav"),
        "{}",
        report.not_queued[2].reason
    );

    // MPD's own view.
    let status = mpd.status(&entity).await.unwrap();
    assert_eq!(status.state, PlayerState::Play, "{status:?}");
    assert_eq!(status.playlist_length, 3);
    assert_eq!(status.error, None);
    let queue = mpd.current_playlist(&entity).await.unwrap();
    let files: Vec<&str> = queue.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(files, clips.map(|(rel, _)| rel));
    // MPD decoded our clips: their length is what the WAV header says.
    for song in &queue {
        assert_eq!(
            song.duration_ms,
            Some(u64::from(CLIP_SECONDS) * 1000),
            "{song:?}"
        );
    }

    // A second play replaces the queue rather than appending to it.
    let report = mpd.play(&entity, &items[5..]).await.unwrap();
    assert_eq!(report.queued, 1);
    let queue = mpd.current_playlist(&entity).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].file, clips[2].0);
}
