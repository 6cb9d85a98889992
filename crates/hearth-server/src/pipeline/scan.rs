//! Phase 1 of library analysis: walk the library roots, resolve each audio file to a track and
//! queue one `analyze` job per new or changed file (SPEC §11). Phase 2 is [`super::analyze`].
//!
//! ```text
//! walk_roots (blocking; canonical paths, never leaves a root, no symlink loops)
//!   └─ compare with library_files (size + mtime, features of the current version)
//!        unchanged ──▶ skipped
//!        new / changed ──▶ read_tags (blocking, in parallel) ──▶ upsert_track (identity by norm_key)
//!                          ──▶ library_files = pending ──▶ enqueue analyze job (dedup by path+size+mtime)
//!        pending (a scan or worker was killed) ──▶ enqueue again (dedup returns the same job)
//! ```
//!
//! Every step is idempotent, so a scan killed at any point and run again converges: files whose
//! row is already `pending` are queued under the same dedup key, and the workers skip a job
//! whose file was analysed before the kill.

use hearth_audio::{read_tags, Tags, SUPPORTED_EXTENSIONS};
use hearth_core::clock::UnixMs;
use hearth_core::ids::TrackId;
use hearth_core::model::{TrackInput, TrackOrigin};
use hearth_store::{DynStore, LibraryFileState, LibraryFileStatus, NewJob, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Job kind of one file's analysis.
pub const ANALYZE_JOB: &str = "analyze";

/// Files whose tags are read concurrently (each on a blocking thread).
const TAG_READ_PARALLELISM: usize = 8;

/// Why a scan or the analysis pool stopped.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// A library root does not exist or is not a readable directory.
    #[error("library root {path}: {reason}")]
    Root { path: PathBuf, reason: String },
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A blocking task panicked or was cancelled (a bug).
    #[error("library worker failed: {0}")]
    Worker(String),
}

/// The payload of an `analyze` job: which version of which file, for which track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzePayload {
    pub path: String,
    pub size_bytes: i64,
    pub mtime_ms: i64,
    pub track_id: i64,
    /// Descriptor version the features are wanted for.
    pub version: i32,
}

impl AnalyzePayload {
    /// `analyze:<path>:<size>:<mtime>:v<version>` — enqueueing the same file version twice (a
    /// re-run after a kill) returns the existing job; a changed file or a descriptor version
    /// bump gets a new one.
    pub fn dedup_key(&self) -> String {
        format!(
            "analyze:{}:{}:{}:v{}",
            self.path, self.size_bytes, self.mtime_ms, self.version
        )
    }
}

/// An audio file found under a root.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundFile {
    /// Canonical path (symlinks resolved), inside its root.
    pub path: PathBuf,
    pub size_bytes: i64,
    pub mtime_ms: i64,
}

/// What walking the roots found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walk {
    /// The roots, canonical.
    pub roots: Vec<PathBuf>,
    /// Audio files, sorted by path, each once (however many links lead to it).
    pub files: Vec<FoundFile>,
    /// Symlinks that resolve outside their root (not followed).
    pub outside_links: Vec<PathBuf>,
    /// Entries that could not be read (dangling links, permission errors), with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Whether `path` has one of the audio extensions the decoder reads (case-insensitive).
pub fn is_audio_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        SUPPORTED_EXTENSIONS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(e))
    })
}

fn mtime_ms(meta: &std::fs::Metadata) -> std::io::Result<i64> {
    let modified = meta.modified()?;
    Ok(match modified.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    })
}

