//! Line-oriented reading for the text formats (CSV, JSON Lines, `.scrobbler.log`): one line at a
//! time with its 1-based number, and RFC 4180 CSV field splitting (quoted fields may contain
//! commas, doubled quotes and newlines).

use std::io::{self, BufRead};

/// A line longer than this is not a listen; the file is corrupt (or binary).
pub const MAX_LINE_BYTES: usize = 1 << 20;

pub(crate) enum LineError {
    Io(io::Error),
    TooLong { line: u64 },
}

pub(crate) struct Lines<R> {
    reader: R,
    /// Number of the last line returned.
    line_no: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines {
            reader,
            line_no: 0,
            buf: Vec::with_capacity(1024),
        }
    }

    /// The next line without its terminator (`\n` or `\r\n`); a leading UTF-8 BOM on line 1 is
    /// dropped. Bytes, because a line that is not UTF-8 is one bad row, not a bad file.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>, LineError> {
        self.buf.clear();
        let n = read_line_capped(&mut self.reader, &mut self.buf).map_err(|e| match e {
            CappedError::Io(e) => LineError::Io(e),
            CappedError::TooLong => LineError::TooLong {
                line: self.line_no + 1,
            },
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        let mut line: &[u8] = &self.buf;
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest;
        }
        if let Some(rest) = line.strip_suffix(b"\r") {
            line = rest;
        }
        if self.line_no == 1 {
            if let Some(rest) = line.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
                line = rest;
            }
        }
        Ok(Some((self.line_no, line)))
    }
}

enum CappedError {
    Io(io::Error),
    TooLong,
}

fn read_line_capped<R: BufRead>(r: &mut R, out: &mut Vec<u8>) -> Result<usize, CappedError> {
    let mut total = 0;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CappedError::Io(e)),
        };
        if chunk.is_empty() {
            return Ok(total);
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(p) => (p + 1, true),
            None => (chunk.len(), false),
        };
        if out.len() + take > MAX_LINE_BYTES {
            // Drain the rest of the line so the reader stays usable, then report.
            r.consume(take);
            return Err(CappedError::TooLong);
        }
        out.extend_from_slice(&chunk[..take]);
        r.consume(take);
        total += take;
        if done {
            return Ok(total);
        }
    }
}

/// Splits one CSV record. Returns `None` when a quoted field is still open at the end of `text`
/// (the record continues on the next line).
pub(crate) fn split_csv(text: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
                continue;
            }
            '"' if at_field_start => in_quotes = true,
            c => field.push(c),
        }
        at_field_start = false;
    }
    if in_quotes {
        return None;
    }
    fields.push(field);
    Some(fields)
}

/// A CSV record with the line it starts on.
pub(crate) struct CsvRecord {
    pub line: u64,
    pub fields: Vec<String>,
}

pub(crate) enum CsvError {
    Io(io::Error),
    /// A row that is not valid CSV text (bad UTF-8, unterminated quote); reading goes on.
    BadRow {
        line: u64,
        reason: String,
    },
    /// The file can not be read further (line too long).
    Fatal {
        line: u64,
        reason: String,
    },
}

pub(crate) struct CsvReader<R> {
    lines: Lines<R>,
}

/// A quoted field may span lines, but not without limit: past this many lines the record is
/// reported as an unterminated quote.
const MAX_RECORD_LINES: usize = 64;

impl<R: BufRead> CsvReader<R> {
    pub fn new(reader: R) -> Self {
        CsvReader {
            lines: Lines::new(reader),
        }
    }

    /// The next record; blank lines are skipped.
    pub fn next_record(&mut self) -> Result<Option<CsvRecord>, CsvError> {
        loop {
            let (line, text) = match self.lines.next_line() {
                Ok(Some((n, bytes))) => (n, std::str::from_utf8(bytes).map(str::to_string)),
                Ok(None) => return Ok(None),
                Err(LineError::Io(e)) => return Err(CsvError::Io(e)),
                Err(LineError::TooLong { line }) => {
                    return Err(CsvError::Fatal {
                        line,
                        reason: format!("line longer than {MAX_LINE_BYTES} bytes"),
                    })
                }
            };
            let mut text = match text {
                Ok(t) => t,
                Err(_) => {
                    return Err(CsvError::BadRow {
                        line,
                        reason: "not valid UTF-8".into(),
                    })
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let mut extra = 0;
            loop {
                if let Some(fields) = split_csv(&text) {
                    return Ok(Some(CsvRecord { line, fields }));
                }
                extra += 1;
                let next = match self.lines.next_line() {
                    Ok(Some((_, bytes))) if extra <= MAX_RECORD_LINES => {
                        std::str::from_utf8(bytes).map(str::to_string).ok()
                    }
                    Ok(_) => None,
                    Err(LineError::Io(e)) => return Err(CsvError::Io(e)),
                    Err(LineError::TooLong { line }) => {
                        return Err(CsvError::Fatal {
                            line,
                            reason: format!("line longer than {MAX_LINE_BYTES} bytes"),
                        })
                    }
                };
                match next {
                    Some(t) => {
                        text.push('\n');
                        text.push_str(&t);
                    }
                    None => {
                        return Err(CsvError::BadRow {
                            line,
                            reason: "unterminated quoted field".into(),
                        })
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        assert_eq!(split_csv("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(
            split_csv(r#""x, y","say ""hi""",z"#).unwrap(),
            ["x, y", "say \"hi\"", "z"]
        );
        assert_eq!(split_csv("\"open,").map(|v| v.len()), None);
        assert_eq!(split_csv("").unwrap(), [""]);
    }

    #[test]
    fn records_keep_line_numbers_across_multiline_fields() {
        let text = "a,b\r\n\r\n\"multi\nline\",c\nlast,x\n";
        let mut r = CsvReader::new(text.as_bytes());
        let mut got = Vec::new();
        while let Ok(Some(rec)) = r.next_record() {
            got.push((rec.line, rec.fields));
        }
        assert_eq!(got[0], (1, vec!["a".to_string(), "b".to_string()]));
        assert_eq!(
            got[1],
            (3, vec!["multi\nline".to_string(), "c".to_string()])
        );
        assert_eq!(got[2].0, 5);
    }
}
