//! Libre.fm CSV export, read as ListenBrainz's importer reads it: any number of comment lines
//! (`#`, or `+ACM-`, which is `#` in the UTF-7 that Libre.fm writes its header in), then a header
//! naming at least `Artist`, `Track` and `Time` (any case, any order, extra columns such as
//! `userid` ignored, `Album` optional), then rows with `Time` in Unix seconds.

use crate::listen::{non_empty, row_key, ImportedListen, Row};
use crate::timestamp::parse_unix_seconds;

pub(crate) const SOURCE: &str = "librefm";

pub(crate) fn is_comment(fields: &[String]) -> bool {
    fields.first().is_some_and(|f| {
        let t = f.trim_start();
        t.starts_with('#') || t.starts_with("+ACM-")
    })
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    artist: usize,
    track: usize,
    time: usize,
    album: Option<usize>,
    width: usize,
}

/// Parser state: the header once seen.
#[derive(Default)]
pub(crate) struct Librefm {
    columns: Option<Columns>,
}

impl Librefm {
    /// `None` for comment and header lines.
    pub(crate) fn parse_record(&mut self, fields: &[String]) -> Option<Result<Row, String>> {
        if is_comment(fields) {
            return None;
        }
        let Some(cols) = self.columns else {
            let names: Vec<String> = fields
                .iter()
                .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
                .collect();
            let find = |n: &str| names.iter().position(|c| c == n);
            return match (find("artist"), find("track"), find("time")) {
                (Some(artist), Some(track), Some(time)) => {
                    self.columns = Some(Columns {
                        artist,
                        track,
                        time,
                        album: find("album"),
                        width: names.len(),
                    });
                    None
                }
                _ => Some(Err(
                    "expected the Libre.fm header (Artist,Track,Album,Time) before any row".into(),
                )),
            };
        };
        Some(parse_row(&cols, fields))
    }
}

fn parse_row(cols: &Columns, fields: &[String]) -> Result<Row, String> {
    let need = cols.artist.max(cols.track).max(cols.time) + 1;
    if fields.len() < need {
        return Err(format!(
            "expected {} columns, found {}",
            cols.width,
            fields.len()
        ));
    }
    let time = fields[cols.time].trim();
    let ts = parse_unix_seconds(time).ok_or_else(|| format!("invalid Time {time:?}"))?;
    let artist = non_empty(Some(&fields[cols.artist])).ok_or("empty Artist")?;
    let title = non_empty(Some(&fields[cols.track])).ok_or("empty Track")?;
    let album = cols
        .album
        .and_then(|i| fields.get(i))
        .and_then(|a| non_empty(Some(a)));
    Ok(Row::Listen(ImportedListen {
        artist: artist.to_string(),
        title: title.to_string(),
        album: album.map(str::to_string),
        ts,
        ms_played: None,
        duration_ms: None,
        skipped: false,
        reason_end: None,
        source: SOURCE,
        spotify_id: None,
        isrc: None,
        mbid: None,
        row_key: row_key(SOURCE, ts, &[&hearth_core::norm::norm_key(artist, title)]),
    }))
}
