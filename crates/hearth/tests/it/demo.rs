//! `hearth demo --no-serve` leaves a household in which every profile has recommendations, and
//! `hearth stats` reports on it.

use crate::support::hearth;
use serde_json::Value;

fn run_ok(args: &[&str]) -> String {
    let out = hearth().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "hearth {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn demo_household_has_recommendations_for_every_profile_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data = data.to_str().unwrap();
    let out = run_ok(&["--data-dir", data, "demo", "--no-serve"]);
    assert!(out.contains("demo household ready"), "{out}");
    for profile in ["alice", "bob", "carol"] {
        let json: Value = serde_json::from_str(&run_ok(&[
            "--data-dir",
            data,
            "recommend",
            "--profile",
            profile,
            "--json",
            "--limit",
            "10",
        ]))
        .unwrap();
        let recs = json["recommendations"].as_array().unwrap();
        assert!(!recs.is_empty(), "{profile} has no recommendations: {json}");
        assert!(
            recs.iter()
                .all(|r| !r["reasons"].as_array().unwrap().is_empty()),
            "every recommendation carries reasons: {json}"
        );
    }

    let stats: Value =
        serde_json::from_str(&run_ok(&["--data-dir", data, "stats", "--json"])).unwrap();
    let l = &stats["listening"];
    assert!(l["listens_total"].as_i64().unwrap() > 300, "{stats}");
    assert!(l["listens_30d"].as_i64().unwrap() > 0);
    let profiles: Vec<&str> = l["per_profile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    for p in ["alice", "bob", "carol"] {
        assert!(profiles.contains(&p), "{p} missing from {profiles:?}");
    }
    let h = &stats["health"];
    assert_eq!(h["backend"], "sqlite");
    assert!(h["db_size_bytes"].as_i64().unwrap() > 0);
    assert_eq!(h["tracks"], h["analysed"], "every demo track is analysed");
    assert!(h["tracks"].as_i64().unwrap() >= 200);

    // The human report for one profile, and a second demo into the same store is refused.
    let text = run_ok(&["--data-dir", data, "stats", "--profile", "bob"]);
    assert!(text.contains("Listening (profile bob)"), "{text}");
    assert!(text.contains("top artist"), "{text}");
    let again = hearth()
        .args(["--data-dir", data, "demo", "--no-serve"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("fresh"));
}

#[test]
fn stats_of_an_unknown_profile_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = hearth()
        .args(["--data-dir", data, "stats", "--profile", "nobody"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
    let out = hearth()
        .args(["--data-dir", data, "stats", "--top", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad flag is a usage error");
}
