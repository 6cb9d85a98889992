//! `POST /api/playlists/generate` (haunt-fm), `GET /api/playlists`, `GET /api/playlists/{id}` and
//! the exports `GET /api/playlists/{id}.m3u8|.xspf|.jspf`.
//!
//! axum cannot split `{id}.ext` inside one path segment, so one handler takes the whole segment
//! and parses it ([`crate::playlists::parse_file_segment`]).

use super::existing_profile;
use crate::extract::{ApiJson, ApiQuery};
use crate::playlists::{self, GenerateSpec, PlaylistView};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hearth_core::playlist::{EnergyArc, PlaylistParams};
use hearth_core::profile_name::DEFAULT_PROFILE;
use hearth_play::PlayError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The haunt-fm body plus Hearth's optional fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// 1–500, default from `[playlist] total_tracks` (20). Ignored when `duration_min` is set.
    pub total_tracks: Option<u32>,
    /// Share of known favourites, 0–100 (default 30).
    pub known_pct: Option<u32>,
    /// Free text, e.g. `chill ambient lo-fi`.
    pub vibe: Option<String>,
    /// 1.0 = pure taste, 0.0 = pure vibe (default 0.5; ignored without a vibe).
    pub alpha: Option<f32>,
    /// Profile name; omitted: `default`, or a guest (vibe only) when `vibe` is given.
    pub profile: Option<String>,
    /// Where `auto_play` plays: a Home Assistant entity or `mpd://host:port`.
    pub speaker_entity: Option<String>,
    #[serde(default)]
    pub auto_play: bool,
    /// Target length in minutes (honoured within ±5 %); the track count follows from it.
    pub duration_min: Option<f64>,
    /// `none` (default), `build_up` or `wind_down`.
    pub arc: Option<String>,
    /// Same seed and candidates → same playlist (default: derived from the time).
    pub seed: Option<u64>,
    pub name: Option<String>,
}

fn invalid(field: &str, reason: String) -> ApiError {
    ApiError::Invalid {
        field: field.into(),
        reason,
    }
}

/// Generates a playlist, saves it, and plays it when `auto_play` is set. A playback failure is
/// reported in `playback` and does not undo the playlist.
#[utoipa::path(post, path = "/api/playlists/generate", tag = "playlists", request_body = GenerateRequest,
    responses((status = 200, body = PlaylistView), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn generate(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<GenerateRequest>,
) -> Result<Json<PlaylistView>, ApiError> {
    let alpha = body.alpha.unwrap_or(0.5);
    if !(alpha.is_finite() && (0.0..=1.0).contains(&alpha)) {
        return Err(invalid("alpha", format!("{alpha} is outside [0.0, 1.0]")));
    }
    let arc = match body.arc.as_deref() {
        None => EnergyArc::None,
        Some(a) => EnergyArc::parse(a).ok_or_else(|| {
            invalid(
                "arc",
                format!("{a:?} is not one of none, build_up, wind_down"),
            )
        })?,
    };
    let speaker = body
        .speaker_entity
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from);
    if body.auto_play && speaker.is_none() {
        return Err(invalid(
            "speaker_entity",
            "auto_play needs a speaker_entity".into(),
        ));
    }
    let now = state.clock.now_ms();
    let mut params =
        PlaylistParams::from_config(&state.config.playlist, body.seed.unwrap_or(now as u64));
    if let Some(n) = body.total_tracks {
        params.total_tracks = n as usize;
    }
    if let Some(k) = body.known_pct {
        params.known_pct = k;
    }
    params.duration_min = body.duration_min;
    params.arc = arc;
    params.validate()?;

    let vibe = body
        .vibe
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let profile_name = body.profile.filter(|p| !p.trim().is_empty());
    let profile = match (&profile_name, &vibe) {
        (None, Some(_)) => None,
        (name, _) => {
            Some(existing_profile(&state, name.as_deref().unwrap_or(DEFAULT_PROFILE)).await?)
        }
    };
    // An explicit, unexpired mood acts as the vibe when the request names none.
    let vibe = match (&vibe, &profile) {
        (None, Some(p)) => state.store.mood_override(p.id, now).await?.map(|m| m.text),
        _ => vibe,
    };
    let spec = GenerateSpec {
        profile,
        vibe,
        alpha,
        params,
        name: body.name,
    };
    let saved = playlists::generate(&state.store, &state.reco, &spec, now).await?;
    let mut view = playlists::view(&saved);
    if body.auto_play {
        let speaker = speaker.unwrap_or_default();
        let result = match &state.player {
            Some(player) => player.play(&speaker, &playlists::play_items(&saved)).await,
            None => Err(PlayError::NotConfigured {
                target: "playback",
                what: "no playback target is configured (Home Assistant or MPD)".into(),
            }),
        };
        if let Err(e) = &result {
            tracing::warn!(playlist = view.id, speaker = %speaker, error = %e, "auto_play failed");
        }
        view.playback = Some(playlists::playback_json(result));
    }
    Ok(Json(view))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only this profile's playlists.
    pub profile: Option<String>,
    /// 1–500, default 50.
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlaylistSummaryView {
    pub id: i64,
    pub name: String,
    pub profile: Option<String>,
    pub vibe: Option<String>,
    /// `generated`, `dynamic` or `snapshot`.
    pub kind: String,
    pub created_at: String,
    pub track_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlaylistList {
    pub count: usize,
    pub playlists: Vec<PlaylistSummaryView>,
}

/// Saved playlists, newest first.
#[utoipa::path(get, path = "/api/playlists", tag = "playlists", params(ListQuery),
    responses((status = 200, body = PlaylistList), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PlaylistList>, ApiError> {
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .map_err(|_| invalid("limit", format!("{raw:?} is not a number")))?,
    };
    if !(1..=500).contains(&limit) {
        return Err(invalid("limit", format!("{limit} is outside 1..=500")));
    }
    let profile = match q.profile.as_deref().filter(|p| !p.is_empty()) {
        Some(name) => Some(existing_profile(&state, name).await?.id),
        None => None,
    };
    let playlists: Vec<PlaylistSummaryView> = state
        .store
        .list_playlists(profile, limit)
        .await?
        .into_iter()
        .map(|s| PlaylistSummaryView {
            id: s.id.0,
            vibe: s.params["vibe"].as_str().map(String::from),
            name: s.name,
            profile: s.profile,
            kind: s.kind.as_str().into(),
            created_at: hearth_core::clock::to_rfc3339(s.created_at),
            track_count: s.item_count,
        })
        .collect();
    Ok(Json(PlaylistList {
        count: playlists.len(),
        playlists,
    }))
}

/// One playlist: `{id}` gives the JSON view; `{id}.m3u8`, `{id}.xspf`, `{id}.jspf` the files
/// (`audio/x-mpegurl; charset=utf-8`, `application/xspf+xml`, `application/jspf+json`).
#[utoipa::path(get, path = "/api/playlists/{id}", tag = "playlists",
    params(("id" = String, Path, description = "`42` (JSON), or `42.m3u8` / `42.xspf` / `42.jspf` (files)")),
    responses((status = 200, body = PlaylistView), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let (id, format) = playlists::parse_file_segment(&file)?;
    let saved = state
        .store
        .get_playlist(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("playlist {id} does not exist")))?;
    Ok(match format {
        None => Json(playlists::view(&saved)).into_response(),
        Some(f) => (
            [
                (header::CONTENT_TYPE, f.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "inline; filename=\"hearth-playlist-{id}.{}\"",
                        f.extension()
                    ),
                ),
            ],
            f.render(&saved),
        )
            .into_response(),
    })
}
