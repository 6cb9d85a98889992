//! Spinitron playlist CSV export: a metadata block (`"Playlist Title","…"` lines), a blank line,
//! then `Date-time,Artist,Song,Release,Label` rows with ISO 8601 times like
//! `2024-09-05T03:03:07-0500`. Lines before the header are metadata, not rows.

use crate::listen::{non_empty, row_key, ImportedListen, Row};

pub(crate) const SOURCE: &str = "spinitron";

#[derive(Debug, Clone, Copy)]
struct Columns {
    time: usize,
    artist: usize,
    song: usize,
    release: Option<usize>,
}

#[derive(Default)]
pub(crate) struct Spinitron {
    columns: Option<Columns>,
}

/// RFC 3339, or ISO 8601 with a colon-less offset (`-0500`).
fn parse_time(s: &str) -> Option<i64> {
    if let Some(ms) = crate::timestamp::parse_rfc3339(s) {
        return Some(ms);
    }
    if s.len() > 5 && s.is_char_boundary(s.len() - 5) {
        let (head, off) = s.split_at(s.len() - 5);
        let ob = off.as_bytes();
        if (ob[0] == b'+' || ob[0] == b'-') && ob[1..].iter().all(u8::is_ascii_digit) {
            return hearth_core::clock::parse_timestamp(&format!(
                "{head}{}:{}",
                &off[..3],
                &off[3..]
            ))
            .filter(|_| head.contains('T'));
        }
    }
    None
}

impl Spinitron {
    pub(crate) fn parse_record(&mut self, fields: &[String]) -> Option<Result<Row, String>> {
        let Some(cols) = self.columns else {
            let names: Vec<String> = fields
                .iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect();
            let find = |n: &str| names.iter().position(|c| c == n);
            if let (Some(time), Some(artist), Some(song)) =
                (find("date-time"), find("artist"), find("song"))
            {
                self.columns = Some(Columns {
                    time,
                    artist,
                    song,
                    release: find("release"),
                });
            }
            return None; // metadata block or header
        };
        Some(parse_row(&cols, fields))
    }
}

fn parse_row(cols: &Columns, fields: &[String]) -> Result<Row, String> {
    let get = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
    let time = get(cols.time).trim();
    let ts = parse_time(time).ok_or_else(|| format!("invalid Date-time {time:?}"))?;
    let artist = non_empty(Some(get(cols.artist))).ok_or("empty Artist")?;
    let title = non_empty(Some(get(cols.song))).ok_or("empty Song")?;
    let album = cols.release.and_then(|i| non_empty(Some(get(i))));
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

#[cfg(test)]
mod tests {
    #[test]
    fn times() {
        assert_eq!(
            super::parse_time("2024-09-05T03:03:07-0500"),
            Some(1_725_523_387_000)
        );
        assert_eq!(super::parse_time("INVALID-TIMESTAMP"), None);
        // Regression: a multi-byte character near the end used to panic the offset split.
        assert_eq!(super::parse_time("2024-09-05T03:0é"), None);
    }
}
