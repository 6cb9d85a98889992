//! The one import pipeline behind `hearth import` and `POST /api/import` (SPEC §6).
//!
//! ```text
//! plan_import (refuses a wrong-format file before any write)
//!   └─ spawn_blocking: for_each_input → open_rows → rows ──batches of BATCH_ROWS──▶ bounded channel
//!        async task: store.import_listens(batch)  (one transaction per batch, keyed by row key)
//!                    hooks.notify(stored)          (taste / analysis, same as live listens)
//!                    on_progress(ImportProgress)   (CLI progress bar / job heartbeat)
//! ```
//!
//! Parsing runs on a blocking thread because the parsers are synchronous `Read` consumers; the
//! channel holds at most [`CHANNEL_BATCHES`] batches, so memory is bounded whatever the file size.
//! Because every row is stored under its content-derived key, killing an import and running it
//! again stores each listen exactly once: the committed batches come back as duplicates.

use crate::hooks::{stored_from_import, ListenHooks};
use hearth_core::ids::ProfileId;
use hearth_core::model::NewListen;
use hearth_sources::{
    for_each_input, plan_import, FileSummary, FormatRequest, IgnoredFile, ImportError, ImportPlan,
    ImportSummary, Row,
};
use hearth_store::{DynStore, StoreError};
use serde::Serialize;
use std::collections::HashSet;
use std::path::PathBuf;
use tokio::sync::mpsc;

/// Rows per transaction: large enough that commit overhead is small, small enough that a
/// killed import loses little work and a batch of `NewListen`s stays a few MB.
pub const BATCH_ROWS: usize = 5_000;
/// Batches in flight between the parser thread and the writer.
pub const CHANNEL_BATCHES: usize = 2;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A file could not be read or is not the requested format. When it comes from the
    /// pre-flight plan nothing has been written.
    #[error(transparent)]
    Source(#[from] ImportError),
    /// Writing failed; the batches committed before it stay (re-running the import is safe).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The parser thread died (a bug); the batches committed before it stay.
    #[error("import worker failed: {0}")]
    Worker(String),
}

/// Where an import is, reported after every committed batch.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ImportProgress {
    /// The file being read.
    pub file: String,
    /// 1-based index of that file among `files_total`.
    pub file_index: usize,
    pub files_total: usize,
    /// Bytes read so far over all files (uncompressed for zip members).
    pub bytes_read: u64,
    /// Sum of the export files' sizes (uncompressed for zip members).
    pub bytes_total: u64,
    /// Rows parsed so far (listens, skipped and rejected).
    pub rows: u64,
    pub imported: u64,
    pub duplicate: u64,
}

/// The outcome of a finished import: the summary per file, and the contained files that were
/// passed over (not history exports). This is also the `result` JSON of an `import` job.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ImportReport {
    pub files: Vec<FileSummary>,
    pub ignored: Vec<IgnoredFile>,
    pub total: FileSummary,
}

impl ImportReport {
    pub fn summary(&self) -> ImportSummary {
        ImportSummary {
            files: self.files.clone(),
        }
    }
}

enum Msg {
    /// Rows of file `file_index` (0-based), with the read position after them.
    Batch {
        file_index: usize,
        file: String,
        listens: Vec<NewListen>,
        bytes_read: u64,
        rows: u64,
    },
}

/// Checks every file under `paths` without writing: a wrong-format file refuses the import.
pub async fn plan(paths: Vec<PathBuf>, format: FormatRequest) -> Result<ImportPlan, PipelineError> {
    tokio::task::spawn_blocking(move || plan_import(&paths, format))
        .await
        .map_err(|e| PipelineError::Worker(e.to_string()))?
        .map_err(PipelineError::Source)
}

