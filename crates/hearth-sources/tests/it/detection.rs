//! A file of the wrong format is refused before any row is produced; Last.fm CSV (no real
//! sample exists) is checked on a written file.

use std::io::Write;

use hearth_sources::{open_rows, Format, FormatRequest, ImportError, Row, RowLocation};
use rstest::rstest;

use crate::{parse_path, shared_data};

#[rstest]
#[case(
    "spotify-extended-streaming-history/efrrowini/Streaming_History_Audio_2022.json",
    Format::SpotifyAccount
)]
#[case(
    "spotify-account-streaming-history/averydata/StreamingHistory0.json",
    Format::SpotifyExtended
)]
#[case(
    "listen-import-formats/listenbrainz-testdata/librefm.csv",
    Format::LastfmCsv
)]
#[case(
    "listen-import-formats/listenbrainz-testdata/rockbox.scrobbler.log",
    Format::Librefm
)]
#[case(
    "listen-import-formats/listenbrainz-testdata/listenbrainz_listens.jsonl",
    Format::SpotifyExtended
)]
#[case(
    "listen-import-formats/listenbrainz-testdata/maloja.json",
    Format::ListenBrainz
)]
#[case(
    "listen-import-formats/listenbrainz-testdata/spinitron_sample.csv",
    Format::Rockbox
)]
fn wrong_explicit_format_is_refused_before_any_row(#[case] rel: &str, #[case] asked: Format) {
    let Some(data) = shared_data("wrong_explicit_format_is_refused_before_any_row") else {
        return;
    };
    match parse_path(&data.join(rel), FormatRequest::Exact(asked)) {
        Err(ImportError::WrongFormat {
            expected,
            found_hint,
            ..
        }) => {
            assert_eq!(expected, asked.as_str());
            assert!(found_hint.starts_with("it looks like"), "{found_hint}");
        }
        Err(e) => panic!("{rel}: unexpected error {e}"),
        Ok(_) => panic!("{rel} was accepted as {asked}"),
    }
}

#[test]
fn headerless_librefm_is_refused() {
    let Some(data) = shared_data("headerless_librefm_is_refused") else {
        return;
    };
    let path = data.join("listen-import-formats/listenbrainz-testdata/librefm_no_header.csv");
    let auto = parse_path(&path, FormatRequest::Auto).err().unwrap();
    assert!(
        matches!(auto, ImportError::UnsupportedFormat { .. }),
        "{auto}"
    );
    let exact = parse_path(&path, FormatRequest::Exact(Format::Librefm))
        .err()
        .unwrap();
    let ImportError::WrongFormat { found_hint, .. } = &exact else {
        panic!("{exact}")
    };
    assert!(
        found_hint.contains("CSV without a recognised header"),
        "{exact}"
    );
}

#[test]
fn non_export_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        (
            "Identity.json",
            &b"{\"displayName\": \"x\", \"emailAddress\": \"y\"}"[..],
        ),
        ("Playlist1.json", b"{\"playlists\": [{\"name\": \"a\"}]}"),
        ("ReadMe.txt", b"This folder holds your data."),
        ("empty.json", b""),
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let err = parse_path(&p, FormatRequest::Auto).err();
        assert!(
            matches!(err, Some(ImportError::UnsupportedFormat { .. })),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn lastfm_csv_rows_lines_and_empty_dates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrobbles.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    // Line 3: Last.fm lost the time; line 5: quoted comma; line 6: too few columns.
    write!(
        f,
        "Radiohead,OK Computer,Airbag,31 Jan 2021 20:15\n\
         Radiohead,OK Computer,Paranoid Android,31 Jan 2021 20:21\n\
         Björk,Homogenic,Jóga,\n\
         \n\
         \"Crosby, Stills & Nash\",,Wooden Ships,01 Feb 2021 09:00\n\
         Broken,Row,\n"
    )
    .unwrap();
    drop(f);
    let p = parse_path(&path, FormatRequest::Auto).unwrap();
    assert_eq!(p.summary.format, Some(Format::LastfmCsv));
    assert_eq!(p.summary.listens, 3);
    assert_eq!(p.listens[2].artist, "Crosby, Stills & Nash");
    assert_eq!(p.listens[2].album, None);
    assert_eq!(p.listens[0].ts, 1_612_124_100_000);
    let errs: Vec<(RowLocation, &str)> = p
        .summary
        .errors
        .iter()
        .map(|e| (e.location, e.reason.as_str()))
        .collect();
    assert_eq!(
        errs,
        [
            (
                RowLocation::Line(3),
                "empty date (a listen without a time cannot be imported)"
            ),
            (
                RowLocation::Line(6),
                "expected 4 columns (artist, album, track, date), found 3"
            ),
        ]
    );
}

#[test]
fn json_array_errors_carry_element_index_and_line() {
    let doc = br#"[
  {"ts": "2023-01-01T10:00:00Z", "ms_played": 200000, "master_metadata_track_name": "A",
   "master_metadata_album_artist_name": "X", "spotify_track_uri": "spotify:track:6potEImiklXkwD9qFzpu15"},
  {"ts": "2023-01-01T10:05:00Z", "ms_played": 200000, "master_metadata_track_name": "B"},
  {"ts": "not a time", "ms_played": 1, "master_metadata_track_name": "C", "master_metadata_album_artist_name": "X"},
  {"ts": "2023-01-01T10:15:00Z", "ms_played": "lots", "master_metadata_track_name": "D", "master_metadata_album_artist_name": "X"},
  {"ts": "2023-01-01T10:20:00Z", "ms_played": 40000, "master_metadata_track_name": "E", "master_metadata_album_artist_name": "X"},
  {"ts": "2023-01-01T10:25:00Z", "ms_played": 40000, "master_metadata_track_name": "F"
"#;
    let rows: Vec<_> = open_rows(
        FormatRequest::Auto,
        "Streaming_History_Audio_2023.json",
        &doc[..],
    )
    .unwrap()
    .collect();
    let mut listens = 0;
    let mut errors = Vec::new();
    for r in rows {
        match r {
            Ok(Row::Listen(_)) => listens += 1,
            Ok(Row::Skipped { reason }) => panic!("skipped {reason}"),
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert_eq!(listens, 2);
    assert_eq!(
        errors,
        [
            "Streaming_History_Audio_2023.json: element 1 (line 4): missing master_metadata_album_artist_name",
            "Streaming_History_Audio_2023.json: element 2 (line 5): invalid ts \"not a time\"",
            "Streaming_History_Audio_2023.json: element 3 (line 6): not a number: \"lots\"",
            "Streaming_History_Audio_2023.json: element 5 (line 8): file ends inside an element (truncated?)",
        ]
    );
}
