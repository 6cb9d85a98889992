//! ListenBrainz `POST /1/submit-listens` payload validation, as a pure function for the HTTP
//! endpoint. Rules, limits, their order and the error texts follow listenbrainz-server
//! (`views/api.py` `submit_listen` and `api_tools.py` `validate_listen`), so existing scrobblers
//! see the answers they expect. Errors render in ListenBrainz's shape `{"code": 400, "error": …}`.

use hearth_core::clock::UnixMs;
use serde_json::Value;

use crate::formats::listenbrainz::{validate_listen, Check, ValidListen};
use crate::listen::ImportedListen;

/// Maximum size of one listen, in bytes (averaged over the request, as ListenBrainz checks it).
pub const MAX_LISTEN_SIZE: usize = 10240;
/// Maximum listens in one request.
pub const MAX_LISTENS_PER_REQUEST: usize = 1000;
/// Maximum request body, in bytes.
pub const MAX_LISTEN_PAYLOAD_SIZE: usize = MAX_LISTEN_SIZE * MAX_LISTENS_PER_REQUEST;

/// `source` of listens submitted through the API.
pub const API_SOURCE: &str = "listenbrainz-api";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenType {
    Single,
    PlayingNow,
    Import,
}

/// A `playing_now` track: acknowledged, never stored as a listen.
#[derive(Debug, Clone, PartialEq)]
pub struct NowPlaying {
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub spotify_id: Option<String>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
}

/// A valid submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    Single(ImportedListen),
    Import(Vec<ImportedListen>),
    PlayingNow(NowPlaying),
}

impl Submission {
    pub fn listen_type(&self) -> ListenType {
        match self {
            Submission::Single(_) => ListenType::Single,
            Submission::Import(_) => ListenType::Import,
            Submission::PlayingNow(_) => ListenType::PlayingNow,
        }
    }
}

/// A refused submission, in ListenBrainz's terms (always HTTP 400 here).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LbError {
    pub code: u16,
    pub message: String,
}

impl LbError {
    fn bad_request(message: impl Into<String>) -> Self {
        LbError {
            code: 400,
            message: message.into(),
        }
    }

    /// ListenBrainz's error body: `{"code": 400, "error": "…"}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"code": self.code, "error": self.message})
    }
}

