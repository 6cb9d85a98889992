//! Turning the paths given to `hearth import` into export files: plain files, folders (walked
//! recursively) and `.zip` archives (Spotify and ListenBrainz hand out zips), in a deterministic
//! order (the order given; inside a folder or archive, by path).
//!
//! Inside folders and archives only files that can hold listening history are offered (`.json`,
//! `.jsonl`, `.ndjson`, `.csv`, `.log`, `.txt`); the rest (the PDF read-me, images) are listed as
//! ignored. A file named directly is always offered. A contained file whose content is not a
//! history export (Spotify's `Identity.json`, ListenBrainz's `feedback.jsonl`) is also ignored,
//! where a directly named one is an error: see [`InputEntry::in_container`].

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::ImportError;
use crate::format::{Format, FormatRequest};
use crate::rows::{open_rows, Rows};

/// How deep a folder walk goes (exports are at most a couple of levels deep; this stops
/// symlink loops).
const MAX_DEPTH: usize = 16;

/// One export file offered by [`for_each_input`].
pub struct InputEntry<'r> {
    /// Display name: the path, or `archive.zip:inner/path` for an archive member.
    pub name: String,
    /// Uncompressed size when known (for a progress bar).
    pub size_bytes: Option<u64>,
    /// True for files found inside a folder or archive rather than named by the user: for those
    /// a [`ImportError::UnsupportedFormat`] / [`ImportError::WrongFormat`] from
    /// [`InputEntry::open_rows`] means "not an export file", to be listed as ignored rather
    /// than failing the import.
    pub in_container: bool,
    reader: &'r mut dyn Read,
}

impl<'r> InputEntry<'r> {
    /// Opens this entry as rows (see [`open_rows`]).
    pub fn open_rows(self, request: FormatRequest) -> Result<Rows<'r>, ImportError> {
        open_rows(request, &self.name, self.reader)
    }

    /// The raw content.
    pub fn reader(&mut self) -> &mut dyn Read {
        self.reader
    }
}

/// A contained file that was passed over without being read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IgnoredFile {
    pub name: String,
    pub reason: String,
}

fn io_err(path: &Path, source: std::io::Error) -> ImportError {
    if source.kind() == std::io::ErrorKind::NotFound {
        ImportError::NotFound {
            path: path.display().to_string(),
        }
    } else {
        ImportError::Io {
            file: path.display().to_string(),
            source,
        }
    }
}

/// Could a file with this (inner) path hold listening history?
pub fn is_candidate_name(path: &str) -> bool {
    let base = crate::format::base_name(path);
    if path.split(['/', '\\']).any(|c| c == "__MACOSX") || base.starts_with("._") {
        return false;
    }
    let lower = base.to_ascii_lowercase();
    [".json", ".jsonl", ".ndjson", ".csv", ".log", ".txt"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn is_zip(path: &Path) -> Result<bool, ImportError> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return Ok(true);
    }
    let mut magic = [0u8; 4];
    let mut f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut n = 0;
    while n < 4 {
        match f.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(path, e)),
        }
    }
    Ok(n == 4 && magic == *b"PK\x03\x04")
}

