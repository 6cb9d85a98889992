//! The MPD adapter: `speaker_entity` = `mpd://host[:port]` (default port 6600).
//!
//! MPD plays files of its own database, addressed by their path relative to MPD's
//! `music_directory`. Hearth knows absolute paths (the library scanner's `file_path`), so the
//! adapter maps each one under the configured `mpd.music_dir` to that relative URI. Play =
//! `clear`, one `add` per mappable track (batched in command lists), `play`; tracks without a
//! file, outside `music_dir`, or refused by MPD (not in its database) are reported in
//! [`PlayReport::not_queued`], never silently dropped.
//!
//! The mapping is lexical (no `canonicalize`): MPD may run on another host that mounts the same
//! folder, so Hearth cannot stat MPD's files; MPD itself says which ones it does not have.

mod protocol;

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;

use protocol::TARGET;
pub use protocol::{
    command_line, parse_ack, parse_line, quote, Ack, Line, ListOutcome, MpdConnection, ACK_NO_EXIST,
};

use crate::{NotQueued, PlayError, PlayItem, PlayReport, PlaybackTarget};

/// MPD's default TCP port.
pub const DEFAULT_PORT: u16 = 6600;
/// Commands per `command_list_ok_begin` batch: far below MPD's default list size limit
/// (`max_command_list_size`, 2 MiB) even for long paths.
const ADDS_PER_LIST: usize = 256;

/// Where an MPD server listens, parsed from `mpd://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpdAddress {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl fmt::Display for MpdAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "mpd://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "mpd://{}:{}", self.host, self.port)
        }
    }
}

/// Whether `speaker_entity` names an MPD server (scheme `mpd://`, any case).
pub fn is_mpd_entity(speaker_entity: &str) -> bool {
    speaker_entity
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("mpd://"))
}

impl MpdAddress {
    /// Parses `mpd://host`, `mpd://host:port` or `mpd://[v6addr]:port`. No user info, path,
    /// query or fragment; anything else is [`PlayError::InvalidTarget`].
    pub fn parse(speaker_entity: &str) -> Result<Self, PlayError> {
        let invalid = |reason: &str| PlayError::InvalidTarget {
            speaker_entity: speaker_entity.to_string(),
            reason: reason.to_string(),
        };
        if !is_mpd_entity(speaker_entity) {
            return Err(invalid("an MPD target is written mpd://host:port"));
        }
        let rest = &speaker_entity[6..];
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) || rest.contains(char::is_whitespace) {
            return Err(invalid(
                "mpd://host:port takes no user, path, query or spaces",
            ));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let Some((host, after)) = v6.split_once(']') else {
                return Err(invalid("unclosed [ in the IPv6 address"));
            };
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| invalid("expected :port after the IPv6 address"))?,
                ),
            };
            if host.is_empty() || !host.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                return Err(invalid("not an IPv6 address inside [ ]"));
            }
            (host, port)
        } else {
            match rest.split_once(':') {
                Some((_, p)) if p.contains(':') => {
                    return Err(invalid("IPv6 addresses need brackets: mpd://[::1]:6600"))
                }
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(invalid("the host is missing"));
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b))
        {
            return Err(invalid(
                "the host may hold only letters, digits, '-', '.' and '_'",
            ));
        }
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(invalid("the port must be a number in 1..=65535")),
                Ok(n) => n,
            },
        };
        Ok(MpdAddress {
            host: host.to_string(),
            port,
        })
    }
}

