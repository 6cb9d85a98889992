//! Last.fm CSV export (the lastfm-to-csv format): `artist,album,track,date`, no header, dates like
//! `31 Jan 2021 20:15` in UTC. Last.fm leaves the date empty for scrobbles it lost the time of;
//! such a row is rejected: a listen without a time cannot be deduplicated stably, and inventing a
//! time would place it wrongly in the history.

use crate::listen::{non_empty, row_key, ImportedListen, Row};
use crate::timestamp::{parse_lastfm_date, parse_unix_seconds};

pub(crate) const SOURCE: &str = "lastfm-csv";

/// `None` for a header line (some tools add `artist,album,track,date`).
pub(crate) fn parse_record(fields: &[String], line: u64) -> Option<Result<Row, String>> {
    if line == 1
        && fields.len() == 4
        && fields[0].trim().eq_ignore_ascii_case("artist")
        && fields[3].trim().eq_ignore_ascii_case("date")
    {
        return None;
    }
    Some(parse_fields(fields))
}

fn parse_fields(fields: &[String]) -> Result<Row, String> {
    if fields.len() != 4 {
        return Err(format!(
            "expected 4 columns (artist, album, track, date), found {}",
            fields.len()
        ));
    }
    let artist = non_empty(Some(&fields[0])).ok_or("empty artist")?;
    let title = non_empty(Some(&fields[2])).ok_or("empty track")?;
    let date = fields[3].trim();
    if date.is_empty() {
        return Err("empty date (a listen without a time cannot be imported)".into());
    }
    let ts = parse_lastfm_date(date)
        .or_else(|| parse_unix_seconds(date))
        .ok_or_else(|| format!("invalid date {date:?} (expected like \"31 Jan 2021 20:15\")"))?;
    Ok(Row::Listen(ImportedListen {
        artist: artist.to_string(),
        title: title.to_string(),
        album: non_empty(Some(&fields[1])).map(str::to_string),
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
    use super::*;

    fn f(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rows() {
        let Some(Ok(Row::Listen(l))) =
            parse_record(&f(&["Queen", "", "Song", "31 Jan 2021 20:15"]), 3)
        else {
            panic!()
        };
        assert_eq!((l.album, l.ts), (None, 1_612_124_100_000));
        assert!(parse_record(&f(&["Artist", "Album", "Track", "Date"]), 1).is_none());
        assert_eq!(
            parse_record(&f(&["Queen", "A", "Song", ""]), 2),
            Some(Err(
                "empty date (a listen without a time cannot be imported)".into()
            ))
        );
        assert!(parse_record(&f(&["Queen", "Song", "x"]), 2)
            .unwrap()
            .is_err());
    }
}
