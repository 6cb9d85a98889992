//! The supported export formats and `auto` detection from content.
//!
//! Detection reads only a prefix of the file ([`SNIFF_BYTES`]): the opening of a JSON document
//! and the keys of its first element, the first JSON line, or the first CSV lines. The file name
//! is only a tie-breaker (an empty `[]` array) and a marker (Spotify video history); a renamed
//! file is still recognised and a mis-named one is still refused.

use std::fmt;
use std::io::Cursor;
use std::str::FromStr;

use crate::error::ImportError;
use crate::json_stream::JsonElements;
use crate::text::split_csv;

/// How many leading bytes detection looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// A listening-history export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Spotify Extended Streaming History: `Streaming_History_Audio_*.json`, older `endsong_*.json`.
    SpotifyExtended,
    /// Spotify Account Data: `StreamingHistory*.json` (`endTime`, `artistName`, `trackName`, `msPlayed`).
    SpotifyAccount,
    /// Last.fm CSV export (lastfm-to-csv): `artist,album,track,date`, no header.
    LastfmCsv,
    /// ListenBrainz export: JSON Lines, a JSON array of listens, or a submit-listens document.
    ListenBrainz,
    /// Libre.fm CSV export: `#` (UTF-7 `+ACM-`) comment lines, then an `Artist,Track,Album,Time` header.
    Librefm,
    /// Rockbox / portable-player `.scrobbler.log` (Audioscrobbler 1.1).
    Rockbox,
    /// Maloja scrobble-server JSON export.
    Maloja,
    /// Pano Scrobbler (Android) JSON Lines export.
    PanoScrobbler,
    /// Spinitron radio playlist CSV export.
    Spinitron,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::SpotifyExtended,
        Format::SpotifyAccount,
        Format::LastfmCsv,
        Format::ListenBrainz,
        Format::Librefm,
        Format::Rockbox,
        Format::Maloja,
        Format::PanoScrobbler,
        Format::Spinitron,
    ];

    /// The CLI name, also the `source` of imported listens.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::SpotifyExtended => "spotify-extended",
            Format::SpotifyAccount => "spotify-account",
            Format::LastfmCsv => "lastfm-csv",
            Format::ListenBrainz => "listenbrainz",
            Format::Librefm => "librefm",
            Format::Rockbox => "rockbox",
            Format::Maloja => "maloja",
            Format::PanoScrobbler => "panoscrobbler",
            Format::Spinitron => "spinitron",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ImportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match s.as_str() {
            "spotify-extended" | "spotify" | "spotify-extended-streaming-history" | "endsong" => {
                Format::SpotifyExtended
            }
            "spotify-account" | "spotify-account-data" => Format::SpotifyAccount,
            "lastfm-csv" | "lastfm" | "last.fm" => Format::LastfmCsv,
            "listenbrainz" | "listenbrainz-json" | "listenbrainz-jsonl" => Format::ListenBrainz,
            "librefm" | "libre.fm" | "librefm-csv" => Format::Librefm,
            "rockbox" | "scrobbler-log" | "audioscrobbler" => Format::Rockbox,
            "maloja" => Format::Maloja,
            "panoscrobbler" | "pano-scrobbler" => Format::PanoScrobbler,
            "spinitron" => Format::Spinitron,
            _ => {
                return Err(ImportError::InvalidInput {
                    field: "format",
                    reason: format!(
                        "unknown format {s:?}; expected auto or one of: {}",
                        Format::ALL.map(Format::as_str).join(", ")
                    ),
                })
            }
        })
    }
}

/// What the caller asked for: `auto`, or one format that the content must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatRequest {
    Auto,
    Exact(Format),
}

impl FromStr for FormatRequest {
    type Err = ImportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(FormatRequest::Auto)
        } else {
            s.parse().map(FormatRequest::Exact)
        }
    }
}

