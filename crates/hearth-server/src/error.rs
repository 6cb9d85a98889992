//! The one place where errors become HTTP responses. Every variant of every error that reaches a
//! handler is mapped here, explicitly (no catch-all arm), to a status and a stable machine code.
//! The body is always `{"error": "<code>", "message": "<sentence>"}`; 5xx bodies say only
//! "internal error" and the detail goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_core::CoreError;
use hearth_play::PlayError;
use hearth_store::StoreError;
use serde::Serialize;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all (or not the right top-level shape).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// A field is missing or has the wrong type / an invalid value.
    #[error("invalid value for `{field}`: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    ProfileNotFound(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body exceeds {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("a valid API token is required for this request")]
    Unauthorized,
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A playback target (Home Assistant, MPD) failed; the message names it and says why.
    #[error(transparent)]
    Play(#[from] PlayError),
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::InvalidInput { field, reason } => ApiError::Invalid { field, reason },
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `profile-not-found`.
    pub error: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The offending field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// Status and code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "invalid-json"),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-value"),
            ApiError::ProfileNotFound(_) => (StatusCode::NOT_FOUND, "profile-not-found"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Store(e) => match e {
                StoreError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found"),
                StoreError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
                StoreError::InvalidInput { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid-value")
                }
                StoreError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
                StoreError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
                StoreError::Migrate(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
                StoreError::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            },
            // The player is another service: its failures are 502 (bad gateway), with the
            // message shown, since the user has to fix the player, not Hearth.
            ApiError::Play(e) => match e {
                PlayError::InvalidTarget { .. } => (StatusCode::BAD_REQUEST, "invalid-speaker"),
                PlayError::NotConfigured { .. } => {
                    (StatusCode::SERVICE_UNAVAILABLE, "player-not-configured")
                }
                PlayError::NothingToPlay { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "nothing-to-play")
                }
                PlayError::Timeout { .. } => (StatusCode::BAD_GATEWAY, "player-timeout"),
                PlayError::Unauthorized { .. } => (StatusCode::BAD_GATEWAY, "player-unauthorized"),
                PlayError::NotFound { .. } => (StatusCode::BAD_GATEWAY, "player-not-found"),
                PlayError::Upstream { .. } => (StatusCode::BAD_GATEWAY, "player-failed"),
                PlayError::Connection { .. } => (StatusCode::BAD_GATEWAY, "player-unreachable"),
            },
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            ApiError::Invalid { field, .. } => Some(field.clone()),
            ApiError::Store(StoreError::InvalidInput { field, .. }) => Some(field.clone()),
            ApiError::Play(PlayError::InvalidTarget { .. }) => Some("speaker_entity".into()),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        // 502 (a player failed) and 503 say what happened; other 5xx are Hearth's own bugs.
        let message = if status.is_server_error()
            && status != StatusCode::SERVICE_UNAVAILABLE
            && status != StatusCode::BAD_GATEWAY
        {
            tracing::error!(error = %self, "internal error");
            "internal error".to_string()
        } else {
            self.to_string()
        };
        let body = ErrorBody {
            error: code,
            message,
            field: self.field(),
        };
        (status, axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Player failures keep their message (the user fixes the player) and get their status.
    #[tokio::test]
    async fn play_errors_map_to_gateway_statuses_with_their_message() {
        let cases = [
            (
                ApiError::from(PlayError::InvalidTarget {
                    speaker_entity: "kitchen".into(),
                    reason: "not an entity id".into(),
                }),
                StatusCode::BAD_REQUEST,
            ),
            (
                PlayError::NotConfigured {
                    target: "Home Assistant",
                    what: "home_assistant.url is empty".into(),
                }
                .into(),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                PlayError::Timeout {
                    target: "Home Assistant",
                    after_ms: 300,
                }
                .into(),
                StatusCode::BAD_GATEWAY,
            ),
            (
                PlayError::Unauthorized {
                    target: "Home Assistant",
                    status: 401,
                }
                .into(),
                StatusCode::BAD_GATEWAY,
            ),
            (
                PlayError::Connection {
                    target: "MPD",
                    reason: "connection refused".into(),
                }
                .into(),
                StatusCode::BAD_GATEWAY,
            ),
        ];
        for (err, status) in cases {
            let shown = err.to_string();
            let response = err.into_response();
            assert_eq!(response.status(), status, "{shown}");
            let body = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["message"], shown.as_str(), "{body}");
        }
        let (_, code) = ApiError::from(PlayError::NothingToPlay {
            target: "MPD",
            reason: "no local files".into(),
        })
        .status_and_code();
        assert_eq!(code, "nothing-to-play");
    }
}
