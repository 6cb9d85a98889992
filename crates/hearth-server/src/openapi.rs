//! The OpenAPI 3 document, generated from the handlers' annotations: the router and the document
//! come from the same `routes!` calls, so they cannot drift apart.

use crate::routes::{
    dynamic, health, history, import, jobs, listenbrainz, profiles, queue, recommendations, tracks,
};
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::Json;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(info(
    title = "Hearth",
    description = "Self-hosted music recommendation engine for a household (haunt-fm compatible API)."
))]
struct ApiDoc;

/// Every documented route.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(health::status))
        .routes(routes!(history::webhook))
        .routes(routes!(history::recent))
        .routes(routes!(profiles::list, profiles::create))
        .routes(routes!(profiles::get, profiles::delete))
        .routes(routes!(profiles::get_speakers, profiles::put_speakers))
        .routes(routes!(
            profiles::get_preferences,
            profiles::put_preferences
        ))
        .routes(routes!(tracks::search))
        .routes(routes!(tracks::get))
        .routes(routes!(tracks::feedback))
        .routes(routes!(recommendations::recommendations))
        .routes(routes!(recommendations::similar))
        .routes(routes!(
            recommendations::get_mood,
            recommendations::put_mood
        ))
        .routes(routes!(recommendations::taste_summary))
        .routes(routes!(recommendations::build_taste))
        .routes(routes!(recommendations::build_all))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(dynamic::get))
        .routes(routes!(dynamic::refresh))
        .routes(routes!(dynamic::snapshots))
        .routes(routes!(dynamic::history))
        .routes(routes!(dynamic::rollback))
        .routes(routes!(dynamic::put_cycling))
        .routes(routes!(queue::next))
        .routes(routes!(queue::approve))
        .routes(routes!(queue::reject))
        .routes(routes!(queue::skip))
        // Routes with their own body limit (the layer only wraps the routes added before it,
        // so each sits in its own router): uploads of whole exports, and ListenBrainz's 10 MB.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import::upload))
                .layer(DefaultBodyLimit::max(import::IMPORT_BODY_LIMIT_BYTES)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(listenbrainz::submit_listens))
                .routes(routes!(listenbrainz::validate_token))
                .layer(DefaultBodyLimit::max(listenbrainz::SUBMIT_BODY_LIMIT_BYTES)),
        )
}

/// The document (built once).
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| api_router().split_for_parts().1)
}

pub async fn serve_openapi() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}
