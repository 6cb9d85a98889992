//! `hearth-server` — the HTTP face of Hearth: the haunt-fm compatible API (SPEC §5.1), Hearth's
//! additions (§5.2), the OpenAPI document, request logging, the optional write token and the
//! listen ingest pipeline that group-commits webhook listens.
//!
//! Owns: routing ([`router`]), serving ([`serve`]), the living playlist and approval queue service
//! ([`living::LivingService`]), the one error→HTTP mapping ([`ApiError`]),
//! the JSON extractor that gives malformed bodies the same error shape ([`extract::ApiJson`]).
//! Depends on `hearth-core` (domain), `hearth-store` (ports, as `Arc<dyn Store>`) and `hearth-play`
//! (the playback port and playlist file writers, used by `/api/playlists`); it never
//! names a concrete database. Handlers are tested without sockets via `tower::ServiceExt::oneshot`.

pub mod dashboard;
pub mod error;
pub mod extract;
pub mod hooks;
pub mod ingest;
pub mod living;
mod middleware;
pub mod openapi;
pub mod pipeline;
pub mod playlists;
pub mod reco;
mod routes;
pub mod state;

pub use error::ApiError;
pub use state::AppState;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// Builds the whole application. Pure: no sockets, no global state.
pub fn router(state: AppState) -> Router {
    let (router, _api) = openapi::api_router().split_for_parts();
    let limit = usize::try_from(state.config.server.body_limit_bytes).unwrap_or(usize::MAX);
    let timeout = Duration::from_secs(state.config.server.request_timeout_s);
    router
        // The HTML dashboard (SPEC §10); not part of the JSON API document.
        .merge(dashboard::router())
        .route(
            "/api/openapi.json",
            axum::routing::get(openapi::serve_openapi),
        )
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::write_token,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(middleware::log_request))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let reco = state.reco.clone();
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    // Taste is written behind; write what changed since the last flush before exiting.
    if let Err(e) = reco.flush().await {
        tracing::warn!(error = %e, "writing taste profiles at shutdown failed");
    }
    Ok(())
}
