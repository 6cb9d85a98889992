//! The one place where errors become HTTP responses. Every variant of every error that reaches a
//! handler is mapped here, explicitly (no catch-all arm), to a status and a stable machine code.
//! The body is always `{"error": "<code>", "message": "<sentence>"}`; 5xx bodies say only
//! "internal error" and the detail goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_core::CoreError;
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
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            ApiError::Invalid { field, .. } => Some(field.clone()),
            ApiError::Store(StoreError::InvalidInput { field, .. }) => Some(field.clone()),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
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
