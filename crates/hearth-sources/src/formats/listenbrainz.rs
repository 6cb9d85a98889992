//! ListenBrainz listens: the export (JSON Lines, or a JSON array, or a submit-listens document
//! with a `payload` array) and, shared with [`crate::lb_submit`], ListenBrainz's own validation
//! rules for one listen (`validate_listen` in listenbrainz-server's `api_tools.py`), with its
//! error messages, so a file row is accepted exactly when ListenBrainz would accept it.

use serde_json::{Map, Value};

use super::json_reason;
use crate::listen::{non_empty, normalize_spotify_track, row_key, ImportedListen, Row};

pub(crate) const SOURCE: &str = "listenbrainz";

/// Listens before Last.fm existed are refused (2002-10-01 00:00:00 UTC, in seconds).
pub const LISTEN_MINIMUM_TS: i64 = 1_033_430_400;
/// Submissions may be this far in the future (clock skew), in seconds.
pub const LISTENED_AT_ALLOWED_SKEW_S: i64 = 3600;
pub const MAX_TAGS_PER_LISTEN: usize = 50;
pub const MAX_TAG_SIZE: usize = 64;
/// 24 days, in seconds (`additional_info.duration`).
pub const MAX_DURATION_LIMIT: i64 = 24 * 24 * 60 * 60;
/// 24 days, in ms (`additional_info.duration_ms`).
pub const MAX_DURATION_MS_LIMIT: i64 = MAX_DURATION_LIMIT * 1000;

/// How strictly a listen is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// A row of an export file: ListenBrainz's own exports carry extra top-level keys
    /// (`inserted_at`, `user_name`, `recording_msid`), and old listens are not "in the future".
    Export,
    /// A live `single`/`import` submission at `now_s` (Unix seconds).
    Submit { now_s: i64 },
    /// A live `playing_now` submission (no `listened_at`).
    PlayingNow,
}

/// A listen that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValidListen {
    pub listened_at_s: Option<i64>,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub spotify_id: Option<String>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
}

impl ValidListen {
    pub(crate) fn into_imported(self, source: &'static str, ts_s: i64) -> ImportedListen {
        let ts = ts_s * 1000;
        let key = row_key(
            source,
            ts,
            &[&hearth_core::norm::norm_key(&self.artist, &self.title)],
        );
        ImportedListen {
            artist: self.artist,
            title: self.title,
            album: self.album,
            ts,
            ms_played: None,
            duration_ms: self.duration_ms,
            skipped: false,
            reason_end: None,
            source,
            spotify_id: self.spotify_id,
            isrc: self.isrc,
            mbid: self.mbid,
            row_key: key,
        }
    }
}

/// Python's `int(x)` as ListenBrainz applies it to `listened_at`: integers, floats (truncated)
/// and strings of integers.
fn py_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.trunc() as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

/// Python's `uuid.UUID(s)` acceptance: 32 hex digits, optionally with dashes, braces or a
/// `urn:uuid:` prefix.
pub(crate) fn py_uuid_ok(s: &str) -> bool {
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let s = s.trim_start_matches('{').trim_end_matches('}');
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

fn has_nul(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) if s.contains('\0') => Some(s),
        Value::Array(a) => a.iter().find_map(has_nul),
        Value::Object(o) => o.values().find_map(has_nul),
        _ => None,
    }
}

fn basic_field(
    tm: &Map<String, Value>,
    key: &str,
    required: bool,
) -> Result<Option<String>, String> {
    match tm.get(key) {
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() {
                if required {
                    return Err(format!("field track_metadata.{key} is empty."));
                }
                return Ok(None);
            }
            Ok(Some(t.to_string()))
        }
        Some(_) => Err(format!("track_metadata.{key} must be a single string.")),
        None if required => Err(format!(
            "JSON document does not contain required field track_metadata.{key}."
        )),
        None => Ok(None),
    }
}

fn duration_field(info: &Map<String, Value>, key: &str, max: i64) -> Result<Option<i64>, String> {
    let Some(v) = info.get(key) else {
        return Ok(None);
    };
    let invalid = || format!("Value for {key} is invalid, should be a positive integer.");
    let value = match v {
        Value::Number(n) => n.as_f64().ok_or_else(invalid)?,
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| invalid())?,
        _ => return Err(invalid()),
    };
    if !value.is_finite() {
        return Err(invalid());
    }
    let value = value.trunc() as i64;
    if value <= 0 {
        return Err(invalid());
    }
    if value > max {
        return Err(format!(
            "Value for {key} is too large, max permitted value is {max}"
        ));
    }
    Ok(Some(value))
}

