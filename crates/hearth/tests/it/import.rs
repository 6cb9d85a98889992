//! `hearth import`: the CLI contract (summary, exit codes) and crash safety — killing an import
//! half way and running it again stores each listen exactly once.

use crate::support::hearth;
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn shared_data(test: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::var("HEARTH_SHARED_DATA").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_string()
    });
    let p = std::path::PathBuf::from(dir);
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped {test}: no shared data at {}", p.display());
        None
    }
}

fn stored_listens(data_dir: &std::path::Path) -> i64 {
    let out = hearth()
        .arg("--data-dir")
        .arg(data_dir)
        .args(["profile", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["event_count"].as_i64().unwrap())
        .sum()
}

#[test]
fn import_prints_a_summary_and_refuses_wrong_formats() {
    let Some(data) = shared_data("import_prints_a_summary_and_refuses_wrong_formats") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file =
        data.join("listen-import-formats/listenbrainz-testdata/listenbrainz_mixed_validity.jsonl");
    let out = hearth()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["import", "listenbrainz"])
        .arg(&file)
        .args(["--profile", "fay", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            v["total"]["imported"].as_u64(),
            v["total"]["rejected"].as_u64()
        ),
        (Some(3), Some(2)),
        "{v}"
    );
    assert_eq!(
        v["files"][0]["errors"][0]["location"],
        serde_json::json!({"line": 2})
    );
    // Imported listens fed fay's taste through the same hook live listens use, and the CLI
    // wrote it to the store before exiting.
    let taste_events = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let url = format!("sqlite:{}/hearth.db", dir.path().display());
        let store = hearth_store::open(&url).await.unwrap();
        let fay = store.get_profile("fay").await.unwrap().unwrap();
        let taste = store
            .load_taste_profile(fay.id, hearth_server::reco::TASTE_MODEL)
            .await
            .unwrap()
            .expect("the import wrote fay's taste profile");
        taste.n_events
    });
    assert_eq!(taste_events, 3);
    let out = hearth()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["import", "auto"])
        .arg(&file)
        .args(["--profile", "fay"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        table.lines().any(|l| l.starts_with("total")
            && l.split_whitespace().collect::<Vec<_>>()[1..] == ["0", "3", "0", "2"]),
        "{table}"
    );
    assert!(
        table.contains("line 2: field track_metadata.artist_name is empty."),
        "{table}"
    );
    // A wrong-format file is bad input: exit 1, the file named, nothing written.
    let csv = data.join("listen-import-formats/listenbrainz-testdata/librefm.csv");
    let out = hearth()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["import", "spotify-extended"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("librefm.csv: not a spotify-extended file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stored_listens(dir.path()), 3);
}

#[test]
fn killed_import_resumes_to_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Streaming_History_Audio_big.json");
    hearth_sources::bench_data::generate_spotify_extended(
        200_000,
        11,
        std::io::BufWriter::new(std::fs::File::create(&file).unwrap()),
    )
    .unwrap();
    // The distinct row keys of the file: what the store must end with.
    let rows = hearth_sources::open_rows(
        hearth_sources::FormatRequest::Auto,
        &file.display().to_string(),
        std::fs::File::open(&file).unwrap(),
    )
    .unwrap();
    let mut keys = HashSet::new();
    for row in rows {
        if let Ok(hearth_sources::Row::Listen(l)) = row {
            keys.insert(l.row_key);
        }
    }
    let data_dir = dir.path().join("data");
    let mut child = hearth()
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["import", "auto", "--quiet"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let killed_at = loop {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(status) = child.try_wait().unwrap() {
            panic!("import finished ({status}) before it could be killed; make the file larger");
        }
        let db = data_dir.join("hearth.db");
        if db.exists() {
            let n = stored_listens(&data_dir);
            if n > 0 {
                child.kill().unwrap(); // SIGKILL on Unix
                child.wait().unwrap();
                break n;
            }
        }
        assert!(Instant::now() < deadline, "no batch committed in time");
    };
    let after_kill = stored_listens(&data_dir);
    assert!(
        after_kill >= killed_at && (after_kill as usize) < keys.len(),
        "killed half way: {after_kill} of {}",
        keys.len()
    );
    let out = hearth()
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["import", "auto", "--quiet", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["total"]["duplicate"].as_i64().unwrap() as usize,
        v["total"]["listens"].as_i64().unwrap() as usize
            - v["total"]["imported"].as_i64().unwrap() as usize
    );
    assert_eq!(
        stored_listens(&data_dir) as usize,
        keys.len(),
        "each listen stored exactly once"
    );
}
