//! The official ListenBrainz Python client (liblistenbrainz) against a real `hearth serve`.
//! The venv comes from `scripts/ci/lb-venv.sh`; its python is given in `HEARTH_TEST_LB_PYTHON`.

use crate::support::{hearth, Server};
use std::process::Command;

fn listens_of(data_dir: &std::path::Path, profile: &str) -> i64 {
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
        .find(|p| p["name"] == profile)
        .map(|p| p["event_count"].as_i64().unwrap())
        .unwrap_or(0)
}

#[test]
fn liblistenbrainz_submits_to_hearth() {
    let Ok(python) = std::env::var("HEARTH_TEST_LB_PYTHON") else {
        println!("skipped liblistenbrainz_submits_to_hearth: HEARTH_TEST_LB_PYTHON not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = hearth()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["profile", "token", "erin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(token.len(), 64, "one token line on stdout: {token:?}");
    let server = Server::start(dir.path(), &[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/lb_client.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(&server.base)
        .arg(&token)
        .arg("not-a-valid-token")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lb_client.py failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for step in ["single", "single_again", "import", "playing_now"] {
        assert_eq!(v[step], serde_json::json!({"status": "ok"}), "{step}: {v}");
    }
    assert_eq!(v["wrong_token_validate"], "refused", "{v}");
    assert_eq!(
        v["wrong_token_submit"],
        serde_json::json!({"status": 401, "message": "Invalid authorization token."}),
        "{v}"
    );
    // 1 single (sent twice) + 3 imported; playing_now is not stored.
    assert_eq!(listens_of(dir.path(), "erin"), 4);
    assert_eq!(listens_of(dir.path(), "default"), 0);
}
