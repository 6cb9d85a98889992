//! `POST /api/import`: upload export files (multipart), imported by a background job whose
//! progress and summary are read at `/api/jobs/{id}`.
//!
//! The upload is streamed to a temporary folder under the data directory (never held in memory)
//! and the same pipeline as `hearth import` reads it. The job is an ordinary row of the durable
//! job queue (`kind: "import"`): its payload names the uploaded files, so the task spawned here
//! claims *an* import job and runs whatever that payload says — two uploads racing each other
//! can never run one job twice or leave one unclaimed.
//!
//! Job JSON while running — `progress`: [`ImportProgress`]
//! (`file`, `file_index`, `files_total`, `bytes_read`, `bytes_total`, `rows`, `imported`,
//! `duplicate`). When done — `result`: [`ImportReport`] (`files`: one summary per file with
//! `file`, `format`, `listens`, `skip_events`, `imported`, `duplicate`, `skipped` by reason,
//! `rejected`, `errors` [{`file`, `location`, `reason`}]; `ignored`; `total`). A refused file
//! (wrong format) fails the job with `last_error` naming it, and nothing is written.

use crate::pipeline::import::{run_import, ImportProgress, ImportReport};
use crate::{ApiError, AppState};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hearth_core::ids::ProfileId;
use hearth_core::profile_name::{validate_profile_name, DEFAULT_PROFILE};
use hearth_sources::FormatRequest;
use hearth_store::{JobStatus, NewJob};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

/// Largest accepted upload: exports are big (a decade of Spotify history is a few hundred MB),
/// so this route has its own limit instead of the 1 MiB API body cap.
pub const IMPORT_BODY_LIMIT_BYTES: usize = 512 * 1024 * 1024;

/// Job kind of imports.
pub const IMPORT_JOB: &str = "import";

/// The multipart form (documentation only: the handler reads the stream itself).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ImportUpload {
    /// One or more export files (JSON, JSONL, CSV, `.scrobbler.log`, or a `.zip` of them).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<Vec<u8>>,
    /// `auto` (default) or a format name (`spotify-extended`, `spotify-account`, `lastfm-csv`,
    /// `listenbrainz`, `librefm`, `rockbox`, …).
    pub format: Option<String>,
    /// Target profile (default `default`); created when it does not exist.
    pub profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportAccepted {
    pub job_id: i64,
    pub status: &'static str,
}

/// What an import job's payload holds.
#[derive(Serialize, Deserialize)]
struct ImportPayload {
    /// The upload folder (removed when the job ends).
    dir: String,
    files: Vec<String>,
    format: String,
    profile: String,
    profile_id: i64,
}

fn bad_form(field: &str, reason: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge {
            limit: IMPORT_BODY_LIMIT_BYTES as u64,
        }
    } else {
        bad_form("file", e.body_text())
    }
}

/// Where an uploaded part is kept, relative to the upload folder: `NNN/<base name>`. The base
/// name is kept because detection looks at names such as `Streaming_History_Video_2023.json`;
/// the numbered folder keeps two parts of the same name apart.
fn stored_name(index: usize, original: Option<&str>) -> String {
    let base = original
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.');
    format!(
        "{index:03}/{}",
        if clean.is_empty() { "upload" } else { clean }
    )
}

/// The name a user knows an uploaded file by: `path` without the upload folder and the
/// numbered sub-folder.
fn display_name(dir: &Path, path: &str) -> String {
    let prefix = format!("{}/", dir.display());
    let rel = path.replace(&prefix, "");
    match rel.split_once('/') {
        Some((n, rest)) if n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()) => {
            rest.to_string()
        }
        _ => rel,
    }
}

