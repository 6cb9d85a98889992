//! `hearth refresh`, `hearth cycling` and `hearth next` as real processes; `hearth next` is driven
//! through a pseudo-terminal (`script` from util-linux allocates it) one keypress at a time, with
//! no Enter, so the test also proves the raw-mode read.

use crate::support::hearth;
use hearth_core::ids::{ProfileId, TrackId};
use hearth_core::model::{FeedbackKind, NewListen, TrackInput, TrackOrigin};
use hearth_store::{CandidateStatus, FeatureAttributes, SqliteStore};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DAY: i64 = 86_400_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn db_url(dir: &Path) -> String {
    format!("sqlite:{}/hearth.db", dir.display())
}

/// An analysed catalogue of 80 tracks and a profile `alice` who played the first 30.
async fn household(dir: &Path) -> ProfileId {
    let store = SqliteStore::open(&db_url(dir)).await.unwrap();
    use hearth_store::{ListenStore, ProfileStore, RecoStore, TrackStore};
    let alice = store.create_profile("alice", None, 0).await.unwrap();
    let t0 = now_ms() - 60 * DAY;
    for i in 0..80usize {
        let (id, _) = store
            .upsert_track(
                &TrackInput::new(format!("Artist {}", i % 11), format!("Song {i}")),
                TrackOrigin::Library,
                t0,
            )
            .await
            .unwrap();
        let v: Vec<f32> = (0..8)
            .map(|d| ((i * 13 + d * 7) as f32 * 0.37).sin() + if d == i % 8 { 1.0 } else { 0.0 })
            .collect();
        store
            .save_audio_features(id, 1, &v, &FeatureAttributes::default(), t0)
            .await
            .unwrap();
    }
    let batch: Vec<NewListen> = (0..30usize)
        .map(|i| NewListen {
            track: TrackInput::new(format!("Artist {}", i % 11), format!("Song {i}")),
            profile_id: alice.id,
            ts: t0 + i as i64 * DAY,
            source: "test".into(),
            speaker_name: None,
            ms_played: None,
            skipped: false,
            reason_end: None,
            dedup_key: Some(format!("l{i}")),
        })
        .collect();
    store.import_listens(&batch).await.unwrap();
    store.close().await;
    alice.id
}

