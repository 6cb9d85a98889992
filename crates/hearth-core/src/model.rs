//! Domain records shared by every crate. Field names follow SPEC §4 and the haunt-fm seeds.

use crate::clock::UnixMs;
use crate::ids::{ProfileId, TrackId};
use serde::{Deserialize, Serialize};

/// Where a track entered the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackOrigin {
    /// A file in a scanned library root.
    Library,
    /// Found by discovery (Last.fm, ListenBrainz, iTunes).
    Discovered,
    /// First seen in listening history (webhook, import, LB API).
    History,
}

impl TrackOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackOrigin::Library => "library",
            TrackOrigin::Discovered => "discovered",
            TrackOrigin::History => "history",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "library" => TrackOrigin::Library,
            "discovered" => TrackOrigin::Discovered,
            "history" => TrackOrigin::History,
            _ => return None,
        })
    }
}

/// Lifecycle of a track in the recommendation pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    Active,
    Candidate,
    Approved,
    Rejected,
    Blacklisted,
}

impl TrackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackStatus::Active => "active",
            TrackStatus::Candidate => "candidate",
            TrackStatus::Approved => "approved",
            TrackStatus::Rejected => "rejected",
            TrackStatus::Blacklisted => "blacklisted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => TrackStatus::Active,
            "candidate" => TrackStatus::Candidate,
            "approved" => TrackStatus::Approved,
            "rejected" => TrackStatus::Rejected,
            "blacklisted" => TrackStatus::Blacklisted,
            _ => return None,
        })
    }
}

/// A recording in the catalogue. One row per `norm_key` (see [`crate::norm::norm_key`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: TrackId,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    pub spotify_id: Option<String>,
    pub itunes_id: Option<String>,
    pub file_path: Option<String>,
    pub preview_url: Option<String>,
    /// A player's own URI for the recording (Music Assistant `media_content_id`, `spotify:track:…`).
    pub provider_uri: Option<String>,
    /// Free-form tags (genres, moods) as a JSON array of strings.
    pub tags: Vec<String>,
    pub norm_key: String,
    pub origin: TrackOrigin,
    pub status: TrackStatus,
    pub added_at: UnixMs,
}

/// What is known about a track when it is first met; the store resolves it by `norm_key`,
/// filling in fields the existing row lacks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TrackInput {
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    pub spotify_id: Option<String>,
    pub itunes_id: Option<String>,
    pub file_path: Option<String>,
    pub preview_url: Option<String>,
    pub provider_uri: Option<String>,
    pub tags: Vec<String>,
}

impl TrackInput {
    pub fn new(artist: impl Into<String>, title: impl Into<String>) -> Self {
        TrackInput {
            title: title.into(),
            artist: artist.into(),
            ..Default::default()
        }
    }
    /// The identity key of this recording.
    pub fn norm_key(&self) -> String {
        crate::norm::norm_key(&self.artist, &self.title)
    }
}

/// A listener profile (a named bucket, not an account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: ProfileId,
    pub name: String,
    pub display_name: Option<String>,
    pub created_at: UnixMs,
}

/// Aggregates shown with a profile (haunt-fm "details + stats").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileStats {
    pub event_count: i64,
    pub track_count: i64,
    pub last_listen: Option<UnixMs>,
    pub speakers: Vec<String>,
}

/// A listen about to be stored. `profile` is already resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewListen {
    pub track: TrackInput,
    pub profile_id: ProfileId,
    pub ts: UnixMs,
    pub source: String,
    pub speaker_name: Option<String>,
    pub ms_played: Option<i64>,
    pub skipped: bool,
    pub reason_end: Option<String>,
    /// A stable key for idempotent imports (`None` for live listens, which use the 60-s window).
    pub dedup_key: Option<String>,
}

/// A stored listen, joined with its track and profile names for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenEvent {
    pub id: i64,
    pub track_id: TrackId,
    pub profile_id: ProfileId,
    pub profile: String,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub ts: UnixMs,
    pub source: String,
    pub speaker_name: Option<String>,
    pub ms_played: Option<i64>,
    pub skipped: bool,
    pub reason_end: Option<String>,
}

/// The window inside which the same profile + track is a duplicate listen (haunt-fm: 60 s).
pub const LISTEN_DEDUP_WINDOW_MS: i64 = 60_000;

/// Outcome of recording a listen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ListenOutcome {
    /// Stored as a new event.
    Stored {
        listen_id: i64,
        track_id: TrackId,
        new_track: bool,
    },
    /// Same profile and track within the dedup window (or the same import key): not stored.
    Duplicate { track_id: TrackId },
}

/// Explicit and implicit feedback kinds (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    Play,
    Like,
    Love,
    Favorite,
    Dislike,
    Hate,
    Skip,
    BadRecommendation,
}

impl FeedbackKind {
    pub const ALL: [FeedbackKind; 8] = [
        FeedbackKind::Play,
        FeedbackKind::Like,
        FeedbackKind::Love,
        FeedbackKind::Favorite,
        FeedbackKind::Dislike,
        FeedbackKind::Hate,
        FeedbackKind::Skip,
        FeedbackKind::BadRecommendation,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Play => "play",
            FeedbackKind::Like => "like",
            FeedbackKind::Love => "love",
            FeedbackKind::Favorite => "favorite",
            FeedbackKind::Dislike => "dislike",
            FeedbackKind::Hate => "hate",
            FeedbackKind::Skip => "skip",
            FeedbackKind::BadRecommendation => "bad_recommendation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A feedback row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub profile_id: ProfileId,
    pub track_id: TrackId,
    pub kind: FeedbackKind,
    pub rating: Option<f64>,
    pub vibe: Option<String>,
    pub ts: UnixMs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_strings() {
        for k in FeedbackKind::ALL {
            assert_eq!(FeedbackKind::parse(k.as_str()), Some(k));
        }
        for o in [
            TrackOrigin::Library,
            TrackOrigin::Discovered,
            TrackOrigin::History,
        ] {
            assert_eq!(TrackOrigin::parse(o.as_str()), Some(o));
        }
        assert_eq!(FeedbackKind::parse("meh"), None);
    }
}
