//! HTTP handlers, one module per resource.

pub mod dynamic;
pub mod health;
pub mod history;
pub mod import;
pub mod jobs;
pub mod listenbrainz;
pub mod profiles;
pub mod queue;
pub mod recommendations;
pub mod tracks;

use crate::ApiError;
use crate::AppState;
use hearth_core::model::Profile;
use hearth_core::profile_name::DEFAULT_PROFILE;

pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}

/// Looks up a profile for a read: unknown → 404 `profile-not-found`.
pub(crate) async fn existing_profile(state: &AppState, name: &str) -> Result<Profile, ApiError> {
    state
        .store
        .get_profile(name)
        .await?
        .ok_or_else(|| ApiError::ProfileNotFound(format!("profile {name:?} does not exist")))
}

/// The profile a read targets: the named one (404 when unknown) or `default`.
pub(crate) async fn profile_or_default(
    state: &AppState,
    name: Option<&str>,
) -> Result<Profile, ApiError> {
    existing_profile(
        state,
        name.filter(|n| !n.is_empty()).unwrap_or(DEFAULT_PROFILE),
    )
    .await
}