/// Walks `roots` (blocking). Directories are entered once each by canonical path, so symlink
/// loops end; a symlink is followed only when its canonical target lies inside the root being
/// walked. Only regular files with an audio extension are returned.
pub fn walk_roots(roots: &[PathBuf]) -> Result<Walk, LibraryError> {
    let mut walk = Walk::default();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut visited_dirs: HashSet<PathBuf> = HashSet::new();
    for root in roots {
        let root = std::fs::canonicalize(root).map_err(|e| LibraryError::Root {
            path: root.clone(),
            reason: e.to_string(),
        })?;
        if !root.is_dir() {
            return Err(LibraryError::Root {
                path: root,
                reason: "not a directory".into(),
            });
        }
        walk.roots.push(root.clone());
        if !visited_dirs.insert(root.clone()) {
            continue; // the same root twice, or one inside an earlier root
        }
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    walk.unreadable.push((dir, e.to_string()));
                    continue;
                }
            };
            for entry in entries {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        walk.unreadable.push((dir.clone(), e.to_string()));
                        continue;
                    }
                };
                let path = entry.path();
                let file_type = match entry.file_type() {
                    Ok(t) => t,
                    Err(e) => {
                        walk.unreadable.push((path, e.to_string()));
                        continue;
                    }
                };
                // `dir` is canonical, so a non-link entry's path is canonical too; a link is
                // resolved and must stay inside the root.
                let canonical = if file_type.is_symlink() {
                    match std::fs::canonicalize(&path) {
                        Ok(t) if t.starts_with(&root) => t,
                        Ok(_) => {
                            walk.outside_links.push(path);
                            continue;
                        }
                        Err(e) => {
                            walk.unreadable.push((path, format!("broken link: {e}")));
                            continue;
                        }
                    }
                } else {
                    path
                };
                let meta = match std::fs::metadata(&canonical) {
                    Ok(m) => m,
                    Err(e) => {
                        walk.unreadable.push((canonical, e.to_string()));
                        continue;
                    }
                };
                if meta.is_dir() {
                    if visited_dirs.insert(canonical.clone()) {
                        stack.push(canonical);
                    }
                } else if meta.is_file() && is_audio_file(&canonical) {
                    if !seen_files.insert(canonical.clone()) {
                        continue;
                    }
                    match mtime_ms(&meta) {
                        Ok(mtime_ms) => walk.files.push(FoundFile {
                            path: canonical,
                            size_bytes: i64::try_from(meta.len()).unwrap_or(i64::MAX),
                            mtime_ms,
                        }),
                        Err(e) => walk.unreadable.push((canonical, e.to_string())),
                    }
                }
            }
        }
    }
    walk.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(walk)
}

/// Live counters of a scan and its analysis, shared with the progress display.
#[derive(Debug, Default)]
pub struct LibraryProgress {
    pub files_found: AtomicU64,
    /// Files examined so far by the scan.
    pub files_scanned: AtomicU64,
    pub queued: AtomicU64,
    pub analysed: AtomicU64,
    pub failed: AtomicU64,
    /// Jobs completed without analysis (already analysed, or superseded by a newer file version).
    pub skipped: AtomicU64,
    /// Seconds of audio analysed (ms).
    pub audio_ms: AtomicU64,
    /// Set when the scan phase has queued everything it will queue.
    pub scan_done: AtomicBool,
    /// (path, reason) of files whose analysis failed for good.
    pub failures: Mutex<Vec<(String, String)>>,
}

impl LibraryProgress {
    pub fn load(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
    pub(crate) fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

/// What one scan found and queued.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanReport {
    pub roots: Vec<String>,
    pub files_found: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Files queued again without a change: a descriptor version bump, or a scan that was
    /// interrupted before their analysis finished.
    pub requeued: u64,
    /// Analysis jobs this scan queued (new + changed + requeued).
    pub queued: u64,
    /// New tracks created (the others matched a known track, e.g. one from listening history).
    pub tracks_created: u64,
    pub outside_links: Vec<String>,
    pub unreadable: Vec<(String, String)>,
}

/// Options of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    /// Descriptor version analysed files must have features of (else they are queued again).
    pub features_version: i32,
    /// `max_attempts` of the analysis jobs.
    pub max_attempts: i64,
}

