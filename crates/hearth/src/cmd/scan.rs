//! `hearth scan [dir…]` — scan music folders (default: `[analysis] library_roots`), create or
//! update their tracks and analyse every new or changed file on all cores (SPEC §11), with a
//! progress bar on stderr and a summary on stdout (`--json` for machine use).
//!
//! Resumable: killed at any point and run again, it finishes the remaining files and analyses
//! none twice (the queue is in the store). Exit codes: 0 when the scan ran (files that cannot
//! be decoded are reported, not fatal); 1 when a root is missing or the store fails; 2 usage.

use crate::settings::Settings;
use anyhow::Context;
use hearth_core::clock::SystemClock;
use hearth_server::pipeline::analyze::{worker_count, FeatureSink, StoreSink};
use hearth_server::pipeline::library::scan_and_analyse;
use hearth_server::pipeline::scan::{LibraryProgress, ScanOptions};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Music folders (default: `[analysis] library_roots` of the configuration).
    pub dirs: Vec<PathBuf>,
    /// Analysis workers (default: `[analysis] workers`; 0 = one per CPU core).
    #[arg(long)]
    pub workers: Option<u32>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let cfg = &settings.config.analysis;
    let roots: Vec<PathBuf> = if args.dirs.is_empty() {
        cfg.library_roots.iter().map(PathBuf::from).collect()
    } else {
        args.dirs.clone()
    };
    if roots.is_empty() {
        anyhow::bail!("no folder to scan: name one, or set [analysis] library_roots");
    }
    let workers = worker_count(args.workers.unwrap_or(cfg.workers));
    let opts = ScanOptions {
        roots,
        features_version: i32::try_from(hearth_audio::FEATURES_VERSION)
            .context("descriptor version")?,
        max_attempts: i64::from(cfg.max_attempts),
    };
    let store = settings.open_store().await?;

    let progress = Arc::new(LibraryProgress::default());
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
            .context("progress bar template")?,
    );
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        let started = Instant::now();
        tokio::spawn(async move {
            loop {
                let p = &progress;
                let (analysed, failed, skipped) =
                    (p.load(&p.analysed), p.load(&p.failed), p.load(&p.skipped));
                let done = analysed + failed + skipped;
                let queued = p.load(&p.queued);
                bar.set_length(queued.max(done));
                bar.set_position(done);
                let rate = analysed as f64 / started.elapsed().as_secs_f64().max(1e-3);
                let phase = if p.scan_done.load(Ordering::Relaxed) {
                    ""
                } else {
                    " · scanning"
                };
                bar.set_message(format!(
                    "found {} · analysed {analysed} · failed {failed} · {rate:.1} tracks/s{phase}",
                    p.load(&p.files_found)
                ));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let sink: Arc<dyn FeatureSink> = Arc::new(StoreSink(store.clone()));
    let report =
        scan_and_analyse(store, sink, Arc::new(SystemClock), opts, workers, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    let report = report?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let s = &report.scan;
    println!(
        "scanned {}: {} audio files ({} new, {} changed, {} unchanged, {} re-queued)",
        s.roots.join(", "),
        s.files_found,
        s.new,
        s.changed,
        s.unchanged,
        s.requeued
    );
    println!(
        "analysed {} · failed {} · skipped {} · {} workers · {:.1} s · {:.1} tracks/s · {:.0}× real time",
        report.analysed,
        report.failed,
        report.skipped,
        report.workers,
        report.elapsed_s,
        report.tracks_per_s,
        report.realtime_factor
    );
    for link in &s.outside_links {
        println!("not followed (points outside the root): {link}");
    }
    for (path, reason) in &s.unreadable {
        println!("unreadable {path}: {reason}");
    }
    for (path, reason) in &report.failures {
        println!("failed {path}: {reason}");
    }
    Ok(())
}