fn check_mbids(info: &Map<String, Value>) -> Result<(), String> {
    for key in [
        "release_mbid",
        "recording_mbid",
        "release_group_mbid",
        "track_mbid",
    ] {
        match info.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) if py_uuid_ok(s) => {}
            Some(_) => return Err(format!("{key} MBID format invalid.")),
        }
    }
    for key in ["artist_mbids", "work_mbids"] {
        match info.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Null => {}
                        Value::String(s) if s.is_empty() || py_uuid_ok(s) => {}
                        _ => return Err(format!("{key} MBID format invalid.")),
                    }
                }
            }
            Some(Value::String(s)) if s.is_empty() => {}
            Some(_) => return Err(format!("{key} MBID format invalid.")),
        }
    }
    Ok(())
}

fn check_tags(info: &Map<String, Value>) -> Result<(), String> {
    let Some(tags) = info.get("tags") else {
        return Ok(());
    };
    let Value::Array(tags) = tags else {
        return Err("track_metadata.additional_info.tags must be a list of strings.".into());
    };
    if tags.len() > MAX_TAGS_PER_LISTEN {
        return Err(format!(
            "JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in \
             track_metadata.additional_info.tags."
        ));
    }
    for t in tags {
        let Value::String(t) = t else {
            return Err("track_metadata.additional_info.tags must be a list of strings.".into());
        };
        if t.chars().count() > MAX_TAG_SIZE {
            return Err(format!(
                "JSON document may not contain track_metadata.additional_info.tags longer than \
                 {MAX_TAG_SIZE} characters."
            ));
        }
    }
    Ok(())
}

/// ListenBrainz's `validate_listen`, returning the first rule broken as its message.
pub(crate) fn validate_listen(listen: &Value, check: Check) -> Result<ValidListen, String> {
    let obj = match listen {
        Value::Null => return Err("Listen is empty and cannot be validated.".into()),
        Value::Object(o) => o,
        _ => return Err("Each listen must be a JSON object.".into()),
    };
    let mut listened_at_s = None;
    match check {
        Check::Export | Check::Submit { .. } => {
            let raw = obj
                .get("listened_at")
                .ok_or("JSON document must contain the key listened_at at the top level.")?;
            let ts =
                py_int(raw).ok_or("JSON document must contain an int value for listened_at.")?;
            if let Check::Submit { now_s } = check {
                if ts >= now_s + LISTENED_AT_ALLOWED_SKEW_S {
                    return Err("Value for key listened_at is too high.".into());
                }
            }
            if ts < LISTEN_MINIMUM_TS {
                // The number in ListenBrainz's message is its own (it is not 2002-10-01 UTC).
                return Err(
                    "Value for key listened_at is too low. listened_at timestamp should be \
                            greater than 1033410600 (2002-10-01 00:00:00 UTC)."
                        .into(),
                );
            }
            if !obj.contains_key("track_metadata") {
                return Err(
                    "JSON document must contain the key track_metadata at the top level.".into(),
                );
            }
            if matches!(check, Check::Submit { .. }) && obj.len() > 2 {
                return Err(
                    "JSON document may only contain listened_at and track_metadata top \
                            level keys"
                        .into(),
                );
            }
            listened_at_s = Some(ts);
        }
        Check::PlayingNow => {
            if obj.contains_key("listened_at") {
                return Err(
                    "JSON document must not contain listened_at while submitting \
                            playing_now."
                        .into(),
                );
            }
            if !obj.contains_key("track_metadata") {
                return Err(
                    "JSON document must contain the key track_metadata at the top level.".into(),
                );
            }
            if obj.len() > 1 {
                return Err(
                    "JSON document may only contain track_metadata as top level key when \
                            submitting playing_now."
                        .into(),
                );
            }
        }
    }
    let tm = match &obj["track_metadata"] {
        Value::Null => {
            return Err("JSON document may not have track_metadata with null value.".into())
        }
        Value::Object(tm) => tm,
        _ => return Err("track_metadata must be a JSON object.".into()),
    };
    let title = basic_field(tm, "track_name", true)?.unwrap_or_default();
    let artist = basic_field(tm, "artist_name", true)?.unwrap_or_default();
    let album = basic_field(tm, "release_name", false)?;
    let empty = Map::new();
    let info = match tm.get("additional_info") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(info)) => info,
        Some(_) => return Err("track_metadata.additional_info must be a JSON object.".into()),
    };
    check_tags(info)?;
    if info.contains_key("duration") && info.contains_key("duration_ms") {
        return Err("JSON document should not contain both duration and duration_ms.".into());
    }
    let duration_s = duration_field(info, "duration", MAX_DURATION_LIMIT)?;
    let duration_ms = duration_field(info, "duration_ms", MAX_DURATION_MS_LIMIT)?;
    check_mbids(info)?;
    if let Some(s) = has_nul(listen) {
        return Err(format!("{s} contains a unicode null"));
    }
    let text = |m: &Map<String, Value>, k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .and_then(|s| non_empty(Some(s)))
            .map(str::to_string)
    };
    let spotify_id = text(info, "spotify_id")
        .and_then(|s| normalize_spotify_track(&s))
        .or_else(|| text(info, "origin_url").and_then(|s| normalize_spotify_track(&s)));
    let valid_uuid = |s: String| crate::listen::is_uuid(&s).then_some(s);
    let mbid = text(info, "recording_mbid")
        .and_then(valid_uuid)
        .or_else(|| {
            tm.get("mbid_mapping")
                .and_then(Value::as_object)
                .and_then(|m| text(m, "recording_mbid"))
                .and_then(valid_uuid)
        });
    Ok(ValidListen {
        listened_at_s,
        artist,
        title,
        album,
        duration_ms: duration_ms.or(duration_s.map(|s| s * 1000)),
        spotify_id,
        isrc: text(info, "isrc"),
        mbid,
    })
}

