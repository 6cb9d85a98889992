//! Streams the elements of one JSON array without holding the document in memory.
//!
//! A byte-level splitter: it tracks string/escape state and bracket depth to find where each
//! top-level element of the array ends, hands the element's bytes out (the caller parses them
//! with `serde_json::from_slice`), and forgets them. Memory is bounded by the largest single
//! element ([`MAX_ELEMENT_BYTES`]), not the file. Syntax errors *inside* an element are left to
//! the element parser, so one bad element is one rejected row; only a broken array structure
//! (say, a missing comma, or the file ends mid-element) ends the stream.

use std::io::{self, BufRead};

/// No export format has elements anywhere near this; a larger one means a corrupt file.
pub const MAX_ELEMENT_BYTES: usize = 4 << 20;

#[derive(Debug)]
pub(crate) enum ScanError {
    Io(io::Error),
    /// The array structure is broken at `line`.
    Syntax {
        line: u64,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first element (just after `[`).
    First,
    /// After an element and its `,`.
    Next,
    Done,
}

pub(crate) struct JsonElements<R> {
    reader: R,
    state: State,
    index: u64,
    /// 1-based line of the reader's position.
    line: u64,
    buf: Vec<u8>,
}

/// The element just read: its 0-based index, the line it starts on and its bytes.
pub(crate) struct Element<'a> {
    pub index: u64,
    pub line: u64,
    pub bytes: &'a [u8],
}

impl<R: BufRead> JsonElements<R> {
    /// Expects the document to be a top-level array (leading whitespace and a UTF-8 BOM allowed).
    pub fn top_level_array(reader: R) -> Result<Self, ScanError> {
        let mut s = Self::new(reader);
        s.skip_bom()?;
        s.skip_ws()?;
        match s.peek()? {
            Some(b'[') => {
                s.bump();
                Ok(s)
            }
            other => Err(s.syntax(format!(
                "expected '[' to open the array, found {}",
                show(other)
            ))),
        }
    }

    /// Expects a top-level object and positions the stream on the array held by member `key`
    /// (e.g. `payload` of a ListenBrainz submission, `scrobbles` of a Maloja export). Members
    /// before it are skipped without buffering.
    pub fn object_member_array(reader: R, key: &str) -> Result<Self, ScanError> {
        let mut s = Self::new(reader);
        s.skip_bom()?;
        s.skip_ws()?;
        if s.peek()? != Some(b'{') {
            return Err(s.syntax("expected '{' to open the document".into()));
        }
        s.bump();
        loop {
            s.skip_ws()?;
            match s.peek()? {
                Some(b'"') => {}
                Some(b'}') => return Err(s.syntax(format!("no \"{key}\" array in the document"))),
                other => {
                    return Err(s.syntax(format!("expected a member name, found {}", show(other))))
                }
            }
            s.scan_value()?;
            let name: String = serde_json::from_slice(&s.buf)
                .map_err(|e| s.syntax(format!("bad member name: {e}")))?;
            s.skip_ws()?;
            if s.peek()? != Some(b':') {
                return Err(s.syntax("expected ':' after a member name".into()));
            }
            s.bump();
            s.skip_ws()?;
            if name == key {
                if s.peek()? != Some(b'[') {
                    return Err(s.syntax(format!("\"{key}\" is not an array")));
                }
                s.bump();
                return Ok(s);
            }
            s.scan_value()?;
            s.skip_ws()?;
            match s.peek()? {
                Some(b',') => s.bump(),
                Some(b'}') => return Err(s.syntax(format!("no \"{key}\" array in the document"))),
                other => {
                    return Err(s.syntax(format!("expected ',' or '}}', found {}", show(other))))
                }
            }
        }
    }

    fn new(reader: R) -> Self {
        JsonElements {
            reader,
            state: State::First,
            index: 0,
            line: 1,
            buf: Vec::with_capacity(4096),
        }
    }