/// Maps an absolute file path to its MPD URI: the path relative to `music_dir`, with `/`
/// separators. `Err` holds the reason a user reads in `not_queued`.
///
/// Lexical: `.` components are dropped; any `..` is refused (it could climb out of
/// `music_dir`, and MPD refuses it anyway).
pub fn mpd_uri(music_dir: &Path, file: &Path) -> Result<String, String> {
    if !file.is_absolute() {
        return Err(format!("file path {} is not absolute", file.display()));
    }
    let normal = |p: &Path| -> Result<Vec<std::ffi::OsString>, String> {
        let mut parts = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_os_string()),
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
                Component::ParentDir => {
                    return Err(format!("file path {} contains '..'", p.display()))
                }
            }
        }
        Ok(parts)
    };
    let dir = normal(music_dir)?;
    let parts = normal(file)?;
    let Some(relative) = parts.strip_prefix(dir.as_slice()) else {
        return Err(format!(
            "file {} is outside the MPD music_dir {}",
            file.display(),
            music_dir.display()
        ));
    };
    if relative.is_empty() {
        return Err(format!(
            "file path {} is the MPD music_dir itself",
            file.display()
        ));
    }
    let mut uri = String::new();
    for (i, part) in relative.iter().enumerate() {
        let Some(s) = part.to_str() else {
            return Err(format!(
                "file path {} is not valid UTF-8, which the MPD protocol requires",
                file.display()
            ));
        };
        if i > 0 {
            uri.push('/');
        }
        uri.push_str(s);
    }
    if uri.contains(['\n', '\r']) {
        return Err(format!(
            "file path {} contains a line break, which the MPD protocol cannot carry",
            file.display()
        ));
    }
    Ok(uri)
}

/// MPD's player state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerState {
    Play,
    Pause,
    Stop,
}

/// The parts of MPD's `status` answer Hearth uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpdStatus {
    pub state: PlayerState,
    /// Songs in the current playlist (queue).
    pub playlist_length: u32,
    /// Position of the current song in the queue, when there is one.
    pub song_pos: Option<u32>,
    /// The job id of a running database update.
    pub updating_db: Option<u64>,
    /// The last player error (e.g. a file that failed to decode).
    pub error: Option<String>,
}

impl MpdStatus {
    /// Reads the `key: value` pairs of a `status` answer.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, PlayError> {
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let bad = |key: &str, value: &str| PlayError::Upstream {
            target: TARGET,
            status: None,
            message: format!("status answer has {key}: {value:?}"),
        };
        let state = match get("state") {
            Some("play") => PlayerState::Play,
            Some("pause") => PlayerState::Pause,
            Some("stop") => PlayerState::Stop,
            Some(other) => return Err(bad("state", other)),
            None => return Err(bad("state", "(missing)")),
        };
        let number = |key: &str| -> Result<Option<u64>, PlayError> {
            get(key)
                .map(|v| v.trim().parse::<u64>().map_err(|_| bad(key, v)))
                .transpose()
        };
        let playlist_length =
            number("playlistlength")?.ok_or_else(|| bad("playlistlength", "(missing)"))?;
        Ok(MpdStatus {
            state,
            playlist_length: u32::try_from(playlist_length)
                .map_err(|_| bad("playlistlength", &playlist_length.to_string()))?,
            song_pos: number("song")?.and_then(|n| u32::try_from(n).ok()),
            updating_db: number("updating_db")?,
            error: get("error").map(str::to_string),
        })
    }
}

/// One entry of MPD's current playlist (`playlistinfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct MpdSong {
    /// The MPD URI (path relative to MPD's music directory).
    pub file: String,
    pub pos: Option<u32>,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub duration_ms: Option<u64>,
}

impl MpdSong {
    /// Splits a `playlistinfo` answer into songs: each starts at a `file:` line.
    pub fn list_from_pairs(pairs: &[(String, String)]) -> Vec<MpdSong> {
        let mut songs: Vec<MpdSong> = Vec::new();
        for (k, v) in pairs {
            if k == "file" {
                songs.push(MpdSong {
                    file: v.clone(),
                    pos: None,
                    title: None,
                    artist: None,
                    duration_ms: None,
                });
                continue;
            }
            let Some(song) = songs.last_mut() else {
                continue;
            };
            match k.as_str() {
                "Pos" => song.pos = v.parse().ok(),
                "Title" => song.title = Some(v.clone()),
                "Artist" => song.artist = Some(v.clone()),
                // `duration` (seconds, fractional) since MPD 0.20; `Time` (whole seconds) before.
                "duration" => {
                    song.duration_ms = v.parse::<f64>().ok().map(|s| (s * 1000.0).round() as u64)
                }
                "Time" if song.duration_ms.is_none() => {
                    song.duration_ms = v.parse::<u64>().ok().map(|s| s * 1000)
                }
                _ => {}
            }
        }
        songs
    }
}

/// Plays local files on MPD servers named by `mpd://host:port`.
#[derive(Debug, Clone)]
pub struct Mpd {
    music_dir: Option<PathBuf>,
    timeout: Duration,
}

