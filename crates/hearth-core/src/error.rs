//! The domain error: what went wrong with a value the caller supplied.

/// Errors raised by pure domain functions. Every variant names the field it concerns so callers
/// (HTTP, CLI) can report it precisely.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoreError {
    /// A value is well-formed but not acceptable (out of range, wrong enum, bad name).
    #[error("invalid value for `{field}`: {reason}")]
    InvalidInput { field: String, reason: String },
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
