//! Folder and zip input: deterministic order, non-export files ignored, and the pre-flight
//! plan that refuses a wrong-format file before anything is imported.

use std::io::Write;
use std::path::PathBuf;

use hearth_sources::{
    for_each_input, plan_import, Format, FormatRequest, ImportError, Row, SkipReason,
};

fn ext_row(ts: &str, title: &str) -> String {
    format!(
        r#"{{"ts": "{ts}", "ms_played": 180000, "master_metadata_track_name": "{title}", "master_metadata_album_artist_name": "Artist", "master_metadata_album_album_name": null, "spotify_track_uri": null, "episode_name": null, "skipped": false}}"#
    )
}

/// A folder shaped like Spotify's extended-history download.
fn spotify_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("Spotify Extended Streaming History");
    std::fs::create_dir(&sub).unwrap();
    let audio = |n: usize, year: &str| {
        let rows: Vec<String> = (0..n)
            .map(|i| ext_row(&format!("{year}-01-01T00:{i:02}:00Z"), &format!("Song {i}")))
            .collect();
        format!("[\n{}\n]", rows.join(",\n"))
    };
    std::fs::write(
        sub.join("Streaming_History_Audio_2023.json"),
        audio(3, "2023"),
    )
    .unwrap();
    std::fs::write(
        sub.join("Streaming_History_Audio_2021-2022.json"),
        audio(2, "2022"),
    )
    .unwrap();
    std::fs::write(
        sub.join("Streaming_History_Video_2023.json"),
        audio(4, "2023"),
    )
    .unwrap();
    std::fs::write(
        sub.join("ReadMeFirst_ExtendedStreamingHistory.pdf"),
        b"%PDF-1.4",
    )
    .unwrap();
    dir
}

/// (name, format, listens, skipped) of one offered file.
type Seen = (String, Format, u64, u64);

/// Every file the walk offers, and the names it ignored.
fn import_all(paths: &[PathBuf]) -> (Vec<Seen>, Vec<String>) {
    let mut seen = Vec::new();
    let ignored = for_each_input(paths, |entry| -> Result<(), ImportError> {
        let rows = entry.open_rows(FormatRequest::Auto)?;
        let name = rows.file().to_string();
        let format = rows.format();
        let (mut listens, mut skipped) = (0, 0);
        for r in rows {
            match r.unwrap() {
                Row::Listen(_) => listens += 1,
                Row::Skipped { reason } => {
                    assert_eq!(reason, SkipReason::Video);
                    skipped += 1
                }
            }
        }
        seen.push((name, format, listens, skipped));
        Ok(())
    })
    .unwrap();
    (seen, ignored.into_iter().map(|i| i.name).collect())
}

fn short(name: &str) -> &str {
    name.rsplit(['/', ':']).next().unwrap()
}

#[test]
fn folder_input_in_path_order() {
    let dir = spotify_folder();
    let (seen, ignored) = import_all(&[dir.path().to_path_buf()]);
    let got: Vec<(&str, u64, u64)> = seen.iter().map(|s| (short(&s.0), s.2, s.3)).collect();
    assert_eq!(
        got,
        [
            ("Streaming_History_Audio_2021-2022.json", 2, 0),
            ("Streaming_History_Audio_2023.json", 3, 0),
            ("Streaming_History_Video_2023.json", 0, 4),
        ]
    );
    assert_eq!(ignored.len(), 1);
    assert!(ignored[0].ends_with("ReadMeFirst_ExtendedStreamingHistory.pdf"));
}

#[test]
fn zip_input_matches_folder_input() {
    let dir = spotify_folder();
    let zip_path = dir.path().join("my_spotify_data.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let sub = dir.path().join("Spotify Extended Streaming History");
        let mut names: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.reverse(); // archive order must not matter
        for n in names {
            zip.start_file(format!("Spotify Extended Streaming History/{n}"), opts)
                .unwrap();
            zip.write_all(&std::fs::read(sub.join(&n)).unwrap())
                .unwrap();
        }
        zip.add_directory("__MACOSX/", opts).unwrap();
        zip.start_file("__MACOSX/._Streaming_History_Audio_2023.json", opts)
            .unwrap();
        zip.write_all(b"\0\x05\x16\x07junk").unwrap();
        zip.finish().unwrap();
    }
    let (from_zip, ignored) = import_all(std::slice::from_ref(&zip_path));
    let (from_dir, _) = import_all(&[dir.path().join("Spotify Extended Streaming History")]);
    let strip = |v: &[Seen]| -> Vec<Seen> {
        v.iter()
            .map(|(n, f, l, s)| (short(n).to_string(), *f, *l, *s))
            .collect()
    };
    assert_eq!(strip(&from_zip), strip(&from_dir));
    assert!(from_zip[0]
        .0
        .contains("my_spotify_data.zip:Spotify Extended Streaming History/"));
    assert_eq!(ignored.len(), 2, "{ignored:?}"); // the PDF and the AppleDouble file
    let plan = plan_import(&[zip_path], FormatRequest::Exact(Format::SpotifyExtended)).unwrap();
    assert_eq!(plan.files.len(), 3);
}

#[test]
fn plan_refuses_a_named_wrong_file_but_ignores_contained_ones() {
    let dir = spotify_folder();
    let sub = dir.path().join("Spotify Extended Streaming History");
    std::fs::write(sub.join("Userdata.json"), br#"{"username": "x"}"#).unwrap();
    // Inside a folder: ignored with its reason.
    let plan = plan_import(&[dir.path().to_path_buf()], FormatRequest::Auto).unwrap();
    assert_eq!(plan.files.len(), 3);
    assert!(plan
        .ignored
        .iter()
        .any(|i| i.name.ends_with("Userdata.json")));
    // Named directly: the whole import is refused before anything is read past the prefix.
    let err = plan_import(
        &[
            sub.join("Streaming_History_Audio_2023.json"),
            sub.join("Userdata.json"),
        ],
        FormatRequest::Auto,
    )
    .unwrap_err();
    assert!(
        matches!(err, ImportError::UnsupportedFormat { .. }),
        "{err}"
    );
    let err = plan_import(
        &[sub.join("Streaming_History_Audio_2023.json")],
        FormatRequest::Exact(Format::ListenBrainz),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::WrongFormat { .. }), "{err}");
    let missing = plan_import(&[dir.path().join("nope.json")], FormatRequest::Auto).unwrap_err();
    assert!(matches!(missing, ImportError::NotFound { .. }), "{missing}");
}

#[test]
fn real_samples_folder_plans_cleanly() {
    let Some(data) = crate::shared_data("real_samples_folder_plans_cleanly") else {
        return;
    };
    let plan = plan_import(
        &[
            data.join("spotify-extended-streaming-history"),
            data.join("spotify-account-streaming-history"),
        ],
        FormatRequest::Auto,
    )
    .unwrap();
    // 6 extended + 4 account files; SOURCE.txt files are offered but are not exports.
    assert_eq!(plan.files.len(), 10, "{plan:?}");
    assert_eq!(plan.ignored.len(), 2, "{plan:?}");
}
