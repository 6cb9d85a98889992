//! Phase 2 of library analysis: a pool of workers that claim `analyze` jobs from the durable
//! queue, decode + analyse the file on a blocking thread, save the features and record the
//! outcome on the file's `library_files` row (SPEC §11).
//!
//! ```text
//! recover (re-queue jobs of dead local workers and expired leases)
//! worker × N:  claim ──▶ library_files row still this size+mtime and not yet done?
//!                 no ──▶ complete (skipped)              ← a re-run after a kill never analyses twice
//!                 yes ─▶ spawn_blocking(analyze_file) ‖ heartbeat every HEARTBEAT_MS
//!                        ok ──▶ FeatureSink::save ──▶ row = analysed ──▶ complete
//!                        bad file ──▶ row = failed(reason) ──▶ complete (never blocks the queue)
//!                        I/O / store error ──▶ fail (the queue retries with backoff, gives up
//!                                               after max_attempts; the row is then failed)
//! ```
//!
//! The row is marked before the job is completed, so a kill between the two leaves a job that
//! the next worker completes as "already analysed" without decoding again.

use super::scan::{AnalyzePayload, LibraryError, LibraryProgress, ANALYZE_JOB};
use crate::reco::RecoService;
use async_trait::async_trait;
use hearth_audio::{analyze_file, Analysis, AudioError};
use hearth_core::clock::{Clock, UnixMs};
use hearth_core::ids::TrackId;
use hearth_store::{DynStore, FeatureAttributes, Job, LibraryFileStatus, StoreError};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// How often a worker renews the lease of the job it is analysing.
pub const HEARTBEAT_MS: i64 = 10_000;
/// A running job whose lease is older than this is presumed dead and re-queued.
pub const LEASE_MS: i64 = 120_000;
/// Idle workers poll the queue this often.
const POLL_MS: u64 = 200;

/// Where analysed features go: straight to the store (CLI) or through the recommendation
/// service, which also adds them to the live catalogue and index (`hearth serve`).
#[async_trait]
pub trait FeatureSink: Send + Sync {
    async fn save_features(
        &self,
        track: TrackId,
        version: i32,
        vector: &[f32],
        attrs: &FeatureAttributes,
        now: UnixMs,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// Saves features through [`hearth_store::RecoStore::save_audio_features`].
pub struct StoreSink(pub DynStore);

#[async_trait]
impl FeatureSink for StoreSink {
    async fn save_features(
        &self,
        track: TrackId,
        version: i32,
        vector: &[f32],
        attrs: &FeatureAttributes,
        now: UnixMs,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(self
            .0
            .save_audio_features(track, version, vector, attrs, now)
            .await?)
    }
}

/// Saves features through [`RecoService::add_features`], so a new track is recommendable at
/// once (`hearth serve`); other descriptor versions go straight to the store.
pub struct RecoSink {
    pub reco: Arc<RecoService>,
    pub store: DynStore,
}

#[async_trait]
impl FeatureSink for RecoSink {
    async fn save_features(
        &self,
        track: TrackId,
        version: i32,
        vector: &[f32],
        attrs: &FeatureAttributes,
        now: UnixMs,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if version == crate::reco::DSP_VERSION {
            Ok(self.reco.add_features(track, vector, attrs, now).await?)
        } else {
            Ok(self
                .store
                .save_audio_features(track, version, vector, attrs, now)
                .await?)
        }
    }
}

/// The store columns of an analysis (the vector is [`hearth_audio::Descriptor::to_vector`]).
pub fn feature_attributes(a: &Analysis) -> FeatureAttributes {
    let d = &a.descriptor;
    let at = &a.attributes;
    FeatureAttributes {
        tempo_bpm: Some(f64::from(d.tempo_bpm)),
        tempo_confidence: Some(f64::from(d.tempo_confidence)),
        energy: Some(f64::from(at.energy)),
        danceability: Some(f64::from(at.danceability)),
        acousticness: Some(f64::from(at.acousticness)),
        brightness: Some(f64::from(at.brightness)),
        loudness_db: Some(f64::from(d.loudness_mean_db)),
        key: Some(i32::from(d.key)),
        mode: Some(
            match d.mode {
                hearth_audio::Mode::Major => "major",
                hearth_audio::Mode::Minor => "minor",
            }
            .to_string(),
        ),
        details: json!({
            "tempo_class": at.tempo_class,
            "key_strength": d.key_strength,
            "onset_rate_hz": d.onset_rate_hz,
            "loudness_range_db": d.loudness_range_db,
            "spectral_centroid_hz": d.spectral_centroid_hz.mean,
            "duration_ms": a.duration_ms,
        }),
    }
}

/// Options of a worker pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Number of workers (each analyses one file at a time on a blocking thread).
    pub workers: usize,
    /// `scan` or `serve`: names the workers in `jobs.locked_by`.
    pub role: String,
    /// Stop when the scan is done and no analysis job is queued or running (the CLI); otherwise
    /// run until the process ends (the server).
    pub drain: bool,
}

/// `[analysis] workers`: 0 means one per CPU core.
pub fn worker_count(configured: u32) -> usize {
    if configured == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        configured as usize
    }
}

