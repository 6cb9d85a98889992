//! Playlist files: M3U8, XSPF and JSPF writers over one plain description ([`ExportPlaylist`]).
//!
//! - **M3U8** (extended M3U, UTF-8): `#EXTM3U`, `#PLAYLIST:<title>`, then per track
//!   `#EXTINF:<seconds>,<artist> - <title>` followed by its location — the local file path when
//!   known, else the URL (e.g. a preview). A track with neither is written as a single comment
//!   line `# not available: <artist> - <title> (<provider uri>)` *without* an `#EXTINF`, so players
//!   never pair its info line with the next track's location. Unknown durations are `-1` as the
//!   format prescribes. Line breaks inside names are folded to spaces.
//! - **XSPF** version 1 (`http://xspf.org/ns/0/`): playlist `title`, `creator`, `annotation`,
//!   `date`, `trackList`; each `track` has `location` (a `file://` URI for local files, the URL
//!   otherwise), `identifier` (MusicBrainz recording URL, provider URI), `title`, `creator`,
//!   `annotation`, `album`, `duration` (ms), in the schema's element order. All text is
//!   XML-escaped.
//! - **JSPF** as ListenBrainz reads it: `{"playlist": {"title", "creator", "date", "annotation",
//!   "track": [{"title", "creator", "album", "duration", "identifier": [...], "location": [...]}]}}`
//!   — `identifier` is a list of URIs (the MusicBrainz recording URL first, which is what
//!   ListenBrainz matches on), `location` a list of URIs and omitted when empty.

use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

/// XSPF's namespace.
pub const XSPF_NS: &str = "http://xspf.org/ns/0/";

/// A playlist as the writers need it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportPlaylist {
    pub title: String,
    /// Who made it, e.g. `Hearth (profile alice)`.
    pub creator: String,
    /// RFC 3339 creation time.
    pub date: String,
    /// A sentence about the playlist (vibe, rules not met…).
    pub annotation: Option<String>,
    pub tracks: Vec<ExportTrack>,
}

/// One track of an exported playlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportTrack {
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    /// Local audio file (absolute path preferred).
    pub file_path: Option<String>,
    /// A remote URL (preview, stream).
    pub url: Option<String>,
    /// A player URI (`spotify:track:…`).
    pub provider_uri: Option<String>,
    /// MusicBrainz recording id.
    pub mbid: Option<String>,
    /// Why the track is in the playlist.
    pub annotation: Option<String>,
}

impl ExportTrack {
    /// Identifier URIs, MusicBrainz first.
    fn identifiers(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(m) = self.mbid.as_deref().filter(|m| !m.is_empty()) {
            v.push(format!("https://musicbrainz.org/recording/{m}"));
        }
        if let Some(u) = self.provider_uri.as_deref().filter(|u| !u.is_empty()) {
            v.push(u.to_string());
        }
        v
    }

    /// Location URIs: the local file as a `file://` URI, then the URL.
    fn location_uris(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(p) = self.file_path.as_deref().filter(|p| !p.is_empty()) {
            v.push(file_uri(p));
        }
        if let Some(u) = self.url.as_deref().filter(|u| !u.is_empty()) {
            v.push(u.to_string());
        }
        v
    }
}

/// One line of text: CR/LF folded to spaces (a playlist line must not break).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

