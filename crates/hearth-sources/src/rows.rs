//! Opening one export file as a stream of rows: detection (refusing a wrong format before any
//! row is produced), then the format's row parser driven over a JSON array, JSON lines or CSV.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{ImportError, RowError, RowLocation};
use crate::format::{is_spotify_video_file, sniff, Format, FormatRequest, Layout, SNIFF_BYTES};
use crate::formats::{
    lastfm, librefm, listenbrainz, maloja, panoscrobbler, rockbox, spinitron, spotify_account,
    spotify_extended,
};
use crate::json_stream::{JsonElements, ScanError};
use crate::listen::Row;
use crate::text::{CsvError, CsvReader, LineError, Lines};

/// Read buffer per open file: large enough that a 1 GB export is not a million syscalls, small
/// enough to be irrelevant to the memory bound.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// How far through its input a [`Rows`] is, readable from another thread (progress bars).
#[derive(Debug, Clone, Default)]
pub struct ReadProgress(Arc<AtomicU64>);

impl ReadProgress {
    /// Bytes consumed from the underlying reader so far (compressed size is not involved: for a
    /// zip entry these are uncompressed bytes).
    pub fn bytes_read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The rows of one file, in file order. Each item is a listen, a counted skip, or a rejected
/// row with its location; after a structural error (truncated JSON, I/O failure) one last
/// `Err` is yielded and the iterator ends.
pub struct Rows<'a> {
    file: String,
    format: Format,
    progress: ReadProgress,
    inner: Box<dyn Iterator<Item = Result<Row, RowError>> + 'a>,
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("file", &self.file)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Rows<'_> {
    pub fn format(&self) -> Format {
        self.format
    }
    pub fn file(&self) -> &str {
        &self.file
    }
    pub fn progress(&self) -> ReadProgress {
        self.progress.clone()
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

fn read_prefix<R: Read>(reader: &mut R, file: &str) -> Result<(Vec<u8>, bool), ImportError> {
    let mut prefix = vec![0u8; SNIFF_BYTES];
    let mut filled = 0;
    while filled < SNIFF_BYTES {
        match reader.read(&mut prefix[filled..]) {
            Ok(0) => {
                prefix.truncate(filled);
                return Ok((prefix, true));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(ImportError::Io {
                    file: file.to_string(),
                    source: e,
                })
            }
        }
    }
    Ok((prefix, false))
}

/// Opens `reader` (the content of the export file `file`) as rows.
///
/// The format is detected from the content; with [`FormatRequest::Exact`] a mismatch is
/// [`ImportError::WrongFormat`], with `Auto` unrecognised content is
/// [`ImportError::UnsupportedFormat`] — both before any row is read, so nothing is written for a
/// file of the wrong kind. Memory stays bounded by one row plus fixed buffers.
pub fn open_rows<'a, R: Read + 'a>(
    request: FormatRequest,
    file: &str,
    reader: R,
) -> Result<Rows<'a>, ImportError> {
    let progress = ReadProgress::default();
    let mut counting = CountingReader {
        inner: reader,
        count: progress.0.clone(),
    };
    let (prefix, whole) = read_prefix(&mut counting, file)?;
    let sniffed = sniff(file, &prefix, whole);
    let detected = match (request, sniffed) {
        (FormatRequest::Auto, Ok(d)) => d,
        (FormatRequest::Auto, Err(hint)) => {
            return Err(ImportError::UnsupportedFormat {
                file: file.to_string(),
                hint,
            })
        }
        (FormatRequest::Exact(want), Ok(d)) if d.format == want => d,
        (FormatRequest::Exact(want), Ok(d)) => {
            return Err(ImportError::WrongFormat {
                file: file.to_string(),
                expected: want.as_str(),
                found_hint: format!("it looks like {}", d.format),
            })
        }
        (FormatRequest::Exact(want), Err(hint)) => {
            return Err(ImportError::WrongFormat {
                file: file.to_string(),
                expected: want.as_str(),
                found_hint: format!("found {hint}"),
            })
        }
    };
    let reader = BufReader::with_capacity(READ_BUFFER_BYTES, Cursor::new(prefix).chain(counting));
    let name = file.to_string();
    let inner: Box<dyn Iterator<Item = Result<Row, RowError>> + 'a> =
        match (detected.format, detected.layout) {
            (format, Layout::JsonArray | Layout::JsonMember(_)) => {
                let els = match detected.layout {
                    Layout::JsonMember(key) => JsonElements::object_member_array(reader, key),
                    _ => JsonElements::top_level_array(reader),
                };
                let els = els.map_err(|e| match e {
                    ScanError::Io(source) => ImportError::Io {
                        file: name.clone(),
                        source,
                    },
                    ScanError::Syntax { line, reason } => ImportError::UnsupportedFormat {
                        file: name.clone(),
                        hint: format!("line {line}: {reason}"),
                    },
                })?;
                let video = is_spotify_video_file(file);
                let parse: fn(&[u8], bool) -> Result<Row, String> = match format {
                    Format::SpotifyExtended => spotify_extended::parse,
                    Format::SpotifyAccount => |b, _| spotify_account::parse(b),
                    Format::Maloja => |b, _| maloja::parse(b),
                    Format::PanoScrobbler => |b, _| panoscrobbler::parse(b),
                    _ => |b, _| listenbrainz::parse(b),
                };
                Box::new(JsonArrayRows {
                    els,
                    file: name,
                    parse: move |b: &[u8]| parse(b, video),
                    done: false,
                })
            }
            (Format::PanoScrobbler, Layout::JsonLines) => {
                Box::new(LineRows::new(reader, name, |b: &[u8]| {
                    Some(panoscrobbler::parse(b))
                }))
            }
            (_, Layout::JsonLines) => Box::new(LineRows::new(reader, name, |b: &[u8]| {
                Some(listenbrainz::parse(b))
            })),
            (Format::Rockbox, _) => Box::new(LineRows::new(reader, name, rockbox::parse_line)),
            (Format::Librefm, _) => {
                let mut state = librefm::Librefm::default();
                Box::new(CsvRows::new(reader, name, move |_, f: &[String]| {
                    state.parse_record(f)
                }))
            }
            (Format::Spinitron, _) => {
                let mut state = spinitron::Spinitron::default();
                Box::new(CsvRows::new(reader, name, move |_, f: &[String]| {
                    state.parse_record(f)
                }))
            }
            (_, Layout::Text) => Box::new(CsvRows::new(reader, name, |line, f: &[String]| {
                lastfm::parse_record(f, line)
            })),
        };
    Ok(Rows {
        file: file.to_string(),
        format: detected.format,
        progress,
        inner,
    })
}

struct JsonArrayRows<R, F> {
    els: JsonElements<R>,
    file: String,
    parse: F,
    done: bool,
}

impl<R: BufRead, F: FnMut(&[u8]) -> Result<Row, String>> Iterator for JsonArrayRows<R, F> {
    type Item = Result<Row, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let index = self.els.next_index();
        match self.els.next_element() {
            Ok(Some(el)) => {
                let location = RowLocation::Element {
                    index: el.index,
                    line: el.line,
                };
                Some((self.parse)(el.bytes).map_err(|r| RowError::new(&self.file, location, r)))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                let (line, reason) = match e {
                    ScanError::Io(e) => (self.els.line(), format!("read error: {e}")),
                    ScanError::Syntax { line, reason } => (line, reason),
                };
                Some(Err(RowError::new(
                    &self.file,
                    RowLocation::Element { index, line },
                    reason,
                )))
            }
        }
    }
}