    /// The index the next element will have (= elements handed out so far).
    pub fn next_index(&self) -> u64 {
        self.index
    }

    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next element, `Ok(None)` after the closing `]`.
    pub fn next_element(&mut self) -> Result<Option<Element<'_>>, ScanError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::First | State::Next => {
                    self.skip_ws()?;
                    match self.peek()? {
                        Some(b']') => {
                            // `[]`, or a trailing comma before `]` (tolerated).
                            self.bump();
                            self.state = State::Done;
                            continue;
                        }
                        None => {
                            self.state = State::Done;
                            return Err(
                                self.syntax("file ends inside the array (truncated?)".into())
                            );
                        }
                        Some(_) => {}
                    }
                    let line = self.line;
                    if let Err(e) = self.scan_value() {
                        self.state = State::Done;
                        // Point at where the broken element starts, not where reading stopped.
                        return Err(match e {
                            ScanError::Syntax { reason, .. } => ScanError::Syntax { line, reason },
                            io => io,
                        });
                    }
                    self.skip_ws()?;
                    match self.peek()? {
                        Some(b',') => {
                            self.bump();
                            self.state = State::Next;
                        }
                        Some(b']') => {
                            self.bump();
                            self.state = State::Done;
                        }
                        other => {
                            self.state = State::Done;
                            return Err(self.syntax(format!(
                                "expected ',' or ']' after element {}, found {}",
                                self.index,
                                show(other)
                            )));
                        }
                    }
                    let index = self.index;
                    self.index += 1;
                    return Ok(Some(Element {
                        index,
                        line,
                        bytes: &self.buf,
                    }));
                }
            }
        }
    }

    fn syntax(&self, reason: String) -> ScanError {
        ScanError::Syntax {
            line: self.line,
            reason,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            match self.reader.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanError::Io(e)),
            }
        }
    }

    fn bump(&mut self) {
        self.reader.consume(1);
    }

    /// Drops a UTF-8 byte-order mark, byte by byte (the buffer may hold fewer than 3 bytes).
    fn skip_bom(&mut self) -> Result<(), ScanError> {
        for expected in [0xEF, 0xBB, 0xBF] {
            if self.peek()? != Some(expected) {
                return Ok(());
            }
            self.bump();
        }
        Ok(())
    }

    fn skip_ws(&mut self) -> Result<(), ScanError> {
        loop {
            let chunk = self.reader.fill_buf().map_err(ScanError::Io)?;
            if chunk.is_empty() {
                return Ok(());
            }
            let mut n = 0;
            let mut lines = 0;
            for &b in chunk {
                match b {
                    b'\n' => lines += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => break,
                }
                n += 1;
            }
            let all = n == chunk.len();
            self.reader.consume(n);
            self.line += lines;
            if !all {
                return Ok(());
            }
        }
    }

    /// Reads one JSON value (object, array, string or scalar) into `self.buf`. The value is
    /// delimited, not validated. String bodies, about half of an export's bytes, are skipped
    /// with `memchr` rather than byte by byte.
    fn scan_value(&mut self) -> Result<(), ScanError> {
        self.buf.clear();
        let mut depth: u32 = 0;
        let mut in_str = false;
        let mut esc = false;
        let mut first = true;
        loop {
            let chunk = self.reader.fill_buf().map_err(ScanError::Io)?;
            if chunk.is_empty() {
                if depth == 0 && !in_str && !self.buf.is_empty() {
                    return Ok(()); // a scalar ending at end of input
                }
                return Err(self.syntax("file ends inside an element (truncated?)".into()));
            }
            let mut i = 0;
            let mut done = false;
            while i < chunk.len() {
                if in_str {
                    if esc {
                        esc = false;
                        i += 1;
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                        None => {
                            i = chunk.len();
                            break;
                        }
                        Some(p) => {
                            i += p;
                            if chunk[i] == b'\\' {
                                esc = true;
                                i += 1;
                                continue;
                            }
                            in_str = false;
                            i += 1;
                            if depth == 0 {
                                done = true;
                                break;
                            }
                            continue;
                        }
                    }
                }
                let b = chunk[i];
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        if depth == 0 {
                            // Closing bracket of the enclosing container ends a scalar.
                            done = true;
                            break;
                        }
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            done = true;
                            break;
                        }
                    }
                    b',' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 && !first => {
                        done = true;
                        break;
                    }
                    _ => {}
                }
                first = false;
                i += 1;
            }
            let taken = &chunk[..i];
            self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
            self.buf.extend_from_slice(taken);
            self.reader.consume(i);
            if done {
                return Ok(());
            }
            if self.buf.len() > MAX_ELEMENT_BYTES {
                return Err(self.syntax(format!(
                    "an element is larger than {MAX_ELEMENT_BYTES} bytes (corrupt file?)"
                )));
            }
        }
    }
}

