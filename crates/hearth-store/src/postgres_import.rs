//! The PostgreSQL side of bulk imports ([`crate::ListenStore::import_listens`]), the portable
//! form: rows come back from the server in one response, so `RETURNING` per stored listen is
//! cheap here, and it stays exact when other server processes import at the same time (a key
//! another writer stored first is not returned, so its row counts as a duplicate).

use crate::sql::placeholders;
use crate::StoreError;
use hearth_core::model::NewListen;
use sqlx::{Postgres, Row, Transaction};
use std::collections::HashMap;

/// Keys per `IN (…)` lookup.
const KEY_CHUNK: usize = 500;
/// Listens per multi-row INSERT.
const LISTEN_CHUNK: usize = 300;
const LISTEN_COLS: usize = 9;

type Tx = Transaction<'static, Postgres>;

impl crate::PgStore {
    /// `norm_key -> id` of the tracks among `keys` that exist.
    pub(crate) async fn import_known_tracks(
        tx: &mut Tx,
        keys: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut ids = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(KEY_CHUNK) {
            let sql = format!(
                "SELECT id, norm_key FROM tracks WHERE norm_key IN ({})",
                placeholders(chunk.len(), 1)
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            for r in q.fetch_all(&mut **tx).await? {
                ids.insert(r.try_get("norm_key")?, r.try_get("id")?);
            }
        }
        Ok(ids)
    }

    /// Inserts the listens of `batch` (every one has a `dedup_key`; `track_ids[i]` is the track
    /// of `batch[i]`). Returns, per row, the new listen's id, or `None` when its key was already
    /// stored or occurred earlier in the batch (a duplicate).
    pub(crate) async fn import_insert_listens(
        tx: &mut Tx,
        batch: &[NewListen],
        track_ids: &[i64],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        let mut stored: HashMap<String, i64> = HashMap::new();
        let rows: Vec<usize> = (0..batch.len()).collect();
        for chunk in rows.chunks(LISTEN_CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|r| format!("({})", placeholders(LISTEN_COLS, 1 + r * LISTEN_COLS)))
                .collect();
            let sql = format!(
                "INSERT INTO listen_events (track_id, profile_id, ts, source, speaker_name, \
                 ms_played, skipped, reason_end, dedup_key) VALUES {} \
                 ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for &i in chunk {
                q = bind_listen!(q, batch[i], track_ids[i]);
            }
            for r in q.fetch_all(&mut **tx).await? {
                stored.insert(r.try_get("dedup_key")?, r.try_get("id")?);
            }
        }
        // The first row with a stored key takes its id; repeats of it are duplicates.
        Ok(batch
            .iter()
            .map(|l| l.dedup_key.as_ref().and_then(|k| stored.remove(k)))
            .collect())
    }
}
