//! The store ports: capabilities the rest of Hearth asks of persistence.

use crate::StoreError;
use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::ids::{JobId, ProfileId, TrackId};
use hearth_core::model::{
    Feedback, ListenEvent, ListenOutcome, NewListen, Profile, ProfileStats, Track, TrackInput,
    TrackOrigin,
};
use serde::{Deserialize, Serialize};

pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// Profiles, their speaker mappings, preferences and ListenBrainz tokens.
#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Every profile with its stats, ordered by name.
    async fn list_profiles(&self) -> StoreResult<Vec<(Profile, ProfileStats)>>;
    async fn get_profile(&self, name: &str) -> StoreResult<Option<Profile>>;
    async fn profile_stats(&self, id: ProfileId) -> StoreResult<ProfileStats>;
    /// Creates a profile; `Conflict` when the name exists. The name must be valid.
    async fn create_profile(
        &self,
        name: &str,
        display_name: Option<&str>,
        now: UnixMs,
    ) -> StoreResult<Profile>;
    /// Returns the profile, creating it when absent; the flag says whether it was created.
    async fn ensure_profile(&self, name: &str, now: UnixMs) -> StoreResult<(Profile, bool)>;
    /// Deletes a profile after reassigning its listens, feedback and speakers' events to
    /// `default`. `default` itself cannot be deleted (`InvalidInput`); unknown → `NotFound`.
    async fn delete_profile(&self, name: &str) -> StoreResult<()>;
    async fn speakers(&self, profile: ProfileId) -> StoreResult<Vec<String>>;
    /// Replaces the profile's speaker mappings; a speaker mapped to another profile moves here.
    async fn set_speakers(&self, profile: ProfileId, speakers: &[String]) -> StoreResult<()>;
    async fn profile_for_speaker(&self, speaker_name: &str) -> StoreResult<Option<Profile>>;
    async fn preferences(&self, profile: ProfileId) -> StoreResult<serde_json::Value>;
    async fn set_preferences(
        &self,
        profile: ProfileId,
        prefs: &serde_json::Value,
    ) -> StoreResult<()>;
    /// Stores the hash of a profile's ListenBrainz-compatible token (replacing any earlier one).
    async fn set_token_hash(&self, profile: ProfileId, token_hash: &str) -> StoreResult<()>;
    async fn profile_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<Profile>>;
}

/// Listening history.
#[async_trait]
pub trait ListenStore: Send + Sync {
    /// Records listens in one transaction, in order. Each resolves its track by `norm_key`
    /// (creating it with origin `history`). A listen with a `dedup_key` already stored, or with
    /// the same profile and track within `dedup_window_ms` of a stored listen (or an earlier one in
    /// the same batch), is a `Duplicate` and writes nothing.
    async fn record_listens(
        &self,
        batch: &[NewListen],
        dedup_window_ms: i64,
    ) -> StoreResult<Vec<ListenOutcome>>;
    /// Bulk path for imports: every listen carries a `dedup_key` (the stable row key); rows whose
    /// key is already stored are duplicates. One transaction, a few multi-row statements per
    /// thousand rows (no 60-s window: imports are deduplicated by key alone).
    async fn import_listens(&self, batch: &[NewListen]) -> StoreResult<ImportOutcome>;
    /// Opens a bulk import that writes many batches in one transaction: fewer commits make a
    /// large import several times faster (each commit writes every index page its rows touched;
    /// issue 3). On SQLite an open session holds the one writer connection, so other writes wait
    /// until it commits: commit every few tens of thousands of rows.
    async fn begin_import(&self) -> StoreResult<Box<dyn ImportSession>>;
    /// Newest first; `profile` filters to one profile (`default` includes legacy NULL rows).
    async fn recent_listens(
        &self,
        profile: Option<ProfileId>,
        limit: u32,
    ) -> StoreResult<Vec<ListenEvent>>;
    /// Every listen of one profile, oldest first (taste rebuilds).
    async fn listens_of_profile(&self, profile: ProfileId) -> StoreResult<Vec<ListenEvent>>;
    /// The household's listening days, the baskets of co-listening (SPEC §7.4): each distinct
    /// (profile, UTC day, track) of a listen that was not a skip, ordered by profile, day and
    /// track. Legacy rows without a profile count as the default profile's.
    async fn listening_days(&self) -> StoreResult<Vec<ListeningDay>>;
}

/// One (profile, day, track) of [`ListenStore::listening_days`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListeningDay {
    pub profile_id: ProfileId,
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    pub track_id: TrackId,
}