fn cli(dir: &Path) -> Command {
    let mut c = hearth();
    c.arg("--data-dir")
        .arg(dir)
        .env("HEARTH_PLAYLIST_TARGET_SIZE", "20")
        .env("HEARTH_DISCOVERY_CANDIDATES_PER_REFRESH", "6");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_and_cycling_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    household(dir.path()).await;
    let out = cli(dir.path())
        .args(["refresh", "--profile", "alice", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "alice");
    assert_eq!(v["track_count"], 20);
    assert_eq!(v["added"].as_array().unwrap().len(), 20);
    assert_eq!(v["budget"], serde_json::Value::Null);

    let out = cli(dir.path())
        .args(["cycling", "8", "--profile", "alice"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("8/10") && text.contains("at most 4 of 20"),
        "{text}"
    );

    let out = cli(dir.path())
        .args(["refresh", "--profile", "alice"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Living playlist of alice refreshed"),
        "{text}"
    );
    assert!(
        text.contains("at most 4 changes, aggressiveness 8"),
        "{text}"
    );

    for (args, needle) in [
        (
            vec!["cycling", "11", "--profile", "alice"],
            "aggressiveness",
        ),
        (vec!["cycling", "0"], "aggressiveness"),
        (vec!["refresh", "--profile", "nobody"], "nobody"),
        (vec!["next", "--profile", "nobody"], "nobody"),
    ] {
        let out = cli(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// Output collected from the child, and a way to wait for a piece of it.
struct Screen(Arc<Mutex<String>>);

impl Screen {
    fn wait_for(&self, needle: &str, occurrences: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let text = self.0.lock().unwrap().clone();
            if text.matches(needle).count() >= occurrences {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {needle:?} x{occurrences} in:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The id in the last "(candidate N)" line.
fn last_candidate(text: &str) -> i64 {
    let at = text.rfind("(candidate ").expect("a candidate is shown");
    text[at + "(candidate ".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_in_a_pseudo_terminal_takes_one_keypress_per_verdict() {
    if Command::new("script").arg("--version").output().is_err() {
        println!("skipped next_in_a_pseudo_terminal_takes_one_keypress_per_verdict: no `script` (util-linux)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let alice = household(dir.path()).await;
    let bin = env!("CARGO_BIN_EXE_hearth");
    let inner = format!(
        "'{bin}' --data-dir '{}' next --profile alice",
        dir.path().display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qefc", &inner, "/dev/null"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("HEARTH_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .env("HEARTH_LOG", "warn")
        .env("HEARTH_PLAYLIST_TARGET_SIZE", "20")
        .env("HEARTH_DISCOVERY_CANDIDATES_PER_REFRESH", "6")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let screen = Screen(Arc::new(Mutex::new(String::new())));
    let sink = screen.0.clone();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut keys = child.stdin.take().unwrap();
    let prompt = "(a)pprove / (r)eject / (s)kip / (q)uit:";
    let mut shown = Vec::new();
    for (n, (key, answer)) in [("a", "Approved:"), ("r", "Rejected:"), ("s", "Skipped:")]
        .into_iter()
        .enumerate()
    {
        let text = screen.wait_for(prompt, n + 1);
        shown.push(last_candidate(&text));
        // One key, no Enter: only a raw-mode read sees it.
        keys.write_all(key.as_bytes()).unwrap();
        keys.flush().unwrap();
        screen.wait_for(answer, 1);
    }
    screen.wait_for(prompt, 4);
    keys.write_all(b"q").unwrap();
    keys.flush().unwrap();
    let status = child.wait().unwrap();
    drop(keys);
    reader.join().unwrap();
    let text = screen.0.lock().unwrap().clone();
    assert!(status.success(), "{text}");
    assert!(text.contains("Source: recommendation"), "{text}");
    assert!(text.contains("Predicted score:"), "{text}");
    assert!(text.contains("recorded feedback: like"), "{text}");
    assert!(
        text.contains("recorded feedback: bad_recommendation"),
        "{text}"
    );

    let store = SqliteStore::open(&db_url(dir.path())).await.unwrap();
    use hearth_store::{DynamicStore, FeedbackStore};
    let get = |id| store.get_candidate(id);
    let approved = get(shown[0]).await.unwrap().unwrap();
    let rejected = get(shown[1]).await.unwrap().unwrap();
    let skipped = get(shown[2]).await.unwrap().unwrap();
    assert_eq!(approved.status, CandidateStatus::Approved);
    assert_eq!(rejected.status, CandidateStatus::Rejected);
    assert_eq!(skipped.status, CandidateStatus::Skipped);
    let fb: Vec<(FeedbackKind, TrackId)> = store
        .feedback_of_profile(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.kind, f.track_id))
        .collect();
    assert_eq!(
        fb,
        vec![
            (FeedbackKind::Like, approved.track_id),
            (FeedbackKind::BadRecommendation, rejected.track_id)
        ],
        "skip writes no feedback"
    );
    // The skipped candidate waits at the back; the next one is another.
    let next = store.next_candidate(alice, 3).await.unwrap().unwrap();
    assert_ne!(next.id, skipped.id);
    assert_eq!(
        last_candidate(&text),
        next.id,
        "the fourth prompt showed the new head"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_reads_lines_when_stdin_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let alice = household(dir.path()).await;
    let mut child = cli(dir.path())
        .args(["next", "--profile", "alice"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"x\ns\nq\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("'x' is not a choice"), "{text}");
    assert!(text.contains("Skipped:"), "{text}");
    let store = SqliteStore::open(&db_url(dir.path())).await.unwrap();
    use hearth_store::DynamicStore;
    let skipped = store
        .candidates(alice, &[CandidateStatus::Skipped])
        .await
        .unwrap();
    assert_eq!(skipped.len(), 1);
    store.close().await;
}