/// This machine's name, for worker ids (Linux; elsewhere `localhost`).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty() && !h.contains('/'))
        .unwrap_or_else(|| "localhost".to_string())
}

/// `<role>/<host>/<pid>/<n>`.
fn worker_id(role: &str, n: usize) -> String {
    format!("{role}/{}/{}/{n}", host_name(), std::process::id())
}

/// Crash recovery before workers start: re-queues analysis jobs whose lease expired, and at
/// once those held by a worker process of this host that no longer exists (a SIGKILLed scan).
/// Returns how many jobs went back to the queue.
pub async fn recover(store: &DynStore, clock: &dyn Clock) -> Result<u64, LibraryError> {
    let now = clock.now_ms();
    let mut n = store.requeue_stale(now - LEASE_MS, now).await?;
    // Process liveness is read from /proc; without it the lease alone decides.
    if !std::path::Path::new("/proc/self").exists() {
        return Ok(n);
    }
    let host = host_name();
    let me = std::process::id().to_string();
    for job in store.running_jobs(ANALYZE_JOB).await? {
        let Some(worker) = job.locked_by.as_deref() else {
            continue;
        };
        let parts: Vec<&str> = worker.split('/').collect();
        let [_, h, pid, _] = parts[..] else { continue };
        if h != host || pid == me || std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let error = format!("worker process {pid} died");
        match store.fail(job.id, worker, &error, now, now).await {
            Ok(_) => n += 1,
            // Another recovering process got there first.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// Runs `opts.workers` workers until drained (or forever when `!opts.drain`).
pub async fn run_pool(
    store: DynStore,
    sink: Arc<dyn FeatureSink>,
    clock: Arc<dyn Clock>,
    opts: PoolOptions,
    progress: Arc<LibraryProgress>,
) -> Result<(), LibraryError> {
    recover(&store, clock.as_ref()).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..opts.workers.max(1) {
        let worker = Worker {
            id: worker_id(&opts.role, n),
            store: store.clone(),
            sink: sink.clone(),
            clock: clock.clone(),
            progress: progress.clone(),
        };
        let drain = opts.drain;
        tasks.spawn(async move { worker.run(drain).await });
    }
    let mut first_error = None;
    while let Some(r) = tasks.join_next().await {
        let r = r
            .map_err(|e| LibraryError::Worker(e.to_string()))
            .and_then(|r| r);
        if let Err(e) = r {
            tracing::error!(error = %e, "analysis worker stopped");
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

struct Worker {
    id: String,
    store: DynStore,
    sink: Arc<dyn FeatureSink>,
    clock: Arc<dyn Clock>,
    progress: Arc<LibraryProgress>,
}

/// Outcome of one job.
enum Outcome {
    Analysed {
        duration_ms: u64,
    },
    /// The file cannot be analysed (corrupt, unsupported, gone): recorded, not retried.
    BadFile(String),
    /// Nothing to do (already analysed or failed, or the file changed since it was queued).
    Skipped(&'static str),
}

impl Worker {
    async fn run(self, drain: bool) -> Result<(), LibraryError> {
        let mut idle_polls = 0u64;
        loop {
            let now = self.clock.now_ms();
            let Some(job) = self.store.claim(&[ANALYZE_JOB], &self.id, now).await? else {
                if drain && self.progress.scan_done.load(Ordering::SeqCst) {
                    let c = self.store.library_counts().await?;
                    if c.analyze_queued == 0 && c.analyze_running == 0 {
                        return Ok(());
                    }
                }
                idle_polls += 1;
                // Now and then, take back jobs whose worker died while we were running.
                if idle_polls % 50 == 0 {
                    recover(&self.store, self.clock.as_ref()).await?;
                }
                tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
                continue;
            };
            idle_polls = 0;
            self.handle(job).await?;
        }
    }

    /// Runs one job to a recorded end. Only store failures while recording are returned.
    async fn handle(&self, job: Job) -> Result<(), LibraryError> {
        let payload: AnalyzePayload = match serde_json::from_value(job.payload.clone()) {
            Ok(p) => p,
            Err(e) => {
                let now = self.clock.now_ms();
                let error = format!("malformed analyze payload: {e}");
                self.give_up_or_retry(&job, None, &error, now).await?;
                return Ok(());
            }
        };
        match self.process(&job, &payload).await {
            Ok(outcome) => {
                let now = self.clock.now_ms();
                let result = match outcome {
                    Outcome::Analysed { duration_ms } => {
                        LibraryProgress::add(&self.progress.analysed, 1);
                        LibraryProgress::add(&self.progress.audio_ms, duration_ms);
                        json!({"outcome": "analysed", "duration_ms": duration_ms})
                    }
                    Outcome::BadFile(reason) => {
                        self.store
                            .set_library_file_status(
                                &payload.path,
                                payload.size_bytes,
                                payload.mtime_ms,
                                LibraryFileStatus::Failed,
                                Some(&reason),
                                now,
                            )
                            .await?;
                        self.record_failure(&payload.path, &reason);
                        json!({"outcome": "failed", "error": reason})
                    }
                    Outcome::Skipped(why) => {
                        LibraryProgress::add(&self.progress.skipped, 1);
                        json!({"outcome": "skipped", "reason": why})
                    }
                };
                match self.store.complete(job.id, &self.id, &result, now).await {
                    Ok(()) => Ok(()),
                    // Our lease expired and another worker took the job; it will record it.
                    Err(StoreError::Conflict { .. }) => {
                        tracing::warn!(job = %job.id, worker = %self.id, "lost the lease of an analysis job");
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Err(error) => {
                let now = self.clock.now_ms();
                self.give_up_or_retry(&job, Some(&payload), &error, now)
                    .await
            }
        }
    }

    fn record_failure(&self, path: &str, reason: &str) {
        LibraryProgress::add(&self.progress.failed, 1);
        if let Ok(mut f) = self.progress.failures.lock() {
            f.push((path.to_string(), reason.to_string()));
        }
    }

    /// A transient failure: the queue retries with exponential backoff; on the last attempt the
    /// file is marked failed first (so a kill cannot leave it pending behind a dead job).
    async fn give_up_or_retry(
        &self,
        job: &Job,
        payload: Option<&AnalyzePayload>,
        error: &str,
        now: UnixMs,
    ) -> Result<(), LibraryError> {
        let last = job.attempts >= job.max_attempts;
        if last {
            if let Some(p) = payload {
                self.store
                    .set_library_file_status(
                        &p.path,
                        p.size_bytes,
                        p.mtime_ms,
                        LibraryFileStatus::Failed,
                        Some(error),
                        now,
                    )
                    .await?;
                self.record_failure(&p.path, error);
            }
        }
        let backoff_ms = 1_000i64 << job.attempts.clamp(0, 6);
        tracing::warn!(job = %job.id, attempts = job.attempts, error, "analysis job failed");
        match self
            .store
            .fail(job.id, &self.id, error, now + backoff_ms, now)
            .await
        {
            Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Analyses the file if it still needs it. `Err` is a transient failure to retry.
    async fn process(&self, job: &Job, p: &AnalyzePayload) -> Result<Outcome, String> {
        let row = self
            .store
            .library_file(&p.path)
            .await
            .map_err(|e| e.to_string())?;
        let Some(row) = row else {
            return Ok(Outcome::Skipped("file no longer in the library"));
        };
        if row.size_bytes != p.size_bytes || row.mtime_ms != p.mtime_ms {
            return Ok(Outcome::Skipped(
                "superseded by a newer version of the file",
            ));
        }
        match row.status {
            LibraryFileStatus::Failed => return Ok(Outcome::Skipped("already failed")),
            LibraryFileStatus::Analysed => {
                let has = self
                    .store
                    .track_features(&[TrackId(p.track_id)], p.version)
                    .await
                    .map_err(|e| e.to_string())?;
                if !has.is_empty() {
                    return Ok(Outcome::Skipped("already analysed"));
                }
            }
            LibraryFileStatus::Pending => {}
        }
        let path = std::path::PathBuf::from(&p.path);
        let mut task = tokio::task::spawn_blocking(move || analyze_file(&path));
        let mut beat = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS as u64));
        beat.tick().await; // the first tick is immediate
        let analysed = loop {
            tokio::select! {
                r = &mut task => break r.map_err(|e| format!("analysis task failed: {e}"))?,
                _ = beat.tick() => {
                    let now = self.clock.now_ms();
                    if let Err(e) = self.store.heartbeat(job.id, &self.id, &json!({"path": p.path}), now).await {
                        tracing::warn!(job = %job.id, error = %e, "heartbeat failed");
                    }
                }
            }
        };
        let analysis = match analysed {
            Ok(a) => a,
            Err(e @ AudioError::Io { .. }) => return Err(e.to_string()),
            Err(
                e @ (AudioError::NotFound { .. }
                | AudioError::Unsupported { .. }
                | AudioError::NoAudioTrack { .. }
                | AudioError::Decode { .. }
                | AudioError::InvalidInput { .. }),
            ) => return Ok(Outcome::BadFile(e.to_string())),
        };
        let vector = analysis.descriptor.to_vector();
        let attrs = feature_attributes(&analysis);
        let version = i32::try_from(analysis.descriptor.version).unwrap_or(i32::MAX);
        let now = self.clock.now_ms();
        self.sink
            .save_features(TrackId(p.track_id), version, &vector, &attrs, now)
            .await
            .map_err(|e| format!("saving features: {e}"))?;
        self.store
            .set_library_file_status(
                &p.path,
                p.size_bytes,
                p.mtime_ms,
                LibraryFileStatus::Analysed,
                None,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(Outcome::Analysed {
            duration_ms: analysis.duration_ms,
        })
    }
}
