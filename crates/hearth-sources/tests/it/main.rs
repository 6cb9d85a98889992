//! Integration tests of hearth-sources: real export samples from `shared/data`, wrong-format
//! refusal, folder and zip input, error locations, and robustness on arbitrary bytes.

mod detection;
mod fuzz;
mod lb_submit;
mod real_samples;
mod roundtrip;
mod walk;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hearth_sources::{open_rows, FileSummary, FormatRequest, Row};

/// The shared test data folder, or `None` (after printing why) when it is absent.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("HEARTH_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "{test}: skipped, shared data not found at {}",
            dir.display()
        );
        None
    }
}

/// Everything one file parses to.
pub struct Parsed {
    pub summary: FileSummary,
    pub listens: Vec<hearth_sources::ImportedListen>,
    pub distinct_keys: usize,
}

pub fn parse_path(
    path: &Path,
    request: FormatRequest,
) -> Result<Parsed, hearth_sources::ImportError> {
    let file = std::fs::File::open(path).unwrap();
    let name = path.display().to_string();
    let rows = open_rows(request, &name, file)?;
    let mut summary = FileSummary::new(name, Some(rows.format()));
    let mut listens = Vec::new();
    for row in rows {
        summary.record(&row);
        if let Ok(Row::Listen(l)) = row {
            listens.push(l);
        }
    }
    let distinct_keys = listens
        .iter()
        .map(|l| l.row_key.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    Ok(Parsed {
        summary,
        listens,
        distinct_keys,
    })
}
