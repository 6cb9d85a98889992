//! Pano Scrobbler (Android) JSON Lines export: `timeMs`, `artist`, `track`, `album`,
//! `albumArtist`, `durationMs`, `event` (`scrobble`).

use std::borrow::Cow;

use serde::Deserialize;

use super::{json_reason, lenient_i64};
use crate::listen::{non_empty, row_key, ImportedListen, Row};

pub(crate) const SOURCE: &str = "panoscrobbler";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PanoRow<'a> {
    #[serde(default, deserialize_with = "lenient_i64")]
    time_ms: Option<i64>,
    #[serde(borrow, default)]
    artist: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    track: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    album: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_i64")]
    duration_ms: Option<i64>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Row, String> {
    let r: PanoRow<'_> = serde_json::from_slice(bytes).map_err(|e| json_reason(&e))?;
    if let Some(ev) = non_empty(r.event.as_deref()) {
        if ev != "scrobble" {
            return Err(format!("event {ev:?} is not a scrobble"));
        }
    }
    let ts = r.time_ms.ok_or("missing timeMs")?;
    let artist = non_empty(r.artist.as_deref()).ok_or("missing artist")?;
    let title = non_empty(r.track.as_deref()).ok_or("missing track")?;
    Ok(Row::Listen(ImportedListen {
        artist: artist.to_string(),
        title: title.to_string(),
        album: non_empty(r.album.as_deref()).map(str::to_string),
        ts,
        ms_played: None,
        duration_ms: r.duration_ms.filter(|d| *d > 0),
        skipped: false,
        reason_end: None,
        source: SOURCE,
        spotify_id: None,
        isrc: None,
        mbid: None,
        row_key: row_key(SOURCE, ts, &[&hearth_core::norm::norm_key(artist, title)]),
    }))
}
