//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong with an index operation. Variants name the field or file concerned.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A value supplied by the caller is not acceptable (wrong dimension, non-finite component,
    /// zero vector, k = 0, bad kind name...).
    #[error("invalid value for `{field}`: {reason}")]
    InvalidInput { field: String, reason: String },

    /// No index exists for the requested key (kind, version, dimension).
    #[error("no index for {0}")]
    NotFound(String),

    /// A persisted index file could not be trusted: bad magic, unknown format version, checksum
    /// mismatch, truncated payload. Callers rebuild from the store.
    #[error("index file {path}: corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },

    /// A persisted index file is intact but was built for other data (another kind, version,
    /// dimension, index type or store fingerprint). Callers rebuild from the store.
    #[error("index file {path}: stale: {reason}")]
    Stale { path: PathBuf, reason: String },

    /// Reading or writing an index file failed.
    #[error("index file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The database behind a [`crate::PgVectorIndex`] failed or is unreachable.
    #[error("vector database: {0}")]
    Database(String),

    /// The operation cannot run in this context (e.g. a blocking database call on a
    /// single-threaded async runtime).
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl IndexError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        IndexError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// True when a persisted file should be rebuilt rather than reported: it is missing,
    /// corrupt or stale.
    pub fn means_rebuild(&self) -> bool {
        match self {
            IndexError::Corrupt { .. } | IndexError::Stale { .. } => true,
            IndexError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            IndexError::InvalidInput { .. }
            | IndexError::NotFound(_)
            | IndexError::Database(_)
            | IndexError::Unavailable(_) => false,
        }
    }
}
