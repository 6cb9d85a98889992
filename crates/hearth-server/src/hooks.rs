//! What happens after listens are committed. Every path that stores listens — the webhook, the
//! ListenBrainz-compatible API, imports — calls [`ListenHooks::notify`] with what it stored, so
//! follow-up work (updating that profile's taste incrementally, queueing analysis of new tracks)
//! is the same for live and imported listens. Hooks run after the commit: they cannot undo an
//! acknowledged write, and their failures are logged, not returned.

use async_trait::async_trait;
use hearth_core::clock::UnixMs;
use hearth_core::ids::{ProfileId, TrackId};
use std::sync::{Arc, RwLock};

/// One committed listen.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredListen {
    pub listen_id: i64,
    pub track_id: TrackId,
    pub profile_id: ProfileId,
    pub ts: UnixMs,
    pub ms_played: Option<i64>,
    pub duration_ms: Option<i64>,
    pub skipped: bool,
    /// The track was created by this listen.
    pub new_track: bool,
}

/// Reacts to committed listens.
#[async_trait]
pub trait ListenHook: Send + Sync {
    /// Called once per committed batch, in commit order.
    async fn on_listens(&self, listens: &[StoredListen]);
}

/// The registered hooks (shared by the ingest task, the importers and the handlers).
#[derive(Clone, Default)]
pub struct ListenHooks(Arc<RwLock<Vec<Arc<dyn ListenHook>>>>);

impl ListenHooks {
    pub fn add(&self, hook: Arc<dyn ListenHook>) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).push(hook);
    }

    pub async fn notify(&self, listens: &[StoredListen]) {
        if listens.is_empty() {
            return;
        }
        let hooks: Vec<Arc<dyn ListenHook>> =
            self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        for h in hooks {
            h.on_listens(listens).await;
        }
    }
}

/// The committed listens of one `import_listens` call on `batch`, for [`ListenHooks::notify`]:
/// imports and the ListenBrainz API both store through that keyed bulk path.
pub fn stored_from_import(
    batch: &[hearth_core::model::NewListen],
    outcome: &hearth_store::ImportOutcome,
) -> Vec<StoredListen> {
    let new_tracks: std::collections::HashSet<TrackId> =
        outcome.new_tracks.iter().copied().collect();
    let mut first_seen = std::collections::HashSet::new();
    outcome
        .stored
        .iter()
        .zip(&outcome.stored_rows)
        .filter_map(|(&(listen_id, track_id), &row)| {
            let l = batch.get(row)?;
            Some(StoredListen {
                listen_id,
                track_id,
                profile_id: l.profile_id,
                ts: l.ts,
                ms_played: l.ms_played,
                duration_ms: l.track.duration_ms,
                skipped: l.skipped,
                // Only the first listen of a track this batch created counts as creating it.
                new_track: new_tracks.contains(&track_id) && first_seen.insert(track_id),
            })
        })
        .collect()
}