/// How the rows sit in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    JsonArray,
    /// An object whose member of this name is the array of rows.
    JsonMember(&'static str),
    JsonLines,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detected {
    pub format: Format,
    pub layout: Layout,
}

/// Recognises the format of a file from its first bytes (see [`SNIFF_BYTES`]); `name` is used
/// only to break ties. `is_whole_file` says whether `prefix` is the entire file.
pub fn detect_format(
    name: &str,
    prefix: &[u8],
    is_whole_file: bool,
) -> Result<Format, ImportError> {
    sniff(name, prefix, is_whole_file)
        .map(|d| d.format)
        .map_err(|hint| ImportError::UnsupportedFormat {
            file: name.to_string(),
            hint,
        })
}

/// Does the file name say Spotify *video* history (whose rows are counted as skipped videos)?
pub fn is_spotify_video_file(name: &str) -> bool {
    base_name(name)
        .to_ascii_lowercase()
        .starts_with("streaming_history_video")
}

pub(crate) fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

fn format_from_name(name: &str) -> Option<Format> {
    let base = base_name(name).to_ascii_lowercase();
    if base.starts_with("streaming_history_") || base.starts_with("endsong") {
        Some(Format::SpotifyExtended)
    } else if base.starts_with("streaminghistory") {
        Some(Format::SpotifyAccount)
    } else {
        None
    }
}

/// Classifies a JSON object by its keys.
fn classify_keys(obj: &serde_json::Map<String, serde_json::Value>) -> Option<Format> {
    let has = |k: &str| obj.contains_key(k);
    if has("ts")
        && (has("ms_played") || has("master_metadata_track_name") || has("spotify_track_uri"))
    {
        Some(Format::SpotifyExtended)
    } else if has("endTime") && has("msPlayed") {
        Some(Format::SpotifyAccount)
    } else if has("listened_at") {
        // `track_metadata` alone is not enough: ListenBrainz's export zip also holds feedback
        // and pin files whose lines carry track_metadata but are not listens.
        Some(Format::ListenBrainz)
    } else if has("timeMs") && (has("track") || has("artist")) {
        Some(Format::PanoScrobbler)
    } else {
        None
    }
}

fn key_list(obj: &serde_json::Map<String, serde_json::Value>) -> String {
    let keys: Vec<&str> = obj.keys().take(6).map(String::as_str).collect();
    format!("JSON with keys {}", keys.join(", "))
}

pub(crate) fn sniff(name: &str, prefix: &[u8], is_whole_file: bool) -> Result<Detected, String> {
    let body = prefix.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(prefix);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err("empty file".into());
    };
    let body = &body[start..];
    match body[0] {
        b'[' => sniff_json_array(name, body),
        b'{' => sniff_json_object(body),
        _ => sniff_text(body, is_whole_file),
    }
}