struct LineRows<R, F> {
    lines: Lines<R>,
    file: String,
    parse: F,
    done: bool,
}

impl<R, F> LineRows<R, F> {
    fn new(reader: R, file: String, parse: F) -> Self
    where
        R: BufRead,
    {
        LineRows {
            lines: Lines::new(reader),
            file,
            parse,
            done: false,
        }
    }
}

impl<R: BufRead, F: FnMut(&[u8]) -> Option<Result<Row, String>>> Iterator for LineRows<R, F> {
    type Item = Result<Row, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.lines.next_line() {
                Ok(Some((n, bytes))) => {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    if let Some(r) = (self.parse)(bytes) {
                        return Some(
                            r.map_err(|e| RowError::new(&self.file, RowLocation::Line(n), e)),
                        );
                    }
                }
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    let (line, reason) = match e {
                        LineError::Io(e) => (0, format!("read error: {e}")),
                        LineError::TooLong { line } => (
                            line,
                            format!("line longer than {} bytes", crate::text::MAX_LINE_BYTES),
                        ),
                    };
                    return Some(Err(RowError::new(
                        &self.file,
                        RowLocation::Line(line),
                        reason,
                    )));
                }
            }
        }
        None
    }
}

struct CsvRows<R, F> {
    csv: CsvReader<R>,
    file: String,
    parse: F,
    done: bool,
}

impl<R: BufRead, F> CsvRows<R, F> {
    fn new(reader: R, file: String, parse: F) -> Self {
        CsvRows {
            csv: CsvReader::new(reader),
            file,
            parse,
            done: false,
        }
    }
}

impl<R: BufRead, F: FnMut(u64, &[String]) -> Option<Result<Row, String>>> Iterator
    for CsvRows<R, F>
{
    type Item = Result<Row, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.csv.next_record() {
                Ok(Some(rec)) => {
                    if let Some(r) = (self.parse)(rec.line, &rec.fields) {
                        return Some(r.map_err(|e| {
                            RowError::new(&self.file, RowLocation::Line(rec.line), e)
                        }));
                    }
                }
                Ok(None) => self.done = true,
                Err(CsvError::BadRow { line, reason }) => {
                    return Some(Err(RowError::new(
                        &self.file,
                        RowLocation::Line(line),
                        reason,
                    )))
                }
                Err(CsvError::Fatal { line, reason }) => {
                    self.done = true;
                    return Some(Err(RowError::new(
                        &self.file,
                        RowLocation::Line(line),
                        reason,
                    )));
                }
                Err(CsvError::Io(e)) => {
                    self.done = true;
                    return Some(Err(RowError::new(
                        &self.file,
                        RowLocation::Line(0),
                        format!("read error: {e}"),
                    )));
                }
            }
        }
        None
    }
}
