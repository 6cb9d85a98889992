//! Rockbox / portable-player `.scrobbler.log` (Audioscrobbler 1.1): `#` header lines
//! (`#AUDIOSCROBBLER/1.1`, `#TZ/UTC` or `#TZ/UNKNOWN`, `#CLIENT/…`), then tab-separated
//! `ARTIST ALBUM TITLE TRACKNUM LENGTH(s) RATING TIMESTAMP [MBID]`. RATING `L` is a listen
//! (played at least half), `S` a skip, which becomes a skip event. `#TZ/UNKNOWN` means device
//! local time; with no time zone to apply the timestamps are taken as UTC. `<Untagged>` is the
//! player's name for a file without tags: a row without a track.

use crate::listen::{is_uuid, non_empty, row_key, ImportedListen, Row, SkipReason};
use crate::timestamp::parse_unix_seconds;

pub(crate) const SOURCE: &str = "rockbox";

/// `None` for header/comment lines.
pub(crate) fn parse_line(line: &[u8]) -> Option<Result<Row, String>> {
    if line.starts_with(b"#") {
        return None;
    }
    Some(parse_fields(line))
}

fn parse_fields(line: &[u8]) -> Result<Row, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not valid UTF-8".to_string())?;
    let f: Vec<&str> = text.split('\t').collect();
    if !(7..=8).contains(&f.len()) {
        return Err(format!(
            "expected 7 or 8 tab-separated fields (ARTIST ALBUM TITLE TRACKNUM LENGTH RATING \
             TIMESTAMP MBID), found {}",
            f.len()
        ));
    }
    let ts = parse_unix_seconds(f[6]).ok_or_else(|| format!("invalid TIMESTAMP {:?}", f[6]))?;
    let skipped = match f[5].trim() {
        "L" => false,
        "S" => true,
        other => return Err(format!("RATING must be L or S, found {other:?}")),
    };
    if f[0].trim() == "<Untagged>" {
        return Ok(Row::Skipped {
            reason: SkipReason::NoTrack,
        });
    }
    let artist = non_empty(Some(f[0])).ok_or("empty ARTIST")?;
    let title = non_empty(Some(f[2])).ok_or("empty TITLE")?;
    let duration_ms = f[4]
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .map(|s| s * 1000);
    let mbid = f
        .get(7)
        .map(|m| m.trim())
        .filter(|m| is_uuid(m))
        .map(str::to_string);
    Ok(Row::Listen(ImportedListen {
        artist: artist.to_string(),
        title: title.to_string(),
        album: non_empty(Some(f[1])).map(str::to_string),
        ts,
        ms_played: None,
        duration_ms,
        skipped,
        reason_end: None,
        source: SOURCE,
        spotify_id: None,
        isrc: None,
        mbid,
        row_key: row_key(SOURCE, ts, &[&hearth_core::norm::norm_key(artist, title)]),
    }))
}