impl Mpd {
    /// `music_dir`: MPD's `music_directory` as Hearth sees it (absolute); `None` when not
    /// configured — then `play` fails with [`PlayError::NotConfigured`] while `status` and
    /// `current_playlist` still work. `timeout` bounds connecting and each answer.
    pub fn new(music_dir: Option<PathBuf>, timeout: Duration) -> Result<Self, PlayError> {
        if let Some(dir) = &music_dir {
            if !dir.is_absolute() || dir.components().any(|c| c == Component::ParentDir) {
                return Err(PlayError::NotConfigured {
                    target: TARGET,
                    what: format!(
                        "mpd.music_dir {} must be an absolute path without '..'",
                        dir.display()
                    ),
                });
            }
        }
        if timeout.is_zero() {
            return Err(PlayError::NotConfigured {
                target: TARGET,
                what: "the MPD timeout must be above zero".into(),
            });
        }
        Ok(Mpd { music_dir, timeout })
    }

    pub fn music_dir(&self) -> Option<&Path> {
        self.music_dir.as_deref()
    }

    /// Opens a protocol connection to the server named by `speaker_entity`.
    pub async fn connect(&self, speaker_entity: &str) -> Result<MpdConnection, PlayError> {
        let address = MpdAddress::parse(speaker_entity)?;
        MpdConnection::connect(&address, self.timeout).await
    }

    /// MPD's `status`.
    pub async fn status(&self, speaker_entity: &str) -> Result<MpdStatus, PlayError> {
        let mut conn = self.connect(speaker_entity).await?;
        let pairs = conn.checked("status").await?;
        MpdStatus::from_pairs(&pairs)
    }

    /// The current playlist (queue), in order (`playlistinfo`).
    pub async fn current_playlist(&self, speaker_entity: &str) -> Result<Vec<MpdSong>, PlayError> {
        let mut conn = self.connect(speaker_entity).await?;
        let pairs = conn.checked("playlistinfo").await?;
        Ok(MpdSong::list_from_pairs(&pairs))
    }

    /// Starts a database rescan (`update`) and returns MPD's job id; `status().updating_db`
    /// shows it until the rescan is done.
    pub async fn update_database(&self, speaker_entity: &str) -> Result<u64, PlayError> {
        let mut conn = self.connect(speaker_entity).await?;
        let pairs = conn.checked("update").await?;
        pairs
            .iter()
            .find(|(k, _)| k == "updating_db")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| PlayError::Upstream {
                target: TARGET,
                status: None,
                message: "update answered without an updating_db job id".into(),
            })
    }
}

#[async_trait]
impl PlaybackTarget for Mpd {
    async fn play(
        &self,
        speaker_entity: &str,
        items: &[PlayItem],
    ) -> Result<PlayReport, PlayError> {
        let address = MpdAddress::parse(speaker_entity)?;
        let Some(music_dir) = &self.music_dir else {
            return Err(PlayError::NotConfigured {
                target: TARGET,
                what: "mpd.music_dir is empty (MPD plays local files under it)".into(),
            });
        };
        // (position in `items`, report entry), sorted by position at the end so the report
        // follows the playlist order whatever stage refused a track.
        let mut refused: Vec<(usize, NotQueued)> = Vec::new();
        let mut planned: Vec<(usize, String)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let uri = match &item.file_path {
                None => Err("no local file".to_string()),
                Some(path) => mpd_uri(music_dir, path),
            };
            match uri {
                Ok(uri) => planned.push((i, uri)),
                Err(reason) => refused.push((
                    i,
                    NotQueued {
                        track_id: item.track_id,
                        reason,
                    },
                )),
            }
        }
        if items.is_empty() {
            return Err(PlayError::NothingToPlay {
                target: TARGET,
                reason: "the playlist is empty".into(),
            });
        }
        if planned.is_empty() {
            return Err(PlayError::NothingToPlay {
                target: TARGET,
                reason: format!(
                    "none of the {} tracks has a local file under {}",
                    items.len(),
                    music_dir.display()
                ),
            });
        }

