//! The crate's error type: what went wrong while loading a dataset or running an evaluation.

use std::path::PathBuf;

/// Errors raised by the evaluation harness. Input errors name the file and line (or the option)
/// so a bad dataset or flag is reported precisely.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A dataset file the protocol needs does not exist.
    #[error("dataset file not found: {path}")]
    NotFound { path: PathBuf },
    /// Reading a dataset file failed for another reason.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A dataset line could not be parsed.
    #[error("{path}:{line}: {reason}")]
    Parse {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// An option or derived value is not acceptable (unknown ranker name, empty dataset, ...).
    #[error("invalid value for `{field}`: {reason}")]
    InvalidInput { field: String, reason: String },
    /// A ranker from hearth-core rejected its input.
    #[error("ranker `{ranker}` failed: {source}")]
    Ranker {
        ranker: String,
        #[source]
        source: hearth_core::CoreError,
    },
}

impl EvalError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        EvalError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Reads a whole file, mapping a missing file to [`EvalError::NotFound`].
    pub(crate) fn read_to_string(path: &std::path::Path) -> Result<String, EvalError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(EvalError::NotFound {
                path: path.to_path_buf(),
            }),
            Err(e) => Err(EvalError::Io {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }
}
