//! `POST /api/history/webhook` and `GET /api/history/recent` (haunt-fm).

use super::profile_or_default;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use hearth_core::clock::{parse_timestamp, to_rfc3339};
use hearth_core::model::{ListenEvent, ListenOutcome, NewListen, Profile, TrackInput};
use hearth_core::profile_name::{validate_profile_name, DEFAULT_PROFILE};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A listen reported by a Home Assistant automation (or anything else). Unknown fields are
/// ignored so existing automations keep working.
#[derive(Deserialize, ToSchema)]
pub struct WebhookListen {
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    /// Room / device name used for speaker→profile attribution, e.g. "Study speaker".
    pub speaker_name: Option<String>,
    /// The player entity (e.g. `media_player.study_speaker_2`); used for attribution when no
    /// `speaker_name` is given, so entities can be mapped like names.
    pub speaker_entity: Option<String>,
    /// Explicit profile; created on the fly when unknown (valid names only).
    pub profile: Option<String>,
    pub duration_ms: Option<i64>,
    pub ms_played: Option<i64>,
    pub skipped: Option<bool>,
    /// RFC 3339 string or Unix seconds; default: now.
    #[schema(value_type = Option<String>)]
    pub timestamp: Option<serde_json::Value>,
    /// Default `webhook`.
    pub source: Option<String>,
    /// The player's URI for the track (kept as the track's provider URI).
    pub media_content_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookResult {
    /// `ok` when stored, `duplicate` when the same profile played the same track within 60 s.
    pub status: &'static str,
    pub event_id: Option<i64>,
    pub track_id: i64,
    pub profile: String,
    /// How the profile was chosen: `explicit`, `speaker` or `default`.
    pub profile_source: &'static str,
    /// True when the explicit profile did not exist and was created for this listen.
    pub profile_created: bool,
    pub new_track: bool,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn check_non_negative(field: &str, v: Option<i64>) -> Result<(), ApiError> {
    match v {
        Some(x) if x < 0 => Err(ApiError::Invalid {
            field: field.into(),
            reason: format!("{x} must not be negative"),
        }),
        _ => Ok(()),
    }
}

/// Logs a listen. Profile resolution: explicit `profile` → speaker mapping → `default`.
#[utoipa::path(post, path = "/api/history/webhook", tag = "history", request_body = WebhookListen,
    responses((status = 200, body = WebhookResult), (status = 400, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn webhook(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<WebhookListen>,
) -> Result<Json<WebhookResult>, ApiError> {
    let title = body.title.trim();
    let artist = body.artist.trim();
    if title.is_empty() {
        return Err(ApiError::Invalid {
            field: "title".into(),
            reason: "must not be empty".into(),
        });
    }
    if artist.is_empty() {
        return Err(ApiError::Invalid {
            field: "artist".into(),
            reason: "must not be empty".into(),
        });
    }
    check_non_negative("duration_ms", body.duration_ms)?;
    check_non_negative("ms_played", body.ms_played)?;
    let now = state.clock.now_ms();
    let ts = match &body.timestamp {
        None | Some(serde_json::Value::Null) => now,
        Some(serde_json::Value::Number(n)) => n
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|secs| (secs * 1000.0).round() as i64)
            .ok_or_else(|| ApiError::Invalid {
                field: "timestamp".into(),
                reason: "must be Unix seconds or RFC 3339".into(),
            })?,
        Some(serde_json::Value::String(s)) => {
            parse_timestamp(s).ok_or_else(|| ApiError::Invalid {
                field: "timestamp".into(),
                reason: format!("{s:?} is not RFC 3339 or Unix seconds"),
            })?
        }
        Some(_) => {
            return Err(ApiError::Invalid {
                field: "timestamp".into(),
                reason: "must be Unix seconds or RFC 3339".into(),
            })
        }
    };
    // Resolve the profile before touching anything else, so an invalid name writes nothing.
    let (profile, source, created): (Profile, &'static str, bool) = if let Some(name) =
        non_empty(&body.profile)
    {
        validate_profile_name(name).map_err(|e| match e {
            hearth_core::CoreError::InvalidInput { reason, .. } => ApiError::Invalid {
                field: "profile".into(),
                reason,
            },
        })?;
        let (p, created) = state.store.ensure_profile(name, now).await?;
        (p, "explicit", created)
    } else if let Some(p) = match non_empty(&body.speaker_name).or(non_empty(&body.speaker_entity))
    {
        Some(speaker) => state.store.profile_for_speaker(speaker).await?,
        None => None,
    } {
        (p, "speaker", false)
    } else {
        (
            super::existing_profile(&state, DEFAULT_PROFILE).await?,
            "default",
            false,
        )
    };
    // SPEC §6: a short play is a skip signal, whatever the client said.
    let short_play = match (body.ms_played, body.duration_ms) {
        (Some(played), Some(dur)) if dur > 0 => {
            played < 30_000 || (played as f64) < 0.25 * dur as f64
        }
        (Some(played), None) => played < 30_000,
        _ => false,
    };
    let media = non_empty(&body.media_content_id).map(str::to_string);
    let spotify_id = media
        .as_deref()
        .and_then(|m| m.strip_prefix("spotify:track:"))
        .map(str::to_string);
    let track = TrackInput {
        album: non_empty(&body.album).map(str::to_string),
        duration_ms: body.duration_ms.filter(|d| *d > 0),
        spotify_id,
        provider_uri: media,
        ..TrackInput::new(artist, title)
    };
    let listen = NewListen {
        track,
        profile_id: profile.id,
        ts,
        source: non_empty(&body.source).unwrap_or("webhook").to_string(),
        speaker_name: non_empty(&body.speaker_name)
            .or(non_empty(&body.speaker_entity))
            .map(str::to_string),
        ms_played: body.ms_played,
        skipped: body.skipped.unwrap_or(false) || short_play,
        reason_end: None,
        dedup_key: None,
    };
    let outcome = state.ingest.submit(listen).await.map_err(|e| {
        ApiError::Store(match std::sync::Arc::try_unwrap(e) {
            Ok(e) => e,
            Err(shared) => hearth_store::StoreError::Unavailable(shared.to_string()),
        })
    })?;
    let (status, event_id, track_id, new_track) = match outcome {
        ListenOutcome::Stored {
            listen_id,
            track_id,
            new_track,
        } => ("ok", Some(listen_id), track_id, new_track),
        ListenOutcome::Duplicate { track_id } => ("duplicate", None, track_id, false),
    };
    Ok(Json(WebhookResult {
        status,
        event_id,
        track_id: track_id.0,
        profile: profile.name,
        profile_source: source,
        profile_created: created,
        new_track,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct RecentQuery {
    /// Default 20, at most 500.
    pub limit: Option<u32>,
    /// Only this profile's listens (404 when unknown).
    pub profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ListenView {
    pub id: i64,
    pub track_id: i64,
    pub profile: String,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub listened_at: String,
    pub source: String,
    pub speaker_name: Option<String>,
    pub ms_played: Option<i64>,
    pub skipped: bool,
}

impl From<ListenEvent> for ListenView {
    fn from(l: ListenEvent) -> Self {
        ListenView {
            id: l.id,
            track_id: l.track_id.0,
            profile: l.profile,
            title: l.title,
            artist: l.artist,
            album: l.album,
            listened_at: to_rfc3339(l.ts),
            source: l.source,
            speaker_name: l.speaker_name,
            ms_played: l.ms_played,
            skipped: l.skipped,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecentListens {
    pub count: usize,
    pub events: Vec<ListenView>,
}

/// Recent listens, newest first; each carries its profile name and track id.
#[utoipa::path(get, path = "/api/history/recent", tag = "history", params(RecentQuery),
    responses((status = 200, body = RecentListens), (status = 404, body = crate::error::ErrorBody)))]
pub async fn recent(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RecentQuery>,
) -> Result<Json<RecentListens>, ApiError> {
    let limit = q.limit.unwrap_or(20).clamp(1, 500);
    let profile = match q.profile.as_deref().filter(|p| !p.is_empty()) {
        Some(name) => Some(profile_or_default(&state, Some(name)).await?.id),
        None => None,
    };
    let events: Vec<ListenView> = state
        .store
        .recent_listens(profile, limit)
        .await?
        .into_iter()
        .map(ListenView::from)
        .collect();
    Ok(Json(RecentListens {
        count: events.len(),
        events,
    }))
}
