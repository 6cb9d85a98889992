//! Library analysis end to end, for `hearth scan` (scan, then drain the queue) and for
//! `hearth serve` (workers in-process, the configured roots rescanned on a schedule).

use super::analyze::{run_pool, FeatureSink, PoolOptions, RecoSink};
use super::scan::{scan, LibraryError, LibraryProgress, ScanOptions, ScanReport};
use crate::AppState;
use hearth_core::clock::Clock;
use hearth_store::DynStore;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The summary of `hearth scan` (also its `--json` output).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LibraryReport {
    pub scan: ScanReport,
    /// Files analysed by this run (including jobs queued by earlier, interrupted runs).
    pub analysed: u64,
    pub failed: u64,
    /// Jobs completed without decoding (already analysed before a kill, or superseded).
    pub skipped: u64,
    /// (path, reason) of each file that could not be analysed.
    pub failures: Vec<(String, String)>,
    pub workers: usize,
    pub elapsed_s: f64,
    pub tracks_per_s: f64,
    /// Seconds of audio analysed per wall-clock second.
    pub realtime_factor: f64,
}

/// Scans `scan_opts.roots`, analysing the queued files with a pool of `workers` meanwhile, and
/// returns when every queued analysis job has finished.
pub async fn scan_and_analyse(
    store: DynStore,
    sink: Arc<dyn FeatureSink>,
    clock: Arc<dyn Clock>,
    scan_opts: ScanOptions,
    workers: usize,
    progress: Arc<LibraryProgress>,
) -> Result<LibraryReport, LibraryError> {
    let started = Instant::now();
    let pool = tokio::spawn(run_pool(
        store.clone(),
        sink,
        clock.clone(),
        PoolOptions {
            workers,
            role: "scan".into(),
            drain: true,
        },
        progress.clone(),
    ));
    let scanned = scan(&store, &scan_opts, || clock.now_ms(), &progress).await;
    progress.scan_done.store(true, Ordering::SeqCst);
    let report = match scanned {
        Ok(r) => r,
        Err(e) => {
            pool.abort();
            return Err(e);
        }
    };
    pool.await
        .map_err(|e| LibraryError::Worker(e.to_string()))??;
    let elapsed_s = started.elapsed().as_secs_f64();
    let analysed = progress.load(&progress.analysed);
    let audio_s = progress.load(&progress.audio_ms) as f64 / 1000.0;
    let failures = progress
        .failures
        .lock()
        .map(|f| f.clone())
        .map_err(|e| LibraryError::Worker(e.to_string()))?;
    Ok(LibraryReport {
        scan: report,
        analysed,
        failed: progress.load(&progress.failed),
        skipped: progress.load(&progress.skipped),
        failures,
        workers,
        elapsed_s,
        tracks_per_s: if elapsed_s > 0.0 {
            analysed as f64 / elapsed_s
        } else {
            0.0
        },
        realtime_factor: if elapsed_s > 0.0 {
            audio_s / elapsed_s
        } else {
            0.0
        },
    })
}

/// Starts library analysis inside `hearth serve`: the worker pool (features go through the
/// recommendation service, so new tracks are recommendable at once) and, when
/// `[analysis] library_roots` is set, a scan at start and every `rescan_interval_minutes`.
/// The tasks run until the process ends; a job cut short is re-queued at the next start.
pub fn start_in_server(state: &AppState) {
    let cfg = &state.config.analysis;
    let workers = super::analyze::worker_count(cfg.workers);
    let progress = Arc::new(LibraryProgress::default());
    let sink: Arc<dyn FeatureSink> = Arc::new(RecoSink {
        reco: state.reco.clone(),
        store: state.store.clone(),
    });
    let pool = run_pool(
        state.store.clone(),
        sink,
        state.clock.clone(),
        PoolOptions {
            workers,
            role: "serve".into(),
            drain: false,
        },
        progress.clone(),
    );
    tokio::spawn(async move {
        if let Err(e) = pool.await {
            tracing::error!(error = %e, "analysis workers stopped");
        }
    });
    if cfg.library_roots.is_empty() {
        return;
    }
    let opts = ScanOptions {
        roots: cfg.library_roots.iter().map(PathBuf::from).collect(),
        features_version: i32::try_from(hearth_audio::FEATURES_VERSION).unwrap_or(i32::MAX),
        max_attempts: i64::from(cfg.max_attempts),
    };
    let every = Duration::from_secs(u64::from(cfg.rescan_interval_minutes.max(1)) * 60);
    let (store, clock) = (state.store.clone(), state.clock.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match scan(&store, &opts, || clock.now_ms(), &progress).await {
                Ok(r) => tracing::info!(
                    found = r.files_found,
                    queued = r.queued,
                    unchanged = r.unchanged,
                    "library rescan"
                ),
                Err(e) => tracing::warn!(error = %e, "library rescan failed"),
            }
        }
    });
}
