//! The real ListenBrainz submit-listens payloads validate as ListenBrainz validates them.

use hearth_sources::{parse_submit_listens, ListenType, Submission};
use rstest::rstest;

use crate::shared_data;

/// 2026-11-21, after every fixture's listened_at.
const NOW_MS: i64 = 1_795_000_000_000;

#[rstest]
#[case("valid_import.json", ListenType::Import, 2)]
#[case("user_export_test.json", ListenType::Import, 3)]
#[case("additional_info.json", ListenType::Import, 1)]
#[case("valid_single.json", ListenType::Single, 1)]
#[case("valid_playing_now.json", ListenType::PlayingNow, 1)]
fn real_payloads(#[case] file: &str, #[case] kind: ListenType, #[case] n: usize) {
    let Some(data) = shared_data("real_payloads") else {
        return;
    };
    let raw = std::fs::read(
        data.join("listen-import-formats/listenbrainz-testdata")
            .join(file),
    )
    .unwrap();
    let sub = parse_submit_listens(&raw, NOW_MS).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(sub.listen_type(), kind);
    let count = match &sub {
        Submission::Import(v) => v.len(),
        Submission::Single(_) | Submission::PlayingNow(_) => 1,
    };
    assert_eq!(count, n);
    if let Submission::Import(v) = &sub {
        if file == "additional_info.json" {
            assert_eq!(
                v[0].spotify_id.as_deref(),
                Some("spotify:track:1rrgWMXGCGHru5bIRxGFV0")
            );
            assert_eq!(v[0].isrc.as_deref(), Some("isrc"));
        }
    }
    if let Submission::PlayingNow(p) = &sub {
        assert_eq!(
            (p.artist.as_str(), p.title.as_str()),
            ("Kanye West", "Fade")
        );
    }
}

#[test]
fn a_user_export_line_is_not_a_valid_submission() {
    // ListenBrainz refuses its own export rows as submissions: extra top-level keys.
    let Some(data) = shared_data("a_user_export_line_is_not_a_valid_submission") else {
        return;
    };
    let text = std::fs::read_to_string(
        data.join("listen-import-formats/listenbrainz-testdata/listenbrainz_listens.jsonl"),
    )
    .unwrap();
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let body = serde_json::json!({"listen_type": "single", "payload": [line]});
    let err = parse_submit_listens(body.to_string().as_bytes(), NOW_MS).unwrap_err();
    assert_eq!(
        err.message,
        "JSON document may only contain listened_at and track_metadata top level keys"
    );
}
