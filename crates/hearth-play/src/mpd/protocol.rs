//! A small async client for the MPD text protocol: only what Hearth needs.
//!
//! Protocol facts this module relies on: on connect the server greets with `OK MPD <version>`;
//! a command is one line, arguments quoted with `"` and backslash-escaped `"` and `\`; an answer
//! is zero or more `key: value` lines ended by `OK`, or a single
//! `ACK [<code>@<index>] {<command>} <message>` line. Inside
//! `command_list_ok_begin` … `command_list_end` each successful command is followed by
//! `list_OK`, and the first failing one ends the whole list with its `ACK` (`index` is its
//! position in the list); the commands after it are not run.

use std::fmt;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::MpdAddress;
use crate::PlayError;

pub(crate) const TARGET: &str = "MPD";
/// MPD's error code for "no such file or directory / song" (`ACK_ERROR_NO_EXIST`).
pub const ACK_NO_EXIST: u32 = 50;
/// A line longer than this is not an answer Hearth asked for.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// An `ACK` error line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// MPD's numeric error code (e.g. 50 = not found, 2 = bad argument).
    pub code: u32,
    /// Position of the failing command inside a command list (0 outside lists).
    pub index: usize,
    /// The command that failed, as MPD names it (may be empty).
    pub command: String,
    pub message: String,
}

impl fmt::Display for Ack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {} (ACK {})",
            if self.command.is_empty() {
                "command"
            } else {
                &self.command
            },
            self.message,
            self.code
        )
    }
}

/// One line of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Ok,
    ListOk,
    Ack(Ack),
    Pair(String, String),
}

/// Quotes one argument: wrapped in `"`, with `"` and `\` escaped by a backslash.
pub fn quote(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A whole command line (without the newline): `command "arg1" "arg2"`.
///
/// Arguments must not contain line breaks (the protocol cannot carry them); callers check.
pub fn command_line(command: &str, args: &[&str]) -> String {
    let mut line = command.to_string();
    for a in args {
        debug_assert!(
            !a.contains(['\n', '\r']),
            "MPD arguments cannot hold line breaks"
        );
        line.push(' ');
        line.push_str(&quote(a));
    }
    line
}

/// Parses an `ACK [code@index] {command} message` line; `None` when `line` is not one.
pub fn parse_ack(line: &str) -> Option<Ack> {
    let rest = line.strip_prefix("ACK [")?;
    let (code_at_index, rest) = rest.split_once(']')?;
    let (code, index) = code_at_index.split_once('@')?;
    let rest = rest.trim_start().strip_prefix('{')?;
    let (command, message) = rest.split_once('}')?;
    Some(Ack {
        code: code.trim().parse().ok()?,
        index: index.trim().parse().ok()?,
        command: command.to_string(),
        message: message.trim().to_string(),
    })
}

/// Classifies one answer line (without its newline).
pub fn parse_line(line: &str) -> Result<Line, PlayError> {
    match line {
        "OK" => return Ok(Line::Ok),
        "list_OK" => return Ok(Line::ListOk),
        _ => {}
    }
    if line.starts_with("ACK ") {
        return parse_ack(line)
            .map(Line::Ack)
            .ok_or_else(|| malformed(line));
    }
    match line.split_once(": ") {
        Some((k, v)) if !k.is_empty() => Ok(Line::Pair(k.to_string(), v.to_string())),
        _ => Err(malformed(line)),
    }
}

fn malformed(line: &str) -> PlayError {
    let shown: String = line.chars().take(120).collect();
    PlayError::Upstream {
        target: TARGET,
        status: None,
        message: format!("unexpected line in the answer: {shown:?}"),
    }
}

/// The outcome of a command list: how many commands succeeded, and the `ACK` that stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOutcome {
    pub completed: usize,
    pub ack: Option<Ack>,
}

/// An open connection to one MPD server.
#[derive(Debug)]
pub struct MpdConnection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    timeout: Duration,
    /// The protocol version from the greeting, e.g. `0.23.5`.
    pub protocol_version: String,
}

