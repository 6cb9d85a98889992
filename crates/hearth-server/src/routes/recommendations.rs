//! `GET /api/recommendations`, `GET /api/tracks/{id}/similar`, `GET|PUT /api/profiles/{name}/mood`,
//! the taste summary and the taste rebuild endpoints.

use super::{existing_profile, profile_or_default};
use crate::extract::{ApiJson, ApiQuery};
use crate::reco::{describe, RecoItem, RecoRequest};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use hearth_core::clock::to_rfc3339;
use hearth_core::ids::TrackId;
use hearth_core::profile_name::DEFAULT_PROFILE;
use hearth_core::scoring::ScoreComponents;
use hearth_core::taste::TasteSummary;
use hearth_store::MoodOverride;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct RecoQuery {
    /// Profile name; omitted: `default`, or a guest (vibe-only) when `vibe` is given.
    pub profile: Option<String>,
    /// 1–500, default 50.
    pub limit: Option<String>,
    /// Free text, e.g. `calm acoustic` (built-in mood lexicon).
    pub vibe: Option<String>,
    /// 1.0 = pure taste, 0.0 = pure vibe (default 0.5).
    pub alpha: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecoItemView {
    pub track_id: i64,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub score: f32,
    /// Human sentences saying why (never empty).
    pub reasons: Vec<String>,
    #[schema(value_type = Object)]
    pub components: ScoreComponents,
}

impl From<RecoItem> for RecoItemView {
    fn from(i: RecoItem) -> Self {
        RecoItemView {
            track_id: i.scored.track_id.0,
            title: i.track.as_ref().map(|t| t.title.clone()),
            artist: i.track.as_ref().map(|t| t.artist.clone()),
            album: i.track.and_then(|t| t.album),
            score: i.scored.score,
            reasons: i.reasons,
            components: i.scored.components,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecoResponse {
    /// The profile served; absent for a guest vibe request.
    pub profile: Option<String>,
    pub vibe: Option<String>,
    pub alpha: f32,
    pub count: usize,
    pub recommendations: Vec<RecoItemView>,
}

fn parse_num<T: std::str::FromStr>(field: &str, raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(|r| {
        r.trim().parse::<T>().map_err(|_| ApiError::Invalid {
            field: field.into(),
            reason: format!("{r:?} is not a number"),
        })
    })
    .transpose()
}

/// Explained recommendations for a profile (or a guest vibe request).
#[utoipa::path(get, path = "/api/recommendations", tag = "recommendations", params(RecoQuery),
    responses((status = 200, body = RecoResponse), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn recommendations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RecoQuery>,
) -> Result<Json<RecoResponse>, ApiError> {
    let alpha: f32 = parse_num("alpha", q.alpha.as_deref())?.unwrap_or(0.5);
    if !(alpha.is_finite() && (0.0..=1.0).contains(&alpha)) {
        return Err(ApiError::Invalid {
            field: "alpha".into(),
            reason: format!("{alpha} is outside [0.0, 1.0]"),
        });
    }
    let limit: i64 = parse_num("limit", q.limit.as_deref())?.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid {
            field: "limit".into(),
            reason: format!("{limit} is outside 1..=500"),
        });
    }
    let vibe = q
        .vibe
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let profile_name = q.profile.filter(|p| !p.trim().is_empty());
    let profile = match (&profile_name, &vibe) {
        (None, Some(_)) => None,
        (name, _) => Some(profile_or_default(&state, name.as_deref()).await?),
    };
    let now = state.clock.now_ms();
    // An explicit, unexpired mood acts as the vibe when the request names none.
    let vibe = match (&vibe, &profile) {
        (None, Some(p)) => state.store.mood_override(p.id, now).await?.map(|m| m.text),
        _ => vibe,
    };
    let req = RecoRequest {
        profile: profile.as_ref().map(|p| p.id),
        vibe: vibe.clone(),
        alpha,
        limit: limit as usize,
        seed: None,
    };
    let items = state.reco.recommend(&req, now).await?;
    let recommendations: Vec<RecoItemView> = items.into_iter().map(RecoItemView::from).collect();
    Ok(Json(RecoResponse {
        profile: profile.map(|p| p.name),
        vibe,
        alpha,
        count: recommendations.len(),
        recommendations,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct SimilarQuery {
    /// 1–500, default 20.
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarResponse {
    pub track_id: i64,
    pub count: usize,
    /// Why the list is empty (e.g. the track has no audio vector yet).
    pub note: Option<String>,
    pub similar: Vec<RecoItemView>,
}

/// Tracks that sound like this one (vector index neighbours). A track without an audio vector
/// yet gets an empty list with a `note` (200: the track exists, it just cannot be compared).
#[utoipa::path(get, path = "/api/tracks/{id}/similar", tag = "recommendations", params(("id" = i64, Path), SimilarQuery),
    responses((status = 200, body = SimilarResponse), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> Result<Json<SimilarResponse>, ApiError> {
    let id = id
        .parse::<i64>()
        .map(TrackId)
        .map_err(|_| ApiError::Invalid {
            field: "track_id".into(),
            reason: format!("{id:?} is not a track id"),
        })?;
    let limit: i64 = parse_num("limit", q.limit.as_deref())?.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid {
            field: "limit".into(),
            reason: format!("{limit} is outside 1..=500"),
        });
    }
    if state.store.get_track(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("track {id} does not exist")));
    }
    let (similar, note) = match state.reco.similar(id, limit as usize).await? {
        Some(items) => (
            items
                .into_iter()
                .map(RecoItemView::from)
                .collect::<Vec<_>>(),
            None,
        ),
        None => (
            Vec::new(),
            Some(format!("track {id} has no audio vector yet (not analysed)")),
        ),
    };
    Ok(Json(SimilarResponse {
        track_id: id.0,
        count: similar.len(),
        note,
        similar,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DetectedMood {
    /// Words for the mean attributes of the recent listens (e.g. `energetic`, `acoustic`).
    pub words: Vec<String>,
    #[schema(value_type = Object)]
    pub attributes: hearth_core::vibe::TrackAttributes,
    /// Listens in the mood window.
    pub window_listens: usize,
    /// Whether any of them had an audio vector (the mood vector exists).
    pub has_vector: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ExplicitMood {
    pub mood: String,
    pub set_at: String,
    pub expires_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct MoodView {
    pub profile: String,
    pub detected: DetectedMood,
    /// The explicit mood, when set and not expired (used as the default vibe).
    pub explicit: Option<ExplicitMood>,
}

async fn mood_view(state: &AppState, name: &str) -> Result<MoodView, ApiError> {
    let p = existing_profile(state, name).await?;
    let now = state.clock.now_ms();
    let (vector, recent) = state.reco.mood(p.id).await?;
    let attributes = state.reco.mean_attributes(&recent).await;
    let explicit = state
        .store
        .mood_override(p.id, now)
        .await?
        .map(|m| ExplicitMood {
            mood: m.text,
            set_at: to_rfc3339(m.set_at),
            expires_at: to_rfc3339(m.expires_at),
        });
    Ok(MoodView {
        profile: p.name,
        detected: DetectedMood {
            words: describe(&attributes)
                .into_iter()
                .map(String::from)
                .collect(),
            attributes,
            window_listens: recent.len(),
            has_vector: vector.is_some(),
        },
        explicit,
    })
}

/// The detected mood (recent listening) and the explicit one.
#[utoipa::path(get, path = "/api/profiles/{name}/mood", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = MoodView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_mood(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<MoodView>, ApiError> {
    Ok(Json(mood_view(&state, &name).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoodRequest {
    /// Free text, e.g. `calm acoustic`.
    pub mood: String,
    /// How long it holds, in hours (default 4, at most 168).
    pub hours: Option<f64>,
}

/// Sets an explicit mood for a while.
#[utoipa::path(put, path = "/api/profiles/{name}/mood", tag = "profiles", params(("name" = String, Path)), request_body = MoodRequest,
    responses((status = 200, body = MoodView), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_mood(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<MoodRequest>,
) -> Result<Json<MoodView>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    let hours = body.hours.unwrap_or(4.0);
    if !(hours.is_finite() && hours > 0.0 && hours <= 168.0) {
        return Err(ApiError::Invalid {
            field: "hours".into(),
            reason: format!("{hours} is outside (0, 168]"),
        });
    }
    let text = body.mood.trim().to_string();
    if text.is_empty() {
        return Err(ApiError::Invalid {
            field: "mood".into(),
            reason: "must not be empty".into(),
        });
    }
    let now = state.clock.now_ms();
    let m = MoodOverride {
        text,
        set_at: now,
        expires_at: now + (hours * 3_600_000.0) as i64,
    };
    state.store.set_mood_override(p.id, &m).await?;
    Ok(Json(mood_view(&state, &name).await?))
}

#[derive(Serialize, ToSchema)]
pub struct TasteView {
    pub profile: String,
    #[schema(value_type = Object)]
    pub taste: TasteSummary,
}

/// The profile's taste summary (centroids, shares, exemplars).
#[utoipa::path(get, path = "/api/profiles/{name}/taste", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = TasteView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn taste_summary(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<TasteView>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    let taste = state.reco.summary(p.id, state.clock.now_ms()).await?;
    Ok(Json(TasteView {
        profile: p.name,
        taste,
    }))
}

/// Rebuilds one profile's taste from its whole history.
#[utoipa::path(post, path = "/api/profiles/{name}/build-taste", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = TasteView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn build_taste(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<TasteView>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    let now = state.clock.now_ms();
    let taste = state.reco.rebuild(p.id, now).await?.summary(now, 3);
    Ok(Json(TasteView {
        profile: p.name,
        taste,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct BuildAllRequest {
    /// One profile (default: every profile).
    pub profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BuildAllResponse {
    pub status: &'static str,
    pub profiles: Vec<TasteView>,
}

/// Rebuilds taste profiles (haunt-fm `build-taste-profile`): every profile, or the one named.
#[utoipa::path(post, path = "/api/admin/build-taste-profile", tag = "admin", request_body(content = Option<BuildAllRequest>),
    responses((status = 200, body = BuildAllResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn build_all(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Json<BuildAllResponse>, ApiError> {
    let body = axum::body::to_bytes(request.into_body(), 64 * 1024)
        .await
        .map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    // The body is optional: empty means every profile.
    let body: BuildAllRequest = if body.iter().all(u8::is_ascii_whitespace) {
        BuildAllRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?
    };
    let now = state.clock.now_ms();
    let names: Vec<String> = match body.profile {
        Some(n) => vec![n],
        None => {
            let mut v: Vec<String> = state
                .store
                .list_profiles()
                .await?
                .into_iter()
                .map(|(p, _)| p.name)
                .collect();
            if v.is_empty() {
                v.push(DEFAULT_PROFILE.into());
            }
            v
        }
    };
    let mut profiles = Vec::with_capacity(names.len());
    for n in names {
        let p = existing_profile(&state, &n).await?;
        let taste = state.reco.rebuild(p.id, now).await?.summary(now, 3);
        profiles.push(TasteView {
            profile: p.name,
            taste,
        });
    }
    Ok(Json(BuildAllResponse {
        status: "ok",
        profiles,
    }))
}