fn sniff_json_array(name: &str, body: &[u8]) -> Result<Detected, String> {
    let mut els = JsonElements::top_level_array(Cursor::new(body))
        .map_err(|_| "not a JSON array".to_string())?;
    let first = match els.next_element() {
        Ok(Some(e)) => e.bytes.to_vec(),
        Ok(None) => {
            // An empty array carries no keys; the name is all there is.
            return format_from_name(name)
                .map(|format| Detected {
                    format,
                    layout: Layout::JsonArray,
                })
                .ok_or_else(|| "an empty JSON array".to_string());
        }
        Err(_) => return Err("a JSON array whose first element could not be read".into()),
    };
    let value: serde_json::Value = serde_json::from_slice(&first)
        .map_err(|e| format!("a JSON array whose first element is not JSON ({e})"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "a JSON array of non-objects".to_string())?;
    classify_keys(obj)
        .map(|format| Detected {
            format,
            layout: Layout::JsonArray,
        })
        .ok_or_else(|| {
            format!(
                "a JSON array of objects with unknown keys ({})",
                key_list(obj)
            )
        })
}

fn sniff_json_object(body: &[u8]) -> Result<Detected, String> {
    // JSON Lines: the first line is a complete object by itself.
    let first_line = body.split(|&b| b == b'\n').next().unwrap_or(body);
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(first_line) {
        if obj.contains_key("payload") {
            return Ok(Detected {
                format: Format::ListenBrainz,
                layout: Layout::JsonMember("payload"),
            });
        }
        if obj.contains_key("scrobbles") {
            return Ok(Detected {
                format: Format::Maloja,
                layout: Layout::JsonMember("scrobbles"),
            });
        }
        return match classify_keys(&obj) {
            Some(f @ (Format::ListenBrainz | Format::PanoScrobbler)) => Ok(Detected {
                format: f,
                layout: Layout::JsonLines,
            }),
            Some(f) => Err(format!("JSON Lines of {f} rows (expected a JSON array)")),
            None => Err(format!("JSON Lines with unknown keys ({})", key_list(&obj))),
        };
    }
    // One (pretty-printed) document: find the member holding the rows.
    if JsonElements::object_member_array(Cursor::new(body), "payload").is_ok() {
        return Ok(Detected {
            format: Format::ListenBrainz,
            layout: Layout::JsonMember("payload"),
        });
    }
    if JsonElements::object_member_array(Cursor::new(body), "scrobbles").is_ok() {
        return Ok(Detected {
            format: Format::Maloja,
            layout: Layout::JsonMember("scrobbles"),
        });
    }
    Err("a JSON object with neither a \"payload\" nor a \"scrobbles\" array".into())
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("+ACM-")
}

fn header_has(fields: &[String], wanted: &[&str]) -> bool {
    let cols: Vec<String> = fields
        .iter()
        .map(|f| f.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect();
    wanted.iter().all(|w| cols.iter().any(|c| c == w))
}

fn sniff_text(body: &[u8], is_whole_file: bool) -> Result<Detected, String> {
    if body.starts_with(b"#AUDIOSCROBBLER/") {
        return Ok(Detected {
            format: Format::Rockbox,
            layout: Layout::Text,
        });
    }
    if body.contains(&0) {
        return Err("binary data".into());
    }
    // Only complete lines; a UTF-8 error in the cut-off tail is not the file's fault.
    let usable = if is_whole_file {
        body
    } else {
        match body.iter().rposition(|&b| b == b'\n') {
            Some(p) => &body[..p],
            None => body,
        }
    };
    let text = std::str::from_utf8(usable).map_err(|_| "text that is not UTF-8".to_string())?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(200)
        .collect();
    let text_layout = |format| Detected {
        format,
        layout: Layout::Text,
    };
    // Libre.fm: only comments may precede the header.
    for line in &lines {
        if is_comment(line) {
            continue;
        }
        if let Some(fields) = split_csv(line) {
            if header_has(&fields, &["artist", "track", "time"]) {
                return Ok(text_layout(Format::Librefm));
            }
        }
        break;
    }
    // Spinitron: a metadata block, then a `Date-time,Artist,Song,...` header.
    if lines
        .iter()
        .any(|l| split_csv(l).is_some_and(|f| header_has(&f, &["date-time", "artist", "song"])))
    {
        return Ok(text_layout(Format::Spinitron));
    }
    // Last.fm: headerless 4-column rows whose last column is a Last.fm date (or empty). A few
    // bad rows must not hide the format (they are rejected row by row), so: most sampled rows
    // have 4 columns, and at least one carries a valid date.
    let mut dated = 0;
    let mut four = 0;
    let mut rows = 0;
    let mut widths = Vec::new();
    for line in lines.iter().take(50) {
        let Some(fields) = split_csv(line) else { break };
        if rows == 0 && header_has(&fields, &["artist", "album", "track", "date"]) {
            continue;
        }
        rows += 1;
        widths.push(fields.len());
        if fields.len() != 4 {
            continue;
        }
        four += 1;
        if crate::timestamp::parse_lastfm_date(fields[3].trim()).is_some() {
            dated += 1;
        }
    }
    if dated > 0 && four * 2 > rows {
        return Ok(text_layout(Format::LastfmCsv));
    }
    if rows > 0 && four * 2 <= rows {
        widths.dedup();
        return Err(format!(
            "CSV without a recognised header (rows have {widths:?} columns; Last.fm CSV has 4 \
             ending in a date, Libre.fm needs an Artist,Track,Time header)"
        ));
    }
    Err("text in no supported format".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        "x.json",
        r#"[{"ts":"2023-01-01T00:00:00Z","ms_played":1}]"#,
        Format::SpotifyExtended
    )]
    #[case(
        "x.json",
        r#"[{"endTime":"2023-01-01 00:00","msPlayed":1}]"#,
        Format::SpotifyAccount
    )]
    #[case(
        "x.json",
        r#"[{"listened_at":1,"track_metadata":{}}]"#,
        Format::ListenBrainz
    )]
    #[case(
        "x.jsonl",
        "{\"listened_at\":1}\n{\"listened_at\":2}\n",
        Format::ListenBrainz
    )]
    #[case(
        "x",
        "{\"payload\": [], \"listen_type\": \"import\"}",
        Format::ListenBrainz
    )]
    #[case(
        "x",
        "{\n \"listen_type\": \"import\",\n \"payload\": [",
        Format::ListenBrainz
    )]
    #[case("x", "{\n \"maloja\": {},\n \"scrobbles\": [", Format::Maloja)]
    #[case(
        "x",
        "{\"timeMs\":1,\"track\":\"t\",\"artist\":\"a\"}\n",
        Format::PanoScrobbler
    )]
    #[case("x", "#AUDIOSCROBBLER/1.1\n#TZ/UTC\n", Format::Rockbox)]
    #[case("x", "+ACM- Libre.fm,,\nArtist,Track,Time\n", Format::Librefm)]
    #[case("x", "a,b,c,31 Jan 2021 20:15\nd,e,f,\n", Format::LastfmCsv)]
    #[case("StreamingHistory_music_0.json", "[]", Format::SpotifyAccount)]
    #[case("endsong_0.json", "[ ]", Format::SpotifyExtended)]
    fn detects(#[case] name: &str, #[case] content: &str, #[case] want: Format) {
        assert_eq!(
            detect_format(name, content.as_bytes(), false).unwrap(),
            want
        );
    }

    #[rstest]
    #[case("")]
    #[case("[]")]
    #[case("[1,2]")]
    #[case("{\"a\":1}")]
    #[case("{\"score\":1,\"track_metadata\":{}}\n")]
    #[case("Never,Gonna,Give,You,Up\nNever,Gonna,Let,You,Down\n")]
    #[case("hello world")]
    #[case("PK\u{3}\u{4}\u{0}\u{0}")]
    fn refuses(#[case] content: &str) {
        let err = detect_format("data.txt", content.as_bytes(), true).unwrap_err();
        assert!(
            matches!(err, ImportError::UnsupportedFormat { .. }),
            "{err}"
        );
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert_eq!(
            "auto".parse::<FormatRequest>().unwrap(),
            FormatRequest::Auto
        );
        assert!("mp3".parse::<Format>().is_err());
        assert!(is_spotify_video_file(
            "a/b/Streaming_History_Video_2023.json"
        ));
        assert!(!is_spotify_video_file("Streaming_History_Audio_2023.json"));
    }
}
