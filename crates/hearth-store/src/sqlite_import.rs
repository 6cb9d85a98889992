//! The SQLite side of bulk imports ([`crate::ListenStore::import_listens`]): the two steps whose
//! portable form cost most of an import (issue 3).
//!
//! sqlx hands every result row from SQLite's worker thread to the calling task one at a time
//! (a channel send, often a thread wake-up, and a row decoded into owned values). A
//! `RETURNING id, track_id, dedup_key` per stored listen and a row per known track made those
//! hand-offs the bulk of an import's CPU time. Here the known tracks come back as one JSON
//! array per statement, and stored listens as a row *count*: this connection is the only writer
//! and the whole batch is one transaction, so a key absent before the insert and counted by it
//! is ours, and SQLite numbers the rows of one `INSERT … VALUES` consecutively (AUTOINCREMENT:
//! each new id is one past the largest ever used). That numbering is checked on both ends of
//! every statement; when the check fails the ids are looked up by key instead.

use crate::sql::{placeholders, positional};
use crate::StoreError;
use hearth_core::model::NewListen;
use sqlx::{Sqlite, Transaction};
use std::collections::{HashMap, HashSet};

/// Keys per `IN (…)` lookup.
const KEY_CHUNK: usize = 1_000;
/// Listens per multi-row INSERT (9 parameters each; SQLite allows 32,766 per statement).
const LISTEN_CHUNK: usize = 1_000;
const LISTEN_COLS: usize = 9;

type Tx = Transaction<'static, Sqlite>;

impl crate::SqliteStore {
    /// `norm_key -> id` of the tracks among `keys` that exist, in one row per [`KEY_CHUNK`] keys.
    pub(crate) async fn import_known_tracks(
        tx: &mut Tx,
        keys: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut ids = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(KEY_CHUNK) {
            let sql = positional(&format!(
            "SELECT json_group_array(json_array(id, norm_key)) FROM tracks WHERE norm_key IN ({})",
            placeholders(chunk.len(), 1)
        ));
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            let json = q.fetch_one(&mut **tx).await?;
            let pairs: Vec<(i64, String)> = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("known tracks as JSON: {e}")))?;
            ids.extend(pairs.into_iter().map(|(id, key)| (key, id)));
        }
        Ok(ids)
    }

    /// Inserts the listens of `batch` (every one has a `dedup_key`; `track_ids[i]` is the track of
    /// `batch[i]`). Returns, per row, the new listen's id, or `None` when its key was already stored
    /// or occurred earlier in the batch (a duplicate).
    pub(crate) async fn import_insert_listens(
        tx: &mut Tx,
        batch: &[NewListen],
        track_ids: &[i64],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        let keys: Vec<&str> = batch
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.dedup_key
                    .as_deref()
                    .ok_or_else(|| StoreError::InvalidInput {
                        field: format!("batch[{i}].dedup_key"),
                        reason: "imports need a row key".into(),
                    })
            })
            .collect::<Result<_, _>>()?;
        // 1. Keys stored before this batch (none in a first import; every row in a re-run).
        let mut stored: HashSet<String> = HashSet::new();
        for chunk in keys.chunks(KEY_CHUNK) {
            let sql = positional(&format!(
                "SELECT dedup_key FROM listen_events WHERE dedup_key IN ({})",
                placeholders(chunk.len(), 1)
            ));
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            stored.extend(q.fetch_all(&mut **tx).await?);
        }
        // 2. The rows to insert: not stored, first occurrence within the batch.
        let mut seen: HashSet<&str> = HashSet::with_capacity(keys.len());
        let fresh: Vec<usize> = (0..batch.len())
            .filter(|&i| !stored.contains(keys[i]) && seen.insert(keys[i]))
            .collect();
        // 3. Insert them; derive ids from the last one (checked), else look them up.
        let mut out = vec![None; batch.len()];
        for chunk in fresh.chunks(LISTEN_CHUNK) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| format!("({})", placeholders(LISTEN_COLS, 1 + r * LISTEN_COLS)))
                .collect();
            // ON CONFLICT stays as a guard: a key stored meanwhile is skipped, never an error.
            let sql = positional(&format!(
            "INSERT INTO listen_events (track_id, profile_id, ts, source, speaker_name, ms_played, \
             skipped, reason_end, dedup_key) VALUES {} ON CONFLICT (dedup_key) DO NOTHING",
            rows.join(", ")
        ));
            let mut q = sqlx::query(&sql);
            for &i in chunk {
                let l = &batch[i];
                q = q
                    .bind(track_ids[i])
                    .bind(l.profile_id.0)
                    .bind(l.ts)
                    .bind(&l.source)
                    .bind(&l.speaker_name)
                    .bind(l.ms_played)
                    .bind(l.skipped)
                    .bind(&l.reason_end)
                    .bind(keys[i]);
            }
            let done = q.execute(&mut **tx).await?;
            let n = chunk.len() as i64;
            let last_id = done.last_insert_rowid();
            let first_id = last_id - n + 1;
            let consecutive = done.rows_affected() == chunk.len() as u64
                && sqlx::query_scalar::<_, Option<bool>>(
                    "SELECT (SELECT dedup_key FROM listen_events WHERE id = ?) = ? \
                 AND (SELECT dedup_key FROM listen_events WHERE id = ?) = ?",
                )
                .bind(first_id)
                .bind(keys[chunk[0]])
                .bind(last_id)
                .bind(keys[chunk[chunk.len() - 1]])
                .fetch_one(&mut **tx)
                .await?
                    == Some(true);
            if consecutive {
                for (r, &i) in chunk.iter().enumerate() {
                    out[i] = Some(first_id + r as i64);
                }
                continue;
            }
            let sql = positional(&format!(
                "SELECT id, dedup_key FROM listen_events WHERE dedup_key IN ({})",
                placeholders(chunk.len(), 1)
            ));
            let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
            for &i in chunk {
                q = q.bind(keys[i]);
            }
            let ids: HashMap<String, i64> = q
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(|(id, k)| (k, id))
                .collect();
            for &i in chunk {
                out[i] = ids.get(keys[i]).copied();
            }
        }
        Ok(out)
    }
}
