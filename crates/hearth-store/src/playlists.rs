//! The playlist port: saved playlists (`playlists`) and their ordered items (`playlist_items`).

use crate::ports::StoreResult;
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::ids::{PlaylistId, ProfileId, TrackId};
use hearth_core::model::Track;
use serde::{Deserialize, Serialize};

/// `playlists.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaylistKind {
    /// Made by `POST /api/playlists/generate` or `hearth playlist generate`.
    Generated,
    /// The living playlist of a profile.
    Dynamic,
    /// A frozen copy of the living playlist.
    Snapshot,
}

impl PlaylistKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaylistKind::Generated => "generated",
            PlaylistKind::Dynamic => "dynamic",
            PlaylistKind::Snapshot => "snapshot",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "generated" => Some(PlaylistKind::Generated),
            "dynamic" => Some(PlaylistKind::Dynamic),
            "snapshot" => Some(PlaylistKind::Snapshot),
            _ => None,
        }
    }
}

/// A playlist to save; item positions are their indices (0-based).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPlaylist {
    /// `None`: a guest playlist (vibe only, no profile).
    pub profile_id: Option<ProfileId>,
    pub name: String,
    pub kind: PlaylistKind,
    /// How it was made (request parameters, rules not met…), a JSON object.
    pub params: serde_json::Value,
    pub created_at: UnixMs,
    pub items: Vec<NewPlaylistItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPlaylistItem {
    pub track_id: TrackId,
    /// Why it is there (kind, reasons…), a JSON object.
    pub reason: serde_json::Value,
}

/// A saved playlist without its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaylistSummary {
    pub id: PlaylistId,
    pub profile_id: Option<ProfileId>,
    /// The profile's name (`None` for guests).
    pub profile: Option<String>,
    pub name: String,
    pub kind: PlaylistKind,
    pub params: serde_json::Value,
    pub created_at: UnixMs,
    pub item_count: i64,
}

/// One item of a saved playlist, joined to its track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPlaylistItem {
    pub position: i64,
    pub track: Track,
    pub reason: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPlaylist {
    pub summary: PlaylistSummary,
    /// In position order.
    pub items: Vec<StoredPlaylistItem>,
}

/// Saved playlists.
#[async_trait]
pub trait PlaylistStore: Send + Sync {
    /// Saves the playlist and all its items in one transaction. The name must not be empty;
    /// an unknown track or profile is `NotFound` and nothing is written.
    async fn save_playlist(&self, playlist: &NewPlaylist) -> StoreResult<PlaylistId>;
    /// Newest first (ties: higher id first), with item counts; `profile` filters to one
    /// profile's playlists.
    async fn list_playlists(
        &self,
        profile: Option<ProfileId>,
        limit: u32,
    ) -> StoreResult<Vec<PlaylistSummary>>;
    /// The playlist with its items joined to their tracks, or `None`.
    async fn get_playlist(&self, id: PlaylistId) -> StoreResult<Option<StoredPlaylist>>;
}