/// A bulk import writing many batches per transaction (see [`ListenStore::begin_import`]):
/// batches accumulate in one transaction until [`ImportSession::commit`]; the next batch opens
/// a new one. Dropping the session rolls back the batches written since the last commit. It
/// remembers the ids of the tracks it has seen, so later batches skip looking them up.
#[async_trait]
pub trait ImportSession: Send {
    /// Writes one batch inside the session's transaction, with the rules of
    /// [`ListenStore::import_listens`]; keys written earlier in the session count as stored.
    /// After an error the session must be dropped (its uncommitted batches are rolled back).
    async fn import_listens(&mut self, batch: &[NewListen]) -> StoreResult<ImportOutcome>;
    /// Makes everything written through this session so far durable (and, on SQLite, frees
    /// the writer connection for other writes until the next batch).
    async fn commit(&mut self) -> StoreResult<()>;
}

/// What a bulk import stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// Newly stored listens: (listen id, track id), in input order.
    pub stored: Vec<(i64, TrackId)>,
    /// For each entry of `stored`, the index of its row in the batch (so callers can pair a
    /// stored listen with the row it came from, e.g. for listen hooks).
    pub stored_rows: Vec<usize>,
    /// Rows whose key was already stored (or repeated within the batch).
    pub duplicates: usize,
    /// Tracks this batch created (to queue analysis and discovery).
    pub new_tracks: Vec<TrackId>,
}

/// The track catalogue.
#[async_trait]
pub trait TrackStore: Send + Sync {
    async fn get_track(&self, id: TrackId) -> StoreResult<Option<Track>>;
    /// Resolves a track by identity, creating it when new and filling fields it lacks.
    async fn upsert_track(
        &self,
        input: &TrackInput,
        origin: TrackOrigin,
        now: UnixMs,
    ) -> StoreResult<(TrackId, bool)>;
    /// Case-insensitive substring search over title, artist and album.
    async fn search_tracks(&self, query: &str, limit: u32) -> StoreResult<Vec<Track>>;
}

/// Explicit feedback.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    async fn add_feedback(&self, feedback: &Feedback) -> StoreResult<i64>;
    async fn feedback_of_profile(&self, profile: ProfileId) -> StoreResult<Vec<Feedback>>;
}

/// State of a queued job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => return None,
        })
    }
}

/// A job row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: UnixMs,
    pub locked_by: Option<String>,
    pub locked_at: Option<UnixMs>,
    pub last_error: Option<String>,
    pub progress: serde_json::Value,
    pub result: Option<serde_json::Value>,
    pub created_at: UnixMs,
    pub updated_at: UnixMs,
}

/// A job to enqueue. A `dedup_key` makes enqueueing idempotent (the existing job is returned).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub max_attempts: i64,
    pub run_after: UnixMs,
    pub dedup_key: Option<String>,
}

/// The durable job queue: claim with a lease, heartbeat, complete, retry with backoff, give up
/// after `max_attempts`, and re-queue jobs whose worker died.
#[async_trait]
pub trait JobStore: Send + Sync {
    async fn enqueue(&self, job: &NewJob, now: UnixMs) -> StoreResult<JobId>;
    /// Atomically takes the oldest runnable queued job of one of `kinds`, marking it running.
    async fn claim(&self, kinds: &[&str], worker: &str, now: UnixMs) -> StoreResult<Option<Job>>;
    async fn heartbeat(
        &self,
        id: JobId,
        worker: &str,
        progress: &serde_json::Value,
        now: UnixMs,
    ) -> StoreResult<()>;
    async fn complete(
        &self,
        id: JobId,
        worker: &str,
        result: &serde_json::Value,
        now: UnixMs,
    ) -> StoreResult<()>;
    /// Records a failure: re-queued at `retry_at` while attempts remain, else `failed`.
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: UnixMs,
        now: UnixMs,
    ) -> StoreResult<JobStatus>;
    /// Re-queues running jobs whose lease (last heartbeat) is older than `stale_before`.
    async fn requeue_stale(&self, stale_before: UnixMs, now: UnixMs) -> StoreResult<u64>;
    async fn get_job(&self, id: JobId) -> StoreResult<Option<Job>>;
    async fn list_jobs(&self, limit: u32) -> StoreResult<Vec<Job>>;
}

/// Pipeline counts for `/api/status`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StatusCounts {
    pub listens: i64,
    pub tracks: i64,
    pub analysed: i64,
    pub queued_jobs: i64,
    pub running_jobs: i64,
    pub failed_jobs: i64,
    pub candidates: i64,
    pub profiles: i64,
    pub feedback: i64,
    pub embeddings: Vec<(String, i64)>,
    pub last_discovery_run: Option<UnixMs>,
}