        let mut conn = MpdConnection::connect(&address, self.timeout).await?;
        conn.checked("clear").await?;
        let mut queued = 0;
        let mut rest = planned.as_slice();
        while !rest.is_empty() {
            let batch = &rest[..rest.len().min(ADDS_PER_LIST)];
            let lines: Vec<String> = batch
                .iter()
                .map(|(_, uri)| command_line("add", &[uri]))
                .collect();
            let outcome = conn.command_list(&lines).await?;
            queued += outcome.completed;
            match outcome.ack {
                None => rest = &rest[batch.len()..],
                Some(ack) => {
                    // MPD stops the list at the failing add: report that track, go on after it.
                    let Some((pos, uri)) = batch.get(outcome.completed) else {
                        return Err(PlayError::Upstream {
                            target: TARGET,
                            status: None,
                            message: format!("ACK after the whole list succeeded: {ack}"),
                        });
                    };
                    let why = if ack.code == ACK_NO_EXIST {
                        format!("MPD has no {uri:?} in its database ({})", ack.message)
                    } else {
                        format!("MPD refused {uri:?}: {ack}")
                    };
                    refused.push((
                        *pos,
                        NotQueued {
                            track_id: items[*pos].track_id,
                            reason: why,
                        },
                    ));
                    rest = &rest[outcome.completed + 1..];
                }
            }
        }
        refused.sort_by_key(|(pos, _)| *pos);
        let not_queued: Vec<NotQueued> = refused.into_iter().map(|(_, n)| n).collect();
        if queued == 0 {
            return Err(PlayError::NothingToPlay {
                target: TARGET,
                reason: format!(
                    "MPD refused every track (the queue was cleared): {}",
                    not_queued
                        .iter()
                        .map(|n| format!("track {}: {}", n.track_id, n.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            });
        }
        conn.checked("play").await?;
        // A failed goodbye does not undo the play that already happened.
        let _ = conn.close().await;
        Ok(PlayReport {
            target: "mpd".into(),
            speaker_entity: speaker_entity.to_string(),
            queued,
            not_queued,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("mpd://localhost", "localhost", 6600)]
    #[case("mpd://127.0.0.1:6601", "127.0.0.1", 6601)]
    #[case("MPD://Living-Room.local:6600/", "Living-Room.local", 6600)]
    #[case("mpd://[::1]:7000", "::1", 7000)]
    #[case("mpd://[fe80::1]", "fe80::1", 6600)]
    fn addresses(#[case] entity: &str, #[case] host: &str, #[case] port: u16) {
        assert_eq!(
            MpdAddress::parse(entity).unwrap(),
            MpdAddress {
                host: host.into(),
                port
            }
        );
    }

    #[rstest]
    #[case("media_player.kitchen")]
    #[case("http://host:6600")]
    #[case("mpd:/host")]
    #[case("mpd://")]
    #[case("mpd://:6600")]
    #[case("mpd://host:0")]
    #[case("mpd://host:70000")]
    #[case("mpd://host:port")]
    #[case("mpd://host:6600/music")]
    #[case("mpd://pass@host:6600")]
    #[case("mpd://host?x=1")]
    #[case("mpd://::1:6600")]
    #[case("mpd://[::1")]
    #[case("mpd://[::1]6600")]
    #[case("mpd://ho st")]
    fn bad_addresses(#[case] entity: &str) {
        let got = MpdAddress::parse(entity);
        assert!(
            matches!(got, Err(PlayError::InvalidTarget { .. })),
            "{entity:?}: {got:?}"
        );
    }

    #[test]
    fn address_display_round_trips() {
        for e in ["mpd://host:6600", "mpd://[::1]:7000"] {
            assert_eq!(MpdAddress::parse(e).unwrap().to_string(), e);
        }
    }

    #[rstest]
    #[case(
        "/music",
        "/music/Artist/Album/01 Song.flac",
        Ok("Artist/Album/01 Song.flac")
    )]
    #[case("/music/", "/music/a.mp3", Ok("a.mp3"))]
    #[case("/music", "/music/./Artist/./b.ogg", Ok("Artist/b.ogg"))]
    #[case("/music", "/music/Björk/\"Jóga\".flac", Ok("Björk/\"Jóga\".flac"))]
    #[case("/music", "/other/a.mp3", Err("outside the MPD music_dir"))]
    #[case("/music", "/musicals/a.mp3", Err("outside the MPD music_dir"))]
    #[case("/music", "/music/../etc/passwd", Err("contains '..'"))]
    #[case("/music", "/music/a/../../b.mp3", Err("contains '..'"))]
    #[case("/music", "/music", Err("music_dir itself"))]
    #[case("/music", "relative/a.mp3", Err("not absolute"))]
    #[case("/music", "/music/a\nb.mp3", Err("line break"))]
    fn path_to_uri(#[case] dir: &str, #[case] file: &str, #[case] expected: Result<&str, &str>) {
        let got = mpd_uri(Path::new(dir), Path::new(file));
        match (got, expected) {
            (Ok(uri), Ok(want)) => assert_eq!(uri, want),
            (Err(reason), Err(want)) => assert!(reason.contains(want), "{reason}"),
            (got, want) => panic!("{file}: got {got:?}, want {want:?}"),
        }
    }

    proptest! {
        /// Any file under music_dir maps to exactly its relative path, '/'-joined.
        #[test]
        fn files_under_music_dir_map_to_their_relative_path(
            dir in proptest::collection::vec("[a-zA-Z0-9 ._-]{1,8}", 0..3),
            rel in proptest::collection::vec("[^/\\x00\\n\\r]{1,8}", 1..4),
        ) {
            // "." and ".." are path syntax, not names.
            prop_assume!(dir.iter().chain(&rel).all(|p| p != "." && p != ".."));
            let music_dir = Path::new("/").join(dir.join("/"));
            let file = music_dir.join(rel.join("/"));
            prop_assert_eq!(mpd_uri(&music_dir, &file), Ok(rel.join("/")));
        }

        /// A '..' anywhere is refused, whatever surrounds it.
        #[test]
        fn parent_components_are_always_refused(
            before in proptest::collection::vec("[a-z]{1,5}", 0..3),
            after in proptest::collection::vec("[a-z]{1,5}", 0..3),
        ) {
            let file = format!("/music/{}", before.iter().chain(&["..".to_string()]).chain(&after).cloned().collect::<Vec<_>>().join("/"));
            let got = mpd_uri(Path::new("/music"), Path::new(&file));
            prop_assert!(got.is_err(), "{} -> {:?}", file, got);
        }
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        text.lines()
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn status_parsing() {
        let s = MpdStatus::from_pairs(&pairs(
            "volume: -1\nrepeat: 0\nplaylist: 5\nplaylistlength: 3\nstate: play\nsong: 0\n\
             songid: 1\nupdating_db: 2\nerror: Failed to decode x.wav",
        ))
        .unwrap();
        assert_eq!(
            s,
            MpdStatus {
                state: PlayerState::Play,
                playlist_length: 3,
                song_pos: Some(0),
                updating_db: Some(2),
                error: Some("Failed to decode x.wav".into()),
            }
        );
        let stopped = MpdStatus::from_pairs(&pairs("playlistlength: 0\nstate: stop")).unwrap();
        assert_eq!(stopped.state, PlayerState::Stop);
        assert_eq!(stopped.song_pos, None);
        assert!(MpdStatus::from_pairs(&pairs("playlistlength: 0")).is_err());
        assert!(MpdStatus::from_pairs(&pairs("state: jump\nplaylistlength: 0")).is_err());
        assert!(MpdStatus::from_pairs(&pairs("state: play\nplaylistlength: x")).is_err());
    }

    #[test]
    fn playlistinfo_parsing() {
        let songs = MpdSong::list_from_pairs(&pairs(
            "file: a/one.wav\nTime: 5\nduration: 5.000\nPos: 0\nId: 1\n\
             file: two.flac\nTitle: Two\nArtist: B\nTime: 7\nPos: 1\nId: 2",
        ));
        assert_eq!(songs.len(), 2);
        assert_eq!(songs[0].file, "a/one.wav");
        assert_eq!(songs[0].duration_ms, Some(5000));
        assert_eq!(songs[1].pos, Some(1));
        assert_eq!(songs[1].title.as_deref(), Some("Two"));
        assert_eq!(songs[1].duration_ms, Some(7000));
    }

    #[rstest]
    #[case("mpd://h", true)]
    #[case("MPD://h", true)]
    #[case("mpd:/", false)]
    #[case("media_player.mpd", false)]
    #[case("", false)]
    fn mpd_entities(#[case] entity: &str, #[case] is: bool) {
        assert_eq!(is_mpd_entity(entity), is);
    }
}