/// Imports `paths` into `profile`: plans first (nothing is written when a file is refused), then
/// streams rows into the store in batches, notifying `hooks` of each committed batch and
/// calling `on_progress` after it.
pub async fn run_import<F>(
    store: DynStore,
    hooks: ListenHooks,
    paths: Vec<PathBuf>,
    format: FormatRequest,
    profile: ProfileId,
    mut on_progress: F,
) -> Result<ImportReport, PipelineError>
where
    F: FnMut(&ImportProgress) + Send,
{
    let plan = plan(paths.clone(), format).await?;
    let planned: HashSet<String> = plan.files.iter().map(|(n, _)| n.clone()).collect();
    let files_total = plan.files.len();
    let bytes_total = {
        let paths = paths.clone();
        let planned = planned.clone();
        tokio::task::spawn_blocking(move || -> Result<u64, ImportError> {
            let mut total = 0u64;
            for_each_input(&paths, |e| -> Result<(), ImportError> {
                if planned.contains(&e.name) {
                    total += e.size_bytes.unwrap_or(0);
                }
                Ok(())
            })?;
            Ok(total)
        })
        .await
        .map_err(|e| PipelineError::Worker(e.to_string()))??
    };

    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL_BATCHES);
    let parser =
        tokio::task::spawn_blocking(move || parse_all(&paths, format, profile, &planned, tx));

    let mut counts: Vec<(u64, u64)> = vec![(0, 0); files_total];
    let mut progress = ImportProgress {
        files_total,
        bytes_total,
        ..Default::default()
    };
    let mut write_error: Option<PipelineError> = None;
    while let Some(Msg::Batch {
        file_index,
        file,
        listens,
        bytes_read,
        rows,
    }) = rx.recv().await
    {
        let outcome = match store.import_listens(&listens).await {
            Ok(o) => o,
            Err(e) => {
                write_error = Some(e.into());
                break;
            }
        };
        let committed = stored_from_import(&listens, &outcome);
        hooks.notify(&committed).await;
        if let Some(c) = counts.get_mut(file_index) {
            c.0 += outcome.stored.len() as u64;
            c.1 += outcome.duplicates as u64;
        }
        progress.file = file;
        progress.file_index = file_index + 1;
        progress.bytes_read = bytes_read;
        progress.rows = rows;
        progress.imported += outcome.stored.len() as u64;
        progress.duplicate += outcome.duplicates as u64;
        on_progress(&progress);
    }
    // Dropping the receiver makes a still-running parser stop at its next send.
    drop(rx);
    let parsed = parser
        .await
        .map_err(|e| PipelineError::Worker(e.to_string()))?;
    if let Some(e) = write_error {
        return Err(e);
    }
    let (mut files, ignored_extra) = parsed?;
    for (f, (imported, duplicate)) in files.iter_mut().zip(counts) {
        f.imported = imported;
        f.duplicate = duplicate;
    }
    let mut ignored = plan.ignored;
    for i in ignored_extra {
        if !ignored.contains(&i) {
            ignored.push(i);
        }
    }
    let total = ImportSummary {
        files: files.clone(),
    }
    .total();
    Ok(ImportReport {
        files,
        ignored,
        total,
    })
}

/// The parser thread: reads every planned file and sends its listens in batches. Returns the
/// per-file summaries (parser-side counts) and the files passed over.
fn parse_all(
    paths: &[PathBuf],
    format: FormatRequest,
    profile: ProfileId,
    planned: &HashSet<String>,
    tx: mpsc::Sender<Msg>,
) -> Result<(Vec<FileSummary>, Vec<IgnoredFile>), PipelineError> {
    let mut summaries: Vec<FileSummary> = Vec::new();
    let mut bytes_done = 0u64;
    let mut rows_done = 0u64;
    let ignored = for_each_input(paths, |entry| -> Result<(), PipelineError> {
        if !planned.contains(&entry.name) {
            return Ok(());
        }
        let size = entry.size_bytes.unwrap_or(0);
        let rows = entry.open_rows(format)?;
        let progress = rows.progress();
        let file = rows.file().to_string();
        let file_index = summaries.len();
        let mut summary = FileSummary::new(file.clone(), Some(rows.format()));
        let mut batch: Vec<NewListen> = Vec::with_capacity(BATCH_ROWS);
        let send = |batch: Vec<NewListen>, rows_done: u64| -> Result<(), PipelineError> {
            tx.blocking_send(Msg::Batch {
                file_index,
                file: file.clone(),
                listens: batch,
                bytes_read: bytes_done + progress.bytes_read(),
                rows: rows_done,
            })
            .map_err(|_| PipelineError::Worker("the writer stopped".into()))
        };
        for row in rows {
            rows_done += 1;
            summary.record(&row);
            if let Ok(Row::Listen(l)) = row {
                batch.push(l.to_new_listen(profile));
                if batch.len() >= BATCH_ROWS {
                    send(
                        std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS)),
                        rows_done,
                    )?;
                }
            }
        }
        // Always send the tail (even empty) so progress reaches the end of the file.
        send(batch, rows_done)?;
        bytes_done += size.max(progress.bytes_read());
        summaries.push(summary);
        Ok(())
    })?;
    Ok((summaries, ignored))
}