/// Health and counts.
#[async_trait]
pub trait StatusStore: Send + Sync {
    /// A round trip to the database.
    async fn ping(&self) -> StoreResult<()>;
    async fn status_counts(&self) -> StoreResult<StatusCounts>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

/// Scalar audio attributes of one analysed track (the `audio_features` columns besides the
/// vector). Unit attributes are in `[0, 1]`; every field may be unknown.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FeatureAttributes {
    pub tempo_bpm: Option<f64>,
    pub tempo_confidence: Option<f64>,
    pub energy: Option<f64>,
    pub danceability: Option<f64>,
    pub acousticness: Option<f64>,
    pub brightness: Option<f64>,
    pub loudness_db: Option<f64>,
    /// Pitch class 0–11.
    pub key: Option<i32>,
    /// `major` or `minor`.
    pub mode: Option<String>,
    /// Extractor-specific extras (JSON object).
    pub details: serde_json::Value,
}

/// A stored taste profile: `state` is the serde JSON of `hearth_core::taste::TasteProfile`
/// (the `centroids`/`negatives` BLOB columns of `taste_profiles` are left NULL — the JSON state
/// is complete and the listens remain the source of truth for a rebuild).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTaste {
    pub profile_id: ProfileId,
    /// Which vectors the profile was built from, e.g. `dsp-v1`.
    pub model: String,
    pub state: serde_json::Value,
    pub n_events: i64,
    pub built_at: UnixMs,
}

/// An explicit mood a profile asked for, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoodOverride {
    pub text: String,
    pub set_at: UnixMs,
    pub expires_at: UnixMs,
}

/// Audio features, taste profiles and mood overrides: what recommendations read.
#[async_trait]
pub trait RecoStore: Send + Sync {
    /// Stores (replacing) the features of `track` for extractor `version`. The vector is kept as
    /// little-endian f32 bytes; it must be non-empty and finite.
    async fn save_audio_features(
        &self,
        track: TrackId,
        version: i32,
        vector: &[f32],
        attrs: &FeatureAttributes,
        now: UnixMs,
    ) -> StoreResult<()>;
    /// Every vector of `version`, by track id (bulk load for the vector index).
    async fn audio_vectors(&self, version: i32) -> StoreResult<Vec<(TrackId, Vec<f32>)>>;
    /// Attributes of the given tracks for `version` (tracks without features are absent).
    async fn track_features(
        &self,
        ids: &[TrackId],
        version: i32,
    ) -> StoreResult<Vec<(TrackId, FeatureAttributes)>>;
    /// Attributes of every analysed track of `version` (guest vibe requests scan the catalogue).
    async fn all_track_features(
        &self,
        version: i32,
    ) -> StoreResult<Vec<(TrackId, FeatureAttributes)>>;
    /// Upserts a profile's taste state for `model`.
    async fn save_taste_profile(&self, taste: &StoredTaste) -> StoreResult<()>;
    async fn load_taste_profile(
        &self,
        profile: ProfileId,
        model: &str,
    ) -> StoreResult<Option<StoredTaste>>;
    /// Replaces the profile's explicit mood.
    async fn set_mood_override(&self, profile: ProfileId, mood: &MoodOverride) -> StoreResult<()>;
    /// The explicit mood, if one was set and has not expired at `now`.
    async fn mood_override(
        &self,
        profile: ProfileId,
        now: UnixMs,
    ) -> StoreResult<Option<MoodOverride>>;
    /// Tracks by id (missing ids are absent), for naming recommendations in one round trip.
    async fn tracks_by_ids(&self, ids: &[TrackId]) -> StoreResult<Vec<Track>>;
}

/// Encodes a vector as little-endian f32 bytes (the BLOB/BYTEA format of `audio_features`).
pub fn vector_to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Decodes little-endian f32 bytes; `Corrupt` when the length is not a multiple of four.
pub fn vector_from_bytes(b: &[u8]) -> StoreResult<Vec<f32>> {
    if b.len() % 4 != 0 {
        return Err(StoreError::Corrupt(format!(
            "vector blob of {} bytes is not a multiple of 4",
            b.len()
        )));
    }
    Ok(b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Everything a Hearth process needs from persistence.
pub trait Store:
    ProfileStore
    + ListenStore
    + TrackStore
    + FeedbackStore
    + JobStore
    + StatusStore
    + RecoStore
    + crate::stats::StatsStore
    + crate::dynamic::DynamicStore
    + crate::playlists::PlaylistStore
    + crate::library::LibraryStore
{
}

impl<T> Store for T where
    T: ProfileStore
        + ListenStore
        + TrackStore
        + FeedbackStore
        + JobStore
        + StatusStore
        + RecoStore
        + crate::stats::StatsStore
        + crate::dynamic::DynamicStore
        + crate::playlists::PlaylistStore
        + crate::library::LibraryStore
{
}