/// The track identity of a file: its tags, with the file and folder names as a fallback
/// (`Artist - Title.ext`, else the title from the file name and the artist from the folder
/// above the album folder). Genre becomes a tag; MusicBrainz recording id the `mbid`.
pub fn track_input(path: &Path, tags: &Tags, root: Option<&Path>) -> TrackInput {
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().trim().to_string())
        .unwrap_or_default();
    // "Artist - Title", "01 - Artist - Title", or "01 - Title".
    let mut rest = stem.as_str();
    if let Some((n, t)) = rest.split_once(" - ") {
        if !n.trim().is_empty() && n.trim().chars().all(|c| c.is_ascii_digit()) {
            rest = t;
        }
    }
    let (stem_artist, stem_title) = match rest.split_once(" - ") {
        Some((a, t)) if !a.trim().is_empty() && !t.trim().is_empty() => {
            (Some(a.trim().to_string()), t.trim().to_string())
        }
        _ => (None, strip_track_number(rest.trim()).to_string()),
    };
    // Folder names, but never the root itself or anything above it.
    let folder = |p: Option<&Path>| -> Option<String> {
        let p = p?;
        if root.is_some_and(|r| !p.starts_with(r) || p == r) {
            return None;
        }
        p.file_name()
            .map(|n| n.to_string_lossy().trim().to_string())
            .filter(|n| !n.is_empty())
    };
    let parent = path.parent();
    let album_folder = folder(parent);
    let artist_folder = folder(parent.and_then(Path::parent));
    let title = clean(&tags.title)
        .or_else(|| Some(stem_title.clone()).filter(|t| !t.is_empty()))
        .unwrap_or_else(|| stem.clone());
    let artist = clean(&tags.artist)
        .or_else(|| clean(&tags.album_artist))
        .or(stem_artist)
        .or(artist_folder)
        .or_else(|| album_folder.clone())
        .unwrap_or_else(|| "Unknown artist".to_string());
    TrackInput {
        title: if title.is_empty() {
            "Untitled".to_string()
        } else {
            title
        },
        artist,
        album: clean(&tags.album).or(album_folder),
        duration_ms: tags
            .duration_ms
            .and_then(|d| i64::try_from(d).ok())
            .filter(|&d| d > 0),
        mbid: clean(&tags.musicbrainz_recording_id),
        file_path: Some(path.to_string_lossy().into_owned()),
        tags: clean(&tags.genre).into_iter().collect(),
        ..TrackInput::default()
    }
}

/// `"01 - Song"` / `"01. Song"` / `"01 Song"` → `"Song"` (a leading track number of 1–3 digits).
fn strip_track_number(s: &str) -> &str {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 3 || digits == s.len() {
        return s;
    }
    let rest = &s[digits..];
    let trimmed = rest.trim_start_matches(['.', '-', '_', ' ']);
    if trimmed.len() == rest.len() || trimmed.is_empty() {
        s // "2Pac", "1979": not a track number
    } else {
        trimmed
    }
}

/// Which root `path` lies under (for the folder fallback).
fn root_of<'a>(path: &Path, roots: &'a [PathBuf]) -> Option<&'a Path> {
    roots
        .iter()
        .filter(|r| path.starts_with(r))
        .max_by_key(|r| r.as_os_str().len())
        .map(PathBuf::as_path)
}

enum Plan {
    /// New or changed: read tags, resolve the track, then queue.
    Resolve(FoundFile),
    /// Known and pending or due again: queue under the known track.
    Requeue(FoundFile, TrackId),
}

