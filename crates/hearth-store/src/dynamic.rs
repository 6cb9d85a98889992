//! The living-playlist and approval-queue port (SPEC §8.3, §8.4): the current living playlist of
//! a profile (a `playlists` row of kind `dynamic`), its refresh history with diffs, snapshots
//! (`playlists` rows of kind `snapshot`), the profile's cycling aggressiveness, and the
//! `candidates` queue with trial plays / skips counted from listening history.

use crate::ports::StoreResult;
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::dynamic::{Added, LivingItem, Removed};
use hearth_core::ids::{PlaylistId, ProfileId, TrackId};
use serde::{Deserialize, Serialize};

/// The live list of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivingPlaylist {
    pub playlist_id: PlaylistId,
    pub items: Vec<LivingItem>,
    /// When the living playlist was first built.
    pub created_at: UnixMs,
    /// When it last changed.
    pub updated_at: UnixMs,
}

/// What produced a list in the refresh history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshKind {
    Refresh,
    Rollback,
}

impl RefreshKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshKind::Refresh => "refresh",
            RefreshKind::Rollback => "rollback",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "refresh" => Some(RefreshKind::Refresh),
            "rollback" => Some(RefreshKind::Rollback),
            _ => None,
        }
    }
}

/// The list a rollback restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestoreSource {
    /// The list right after refresh (or rollback) `id`.
    RefreshId(i64),
    /// A snapshot playlist.
    SnapshotId(PlaylistId),
}

/// A refresh (or rollback) to record: the whole list after it and its diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRefresh {
    pub kind: RefreshKind,
    pub items: Vec<LivingItem>,
    pub added: Vec<Added>,
    pub removed: Vec<Removed>,
    /// The change budget the refresh ran with (`None`: initial build or rollback, unbounded).
    pub budget: Option<usize>,
    pub aggressiveness: u32,
    pub restored_from: Option<RestoreSource>,
}

/// A recorded refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub id: i64,
    pub profile_id: ProfileId,
    pub kind: RefreshKind,
    pub items: Vec<LivingItem>,
    pub added: Vec<Added>,
    pub removed: Vec<Removed>,
    pub budget: Option<usize>,
    pub aggressiveness: u32,
    pub restored_from: Option<RestoreSource>,
    pub created_at: UnixMs,
}

/// A frozen copy of a living playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub id: PlaylistId,
    pub name: String,
    pub created_at: UnixMs,
    pub track_count: i64,
    /// The refresh whose list it froze.
    pub refresh_id: Option<i64>,
}

/// Where a candidate is in the approval queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateStatus {
    /// Suggested, not yet in the living playlist.
    Pending,
    /// In the living playlist's discovery section, collecting plays and skips.
    Trial,
    /// Joined the pool.
    Approved,
    /// Never suggested again.
    Rejected,
    /// Asked again later (back of the queue).
    Skipped,
}

impl CandidateStatus {
    pub const ALL: [CandidateStatus; 5] = [
        CandidateStatus::Pending,
        CandidateStatus::Trial,
        CandidateStatus::Approved,
        CandidateStatus::Rejected,
        CandidateStatus::Skipped,
    ];
    /// Statuses still waiting for a verdict.
    pub const OPEN: [CandidateStatus; 3] = [
        CandidateStatus::Pending,
        CandidateStatus::Trial,
        CandidateStatus::Skipped,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateStatus::Pending => "pending",
            CandidateStatus::Trial => "trial",
            CandidateStatus::Approved => "approved",
            CandidateStatus::Rejected => "rejected",
            CandidateStatus::Skipped => "skipped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A suggestion to put in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCandidate {
    pub track_id: TrackId,
    /// Where it came from: `recommendation`, later `lastfm_similar`, `listenbrainz`, …
    pub source: String,
    pub seed_track_id: Option<TrackId>,
    pub predicted_score: Option<f64>,
    pub reasons: Vec<String>,
}

/// A row of the approval queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueCandidate {
    pub id: i64,
    pub profile_id: ProfileId,
    pub track_id: TrackId,
    pub source: String,
    pub seed_track_id: Option<TrackId>,
    pub predicted_score: Option<f64>,
    pub status: CandidateStatus,
    pub trial_plays: i64,
    pub trial_skips: i64,
    pub reasons: Vec<String>,
    pub created_at: UnixMs,
    pub trial_started_at: Option<UnixMs>,
    pub decided_at: Option<UnixMs>,
}

/// The living playlist and the approval queue.
#[async_trait]
pub trait DynamicStore: Send + Sync {
    /// The profile's current living playlist (`None` before its first refresh).
    async fn living_playlist(&self, profile: ProfileId) -> StoreResult<Option<LivingPlaylist>>;
    /// Makes `refresh.items` the living playlist and records the refresh, atomically.
    async fn save_refresh(
        &self,
        profile: ProfileId,
        refresh: &NewRefresh,
        now: UnixMs,
    ) -> StoreResult<RefreshRecord>;
    /// Refresh history, newest first.
    async fn refreshes(&self, profile: ProfileId, limit: u32) -> StoreResult<Vec<RefreshRecord>>;
    /// One refresh of this profile (`None`: no such refresh for this profile).
    async fn get_refresh(&self, profile: ProfileId, id: i64) -> StoreResult<Option<RefreshRecord>>;
    /// Freezes `items` as a `playlists` row of kind `snapshot`.
    async fn save_snapshot(
        &self,
        profile: ProfileId,
        name: &str,
        items: &[LivingItem],
        refresh_id: Option<i64>,
        now: UnixMs,
    ) -> StoreResult<PlaylistId>;
    /// The profile's snapshots, newest first.
    async fn snapshots(&self, profile: ProfileId) -> StoreResult<Vec<SnapshotInfo>>;
    /// The exact list of a snapshot of this profile (`None`: no such snapshot for this profile).
    async fn snapshot_items(
        &self,
        profile: ProfileId,
        id: PlaylistId,
    ) -> StoreResult<Option<Vec<LivingItem>>>;
    /// The profile's own cycling aggressiveness (`None`: use the configured default).
    async fn cycling_aggressiveness(&self, profile: ProfileId) -> StoreResult<Option<u32>>;
    /// Sets it (1–10, else `InvalidInput` naming `aggressiveness`).
    async fn set_cycling_aggressiveness(
        &self,
        profile: ProfileId,
        aggressiveness: u32,
        now: UnixMs,
    ) -> StoreResult<()>;

