//! Import round-trips: listens written in a text format (with the quoting and odd characters
//! real names have) parse back to the same artist, title, album and time.

use std::fmt::Write as _;

use hearth_sources::{open_rows, FormatRequest, Row};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Listen {
    artist: String,
    title: String,
    album: Option<String>,
    ts_s: i64,
}

/// Names with commas, quotes, semicolons, unicode; trimmed and non-empty, as the parsers keep
/// names trimmed. No '#' or '+' at the start (those are comment markers in Libre.fm files).
fn name() -> impl Strategy<Value = String> {
    "[A-Za-zÀ-ÿ0-9][A-Za-z0-9 ,;'\"&()ÀÉüñ今堀.-]{0,20}[A-Za-z0-9)]"
        .prop_map(|s| s.trim().to_string())
}

fn listen() -> impl Strategy<Value = Listen> {
    (
        name(),
        name(),
        proptest::option::of(name()),
        1_100_000_000i64..1_900_000_000,
    )
        .prop_map(|(artist, title, album, ts_s)| Listen {
            artist,
            title,
            album,
            ts_s,
        })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn parse_back(name: &str, text: &str) -> Vec<(String, String, Option<String>, i64)> {
    open_rows(FormatRequest::Auto, name, text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .map(|r| match r {
            Ok(Row::Listen(l)) => (l.artist, l.title, l.album, l.ts / 1000),
            other => panic!("{other:?}\n{text}"),
        })
        .collect()
}

fn expected(ls: &[Listen]) -> Vec<(String, String, Option<String>, i64)> {
    ls.iter()
        .map(|l| (l.artist.clone(), l.title.clone(), l.album.clone(), l.ts_s))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn librefm_csv_round_trips(ls in proptest::collection::vec(listen(), 1..20)) {
        let mut text = String::from("+ACM- Data export from Libre.fm,,,\nArtist,Track,Album,Time\n");
        for l in &ls {
            let album = l.album.as_deref().unwrap_or("");
            writeln!(text, "{},{},{},{}", csv_field(&l.artist), csv_field(&l.title), csv_field(album), l.ts_s).unwrap();
        }
        prop_assert_eq!(parse_back("librefm.csv", &text), expected(&ls));
    }

    #[test]
    fn listenbrainz_jsonl_round_trips(ls in proptest::collection::vec(listen(), 1..20)) {
        let mut text = String::new();
        for l in &ls {
            let mut tm = serde_json::json!({"artist_name": l.artist, "track_name": l.title});
            if let Some(a) = &l.album {
                tm["release_name"] = serde_json::json!(a);
            }
            writeln!(text, "{}", serde_json::json!({"listened_at": l.ts_s, "track_metadata": tm})).unwrap();
        }
        prop_assert_eq!(parse_back("listens.jsonl", &text), expected(&ls));
    }

    #[test]
    fn scrobbler_log_round_trips(ls in proptest::collection::vec(listen(), 1..20)) {
        let mut text = String::from("#AUDIOSCROBBLER/1.1\n#TZ/UTC\n#CLIENT/test\n");
        for l in &ls {
            let album = l.album.as_deref().unwrap_or("");
            writeln!(text, "{}\t{}\t{}\t1\t200\tL\t{}\t", l.artist, album, l.title, l.ts_s).unwrap();
        }
        prop_assert_eq!(parse_back(".scrobbler.log", &text), expected(&ls));
    }
}
