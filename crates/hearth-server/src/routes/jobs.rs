//! `/api/jobs`: the durable job queue, read-only.

use crate::extract::ApiQuery;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use hearth_core::clock::to_rfc3339;
use hearth_core::ids::JobId;
use hearth_store::Job;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(value_type = Object)]
    pub progress: serde_json::Value,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        JobView {
            id: j.id.0,
            kind: j.kind,
            status: j.status.as_str().to_string(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            payload: j.payload,
            progress: j.progress,
            result: j.result,
            last_error: j.last_error,
            created_at: to_rfc3339(j.created_at),
            updated_at: to_rfc3339(j.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobView>,
}

#[derive(Deserialize, IntoParams)]
pub struct JobsQuery {
    /// At most this many, newest first (default 50, max 500).
    pub limit: Option<u32>,
}

/// Recent jobs, newest first.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(JobsQuery), responses((status = 200, body = JobList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> Result<Json<JobList>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let jobs = state.store.list_jobs(limit).await?;
    Ok(Json(JobList {
        jobs: jobs.into_iter().map(JobView::from).collect(),
    }))
}

/// One job with its progress.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::Invalid {
        field: "id".into(),
        reason: format!("{id:?} is not a job id"),
    })?;
    let job = state
        .store
        .get_job(JobId(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("job {id} does not exist")))?;
    Ok(Json(job.into()))
}
