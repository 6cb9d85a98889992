//! Maloja scrobble-server JSON export: `{"maloja": {...}, "scrobbles": [{"time": <unix s>,
//! "track": {"artists": [...], "title", "album": {"albumtitle"}, "length": <s>},
//! "duration": <s played>}]}`. Several artists are joined with ", " as ListenBrainz does.

use serde::Deserialize;

use super::{json_reason, lenient_i64};
use crate::listen::{is_skip, non_empty, row_key, ImportedListen, Row};

pub(crate) const SOURCE: &str = "maloja";

#[derive(Deserialize)]
struct Scrobble {
    #[serde(default, deserialize_with = "lenient_i64")]
    time: Option<i64>,
    #[serde(default)]
    track: Option<Track>,
    #[serde(default, deserialize_with = "lenient_i64")]
    duration: Option<i64>,
}

#[derive(Deserialize)]
struct Track {
    #[serde(default)]
    artists: Option<Vec<String>>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    album: Option<Album>,
    #[serde(default, deserialize_with = "lenient_i64")]
    length: Option<i64>,
}

#[derive(Deserialize)]
struct Album {
    #[serde(default)]
    albumtitle: Option<String>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Row, String> {
    let s: Scrobble = serde_json::from_slice(bytes).map_err(|e| json_reason(&e))?;
    let ts = s.time.ok_or("missing time")? * 1000;
    let track = s.track.ok_or("missing track")?;
    let artists: Vec<&str> = track
        .artists
        .iter()
        .flatten()
        .filter_map(|a| non_empty(Some(a)))
        .collect();
    if artists.is_empty() {
        return Err("track has no artists".into());
    }
    let artist = artists.join(", ");
    let title = non_empty(track.title.as_deref()).ok_or("track has no title")?;
    let ms_played = s.duration.filter(|d| *d >= 0).map(|d| d * 1000);
    let duration_ms = track.length.filter(|d| *d > 0).map(|d| d * 1000);
    let key = row_key(SOURCE, ts, &[&hearth_core::norm::norm_key(&artist, title)]);
    Ok(Row::Listen(ImportedListen {
        title: title.to_string(),
        album: track
            .album
            .as_ref()
            .and_then(|a| non_empty(a.albumtitle.as_deref()))
            .map(str::to_string),
        artist,
        ts,
        ms_played,
        duration_ms,
        skipped: is_skip(None, None, ms_played, duration_ms),
        reason_end: None,
        source: SOURCE,
        spotify_id: None,
        isrc: None,
        mbid: None,
        row_key: key,
    }))
}