fn show(b: Option<u8>) -> String {
    match b {
        None => "end of file".to_string(),
        Some(c) if c.is_ascii_graphic() => format!("'{}'", c as char),
        Some(c) => format!("byte 0x{c:02x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(doc: &str, chunk: usize) -> (Vec<(u64, u64, String)>, Option<String>) {
        let reader = io::BufReader::with_capacity(chunk, doc.as_bytes());
        let mut out = Vec::new();
        let mut s = match JsonElements::top_level_array(reader) {
            Ok(s) => s,
            Err(e) => return (out, Some(format!("{e:?}"))),
        };
        loop {
            match s.next_element() {
                Ok(Some(e)) => out.push((
                    e.index,
                    e.line,
                    String::from_utf8(e.bytes.to_vec()).unwrap(),
                )),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(format!("{e:?}"))),
            }
        }
    }

    #[test]
    fn splits_elements_at_any_buffer_size() {
        let doc =
            "\u{feff}[\n {\"a\": \"x,]}\\\"\"},\n [1, [2]] ,\n\"s\\\\\" , 12.5e3, null, {}\n]";
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let (els, err) = collect(doc, chunk);
            assert_eq!(err, None, "chunk {chunk}");
            let bodies: Vec<&str> = els.iter().map(|e| e.2.as_str()).collect();
            assert_eq!(
                bodies,
                [
                    "{\"a\": \"x,]}\\\"\"}",
                    "[1, [2]]",
                    "\"s\\\\\"",
                    "12.5e3",
                    "null",
                    "{}"
                ],
                "chunk {chunk}"
            );
            assert_eq!(els[0].1, 2);
            assert_eq!(els[1].1, 3);
            assert_eq!(els[2].1, 4);
            assert_eq!(els[5].0, 5);
        }
    }

    #[test]
    fn empty_array_and_truncation() {
        assert_eq!(collect("  [ ]  ", 4096), (vec![], None));
        let (els, err) = collect("[{\"a\":1},{\"b\":", 4096);
        assert_eq!(els.len(), 1);
        assert!(err.unwrap().contains("truncated"));
        let (els, err) = collect("[{\"a\":1} {\"b\":2}]", 4096);
        assert_eq!(
            els.len(),
            0,
            "the element before a missing comma is not handed out"
        );
        assert!(err.unwrap().contains("expected ','"));
        assert!(collect("{\"a\":1}", 4096)
            .1
            .unwrap()
            .contains("expected '['"));
    }

    #[test]
    fn finds_a_member_array() {
        let doc = r#"{"maloja": {"x": [1, {"y": "]"}]}, "listen_type": "import", "scrobbles": [ {"t":1}, {"t":2} ]}"#;
        let mut s = JsonElements::object_member_array(
            io::BufReader::with_capacity(5, doc.as_bytes()),
            "scrobbles",
        )
        .unwrap();
        let mut got = Vec::new();
        while let Some(e) = s.next_element().unwrap() {
            got.push(String::from_utf8(e.bytes.to_vec()).unwrap());
        }
        assert_eq!(got, ["{\"t\":1}", "{\"t\":2}"]);
        let missing = JsonElements::object_member_array(doc.as_bytes(), "payload");
        assert!(matches!(missing, Err(ScanError::Syntax { .. })));
    }
}
