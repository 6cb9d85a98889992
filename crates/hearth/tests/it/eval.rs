//! `hearth eval hetrec` reproduces the SPEC §14 reference baselines (fast mode: the two
//! baselines over all 1,884 users).

use crate::support::hearth;
use std::path::PathBuf;

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("HEARTH_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    dir.join("hetrec2011-lastfm-2k").is_dir().then_some(dir)
}

#[test]
fn hetrec_fast_reproduces_reference_baselines() {
    let Some(data) = shared_data() else {
        println!("skipped: shared data (HEARTH_SHARED_DATA) not found");
        return;
    };
    let out = hearth()
        .args(["eval", "hetrec", "--fast", "--json"])
        .arg(data.join("hetrec2011-lastfm-2k"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rankers = report["rankers"].as_array().unwrap();
    let find = |name: &str| {
        rankers
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {report}"))
    };
    for (name, hr, ndcg) in [
        ("most-popular", 0.0701, 0.0351),
        ("item-knn", 0.2033, 0.1244),
    ] {
        let r = find(name);
        assert_eq!(r["users"], 1884);
        let (got_hr, got_ndcg) = (
            r["hr_at_10"].as_f64().unwrap(),
            r["ndcg_at_10"].as_f64().unwrap(),
        );
        assert!(
            (got_hr - hr).abs() <= 0.005,
            "{name} HR@10 {got_hr} vs {hr}"
        );
        assert!(
            (got_ndcg - ndcg).abs() <= 0.005,
            "{name} NDCG@10 {got_ndcg} vs {ndcg}"
        );
    }
    assert!(report["protocol"]
        .as_str()
        .is_some_and(|p| p.contains("2011")));
}

#[test]
fn a_missing_dataset_folder_fails_with_exit_1() {
    let out = hearth()
        .args(["eval", "hetrec", "/nonexistent/hetrec"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.is_empty());
}
