//! Import bookkeeping: per-file counts and the table `hearth import` prints.
//!
//! The parser side fills `listens`, `skip_events`, `skipped` and `rejected` through
//! [`FileSummary::record`]; the store side fills `imported` and `duplicate` (a listen whose row
//! key was already stored).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::error::RowError;
use crate::format::Format;
use crate::listen::{Row, SkipReason};

/// At most this many rejected rows are kept with their reasons; the rest are only counted.
pub const MAX_STORED_ERRORS: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub format: Option<Format>,
    /// Rows that parsed to a listen (including skip events).
    pub listens: u64,
    /// Of `listens`, those that are skip events.
    pub skip_events: u64,
    /// Listens newly stored (filled by the store).
    pub imported: u64,
    /// Listens already stored under the same row key (filled by the store).
    pub duplicate: u64,
    /// Rows counted and passed over, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    pub rejected: u64,
    /// The first [`MAX_STORED_ERRORS`] rejections.
    pub errors: Vec<RowError>,
    /// Rejections beyond those stored.
    pub errors_not_stored: u64,
}

impl FileSummary {
    pub fn new(file: impl Into<String>, format: Option<Format>) -> Self {
        FileSummary {
            file: file.into(),
            format,
            ..Default::default()
        }
    }

    /// Counts one parsed row.
    pub fn record(&mut self, row: &Result<Row, RowError>) {
        match row {
            Ok(Row::Listen(l)) => {
                self.listens += 1;
                self.skip_events += l.skipped as u64;
            }
            Ok(Row::Skipped { reason }) => *self.skipped.entry(*reason).or_default() += 1,
            Err(e) => self.reject(e.clone()),
        }
    }

    pub fn reject(&mut self, e: RowError) {
        self.rejected += 1;
        if self.errors.len() < MAX_STORED_ERRORS {
            self.errors.push(e);
        } else {
            self.errors_not_stored += 1;
        }
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub fn skipped_count(&self, reason: SkipReason) -> u64 {
        self.skipped.get(&reason).copied().unwrap_or(0)
    }
}

impl Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Every file of one import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    pub files: Vec<FileSummary>,
}

impl ImportSummary {
    pub fn total(&self) -> FileSummary {
        let mut t = FileSummary::new("total", None);
        for f in &self.files {
            t.listens += f.listens;
            t.skip_events += f.skip_events;
            t.imported += f.imported;
            t.duplicate += f.duplicate;
            t.rejected += f.rejected;
            for (r, n) in &f.skipped {
                *t.skipped.entry(*r).or_default() += n;
            }
        }
        t
    }
}

/// How many rejected rows per file the table lists.
const ERRORS_SHOWN_PER_FILE: usize = 5;

impl fmt::Display for ImportSummary {
    /// A plain-text table: one line per file and a total, then the skip reasons and the first
    /// rejected rows of each file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = [
            "file",
            "format",
            "imported",
            "duplicate",
            "skipped",
            "rejected",
        ];
        let total = self.total();
        let mut rows: Vec<[String; 6]> = self
            .files
            .iter()
            .chain(std::iter::once(&total))
            .map(|s| {
                [
                    s.file.clone(),
                    s.format.map(|f| f.as_str().to_string()).unwrap_or_default(),
                    s.imported.to_string(),
                    s.duplicate.to_string(),
                    s.skipped_total().to_string(),
                    s.rejected.to_string(),
                ]
            })
            .collect();
        rows.insert(0, header.map(str::to_string));
        let widths: Vec<usize> = (0..6)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for (i, r) in rows.iter().enumerate() {
            if i == rows.len() - 1 {
                let rule: usize = widths.iter().sum::<usize>() + 2 * 5;
                writeln!(f, "{}", "-".repeat(rule))?;
            }
            for (c, cell) in r.iter().enumerate() {
                let pad = widths[c] - cell.chars().count();
                if c >= 2 {
                    write!(f, "{}{cell}", " ".repeat(pad))?;
                } else {
                    write!(f, "{cell}{}", " ".repeat(pad))?;
                }
                if c < 5 {
                    f.write_str("  ")?;
                }
            }
            writeln!(f)?;
        }
        if total.skip_events > 0 {
            writeln!(
                f,
                "skip events among imported listens' rows: {}",
                total.skip_events
            )?;
        }
        for s in &self.files {
            if !s.skipped.is_empty() {
                let parts: Vec<String> =
                    s.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
                writeln!(f, "{}: skipped {}", s.file, parts.join(", "))?;
            }
            for e in s.errors.iter().take(ERRORS_SHOWN_PER_FILE) {
                writeln!(f, "  rejected: {e}")?;
            }
            let more = s.rejected.saturating_sub(ERRORS_SHOWN_PER_FILE as u64);
            if more > 0 && s.rejected > ERRORS_SHOWN_PER_FILE as u64 {
                writeln!(f, "  … and {more} more rejected rows in {}", s.file)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RowLocation;

    #[test]
    fn counts_and_caps_errors() {
        let mut s = FileSummary::new("a.csv", Some(Format::LastfmCsv));
        for i in 0..(MAX_STORED_ERRORS as u64 + 7) {
            s.record(&Err(RowError::new(
                "a.csv",
                RowLocation::Line(i + 1),
                "bad",
            )));
        }
        s.record(&Ok(Row::Skipped {
            reason: SkipReason::Podcast,
        }));
        assert_eq!(s.rejected, MAX_STORED_ERRORS as u64 + 7);
        assert_eq!(s.errors.len(), MAX_STORED_ERRORS);
        assert_eq!(s.errors_not_stored, 7);
        assert_eq!(s.skipped_count(SkipReason::Podcast), 1);
        s.imported = 12;
        let table = ImportSummary { files: vec![s] }.to_string();
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("file "), "{table}");
        assert!(lines[1].starts_with("a.csv  lastfm-csv"), "{table}");
        assert!(lines[3].starts_with("total"), "{table}");
        assert!(table.contains("a.csv: skipped podcast 1"), "{table}");
        assert!(table.contains("rejected: a.csv: line 1: bad"), "{table}");
        assert!(table.contains("and 102 more rejected rows"), "{table}");
    }
}
