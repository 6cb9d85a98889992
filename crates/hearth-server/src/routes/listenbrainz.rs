//! The ListenBrainz-compatible listen API (SPEC §5.2): `POST /1/submit-listens` and
//! `GET /1/validate-token`, so existing scrobblers (Navidrome, Jellyfin, Pano Scrobbler,
//! multi-scrobbler, liblistenbrainz…) can report to Hearth with the API root set to Hearth's URL.
//!
//! `Authorization: Token <token>` picks the profile (tokens come from `hearth profile token`
//! and are stored hashed). Submitted listens are stored through the same keyed bulk path as
//! imports — re-sending a listen is idempotent — and then go to the listen hooks like every
//! other committed listen. `playing_now` is acknowledged and not stored.
//!
//! Errors here deliberately do NOT use Hearth's `{"error", "message"}` shape ([`crate::ApiError`]):
//! ListenBrainz clients parse `{"code": <status>, "error": "<text>"}` and show `error` to the
//! user, so these two handlers answer with [`LbResponseError`] instead. It is the only exception.

use crate::hooks::stored_from_import;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hearth_core::model::{NewListen, Profile};
use hearth_core::token::hash_token;
use hearth_sources::{parse_submit_listens, Submission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Largest accepted `submit-listens` body (ListenBrainz's own limit); checked again by the parser
/// with ListenBrainz's error text.
pub const SUBMIT_BODY_LIMIT_BYTES: usize =
    hearth_sources::lb_submit::MAX_LISTEN_PAYLOAD_SIZE + 1024;

/// An error in ListenBrainz's shape: `{"code": 401, "error": "Invalid authorization token."}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LbResponseError {
    pub code: u16,
    pub error: String,
}

impl LbResponseError {
    fn new(code: StatusCode, error: impl Into<String>) -> Self {
        LbResponseError {
            code: code.as_u16(),
            error: error.into(),
        }
    }
}

impl IntoResponse for LbResponseError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self)).into_response()
    }
}

impl From<hearth_store::StoreError> for LbResponseError {
    fn from(e: hearth_store::StoreError) -> Self {
        // Same policy as ApiError: 5xx bodies carry no detail; the log gets it.
        tracing::error!(error = %e, "store error in the ListenBrainz API");
        match e {
            hearth_store::StoreError::Unavailable(_) => {
                LbResponseError::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable.")
            }
            _ => LbResponseError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unknown error occured.",
            ),
        }
    }
}

/// `{"status": "ok"}`, ListenBrainz's success answer.
#[derive(Serialize, ToSchema)]
pub struct LbStatus {
    pub status: &'static str,
}

/// The token from `Authorization: Token <t>` (scheme case-insensitive), if any.
fn header_token(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("token") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

async fn profile_for_token(
    state: &AppState,
    token: &str,
) -> Result<Option<Profile>, LbResponseError> {
    Ok(state
        .store
        .profile_by_token_hash(&hash_token(token))
        .await?)
}

/// Submits listens (`single`, `import`) or a now-playing notice (`playing_now`), in
/// ListenBrainz's payload format and limits.
#[utoipa::path(post, path = "/1/submit-listens", tag = "listenbrainz",
    request_body(content = Object, description = "ListenBrainz submit-listens document: {\"listen_type\": \"single\"|\"playing_now\"|\"import\", \"payload\": [...]}"),
    responses((status = 200, body = LbStatus), (status = 400, body = LbResponseError), (status = 401, body = LbResponseError)))]
pub async fn submit_listens(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LbStatus>, LbResponseError> {
    let Some(token) = header_token(&headers) else {
        return Err(LbResponseError::new(
            StatusCode::UNAUTHORIZED,
            "You need to provide an Authorization header.",
        ));
    };
    let Some(profile) = profile_for_token(&state, &token).await? else {
        return Err(LbResponseError::new(
            StatusCode::UNAUTHORIZED,
            "Invalid authorization token.",
        ));
    };
    let submission =
        parse_submit_listens(&body, state.clock.now_ms()).map_err(|e| LbResponseError {
            code: e.code,
            error: e.message,
        })?;
    let listens: Vec<NewListen> = match submission {
        Submission::PlayingNow(_) => return Ok(Json(LbStatus { status: "ok" })),
        Submission::Single(l) => vec![l.to_new_listen(profile.id)],
        Submission::Import(ls) => ls.iter().map(|l| l.to_new_listen(profile.id)).collect(),
    };
    let outcome = state.store.import_listens(&listens).await?;
    let committed = stored_from_import(&listens, &outcome);
    state.hooks.notify(&committed).await;
    Ok(Json(LbStatus { status: "ok" }))
}

/// The query string (documentation only: the handler reads it by hand, see below).
#[allow(dead_code)]
#[derive(Deserialize, IntoParams)]
pub struct ValidateQuery {
    /// The token, when not sent as `Authorization: Token <t>`.
    pub token: Option<String>,
}

/// ListenBrainz's token check: always 200 with `valid` true/false once a token is given.
#[derive(Serialize, ToSchema)]
pub struct ValidateTokenResult {
    pub code: u16,
    pub message: &'static str,
    pub valid: bool,
    /// The profile the token belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// Says whether a token is valid and which profile it belongs to (`user_name`).
#[utoipa::path(get, path = "/1/validate-token", tag = "listenbrainz", params(ValidateQuery),
    responses((status = 200, body = ValidateTokenResult), (status = 401, body = LbResponseError)))]
pub async fn validate_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<ValidateTokenResult>, LbResponseError> {
    // Read by hand: ListenBrainz ignores unknown or odd query parameters, so must we.
    let from_query = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "token"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|t| !t.is_empty());
    let Some(token) = from_query.or_else(|| header_token(&headers)) else {
        return Err(LbResponseError::new(
            StatusCode::UNAUTHORIZED,
            "You need to provide an Authorization token.",
        ));
    };
    Ok(Json(match profile_for_token(&state, &token).await? {
        Some(p) => ValidateTokenResult {
            code: 200,
            message: "Token valid.",
            valid: true,
            user_name: Some(p.name),
        },
        None => ValidateTokenResult {
            code: 200,
            message: "Token invalid.",
            valid: false,
            user_name: None,
        },
    }))
}
