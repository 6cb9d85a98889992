//! The store's error type.

/// What went wrong in a store call. `NotFound`/`Conflict`/`InvalidInput` are outcomes the caller
/// reports to the user; `Unavailable` means the database cannot be reached; `Internal` is a bug or
/// an unexpected database failure (logged, shown as "internal error").
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("invalid value for `{field}`: {reason}")]
    InvalidInput { field: String, reason: String },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Internal(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Internal(e),
        }
    }
}

impl From<hearth_core::CoreError> for StoreError {
    fn from(e: hearth_core::CoreError) -> Self {
        match e {
            hearth_core::CoreError::InvalidInput { field, reason } => {
                StoreError::InvalidInput { field, reason }
            }
        }
    }
}

impl StoreError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }
}