impl MpdConnection {
    /// Connects and reads the greeting; every later read and write is bounded by `timeout`.
    pub async fn connect(address: &MpdAddress, timeout: Duration) -> Result<Self, PlayError> {
        let stream = tokio::time::timeout(
            timeout,
            TcpStream::connect((address.host.as_str(), address.port)),
        )
        .await
        .map_err(|_| timeout_error(timeout))?
        .map_err(|e| PlayError::Connection {
            target: TARGET,
            reason: format!("{address}: {e}"),
        })?;
        // Small commands, answered one at a time: do not wait to coalesce them.
        stream
            .set_nodelay(true)
            .map_err(|e| PlayError::Connection {
                target: TARGET,
                reason: format!("{address}: {e}"),
            })?;
        let (read, write) = stream.into_split();
        let mut conn = MpdConnection {
            reader: BufReader::new(read),
            writer: write,
            timeout,
            protocol_version: String::new(),
        };
        let greeting = conn.read_line().await?;
        let Some(version) = greeting.strip_prefix("OK MPD ") else {
            return Err(PlayError::Upstream {
                target: TARGET,
                status: None,
                message: format!("{address} is not an MPD server (greeting {greeting:?})"),
            });
        };
        conn.protocol_version = version.trim().to_string();
        Ok(conn)
    }