/// Uploads history export files and starts an import job; poll `/api/jobs/{id}`.
#[utoipa::path(post, path = "/api/import", tag = "import",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 202, body = ImportAccepted), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ImportAccepted>), ApiError> {
    let mut multipart = multipart.map_err(|e| bad_form("body", e.body_text()))?;
    let root = Path::new(&state.config.data_dir).join("imports");
    tokio::fs::create_dir_all(&root)
        .await
        .map_err(|e| ApiError::Unavailable(format!("cannot create {}: {e}", root.display())))?;
    let dir = tempfile::Builder::new()
        .prefix("upload-")
        .tempdir_in(&root)
        .map_err(|e| {
            ApiError::Unavailable(format!(
                "cannot create an upload folder in {}: {e}",
                root.display()
            ))
        })?;
    let mut files: Vec<String> = Vec::new();
    let mut format = "auto".to_string();
    let mut profile = DEFAULT_PROFILE.to_string();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = stored_name(files.len(), field.file_name());
                let path = dir.path().join(&name);
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await.map_err(|e| {
                        ApiError::Unavailable(format!("cannot write the upload: {e}"))
                    })?;
                }
                let mut out = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| ApiError::Unavailable(format!("cannot write the upload: {e}")))?;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    out.write_all(&chunk).await.map_err(|e| {
                        ApiError::Unavailable(format!("cannot write the upload: {e}"))
                    })?;
                }
                out.flush()
                    .await
                    .map_err(|e| ApiError::Unavailable(format!("cannot write the upload: {e}")))?;
                files.push(name);
            }
            "format" => {
                format = field
                    .text()
                    .await
                    .map_err(multipart_error)?
                    .trim()
                    .to_string()
            }
            "profile" => {
                profile = field
                    .text()
                    .await
                    .map_err(multipart_error)?
                    .trim()
                    .to_string()
            }
            other => {
                return Err(bad_form(
                    other,
                    "unknown form field (expected file, format, profile)",
                ))
            }
        }
    }
    if files.is_empty() {
        return Err(bad_form("file", "no file uploaded"));
    }
    format
        .parse::<FormatRequest>()
        .map_err(|e| bad_form("format", e.to_string()))?;
    if profile.is_empty() {
        profile = DEFAULT_PROFILE.to_string();
    }
    validate_profile_name(&profile)?;
    let now = state.clock.now_ms();
    let (p, _) = state.store.ensure_profile(&profile, now).await?;
    // The job owns the folder from here on; it removes it when it ends.
    let dir = dir.keep();
    let payload = ImportPayload {
        dir: dir.display().to_string(),
        files,
        format,
        profile: p.name,
        profile_id: p.id.0,
    };
    let job = NewJob {
        kind: IMPORT_JOB.into(),
        payload: serde_json::to_value(&payload)
            .map_err(|e| ApiError::Unavailable(e.to_string()))?,
        max_attempts: 1,
        run_after: now,
        dedup_key: None,
    };
    let id = match state.store.enqueue(&job, now).await {
        Ok(id) => id,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e.into());
        }
    };
    tokio::spawn(run_one_import_job(state));
    Ok((
        StatusCode::ACCEPTED,
        Json(ImportAccepted {
            job_id: id.0,
            status: JobStatus::Queued.as_str(),
        }),
    ))
}

/// Claims one queued import job and runs it to the end.
async fn run_one_import_job(state: AppState) {
    let worker = format!("import-{}-{}", std::process::id(), next_worker_seq());
    let job = match state
        .store
        .claim(&[IMPORT_JOB], &worker, state.clock.now_ms())
        .await
    {
        Ok(Some(j)) => j,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, "cannot claim an import job");
            return;
        }
    };
    let payload: ImportPayload = match serde_json::from_value(job.payload.clone()) {
        Ok(p) => p,
        Err(e) => {
            let _ = state
                .store
                .fail(
                    job.id,
                    &worker,
                    &format!("invalid job payload: {e}"),
                    state.clock.now_ms(),
                    state.clock.now_ms(),
                )
                .await;
            return;
        }
    };
    let dir = PathBuf::from(&payload.dir);
    let result = run_payload(&state, &worker, job.id, &payload, &dir).await;
    let now = state.clock.now_ms();
    let done = match result {
        Ok(report) => match serde_json::to_value(&report) {
            Ok(v) => state.store.complete(job.id, &worker, &v, now).await,
            Err(e) => state
                .store
                .fail(
                    job.id,
                    &worker,
                    &format!("cannot encode the summary: {e}"),
                    now,
                    now,
                )
                .await
                .map(|_| ()),
        },
        Err(msg) => state
            .store
            .fail(job.id, &worker, &msg, now, now)
            .await
            .map(|_| ()),
    };
    if let Err(e) = done {
        tracing::error!(job = job.id.0, error = %e, "cannot record the end of an import job");
    }
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot remove the upload folder");
    }
}

fn next_worker_seq() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    SEQ.fetch_add(1, Ordering::Relaxed)
}

async fn run_payload(
    state: &AppState,
    worker: &str,
    job: hearth_core::ids::JobId,
    payload: &ImportPayload,
    dir: &Path,
) -> Result<ImportReport, String> {
    let request: FormatRequest = payload
        .format
        .parse()
        .map_err(|e: hearth_sources::ImportError| e.to_string())?;
    let paths: Vec<PathBuf> = payload.files.iter().map(|f| dir.join(f)).collect();
    let (tx, mut rx) = tokio::sync::watch::channel(ImportProgress::default());
    let beat = {
        let store = state.store.clone();
        let clock = state.clock.clone();
        let worker = worker.to_string();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let p = rx.borrow_and_update().clone();
                let v = serde_json::to_value(&p).unwrap_or(serde_json::Value::Null);
                if let Err(e) = store.heartbeat(job, &worker, &v, clock.now_ms()).await {
                    tracing::warn!(job = job.0, error = %e, "import heartbeat failed");
                }
            }
        })
    };
    let owned_dir = dir.to_path_buf();
    let result = run_import(
        state.store.clone(),
        state.hooks.clone(),
        paths,
        request,
        ProfileId(payload.profile_id),
        move |p| {
            let mut p = p.clone();
            p.file = display_name(&owned_dir, &p.file);
            tx.send_replace(p);
        },
    )
    .await;
    let _ = beat.await;
    // Users know their files by the names they uploaded, not the temp folder.
    let strip = |s: &str| display_name(dir, s);
    match result {
        Ok(mut report) => {
            for f in &mut report.files {
                f.file = strip(&f.file);
                for e in &mut f.errors {
                    e.file = strip(&e.file);
                }
            }
            for i in &mut report.ignored {
                i.name = strip(&i.name);
            }
            Ok(report)
        }
        Err(e) => Err(strip(&e.to_string())),
    }
}
