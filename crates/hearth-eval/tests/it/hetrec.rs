//! `hearth eval hetrec --fast` must reproduce the SPEC §14 reference baselines on all users.

use hearth_eval::{run_hetrec, EvalError, EvalOptions};

const TOLERANCE: f64 = 0.005;

#[test]
fn fast_mode_reproduces_reference_baselines() {
    let Some(dir) = crate::shared_dataset(
        "fast_mode_reproduces_reference_baselines",
        "hetrec2011-lastfm-2k",
    ) else {
        return;
    };
    let opts = EvalOptions {
        fast: true,
        ..EvalOptions::default()
    };
    let report = run_hetrec(&dir, &opts).unwrap();
    // SPEC §14 reference numbers: (name, HR@10, NDCG@10).
    for (name, hr, ndcg) in [
        ("most-popular", 0.0701, 0.0351),
        ("item-knn", 0.2033, 0.1244),
    ] {
        let r = report
            .ranker(name)
            .unwrap_or_else(|| panic!("{name} missing:\n{report}"));
        assert_eq!(r.users, 1884, "{name} must cover every eligible user");
        assert!(
            (r.hr_at_10 - hr).abs() <= TOLERANCE,
            "{name} HR@10 {} vs {hr}\n{report}",
            r.hr_at_10
        );
        assert!(
            (r.ndcg_at_10 - ndcg).abs() <= TOLERANCE,
            "{name} NDCG@10 {} vs {ndcg}\n{report}",
            r.ndcg_at_10
        );
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["rankers"].as_array().unwrap().len(),
        report.rankers.len()
    );
    assert!(json["protocol"]
        .as_str()
        .unwrap()
        .contains("random.Random(seed=2011)"));
}

#[test]
fn unknown_ranker_is_rejected_by_name() {
    let opts = EvalOptions {
        rankers: Some(vec!["bogus".into()]),
        ..EvalOptions::default()
    };
    let err = run_hetrec(std::path::Path::new("/nonexistent"), &opts).unwrap_err();
    assert!(
        matches!(err, EvalError::InvalidInput { ref field, .. } if field == "rankers"),
        "{err}"
    );
}

#[test]
fn missing_dataset_is_not_found() {
    let dir = std::env::temp_dir().join("hearth-eval-no-such-dataset");
    let err = run_hetrec(&dir, &EvalOptions::default()).unwrap_err();
    assert!(matches!(err, EvalError::NotFound { .. }), "{err}");
}