/// Scans `opts.roots`: every new or changed audio file gets its track (created or matched by
/// identity) and one queued analysis job. Updates `progress` as it goes.
pub async fn scan(
    store: &DynStore,
    opts: &ScanOptions,
    now: impl Fn() -> UnixMs,
    progress: &LibraryProgress,
) -> Result<ScanReport, LibraryError> {
    let roots = opts.roots.clone();
    let walk = tokio::task::spawn_blocking(move || walk_roots(&roots))
        .await
        .map_err(|e| LibraryError::Worker(e.to_string()))??;
    let canonical_roots = walk.roots.clone();
    let mut report = ScanReport {
        roots: canonical_roots
            .iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect(),
        files_found: walk.files.len() as u64,
        outside_links: walk
            .outside_links
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        unreadable: walk
            .unreadable
            .iter()
            .map(|(p, r)| (p.to_string_lossy().into_owned(), r.clone()))
            .collect(),
        ..ScanReport::default()
    };
    LibraryProgress::add(&progress.files_found, report.files_found);
    let known: HashMap<String, LibraryFileState> = store
        .library_files(opts.features_version)
        .await?
        .into_iter()
        .map(|s| (s.file.path.clone(), s))
        .collect();

    let mut plans = Vec::new();
    for f in walk.files {
        let key = f.path.to_string_lossy().into_owned();
        match known.get(&key) {
            None => {
                report.new += 1;
                plans.push(Plan::Resolve(f));
            }
            Some(s) if s.file.size_bytes != f.size_bytes || s.file.mtime_ms != f.mtime_ms => {
                report.changed += 1;
                plans.push(Plan::Resolve(f));
            }
            Some(s) => {
                let due = match s.file.status {
                    LibraryFileStatus::Pending => true,
                    LibraryFileStatus::Analysed => !s.has_features,
                    LibraryFileStatus::Failed => false,
                };
                match (due, s.file.track_id) {
                    (true, Some(t)) => {
                        report.requeued += 1;
                        plans.push(Plan::Requeue(f, t));
                    }
                    // A row without a track cannot come from this scanner; resolve it afresh.
                    (true, None) => {
                        report.requeued += 1;
                        plans.push(Plan::Resolve(f));
                    }
                    (false, _) => {
                        report.unchanged += 1;
                        LibraryProgress::add(&progress.files_scanned, 1);
                    }
                }
            }
        }
    }

    let mut plans = plans.into_iter().peekable();
    while plans.peek().is_some() {
        // Read the tags of a batch of files concurrently; store them in order.
        let batch: Vec<Plan> = plans.by_ref().take(TAG_READ_PARALLELISM * 4).collect();
        let mut handles = Vec::with_capacity(batch.len());
        for plan in batch {
            handles.push(tokio::task::spawn_blocking(move || match plan {
                Plan::Resolve(f) => {
                    // A file whose tags cannot be read still gets a track from its name; its
                    // analysis will record why it cannot be decoded.
                    let tags = read_tags(&f.path).unwrap_or_else(|e| {
                        tracing::debug!(path = %f.path.display(), error = %e, "no tags");
                        Tags::default()
                    });
                    (f, Err(tags))
                }
                Plan::Requeue(f, t) => (f, Ok(t)),
            }));
        }
        for h in handles {
            let (f, resolved) = h.await.map_err(|e| LibraryError::Worker(e.to_string()))?;
            let at = now();
            let (track, changed) = match resolved {
                Ok(t) => (t, false),
                Err(tags) => {
                    let input = track_input(&f.path, &tags, root_of(&f.path, &canonical_roots));
                    let (t, created) = store.upsert_track(&input, TrackOrigin::Library, at).await?;
                    if created {
                        report.tracks_created += 1;
                    }
                    (t, true)
                }
            };
            let path = f.path.to_string_lossy().into_owned();
            if changed
                || known
                    .get(&path)
                    .is_some_and(|s| s.file.status != LibraryFileStatus::Pending)
            {
                store
                    .put_library_file(&path, f.size_bytes, f.mtime_ms, track, at)
                    .await?;
            }
            let payload = AnalyzePayload {
                path,
                size_bytes: f.size_bytes,
                mtime_ms: f.mtime_ms,
                track_id: track.0,
                version: opts.features_version,
            };
            store
                .enqueue(
                    &NewJob {
                        kind: ANALYZE_JOB.to_string(),
                        payload: serde_json::to_value(&payload)
                            .map_err(|e| LibraryError::Worker(e.to_string()))?,
                        max_attempts: opts.max_attempts,
                        run_after: at,
                        dedup_key: Some(payload.dedup_key()),
                    },
                    at,
                )
                .await?;
            report.queued += 1;
            LibraryProgress::add(&progress.queued, 1);
            LibraryProgress::add(&progress.files_scanned, 1);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("01 - Song", "Song")]
    #[case("01. Song", "Song")]
    #[case("7 Song", "Song")]
    #[case("1979", "1979")]
    #[case("2Pac", "2Pac")]
    #[case("Song", "Song")]
    #[case("1234 Song", "1234 Song")]
    fn track_numbers_are_stripped(#[case] input: &str, #[case] want: &str) {
        assert_eq!(strip_track_number(input), want);
    }

    #[test]
    fn untagged_files_fall_back_to_names() {
        let root = Path::new("/music");
        let t = track_input(
            Path::new("/music/Nina Simone/Pastel Blues/03 - Be My Husband.flac"),
            &Tags::default(),
            Some(root),
        );
        assert_eq!(
            (t.artist.as_str(), t.title.as_str(), t.album.as_deref()),
            ("Nina Simone", "Be My Husband", Some("Pastel Blues"))
        );
        let t = track_input(
            Path::new("/music/Air - La Femme d'Argent.mp3"),
            &Tags::default(),
            Some(root),
        );
        assert_eq!(
            (t.artist.as_str(), t.title.as_str(), t.album.as_deref()),
            ("Air", "La Femme d'Argent", None)
        );
        let t = track_input(Path::new("/music/loose.wav"), &Tags::default(), Some(root));
        assert_eq!(
            (t.artist.as_str(), t.title.as_str()),
            ("Unknown artist", "loose")
        );
    }

    #[rstest]
    #[case("/music/A/B/01 - Song.wav", "A", "Song")]
    #[case("/music/A/B/01 - Band - Song.wav", "Band", "Song")]
    #[case("/music/A/B/Band - Song.wav", "Band", "Song")]
    #[case("/music/A/B/07. Song.wav", "A", "Song")]
    fn file_name_patterns(#[case] path: &str, #[case] artist: &str, #[case] title: &str) {
        let t = track_input(Path::new(path), &Tags::default(), Some(Path::new("/music")));
        assert_eq!((t.artist.as_str(), t.title.as_str()), (artist, title));
    }

    #[test]
    fn tags_win_over_names() {
        let tags = Tags {
            title: Some(" Real Title ".into()),
            artist: Some("Real Artist".into()),
            album: Some("Real Album".into()),
            genre: Some("Jazz".into()),
            duration_ms: Some(61_000),
            musicbrainz_recording_id: Some("mb-1".into()),
            ..Tags::default()
        };
        let t = track_input(
            Path::new("/m/x/y/Other - Name.ogg"),
            &tags,
            Some(Path::new("/m")),
        );
        assert_eq!(t.title, "Real Title");
        assert_eq!(t.artist, "Real Artist");
        assert_eq!(t.album.as_deref(), Some("Real Album"));
        assert_eq!(t.tags, vec!["Jazz".to_string()]);
        assert_eq!(t.duration_ms, Some(61_000));
        assert_eq!(t.mbid.as_deref(), Some("mb-1"));
        assert_eq!(t.file_path.as_deref(), Some("/m/x/y/Other - Name.ogg"));
    }

    #[test]
    fn audio_extensions_are_case_insensitive() {
        assert!(is_audio_file(Path::new("a/B.FLAC")));
        assert!(is_audio_file(Path::new("a/b.opus")));
        assert!(!is_audio_file(Path::new("a/cover.jpg")));
        assert!(!is_audio_file(Path::new("a/noext")));
    }
}
