//! `/health` and `/api/status`.

use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hearth_core::clock::to_rfc3339;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `error`.
    pub status: &'static str,
    /// `ok` or `unreachable`.
    pub db: &'static str,
}

/// Liveness with a database round trip; 503 when the store is unreachable.
#[utoipa::path(get, path = "/health", tag = "status",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                db: "ok",
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "error",
                    db: "unreachable",
                }),
            )
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EmbeddingCount {
    pub model: String,
    pub count: i64,
}

/// Music-library analysis progress (SPEC §11).
#[derive(Serialize, ToSchema)]
pub struct LibraryStatus {
    /// Audio files found by the scanner.
    pub files_total: i64,
    pub files_analysed: i64,
    /// Queued or being analysed.
    pub files_pending: i64,
    /// Could not be analysed (the reason is on the file's row).
    pub files_failed: i64,
    /// `analyze` jobs waiting, running now, and given up.
    pub analysis_queued: i64,
    pub analysis_running: i64,
    pub analysis_failed: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    pub version: &'static str,
    pub backend: &'static str,
    pub listens: i64,
    pub tracks: i64,
    pub analysed: i64,
    pub queued: i64,
    pub running_jobs: i64,
    pub failed_jobs: i64,
    pub candidates: i64,
    pub profiles: i64,
    pub feedback: i64,
    pub embeddings: Vec<EmbeddingCount>,
    pub index_size: i64,
    pub workers: u32,
    pub last_discovery_run: Option<String>,
    pub started_at: String,
    pub library: LibraryStatus,
}

/// Pipeline counts.
#[utoipa::path(get, path = "/api/status", tag = "status", responses((status = 200, body = Status)))]
pub async fn status(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let c = state.store.status_counts().await?;
    let l = state.store.library_counts().await?;
    Ok(Json(Status {
        version: env!("CARGO_PKG_VERSION"),
        backend: state.store.backend(),
        listens: c.listens,
        tracks: c.tracks,
        analysed: c.analysed,
        queued: c.queued_jobs,
        running_jobs: c.running_jobs,
        failed_jobs: c.failed_jobs,
        candidates: c.candidates,
        profiles: c.profiles,
        feedback: c.feedback,
        embeddings: c
            .embeddings
            .into_iter()
            .map(|(model, count)| EmbeddingCount { model, count })
            .collect(),
        index_size: c.analysed,
        workers: state.config.analysis.workers,
        last_discovery_run: c.last_discovery_run.map(to_rfc3339),
        started_at: to_rfc3339(state.started_at_ms),
        library: LibraryStatus {
            files_total: l.files_total,
            files_analysed: l.files_analysed,
            files_pending: l.files_pending,
            files_failed: l.files_failed,
            analysis_queued: l.analyze_queued,
            analysis_running: l.analyze_running,
            analysis_failed: l.analyze_failed,
        },
    }))
}
