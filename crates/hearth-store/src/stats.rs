//! Listening statistics and system health (`hearth stats`, after the Spotify-AI plan's `stats`
//! command): listen counts over windows, per profile, top artists and tracks, skip rate, feedback
//! counts, and the size and backlog of the store.

use crate::ports::StoreResult;
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::ids::{ProfileId, TrackId};
use serde::{Deserialize, Serialize};

/// Listening statistics over all profiles or one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ListeningStats {
    pub listens_total: i64,
    /// Listens with `ts` in `(now - 7 d, now]`.
    pub listens_7d: i64,
    /// Listens with `ts` in `(now - 30 d, now]`.
    pub listens_30d: i64,
    /// Listens flagged as skipped (all time).
    pub skipped: i64,
    /// Per profile, by listens descending then name (only profiles with listens in scope).
    pub per_profile: Vec<ProfileListens>,
    /// Artists by listens descending, then name.
    pub top_artists: Vec<ArtistPlays>,
    /// Tracks by listens descending, then id.
    pub top_tracks: Vec<TrackPlays>,
    /// Feedback rows per kind (kinds without rows are absent), by kind name.
    pub feedback: Vec<FeedbackCount>,
}

impl ListeningStats {
    /// Skipped share of all listens in `[0, 1]`; `None` without listens.
    pub fn skip_rate(&self) -> Option<f64> {
        (self.listens_total > 0).then(|| self.skipped as f64 / self.listens_total as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileListens {
    pub profile: String,
    pub listens_total: i64,
    pub listens_30d: i64,
    pub skipped: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtistPlays {
    pub artist: String,
    pub plays: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPlays {
    pub track_id: TrackId,
    pub artist: String,
    pub title: String,
    pub plays: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackCount {
    pub kind: String,
    pub count: i64,
}

/// The store's size and backlog.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemHealth {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Bytes the database occupies (SQLite: pages × page size; PostgreSQL: `pg_database_size`).
    pub db_size_bytes: i64,
    pub profiles: i64,
    pub tracks: i64,
    /// Tracks with audio features (any extractor version).
    pub analysed: i64,
    pub queued_jobs: i64,
    pub running_jobs: i64,
    pub failed_jobs: i64,
}

#[async_trait]
pub trait StatsStore: Send + Sync {
    /// Statistics of one profile (`default` includes legacy rows without a profile) or, with
    /// `None`, of everyone. `top_n` bounds the artist and track lists.
    async fn listening_stats(
        &self,
        profile: Option<ProfileId>,
        now: UnixMs,
        top_n: u32,
    ) -> StoreResult<ListeningStats>;
    async fn system_health(&self) -> StoreResult<SystemHealth>;
}