/// One row of an export file.
pub(crate) fn parse(bytes: &[u8]) -> Result<Row, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| json_reason(&e))?;
    let valid = validate_listen(&v, Check::Export)?;
    let ts_s = valid.listened_at_s.unwrap_or_default();
    Ok(Row::Listen(valid.into_imported(SOURCE, ts_s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(json!({"track_metadata": {"artist_name": "a", "track_name": "t"}}), "JSON document must contain the key listened_at at the top level.")]
    #[case(json!({"listened_at": "soon", "track_metadata": {}}), "JSON document must contain an int value for listened_at.")]
    #[case(json!({"listened_at": 1000, "track_metadata": {}}), "Value for key listened_at is too low. listened_at timestamp should be greater than 1033410600 (2002-10-01 00:00:00 UTC).")]
    #[case(json!({"listened_at": 1_500_000_000}), "JSON document must contain the key track_metadata at the top level.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": null}), "JSON document may not have track_metadata with null value.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a"}}), "JSON document does not contain required field track_metadata.track_name.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": " ", "track_name": "t"}}), "field track_metadata.artist_name is empty.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": ["a"], "track_name": "t"}}), "track_metadata.artist_name must be a single string.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a", "track_name": "t", "additional_info": {"duration": 1, "duration_ms": 1000}}}), "JSON document should not contain both duration and duration_ms.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a", "track_name": "t", "additional_info": {"duration_ms": -5}}}), "Value for duration_ms is invalid, should be a positive integer.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a", "track_name": "t", "additional_info": {"duration": 99_999_999}}}), "Value for duration is too large, max permitted value is 2073600")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a", "track_name": "t", "additional_info": {"recording_mbid": "nope"}}}), "recording_mbid MBID format invalid.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a", "track_name": "t", "additional_info": {"artist_mbids": ["nope"]}}}), "artist_mbids MBID format invalid.")]
    #[case(json!({"listened_at": 1_500_000_000, "track_metadata": {"artist_name": "a\u{0}", "track_name": "t"}}), "a\u{0} contains a unicode null")]
    fn export_rules(#[case] listen: Value, #[case] message: &str) {
        assert_eq!(
            validate_listen(&listen, Check::Export),
            Err(message.to_string())
        );
    }

    #[test]
    fn extracts_ids() {
        let v = json!({"listened_at": 1_748_964_167, "inserted_at": 1.5, "track_metadata": {
            "artist_name": "The Stranglers", "track_name": "Golden Brown", "release_name": "",
            "mbid_mapping": {"recording_mbid": "c7d0bf6e-b2aa-4ffa-bded-2448415b39b0"},
            "additional_info": {"isrc": "GBAYE8100053", "duration_ms": 206760,
              "spotify_id": "https://open.spotify.com/track/2AX5E86cn9n2dgioZEjirI"}}});
        let l = validate_listen(&v, Check::Export).unwrap();
        assert_eq!(l.album, None);
        assert_eq!(l.duration_ms, Some(206_760));
        assert_eq!(
            l.mbid.as_deref(),
            Some("c7d0bf6e-b2aa-4ffa-bded-2448415b39b0")
        );
        assert_eq!(
            l.spotify_id.as_deref(),
            Some("spotify:track:2AX5E86cn9n2dgioZEjirI")
        );
        assert_eq!(l.isrc.as_deref(), Some("GBAYE8100053"));
        // The strict API check refuses the export's extra top-level key.
        assert!(validate_listen(
            &v,
            Check::Submit {
                now_s: 1_800_000_000
            }
        )
        .is_err());
    }
}