    async fn read_line(&mut self) -> Result<String, PlayError> {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(self.timeout, async {
            // Bounded: a misbehaving peer cannot make us buffer without end.
            let mut limited = (&mut self.reader).take(MAX_LINE_BYTES as u64 + 1);
            limited.read_until(b'\n', &mut buf).await
        })
        .await
        .map_err(|_| timeout_error(self.timeout))?
        .map_err(|e| PlayError::Connection {
            target: TARGET,
            reason: format!("reading the answer: {e}"),
        })?;
        if read == 0 {
            return Err(PlayError::Connection {
                target: TARGET,
                reason: "the server closed the connection".into(),
            });
        }
        if buf.last() != Some(&b'\n') {
            return Err(PlayError::Upstream {
                target: TARGET,
                status: None,
                message: format!("answer line longer than {MAX_LINE_BYTES} bytes or cut short"),
            });
        }
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    async fn send(&mut self, text: &str) -> Result<(), PlayError> {
        tokio::time::timeout(self.timeout, async {
            self.writer.write_all(text.as_bytes()).await?;
            self.writer.flush().await
        })
        .await
        .map_err(|_| timeout_error(self.timeout))?
        .map_err(|e| PlayError::Connection {
            target: TARGET,
            reason: format!("sending a command: {e}"),
        })
    }

    /// Runs one command line; `Ok(Err(ack))` when MPD refused it.
    pub async fn command(
        &mut self,
        line: &str,
    ) -> Result<Result<Vec<(String, String)>, Ack>, PlayError> {
        self.send(&format!("{line}\n")).await?;
        let mut pairs = Vec::new();
        loop {
            let text = self.read_line().await?;
            match parse_line(&text)? {
                Line::Ok => return Ok(Ok(pairs)),
                Line::Ack(ack) => return Ok(Err(ack)),
                Line::Pair(k, v) => pairs.push((k, v)),
                Line::ListOk => return Err(malformed(&text)),
            }
        }
    }

    /// Runs one command and turns an `ACK` into [`PlayError::Upstream`].
    pub async fn checked(&mut self, line: &str) -> Result<Vec<(String, String)>, PlayError> {
        self.command(line)
            .await?
            .map_err(|ack| PlayError::Upstream {
                target: TARGET,
                status: None,
                message: ack.to_string(),
            })
    }

    /// Runs `lines` as one `command_list_ok_begin` batch (answers other than `list_OK` are
    /// ignored: the batch is for commands whose output Hearth does not need).
    pub async fn command_list(&mut self, lines: &[String]) -> Result<ListOutcome, PlayError> {
        let mut text = String::from("command_list_ok_begin\n");
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        text.push_str("command_list_end\n");
        self.send(&text).await?;
        let mut completed = 0;
        loop {
            let line = self.read_line().await?;
            match parse_line(&line)? {
                Line::ListOk => completed += 1,
                Line::Ok => {
                    return Ok(ListOutcome {
                        completed,
                        ack: None,
                    })
                }
                Line::Ack(ack) => {
                    return Ok(ListOutcome {
                        completed,
                        ack: Some(ack),
                    })
                }
                Line::Pair(..) => {}
            }
        }
    }

    /// Says goodbye; MPD closes its side.
    pub async fn close(mut self) -> Result<(), PlayError> {
        self.send("close\n").await
    }
}

fn timeout_error(timeout: Duration) -> PlayError {
    PlayError::Timeout {
        target: TARGET,
        after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("plain.flac", r#""plain.flac""#)]
    #[case("a b/c.mp3", r#""a b/c.mp3""#)]
    #[case(r#"say "hi".ogg"#, r#""say \"hi\".ogg""#)]
    #[case(r"back\slash.wav", r#""back\\slash.wav""#)]
    #[case(r#"\""#, r#""\\\"""#)]
    #[case("", r#""""#)]
    #[case("Björk/Jóga.flac", "\"Björk/Jóga.flac\"")]
    fn quoting(#[case] arg: &str, #[case] expected: &str) {
        assert_eq!(quote(arg), expected);
    }

    #[test]
    fn command_lines() {
        assert_eq!(command_line("clear", &[]), "clear");
        assert_eq!(
            command_line("add", &[r#"A/"B".wav"#]),
            r#"add "A/\"B\".wav""#
        );
    }

    /// Undoes [`quote`] the way MPD's tokenizer does: strips the quotes, a backslash takes the
    /// next character literally.
    fn unquote(q: &str) -> Option<String> {
        let inner = q.strip_prefix('"')?.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?),
                '"' => return None, // an unescaped quote would end the argument early
                c => out.push(c),
            }
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn quote_round_trips(arg in "\\PC*") {
            prop_assert_eq!(unquote(&quote(&arg)), Some(arg));
        }
    }

    #[rstest]
    #[case("OK", Line::Ok)]
    #[case("list_OK", Line::ListOk)]
    #[case("state: play", Line::Pair("state".into(), "play".into()))]
    #[case("file: a: b.flac", Line::Pair("file".into(), "a: b.flac".into()))]
    #[case("Title: ", Line::Pair("Title".into(), String::new()))]
    #[case(
        "ACK [50@0] {add} No such directory",
        Line::Ack(Ack { code: 50, index: 0, command: "add".into(), message: "No such directory".into() })
    )]
    #[case(
        "ACK [2@3] {} Bad song index",
        Line::Ack(Ack { code: 2, index: 3, command: String::new(), message: "Bad song index".into() })
    )]
    #[case(
        "ACK [5@0] {} unknown command \"frobnicate\"",
        Line::Ack(Ack { code: 5, index: 0, command: String::new(), message: "unknown command \"frobnicate\"".into() })
    )]
    fn answer_lines(#[case] line: &str, #[case] expected: Line) {
        assert_eq!(parse_line(line).unwrap(), expected);
    }

    #[rstest]
    #[case("ACK nonsense")]
    #[case("ACK [x@0] {add} msg")]
    #[case("ACK [50] {add} msg")]
    #[case("no separator")]
    #[case(": empty key")]
    fn malformed_lines(#[case] line: &str) {
        assert!(
            matches!(parse_line(line), Err(PlayError::Upstream { .. })),
            "{line:?}"
        );
    }

    #[test]
    fn ack_display_names_command_and_message() {
        let ack = parse_ack("ACK [50@1] {add} No such directory").unwrap();
        assert_eq!(ack.to_string(), "add failed: No such directory (ACK 50)");
    }
}