    /// Queues suggestions; a track already queued for the profile (in any status, so a rejected
    /// track is never suggested again) is left alone. Returns how many were added.
    async fn add_candidates(
        &self,
        profile: ProfileId,
        candidates: &[NewCandidate],
        now: UnixMs,
    ) -> StoreResult<u64>;
    /// The profile's candidates in the given statuses, best predicted score first.
    async fn candidates(
        &self,
        profile: ProfileId,
        statuses: &[CandidateStatus],
    ) -> StoreResult<Vec<QueueCandidate>>;
    async fn get_candidate(&self, id: i64) -> StoreResult<Option<QueueCandidate>>;
    /// The candidate to ask about next: trials with at least `verdict_after` trial listens
    /// first, then pending / trial by predicted score, then skipped ones, longest skipped first.
    async fn next_candidate(
        &self,
        profile: ProfileId,
        verdict_after: u32,
    ) -> StoreResult<Option<QueueCandidate>>;
    /// Records a verdict (or a skip) and its time. `NotFound` for an unknown id.
    async fn set_candidate_status(
        &self,
        id: i64,
        status: CandidateStatus,
        now: UnixMs,
    ) -> StoreResult<QueueCandidate>;
    /// Puts open candidates of these tracks on trial (`pending` → `trial`) and starts their
    /// trial clock when not started yet. Returns how many rows changed.
    async fn start_trials(
        &self,
        profile: ProfileId,
        tracks: &[TrackId],
        now: UnixMs,
    ) -> StoreResult<u64>;
    /// Recounts `trial_plays` / `trial_skips` of the profile's open candidates from its listens
    /// since each trial started (a skipped listen is a trial skip, any other a trial play).
    async fn update_trial_counts(&self, profile: ProfileId) -> StoreResult<()>;
}

/// Decodes a `candidates` row.
macro_rules! candidate_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let status: String = r.try_get("status")?;
        let reasons: String = r.try_get("reasons")?;
        let seed: Option<i64> = r.try_get("seed_track_id")?;
        crate::dynamic::QueueCandidate {
            id: r.try_get("id")?,
            profile_id: hearth_core::ids::ProfileId(r.try_get("profile_id")?),
            track_id: hearth_core::ids::TrackId(r.try_get("track_id")?),
            source: r.try_get("source")?,
            seed_track_id: seed.map(hearth_core::ids::TrackId),
            predicted_score: r.try_get("predicted_score")?,
            status: crate::dynamic::CandidateStatus::parse(&status).ok_or_else(|| {
                crate::StoreError::Corrupt(format!("candidates.status {status:?}"))
            })?,
            trial_plays: r.try_get::<i64, _>("trial_plays")?,
            trial_skips: r.try_get::<i64, _>("trial_skips")?,
            reasons: serde_json::from_str(&reasons)
                .map_err(|e| crate::StoreError::Corrupt(format!("candidates.reasons: {e}")))?,
            created_at: r.try_get("created_at")?,
            trial_started_at: r.try_get("trial_started_at")?,
            decided_at: r.try_get("decided_at")?,
        }
    }};
}

/// Decodes a `living_refreshes` row.
macro_rules! refresh_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let kind: String = r.try_get("kind")?;
        let col = |c: &str| -> Result<String, crate::StoreError> { Ok(r.try_get(c)?) };
        let restored: Option<String> = r.try_get("restored_from")?;
        let budget: Option<i64> = r.try_get("budget")?;
        let aggressiveness: i64 = r.try_get::<i32, _>("aggressiveness")?.into();
        crate::dynamic::RefreshRecord {
            id: r.try_get("id")?,
            profile_id: hearth_core::ids::ProfileId(r.try_get("profile_id")?),
            kind: crate::dynamic::RefreshKind::parse(&kind).ok_or_else(|| {
                crate::StoreError::Corrupt(format!("living_refreshes.kind {kind:?}"))
            })?,
            items: crate::dynamic::json_column("items", &col("items")?)?,
            added: crate::dynamic::json_column("added", &col("added")?)?,
            removed: crate::dynamic::json_column("removed", &col("removed")?)?,
            budget: budget.map(|b| b as usize),
            aggressiveness: aggressiveness as u32,
            restored_from: restored
                .map(|s| crate::dynamic::json_column("restored_from", &s))
                .transpose()?,
            created_at: r.try_get("created_at")?,
        }
    }};
}

/// The JSON kept in `playlist_items.reason` for a living-playlist entry.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ItemReason {
    pub section: hearth_core::dynamic::Section,
    pub reasons: Vec<String>,
}

/// Parses a JSON column of `living_refreshes`.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    col: &str,
    text: &str,
) -> Result<T, crate::StoreError> {
    serde_json::from_str(text)
        .map_err(|e| crate::StoreError::Corrupt(format!("living_refreshes.{col}: {e}")))
}