/// Validates a raw `submit-listens` body received at `now_ms`.
pub fn parse_submit_listens(raw: &[u8], now_ms: UnixMs) -> Result<Submission, LbError> {
    if raw.len() > MAX_LISTEN_PAYLOAD_SIZE {
        return Err(LbError::bad_request(format!(
            "Payload too large. Payload cannot exceed {MAX_LISTEN_PAYLOAD_SIZE} bytes"
        )));
    }
    let data: Value = serde_json::from_slice(raw)
        .map_err(|e| LbError::bad_request(format!("Cannot parse JSON document: {e}")))?;
    let Value::Object(doc) = &data else {
        return Err(LbError::bad_request(
            "Invalid JSON document submitted. Top level of JSON document should be a json object.",
        ));
    };
    let invalid = || LbError::bad_request("Invalid JSON document submitted.");
    let payload = doc.get("payload").ok_or_else(invalid)?;
    let Value::Array(payload) = payload else {
        return Err(LbError::bad_request(
            "The payload in the JSON document should be a list of listens.",
        ));
    };
    if payload.is_empty() {
        return Err(LbError::bad_request(
            "JSON document does not contain any listens",
        ));
    }
    if payload.len() > MAX_LISTENS_PER_REQUEST {
        return Err(LbError::bad_request(format!(
            "Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} listens at once."
        )));
    }
    if raw.len() > payload.len() * MAX_LISTEN_SIZE {
        return Err(LbError::bad_request(format!(
            "JSON document is too large. Each listens may not be larger than {MAX_LISTEN_SIZE} bytes."
        )));
    }
    let listen_type = match doc.get("listen_type").ok_or_else(invalid)? {
        Value::String(s) if s == "single" => ListenType::Single,
        Value::String(s) if s == "import" => ListenType::Import,
        Value::String(s) if s == "playing_now" => ListenType::PlayingNow,
        _ => {
            return Err(LbError::bad_request(
                "JSON document requires a valid listen_type key.",
            ))
        }
    };
    if listen_type != ListenType::Import && payload.len() > 1 {
        return Err(LbError::bad_request(
            "JSON document contains more than listen for a single/playing_now. It should contain only one.",
        ));
    }
    let check = match listen_type {
        ListenType::PlayingNow => Check::PlayingNow,
        _ => Check::Submit {
            now_s: now_ms.div_euclid(1000),
        },
    };
    let mut valid: Vec<ValidListen> = payload
        .iter()
        .map(|l| validate_listen(l, check).map_err(LbError::bad_request))
        .collect::<Result<_, _>>()?;
    let to_imported = |v: ValidListen| {
        let ts_s = v.listened_at_s.unwrap_or_default();
        v.into_imported(API_SOURCE, ts_s)
    };
    Ok(match listen_type {
        ListenType::Single => Submission::Single(to_imported(valid.remove(0))),
        ListenType::Import => Submission::Import(valid.into_iter().map(to_imported).collect()),
        ListenType::PlayingNow => {
            let v = valid.remove(0);
            Submission::PlayingNow(NowPlaying {
                artist: v.artist,
                title: v.title,
                album: v.album,
                duration_ms: v.duration_ms,
                spotify_id: v.spotify_id,
                isrc: v.isrc,
                mbid: v.mbid,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const NOW_MS: i64 = 1_700_000_000_000;

    fn listen(ts: i64) -> Value {
        serde_json::json!({"listened_at": ts, "track_metadata": {"artist_name": "A", "track_name": "T"}})
    }

    fn submit(v: &Value) -> Result<Submission, LbError> {
        parse_submit_listens(v.to_string().as_bytes(), NOW_MS)
    }

    #[rstest]
    #[case(serde_json::json!([1]), "Invalid JSON document submitted. Top level of JSON document should be a json object.")]
    #[case(serde_json::json!({"listen_type": "single"}), "Invalid JSON document submitted.")]
    #[case(serde_json::json!({"listen_type": "single", "payload": {}}), "The payload in the JSON document should be a list of listens.")]
    #[case(serde_json::json!({"listen_type": "single", "payload": []}), "JSON document does not contain any listens")]
    #[case(serde_json::json!({"payload": [listen(1_600_000_000)]}), "Invalid JSON document submitted.")]
    #[case(serde_json::json!({"listen_type": "loud", "payload": [listen(1_600_000_000)]}), "JSON document requires a valid listen_type key.")]
    #[case(serde_json::json!({"listen_type": "single", "payload": [listen(1_600_000_000), listen(1_600_000_001)]}), "JSON document contains more than listen for a single/playing_now. It should contain only one.")]
    #[case(serde_json::json!({"listen_type": "single", "payload": [listen(1_700_003_600)]}), "Value for key listened_at is too high.")]
    #[case(serde_json::json!({"listen_type": "playing_now", "payload": [listen(1_600_000_000)]}), "JSON document must not contain listened_at while submitting playing_now.")]
    #[case(serde_json::json!({"listen_type": "import", "payload": [{"listened_at": 1_600_000_000, "track_metadata": {"artist_name": "A", "track_name": "T"}, "extra": 1}]}), "JSON document may only contain listened_at and track_metadata top level keys")]
    fn refusals(#[case] body: Value, #[case] message: &str) {
        let err = submit(&body).unwrap_err();
        assert_eq!(err.message, message);
        assert_eq!(
            err.to_json(),
            serde_json::json!({"code": 400, "error": message})
        );
    }

    #[test]
    fn limits() {
        let many: Vec<Value> = (0..1001).map(|i| listen(1_600_000_000 + i)).collect();
        let err =
            submit(&serde_json::json!({"listen_type": "import", "payload": many})).unwrap_err();
        assert_eq!(
            err.message,
            "Too many listens. You may not submit more than 1000 listens at once."
        );
        let huge = "x".repeat(MAX_LISTEN_SIZE + 10);
        let body = serde_json::json!({"listen_type": "single", "payload": [{"listened_at": 1_600_000_000,
            "track_metadata": {"artist_name": "A", "track_name": huge}}]});
        assert_eq!(
            submit(&body).unwrap_err().message,
            "JSON document is too large. Each listens may not be larger than 10240 bytes."
        );
        assert!(
            parse_submit_listens(&vec![b' '; MAX_LISTEN_PAYLOAD_SIZE + 1], NOW_MS)
                .unwrap_err()
                .message
                .starts_with("Payload too large.")
        );
        assert!(parse_submit_listens(b"{nope", NOW_MS)
            .unwrap_err()
            .message
            .starts_with("Cannot parse JSON document: "));
    }

    #[test]
    fn accepted_kinds() {
        let one = submit(
            &serde_json::json!({"listen_type": "single", "payload": [listen(1_600_000_000)]}),
        )
        .unwrap();
        let Submission::Single(l) = one else { panic!() };
        assert_eq!((l.ts, l.source), (1_600_000_000_000, API_SOURCE));
        let now = submit(&serde_json::json!({"listen_type": "playing_now",
            "payload": [{"track_metadata": {"artist_name": "A", "track_name": "T"}}]}))
        .unwrap();
        assert_eq!(now.listen_type(), ListenType::PlayingNow);
    }
}