/// Extended M3U (see the module docs for the layout).
pub fn m3u8(p: &ExportPlaylist) -> String {
    let mut out = String::from("#EXTM3U\n");
    if !p.title.is_empty() {
        let _ = writeln!(out, "#PLAYLIST:{}", one_line(&p.title));
    }
    for t in &p.tracks {
        let name = one_line(&format!("{} - {}", t.artist, t.title));
        let location = t
            .file_path
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(t.url.as_deref().filter(|s| !s.is_empty()));
        match location {
            Some(loc) => {
                let secs = t
                    .duration_ms
                    .map_or(-1, |ms| (ms + 500).div_euclid(1000).max(0));
                let _ = writeln!(out, "#EXTINF:{secs},{name}");
                let _ = writeln!(out, "{}", one_line(loc));
            }
            None => {
                let via = t
                    .provider_uri
                    .as_deref()
                    .map(|u| format!(" ({})", one_line(u)))
                    .unwrap_or_default();
                let _ = writeln!(out, "# not available: {name}{via}");
            }
        }
    }
    out
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A `file://` URI for a local path: every byte outside the RFC 3986 unreserved set and `/` is
/// percent-encoded; a relative path stays relative (a URI reference).
pub fn file_uri(path: &str) -> String {
    let mut out = String::new();
    if Path::new(path).is_absolute() {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// XSPF version 1 (see the module docs).
pub fn xspf(p: &ExportPlaylist) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<playlist version=\"1\" xmlns=\"{XSPF_NS}\">");
    let el = |out: &mut String, indent: &str, name: &str, text: &str| {
        let _ = writeln!(out, "{indent}<{name}>{}</{name}>", xml_escape(text));
    };
    if !p.title.is_empty() {
        el(&mut out, "  ", "title", &p.title);
    }
    if !p.creator.is_empty() {
        el(&mut out, "  ", "creator", &p.creator);
    }
    if let Some(a) = &p.annotation {
        el(&mut out, "  ", "annotation", a);
    }
    if !p.date.is_empty() {
        el(&mut out, "  ", "date", &p.date);
    }
    out.push_str("  <trackList>\n");
    for t in &p.tracks {
        out.push_str("    <track>\n");
        for l in t.location_uris() {
            el(&mut out, "      ", "location", &l);
        }
        for i in t.identifiers() {
            el(&mut out, "      ", "identifier", &i);
        }
        el(&mut out, "      ", "title", &t.title);
        el(&mut out, "      ", "creator", &t.artist);
        if let Some(a) = &t.annotation {
            el(&mut out, "      ", "annotation", a);
        }
        if let Some(a) = &t.album {
            el(&mut out, "      ", "album", a);
        }
        if let Some(d) = t.duration_ms.filter(|d| *d >= 0) {
            el(&mut out, "      ", "duration", &d.to_string());
        }
        out.push_str("    </track>\n");
    }
    out.push_str("  </trackList>\n</playlist>\n");
    out
}

/// JSPF as ListenBrainz imports it (see the module docs).
pub fn jspf(p: &ExportPlaylist) -> Value {
    let tracks: Vec<Value> = p
        .tracks
        .iter()
        .map(|t| {
            let mut o = Map::new();
            o.insert("title".into(), json!(t.title));
            o.insert("creator".into(), json!(t.artist));
            if let Some(a) = &t.album {
                o.insert("album".into(), json!(a));
            }
            if let Some(d) = t.duration_ms.filter(|d| *d >= 0) {
                o.insert("duration".into(), json!(d));
            }
            if let Some(a) = &t.annotation {
                o.insert("annotation".into(), json!(a));
            }
            o.insert("identifier".into(), json!(t.identifiers()));
            let loc = t.location_uris();
            if !loc.is_empty() {
                o.insert("location".into(), json!(loc));
            }
            Value::Object(o)
        })
        .collect();
    let mut pl = Map::new();
    pl.insert("title".into(), json!(p.title));
    pl.insert("creator".into(), json!(p.creator));
    pl.insert("date".into(), json!(p.date));
    if let Some(a) = &p.annotation {
        pl.insert("annotation".into(), json!(a));
    }
    pl.insert("track".into(), Value::Array(tracks));
    json!({ "playlist": Value::Object(pl) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "<Tom & \"Jerry's\"> Band";

    fn sample() -> ExportPlaylist {
        ExportPlaylist {
            title: "Evening & <calm>".into(),
            creator: "Hearth (profile alice)".into(),
            date: "2026-11-21T20:00:00Z".into(),
            annotation: Some("vibe: \"calm\"".into()),
            tracks: vec![
                ExportTrack {
                    title: "Song 'one'".into(),
                    artist: NASTY.into(),
                    album: Some("A & B".into()),
                    duration_ms: Some(215_400),
                    file_path: Some("/music/Tom & Jerry/01 song one.flac".into()),
                    mbid: Some("8f3471b5-7e6a-48da-86a9-c1c07a0f47ae".into()),
                    annotation: Some("liked, not played for 90 days".into()),
                    ..Default::default()
                },
                ExportTrack {
                    title: "Preview".into(),
                    artist: "Streamer".into(),
                    duration_ms: None,
                    url: Some("https://example.invalid/p.m4a?a=1&b=2".into()),
                    provider_uri: Some("spotify:track:4uLU6hMCjMI75M1A2tKUQC".into()),
                    ..Default::default()
                },
                ExportTrack {
                    title: "Nowhere\nto be found".into(),
                    artist: "Ghost".into(),
                    duration_ms: Some(100_000),
                    provider_uri: Some("spotify:track:abc".into()),
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn escaping_covers_the_five_characters() {
        assert_eq!(
            xml_escape("<&\">'"),
            "&lt;&amp;&quot;&gt;&apos;".to_string()
        );
        assert_eq!(xml_escape("a\u{1}b"), "ab");
    }

    #[test]
    fn file_uris_percent_encode() {
        assert_eq!(
            file_uri("/music/Tom & Jerry/01 é.flac"),
            "file:///music/Tom%20%26%20Jerry/01%20%C3%A9.flac"
        );
        assert_eq!(file_uri("rel/a b.mp3"), "rel/a%20b.mp3");
    }

    #[test]
    fn m3u8_layout() {
        let m = m3u8(&sample());
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(
            lines,
            vec![
                "#EXTM3U",
                "#PLAYLIST:Evening & <calm>",
                "#EXTINF:215,<Tom & \"Jerry's\"> Band - Song 'one'",
                "/music/Tom & Jerry/01 song one.flac",
                "#EXTINF:-1,Streamer - Preview",
                "https://example.invalid/p.m4a?a=1&b=2",
                "# not available: Ghost - Nowhere to be found (spotify:track:abc)",
            ]
        );
    }

    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        n.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }

    #[test]
    fn xspf_parses_back_with_namespace_and_required_structure() {
        let x = xspf(&sample());
        let doc = roxmltree::Document::parse(&x).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "playlist");
        assert_eq!(root.tag_name().namespace(), Some(XSPF_NS));
        assert_eq!(root.attribute("version"), Some("1"));
        assert_eq!(
            child(root, "title").and_then(|t| t.text()),
            Some("Evening & <calm>")
        );
        let list = child(root, "trackList").expect("trackList is required");
        // trackList is the last element of playlist (schema order).
        let last = root.children().rfind(|c| c.is_element()).unwrap();
        assert_eq!(last.tag_name().name(), "trackList");
        let tracks: Vec<_> = list.children().filter(|c| c.is_element()).collect();
        assert_eq!(tracks.len(), 3);
        for t in &tracks {
            assert_eq!(t.tag_name().name(), "track");
            assert_eq!(t.tag_name().namespace(), Some(XSPF_NS));
            // Element order inside a track follows the schema.
            let order = [
                "location",
                "identifier",
                "title",
                "creator",
                "annotation",
                "info",
                "image",
                "album",
                "trackNum",
                "duration",
            ];
            let ranks: Vec<usize> = t
                .children()
                .filter(|c| c.is_element())
                .map(|c| {
                    order
                        .iter()
                        .position(|o| *o == c.tag_name().name())
                        .expect("only XSPF track elements")
                })
                .collect();
            assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
        }
        let first = tracks[0];
        assert_eq!(child(first, "creator").unwrap().text(), Some(NASTY));
        assert_eq!(child(first, "duration").unwrap().text(), Some("215400"));
        assert_eq!(
            child(first, "location").unwrap().text(),
            Some("file:///music/Tom%20%26%20Jerry/01%20song%20one.flac")
        );
        assert_eq!(
            child(first, "identifier").unwrap().text(),
            Some("https://musicbrainz.org/recording/8f3471b5-7e6a-48da-86a9-c1c07a0f47ae")
        );
        assert_eq!(
            child(tracks[1], "location").unwrap().text(),
            Some("https://example.invalid/p.m4a?a=1&b=2")
        );
        assert!(child(tracks[1], "duration").is_none());
        assert!(child(tracks[2], "location").is_none());
    }

    #[test]
    fn jspf_has_the_listenbrainz_shape() {
        let j = jspf(&sample());
        let p = &j["playlist"];
        assert_eq!(p["title"], "Evening & <calm>");
        assert_eq!(p["creator"], "Hearth (profile alice)");
        assert_eq!(p["date"], "2026-11-21T20:00:00Z");
        let t = p["track"].as_array().unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0]["creator"], NASTY);
        assert_eq!(t[0]["album"], "A & B");
        assert_eq!(t[0]["duration"], 215_400);
        assert_eq!(
            t[0]["identifier"],
            json!(["https://musicbrainz.org/recording/8f3471b5-7e6a-48da-86a9-c1c07a0f47ae"])
        );
        assert_eq!(
            t[0]["location"],
            json!(["file:///music/Tom%20%26%20Jerry/01%20song%20one.flac"])
        );
        assert_eq!(
            t[1]["identifier"],
            json!(["spotify:track:4uLU6hMCjMI75M1A2tKUQC"])
        );
        assert!(t[1].get("duration").is_none());
        assert!(t[2].get("location").is_none());
        // Round-trips through text.
        let back: Value = serde_json::from_str(&j.to_string()).unwrap();
        assert_eq!(back, j);
    }

    #[test]
    fn empty_playlist_is_still_valid() {
        let p = ExportPlaylist::default();
        assert_eq!(m3u8(&p), "#EXTM3U\n");
        let x = xspf(&p);
        let doc = roxmltree::Document::parse(&x).unwrap();
        assert!(doc
            .root_element()
            .children()
            .any(|c| c.tag_name().name() == "trackList"));
        assert_eq!(jspf(&p)["playlist"]["track"], json!([]));
    }
}
