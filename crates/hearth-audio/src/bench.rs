//! Batch analysis of a folder on N threads, with the figures behind
//! `hearth bench analyze <dir>` and `hearth eval album-coherence <dir>`.
//!
//! Measurements (Linux): CPU time is utime + stime of the whole process from
//! `/proc/self/stat` (clock ticks at the kernel's fixed USER_HZ of 100);
//! peak RSS is `VmHWM` from `/proc/self/status`, reset at the start of a run
//! by writing `5` to `/proc/self/clear_refs` (when permitted) so the figure
//! belongs to this run. "× real time per core" = audio seconds analysed per
//! CPU second, decode included.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyze::{analyze_file, Analysis};
use crate::coherence::{album_coherence, CoherenceReport, DEFAULT_SEED};
use crate::decode::{extension_of, SUPPORTED_EXTENSIONS};
use crate::error::AudioError;

/// Linux USER_HZ: the unit of utime/stime in `/proc/<pid>/stat`.
const CLOCK_TICKS_PER_S: f64 = 100.0;

/// Audio files under `dir` (recursive, symlinks not followed), sorted.
pub fn find_audio_files(dir: &Path) -> Result<Vec<PathBuf>, AudioError> {
    let io = |path: &Path, source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            AudioError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            AudioError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let entry = entry.map_err(|e| io(&d, e))?;
            let kind = entry.file_type().map_err(|e| io(&entry.path(), e))?;
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() && SUPPORTED_EXTENSIONS.contains(&extension_of(&path).as_str())
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One file and what its analysis gave.
pub type FileOutcome = (PathBuf, Result<Analysis, AudioError>);

/// Analyses `files` on `threads` worker threads (0 = all cores). The result
/// keeps the input order; a failed file carries its error.
pub fn analyze_files(files: &[PathBuf], threads: usize) -> Result<Vec<FileOutcome>, AudioError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| AudioError::InvalidInput {
            field: "threads",
            reason: e.to_string(),
        })?;
    Ok(pool.install(|| {
        files
            .par_iter()
            .map(|p| (p.clone(), analyze_file(p)))
            .collect()
    }))
}

/// Process CPU time (user + system) in seconds.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, i.e. the 12th and 13th after ")".
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / CLOCK_TICKS_PER_S)
}

fn status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident set size of the process in MiB (`VmHWM`).
pub fn peak_rss_mb() -> Option<f64> {
    status_kb("VmHWM:").map(|kb| kb as f64 / 1024.0)
}

/// Current resident set size in MiB (`VmRSS`).
pub fn current_rss_mb() -> Option<f64> {
    status_kb("VmRSS:").map(|kb| kb as f64 / 1024.0)
}

/// Resets the peak-RSS mark; returns whether the kernel accepted it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Figures of one benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub files: usize,
    pub analysed: usize,
    pub failed: usize,
    pub threads: usize,
    pub wall_s: f64,
    pub cpu_s: f64,
    /// Audio seconds decoded and analysed.
    pub audio_s: f64,
    pub tracks_per_s: f64,
    /// Audio seconds per CPU second = × real time per core.
    pub realtime_per_core: f64,
    /// Audio seconds per wall second = × real time overall.
    pub realtime_overall: f64,
    /// Resident set before the run (binary, tables, thread pool), MiB.
    pub rss_before_mb: f64,
    /// Peak resident set during the run, MiB (whole process).
    pub peak_rss_mb: f64,
    /// Whether the peak was reset at the start (else it may predate the run).
    pub peak_rss_reset: bool,
    /// First few failures as "path: reason".
    pub failures: Vec<String>,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "files {} (analysed {}, failed {}) on {} thread(s)",
            self.files, self.analysed, self.failed, self.threads
        )?;
        writeln!(
            f,
            "wall {:.2} s, cpu {:.2} s, audio {:.1} s",
            self.wall_s, self.cpu_s, self.audio_s
        )?;
        writeln!(f, "tracks/s            {:.2}", self.tracks_per_s)?;
        writeln!(f, "x real time / core  {:.0}", self.realtime_per_core)?;
        writeln!(f, "x real time overall {:.0}", self.realtime_overall)?;
        write!(
            f,
            "peak RSS            {:.1} MiB (before run {:.1} MiB{})",
            self.peak_rss_mb,
            self.rss_before_mb,
            if self.peak_rss_reset {
                ""
            } else {
                ", peak not reset"
            }
        )?;
        for failure in &self.failures {
            write!(f, "\nfailed: {failure}")?;
        }
        Ok(())
    }
}

/// Analyses every audio file under `dir` on `threads` threads (0 = all
/// cores) and measures throughput, CPU time and peak memory.
pub fn bench_analyze(dir: &Path, threads: usize) -> Result<BenchReport, AudioError> {
    let files = find_audio_files(dir)?;
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    // Warm the shared FFT/mel tables outside the measurement.
    let _warm = crate::dsp::analyze_mono_22k(&[0.0; 4096]);
    let rss_before_mb = current_rss_mb().unwrap_or(0.0);
    let peak_rss_reset = reset_peak_rss();
    let cpu_before = process_cpu_seconds().unwrap_or(0.0);
    let start = Instant::now();
    let results = analyze_files(&files, threads)?;
    let wall_s = start.elapsed().as_secs_f64();
    let cpu_s = (process_cpu_seconds().unwrap_or(0.0) - cpu_before).max(0.0);
    let peak = peak_rss_mb().unwrap_or(0.0);
    let mut audio_s = 0.0;
    let mut failures = Vec::new();
    let mut analysed = 0;
    for (path, r) in &results {
        match r {
            Ok(a) => {
                analysed += 1;
                audio_s += a.duration_ms as f64 / 1000.0;
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    let ratio = |num: f64, den: f64| if den > 0.0 { num / den } else { 0.0 };
    Ok(BenchReport {
        files: files.len(),
        analysed,
        failed: failures.len(),
        threads,
        wall_s,
        cpu_s,
        audio_s,
        tracks_per_s: ratio(analysed as f64, wall_s),
        realtime_per_core: ratio(audio_s, cpu_s),
        realtime_overall: ratio(audio_s, wall_s),
        rss_before_mb,
        peak_rss_mb: peak,
        peak_rss_reset,
        failures: failures.into_iter().take(20).collect(),
    })
}

/// Album label of an analysed file: its album tag, else its folder name.
pub fn album_label(path: &Path, analysis: &Analysis) -> String {
    match analysis.tags.album.as_deref() {
        Some(album) if !album.trim().is_empty() => format!("tag:{}", album.trim()),
        _ => format!(
            "dir:{}",
            path.parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
    }
}

/// Analyses every audio file under `dir` and computes the album coherence
/// of their descriptor vectors. Files that fail to decode are skipped and
/// returned as "path: reason".
pub fn eval_album_coherence(
    dir: &Path,
    threads: usize,
) -> Result<(CoherenceReport, Vec<String>), AudioError> {
    let files = find_audio_files(dir)?;
    let results = analyze_files(&files, threads)?;
    let mut vectors = Vec::new();
    let mut albums = Vec::new();
    let mut failures = Vec::new();
    for (path, r) in results {
        match r {
            Ok(a) => {
                vectors.push(a.descriptor.to_vector());
                albums.push(album_label(&path, &a));
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    Ok((album_coherence(&vectors, &albums, DEFAULT_SEED)?, failures))
}
