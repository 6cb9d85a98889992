//! Spotify Extended Streaming History (`Streaming_History_Audio_*.json`, `endsong_*.json`).
//!
//! One JSON object per play; `ts` is when the play ended (RFC 3339, UTC). Podcast episodes
//! (`episode_name` / `spotify_episode_uri`), audiobook chapters (`audiobook_*`), rows without
//! any track and private-session rows (`incognito_mode`) are counted and passed over. A row that
//! names a track but no artist is malformed.

use std::borrow::Cow;

use serde::Deserialize;

use super::{json_reason, lenient_bool, lenient_i64};
use crate::listen::{is_skip, non_empty, row_key, ImportedListen, Row, SkipReason};
use crate::timestamp::parse_rfc3339;

pub(crate) const SOURCE: &str = "spotify-extended";

#[derive(Deserialize)]
struct ExtendedRow<'a> {
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_i64")]
    ms_played: Option<i64>,
    #[serde(borrow, default)]
    master_metadata_track_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    master_metadata_album_artist_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    master_metadata_album_album_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    spotify_track_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    episode_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    episode_show_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    spotify_episode_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    audiobook_title: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    audiobook_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    audiobook_chapter_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reason_end: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_bool")]
    skipped: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    incognito_mode: Option<bool>,
}

fn present(v: &Option<Cow<'_, str>>) -> bool {
    non_empty(v.as_deref()).is_some()
}

/// Parses one element. `video_file`: the element comes from `Streaming_History_Video_*.json`.
pub(crate) fn parse(bytes: &[u8], video_file: bool) -> Result<Row, String> {
    let r: ExtendedRow<'_> = serde_json::from_slice(bytes).map_err(|e| json_reason(&e))?;
    if video_file {
        return Ok(Row::Skipped {
            reason: SkipReason::Video,
        });
    }
    let ts_text = non_empty(r.ts.as_deref()).ok_or("missing ts")?;
    let ts = parse_rfc3339(ts_text).ok_or_else(|| format!("invalid ts {ts_text:?}"))?;
    if present(&r.audiobook_title) || present(&r.audiobook_uri) || present(&r.audiobook_chapter_uri)
    {
        return Ok(Row::Skipped {
            reason: SkipReason::Audiobook,
        });
    }
    if present(&r.episode_name) || present(&r.episode_show_name) || present(&r.spotify_episode_uri)
    {
        return Ok(Row::Skipped {
            reason: SkipReason::Podcast,
        });
    }
    let title = non_empty(r.master_metadata_track_name.as_deref());
    let artist = non_empty(r.master_metadata_album_artist_name.as_deref());
    let (title, artist) = match (title, artist) {
        (None, None) => {
            return Ok(Row::Skipped {
                reason: SkipReason::NoTrack,
            })
        }
        (Some(_), None) => return Err("missing master_metadata_album_artist_name".into()),
        (None, Some(_)) => return Err("missing master_metadata_track_name".into()),
        (Some(t), Some(a)) => (t, a),
    };
    if r.incognito_mode == Some(true) {
        return Ok(Row::Skipped {
            reason: SkipReason::Incognito,
        });
    }
    let ms_played = r.ms_played.ok_or("missing ms_played")?;
    if ms_played < 0 {
        return Err(format!("negative ms_played {ms_played}"));
    }
    let reason_end = non_empty(r.reason_end.as_deref());
    let spotify_id =
        non_empty(r.spotify_track_uri.as_deref()).and_then(crate::listen::normalize_spotify_track);
    let ms_s = ms_played.to_string();
    let key = match &spotify_id {
        Some(uri) => row_key(SOURCE, ts, &[&ms_s, uri]),
        None => row_key(
            SOURCE,
            ts,
            &[&ms_s, &hearth_core::norm::norm_key(artist, title)],
        ),
    };
    Ok(Row::Listen(ImportedListen {
        artist: artist.to_string(),
        title: title.to_string(),
        album: non_empty(r.master_metadata_album_album_name.as_deref()).map(str::to_string),
        ts,
        ms_played: Some(ms_played),
        duration_ms: None,
        skipped: is_skip(r.skipped, reason_end, Some(ms_played), None),
        reason_end: reason_end.map(str::to_string),
        source: SOURCE,
        spotify_id,
        isrc: None,
        mbid: None,
        row_key: key,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real-looking row with `extra` (a JSON object) merged over it.
    fn row(extra: &str) -> String {
        let mut base = serde_json::json!({
            "ts": "2023-02-25T11:20:37Z", "ms_played": 61839,
            "master_metadata_track_name": "Forever",
            "master_metadata_album_artist_name": "Labrinth",
            "master_metadata_album_album_name": "Euphoria",
            "spotify_track_uri": "spotify:track:6potEImiklXkwD9qFzpu15",
            "reason_end": "trackdone", "skipped": false
        });
        let extra: serde_json::Value =
            serde_json::from_str(&format!("{{{}}}", extra.trim_start_matches(','))).unwrap();
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        base.to_string()
    }

    #[test]
    fn a_full_play() {
        let Row::Listen(l) = parse(row("").as_bytes(), false).unwrap() else {
            panic!("not a listen")
        };
        assert_eq!(
            (l.artist.as_str(), l.title.as_str()),
            ("Labrinth", "Forever")
        );
        assert_eq!(l.ts, 1_677_324_037_000);
        assert!(!l.skipped);
        assert_eq!(
            l.spotify_id.as_deref(),
            Some("spotify:track:6potEImiklXkwD9qFzpu15")
        );
    }

    #[test]
    fn skips_and_passes() {
        let skip = |extra: &str| match parse(row(extra).as_bytes(), false).unwrap() {
            Row::Listen(l) => Some(l.skipped),
            Row::Skipped { reason } => panic!("{reason}"),
        };
        assert_eq!(skip(r#","skipped":true"#), Some(true));
        assert_eq!(skip(r#","reason_end":"fwdbtn""#), Some(true));
        assert_eq!(skip(r#","ms_played":29999"#), Some(true));
        assert_eq!(skip(r#","skipped":null"#), Some(false));
        let reason = |extra: &str| match parse(row(extra).as_bytes(), false).unwrap() {
            Row::Skipped { reason } => reason,
            Row::Listen(_) => panic!("listen"),
        };
        assert_eq!(reason(r#","episode_name":"Ep 1""#), SkipReason::Podcast);
        assert_eq!(
            reason(r#","audiobook_title":"Book""#),
            SkipReason::Audiobook
        );
        assert_eq!(reason(r#","incognito_mode":true"#), SkipReason::Incognito);
        assert_eq!(
            reason(
                r#","master_metadata_track_name":null,"master_metadata_album_artist_name":null"#
            ),
            SkipReason::NoTrack
        );
        assert!(matches!(
            parse(row("").as_bytes(), true),
            Ok(Row::Skipped {
                reason: SkipReason::Video
            })
        ));
    }

    #[test]
    fn rejections_say_why() {
        let err = |extra: &str| parse(row(extra).as_bytes(), false).unwrap_err();
        assert_eq!(
            err(r#","master_metadata_album_artist_name":null"#),
            "missing master_metadata_album_artist_name"
        );
        assert_eq!(err(r#","ts":"yesterday""#), "invalid ts \"yesterday\"");
        assert_eq!(err(r#","ms_played":null"#), "missing ms_played");
        assert!(parse(b"{\"ts\": ", false)
            .unwrap_err()
            .starts_with("not valid JSON"));
        assert!(parse(b"[1]", false).is_err());
    }
}
