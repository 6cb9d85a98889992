//! The library port: audio files found by the scanner (`library_files`) and the analysis
//! progress counts shown by `/api/status`.

use crate::ports::{Job, StoreResult};
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::ids::TrackId;
use serde::{Deserialize, Serialize};

/// Where a library file is in analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LibraryFileStatus {
    /// Found (or changed) and queued for analysis.
    Pending,
    Analysed,
    /// Analysis failed for good; `error` says why.
    Failed,
}

impl LibraryFileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LibraryFileStatus::Pending => "pending",
            LibraryFileStatus::Analysed => "analysed",
            LibraryFileStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => LibraryFileStatus::Pending,
            "analysed" => LibraryFileStatus::Analysed,
            "failed" => LibraryFileStatus::Failed,
            _ => return None,
        })
    }
}

/// A `library_files` row. `path` is canonical (symlinks resolved); `size_bytes` + `mtime_ms`
/// are the file's identity for incremental rescans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryFile {
    pub path: String,
    pub size_bytes: i64,
    pub mtime_ms: i64,
    pub track_id: Option<TrackId>,
    pub status: LibraryFileStatus,
    pub error: Option<String>,
    pub scanned_at: UnixMs,
}

/// A library file with whether its track has audio features of the version asked for (a
/// descriptor version bump makes analysed files without them due again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryFileState {
    pub file: LibraryFile,
    pub has_features: bool,
}

/// Library and analysis-queue counts for `/api/status`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LibraryCounts {
    pub files_total: i64,
    pub files_pending: i64,
    pub files_analysed: i64,
    pub files_failed: i64,
    /// `analyze` jobs by status.
    pub analyze_queued: i64,
    pub analyze_running: i64,
    pub analyze_failed: i64,
}

/// The music library as the scanner sees it.
#[async_trait]
pub trait LibraryStore: Send + Sync {
    /// Every library file, by path, each with whether its track has features of `version`.
    async fn library_files(&self, version: i32) -> StoreResult<Vec<LibraryFileState>>;
    async fn library_file(&self, path: &str) -> StoreResult<Option<LibraryFile>>;
    /// Records a file found by the scanner as `pending` (a new file, a changed one, or one due
    /// for re-analysis), replacing any earlier row of the same path and clearing its error.
    /// `track` must exist (`NotFound` otherwise).
    async fn put_library_file(
        &self,
        path: &str,
        size_bytes: i64,
        mtime_ms: i64,
        track: TrackId,
        now: UnixMs,
    ) -> StoreResult<LibraryFile>;
    /// Sets the analysis outcome of `path` if the row still has this `size_bytes` + `mtime_ms`
    /// (a rescan may have seen a newer version meanwhile). Returns whether a row was updated.
    async fn set_library_file_status(
        &self,
        path: &str,
        size_bytes: i64,
        mtime_ms: i64,
        status: LibraryFileStatus,
        error: Option<&str>,
        now: UnixMs,
    ) -> StoreResult<bool>;
    async fn library_counts(&self) -> StoreResult<LibraryCounts>;
    /// Jobs of `kind` currently `running` (crash recovery inspects their `locked_by`).
    async fn running_jobs(&self, kind: &str) -> StoreResult<Vec<Job>>;
}
