//! Where a playlist goes once it exists: playback targets and playlist files.
//!
//! This crate owns the *playback port* ([`PlaybackTarget`]) and its adapters — Home Assistant /
//! Music Assistant (`play_media` over HTTP) and MPD (`mpd://host:port`, local files) — plus the
//! playlist file writers (M3U8, XSPF, JSPF). It knows nothing about SQL, HTTP routing or taste:
//! callers hand it fully resolved [`PlayItem`]s. It must not depend on `hearth-store` or
//! `hearth-server`.
//!
//! Main types: [`PlayItem`] (one track as a player needs it), [`PlaybackTarget`] (the port),
//! [`PlayReport`] (what was queued and what could not be), [`PlayError`]; the adapters
//! [`HomeAssistant`] and [`Mpd`], and [`Players`], which routes on the `speaker_entity`.

use std::path::PathBuf;

use async_trait::async_trait;
use serde::Serialize;

mod error;
pub mod home_assistant;
pub mod mpd;
mod players;

pub use error::PlayError;
pub use home_assistant::HomeAssistant;
pub use mpd::Mpd;
pub use players::{Players, HOME_ASSISTANT_TIMEOUT, MPD_TIMEOUT};

/// One track, resolved to everything a player or a playlist file can use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayItem {
    pub track_id: i64,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    /// A streaming-provider URI (e.g. `spotify:track:…`) when known: Music Assistant plays it
    /// directly instead of searching for "artist - title".
    pub provider_uri: Option<String>,
    /// The local audio file, when the library scanner found one (MPD needs it).
    pub file_path: Option<PathBuf>,
    /// A remote URL (e.g. a 30-second preview) usable by playlist files.
    pub url: Option<String>,
}

/// A track the target could not queue, and why (MPD: no local file, outside `music_dir`, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotQueued {
    pub track_id: i64,
    pub reason: String,
}

/// What a target did with a play request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayReport {
    /// `"home_assistant"` or `"mpd"`.
    pub target: String,
    pub speaker_entity: String,
    pub queued: usize,
    pub not_queued: Vec<NotQueued>,
}

/// The playback port: play `items`, in order, replacing whatever `speaker_entity` was playing.
///
/// `speaker_entity` is a Home Assistant entity id (`media_player.kitchen`) or an MPD address
/// (`mpd://host:port`); an adapter that cannot serve the given entity returns
/// [`PlayError::InvalidTarget`].
#[async_trait]
pub trait PlaybackTarget: Send + Sync {
    async fn play(&self, speaker_entity: &str, items: &[PlayItem])
        -> Result<PlayReport, PlayError>;
}
