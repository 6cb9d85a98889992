//! The crate's error type.

use std::path::PathBuf;

/// Why a file could not be analysed. Every variant names the file, so a job
/// queue can record `to_string()` as the failure reason and move on.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("file not found: {}", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The container or codec is recognised but not decodable by this build,
    /// or not an audio format at all.
    #[error("unsupported format {format} in {}: {reason}", path.display())]
    Unsupported {
        path: PathBuf,
        format: String,
        reason: String,
    },
    #[error("no audio track in {}", path.display())]
    NoAudioTrack { path: PathBuf },
    /// The stream is corrupt or the decoder failed.
    #[error("cannot decode {}: {reason}", path.display())]
    Decode { path: PathBuf, reason: String },
    #[error("invalid input: {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
}
