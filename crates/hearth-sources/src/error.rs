//! What can go wrong: file-level failures ([`ImportError`]) stop a file before any row is
//! yielded; row-level failures ([`RowError`]) reject one row and the parser moves on.

use std::fmt;

/// A file (or archive, or folder) could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The path does not exist.
    #[error("{path}: not found")]
    NotFound { path: String },
    /// Reading failed (permissions, truncated archive, device error).
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The content is not the format the caller asked for.
    #[error("{file}: not a {expected} file ({found_hint})")]
    WrongFormat {
        file: String,
        expected: &'static str,
        found_hint: String,
    },
    /// `auto` could not recognise the content as any supported format.
    #[error("{file}: unsupported format ({hint})")]
    UnsupportedFormat { file: String, hint: String },
    /// A `.zip` archive could not be read.
    #[error("{file}: invalid zip archive: {reason}")]
    Zip { file: String, reason: String },
    /// A caller-supplied value (format name, option) is invalid.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
}

/// Where in a file a row lives. Text formats count lines from 1; JSON arrays count elements
/// from 0 (the index a `jq '.[N]'` would use) and also carry the line the element starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowLocation {
    Line(u64),
    Element { index: u64, line: u64 },
}

impl fmt::Display for RowLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowLocation::Line(n) => write!(f, "line {n}"),
            RowLocation::Element { index, line } => write!(f, "element {index} (line {line})"),
        }
    }
}

/// One rejected row: the file, where in it, and why. Valid rows around it are still imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{file}: {location}: {reason}")]
pub struct RowError {
    pub file: String,
    pub location: RowLocation,
    pub reason: String,
}

impl RowError {
    pub fn new(file: &str, location: RowLocation, reason: impl Into<String>) -> Self {
        RowError {
            file: file.to_string(),
            location,
            reason: reason.into(),
        }
    }
}
