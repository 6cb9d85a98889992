//! `/api/tracks…` and `POST /api/feedback`.

use super::profile_or_default;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use hearth_core::clock::to_rfc3339;
use hearth_core::ids::TrackId;
use hearth_core::model::{Feedback, FeedbackKind, Track};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct TrackView {
    pub id: i64,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    pub spotify_id: Option<String>,
    pub file_path: Option<String>,
    pub preview_url: Option<String>,
    pub provider_uri: Option<String>,
    pub tags: Vec<String>,
    pub origin: String,
    pub status: String,
    pub added_at: String,
}

impl From<Track> for TrackView {
    fn from(t: Track) -> Self {
        TrackView {
            id: t.id.0,
            title: t.title,
            artist: t.artist,
            album: t.album,
            duration_ms: t.duration_ms,
            isrc: t.isrc,
            mbid: t.mbid,
            spotify_id: t.spotify_id,
            file_path: t.file_path,
            preview_url: t.preview_url,
            provider_uri: t.provider_uri,
            tags: t.tags,
            origin: t.origin.as_str().into(),
            status: t.status.as_str().into(),
            added_at: to_rfc3339(t.added_at),
        }
    }
}

fn parse_track_id(raw: &str) -> Result<TrackId, ApiError> {
    raw.parse::<i64>()
        .map(TrackId)
        .map_err(|_| ApiError::Invalid {
            field: "track_id".into(),
            reason: format!("{raw:?} is not a track id"),
        })
}

/// One track.
#[utoipa::path(get, path = "/api/tracks/{id}", tag = "tracks", params(("id" = i64, Path)),
    responses((status = 200, body = TrackView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TrackView>, ApiError> {
    let id = parse_track_id(&id)?;
    let t = state
        .store
        .get_track(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("track {id} does not exist")))?;
    Ok(Json(t.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Substring of title, artist or album (case-insensitive).
    pub query: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TrackList {
    pub tracks: Vec<TrackView>,
}

/// Searches the catalogue.
#[utoipa::path(get, path = "/api/tracks", tag = "tracks", params(SearchQuery), responses((status = 200, body = TrackList)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<TrackList>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let tracks = state
        .store
        .search_tracks(q.query.as_deref().unwrap_or(""), limit)
        .await?;
    Ok(Json(TrackList {
        tracks: tracks.into_iter().map(TrackView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub track_id: i64,
    /// The listener's profile (default `default`); 404 when unknown.
    pub profile: Option<String>,
    /// play, like, love, favorite, dislike, hate, skip, bad_recommendation
    pub kind: String,
    /// Explicit rating in [0, 1].
    pub rating: Option<f64>,
    /// The vibe context the feedback was given in.
    pub vibe: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackResult {
    pub status: &'static str,
    pub id: i64,
    pub profile: String,
    pub track_id: i64,
    pub kind: String,
    pub vibe: Option<String>,
}

/// Records feedback for the listener's profile.
#[utoipa::path(post, path = "/api/feedback", tag = "feedback", request_body = FeedbackRequest,
    responses((status = 201, body = FeedbackResult), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<FeedbackRequest>,
) -> Result<(StatusCode, Json<FeedbackResult>), ApiError> {
    let kind = FeedbackKind::parse(&body.kind).ok_or_else(|| ApiError::Invalid {
        field: "kind".into(),
        reason: format!("{:?} is not one of play, like, love, favorite, dislike, hate, skip, bad_recommendation", body.kind),
    })?;
    if let Some(r) = body.rating {
        if !(0.0..=1.0).contains(&r) {
            return Err(ApiError::Invalid {
                field: "rating".into(),
                reason: format!("{r} is outside [0.0, 1.0]"),
            });
        }
    }
    let profile = profile_or_default(&state, body.profile.as_deref()).await?;
    let track_id = TrackId(body.track_id);
    let track = state
        .store
        .get_track(track_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("track {track_id} does not exist")))?;
    let vibe = body
        .vibe
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let fb = Feedback {
        profile_id: profile.id,
        track_id,
        kind,
        rating: body.rating,
        vibe: vibe.clone(),
        ts: state.clock.now_ms(),
    };
    let id = state.store.add_feedback(&fb).await?;
    // The row is committed; taste and QFZZ preferences follow it (both rebuildable from rows).
    state.reco.on_feedback(&fb, &track).await?;
    Ok((
        StatusCode::CREATED,
        Json(FeedbackResult {
            status: "ok",
            id,
            profile: profile.name,
            track_id: track_id.0,
            kind: kind.as_str().into(),
            vibe,
        }),
    ))
}
