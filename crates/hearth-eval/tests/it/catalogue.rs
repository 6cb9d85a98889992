//! `hearth eval catalogue`: real playlists, deterministic split, both taste rankers reported.

use hearth_eval::{run_catalogue, EvalOptions};

#[test]
fn catalogue_reports_single_and_multi_on_every_playlist() {
    let Some(dir) = crate::shared_dataset(
        "catalogue_reports_single_and_multi_on_every_playlist",
        "spotify-tracks-genre-catalogue",
    ) else {
        return;
    };
    let report = run_catalogue(&dir, &EvalOptions::default()).unwrap();
    let names: Vec<&str> = report.rankers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["taste-single", "taste-multi"]);
    for r in &report.rankers {
        // 115 playlists in the files, 2 of them with fewer than 4 tracks.
        assert_eq!(r.users, 113, "{report}");
        assert!((0.0..=1.0).contains(&r.hr_at_10) && (0.0..=1.0).contains(&r.ndcg_at_10));
        // Audio-feature taste must beat chance: 10 random picks out of ~4,470 candidates hit a
        // ~20-track held-out half with probability ≈ 0.05.
        assert!(r.hr_at_10 > 0.2, "{report}");
    }
    // Same seed, same numbers (the JSON leaves out the wall times).
    let again = run_catalogue(&dir, &EvalOptions::default()).unwrap();
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        serde_json::to_value(&again).unwrap()
    );
}
