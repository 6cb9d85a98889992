//! `/api/profiles…`: named listener profiles, their speakers and QFZZ preferences
//! (haunt-fm named-profiles design; SPEC §5.1, §5.2, §7.3).

use super::existing_profile;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use hearth_core::clock::to_rfc3339;
use hearth_core::model::{Profile, ProfileStats};
use hearth_core::prefs::Preferences;
use hearth_core::profile_name::{validate_profile_name, DEFAULT_PROFILE};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub created_at: String,
    pub event_count: i64,
    pub track_count: i64,
    pub last_listen: Option<String>,
    pub speakers: Vec<String>,
}

impl ProfileView {
    fn new(p: Profile, s: ProfileStats) -> Self {
        ProfileView {
            id: p.id.0,
            name: p.name,
            display_name: p.display_name,
            created_at: to_rfc3339(p.created_at),
            event_count: s.event_count,
            track_count: s.track_count,
            last_listen: s.last_listen.map(to_rfc3339),
            speakers: s.speakers,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProfileList {
    pub profiles: Vec<ProfileView>,
}

/// All profiles with their stats.
#[utoipa::path(get, path = "/api/profiles", tag = "profiles", responses((status = 200, body = ProfileList)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<ProfileList>, ApiError> {
    let rows = state.store.list_profiles().await?;
    Ok(Json(ProfileList {
        profiles: rows
            .into_iter()
            .map(|(p, s)| ProfileView::new(p, s))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProfile {
    /// `^[a-z0-9][a-z0-9._-]{0,63}$`
    pub name: String,
    pub display_name: Option<String>,
}

/// Creates a profile (409 when the name exists, 422 when it is not a valid name).
#[utoipa::path(post, path = "/api/profiles", tag = "profiles", request_body = CreateProfile,
    responses((status = 201, body = ProfileView), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateProfile>,
) -> Result<(StatusCode, Json<ProfileView>), ApiError> {
    validate_profile_name(&body.name)?;
    let display = body
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let p = state
        .store
        .create_profile(&body.name, display, state.clock.now_ms())
        .await
        .map_err(|e| match e {
            hearth_store::StoreError::Conflict { .. } => {
                ApiError::Conflict(format!("profile {:?} already exists", body.name))
            }
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(ProfileView::new(p, ProfileStats::default())),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ProfileDetail {
    #[serde(flatten)]
    pub profile: ProfileView,
    #[schema(value_type = Object)]
    pub preferences: serde_json::Value,
    /// Taste summary once a taste profile has been built (null before).
    #[schema(value_type = Option<Object>)]
    pub taste: Option<serde_json::Value>,
}

/// One profile with stats (event count, track count, last listen, speakers) and preferences.
#[utoipa::path(get, path = "/api/profiles/{name}", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = ProfileDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<ProfileDetail>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    let stats = state.store.profile_stats(p.id).await?;
    let preferences = effective_preferences(&state, &p).await?;
    Ok(Json(ProfileDetail {
        profile: ProfileView::new(p, stats),
        preferences,
        taste: None,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    pub status: &'static str,
    pub name: String,
    pub reassigned_to: &'static str,
}

/// Deletes a profile; its listens and feedback are reassigned to `default`. `default` itself
/// cannot be deleted (409).
#[utoipa::path(delete, path = "/api/profiles/{name}", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = Deleted), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Deleted>, ApiError> {
    if name == DEFAULT_PROFILE {
        return Err(ApiError::Conflict(
            "the default profile cannot be deleted".into(),
        ));
    }
    existing_profile(&state, &name).await?;
    state
        .store
        .delete_profile(&name)
        .await
        .map_err(|e| match e {
            hearth_store::StoreError::NotFound { .. } => {
                ApiError::ProfileNotFound(format!("profile {name:?} does not exist"))
            }
            other => other.into(),
        })?;
    Ok(Json(Deleted {
        status: "deleted",
        name,
        reassigned_to: DEFAULT_PROFILE,
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Speakers {
    pub speakers: Vec<String>,
}

/// The speakers whose listens are attributed to this profile.
#[utoipa::path(get, path = "/api/profiles/{name}/speakers", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, body = Speakers), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_speakers(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Speakers>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    Ok(Json(Speakers {
        speakers: state.store.speakers(p.id).await?,
    }))
}

/// Replaces this profile's speaker mappings (a speaker mapped elsewhere moves here).
#[utoipa::path(put, path = "/api/profiles/{name}/speakers", tag = "profiles", params(("name" = String, Path)),
    request_body = Speakers,
    responses((status = 200, body = Speakers), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_speakers(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<Speakers>,
) -> Result<Json<Speakers>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    state.store.set_speakers(p.id, &body.speakers).await?;
    Ok(Json(Speakers {
        speakers: state.store.speakers(p.id).await?,
    }))
}

async fn effective_preferences(
    state: &AppState,
    p: &Profile,
) -> Result<serde_json::Value, ApiError> {
    let stored = state.store.preferences(p.id).await?;
    // Stored preferences were validated on the way in; re-typing fills QFZZ defaults.
    let prefs = Preferences::from_json(&stored)
        .map_err(|e| ApiError::Store(hearth_store::StoreError::Corrupt(e.to_string())))?;
    Ok(serde_json::to_value(prefs).unwrap_or_default())
}

/// QFZZ explicit preferences with defaults filled in.
#[utoipa::path(get, path = "/api/profiles/{name}/preferences", tag = "profiles", params(("name" = String, Path)),
    responses((status = 200, description = "genres, artists, moods, energy_level, tempo_preference, discovery_factor"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_preferences(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    Ok(Json(effective_preferences(&state, &p).await?))
}

/// Replaces QFZZ explicit preferences; invalid values → 422 naming the field.
#[utoipa::path(put, path = "/api/profiles/{name}/preferences", tag = "profiles", params(("name" = String, Path)),
    request_body(content = Object, description = "genres/artists/moods: name → weight in [0,1]; energy_level, discovery_factor in [0,1]; tempo_preference: slow|medium|fast|varied"),
    responses((status = 200, description = "the stored preferences"), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_preferences(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = existing_profile(&state, &name).await?;
    let prefs = Preferences::from_json(&body)?;
    prefs.validate()?;
    let value = serde_json::to_value(&prefs).unwrap_or_default();
    state.store.set_preferences(p.id, &value).await?;
    Ok(Json(value))
}