fn walk_dir(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_err(dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| io_err(dir, e))?;
    entries.sort();
    for p in entries {
        let meta = std::fs::metadata(&p).map_err(|e| io_err(&p, e))?;
        if meta.is_dir() {
            walk_dir(&p, depth + 1, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Calls `f` with each export file under `paths`, in order, and returns the files passed over.
/// Errors from `f` stop the walk and are returned as they are.
///
/// ```no_run
/// use hearth_sources::{for_each_input, FileSummary, FormatRequest, ImportError, Row};
/// let paths = vec![std::path::PathBuf::from("my_spotify_data.zip")];
/// let mut summaries = Vec::new();
/// let ignored = for_each_input(&paths, |entry| -> Result<(), ImportError> {
///     let in_container = entry.in_container;
///     let rows = match entry.open_rows(FormatRequest::Auto) {
///         Err(ImportError::UnsupportedFormat { .. } | ImportError::WrongFormat { .. })
///             if in_container => return Ok(()), // not an export file: ignore it
///         r => r?,
///     };
///     let mut summary = FileSummary::new(rows.file(), Some(rows.format()));
///     for row in rows {
///         summary.record(&row);
///         if let Ok(Row::Listen(listen)) = row {
///             let _keyed_by = listen.row_key; // store it, in batches
///         }
///     }
///     summaries.push(summary);
///     Ok(())
/// })?;
/// # Ok::<(), ImportError>(())
/// ```
pub fn for_each_input<E, F>(paths: &[PathBuf], mut f: F) -> Result<Vec<IgnoredFile>, E>
where
    E: From<ImportError>,
    F: FnMut(InputEntry<'_>) -> Result<(), E>,
{
    let mut ignored = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk_dir(path, 0, &mut files)?;
            for file in files {
                let name = file.display().to_string();
                if is_zip(&file)? {
                    visit_zip(&file, &mut ignored, &mut f)?;
                } else if is_candidate_name(&name) {
                    visit_file(&file, true, &mut f)?;
                } else {
                    ignored.push(IgnoredFile {
                        name,
                        reason: "not a history file type".into(),
                    });
                }
            }
        } else if is_zip(path)? {
            visit_zip(path, &mut ignored, &mut f)?;
        } else {
            visit_file(path, false, &mut f)?;
        }
    }
    Ok(ignored)
}

fn visit_file<E, F>(path: &Path, in_container: bool, f: &mut F) -> Result<(), E>
where
    E: From<ImportError>,
    F: FnMut(InputEntry<'_>) -> Result<(), E>,
{
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let size = file.metadata().map_err(|e| io_err(path, e))?.len();
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    f(InputEntry {
        name: path.display().to_string(),
        size_bytes: Some(size),
        in_container,
        reader: &mut reader,
    })
}

fn visit_zip<E, F>(path: &Path, ignored: &mut Vec<IgnoredFile>, f: &mut F) -> Result<(), E>
where
    E: From<ImportError>,
    F: FnMut(InputEntry<'_>) -> Result<(), E>,
{
    let zip_err = |e: zip::result::ZipError| ImportError::Zip {
        file: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(zip_err)?;
    let mut names: Vec<String> = archive
        .file_names()
        .filter(|n| !n.ends_with('/'))
        .map(str::to_string)
        .collect();
    names.sort();
    for inner in names {
        let display = format!("{}:{inner}", path.display());
        if !is_candidate_name(&inner) {
            ignored.push(IgnoredFile {
                name: display,
                reason: "not a history file type".into(),
            });
            continue;
        }
        let mut entry = archive.by_name(&inner).map_err(zip_err)?;
        let size = entry.size();
        f(InputEntry {
            name: display,
            size_bytes: Some(size),
            in_container: true,
            reader: &mut entry,
        })?;
    }
    Ok(())
}

/// What a pre-flight pass found: each export file's detected format, and the files ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportPlan {
    pub files: Vec<(String, Format)>,
    pub ignored: Vec<IgnoredFile>,
}

/// Detects every file under `paths` (reading only their first bytes) so that a wrong-format
/// file anywhere in the list refuses the whole import *before anything is written*. Contained
/// files that are not exports are listed in `ignored`; a directly named one is an error, as is
/// an import that finds no export file at all.
pub fn plan_import(paths: &[PathBuf], request: FormatRequest) -> Result<ImportPlan, ImportError> {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let ignored = for_each_input(paths, |entry: InputEntry<'_>| {
        let name = entry.name.clone();
        let in_container = entry.in_container;
        match entry.open_rows(request) {
            Ok(rows) => {
                files.push((name, rows.format()));
                Ok(())
            }
            Err(e @ (ImportError::UnsupportedFormat { .. } | ImportError::WrongFormat { .. }))
                if in_container =>
            {
                refused.push(IgnoredFile {
                    name,
                    reason: e.to_string(),
                });
                Ok(())
            }
            Err(e) => Err(e),
        }
    })?;
    let mut all_ignored = ignored;
    all_ignored.extend(refused);
    if files.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(ImportError::UnsupportedFormat {
            file: names.join(", "),
            hint: "no listening-history export file found".into(),
        });
    }
    Ok(ImportPlan {
        files,
        ignored: all_ignored,
    })
}
