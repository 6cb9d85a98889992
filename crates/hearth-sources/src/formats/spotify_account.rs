//! Spotify Account Data (`StreamingHistory0.json`, 2023+ `StreamingHistory_music_0.json` and
//! `StreamingHistory_podcast_0.json`): `endTime` ("YYYY-MM-DD HH:MM", UTC, when the play ended),
//! `artistName`, `trackName`, `msPlayed`. There is no duration and no skip flag, so the only skip
//! rule that applies is the < 30 s short play. Spotify writes "Unknown Artist" / "Unknown Track"
//! for plays it cannot name; those are rows without a track. Old-style files mix podcast
//! episodes into `artistName`/`trackName` with nothing to tell them apart: they import as music.

use std::borrow::Cow;

use serde::Deserialize;

use super::{json_reason, lenient_i64};
use crate::listen::{is_skip, non_empty, row_key, ImportedListen, Row, SkipReason};
use crate::timestamp::parse_ymd_hm;

pub(crate) const SOURCE: &str = "spotify-account";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountRow<'a> {
    #[serde(borrow, default)]
    end_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    artist_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    track_name: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_i64")]
    ms_played: Option<i64>,
    #[serde(borrow, default)]
    podcast_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    episode_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    audiobook_name: Option<Cow<'a, str>>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Row, String> {
    let r: AccountRow<'_> = serde_json::from_slice(bytes).map_err(|e| json_reason(&e))?;
    let end = non_empty(r.end_time.as_deref()).ok_or("missing endTime")?;
    let ts = parse_ymd_hm(end).ok_or_else(|| format!("invalid endTime {end:?}"))?;
    if non_empty(r.audiobook_name.as_deref()).is_some() {
        return Ok(Row::Skipped {
            reason: SkipReason::Audiobook,
        });
    }
    if non_empty(r.podcast_name.as_deref()).is_some()
        || non_empty(r.episode_name.as_deref()).is_some()
    {
        return Ok(Row::Skipped {
            reason: SkipReason::Podcast,
        });
    }
    let artist = non_empty(r.artist_name.as_deref());
    let title = non_empty(r.track_name.as_deref());
    let (artist, title) = match (artist, title) {
        (None, None) | (Some("Unknown Artist"), Some("Unknown Track")) => {
            return Ok(Row::Skipped {
                reason: SkipReason::NoTrack,
            })
        }
        (None, Some(_)) => return Err("missing artistName".into()),
        (Some(_), None) => return Err("missing trackName".into()),
        (Some(a), Some(t)) => (a, t),
    };
    let ms_played = r.ms_played.ok_or("missing msPlayed")?;
    if ms_played < 0 {
        return Err(format!("negative msPlayed {ms_played}"));
    }
    let key = row_key(
        SOURCE,
        ts,
        &[
            &ms_played.to_string(),
            &hearth_core::norm::norm_key(artist, title),
        ],
    );
    Ok(Row::Listen(ImportedListen {
        artist: artist.to_string(),
        title: title.to_string(),
        album: None,
        ts,
        ms_played: Some(ms_played),
        duration_ms: None,
        skipped: is_skip(None, None, Some(ms_played), None),
        reason_end: None,
        source: SOURCE,
        spotify_id: None,
        isrc: None,
        mbid: None,
        row_key: key,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let Row::Listen(l) = parse(
            br#"{"endTime":"2023-10-02 23:43","artistName":"Cults","trackName":"Go Outside","msPlayed":51223}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (l.ts, l.skipped, l.ms_played),
            (1_696_290_180_000, false, Some(51_223))
        );
        let short = parse(
            br#"{"endTime":"2023-10-02 23:43","artistName":"A","trackName":"T","msPlayed":1835}"#,
        );
        assert!(matches!(
            short,
            Ok(Row::Listen(ImportedListen { skipped: true, .. }))
        ));
        let pod = parse(br#"{"endTime":"2023-10-03 21:56","podcastName":"P","episodeName":"E","msPlayed":1835}"#);
        assert_eq!(
            pod,
            Ok(Row::Skipped {
                reason: SkipReason::Podcast
            })
        );
        let unknown = parse(br#"{"endTime":"2023-10-03 21:56","artistName":"Unknown Artist","trackName":"Unknown Track","msPlayed":5}"#);
        assert_eq!(
            unknown,
            Ok(Row::Skipped {
                reason: SkipReason::NoTrack
            })
        );
        assert_eq!(
            parse(br#"{"endTime":"03/10/2023","artistName":"A","trackName":"T","msPlayed":5}"#),
            Err("invalid endTime \"03/10/2023\"".to_string())
        );
    }
}
