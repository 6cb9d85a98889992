//! The one import pipeline behind `hearth import` and `POST /api/import` (SPEC §6).
//!
//! ```text
//! plan_import (refuses a wrong-format file before any write)
//!   └─ spawn_blocking: for_each_input → open_rows → rows ──batches of BATCH_ROWS──▶ bounded channel
//!        async task: session.import_listens(batch)  (keyed by row key; one transaction, an
//!                    ImportSession, per COMMIT_ROWS rows) then, after each commit:
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

/// Rows per batch sent from the parser to the writer: a batch of `NewListen`s stays a few MB.
pub const BATCH_ROWS: usize = 5_000;
/// Rows per transaction (several batches through the run's [`hearth_store::ImportSession`]). Each
/// commit writes every index page its rows touched, and listens of random tracks touch most of
/// the `(profile, track, ts)` index, so a commit every 5,000 rows rewrote that index 200 times
/// in a 1M-row import (issue 3). Small enough that a killed import redoes well under a second
/// of work and other writers (webhooks) wait at most about that long.
pub const COMMIT_ROWS: usize = 50_000;
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
    let write_error = write_batches(&store, &hooks, &mut rx, |pending| {
        for (file_index, imported, duplicate) in &pending.per_file {
            if let Some(c) = counts.get_mut(*file_index) {
                c.0 += imported;
                c.1 += duplicate;
            }
            progress.imported += imported;
            progress.duplicate += duplicate;
        }
        if let Some(last) = pending.last.take() {
            progress.file = last.file;
            progress.file_index = last.file_index + 1;
            progress.bytes_read = last.bytes_read;
            progress.rows = last.rows;
        }
        on_progress(&progress);
    })
    .await
    .err();
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

/// Where the batches written since the last commit got to (applied to the counts on commit).
#[derive(Default)]
struct Pending {
    /// `(file_index, imported, duplicate)` per batch.
    per_file: Vec<(usize, u64, u64)>,
    /// The last batch's position.
    last: Option<Position>,
    /// Listens stored by those batches, for the hooks.
    stored: Vec<crate::hooks::StoredListen>,
    rows: usize,
}

struct Position {
    file_index: usize,
    file: String,
    bytes_read: u64,
    rows: u64,
}

/// The writer: feeds the parser's batches through one [`hearth_store::ImportSession`],
/// committing every [`COMMIT_ROWS`] rows and at the end; after each commit it notifies the hooks
/// of the committed listens and calls `on_commit`. On an error the session is dropped (the
/// batches since its last commit roll back); what was committed before stays.
async fn write_batches<F>(
    store: &DynStore,
    hooks: &ListenHooks,
    rx: &mut mpsc::Receiver<Msg>,
    mut on_commit: F,
) -> Result<(), PipelineError>
where
    F: FnMut(&mut Pending) + Send,
{
    let mut session = store.begin_import().await?;
    let mut pending = Pending::default();
    loop {
        let msg = rx.recv().await;
        let done = msg.is_none();
        if let Some(Msg::Batch {
            file_index,
            file,
            listens,
            bytes_read,
            rows,
        }) = msg
        {
            let outcome = session.import_listens(&listens).await?;
            pending
                .stored
                .extend(stored_from_import(&listens, &outcome));
            pending.per_file.push((
                file_index,
                outcome.stored.len() as u64,
                outcome.duplicates as u64,
            ));
            pending.last = Some(Position {
                file_index,
                file,
                bytes_read,
                rows,
            });
            pending.rows += listens.len();
            if pending.rows < COMMIT_ROWS {
                continue;
            }
        }
        session.commit().await?;
        if pending.last.is_some() {
            hooks.notify(&pending.stored).await;
            on_commit(&mut pending);
            pending = Pending::default();
        }
        if done {
            return Ok(());
        }
    }
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
